package interop

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"odnookno/internal/audit"
	"odnookno/internal/fault"
	"odnookno/internal/interop/envelope"
	"odnookno/internal/org"
)

// Channels a request goes through (R637 p. 9).
const (
	// ChannelHTTP is the integration: a signed message to the resource's
	// endpoint, answered automatically.
	ChannelHTTP = "http"
	// ChannelSMDO is an electronic document through the inter-agency
	// document system; the officer attaches the answer document.
	ChannelSMDO = "smdo"
	// ChannelManual is information obtained by other means (the complex's
	// own subsystems, a phone call confirmed in writing) and recorded by the
	// officer.
	ChannelManual = "manual"
)

// States of a request. queued → sent → answered is the integration's path;
// failed ends it (a rejected answer, a refusal, attempts exhausted); late is
// an open request past its answer term, still waiting; smdo_pending waits
// for the officer to attach the СМДО answer.
const (
	StateQueued      = "queued"
	StateSent        = "sent"
	StateAnswered    = "answered"
	StateFailed      = "failed"
	StateLate        = "late"
	StateSMDOPending = "smdo_pending"
)

// openStates may still receive an answer.
const openStates = "('queued', 'sent', 'late', 'smdo_pending')"

// Answer statuses besides the resource's own verdicts (envelope.Status*).
const (
	AnswerDocument = "document" // an СМДО answer document attached by the officer
	AnswerManual   = "manual"   // recorded by the officer
)

// RequestSpec is a request formed from an application: Payload holds the
// service's input fields, filled from the form as the regulation maps them.
type RequestSpec struct {
	CaseNumber string
	CaseID     int64
	// SubjectUID is the citizen the request is about, for the audit trail.
	SubjectUID string
	BodyCode   string // the authorized body asking; the staff user's own
	StaffID    int64  // the officer on whose behalf the request goes
	Resource   string
	Service    string
	Payload    map[string]any
	// Channel is ChannelHTTP (default), ChannelSMDO or ChannelManual.
	Channel string
}

// Request is one inter-agency request.
type Request struct {
	ID            int64
	CorrelationID string
	CaseNumber    string
	CaseID        int64
	SubjectUID    string
	BodyCode      string
	StaffID       int64
	Resource      string
	Service       string
	Channel       string
	State         string
	Payload       map[string]any
	Attempts      int
	NextRetry     time.Time
	CreatedAt     time.Time
	SentAt        time.Time
	AnsweredAt    time.Time
	// DueAt is the moment the answer term ends: the start of the day after
	// its last working day, Minsk time.
	DueAt         time.Time
	WasLate       bool // marked late, or answered after DueAt
	LastError     string
	LastErrorAt   time.Time
	AnswerStatus  string
	AnswerPayload map[string]any
	DocumentCode  string // the СМДО request document, when there is one
}

// Open reports whether the request still waits for an answer.
func (r Request) Open() bool {
	switch r.State {
	case StateQueued, StateSent, StateLate, StateSMDOPending:
		return true
	}
	return false
}

// DueDate is the last working day of the answer term, as a date.
func (r Request) DueDate() time.Time {
	d := r.DueAt.In(minsk).Add(-time.Nanosecond)
	y, m, day := d.Date()
	return time.Date(y, m, day, 0, 0, 0, 0, time.UTC)
}

// Answer is what the AnswerSink receives: the request it answers and what
// the answer says.
type Answer struct {
	RequestID     int64
	CorrelationID string
	CaseNumber    string
	CaseID        int64
	SubjectUID    string
	BodyCode      string
	StaffID       int64
	Resource      string
	Service       string
	// Channel is how the answer came: ChannelHTTP, ChannelSMDO, ChannelManual.
	Channel string
	// Status is the resource's verdict (envelope.StatusOK, StatusNotFound,
	// StatusError) or AnswerDocument / AnswerManual.
	Status  string
	Payload map[string]any
	Error   string // the resource's reason when Status is "error"
	// MessageID is the answer in the archive.
	MessageID  int64
	AnsweredAt time.Time
	Late       bool
}

// RequestForCase forms a request in the caller's transaction (the case's
// registration or the officer's action), so the request, its signed message,
// its job and its audit record exist exactly when tx commits.
//
// Over HTTP the staff user needs an approved grant: without one the result
// is a fault.Forbidden error with code CodeNoGrant, and the refusal is
// audited in tx — a caller that wants the refusal kept (registering the
// case anyway, offering СМДО) treats that error as an outcome and commits.
func (s *Service) RequestForCase(ctx context.Context, tx *sql.Tx, spec RequestSpec) (Request, error) {
	actor := audit.ActorFrom(ctx)
	if actor.Role == audit.RoleAnonymous {
		actor = audit.System
	}
	return s.create(ctx, tx, spec, actor)
}

// Send is the officer sending a request from the case: RequestForCase in a
// transaction of its own. A refusal for want of a grant is committed (it is
// audited) and returned as the error.
func (s *Service) Send(ctx context.Context, officer org.Staff, spec RequestSpec) (Request, error) {
	if spec.StaffID == 0 {
		spec.StaffID = officer.ID
	}
	if spec.StaffID != officer.ID {
		return Request{}, fault.New(fault.Forbidden, CodeNotYourBody, nil)
	}
	var r Request
	var refused error
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		r, err = s.create(ctx, tx, spec, officer.Actor(org.RoleOfficer))
		if isNoGrant(err) {
			refused = err
			return nil
		}
		return err
	})
	if err != nil {
		return Request{}, err
	}
	if refused != nil {
		return Request{}, refused
	}
	return s.Request(ctx, r.CorrelationID)
}

func isNoGrant(err error) bool {
	var fe *fault.Error
	return errors.As(err, &fe) && fe.Code == CodeNoGrant
}

func (s *Service) create(ctx context.Context, tx *sql.Tx, spec RequestSpec, actor audit.Actor) (Request, error) {
	if spec.Channel == "" {
		spec.Channel = ChannelHTTP
	}
	switch spec.Channel {
	case ChannelHTTP, ChannelSMDO, ChannelManual:
	default:
		return Request{}, fault.Fields(fault.Field{Field: "channel", Code: CodeChannel})
	}
	if spec.Channel == ChannelSMDO && s.docs == nil {
		return Request{}, fault.New(fault.Conflict, CodeChannel, map[string]any{"channel": spec.Channel})
	}
	res, sv, err := s.lookup(ctx, tx, spec.Resource, spec.Service)
	if err != nil {
		return Request{}, err
	}
	if spec.Payload == nil {
		spec.Payload = map[string]any{}
	}
	if err := sv.checkPayload(spec.Payload); err != nil {
		return Request{}, err
	}
	st, err := s.dir.StaffByID(ctx, spec.StaffID)
	if err != nil {
		return Request{}, err
	}
	if spec.BodyCode == "" {
		spec.BodyCode = st.Body.Code
	}
	if spec.BodyCode != st.Body.Code {
		return Request{}, fault.New(fault.Forbidden, CodeNotYourBody, nil)
	}
	if spec.Channel == ChannelHTTP {
		if res.Status != ResourceActive {
			return Request{}, fault.New(fault.Conflict, CodeResourceSuspended, map[string]any{"resource": res.Code})
		}
		if res.Endpoint == "" {
			return Request{}, fault.New(fault.Conflict, CodeNoEndpoint, map[string]any{"resource": res.Code})
		}
		ok, err := s.canQuery(ctx, tx, st.ID, res.Code, sv.Code)
		if err != nil {
			return Request{}, err
		}
		if !ok {
			_, err := s.audit.Append(ctx, tx, audit.Entry{Actor: actor, Action: "interop.request_refused",
				SubjectUID: spec.SubjectUID, CaseNumber: spec.CaseNumber, ObjectType: "interop_service", ObjectID: sv.FullCode(),
				Reason: CodeNoGrant, Details: map[string]any{"staff": st.ID, "channel": spec.Channel}})
			if err != nil {
				return Request{}, err
			}
			s.metrics.refused.WithLabelValues(res.Code, sv.Code).Inc()
			return Request{}, fault.New(fault.Forbidden, CodeNoGrant, map[string]any{"resource": res.Code, "service": sv.Code})
		}
	}

	now := s.clock()
	due, err := s.dueAt(ctx, now, res.AnswerDays)
	if err != nil {
		return Request{}, err
	}
	payload, err := json.Marshal(spec.Payload)
	if err != nil {
		return Request{}, fault.Fields(fault.Field{Field: "payload", Code: CodeInvalid})
	}
	r := Request{CorrelationID: envelope.NewID(), CaseNumber: spec.CaseNumber, CaseID: spec.CaseID, SubjectUID: spec.SubjectUID,
		BodyCode: spec.BodyCode, StaffID: st.ID, Resource: res.Code, Service: sv.Code, Channel: spec.Channel,
		Payload: spec.Payload, CreatedAt: now, DueAt: due}
	switch spec.Channel {
	case ChannelHTTP:
		r.State = StateQueued
	case ChannelSMDO:
		r.State = StateSMDOPending
	case ChannelManual:
		r.State, r.SentAt = StateSent, now
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO interop_requests (correlation_id, case_number, case_id, subject_uid, body_code,
		staff_id, resource, service, channel, state, payload, created_at, sent_at, due_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$12) RETURNING id`,
		r.CorrelationID, r.CaseNumber, r.CaseID, r.SubjectUID, r.BodyCode, r.StaffID, r.Resource, r.Service, r.Channel,
		r.State, string(payload), now, timeOrNil(r.SentAt), due).Scan(&r.ID)
	if err != nil {
		return Request{}, fmt.Errorf("interop: store request: %w", err)
	}

	switch spec.Channel {
	case ChannelHTTP:
		body, sig, err := envelope.Seal(s.signer, envelope.Request{ID: r.CorrelationID, Sender: s.sender,
			User: userLabel(st), Case: r.CaseNumber, Service: sv.FullCode(), Time: now, Payload: payload})
		if err != nil {
			return Request{}, fmt.Errorf("interop: seal request: %w", err)
		}
		if _, err := s.archive(ctx, tx, message{request: r, direction: DirectionRequest, channel: ChannelHTTP,
			mediaType: envelope.MediaType, body: body, sig: sig, verified: true, signer: s.signer.Certificate().Subject.CommonName}); err != nil {
			return Request{}, err
		}
		if _, err := s.q.InsertTx(ctx, tx, sendArgs{RequestID: r.ID, CorrelationID: r.CorrelationID},
			&river.InsertOpts{MaxAttempts: s.attempts}); err != nil {
			return Request{}, err
		}
	case ChannelSMDO:
		if r.DocumentCode, err = s.smdoDocument(ctx, tx, r, res, sv, st); err != nil {
			return Request{}, err
		}
	}
	_, err = s.audit.Append(ctx, tx, audit.Entry{Actor: actor, Action: "interop.request", SubjectUID: r.SubjectUID,
		CaseNumber: r.CaseNumber, ObjectType: "interop_request", ObjectID: r.CorrelationID,
		Details: map[string]any{"service": sv.FullCode(), "channel": r.Channel, "staff": r.StaffID, "due_at": due}})
	if err != nil {
		return Request{}, err
	}
	s.metrics.requests.WithLabelValues(r.Resource, r.Service, r.Channel).Inc()
	return r, nil
}

// userLabel names the official in the signed envelope, so the resource's
// own log tells which official of which body asked (P3.3).
func userLabel(st org.Staff) string { return st.Login + "@" + st.Body.Code }

// dueAt is the end of the answer term: days working days after from on the
// national calendar, up to the end of that day in Minsk.
func (s *Service) dueAt(ctx context.Context, from time.Time, days int) (time.Time, error) {
	cal, err := s.cal.Calendar(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("interop: answer term: %w", err)
	}
	d, err := cal.AddWorkingDays(from.In(minsk), days)
	if err != nil {
		return time.Time{}, fmt.Errorf("interop: answer term: %w", err)
	}
	y, m, day := d.Date()
	return time.Date(y, m, day+1, 0, 0, 0, 0, minsk).UTC(), nil
}

const requestCols = `id, correlation_id, case_number, case_id, subject_uid, body_code, staff_id, resource, service, channel,
	state, payload, attempts, next_retry, created_at, sent_at, answered_at, due_at, was_late, last_error, last_error_at,
	answer_status, answer_payload, document_code`

func scanRequest(row interface{ Scan(...any) error }) (Request, error) {
	var r Request
	var payload, answer string
	var next, sent, answered, lastErr sql.NullTime
	err := row.Scan(&r.ID, &r.CorrelationID, &r.CaseNumber, &r.CaseID, &r.SubjectUID, &r.BodyCode, &r.StaffID, &r.Resource,
		&r.Service, &r.Channel, &r.State, &payload, &r.Attempts, &next, &r.CreatedAt, &sent, &answered, &r.DueAt, &r.WasLate,
		&r.LastError, &lastErr, &r.AnswerStatus, &answer, &r.DocumentCode)
	if errors.Is(err, sql.ErrNoRows) {
		return r, notFound(CodeRequestNotFound)
	}
	if err != nil {
		return r, err
	}
	r.CreatedAt, r.DueAt = r.CreatedAt.UTC(), r.DueAt.UTC()
	r.NextRetry, r.SentAt, r.AnsweredAt, r.LastErrorAt = nullTime(next), nullTime(sent), nullTime(answered), nullTime(lastErr)
	if err := json.Unmarshal([]byte(payload), &r.Payload); err != nil {
		return r, fmt.Errorf("interop: request %s payload: %w", r.CorrelationID, err)
	}
	if answer != "" {
		if err := json.Unmarshal([]byte(answer), &r.AnswerPayload); err != nil {
			return r, fmt.Errorf("interop: request %s answer: %w", r.CorrelationID, err)
		}
	}
	return r, nil
}

// Request returns the request with correlation ID id.
func (s *Service) Request(ctx context.Context, correlationID string) (Request, error) {
	return s.requestBy(ctx, s.db.R, "correlation_id", correlationID)
}

func (s *Service) requestBy(ctx context.Context, q queryer, col string, v any) (Request, error) {
	return scanRequest(q.QueryRowContext(ctx, "SELECT "+requestCols+" FROM interop_requests WHERE "+col+" = $1", v))
}

// RequestQuery selects requests; zero fields do not filter.
type RequestQuery struct {
	CaseNumber string
	CaseID     int64
	BodyCode   string
	StaffID    int64
	Resource   string
	Service    string
	State      string
	Limit      int // default 100, at most 1000
}

// Requests lists matching requests, newest first.
func (s *Service) Requests(ctx context.Context, q RequestQuery) ([]Request, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if q.CaseNumber != "" {
		add("case_number = $%d", q.CaseNumber)
	}
	if q.CaseID != 0 {
		add("case_id = $%d", q.CaseID)
	}
	if q.BodyCode != "" {
		add("body_code = $%d", q.BodyCode)
	}
	if q.StaffID != 0 {
		add("staff_id = $%d", q.StaffID)
	}
	if q.Resource != "" {
		add("resource = $%d", q.Resource)
	}
	if q.Service != "" {
		add("service = $%d", q.Service)
	}
	if q.State != "" {
		add("state = $%d", q.State)
	}
	if q.Limit <= 0 {
		q.Limit = 100
	}
	query := "SELECT " + requestCols + " FROM interop_requests"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += fmt.Sprintf(" ORDER BY id DESC LIMIT %d", min(q.Limit, 1000))
	rows, err := s.db.R.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("interop: requests: %w", err)
	}
	defer rows.Close()
	var out []Request
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// closeAnswered marks r answered in tx. It reports false (and changes
// nothing) when r was closed meanwhile: a request is answered once.
// alsoFailed lets an officer's answer close a request the integration gave
// up on.
func (s *Service) closeAnswered(ctx context.Context, tx *sql.Tx, r Request, status string, payload map[string]any, at time.Time, alsoFailed bool) (bool, error) {
	p := "{}"
	if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			return false, fmt.Errorf("interop: answer payload: %w", err)
		}
		p = string(b)
	}
	res, err := tx.ExecContext(ctx, `UPDATE interop_requests SET state = 'answered', answered_at = $1,
		was_late = (was_late OR due_at < $1), answer_status = $2, answer_payload = $3, next_retry = NULL, updated_at = $1
		WHERE id = $4 AND (state IN `+openStates+` OR (state = 'failed' AND $5))`, at, status, p, r.ID, alsoFailed)
	if err != nil {
		return false, fmt.Errorf("interop: record answer: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// attach hands the answer to the sink, completed from r.
func (s *Service) attach(ctx context.Context, tx *sql.Tx, r Request, a Answer) error {
	a.RequestID, a.CorrelationID, a.CaseNumber, a.CaseID, a.SubjectUID = r.ID, r.CorrelationID, r.CaseNumber, r.CaseID, r.SubjectUID
	a.BodyCode, a.StaffID, a.Resource, a.Service = r.BodyCode, r.StaffID, r.Resource, r.Service
	a.Late = r.WasLate || a.AnsweredAt.After(r.DueAt)
	if s.sink == nil {
		return nil
	}
	if err := s.sink.AnswerReceived(ctx, tx, a); err != nil {
		return fmt.Errorf("interop: attach answer to case %s: %w", r.CaseNumber, err)
	}
	return nil
}

// errAlreadyClosed is the problem noted on an answer archived for a request
// that had been closed before it came.
const errAlreadyClosed = "the request was already closed; answer kept, not attached"

// mayAct checks that an officer acts for the body that made the request.
func mayAct(officer org.Staff, r Request) error {
	if officer.Body.Code != r.BodyCode {
		return fault.New(fault.Forbidden, CodeNotYourBody, nil)
	}
	return nil
}

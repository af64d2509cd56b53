package interop

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/document"
	"odnookno/internal/fault"
	"odnookno/internal/org"
)

// States of a document in the СМДО outgoing queue.
const (
	OutgoingWaiting = "outgoing"         // rendered and signed, waiting to leave
	OutgoingSent    = "sent_by_operator" // handed to СМДО
)

// Outgoing is a request document in the СМДО outgoing queue.
type Outgoing struct {
	ID            int64
	CorrelationID string
	DocumentCode  string // in the document registry: /verify/{code}
	RecipientBody string // the resource's owner
	State         string
	CreatedAt     time.Time
	SentAt        time.Time
	SentBy        string
	CaseNumber    string
	Resource      string
	Service       string
}

// smdoDocument renders r as an electronic document (PDF signed by the
// platform), archives it and puts it in the outgoing queue, all in tx. It
// returns the document's verification code.
func (s *Service) smdoDocument(ctx context.Context, tx *sql.Tx, r Request, res Resource, sv ResourceService, st org.Staff) (string, error) {
	if s.docs == nil {
		return "", fault.New(fault.Conflict, CodeChannel, map[string]any{"channel": ChannelSMDO})
	}
	recipient := res.OwnerBody
	if b, err := s.dir.BodyByCode(ctx, res.OwnerBody); err == nil {
		recipient = b.NameRU
	} else if !errors.Is(err, fault.NotFound) {
		return "", err
	}
	fields := []document.Field{
		{Label: "Идентификатор запроса", Value: r.CorrelationID},
		{Label: "Информационный ресурс", Value: res.NameRU},
		{Label: "Запрашиваемые сведения", Value: sv.NameRU},
	}
	if r.CaseNumber != "" {
		fields = append(fields, document.Field{Label: "Номер дела", Value: r.CaseNumber})
	}
	known := map[string]bool{}
	for _, f := range sv.Input {
		known[f.Name] = true
		if v, ok := r.Payload[f.Name]; ok {
			fields = append(fields, document.Field{Label: f.Label("ru"), Value: fmt.Sprint(v)})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(r.Payload)) {
		if !known[k] {
			fields = append(fields, document.Field{Label: k, Value: fmt.Sprint(r.Payload[k])})
		}
	}
	due := r.DueDate().Format("02.01.2006")
	doc := document.Document{
		Kind:      document.Notice,
		Lang:      document.Russian,
		RegNumber: fmt.Sprintf("МЗ-%06d", r.ID),
		Date:      s.clock(),
		Issuer:    st.Body.NameRU,
		Title:     "ЗАПРОС сведений из информационного ресурса «" + res.NameRU + "»",
		Recipient: recipient,
		Fields:    fields,
		Paragraphs: []string{
			"В соответствии с главой 3 Положения о порядке взаимодействия уполномоченного органа с оператором " +
				"общегосударственной автоматизированной информационной системы, государственными органами и иными " +
				"организациями при осуществлении административных процедур в электронной форме через единый портал " +
				"электронных услуг, утверждённого постановлением Совета Министров Республики Беларусь от 22 августа 2017 г. № 637, " +
				"просим предоставить сведения, указанные в настоящем запросе, для осуществления административной процедуры.",
			"Срок представления ответа — по " + due + ". В ответе просим указать идентификатор запроса.",
		},
		Signatory:      st.FullName,
		SignatoryTitle: st.Position,
	}
	is, pdf, err := s.docs.Issue(ctx, tx, doc, document.Meta{SubjectUID: r.SubjectUID, CaseNumber: r.CaseNumber})
	if err != nil {
		return "", fmt.Errorf("interop: СМДО document: %w", err)
	}
	sig, err := s.signer.Sign(pdf)
	if err != nil {
		return "", fmt.Errorf("interop: sign СМДО document: %w", err)
	}
	if _, err := s.docs.Sign(ctx, tx, is.Code, sig); err != nil {
		return "", fmt.Errorf("interop: sign СМДО document: %w", err)
	}
	if _, err := s.archive(ctx, tx, message{request: r, direction: DirectionRequest, channel: ChannelSMDO,
		mediaType: "application/pdf", body: pdf, sig: sig, verified: true, signer: s.signer.Certificate().Subject.CommonName}); err != nil {
		return "", err
	}
	now := s.clock()
	if _, err := tx.ExecContext(ctx, `INSERT INTO interop_smdo_outgoing (correlation_id, document_code, recipient_body, state, created_at)
		VALUES ($1,$2,$3,$4,$5)`, r.CorrelationID, is.Code, res.OwnerBody, OutgoingWaiting, now); err != nil {
		return "", fmt.Errorf("interop: СМДО queue: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE interop_requests SET document_code = $1, updated_at = $2 WHERE id = $3", is.Code, now, r.ID); err != nil {
		return "", fmt.Errorf("interop: СМДО document code: %w", err)
	}
	return is.Code, nil
}

// SendViaSMDO sends an existing request again as an СМДО document: the
// route offered when a resource is late, refused, or failed. The request
// keeps its correlation ID; the integration stops trying; the answer term
// starts again from today.
func (s *Service) SendViaSMDO(ctx context.Context, officer org.Staff, correlationID string) (Request, error) {
	if s.docs == nil {
		return Request{}, fault.New(fault.Conflict, CodeChannel, map[string]any{"channel": ChannelSMDO})
	}
	r, err := s.Request(ctx, correlationID)
	if err != nil {
		return Request{}, err
	}
	if err := mayAct(officer, r); err != nil {
		return Request{}, err
	}
	if r.Channel == ChannelSMDO || (!r.Open() && r.State != StateFailed) {
		return Request{}, fault.New(fault.Conflict, CodeRequestState, map[string]any{"state": r.State})
	}
	res, sv, err := s.lookup(ctx, s.db.R, r.Resource, r.Service)
	if err != nil {
		return Request{}, err
	}
	st, err := s.dir.StaffByID(ctx, officer.ID)
	if err != nil {
		return Request{}, err
	}
	now := s.clock()
	due, err := s.dueAt(ctx, now, res.AnswerDays)
	if err != nil {
		return Request{}, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		u, err := tx.ExecContext(ctx, `UPDATE interop_requests SET channel = 'smdo', state = 'smdo_pending', due_at = $1,
			late_notified_at = NULL, next_retry = NULL, updated_at = $2 WHERE id = $3 AND state = $4 AND channel = $5`,
			due, now, r.ID, r.State, r.Channel)
		if err != nil {
			return fmt.Errorf("interop: reroute: %w", err)
		}
		if n, _ := u.RowsAffected(); n == 0 {
			return fault.New(fault.Conflict, CodeRequestState, map[string]any{"state": r.State})
		}
		from := r.Channel
		r.Channel, r.State, r.DueAt = ChannelSMDO, StateSMDOPending, due
		if _, err := s.smdoDocument(ctx, tx, r, res, sv, st); err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, tx, audit.Entry{Actor: officer.Actor(org.RoleOfficer), Action: "interop.request_rerouted",
			SubjectUID: r.SubjectUID, CaseNumber: r.CaseNumber, ObjectType: "interop_request", ObjectID: r.CorrelationID,
			Details: map[string]any{"from": from, "to": ChannelSMDO, "due_at": due}})
		return err
	})
	if err != nil {
		return Request{}, err
	}
	s.metrics.requests.WithLabelValues(r.Resource, r.Service, ChannelSMDO).Inc()
	return s.Request(ctx, correlationID)
}

// OutgoingQueue lists the СМДО queue, oldest first; state "" lists all.
func (s *Service) OutgoingQueue(ctx context.Context, state string) ([]Outgoing, error) {
	query := `SELECT o.id, o.correlation_id, o.document_code, o.recipient_body, o.state, o.created_at, o.sent_at, o.sent_by,
		r.case_number, r.resource, r.service
		FROM interop_smdo_outgoing o JOIN interop_requests r ON r.correlation_id = o.correlation_id`
	var args []any
	if state != "" {
		query += " WHERE o.state = $1"
		args = append(args, state)
	}
	rows, err := s.db.R.QueryContext(ctx, query+" ORDER BY o.id LIMIT 1000", args...)
	if err != nil {
		return nil, fmt.Errorf("interop: СМДО queue: %w", err)
	}
	defer rows.Close()
	var out []Outgoing
	for rows.Next() {
		o, err := scanOutgoing(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

func scanOutgoing(row interface{ Scan(...any) error }) (Outgoing, error) {
	var o Outgoing
	var sent sql.NullTime
	err := row.Scan(&o.ID, &o.CorrelationID, &o.DocumentCode, &o.RecipientBody, &o.State, &o.CreatedAt, &sent, &o.SentBy,
		&o.CaseNumber, &o.Resource, &o.Service)
	if errors.Is(err, sql.ErrNoRows) {
		return o, notFound(CodeOutgoingNotFound)
	}
	o.CreatedAt, o.SentAt = o.CreatedAt.UTC(), nullTime(sent)
	return o, err
}

// MarkSMDOSent records that the document left through СМДО; the operator or
// the requesting body's staff do it.
func (s *Service) MarkSMDOSent(ctx context.Context, by org.Staff, id int64) (Outgoing, error) {
	o, err := scanOutgoing(s.db.R.QueryRowContext(ctx, `SELECT o.id, o.correlation_id, o.document_code, o.recipient_body,
		o.state, o.created_at, o.sent_at, o.sent_by, r.case_number, r.resource, r.service
		FROM interop_smdo_outgoing o JOIN interop_requests r ON r.correlation_id = o.correlation_id WHERE o.id = $1`, id))
	if err != nil {
		return Outgoing{}, err
	}
	r, err := s.Request(ctx, o.CorrelationID)
	if err != nil {
		return Outgoing{}, err
	}
	role := org.RoleOperator
	if !by.Has(org.RoleOperator) {
		if err := mayAct(by, r); err != nil {
			return Outgoing{}, err
		}
		role = org.RoleOfficer
	}
	now := s.clock()
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		u, err := tx.ExecContext(ctx, `UPDATE interop_smdo_outgoing SET state = $1, sent_at = $2, sent_by = $3
			WHERE id = $4 AND state = $5`, OutgoingSent, now, staffRef(by), id, OutgoingWaiting)
		if err != nil {
			return fmt.Errorf("interop: СМДО sent: %w", err)
		}
		if n, _ := u.RowsAffected(); n == 0 {
			return fault.New(fault.Conflict, CodeOutgoingState, map[string]any{"state": o.State})
		}
		if _, err := tx.ExecContext(ctx, "UPDATE interop_requests SET sent_at = COALESCE(sent_at, $1), updated_at = $1 WHERE id = $2",
			now, r.ID); err != nil {
			return fmt.Errorf("interop: СМДО sent: %w", err)
		}
		_, err = s.audit.Append(ctx, tx, audit.Entry{Actor: by.Actor(role), Action: "interop.smdo_sent",
			CaseNumber: r.CaseNumber, ObjectType: "interop_request", ObjectID: r.CorrelationID,
			Details: map[string]any{"document": o.DocumentCode, "recipient": o.RecipientBody}})
		return err
	})
	if err != nil {
		return Outgoing{}, err
	}
	o.State, o.SentAt, o.SentBy = OutgoingSent, now, staffRef(by)
	return o, nil
}

// SMDODocument returns the signed request document of an СМДО request: the
// PDF and its detached signature, as archived.
func (s *Service) SMDODocument(ctx context.Context, correlationID string) (pdf, sig []byte, err error) {
	err = s.db.R.QueryRowContext(ctx, `SELECT body, signature FROM interop_messages
		WHERE correlation_id = $1 AND direction = 'request' AND channel = 'smdo' ORDER BY id DESC LIMIT 1`,
		correlationID).Scan(&pdf, &sig)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, notFound(CodeOutgoingNotFound)
	}
	return pdf, sig, err
}

// DocumentAnswer is the answer document of an СМДО request, as the officer
// received it.
type DocumentAnswer struct {
	CorrelationID string
	File          []byte // the document exactly as received
	MediaType     string // default application/pdf
	// Signature is the document's detached signature, when it came with
	// one; it is verified and the answer refused if it does not hold.
	Signature []byte
	// Payload holds the facts the officer read from the document, in the
	// service's output fields; optional.
	Payload map[string]any
}

// RecordSMDOAnswer attaches the answer document of an СМДО request. A
// signature that does not verify is refused: the document is archived as
// evidence, the refusal audited, and nothing attached.
func (s *Service) RecordSMDOAnswer(ctx context.Context, officer org.Staff, d DocumentAnswer) (Request, error) {
	r, err := s.Request(ctx, d.CorrelationID)
	if err != nil {
		return Request{}, err
	}
	if err := mayAct(officer, r); err != nil {
		return Request{}, err
	}
	if r.Channel != ChannelSMDO || !r.Open() {
		return Request{}, fault.New(fault.Conflict, CodeRequestState, map[string]any{"state": r.State})
	}
	if len(d.File) == 0 {
		return Request{}, fault.Fields(fault.Field{Field: "file", Code: CodeAnswerEmpty})
	}
	if d.MediaType == "" {
		d.MediaType = "application/pdf"
	}
	m := message{request: r, direction: DirectionAnswer, channel: ChannelSMDO, mediaType: d.MediaType, body: d.File, sig: d.Signature}
	if len(d.Signature) > 0 {
		id, verr := s.verifier.Verify(d.File, d.Signature)
		if verr != nil {
			m.problem = verr.Error()
			err := s.db.Tx(ctx, func(tx *sql.Tx) error {
				if _, err := s.archive(ctx, tx, m); err != nil {
					return err
				}
				_, err := s.audit.Append(ctx, tx, audit.Entry{Actor: officer.Actor(org.RoleOfficer), Action: "interop.answer_rejected",
					SubjectUID: r.SubjectUID, CaseNumber: r.CaseNumber, ObjectType: "interop_request", ObjectID: r.CorrelationID,
					Reason: clip(verr.Error()), Details: map[string]any{"service": r.Resource + "/" + r.Service, "channel": ChannelSMDO, "kind": "signature"}})
				return err
			})
			if err != nil {
				return Request{}, err
			}
			s.metrics.rejected.WithLabelValues(r.Resource, "signature").Inc()
			return Request{}, fault.Fields(fault.Field{Field: "signature", Code: CodeAnswerBadSignature, Params: map[string]any{"reason": verr.Error()}})
		}
		m.verified, m.signer = true, id.CommonName
	}
	if err := s.recordAnswer(ctx, officer, r, m, AnswerDocument, d.Payload, "interop.answer_recorded"); err != nil {
		return Request{}, err
	}
	return s.Request(ctx, d.CorrelationID)
}

// recordAnswer closes r with an answer the officer brought (СМДО document or
// manual record), archives it and attaches it, in one transaction.
func (s *Service) recordAnswer(ctx context.Context, officer org.Staff, r Request, m message, status string, payload map[string]any, action string) error {
	now := s.clock()
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		ok, err := s.closeAnswered(ctx, tx, r, status, payload, now, status == AnswerManual)
		if err != nil {
			return err
		}
		if !ok {
			return fault.New(fault.Conflict, CodeRequestState, map[string]any{"state": r.State})
		}
		msgID, err := s.archive(ctx, tx, m)
		if err != nil {
			return err
		}
		if err := s.attach(ctx, tx, r, Answer{Channel: m.channel, Status: status, Payload: payload, MessageID: msgID, AnsweredAt: now}); err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, tx, audit.Entry{Actor: officer.Actor(org.RoleOfficer), Action: action,
			SubjectUID: r.SubjectUID, CaseNumber: r.CaseNumber, ObjectType: "interop_request", ObjectID: r.CorrelationID,
			Details: map[string]any{"service": r.Resource + "/" + r.Service, "channel": m.channel, "verified": m.verified,
				"signer": m.signer, "sha256": sha256Hex(m.body)}})
		return err
	})
	if err != nil {
		return err
	}
	s.metrics.answers.WithLabelValues(r.Resource, r.Service, "answered").Inc()
	return nil
}

// ManualAnswer is information the officer obtained by other means.
type ManualAnswer struct {
	CorrelationID string
	// Text says what was learnt and from where; required.
	Text    string
	Payload map[string]any // facts in the service's output fields; optional
}

// RecordManual closes a request with an answer the officer records by hand:
// the manual channel, or any open or failed request whose information came
// otherwise.
func (s *Service) RecordManual(ctx context.Context, officer org.Staff, a ManualAnswer) (Request, error) {
	r, err := s.Request(ctx, a.CorrelationID)
	if err != nil {
		return Request{}, err
	}
	if err := mayAct(officer, r); err != nil {
		return Request{}, err
	}
	if !r.Open() && r.State != StateFailed {
		return Request{}, fault.New(fault.Conflict, CodeRequestState, map[string]any{"state": r.State})
	}
	text := strings.TrimSpace(a.Text)
	if text == "" {
		return Request{}, fault.Fields(fault.Field{Field: "text", Code: CodeAnswerEmpty})
	}
	body, err := canonicalJSON(map[string]any{"text": text, "payload": a.Payload, "recorded_by": staffRef(officer)})
	if err != nil {
		return Request{}, fault.Fields(fault.Field{Field: "payload", Code: CodeInvalid})
	}
	m := message{request: r, direction: DirectionAnswer, channel: ChannelManual, mediaType: "application/json", body: body}
	if err := s.recordAnswer(ctx, officer, r, m, AnswerManual, a.Payload, "interop.answer_manual"); err != nil {
		return Request{}, err
	}
	return s.Request(ctx, a.CorrelationID)
}

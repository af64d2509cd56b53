package cases

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/calendar"
	"odnookno/internal/fault"
)

// Event is one entry of history.
type Event struct {
	ID        int64
	Version   int
	At        time.Time
	ActorID   string
	ActorRole string
	ActorName string
	Action    Action
	From      Status
	To        Status
	Comment   string
	Internal  bool // staff only: notes, drafts, answers of other bodies
	Details   map[string]any
}

// Attachment is a file linked to an application or complaint.
type Attachment struct {
	ID          int64
	DocCode     string
	Name        string
	ContentType string
	Size        int64
	SHA256      string
	UploadedBy  string
	UploadedAt  time.Time
}

// DocumentRef is an issued document of an application or complaint; its
// PDF and signature status come from the document registry by Code.
type DocumentRef struct {
	Code     string
	Kind     string
	Purpose  string // "receipt", "notice", "decision", "complaint_decision"
	Title    string
	Status   string // "issued", "draft", "signed", "superseded"
	IssuedAt time.Time
}

// CaseView is everything a case page shows, already cut to what the
// viewer may see.
type CaseView struct {
	Application Application
	Events      []Event
	Attachments []Attachment
	Documents   []DocumentRef
	Requests    []InfoRequest // staff only
	Decisions   []Decision    // staff only
	Complaints  []Complaint
	// Actions are what the viewer may do now, for showing only the buttons
	// that will work.
	Actions []Action
}

// Get returns the application as actor may see it. A staff read is
// recorded in the audit trail ("case.read", with the case number) before
// anything is returned; a case the actor may not see is NotFound.
func (s *Service) Get(ctx context.Context, actor Actor, id int64) (CaseView, error) {
	app, err := scanApp(s.db.R.QueryRowContext(ctx, "SELECT "+appCols+appFrom+" WHERE c.id = $1", id))
	if err != nil {
		return CaseView{}, err
	}
	if !actor.sees(app.BodyCode, app.ProcedureID, app.Applicant.CitizenID, app.Status) {
		return CaseView{}, fault.New(fault.NotFound, CodeNotFound, nil)
	}
	v := CaseView{Application: app, Actions: Applications.Available(app.Status, actor.Roles())}
	staff := !actor.IsCitizen()
	if v.Events, err = s.events(ctx, subjectApplication, id, staff); err != nil {
		return CaseView{}, err
	}
	if v.Attachments, err = s.attachments(ctx, subjectApplication, id); err != nil {
		return CaseView{}, err
	}
	if v.Documents, err = s.documents(ctx, subjectApplication, id, staff); err != nil {
		return CaseView{}, err
	}
	if v.Complaints, err = s.complaintsOf(ctx, id); err != nil {
		return CaseView{}, err
	}
	if staff {
		if v.Requests, err = s.requests(ctx, id); err != nil {
			return CaseView{}, err
		}
		if v.Decisions, err = s.decisions(ctx, subjectApplication, id); err != nil {
			return CaseView{}, err
		}
		if err := s.auditRead(ctx, actor, "case.read", app.Number(), app.Applicant.UID, subjectApplication, id); err != nil {
			return CaseView{}, err
		}
	}
	return v, nil
}

func (s *Service) auditRead(ctx context.Context, actor Actor, action, number, uid, subject string, id int64) error {
	if !actor.IsStaff() {
		return nil
	}
	err := s.audit.Record(ctx, audit.Entry{Actor: actor.audit(""), Action: action, SubjectUID: uid,
		CaseNumber: number, Reason: number, ObjectType: subject, ObjectID: fmt.Sprint(id)})
	if err != nil {
		return fmt.Errorf("cases: audit read: %w", err)
	}
	return nil
}

func (s *Service) events(ctx context.Context, subject string, id int64, internal bool) ([]Event, error) {
	q := `SELECT id, version, at, actor_id, actor_role, actor_name, action, from_status, to_status, comment, internal, details
		FROM case_events WHERE subject_kind = $1 AND subject_id = $2`
	args := []any{subject, id}
	if !internal {
		q += " AND internal = $3"
		args = append(args, false)
	}
	rows, err := s.db.R.QueryContext(ctx, q+" ORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("cases: history: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var action, from, to, details string
		if err := rows.Scan(&e.ID, &e.Version, &e.At, &e.ActorID, &e.ActorRole, &e.ActorName, &action, &from, &to,
			&e.Comment, &e.Internal, &details); err != nil {
			return nil, err
		}
		e.At = e.At.UTC()
		e.Action, e.From, e.To = Action(action), Status(from), Status(to)
		if details != "{}" {
			_ = json.Unmarshal([]byte(details), &e.Details)
		}
		if !internal && e.ActorRole != RoleCitizen {
			// A citizen sees that the body acted, not which official's
			// account did: names of staff stay in the staff view.
			e.ActorID, e.ActorName = "", ""
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func (s *Service) attachments(ctx context.Context, subject string, id int64) ([]Attachment, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT id, doc_code, name, content_type, size, sha256, uploaded_by, uploaded_at
		FROM case_attachments WHERE subject_kind = $1 AND subject_id = $2 ORDER BY id`, subject, id)
	if err != nil {
		return nil, fmt.Errorf("cases: attachments: %w", err)
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		var a Attachment
		if err := rows.Scan(&a.ID, &a.DocCode, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.UploadedBy, &a.UploadedAt); err != nil {
			return nil, err
		}
		a.UploadedAt = a.UploadedAt.UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

func (s *Service) documents(ctx context.Context, subject string, id int64, staff bool) ([]DocumentRef, error) {
	q := `SELECT code, kind, purpose, title, status, issued_at FROM case_documents WHERE subject_kind = $1 AND subject_id = $2`
	if !staff {
		q += " AND status IN ('issued', 'signed')"
	}
	rows, err := s.db.R.QueryContext(ctx, q+" ORDER BY id", subject, id)
	if err != nil {
		return nil, fmt.Errorf("cases: documents: %w", err)
	}
	defer rows.Close()
	var out []DocumentRef
	for rows.Next() {
		var d DocumentRef
		if err := rows.Scan(&d.Code, &d.Kind, &d.Purpose, &d.Title, &d.Status, &d.IssuedAt); err != nil {
			return nil, err
		}
		d.IssuedAt = d.IssuedAt.UTC()
		out = append(out, d)
	}
	return out, rows.Err()
}

func (s *Service) requests(ctx context.Context, id int64) ([]InfoRequest, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT id, addressee, subject, channel, external_ref, sent_at, sent_by, answered_at,
		answer, answer_ref FROM case_requests WHERE case_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("cases: requests: %w", err)
	}
	defer rows.Close()
	var out []InfoRequest
	for rows.Next() {
		var r InfoRequest
		var answered sql.NullTime
		if err := rows.Scan(&r.ID, &r.Addressee, &r.Subject, &r.Channel, &r.ExternalRef, &r.SentAt, &r.SentBy, &answered,
			&r.Answer, &r.AnswerRef); err != nil {
			return nil, err
		}
		r.SentAt, r.AnsweredAt = r.SentAt.UTC(), fromNull(answered)
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *Service) decisions(ctx context.Context, subject string, id int64) ([]Decision, error) {
	rows, err := s.db.R.QueryContext(ctx, "SELECT "+decisionCols+" FROM case_decisions WHERE subject_kind = $1 AND subject_id = $2 ORDER BY id", subject, id)
	if err != nil {
		return nil, fmt.Errorf("cases: decisions: %w", err)
	}
	defer rows.Close()
	var out []Decision
	for rows.Next() {
		d, err := scanDecision(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Document checks that the document with code belongs to the application
// and that actor may open it (a citizen: issued and signed ones only); the
// caller then serves the PDF and signature status from the registry.
func (s *Service) Document(ctx context.Context, actor Actor, id int64, code string) (DocumentRef, error) {
	v, err := s.Get(ctx, actor, id)
	if err != nil {
		return DocumentRef{}, err
	}
	for _, d := range v.Documents {
		if d.Code == code {
			return d, nil
		}
	}
	return DocumentRef{}, fault.New(fault.NotFound, CodeDocumentNotFound, nil)
}

// OpenAttachment returns an attachment of the application and its verified
// content, if actor may see the application.
func (s *Service) OpenAttachment(ctx context.Context, actor Actor, id, attachmentID int64) (Attachment, io.ReadCloser, error) {
	v, err := s.Get(ctx, actor, id)
	if err != nil {
		return Attachment{}, nil, err
	}
	return s.openFrom(v.Attachments, attachmentID)
}

func (s *Service) openFrom(list []Attachment, attachmentID int64) (Attachment, io.ReadCloser, error) {
	for _, a := range list {
		if a.ID == attachmentID {
			if s.files == nil {
				return a, nil, fault.New(fault.Unavailable, CodeFileRefused, nil)
			}
			r, err := s.files.Open(a.SHA256)
			return a, r, err
		}
	}
	return Attachment{}, nil, fault.New(fault.NotFound, CodeDocumentNotFound, nil)
}

// Explain words the application's due date in lang (see Deadline.Explain).
func (s *Service) Explain(ctx context.Context, d Deadline, lang string) ([]string, error) {
	cal, err := s.cals.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	return d.Explain(cal, s.text, lang)
}

// Filter selects applications for a list; zero fields do not filter.
type Filter struct {
	ProcedureID int64
	Statuses    []Status
	DueSoon     bool
	Overdue     bool
	AssigneeID  int64
	Unassigned  bool
	OpenOnly    bool   // only applications awaiting a decision
	Number      string // registration number prefix
	Limit       int    // default 50, at most 200
	Offset      int
}

// List is one page of applications and the count of all that match.
type List struct {
	Items []Application
	Total int
}

// List returns the citizen's own applications (all, drafts included) or,
// for staff, the queue of their body limited to the procedures assigned to
// it, most urgent first. A staff listing is audited ("case.list").
func (s *Service) List(ctx context.Context, actor Actor, f Filter) (List, error) {
	var where []string
	var args []any
	add := func(cond string, v ...any) {
		for i := range v {
			cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(args)+i+1), 1)
		}
		args = append(args, v...)
		where = append(where, cond)
	}
	switch {
	case actor.IsCitizen():
		add("c.citizen_id = ?", actor.CitizenID)
	case actor.IsStaff():
		if len(actor.Scope.ProcedureIDs) == 0 {
			return List{}, nil
		}
		add("c.body_code = ?", actor.Scope.BodyCode)
		add("c.status NOT IN ('', ?, ?)", string(Draft), string(Discarded))
		ids := make([]any, len(actor.Scope.ProcedureIDs))
		for i, p := range actor.Scope.ProcedureIDs {
			ids[i] = p
		}
		add("c.procedure_id IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+")", ids...)
	default:
		return List{}, fault.New(fault.Forbidden, CodeRoleForbidden, nil)
	}
	if f.ProcedureID != 0 {
		add("c.procedure_id = ?", f.ProcedureID)
	}
	if len(f.Statuses) > 0 {
		st := make([]any, len(f.Statuses))
		for i, x := range f.Statuses {
			st[i] = string(x)
		}
		add("c.status IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(st)), ", ")+")", st...)
	}
	if f.OpenOnly || f.DueSoon || f.Overdue {
		final := []any{string(Draft)}
		for _, x := range Applications.final {
			final = append(final, string(x))
		}
		add("c.status NOT IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(final)), ", ")+")", final...)
	}
	if f.DueSoon {
		add("c.due_soon = ?", true)
	}
	if f.Overdue {
		add("c.overdue = ?", true)
	}
	if f.AssigneeID != 0 {
		add("c.assignee_id = ?", f.AssigneeID)
	}
	if f.Unassigned {
		where = append(where, "c.assignee_id IS NULL")
	}
	if n := strings.TrimSpace(f.Number); n != "" {
		add("c.reg_number LIKE ?", strings.NewReplacer("%", "", "_", "").Replace(n)+"%")
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit, f.Offset = min(f.Limit, 200), max(f.Offset, 0)
	cond := " WHERE " + strings.Join(where, " AND ")
	var out List
	if err := s.db.R.QueryRowContext(ctx, "SELECT COUNT(*)"+appFrom+cond, args...).Scan(&out.Total); err != nil {
		return List{}, fmt.Errorf("cases: count: %w", err)
	}
	order := " ORDER BY CASE WHEN c.due_date = '' THEN 1 ELSE 0 END, c.due_date, c.id"
	if actor.IsCitizen() {
		order = " ORDER BY c.id DESC"
	}
	rows, err := s.db.R.QueryContext(ctx, "SELECT "+appCols+appFrom+cond+order+fmt.Sprintf(" LIMIT %d OFFSET %d", f.Limit, f.Offset), args...)
	if err != nil {
		return List{}, fmt.Errorf("cases: list: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanApp(rows)
		if err != nil {
			return List{}, err
		}
		a.Form = nil // lists never carry the form
		out.Items = append(out.Items, a)
	}
	if err := rows.Err(); err != nil {
		return List{}, err
	}
	if actor.IsStaff() && len(out.Items) > 0 {
		numbers := make([]string, len(out.Items))
		for i, a := range out.Items {
			numbers[i] = a.Number()
		}
		err := s.audit.Record(ctx, audit.Entry{Actor: actor.audit(""), Action: "case.list", ObjectType: subjectApplication,
			Details: map[string]any{"numbers": numbers}})
		if err != nil {
			return List{}, fmt.Errorf("cases: audit list: %w", err)
		}
	}
	return out, nil
}

// DueWithin reports how many working days are left until due from now
// (negative when overdue), for pages that show "3 days left".
func (s *Service) DueWithin(ctx context.Context, due string) (int, error) {
	if due == "" {
		return 0, errors.New("cases: no due date")
	}
	d, err := parseDate(due)
	if err != nil {
		return 0, err
	}
	cal, err := s.cals.Calendar(ctx)
	if err != nil {
		return 0, err
	}
	n, err := cal.WorkingDaysBetween(today(s.o.Now()), d)
	if err != nil && errors.Is(err, calendar.ErrOutsideCalendar) {
		return 0, calendarErr(err)
	}
	return n, err
}

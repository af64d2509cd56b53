package cases

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/document"
	"odnookno/internal/fault"
)

// What a complaint is about.
const (
	AboutDecision = "decision" // a decision, or a refusal to accept
	AboutInaction = "inaction" // the body does not decide
)

// Complaint outcomes.
const (
	OutcomeUpheld   = "upheld"
	OutcomePartly   = "partly"
	OutcomeRejected = "rejected"
)

// Complaint is an administrative complaint about an application's decision
// or about the body's inaction on it.
type Complaint struct {
	ID            int64
	Version       int
	Status        Status
	CaseID        int64
	About         string
	CaseStatus    Status // the application's state when the complaint was filed
	BodyCode      string // the body that decides the complaint
	CaseBodyCode  string // the body complained about
	ProcedureID   int64
	CitizenID     string
	ApplicantUID  string
	ApplicantName string
	Lang          string
	Text          string
	RegNumber     string
	RegDate       string
	Deadline      Deadline
	DueDate       string
	DueSoon       bool
	Overdue       bool
	DeadlineGen   int
	DecisionCode  string
	CreatedAt     time.Time
	RegisteredAt  time.Time
	ClosedAt      time.Time
	UpdatedAt     time.Time

	audits []audit.Entry // see Application.audits
}

// Number is the registration number or a provisional reference.
func (c Complaint) Number() string {
	if c.RegNumber != "" {
		return c.RegNumber
	}
	return fmt.Sprintf("#C%d", c.ID)
}

const complaintCols = `id, version, status, case_id, about, case_status, body_code, case_body_code, procedure_id, citizen_id,
	applicant_uid, applicant_name, lang, text, reg_number, reg_date, deadline, due_date, due_soon, overdue, deadline_gen,
	decision_code, created_at, registered_at, closed_at, updated_at`

func scanComplaint(row interface{ Scan(...any) error }) (Complaint, error) {
	var c Complaint
	var status, caseStatus, deadline string
	var reg sql.NullString
	var registered, closed sql.NullTime
	err := row.Scan(&c.ID, &c.Version, &status, &c.CaseID, &c.About, &caseStatus, &c.BodyCode, &c.CaseBodyCode, &c.ProcedureID,
		&c.CitizenID, &c.ApplicantUID, &c.ApplicantName, &c.Lang, &c.Text, &reg, &c.RegDate, &deadline, &c.DueDate, &c.DueSoon,
		&c.Overdue, &c.DeadlineGen, &c.DecisionCode, &c.CreatedAt, &registered, &closed, &c.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fault.New(fault.NotFound, CodeComplaintNotFound, nil)
	}
	if err != nil {
		return c, fmt.Errorf("cases: read complaint: %w", err)
	}
	c.Status, c.CaseStatus = Status(status), Status(caseStatus)
	c.RegNumber = reg.String
	c.Deadline = decodeDeadline(deadline)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	c.RegisteredAt, c.ClosedAt = fromNull(registered), fromNull(closed)
	return c, nil
}

// seesComplaint: the citizen who filed it, and the staff of the body that
// decides it.
func (a Actor) seesComplaint(c *Complaint) bool {
	switch {
	case a.IsCitizen():
		return c.CitizenID != "" && c.CitizenID == a.CitizenID
	case a.IsStaff():
		return c.Status != StatusNone && c.BodyCode == a.Scope.BodyCode
	case a.isSystem():
		return true
	}
	return false
}

type complaintChange struct {
	tx    *sql.Tx
	c     *Complaint
	actor Actor
	rule  Rule
	role  string
	now   time.Time
	event event
	docs  []pendingDoc
	files []pendingFile
}

func (s *Service) withComplaint(ctx context.Context, actor Actor, id int64, version int, fn func(tx *sql.Tx, c *Complaint) error) (Complaint, error) {
	var c Complaint
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = scanComplaint(tx.QueryRowContext(ctx, "SELECT "+complaintCols+" FROM complaints WHERE id = $1"+s.forUpdate(), id))
		if err != nil {
			return err
		}
		if !actor.seesComplaint(&c) {
			return fault.New(fault.NotFound, CodeComplaintNotFound, nil)
		}
		if version != anyVersion && c.Version != version {
			return stale()
		}
		if err := fn(tx, &c); err != nil {
			return err
		}
		return s.flushAudit(ctx, tx, &c.audits)
	})
	if err != nil {
		return Complaint{}, err
	}
	return c, nil
}

// complaintStep is step for complaints: the complaint table, the same
// history, documents and audit.
func (s *Service) complaintStep(ctx context.Context, tx *sql.Tx, c *Complaint, actor Actor, action Action, fn func(cc *complaintChange) error) error {
	rule, role, err := Complaints.Check(c.Status, action, actor.Roles())
	if err != nil {
		return err
	}
	cc := &complaintChange{tx: tx, c: c, actor: actor, rule: rule, role: role, now: s.now()}
	if fn != nil {
		if err := fn(cc); err != nil {
			return err
		}
	}
	from := c.Status
	c.Status = rule.To
	if Complaints.Final(c.Status) && c.ClosedAt.IsZero() {
		c.ClosedAt = cc.now
	}
	c.UpdatedAt = cc.now
	var reg any
	if c.RegNumber != "" {
		reg = c.RegNumber
	}
	res, err := tx.ExecContext(ctx, `UPDATE complaints SET version = version + 1, status = $1, reg_number = $2, reg_date = $3,
		deadline = $4, due_date = $5, due_soon = $6, overdue = $7, deadline_gen = $8, decision_code = $9, registered_at = $10,
		closed_at = $11, updated_at = $12 WHERE id = $13 AND version = $14`,
		string(c.Status), reg, c.RegDate, c.Deadline.encode(), c.DueDate, c.DueSoon, c.Overdue, c.DeadlineGen, c.DecisionCode,
		nullTime(c.RegisteredAt), nullTime(c.ClosedAt), c.UpdatedAt, c.ID, c.Version)
	if err != nil {
		return fmt.Errorf("cases: update complaint: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return stale()
	}
	c.Version++
	eid, err := s.insertEvent(ctx, tx, subjectComplaint, c.ID, c.Version, cc.now, actor, role, action, from, c.Status, cc.event)
	if err != nil {
		return err
	}
	if err := s.writePending(ctx, tx, subjectComplaint, c.ID, eid, cc.now, actor, cc.docs, cc.files); err != nil {
		return err
	}
	c.audits = append(c.audits, audit.Entry{Actor: actor.audit(role), Action: "complaint." + string(action),
		SubjectUID: c.ApplicantUID, CaseNumber: c.Number(), ObjectType: subjectComplaint, ObjectID: fmt.Sprint(c.ID),
		Details: map[string]any{"from": string(from), "to": string(c.Status), "case_id": c.CaseID}})
	return nil
}

// NewComplaint is a complaint as filed.
type NewComplaint struct {
	CaseID int64
	About  string // AboutDecision or AboutInaction
	Text   string
	Files  []Upload
}

// FileComplaint files an administrative complaint about the application's
// decision (or refusal to accept), or about inaction while it is
// undecided. It goes to the body the regulation names for complaints, with
// its own term; unless ManualOnlineRegistration is set the system registers
// it at once.
func (s *Service) FileComplaint(ctx context.Context, actor Actor, in NewComplaint) (Complaint, error) {
	in.Text = strings.TrimSpace(in.Text)
	var check fault.Check
	if in.Text == "" {
		check.Add("text", CodeTextRequired, nil)
	}
	if in.About != AboutDecision && in.About != AboutInaction {
		check.Add("about", CodeComplaintAboutInvalid, nil)
	}
	if err := check.Err(); err != nil {
		return Complaint{}, err
	}
	if _, _, err := Complaints.Check(StatusNone, ActFile, actor.Roles()); err != nil {
		return Complaint{}, err
	}
	var files []pendingFile
	for _, u := range in.Files {
		f, err := s.store(ctx, u)
		if err != nil {
			return Complaint{}, err
		}
		files = append(files, f)
	}
	var out Complaint
	_, err := s.withApp(ctx, actor, in.CaseID, anyVersion, func(tx *sql.Tx, app *Application) error {
		switch in.About {
		case AboutDecision:
			if app.Status != DecidedGranted && app.Status != DecidedRefused && app.Status != RefusedToAccept {
				return fault.New(fault.Invalid, CodeComplaintNotDecided, nil)
			}
		case AboutInaction:
			if !app.Open() {
				return fault.New(fault.Invalid, CodeComplaintDecided, nil)
			}
		}
		reg, err := s.regulation(ctx, app)
		if err != nil {
			return err
		}
		if reg.ComplaintBody == "" {
			return fault.New(fault.Invalid, CodeComplaintNoBody, nil)
		}
		now := s.now()
		c := &Complaint{Status: StatusNone, CaseID: app.ID, About: in.About, CaseStatus: app.Status, BodyCode: reg.ComplaintBody,
			CaseBodyCode: app.BodyCode, ProcedureID: app.ProcedureID, CitizenID: app.Applicant.CitizenID,
			ApplicantUID: app.Applicant.UID, ApplicantName: app.Applicant.FullName(), Lang: app.Lang, Text: in.Text,
			CreatedAt: now, UpdatedAt: now}
		err = tx.QueryRowContext(ctx, `INSERT INTO complaints (version, status, case_id, about, case_status, body_code, case_body_code,
			procedure_id, citizen_id, applicant_uid, applicant_name, lang, text, created_at, updated_at)
			VALUES (0, '', $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) RETURNING id`,
			c.CaseID, c.About, string(c.CaseStatus), c.BodyCode, c.CaseBodyCode, c.ProcedureID, c.CitizenID, c.ApplicantUID,
			c.ApplicantName, c.Lang, c.Text, now, now).Scan(&c.ID)
		if err != nil {
			return fmt.Errorf("cases: store complaint: %w", err)
		}
		err = s.complaintStep(ctx, tx, c, actor, ActFile, func(cc *complaintChange) error {
			cc.files = files
			cc.event.details = map[string]any{"about": in.About, "case": app.Number()}
			return nil
		})
		if err == nil && !s.o.ManualOnlineRegistration {
			err = s.complaintStep(ctx, tx, c, System(), ActRegister, func(cc *complaintChange) error {
				return s.registerComplaint(ctx, cc, reg, app)
			})
		}
		if err != nil {
			return err
		}
		if err := s.flushAudit(ctx, tx, &c.audits); err != nil {
			return err
		}
		out = *c
		return nil
	})
	return out, err
}

// RegisterComplaint registers a filed complaint at the complaint body.
func (s *Service) RegisterComplaint(ctx context.Context, actor Actor, id int64, version int) (Complaint, error) {
	return s.withComplaint(ctx, actor, id, version, func(tx *sql.Tx, c *Complaint) error {
		return s.complaintStep(ctx, tx, c, actor, ActRegister, func(cc *complaintChange) error {
			app, err := scanApp(tx.QueryRowContext(ctx, "SELECT "+appCols+appFrom+" WHERE c.id = $1", c.CaseID))
			if err != nil {
				return err
			}
			reg, err := s.regulation(ctx, &app)
			if err != nil {
				return err
			}
			return s.registerComplaint(ctx, cc, reg, &app)
		})
	})
}

func (s *Service) registerComplaint(ctx context.Context, cc *complaintChange, reg Regulation, app *Application) error {
	c := cc.c
	day := today(cc.now)
	seq, err := s.nextNumber(ctx, cc.tx, c.BodyCode, day.Year(), subjectComplaint)
	if err != nil {
		return err
	}
	c.RegNumber = formatNumber(c.BodyCode, day.Year(), seq, subjectComplaint)
	c.RegDate = iso(day)
	c.RegisteredAt = cc.now
	term := reg.ComplaintTerm
	if term.Kind == 0 {
		term = DefaultComplaintTerm
	}
	c.Deadline = Deadline{From: c.RegDate, Term: term}
	cal, err := s.cals.Calendar(ctx)
	if err != nil {
		return err
	}
	_, due, err := c.Deadline.Compute(cal)
	if err != nil {
		return err
	}
	if err := s.setDue(ctx, cc.tx, subjectComplaint, c.ID, &c.DueDate, &c.DueSoon, &c.Overdue, &c.DeadlineGen, iso(due)); err != nil {
		return err
	}
	cc.event.details = map[string]any{"number": c.RegNumber, "due": c.DueDate}
	return s.notifyApplicant(ctx, cc.tx, subjectComplaint, c.ID, c.CitizenID, app.Applicant.Phone, app.Applicant.Email, c.Lang,
		KindComplaintRegistered, map[string]any{"number": c.RegNumber, "due": c.DueDate})
}

// notifyComplainant tells the applicant of the complained-about application
// on every channel they gave.
func (s *Service) notifyComplainant(ctx context.Context, tx *sql.Tx, c *Complaint, kind string) error {
	var phone, email string
	err := tx.QueryRowContext(ctx, `SELECT p.phone, p.email FROM cases a JOIN case_applicants p ON p.id = a.applicant_id
		WHERE a.id = $1`, c.CaseID).Scan(&phone, &email)
	if err != nil {
		return fmt.Errorf("cases: complainant contacts: %w", err)
	}
	return s.notifyApplicant(ctx, tx, subjectComplaint, c.ID, c.CitizenID, phone, email, c.Lang, kind, map[string]any{"number": c.RegNumber})
}

// AttachToComplaint adds a file to a complaint not yet decided.
func (s *Service) AttachToComplaint(ctx context.Context, actor Actor, id int64, version int, u Upload) (Complaint, error) {
	f, err := s.store(ctx, u)
	if err != nil {
		return Complaint{}, err
	}
	return s.withComplaint(ctx, actor, id, version, func(tx *sql.Tx, c *Complaint) error {
		return s.complaintStep(ctx, tx, c, actor, ActAttach, func(cc *complaintChange) error {
			cc.files = append(cc.files, f)
			cc.event.details = map[string]any{"file": f.name, "sha256": f.blob.SHA256}
			return nil
		})
	})
}

// WithdrawComplaint records the citizen's withdrawal of the complaint,
// possible until it is decided.
func (s *Service) WithdrawComplaint(ctx context.Context, actor Actor, id int64, version int, comment string) (Complaint, error) {
	return s.withComplaint(ctx, actor, id, version, func(tx *sql.Tx, c *Complaint) error {
		return s.complaintStep(ctx, tx, c, actor, ActWithdraw, func(cc *complaintChange) error {
			c.DeadlineGen++
			cc.event.comment = strings.TrimSpace(comment)
			return s.supersedeDraft(ctx, tx, subjectComplaint, c.ID)
		})
	})
}

// LeaveUnconsidered leaves a registered complaint without consideration,
// with the reason, and issues the notice.
func (s *Service) LeaveUnconsidered(ctx context.Context, actor Actor, id int64, version int, reason string) (Complaint, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Complaint{}, required("reason", CodeReasonRequired)
	}
	return s.withComplaint(ctx, actor, id, version, func(tx *sql.Tx, c *Complaint) error {
		return s.complaintStep(ctx, tx, c, actor, ActLeaveUnconsidered, func(cc *complaintChange) error {
			l := c.Lang
			d := document.Document{Kind: document.Notice, Lang: l, RegNumber: c.RegNumber, Date: cc.now,
				Issuer: s.bodyName(ctx, c.BodyCode, l), Title: s.t(l, "complaint.doc.unconsidered.title"),
				Recipient: c.ApplicantName, Paragraphs: []string{s.t(l, "complaint.doc.unconsidered.text"), reason},
				Fields: []document.Field{{Label: s.t(l, "complaint.doc.field.number"), Value: c.RegNumber}}}
			is, pd, err := s.issue(ctx, tx, d, document.Meta{SubjectUID: c.ApplicantUID, CaseNumber: c.RegNumber}, "notice", "issued")
			if err != nil {
				return err
			}
			c.DecisionCode, c.DeadlineGen = is.Code, c.DeadlineGen+1
			cc.docs = append(cc.docs, pd)
			cc.event.comment = reason
			cc.event.details = map[string]any{"document": is.Code}
			return s.notifyComplainant(ctx, tx, c, KindComplaintDecision)
		})
	})
}

// ComplaintDecisionDraft is the decision on a complaint.
type ComplaintDecisionDraft struct {
	Outcome string // OutcomeUpheld, OutcomePartly or OutcomeRejected
	Text    string // the reasoning
}

// DraftComplaintDecision drafts the decision on the complaint as a PDF for
// the head of the complaint body to sign.
func (s *Service) DraftComplaintDecision(ctx context.Context, actor Actor, id int64, version int, in ComplaintDecisionDraft) (Complaint, error) {
	in.Text = strings.TrimSpace(in.Text)
	var check fault.Check
	if in.Outcome != OutcomeUpheld && in.Outcome != OutcomePartly && in.Outcome != OutcomeRejected {
		check.Add("outcome", CodeComplaintOutcomeInvalid, nil)
	}
	if in.Text == "" {
		check.Add("text", CodeTextRequired, nil)
	}
	if err := check.Err(); err != nil {
		return Complaint{}, err
	}
	return s.withComplaint(ctx, actor, id, version, func(tx *sql.Tx, c *Complaint) error {
		return s.complaintStep(ctx, tx, c, actor, ActDraftDecision, func(cc *complaintChange) error {
			l := c.Lang
			caseNumber := ""
			_ = tx.QueryRowContext(ctx, "SELECT COALESCE(reg_number, '') FROM cases WHERE id = $1", c.CaseID).Scan(&caseNumber)
			d := document.Document{Kind: document.ComplaintDecision, Lang: l, RegNumber: c.RegNumber, Date: cc.now,
				Issuer: s.bodyName(ctx, c.BodyCode, l), Recipient: c.ApplicantName,
				Fields: []document.Field{
					{Label: s.t(l, "complaint.doc.field.number"), Value: c.RegNumber},
					{Label: s.t(l, "complaint.doc.field.case"), Value: caseNumber},
					{Label: s.t(l, "complaint.doc.field.about"), Value: s.t(l, "complaint.about."+c.About)},
					{Label: s.t(l, "complaint.doc.field.outcome"), Value: s.t(l, "complaint.outcome."+in.Outcome)},
				},
				Paragraphs: []string{in.Text}, SignatoryTitle: s.t(l, "case.doc.signatory")}
			is, pd, err := s.issue(ctx, tx, d, document.Meta{SubjectUID: c.ApplicantUID, CaseNumber: c.RegNumber}, "complaint_decision", "draft")
			if err != nil {
				return err
			}
			cc.docs = append(cc.docs, pd)
			_, err = tx.ExecContext(ctx, `INSERT INTO case_decisions (subject_kind, subject_id, outcome, reasoning, document_code,
				status, drafted_by, drafted_at) VALUES ($1,$2,$3,$4,$5,'draft',$6,$7)`,
				subjectComplaint, c.ID, in.Outcome, in.Text, is.Code, actor.ID(), cc.now)
			if err != nil {
				return fmt.Errorf("cases: store complaint decision: %w", err)
			}
			cc.event.internal = true
			cc.event.details = map[string]any{"outcome": in.Outcome, "document": is.Code}
			return nil
		})
	})
}

// ReturnComplaintDraft sends the drafted decision back for rework.
func (s *Service) ReturnComplaintDraft(ctx context.Context, actor Actor, id int64, version int, comment string) (Complaint, error) {
	return s.withComplaint(ctx, actor, id, version, func(tx *sql.Tx, c *Complaint) error {
		return s.complaintStep(ctx, tx, c, actor, ActReturnDraft, func(cc *complaintChange) error {
			cc.event.comment, cc.event.internal = strings.TrimSpace(comment), true
			return s.supersedeDraft(ctx, tx, subjectComplaint, c.ID)
		})
	})
}

// SignComplaintDecision attaches the head's signature to the drafted
// decision and decides the complaint (upheld, partly upheld or rejected),
// telling the citizen; a bad signature changes nothing.
func (s *Service) SignComplaintDecision(ctx context.Context, actor Actor, id int64, version int, cms []byte) (Complaint, error) {
	return s.withComplaint(ctx, actor, id, version, func(tx *sql.Tx, c *Complaint) error {
		d, err := s.draftDecision(ctx, tx, subjectComplaint, c.ID)
		if err != nil {
			if c.Status != ComplaintDecisionDrafted {
				if _, _, cerr := Complaints.Check(c.Status, ActSignUpheld, actor.Roles()); cerr != nil {
					return cerr
				}
			}
			return err
		}
		action := map[string]Action{OutcomeUpheld: ActSignUpheld, OutcomePartly: ActSignPartly, OutcomeRejected: ActSignRejected}[d.Outcome]
		return s.complaintStep(ctx, tx, c, actor, action, func(cc *complaintChange) error {
			id, err := s.signDocument(ctx, tx, actor, d.DocumentCode, cms)
			if err != nil {
				return err
			}
			if err := s.markSigned(ctx, tx, d, actor, id, cc.now); err != nil {
				return err
			}
			c.DecisionCode = d.DocumentCode
			c.DeadlineGen++
			cc.event.details = map[string]any{"outcome": d.Outcome, "document": d.DocumentCode, "signer": id.CommonName}
			return s.notifyComplainant(ctx, tx, c, KindComplaintDecision)
		})
	})
}

// AddComplaintNote adds an internal note to a complaint.
func (s *Service) AddComplaintNote(ctx context.Context, actor Actor, id int64, version int, text string) (Complaint, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return Complaint{}, required("text", CodeTextRequired)
	}
	return s.withComplaint(ctx, actor, id, version, func(tx *sql.Tx, c *Complaint) error {
		return s.complaintStep(ctx, tx, c, actor, ActAddNote, func(cc *complaintChange) error {
			cc.event.comment, cc.event.internal = text, true
			return nil
		})
	})
}

// ComplaintView is a complaint page's content, cut to the viewer.
type ComplaintView struct {
	Complaint   Complaint
	Events      []Event
	Attachments []Attachment
	Documents   []DocumentRef
	Decisions   []Decision // staff only
	Actions     []Action
}

// GetComplaint returns the complaint as actor may see it; staff reads are
// audited ("complaint.read").
func (s *Service) GetComplaint(ctx context.Context, actor Actor, id int64) (ComplaintView, error) {
	c, err := scanComplaint(s.db.R.QueryRowContext(ctx, "SELECT "+complaintCols+" FROM complaints WHERE id = $1", id))
	if err != nil {
		return ComplaintView{}, err
	}
	if !actor.seesComplaint(&c) {
		return ComplaintView{}, fault.New(fault.NotFound, CodeComplaintNotFound, nil)
	}
	v := ComplaintView{Complaint: c, Actions: Complaints.Available(c.Status, actor.Roles())}
	staff := !actor.IsCitizen()
	if v.Events, err = s.events(ctx, subjectComplaint, id, staff); err != nil {
		return ComplaintView{}, err
	}
	if v.Attachments, err = s.attachments(ctx, subjectComplaint, id); err != nil {
		return ComplaintView{}, err
	}
	if v.Documents, err = s.documents(ctx, subjectComplaint, id, staff); err != nil {
		return ComplaintView{}, err
	}
	if staff {
		if v.Decisions, err = s.decisions(ctx, subjectComplaint, id); err != nil {
			return ComplaintView{}, err
		}
		if err := s.auditRead(ctx, actor, "complaint.read", c.Number(), c.ApplicantUID, subjectComplaint, id); err != nil {
			return ComplaintView{}, err
		}
	}
	return v, nil
}

// ComplaintDocument checks that the document belongs to the complaint and
// that actor may open it.
func (s *Service) ComplaintDocument(ctx context.Context, actor Actor, id int64, code string) (DocumentRef, error) {
	v, err := s.GetComplaint(ctx, actor, id)
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

// ComplaintFilter selects complaints; zero fields do not filter.
type ComplaintFilter struct {
	Statuses []Status
	Overdue  bool
	Limit    int
	Offset   int
}

// ListComplaints returns the citizen's complaints, or those the staff
// member's body decides, oldest due first.
func (s *Service) ListComplaints(ctx context.Context, actor Actor, f ComplaintFilter) ([]Complaint, int, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	switch {
	case actor.IsCitizen():
		add("citizen_id = $%d", actor.CitizenID)
	case actor.IsStaff():
		add("body_code = $%d", actor.Scope.BodyCode)
		where = append(where, "status <> ''")
	default:
		return nil, 0, fault.New(fault.Forbidden, CodeRoleForbidden, nil)
	}
	if len(f.Statuses) > 0 {
		var ors []string
		for _, st := range f.Statuses {
			args = append(args, string(st))
			ors = append(ors, fmt.Sprintf("$%d", len(args)))
		}
		where = append(where, "status IN ("+strings.Join(ors, ", ")+")")
	}
	if f.Overdue {
		add("overdue = $%d", true)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit, f.Offset = min(f.Limit, 200), max(f.Offset, 0)
	cond := " WHERE " + strings.Join(where, " AND ")
	var total int
	if err := s.db.R.QueryRowContext(ctx, "SELECT COUNT(*) FROM complaints"+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("cases: count complaints: %w", err)
	}
	rows, err := s.db.R.QueryContext(ctx, "SELECT "+complaintCols+" FROM complaints"+cond+
		fmt.Sprintf(" ORDER BY CASE WHEN due_date = '' THEN 1 ELSE 0 END, due_date, id LIMIT %d OFFSET %d", f.Limit, f.Offset), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("cases: list complaints: %w", err)
	}
	defer rows.Close()
	var out []Complaint
	for rows.Next() {
		c, err := scanComplaint(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if actor.IsStaff() && len(out) > 0 {
		numbers := make([]string, len(out))
		for i, c := range out {
			numbers[i] = c.Number()
		}
		if err := s.audit.Record(ctx, audit.Entry{Actor: actor.audit(""), Action: "complaint.list", ObjectType: subjectComplaint,
			Details: map[string]any{"numbers": numbers}}); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}

// complaintsOf lists the complaints about an application.
func (s *Service) complaintsOf(ctx context.Context, caseID int64) ([]Complaint, error) {
	rows, err := s.db.R.QueryContext(ctx, "SELECT "+complaintCols+" FROM complaints WHERE case_id = $1 AND status <> '' ORDER BY id", caseID)
	if err != nil {
		return nil, fmt.Errorf("cases: complaints: %w", err)
	}
	defer rows.Close()
	var out []Complaint
	for rows.Next() {
		c, err := scanComplaint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

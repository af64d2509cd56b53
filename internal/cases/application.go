package cases

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/fault"
	"odnookno/internal/identity"
)

// Channels through which an application arrives.
const (
	ChannelOnline  = "online"  // through the portal, from the cabinet
	ChannelWritten = "written" // on paper at the front office
	ChannelOral    = "oral"    // spoken at the front office and written down
)

// Applicant is who applies: a citizen holding a UID (CitizenID set, as in
// the cabinet or when the front office found them by UID) or a person the
// front office identified by name and identity document.
type Applicant struct {
	ID         int64  `json:"id"`
	CitizenID  string `json:"citizen_id,omitempty"`
	UID        string `json:"uid,omitempty"`
	Surname    string `json:"surname"`
	Name       string `json:"name"`
	Patronymic string `json:"patronymic,omitempty"`
	BirthDate  string `json:"birth_date,omitempty"` // YYYY-MM-DD
	IDDocType  string `json:"id_doc_type,omitempty"`
	IDDocNo    string `json:"id_doc_number,omitempty"`
	Address    string `json:"address,omitempty"`
	Phone      string `json:"phone,omitempty"` // E.164, for SMS notices
	Email      string `json:"email,omitempty"`
}

// FullName is "Surname Name Patronymic".
func (a Applicant) FullName() string {
	return strings.Join(strings.Fields(a.Surname+" "+a.Name+" "+a.Patronymic), " ")
}

func (a *Applicant) normalize() {
	for _, p := range []*string{&a.CitizenID, &a.UID, &a.Surname, &a.Name, &a.Patronymic, &a.BirthDate,
		&a.IDDocType, &a.IDDocNo, &a.Address, &a.Phone, &a.Email} {
		*p = strings.TrimSpace(*p)
	}
}

// validate checks an applicant: a UID holder needs a name; a person without
// a UID needs name, birth date and identity document.
func (a *Applicant) validate() error {
	a.normalize()
	var c fault.Check
	if a.Surname == "" {
		c.Add("applicant.surname", CodeApplicantRequired, nil)
	}
	if a.Name == "" {
		c.Add("applicant.name", CodeApplicantRequired, nil)
	}
	if a.UID != "" {
		pin, _, err := identity.ParsePIN(a.UID)
		if err != nil {
			c.AddErr("applicant.uid", err)
		} else {
			a.UID = string(pin)
		}
	}
	if a.Phone != "" {
		ph, err := identity.ParsePhone(a.Phone)
		if err != nil {
			c.AddErr("applicant.phone", err)
		} else {
			a.Phone = string(ph) // E.164, as the SMS channel wants it
		}
	}
	if a.Email != "" {
		if m, err := mail.ParseAddress(a.Email); err != nil || m.Name != "" {
			c.Add("applicant.email", CodeApplicantInvalid, nil)
		} else {
			a.Email = m.Address
		}
	}
	if a.BirthDate != "" {
		if _, err := parseDate(a.BirthDate); err != nil {
			c.Add("applicant.birth_date", CodeApplicantInvalid, nil)
		}
	}
	if a.CitizenID == "" {
		if a.BirthDate == "" {
			c.Add("applicant.birth_date", CodeApplicantRequired, nil)
		}
		if a.IDDocType == "" {
			c.Add("applicant.id_doc_type", CodeApplicantRequired, nil)
		}
		if a.IDDocNo == "" {
			c.Add("applicant.id_doc_number", CodeApplicantRequired, nil)
		}
	}
	return c.Err()
}

// Application is an application (заявление) as stored.
type Application struct {
	ID                int64
	Version           int
	Status            Status
	Channel           string
	ProcedureID       int64
	RegulationVersion int
	ProcedureNumber   string
	ProcedureName     string
	BodyCode          string
	Applicant         Applicant
	Lang              string
	Form              json.RawMessage
	RegNumber         string // empty until registered
	RegDate           string // YYYY-MM-DD, the day the term counts from
	Deadline          Deadline
	DueDate           string // YYYY-MM-DD; empty until registered
	DueSoon           bool
	Overdue           bool
	DeadlineGen       int
	SuspendedSince    string
	AssigneeID        int64
	AssigneeName      string
	ReceiptCode       string // verification code of the receipt
	DecisionCode      string // verification code of the signed decision or notice
	CreatedAt         time.Time
	SubmittedAt       time.Time
	RegisteredAt      time.Time
	ClosedAt          time.Time
	UpdatedAt         time.Time

	// audits are the audit records of the steps taken in the current
	// transaction, appended at its end (see flushAudit).
	audits []audit.Entry
}

// Number is the registration number, or a provisional reference before
// registration.
func (a Application) Number() string {
	if a.RegNumber != "" {
		return a.RegNumber
	}
	return fmt.Sprintf("#%d", a.ID)
}

// Open reports whether the application still awaits a decision.
func (a Application) Open() bool { return a.Status != Draft && !Applications.Final(a.Status) }

const appCols = `c.id, c.version, c.status, c.channel, c.procedure_id, c.regulation_version, c.procedure_number,
	c.procedure_name, c.body_code, c.lang, c.form, c.reg_number, c.reg_date, c.deadline, c.due_date, c.due_soon,
	c.overdue, c.deadline_gen, c.suspended_since, c.assignee_id, c.assignee_name, c.receipt_code, c.decision_code,
	c.created_at, c.submitted_at, c.registered_at, c.closed_at, c.updated_at,
	p.id, p.citizen_id, p.uid, p.surname, p.name, p.patronymic, p.birth_date, p.id_doc_type, p.id_doc_number,
	p.address, p.phone, p.email`

const appFrom = ` FROM cases c JOIN case_applicants p ON p.id = c.applicant_id`

func scanApp(row interface{ Scan(...any) error }) (Application, error) {
	var a Application
	var status, form, deadline string
	var regNumber sql.NullString
	var assignee sql.NullInt64
	var submitted, registered, closed sql.NullTime
	err := row.Scan(&a.ID, &a.Version, &status, &a.Channel, &a.ProcedureID, &a.RegulationVersion, &a.ProcedureNumber,
		&a.ProcedureName, &a.BodyCode, &a.Lang, &form, &regNumber, &a.RegDate, &deadline, &a.DueDate, &a.DueSoon,
		&a.Overdue, &a.DeadlineGen, &a.SuspendedSince, &assignee, &a.AssigneeName, &a.ReceiptCode, &a.DecisionCode,
		&a.CreatedAt, &submitted, &registered, &closed, &a.UpdatedAt,
		&a.Applicant.ID, &a.Applicant.CitizenID, &a.Applicant.UID, &a.Applicant.Surname, &a.Applicant.Name,
		&a.Applicant.Patronymic, &a.Applicant.BirthDate, &a.Applicant.IDDocType, &a.Applicant.IDDocNo,
		&a.Applicant.Address, &a.Applicant.Phone, &a.Applicant.Email)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fault.New(fault.NotFound, CodeNotFound, nil)
	}
	if err != nil {
		return a, fmt.Errorf("cases: read application: %w", err)
	}
	a.Status = Status(status)
	a.Form = json.RawMessage(form)
	a.RegNumber = regNumber.String
	a.Deadline = decodeDeadline(deadline)
	a.AssigneeID = assignee.Int64
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	a.SubmittedAt, a.RegisteredAt, a.ClosedAt = fromNull(submitted), fromNull(registered), fromNull(closed)
	return a, nil
}

// change is one step under way: the locked application, the rule being
// applied and what the step will record.
type change struct {
	tx    *sql.Tx
	app   *Application
	actor Actor
	rule  Rule
	role  string
	now   time.Time
	event event
	docs  []pendingDoc
	files []pendingFile
}

// withApp runs fn in a transaction on the application locked for update,
// after checking that actor may see it and that it is still at version
// (anyVersion skips the check). It returns the application as fn left it.
func (s *Service) withApp(ctx context.Context, actor Actor, id int64, version int, fn func(tx *sql.Tx, app *Application) error) (Application, error) {
	var app Application
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		app, err = scanApp(tx.QueryRowContext(ctx, "SELECT "+appCols+appFrom+" WHERE c.id = $1"+s.forUpdateOf("c"), id))
		if err != nil {
			return err
		}
		if !actor.sees(app.BodyCode, app.ProcedureID, app.Applicant.CitizenID, app.Status) {
			return fault.New(fault.NotFound, CodeNotFound, nil)
		}
		if version != anyVersion && app.Version != version {
			return stale()
		}
		if err := fn(tx, &app); err != nil {
			return err
		}
		return s.flushAudit(ctx, tx, &app.audits)
	})
	if err != nil {
		return Application{}, err
	}
	return app, nil
}

func (s *Service) forUpdateOf(table string) string {
	if f := s.forUpdate(); f != "" {
		return f + " OF " + table
	}
	return ""
}

// step takes action on the locked application: it checks the transition
// table, lets fn do the action's work on c, then writes the row (bumping
// the version, guarded by the old one), the history event and the
// documents and attachments fn produced, all in c.tx; the audit record is
// queued on app for flushAudit at the end of the transaction.
func (s *Service) step(ctx context.Context, tx *sql.Tx, app *Application, actor Actor, action Action, fn func(c *change) error) error {
	rule, role, err := Applications.Check(app.Status, action, actor.Roles())
	if err != nil {
		return err
	}
	c := &change{tx: tx, app: app, actor: actor, rule: rule, role: role, now: s.now()}
	if fn != nil {
		if err := fn(c); err != nil {
			return err
		}
	}
	from := app.Status
	app.Status = rule.To
	if Applications.Final(app.Status) && app.ClosedAt.IsZero() {
		app.ClosedAt = c.now
	}
	app.UpdatedAt = c.now
	var regNumber any
	if app.RegNumber != "" {
		regNumber = app.RegNumber
	}
	var assignee any
	if app.AssigneeID != 0 {
		assignee = app.AssigneeID
	}
	form := string(app.Form)
	if form == "" {
		form = "{}"
	}
	res, err := tx.ExecContext(ctx, `UPDATE cases SET version = version + 1, status = $1, form = $2, reg_number = $3,
		reg_date = $4, deadline = $5, due_date = $6, due_soon = $7, overdue = $8, deadline_gen = $9, suspended_since = $10,
		assignee_id = $11, assignee_name = $12, receipt_code = $13, decision_code = $14, submitted_at = $15,
		registered_at = $16, closed_at = $17, updated_at = $18
		WHERE id = $19 AND version = $20`,
		string(app.Status), form, regNumber, app.RegDate, app.Deadline.encode(), app.DueDate, app.DueSoon, app.Overdue,
		app.DeadlineGen, app.SuspendedSince, assignee, app.AssigneeName, app.ReceiptCode, app.DecisionCode,
		nullTime(app.SubmittedAt), nullTime(app.RegisteredAt), nullTime(app.ClosedAt), app.UpdatedAt, app.ID, app.Version)
	if err != nil {
		return fmt.Errorf("cases: update application: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return stale()
	}
	app.Version++
	eid, err := s.insertEvent(ctx, tx, subjectApplication, app.ID, app.Version, c.now, actor, role, action, from, app.Status, c.event)
	if err != nil {
		return err
	}
	if err := s.writePending(ctx, tx, subjectApplication, app.ID, eid, c.now, actor, c.docs, c.files); err != nil {
		return err
	}
	details := map[string]any{"from": string(from), "to": string(app.Status)}
	app.audits = append(app.audits, audit.Entry{Actor: actor.audit(role), Action: "case." + string(action),
		SubjectUID: app.Applicant.UID, CaseNumber: app.Number(), ObjectType: subjectApplication,
		ObjectID: fmt.Sprint(app.ID), Details: details})
	return nil
}

// flushAudit appends the pending audit records in tx. It runs last in the
// transaction because appending locks the head of the audit chain until
// the transaction ends: appended between two steps, it would be held while
// the second step waits for a registration counter that another
// transaction holds while it waits for the chain — a deadlock on PostgreSQL.
func (s *Service) flushAudit(ctx context.Context, tx *sql.Tx, pending *[]audit.Entry) error {
	for _, e := range *pending {
		if _, err := s.audit.Append(ctx, tx, e); err != nil {
			return err
		}
	}
	*pending = nil
	return nil
}

// create inserts a new application row in the pseudo-state StatusNone at
// version 0; the creating step then moves it to its first state, so
// creation goes through the transition table like every other action.
func (s *Service) create(ctx context.Context, tx *sql.Tx, reg Regulation, body, channel, lang string, ap Applicant, form json.RawMessage) (*Application, error) {
	now := s.now()
	kind := "person"
	if ap.CitizenID != "" {
		kind = "citizen"
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO case_applicants (kind, citizen_id, uid, surname, name, patronymic, birth_date,
		id_doc_type, id_doc_number, address, phone, email, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) RETURNING id`,
		kind, ap.CitizenID, ap.UID, ap.Surname, ap.Name, ap.Patronymic, ap.BirthDate, ap.IDDocType, ap.IDDocNo,
		ap.Address, ap.Phone, ap.Email, now).Scan(&ap.ID)
	if err != nil {
		return nil, fmt.Errorf("cases: store applicant: %w", err)
	}
	if len(form) == 0 {
		form = json.RawMessage("{}")
	}
	app := &Application{Version: 0, Status: StatusNone, Channel: channel, ProcedureID: reg.ProcedureID,
		RegulationVersion: reg.Version, ProcedureNumber: reg.Number, ProcedureName: reg.Name, BodyCode: body,
		Applicant: ap, Lang: lang, Form: form, CreatedAt: now, UpdatedAt: now}
	err = tx.QueryRowContext(ctx, `INSERT INTO cases (version, status, channel, procedure_id, regulation_version, procedure_number,
		procedure_name, body_code, applicant_id, citizen_id, applicant_uid, applicant_name, lang, form, created_at, updated_at)
		VALUES (0, '', $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) RETURNING id`,
		channel, reg.ProcedureID, reg.Version, reg.Number, reg.Name, body, ap.ID, ap.CitizenID, ap.UID, ap.FullName(),
		lang, string(form), now, now).Scan(&app.ID)
	if err != nil {
		return nil, fmt.Errorf("cases: store application: %w", err)
	}
	return app, nil
}

func normLang(l string) string {
	if l == "be" {
		return "be"
	}
	return "ru"
}

const maxFormSize = 256 << 10

func checkForm(form json.RawMessage) (json.RawMessage, error) {
	if len(form) == 0 {
		return json.RawMessage("{}"), nil
	}
	if len(form) > maxFormSize {
		return nil, fault.Fields(fault.Field{Field: "form", Code: CodeFormTooLarge})
	}
	var m map[string]any
	if err := json.Unmarshal(form, &m); err != nil || m == nil {
		return nil, fault.Fields(fault.Field{Field: "form", Code: CodeFormInvalid})
	}
	return form, nil
}

// regulation loads the regulation an application was filed under.
func (s *Service) regulation(ctx context.Context, app *Application) (Regulation, error) {
	reg, err := s.regs.Get(ctx, app.ProcedureID, app.RegulationVersion)
	if err != nil {
		return Regulation{}, fmt.Errorf("cases: regulation of %d v%d: %w", app.ProcedureID, app.RegulationVersion, err)
	}
	return reg, nil
}

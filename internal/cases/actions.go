package cases

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"odnookno/internal/document"
	"odnookno/internal/fault"
)

// NewDraft starts an application in the cabinet.
type NewDraft struct {
	ProcedureID int64
	BodyCode    string // one of the regulation's authorized bodies
	Form        json.RawMessage
	Lang        string
	// Applicant's name and contacts as the identity service knows them;
	// CitizenID is taken from the actor.
	Applicant Applicant
}

// CreateDraft starts an application under the procedure's regulation in
// force, which must allow online filing.
func (s *Service) CreateDraft(ctx context.Context, actor Actor, in NewDraft) (Application, error) {
	if !actor.IsCitizen() {
		_, _, err := Applications.Check(StatusNone, ActCreateDraft, actor.Roles())
		return Application{}, err
	}
	reg, err := s.regs.Active(ctx, in.ProcedureID)
	if err != nil {
		return Application{}, err
	}
	if !reg.OnlineAllowed {
		return Application{}, fault.New(fault.Invalid, CodeOnlineNotAllowed, nil)
	}
	if !reg.Authorizes(in.BodyCode) {
		return Application{}, fault.Fields(fault.Field{Field: "body", Code: CodeBodyNotAuthorized, Params: map[string]any{"body": in.BodyCode}})
	}
	form, err := checkForm(in.Form)
	if err != nil {
		return Application{}, err
	}
	ap := in.Applicant
	ap.CitizenID = actor.CitizenID
	if err := ap.validate(); err != nil {
		return Application{}, err
	}
	var out Application
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		app, err := s.create(ctx, tx, reg, in.BodyCode, ChannelOnline, normLang(in.Lang), ap, form)
		if err != nil {
			return err
		}
		if err := s.step(ctx, tx, app, actor, ActCreateDraft, nil); err != nil {
			return err
		}
		if err := s.flushAudit(ctx, tx, &app.audits); err != nil {
			return err
		}
		out = *app
		return nil
	})
	return out, err
}

// UpdateDraft replaces the draft's form.
func (s *Service) UpdateDraft(ctx context.Context, actor Actor, id int64, version int, form json.RawMessage) (Application, error) {
	form, err := checkForm(form)
	if err != nil {
		return Application{}, err
	}
	return s.withApp(ctx, actor, id, version, func(tx *sql.Tx, app *Application) error {
		return s.step(ctx, tx, app, actor, ActEditDraft, func(c *change) error {
			c.app.Form = form
			return nil
		})
	})
}

// Upload is a file to attach: its content is read once, stored in the file
// store (after the scanner accepts it) and linked to the application.
type Upload struct {
	DocCode string // the regulation's document code; "" for other documents
	Name    string
	Body    io.Reader
}

// store puts the upload into the file store, outside any transaction:
// content-addressed files are safe to keep even if the transaction that
// links them fails.
func (s *Service) store(ctx context.Context, u Upload) (pendingFile, error) {
	if s.files == nil {
		return pendingFile{}, fault.New(fault.Unavailable, CodeFileRefused, nil)
	}
	name, ok := cleanName(u.Name)
	if !ok {
		return pendingFile{}, fault.Fields(fault.Field{Field: "file", Code: CodeFileName})
	}
	b, err := s.files.Put(ctx, name, u.Body)
	if err != nil {
		return pendingFile{}, err
	}
	return pendingFile{docCode: strings.TrimSpace(u.DocCode), name: name, blob: b}, nil
}

func checkUpload(reg Regulation, f pendingFile) error {
	if f.docCode == "" {
		return nil
	}
	req, ok := reg.document(f.docCode)
	if !ok {
		return fault.Fields(fault.Field{Field: "doc_code", Code: CodeDocumentUnknown, Params: map[string]any{"document": f.docCode}})
	}
	if !typeAllowed(req, f.blob.ContentType) {
		return fault.Fields(fault.Field{Field: "file", Code: CodeDocumentType, Params: map[string]any{"document": req.Name, "type": f.blob.ContentType}})
	}
	if req.MaxSize > 0 && f.blob.Size > req.MaxSize {
		return fault.Fields(fault.Field{Field: "file", Code: CodeDocumentSize, Params: map[string]any{"document": req.Name, "max": req.MaxSize}})
	}
	return nil
}

// Attach adds a file to the application: the citizen to a draft, staff to
// an open case (scans of paper documents).
func (s *Service) Attach(ctx context.Context, actor Actor, id int64, version int, u Upload) (Application, error) {
	f, err := s.store(ctx, u)
	if err != nil {
		return Application{}, err
	}
	return s.withApp(ctx, actor, id, version, func(tx *sql.Tx, app *Application) error {
		return s.step(ctx, tx, app, actor, ActAttach, func(c *change) error {
			reg, err := s.regulation(ctx, app)
			if err != nil {
				return err
			}
			if err := checkUpload(reg, f); err != nil {
				return err
			}
			c.files = append(c.files, f)
			c.event.details = map[string]any{"file": f.name, "sha256": f.blob.SHA256, "doc_code": f.docCode}
			return nil
		})
	})
}

// Submit files the draft. The form is validated against the regulation's
// schema and every required document must be attached. Unless
// ManualOnlineRegistration is set, the system registers the application in
// the same transaction: the citizen gets the number, due date and receipt.
func (s *Service) Submit(ctx context.Context, actor Actor, id int64, version int) (Application, error) {
	return s.withApp(ctx, actor, id, version, func(tx *sql.Tx, app *Application) error {
		err := s.step(ctx, tx, app, actor, ActSubmit, func(c *change) error {
			reg, err := s.regulation(ctx, app)
			if err != nil {
				return err
			}
			if !reg.OnlineAllowed {
				return fault.New(fault.Invalid, CodeOnlineNotAllowed, nil)
			}
			if !reg.Authorizes(app.BodyCode) {
				return fault.New(fault.Invalid, CodeBodyNotAuthorized, map[string]any{"body": app.BodyCode})
			}
			var check fault.Check
			if s.forms != nil {
				if err := s.forms.ValidateForm(ctx, reg, app.Form); err != nil {
					var fe *fault.Error
					if !errors.As(err, &fe) {
						return err
					}
					check.AddErr("form", err)
				}
			}
			have, err := s.attachedCodes(ctx, tx, subjectApplication, app.ID)
			if err != nil {
				return err
			}
			for _, d := range reg.Documents {
				if d.Required && !have[d.Code] {
					check.Add("doc:"+d.Code, CodeDocumentMissing, map[string]any{"document": d.Name})
				}
			}
			if err := check.Err(); err != nil {
				return err
			}
			app.SubmittedAt = c.now
			return nil
		})
		if err != nil || s.o.ManualOnlineRegistration {
			return err
		}
		return s.step(ctx, tx, app, System(), ActRegister, func(c *change) error { return s.register(ctx, c) })
	})
}

func (s *Service) attachedCodes(ctx context.Context, tx *sql.Tx, subject string, id int64) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, "SELECT DISTINCT doc_code FROM case_attachments WHERE subject_kind = $1 AND subject_id = $2", subject, id)
	if err != nil {
		return nil, fmt.Errorf("cases: attachments: %w", err)
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		have[c] = true
	}
	return have, rows.Err()
}

// Discard drops a draft; it stays stored as discarded.
func (s *Service) Discard(ctx context.Context, actor Actor, id int64, version int) (Application, error) {
	return s.withApp(ctx, actor, id, version, func(tx *sql.Tx, app *Application) error {
		return s.step(ctx, tx, app, actor, ActDiscard, nil)
	})
}

// Intake is an application taken at the front office (P1.2).
type Intake struct {
	ProcedureID int64
	Channel     string // ChannelWritten or ChannelOral
	// Applicant: CitizenID (and UID) for a UID holder found by UID;
	// otherwise name, birth date and identity document.
	Applicant Applicant
	Form      json.RawMessage
	Lang      string
	Comment   string
	Files     []Upload // scans of the application and documents presented
}

// RegisterIntake registers a written or oral application taken by the
// front office of the actor's body: it gets its number, due date and
// receipt (ReceiptCode, to print) in one transaction.
func (s *Service) RegisterIntake(ctx context.Context, actor Actor, in Intake) (Application, error) {
	if _, _, err := Applications.Check(StatusNone, ActIntake, actor.Roles()); err != nil {
		return Application{}, err
	}
	if in.Channel != ChannelWritten && in.Channel != ChannelOral {
		return Application{}, fault.Fields(fault.Field{Field: "channel", Code: CodeFormInvalid})
	}
	reg, err := s.regs.Active(ctx, in.ProcedureID)
	if err != nil {
		return Application{}, err
	}
	if !actor.servesProcedure(reg.ProcedureID) || !reg.Authorizes(actor.Scope.BodyCode) {
		return Application{}, fault.New(fault.Forbidden, CodeProcedureNotServed, nil)
	}
	form, err := checkForm(in.Form)
	if err != nil {
		return Application{}, err
	}
	ap := in.Applicant
	var check fault.Check
	if err := ap.validate(); err != nil {
		check.AddErr("applicant", err)
	}
	if s.forms != nil {
		if err := s.forms.ValidateForm(ctx, reg, form); err != nil {
			var fe *fault.Error
			if !errors.As(err, &fe) {
				return Application{}, err
			}
			check.AddErr("form", err)
		}
	}
	if err := check.Err(); err != nil {
		return Application{}, err
	}
	var files []pendingFile
	for _, u := range in.Files {
		f, err := s.store(ctx, u)
		if err != nil {
			return Application{}, err
		}
		if err := checkUpload(reg, f); err != nil {
			return Application{}, err
		}
		files = append(files, f)
	}
	var out Application
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		app, err := s.create(ctx, tx, reg, actor.Scope.BodyCode, in.Channel, normLang(in.Lang), ap, form)
		if err != nil {
			return err
		}
		err = s.step(ctx, tx, app, actor, ActIntake, func(c *change) error {
			app.SubmittedAt = c.now
			c.files = files
			c.event.comment = strings.TrimSpace(in.Comment)
			c.event.details = map[string]any{"channel": in.Channel}
			return s.registerWith(ctx, c, reg)
		})
		if err != nil {
			return err
		}
		if err := s.flushAudit(ctx, tx, &app.audits); err != nil {
			return err
		}
		out = *app
		return nil
	})
	return out, err
}

// Register registers an online application waiting in "submitted".
func (s *Service) Register(ctx context.Context, actor Actor, id int64, version int) (Application, error) {
	return s.withApp(ctx, actor, id, version, func(tx *sql.Tx, app *Application) error {
		return s.step(ctx, tx, app, actor, ActRegister, func(c *change) error { return s.register(ctx, c) })
	})
}

func (s *Service) register(ctx context.Context, c *change) error {
	reg, err := s.regulation(ctx, c.app)
	if err != nil {
		return err
	}
	return s.registerWith(ctx, c, reg)
}

// registerWith gives the application its number, computes its due date
// from the registration date and the regulation's term, schedules the
// warning and overdue jobs, issues the receipt and tells the applicant.
func (s *Service) registerWith(ctx context.Context, c *change, reg Regulation) error {
	app := c.app
	if reg.Term.Kind == 0 {
		return fault.New(fault.Invalid, CodeNoTerm, nil)
	}
	if err := s.assignNumber(ctx, c); err != nil {
		return err
	}
	app.RegisteredAt = c.now
	app.Deadline = Deadline{From: app.RegDate, Term: reg.Term}
	auto, err := s.autoRequests(ctx, c, reg)
	if err != nil {
		return err
	}
	cal, err := s.cals.Calendar(ctx)
	if err != nil {
		return err
	}
	_, due, err := app.Deadline.Compute(cal)
	if err != nil {
		return err
	}
	if err := s.setDue(ctx, c.tx, subjectApplication, app.ID, &app.DueDate, &app.DueSoon, &app.Overdue, &app.DeadlineGen, iso(due)); err != nil {
		return err
	}
	lines, err := app.Deadline.Explain(cal, s.text, app.Lang)
	if err != nil {
		return err
	}
	c.event.details = map[string]any{"number": app.RegNumber, "due": app.DueDate}
	if len(auto) > 0 {
		c.event.details["requests"] = auto
	}
	is, pd, err := s.issue(ctx, c.tx, s.receipt(ctx, app, reg, lines), document.Meta{SubjectUID: app.Applicant.UID, CaseNumber: app.RegNumber}, "receipt", "issued")
	if err != nil {
		return err
	}
	app.ReceiptCode = is.Code
	c.docs = append(c.docs, pd)
	return s.notifyApplicant(ctx, c.tx, subjectApplication, app.ID, app.Applicant.CitizenID, app.Applicant.Phone, app.Applicant.Email,
		app.Lang, KindRegistered, map[string]any{"number": app.RegNumber, "due": app.DueDate})
}

// assignNumber allocates the registration number of the application's body
// for the current year, once.
func (s *Service) assignNumber(ctx context.Context, c *change) error {
	if c.app.RegNumber != "" {
		return nil
	}
	day := today(c.now)
	seq, err := s.nextNumber(ctx, c.tx, c.app.BodyCode, day.Year(), subjectApplication)
	if err != nil {
		return err
	}
	c.app.RegNumber = formatNumber(c.app.BodyCode, day.Year(), seq, subjectApplication)
	c.app.RegDate = iso(day)
	return nil
}

// setDue records a new due date: it clears the flags, moves the generation
// on (so jobs scheduled for the old date do nothing) and schedules the
// warning and overdue jobs for the new one in tx.
func (s *Service) setDue(ctx context.Context, tx *sql.Tx, subject string, id int64, dueDate *string, soon, overdue *bool, gen *int, due string) error {
	*dueDate, *soon, *overdue = due, false, false
	*gen++
	return s.scheduleDeadline(ctx, tx, subject, id, due, *gen)
}

func (s *Service) receipt(ctx context.Context, app *Application, reg Regulation, explain []string) document.Document {
	l := app.Lang
	fields := []document.Field{
		{Label: s.t(l, "case.doc.field.number"), Value: app.RegNumber},
		{Label: s.t(l, "case.doc.field.registered"), Value: dotDate(app.RegDate)},
		{Label: s.t(l, "case.doc.field.procedure"), Value: strings.TrimSpace(reg.Number + " " + reg.Name)},
		{Label: s.t(l, "case.doc.field.channel"), Value: s.t(l, "case.channel."+app.Channel)},
		{Label: s.t(l, "case.doc.field.term"), Value: s.termText(l, reg.Term)},
		{Label: s.t(l, "case.doc.field.due"), Value: dotDate(app.DueDate)},
	}
	if app.Applicant.IDDocNo != "" {
		fields = append(fields, document.Field{Label: s.t(l, "case.doc.field.id_document"),
			Value: strings.TrimSpace(app.Applicant.IDDocType + " " + app.Applicant.IDDocNo)})
	}
	paras := []string{s.t(l, "case.doc.receipt.text")}
	paras = append(paras, s.t(l, "case.doc.receipt.due_heading"))
	paras = append(paras, explain...)
	return document.Document{Kind: document.Receipt, Lang: l, RegNumber: app.RegNumber, Date: app.RegisteredAt,
		Issuer: s.bodyName(ctx, app.BodyCode, l), Recipient: app.Applicant.FullName(), Fields: fields, Paragraphs: paras,
		SignatureLines: []string{s.t(l, "case.doc.receipt.accepted_by")}}
}

func (s *Service) termText(lang string, t interface{ MarshalText() ([]byte, error) }) string {
	b, err := t.MarshalText()
	if err != nil {
		return ""
	}
	return string(b)
}

// RefuseToAccept refuses to accept a submitted or registered application
// (Law No. 433-З, art. 15) on grounds from the regulation's list (or the
// statutory ones when it lists none) and issues the written notice. An
// application refused before registration is registered as incoming
// correspondence in the same step, so the notice carries a number.
func (s *Service) RefuseToAccept(ctx context.Context, actor Actor, id int64, version int, grounds []string, comment string) (Application, error) {
	return s.withApp(ctx, actor, id, version, func(tx *sql.Tx, app *Application) error {
		return s.step(ctx, tx, app, actor, ActRefuseToAccept, func(c *change) error {
			reg, err := s.regulation(ctx, app)
			if err != nil {
				return err
			}
			chosen, err := pickGrounds(reg.acceptGrounds(), grounds)
			if err != nil {
				return err
			}
			if err := s.assignNumber(ctx, c); err != nil {
				return err
			}
			app.DeadlineGen++ // any pending deadline job is moot
			l := app.Lang
			paras := []string{s.t(l, "case.doc.refuse_accept.text"), s.t(l, "case.doc.grounds_heading")}
			for _, g := range chosen {
				paras = append(paras, "— "+g.Text)
			}
			if comment = strings.TrimSpace(comment); comment != "" {
				paras = append(paras, comment)
			}
			paras = append(paras, s.t(l, "case.doc.appeal"))
			d := document.Document{Kind: document.Notice, Lang: l, RegNumber: app.RegNumber, Date: c.now,
				Issuer: s.bodyName(ctx, app.BodyCode, l), Title: s.t(l, "case.doc.refuse_accept.title"),
				Recipient: app.Applicant.FullName(), Paragraphs: paras, Fields: []document.Field{
					{Label: s.t(l, "case.doc.field.number"), Value: app.RegNumber},
					{Label: s.t(l, "case.doc.field.procedure"), Value: strings.TrimSpace(reg.Number + " " + reg.Name)},
				}}
			is, pd, err := s.issue(ctx, tx, d, document.Meta{SubjectUID: app.Applicant.UID, CaseNumber: app.RegNumber}, "notice", "issued")
			if err != nil {
				return err
			}
			app.DecisionCode = is.Code
			c.docs = append(c.docs, pd)
			c.event.comment = comment
			c.event.details = map[string]any{"grounds": codes(chosen), "document": is.Code}
			return s.notifyApplicant(ctx, tx, subjectApplication, app.ID, app.Applicant.CitizenID, app.Applicant.Phone,
				app.Applicant.Email, l, KindDecision, map[string]any{"number": app.RegNumber})
		})
	})
}

// pickGrounds returns the grounds named by codes, each of which must be in
// the list; at least one is needed.
func pickGrounds(list []Ground, codes []string) ([]Ground, error) {
	if len(codes) == 0 {
		return nil, fault.Fields(fault.Field{Field: "grounds", Code: CodeGroundsRequired})
	}
	var out []Ground
	var c fault.Check
	for _, code := range codes {
		i := slices.IndexFunc(list, func(g Ground) bool { return g.Code == code })
		if i < 0 {
			c.Add("grounds", CodeGroundUnknown, map[string]any{"ground": code})
			continue
		}
		if !slices.ContainsFunc(out, func(g Ground) bool { return g.Code == code }) {
			out = append(out, list[i])
		}
	}
	return out, c.Err()
}

func codes(gs []Ground) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.Code
	}
	return out
}

// Assign puts a registered application in the hands of a case officer.
// An officer may take it for themselves (assignee 0 or their own id); the
// head may assign anyone of the body holding the case-officer or head role.
func (s *Service) Assign(ctx context.Context, actor Actor, id int64, version int, assignee int64) (Application, error) {
	return s.assign(ctx, actor, id, version, assignee, ActAssign)
}

// Reassign hands an application under way to another officer (the head).
func (s *Service) Reassign(ctx context.Context, actor Actor, id int64, version int, assignee int64) (Application, error) {
	return s.assign(ctx, actor, id, version, assignee, ActReassign)
}

func (s *Service) assign(ctx context.Context, actor Actor, id int64, version int, assignee int64, action Action) (Application, error) {
	if assignee == 0 {
		assignee = actor.StaffID
	}
	return s.withApp(ctx, actor, id, version, func(tx *sql.Tx, app *Application) error {
		return s.step(ctx, tx, app, actor, action, func(c *change) error {
			if c.role != RoleHead && assignee != actor.StaffID {
				return fault.New(fault.Forbidden, CodeAssigneeInvalid, nil)
			}
			m, err := s.dir.StaffMember(ctx, assignee)
			if err != nil && !errors.Is(err, fault.NotFound) {
				return err
			}
			if err != nil || !m.Active || m.BodyCode != app.BodyCode ||
				!slices.Contains(m.Roles, RoleOfficer) && !slices.Contains(m.Roles, RoleHead) {
				return fault.Fields(fault.Field{Field: "assignee", Code: CodeAssigneeInvalid})
			}
			c.event.details = map[string]any{"assignee_id": m.ID, "assignee": m.Name, "previous_id": app.AssigneeID}
			app.AssigneeID, app.AssigneeName = m.ID, m.Name
			return nil
		})
	})
}

// Suspend stops the clock of an application under way, where the
// regulation allows it; the reason is shown to the citizen.
func (s *Service) Suspend(ctx context.Context, actor Actor, id int64, version int, reason string) (Application, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Application{}, required("reason", CodeReasonRequired)
	}
	return s.withApp(ctx, actor, id, version, func(tx *sql.Tx, app *Application) error {
		return s.step(ctx, tx, app, actor, ActSuspend, func(c *change) error {
			reg, err := s.regulation(ctx, app)
			if err != nil {
				return err
			}
			if !reg.SuspensionAllowed {
				return fault.New(fault.Invalid, CodeSuspensionForbidden, nil)
			}
			day := iso(today(c.now))
			app.SuspendedSince = day
			app.Deadline.Suspensions = append(app.Deadline.Suspensions, Suspension{From: day, Reason: reason})
			app.DeadlineGen++ // the clock stops: pending warnings and overdue checks lapse
			_, err = tx.ExecContext(ctx, `INSERT INTO case_suspensions (case_id, reason, from_date, suspended_by) VALUES ($1,$2,$3,$4)`,
				app.ID, reason, day, actor.ID())
			if err != nil {
				return fmt.Errorf("cases: record suspension: %w", err)
			}
			c.event.comment = reason
			return nil
		})
	})
}

// Resume restarts the clock: the due date moves by the working days the
// application was suspended (see Deadline).
func (s *Service) Resume(ctx context.Context, actor Actor, id int64, version int, comment string) (Application, error) {
	return s.withApp(ctx, actor, id, version, func(tx *sql.Tx, app *Application) error {
		return s.step(ctx, tx, app, actor, ActResume, func(c *change) error {
			cal, err := s.cals.Calendar(ctx)
			if err != nil {
				return err
			}
			since, err := parseDate(app.SuspendedSince)
			if err != nil {
				return fmt.Errorf("cases: suspended since %q: %w", app.SuspendedSince, err)
			}
			day := today(c.now)
			days, err := cal.WorkingDaysBetween(since, day)
			if err != nil {
				return calendarErr(err)
			}
			days = max(days, 0)
			if n := len(app.Deadline.Suspensions); n > 0 {
				app.Deadline.Suspensions[n-1].To = iso(day)
				app.Deadline.Suspensions[n-1].WorkingDays = days
			}
			app.SuspendedSince = ""
			_, due, err := app.Deadline.Compute(cal)
			if err != nil {
				return err
			}
			if err := s.setDue(ctx, tx, subjectApplication, app.ID, &app.DueDate, &app.DueSoon, &app.Overdue, &app.DeadlineGen, iso(due)); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `UPDATE case_suspensions SET to_date = $1, working_days = $2, resumed_by = $3
				WHERE case_id = $4 AND to_date = ''`, iso(day), days, actor.ID(), app.ID)
			if err != nil {
				return fmt.Errorf("cases: close suspension: %w", err)
			}
			c.event.comment = strings.TrimSpace(comment)
			c.event.details = map[string]any{"working_days": days, "due": app.DueDate}
			return nil
		})
	})
}

// InfoRequest is a request sent to another body or information resource
// for information the procedure needs (R637 ch. 3).
type InfoRequest struct {
	ID          int64     `json:"id"`
	Addressee   string    `json:"addressee"` // body or information resource
	Subject     string    `json:"subject"`   // what was asked
	Channel     string    `json:"channel"`   // "resource", "smdo", "manual"
	ExternalRef string    `json:"external_ref,omitempty"`
	SentAt      time.Time `json:"sent_at"`
	SentBy      string    `json:"sent_by"`
	AnsweredAt  time.Time `json:"answered_at,omitzero"`
	Answer      string    `json:"answer,omitempty"`
	AnswerRef   string    `json:"answer_ref,omitempty"`
}

// RequestInfo records requests sent to other bodies. The first time, if
// the regulation has an extended term, the due date is recomputed from the
// registration date with the extended term, and the reason recorded.
func (s *Service) RequestInfo(ctx context.Context, actor Actor, id int64, version int, reqs []InfoRequest) (Application, error) {
	if err := checkRequests(reqs); err != nil {
		return Application{}, err
	}
	return s.withApp(ctx, actor, id, version, func(tx *sql.Tx, app *Application) error {
		return s.step(ctx, tx, app, actor, ActRequestInfo, func(c *change) error { return s.requestInfo(ctx, c, reqs) })
	})
}

// checkRequests trims reqs in place; each needs an addressee and a subject.
func checkRequests(reqs []InfoRequest) error {
	var check fault.Check
	if len(reqs) == 0 {
		check.Add("requests", CodeRequestsRequired, nil)
	}
	for i := range reqs {
		reqs[i].Addressee, reqs[i].Subject = strings.TrimSpace(reqs[i].Addressee), strings.TrimSpace(reqs[i].Subject)
		if reqs[i].Addressee == "" || reqs[i].Subject == "" {
			check.Add(fmt.Sprintf("requests.%d", i), CodeRequestsRequired, nil)
		}
	}
	return check.Err()
}

// requestInfo records reqs on the application of c and, the first time
// requests go out under a regulation with an extended term, recomputes the
// due date with it.
func (s *Service) requestInfo(ctx context.Context, c *change, reqs []InfoRequest) error {
	app, tx := c.app, c.tx
	ids, to, err := s.insertRequests(ctx, tx, app.ID, reqs, c.now, c.actor)
	if err != nil {
		return err
	}
	c.event.details = map[string]any{"requests": ids, "addressees": to}
	reg, err := s.regulation(ctx, app)
	if err != nil {
		return err
	}
	if app.Deadline.Extended || reg.ExtendedTerm.Kind == 0 || !app.Deadline.Valid() {
		return nil
	}
	cal, err := s.cals.Calendar(ctx)
	if err != nil {
		return err
	}
	s.extendTerm(app, reg, to, c.now)
	_, due, err := app.Deadline.Compute(cal)
	if err != nil {
		return err
	}
	c.event.details["extended_due"] = iso(due)
	return s.setDue(ctx, tx, subjectApplication, app.ID, &app.DueDate, &app.DueSoon, &app.Overdue, &app.DeadlineGen, iso(due))
}

// insertRequests stores reqs as sent by actor at now and returns their ids
// and addressees.
func (s *Service) insertRequests(ctx context.Context, tx *sql.Tx, caseID int64, reqs []InfoRequest, now time.Time, actor Actor) ([]int64, []string, error) {
	var ids []int64
	var to []string
	for _, r := range reqs {
		var rid int64
		err := tx.QueryRowContext(ctx, `INSERT INTO case_requests (case_id, addressee, subject, channel, external_ref, sent_at, sent_by)
			VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id`, caseID, r.Addressee, r.Subject, r.Channel, r.ExternalRef, now, actor.ID()).Scan(&rid)
		if err != nil {
			return nil, nil, fmt.Errorf("cases: record request: %w", err)
		}
		ids = append(ids, rid)
		to = append(to, r.Addressee)
	}
	return ids, to, nil
}

// extendTerm switches the application's deadline to the regulation's
// extended term, with the reason worded in the application's language.
func (s *Service) extendTerm(app *Application, reg Regulation, to []string, now time.Time) {
	app.Deadline.Term = reg.ExtendedTerm
	app.Deadline.Extended = true
	app.Deadline.ExtensionReason = s.t(app.Lang, "case.due.extension_reason", "Date", dotDate(iso(today(now))), "To", strings.Join(to, ", "))
}

// Answer is what came back for a request.
type Answer struct {
	RequestID int64
	Text      string // summary of the answer
	Ref       string // the answer's reference in the other system
}

// RecordAnswer stores the answer to a request. When it is the last one
// outstanding and the application is awaiting answers, it goes back to
// the officer (answers_received) in the same transaction.
func (s *Service) RecordAnswer(ctx context.Context, actor Actor, id int64, version int, a Answer) (Application, error) {
	a.Text = strings.TrimSpace(a.Text)
	if a.Text == "" {
		return Application{}, required("answer", CodeTextRequired)
	}
	return s.withApp(ctx, actor, id, version, func(tx *sql.Tx, app *Application) error {
		return s.recordAnswer(ctx, tx, app, actor, a)
	})
}

// recordAnswer takes the record_answer step on the locked application and,
// when no request is left outstanding on an application awaiting answers,
// the answers_received step after it.
func (s *Service) recordAnswer(ctx context.Context, tx *sql.Tx, app *Application, actor Actor, a Answer) error {
	var outstanding int
	err := s.step(ctx, tx, app, actor, ActRecordAnswer, func(c *change) error {
		var answered sql.NullTime
		err := tx.QueryRowContext(ctx, "SELECT answered_at FROM case_requests WHERE id = $1 AND case_id = $2", a.RequestID, app.ID).Scan(&answered)
		if errors.Is(err, sql.ErrNoRows) {
			return fault.Fields(fault.Field{Field: "request", Code: CodeRequestUnknown})
		}
		if err != nil {
			return err
		}
		if answered.Valid {
			return fault.New(fault.Conflict, CodeRequestAnswered, nil)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE case_requests SET answered_at = $1, answer = $2, answer_ref = $3 WHERE id = $4",
			c.now, a.Text, a.Ref, a.RequestID); err != nil {
			return fmt.Errorf("cases: record answer: %w", err)
		}
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM case_requests WHERE case_id = $1 AND answered_at IS NULL", app.ID).Scan(&outstanding); err != nil {
			return err
		}
		c.event.internal = true
		c.event.details = map[string]any{"request": a.RequestID, "outstanding": outstanding}
		return nil
	})
	if err != nil || outstanding > 0 || app.Status != AwaitingAnswers {
		return err
	}
	return s.step(ctx, tx, app, actor, ActAnswersReceived, nil)
}

// AnswersReceived returns an application awaiting answers to the officer,
// e.g. when an answer came on paper.
func (s *Service) AnswersReceived(ctx context.Context, actor Actor, id int64, version int, comment string) (Application, error) {
	return s.withApp(ctx, actor, id, version, func(tx *sql.Tx, app *Application) error {
		return s.step(ctx, tx, app, actor, ActAnswersReceived, func(c *change) error {
			c.event.comment = strings.TrimSpace(comment)
			return nil
		})
	})
}

// Withdraw records the citizen's withdrawal of the application, possible
// until a decision is taken; the front office records a written one.
func (s *Service) Withdraw(ctx context.Context, actor Actor, id int64, version int, comment string) (Application, error) {
	return s.withApp(ctx, actor, id, version, func(tx *sql.Tx, app *Application) error {
		return s.step(ctx, tx, app, actor, ActWithdraw, func(c *change) error {
			app.DeadlineGen++
			c.event.comment = strings.TrimSpace(comment)
			_, err := tx.ExecContext(ctx, `UPDATE case_decisions SET status = 'returned' WHERE subject_kind = $1 AND subject_id = $2 AND status = 'draft'`,
				subjectApplication, app.ID)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `UPDATE case_documents SET status = 'superseded' WHERE subject_kind = $1 AND subject_id = $2 AND status = 'draft'`,
				subjectApplication, app.ID)
			return err
		})
	})
}

// AddNote adds an internal note, never shown to the citizen.
func (s *Service) AddNote(ctx context.Context, actor Actor, id int64, version int, text string) (Application, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return Application{}, required("text", CodeTextRequired)
	}
	return s.withApp(ctx, actor, id, version, func(tx *sql.Tx, app *Application) error {
		return s.step(ctx, tx, app, actor, ActAddNote, func(c *change) error {
			c.event.comment, c.event.internal = text, true
			return nil
		})
	})
}

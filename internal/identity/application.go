package identity

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"odnookno/internal/audit"
	"odnookno/internal/fault"
)

// Kind is what a written application asks for (annex form: "прошу выдать,
// заблокировать, разблокировать, изменить номер телефона").
type Kind string

// Kinds of application.
const (
	KindIssue       Kind = "issue"
	KindBlock       Kind = "block"
	KindUnblock     Kind = "unblock"
	KindChangePhone Kind = "change_phone"
)

// Kinds lists the kinds in the order of the annex form.
var Kinds = []Kind{KindIssue, KindBlock, KindUnblock, KindChangePhone}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	for _, v := range Kinds {
		if k == v {
			return true
		}
	}
	return false
}

// NeedsPhone reports whether the phone of the application must be
// confirmed by an SMS code: every kind but blocking (p. 11–13 refer to
// p. 7, fourth paragraph, except p. 12).
func (k Kind) NeedsPhone() bool { return k != KindBlock }

// State is where an application stands. The officer's steps move it
// forward; each is stored, so work survives a restart and is audited.
type State string

// States of an application.
const (
	StateDraft           State = "draft"
	StateRegistryChecked State = "registry_checked"
	StatePhoneCodeSent   State = "phone_code_sent"
	StatePhoneConfirmed  State = "phone_confirmed"
	StateCompleted       State = "completed"
	StateRefused         State = "refused"
)

// Closed reports whether nothing more can happen to the application.
func (s State) Closed() bool { return s == StateCompleted || s == StateRefused }

// Conditions of p. 7 (and the extra ones of p. 11–13), in the order the
// regulation lists them; an application is checked in this order and the
// first one that fails is the reason given.
const (
	CondDocValid       = "doc_valid"        // p. 7, 2nd paragraph: a valid identity document
	CondUIDFree        = "uid_not_assigned" // p. 7, 3rd: no UID was assigned before
	CondPhoneConfirmed = "phone_confirmed"  // p. 7, 4th: the citizen proved the phone is theirs
	CondPhoneFree      = "phone_not_in_use" // p. 7, 5th: the phone is not used with another UID
	CondDataMatch      = "data_match"       // p. 7, 6th: the data match the interior ministry's register
	CondUIDActive      = "uid_active"       // p. 12: the citizen has a UID (not blocked)
	CondUIDBlocked     = "uid_blocked"      // p. 13: the citizen has a blocked UID
	CondUIDAssigned    = "uid_assigned"     // p. 11: the citizen has a UID
)

// KindConditions are the conditions each kind must meet.
var KindConditions = map[Kind][]string{
	KindIssue:       {CondDocValid, CondUIDFree, CondPhoneConfirmed, CondPhoneFree, CondDataMatch},
	KindBlock:       {CondDocValid, CondDataMatch, CondUIDActive},
	KindUnblock:     {CondDocValid, CondPhoneConfirmed, CondPhoneFree, CondDataMatch, CondUIDBlocked},
	KindChangePhone: {CondDocValid, CondPhoneConfirmed, CondPhoneFree, CondDataMatch, CondUIDAssigned},
}

// Applicant is the citizen's data as written in the application.
type Applicant struct {
	Surname    string
	Name       string
	Patronymic string
	BirthDate  string // YYYY-MM-DD
	PIN        PIN
	Phone      Phone
}

// BirthDateText is the birth date as people write it, DD.MM.YYYY.
func (a Applicant) BirthDateText() string { return dateText(a.BirthDate) }

func dateText(iso string) string {
	if len(iso) != 10 {
		return iso
	}
	return iso[8:10] + "." + iso[5:7] + "." + iso[0:4]
}

// FullName is surname, name and patronymic.
func (a Applicant) FullName() string {
	return strings.TrimSpace(a.Surname + " " + a.Name + " " + a.Patronymic)
}

// Office is the issuance service that takes the application.
type Office struct {
	Code    string
	Name    string
	Address string
}

// ApplicationInput is the annex form as the officer typed it.
type ApplicationInput struct {
	Kind       string
	Surname    string
	Name       string
	Patronymic string
	BirthDate  string // YYYY-MM-DD or DD.MM.YYYY
	PIN        string
	Phone      string
	// Lang is the citizen's language for SMS and the printed form.
	Lang string
	// DocumentPresented is the officer's confirmation that the citizen
	// showed the identity document and is its owner by the photo (p. 5,
	// p. 6, second paragraph).
	DocumentPresented bool
}

// Condition is one condition's state for the officer's checklist.
type Condition struct {
	Name string
	// Status is "ok", "failed" or "pending".
	Status string
}

// Application is a written application and the steps taken on it.
type Application struct {
	ID     int64
	Office Office
	// Officer is the audit id of the staff member who registered it.
	Officer string
	Kind    Kind
	Applicant
	Lang              string
	DocumentPresented bool
	State             State
	RefusalCode       string
	RefusalParams     map[string]any
	RegistryCheckedAt *time.Time
	PhoneConfirmedAt  *time.Time
	CitizenID         int64
	PaperCode         string
	CreatedAt         time.Time
	UpdatedAt         time.Time
	CompletedAt       *time.Time
	// Warnings about the input (an old-style PIN whose check digit does
	// not hold), shown to the officer; only set by CreateApplication.
	Warnings []Warning

	checks checkState
}

// checkState is what the steps found out, stored as JSON.
type checkState struct {
	Registry *registryOutcome `json:"registry,omitempty"`
	Results  map[string]bool  `json:"results,omitempty"`
}

// registryOutcome keeps only the verdicts of the register, not its data.
type registryOutcome struct {
	Found         bool     `json:"found"`
	DocumentValid bool     `json:"document_valid"`
	Mismatch      []string `json:"mismatch,omitempty"`
}

// PINWarnings are the findings about the identification number that do
// not block the application (an old-style number whose check digit does
// not hold): the officer should look at the document again.
func (a Application) PINWarnings() []Warning {
	_, w, _ := ParsePIN(string(a.PIN))
	return w
}

// Number is the registration number printed on the paper.
func (a Application) Number() string {
	return fmt.Sprintf("%d-%06d", a.CreatedAt.In(minsk).Year(), a.ID)
}

// Conditions lists the conditions of the application's kind with what is
// known about each.
func (a Application) Conditions() []Condition {
	var out []Condition
	for _, c := range KindConditions[a.Kind] {
		st := "pending"
		if ok, known := a.checks.Results[c]; known {
			st = "failed"
			if ok {
				st = "ok"
			}
		}
		if c == CondPhoneConfirmed && a.PhoneConfirmedAt != nil {
			st = "ok" // known from the step itself, before the last check
		}
		out = append(out, Condition{Name: c, Status: st})
	}
	return out
}

// NextStep names what the officer does next: "registry_check",
// "phone_code", "phone_confirm", "complete" or "" when closed.
func (a Application) NextStep() string {
	switch a.State {
	case StateDraft:
		return "registry_check"
	case StateRegistryChecked:
		if a.Kind.NeedsPhone() {
			return "phone_code"
		}
		return "complete"
	case StatePhoneCodeSent:
		return "phone_confirm"
	case StatePhoneConfirmed:
		return "complete"
	}
	return ""
}

var (
	errClosed = fault.New(fault.Conflict, "uid.application_closed", nil)
	errStep   = fault.New(fault.Conflict, "uid.application_step", nil)
)

// parseApplication validates the form and reports every problem at once.
func (s *Service) parseApplication(in ApplicationInput) (Application, error) {
	var c fault.Check
	a := Application{Kind: Kind(in.Kind), Lang: in.Lang, DocumentPresented: in.DocumentPresented}
	if !a.Kind.Valid() {
		c.Add("kind", "uid.kind_required", nil)
	}
	a.Surname = cleanName(in.Surname)
	a.Name = cleanName(in.Name)
	a.Patronymic = cleanName(in.Patronymic)
	for _, f := range []struct {
		field, value string
		required     bool
	}{{"surname", a.Surname, true}, {"name", a.Name, true}, {"patronymic", a.Patronymic, false}} {
		switch {
		case f.value == "" && f.required:
			c.Add(f.field, "uid."+f.field+"_required", nil)
		case f.value != "" && !nameOK(f.value):
			c.Add(f.field, "uid.name_chars", nil)
		}
	}
	bd, code := parseBirthDate(in.BirthDate, s.now().In(minsk))
	if code != "" {
		c.Add("birth_date", code, nil)
	}
	a.BirthDate = bd
	pin, warns, err := ParsePIN(in.PIN)
	if err != nil {
		c.AddErr("pin", err)
	}
	a.PIN, a.Warnings = pin, warns
	if strings.TrimSpace(in.Phone) == "" {
		if a.Kind != KindBlock {
			c.Add("phone", "uid.phone_required", nil)
		}
	} else if p, err := ParsePhone(in.Phone); err != nil {
		c.AddErr("phone", err)
	} else {
		a.Phone = p
	}
	if a.Lang != "be" {
		a.Lang = "ru"
	}
	if !in.DocumentPresented {
		c.Add("document_presented", "uid.doc_not_presented", nil)
	}
	return a, checkErr(&c)
}

func cleanName(s string) string { return strings.Join(strings.Fields(s), " ") }

// nameOK accepts the letters of any script (documents of foreigners
// living in Belarus), spaces, hyphens and apostrophes (Belarusian ʼ).
func nameOK(s string) bool {
	if utf8.RuneCountInString(s) > 100 {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !strings.ContainsRune(" -'’ʼ.", r) {
			return false
		}
	}
	return true
}

// parseBirthDate accepts YYYY-MM-DD (date inputs) and DD.MM.YYYY (what
// people type), and returns YYYY-MM-DD or an error code.
func parseBirthDate(s string, today time.Time) (string, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "uid.birth_date_required"
	}
	var t time.Time
	var err error
	for _, layout := range []string{"2006-01-02", "02.01.2006", "2.1.2006"} {
		if t, err = time.Parse(layout, s); err == nil {
			break
		}
	}
	if err != nil {
		return "", "uid.birth_date_format"
	}
	if t.Year() < 1900 || t.After(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)) {
		return "", "uid.birth_date_range"
	}
	return t.Format("2006-01-02"), ""
}

// CreateApplication registers the written application (p. 4) with the
// officer's confirmation that the document was presented (p. 5–6), and
// files its printed form for the citizen's signature, in one transaction.
func (s *Service) CreateApplication(ctx context.Context, office Office, in ApplicationInput) (Application, error) {
	a, err := s.parseApplication(in)
	if err != nil {
		return Application{}, err
	}
	if office.Code == "" {
		return Application{}, fault.New(fault.Forbidden, "error.forbidden", nil)
	}
	now := s.clock()
	a.Office, a.Officer, a.State, a.CreatedAt, a.UpdatedAt = office, audit.ActorFrom(ctx).ID, StateDraft, now, now
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO uid_applications (office, office_name, office_address, officer, kind,
			surname, name, patronymic, birth_date, pin, phone, lang, document_presented, state, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$15) RETURNING id`,
			office.Code, office.Name, office.Address, a.Officer, string(a.Kind), a.Surname, a.Name, a.Patronymic, a.BirthDate,
			string(a.PIN), string(a.Phone), a.Lang, a.DocumentPresented, string(a.State), now).Scan(&a.ID)
		if err != nil {
			return fmt.Errorf("identity: create application: %w", err)
		}
		issued, _, err := s.docs.Issue(ctx, tx, a.paper(), paperMeta(a))
		if err != nil {
			return fmt.Errorf("identity: application paper: %w", err)
		}
		a.PaperCode = issued.Code
		if _, err := tx.ExecContext(ctx, "UPDATE uid_applications SET paper_code = $1 WHERE id = $2", a.PaperCode, a.ID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit.Entry{Action: "uid.application.create", SubjectUID: string(a.PIN),
			ObjectType: "uid_application", ObjectID: a.Number(),
			Details: map[string]any{"kind": string(a.Kind), "office": office.Code, "document_presented": true}})
	})
	if err != nil {
		return Application{}, err
	}
	return a, nil
}

const appCols = `id, office, office_name, office_address, officer, kind, surname, name, patronymic, birth_date, pin, phone,
	lang, document_presented, state, checks, refusal_code, refusal_params, registry_checked_at, phone_confirmed_at,
	citizen_id, paper_code, created_at, updated_at, completed_at`

func scanApplication(row scanner) (Application, error) {
	var a Application
	var kind, pin, phone, state, checks, refusalParams string
	var regAt, phoneAt, doneAt sql.NullTime
	var citizen sql.NullInt64
	err := row.Scan(&a.ID, &a.Office.Code, &a.Office.Name, &a.Office.Address, &a.Officer, &kind, &a.Surname, &a.Name,
		&a.Patronymic, &a.BirthDate, &pin, &phone, &a.Lang, &a.DocumentPresented, &state, &checks, &a.RefusalCode,
		&refusalParams, &regAt, &phoneAt, &citizen, &a.PaperCode, &a.CreatedAt, &a.UpdatedAt, &doneAt)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("identity: application: %w", fault.NotFound)
	}
	if err != nil {
		return a, fmt.Errorf("identity: application: %w", err)
	}
	a.Kind, a.PIN, a.Phone, a.State = Kind(kind), PIN(pin), Phone(phone), State(state)
	a.CitizenID = citizen.Int64
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	for _, p := range []struct {
		src sql.NullTime
		dst **time.Time
	}{{regAt, &a.RegistryCheckedAt}, {phoneAt, &a.PhoneConfirmedAt}, {doneAt, &a.CompletedAt}} {
		if p.src.Valid {
			t := p.src.Time.UTC()
			*p.dst = &t
		}
	}
	_ = json.Unmarshal([]byte(checks), &a.checks)
	if refusalParams != "" && refusalParams != "{}" {
		_ = json.Unmarshal([]byte(refusalParams), &a.RefusalParams)
	}
	return a, nil
}

func (s *Service) application(ctx context.Context, q querier, office string, id int64, lock bool) (Application, error) {
	sqlq := "SELECT " + appCols + " FROM uid_applications WHERE id = $1 AND office = $2"
	if lock {
		sqlq += s.forUpdate()
	}
	return scanApplication(q.QueryRowContext(ctx, sqlq, id, office))
}

// ReadApplication returns an application of office for a staff member and
// records the read of the citizen's personal data with its reason. Every
// read is recorded, page reloads included: the citizen is entitled to see
// each time staff looked at their data, and the history page groups them.
func (s *Service) ReadApplication(ctx context.Context, office string, id int64) (Application, error) {
	a, err := s.application(ctx, s.db.R, office, id, false)
	if err != nil {
		return a, err
	}
	err = s.audit.Record(ctx, audit.Entry{Action: "uid.application.read", SubjectUID: string(a.PIN),
		ObjectType: "uid_application", ObjectID: a.Number(), Reason: "uid application " + a.Number()})
	return a, err
}

// ApplicationSummary is a line of the office's list; it carries no
// personal data beyond the masked PIN, so listing is not a read to audit.
type ApplicationSummary struct {
	ID        int64
	Number    string
	Kind      Kind
	State     State
	PINMasked string
	CreatedAt time.Time
}

// Applications lists the office's latest applications.
func (s *Service) Applications(ctx context.Context, office string, limit int) ([]ApplicationSummary, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := s.db.R.QueryContext(ctx, "SELECT "+appCols+" FROM uid_applications WHERE office = $1 ORDER BY id DESC LIMIT "+fmt.Sprint(limit), office)
	if err != nil {
		return nil, fmt.Errorf("identity: applications: %w", err)
	}
	defer rows.Close()
	var out []ApplicationSummary
	for rows.Next() {
		a, err := scanApplication(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ApplicationSummary{ID: a.ID, Number: a.Number(), Kind: a.Kind, State: a.State, PINMasked: a.PIN.Masked(), CreatedAt: a.CreatedAt})
	}
	return out, rows.Err()
}

// save writes the application's mutable columns in tx.
func (s *Service) save(ctx context.Context, tx *sql.Tx, a *Application) error {
	a.UpdatedAt = s.clock()
	checks, _ := json.Marshal(a.checks)
	params := "{}"
	if len(a.RefusalParams) > 0 {
		b, _ := json.Marshal(a.RefusalParams)
		params = string(b)
	}
	var citizen any
	if a.CitizenID != 0 {
		citizen = a.CitizenID
	}
	_, err := tx.ExecContext(ctx, `UPDATE uid_applications SET state = $1, checks = $2, refusal_code = $3, refusal_params = $4,
		registry_checked_at = $5, phone_confirmed_at = $6, citizen_id = $7, updated_at = $8, completed_at = $9, phone = $10 WHERE id = $11`,
		string(a.State), string(checks), a.RefusalCode, params, a.RegistryCheckedAt, a.PhoneConfirmedAt, citizen, a.UpdatedAt,
		a.CompletedAt, string(a.Phone), a.ID)
	if err != nil {
		return fmt.Errorf("identity: save application: %w", err)
	}
	return nil
}

// evaluate checks the conditions of a's kind in the regulation's order and
// returns the first that fails. Before the last step the phone's
// confirmation is still to come and is skipped.
func (s *Service) evaluate(ctx context.Context, q querier, a *Application, final bool) (*fault.Error, error) {
	a.checks.Results = map[string]bool{}
	reg := a.checks.Registry
	var holder *Citizen
	if c, err := s.citizenByUID(ctx, q, a.PIN, false); err == nil {
		holder = &c
	} else if !errors.Is(err, fault.NotFound) {
		return nil, err
	}
	for _, cond := range KindConditions[a.Kind] {
		var fail *fault.Error
		switch cond {
		case CondDocValid:
			switch {
			case reg == nil:
				return nil, errStep
			case !reg.Found:
				fail = fault.New(fault.Conflict, "uid.registry_not_found", nil)
			case !reg.DocumentValid:
				fail = fault.New(fault.Conflict, "uid.doc_invalid", nil)
			}
		case CondUIDFree:
			if holder != nil {
				fail = fault.New(fault.Conflict, "uid.already_assigned", nil)
			}
		case CondPhoneConfirmed:
			if !final {
				continue
			}
			if a.PhoneConfirmedAt == nil {
				fail = fault.New(fault.Conflict, "uid.phone_not_confirmed", nil)
			}
		case CondPhoneFree:
			used, err := s.phoneUsedByOther(ctx, q, a.Phone, a.PIN)
			if err != nil {
				return nil, err
			}
			if used {
				fail = fault.New(fault.Conflict, "uid.phone_in_use", nil)
			}
		case CondDataMatch:
			if len(reg.Mismatch) > 0 {
				fail = fault.New(fault.Conflict, "uid.registry_mismatch", map[string]any{"fields": reg.Mismatch})
			}
		case CondUIDActive:
			switch {
			case holder == nil:
				fail = fault.New(fault.Conflict, "uid.not_assigned", nil)
			case !holder.Active():
				fail = fault.New(fault.Conflict, "uid.already_blocked", nil)
			}
		case CondUIDBlocked:
			switch {
			case holder == nil:
				fail = fault.New(fault.Conflict, "uid.not_assigned", nil)
			case holder.Active():
				fail = fault.New(fault.Conflict, "uid.not_blocked", nil)
			}
		case CondUIDAssigned:
			switch {
			case holder == nil:
				fail = fault.New(fault.Conflict, "uid.not_assigned", nil)
			case holder.Phone == a.Phone:
				fail = fault.New(fault.Conflict, "uid.phone_same", nil)
			}
		}
		a.checks.Results[cond] = fail == nil
		if fail != nil {
			return fail, nil
		}
	}
	return nil, nil
}

// step runs one officer's step on application id of office: it loads and
// locks the application, refuses a closed one, runs fn and saves. When fn
// returns a refusal the application is closed as refused (and that is
// committed and audited), and the refusal is returned to the caller.
func (s *Service) step(ctx context.Context, office string, id int64, fn func(tx *sql.Tx, a *Application) (refusal *fault.Error, err error)) (Application, error) {
	var a Application
	var refusal *fault.Error
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		a, err = s.application(ctx, tx, office, id, true)
		if err != nil {
			return err
		}
		if a.State.Closed() {
			return errClosed
		}
		refusal, err = fn(tx, &a)
		if err != nil {
			return err
		}
		if refusal != nil {
			now := s.clock()
			a.State, a.RefusalCode, a.RefusalParams, a.CompletedAt = StateRefused, refusal.Code, refusal.Params, &now
			if err := s.save(ctx, tx, &a); err != nil {
				return err
			}
			return s.appendAudit(ctx, tx, audit.Entry{Action: "uid.application.refuse", SubjectUID: string(a.PIN),
				ObjectType: "uid_application", ObjectID: a.Number(), Details: map[string]any{"kind": string(a.Kind), "code": refusal.Code}})
		}
		return nil
	})
	if err != nil {
		return a, err
	}
	if refusal != nil {
		return a, refusal
	}
	return a, nil
}

// CheckRegistry compares the application with the interior ministry's
// register (p. 6, third paragraph) and checks every condition that can be
// checked before the phone is confirmed. A failed condition refuses the
// application; an unavailable register leaves it as it was, to try again.
func (s *Service) CheckRegistry(ctx context.Context, office string, id int64) (Application, error) {
	a, err := s.application(ctx, s.db.R, office, id, false)
	if err != nil {
		return a, err
	}
	if a.State.Closed() {
		return a, errClosed
	}
	if a.State != StateDraft {
		return a, errStep
	}
	out := &registryOutcome{}
	p, err := s.registry.Person(ctx, a.PIN)
	switch {
	case errors.Is(err, fault.NotFound):
	case errors.Is(err, fault.Unavailable):
		return a, fault.New(fault.Unavailable, "uid.registry_unavailable", nil)
	case err != nil:
		return a, fmt.Errorf("identity: registry: %w", err)
	default:
		out.Found, out.DocumentValid, out.Mismatch = true, p.DocumentValid, mismatches(a.Applicant, p)
	}
	return s.step(ctx, office, id, func(tx *sql.Tx, a *Application) (*fault.Error, error) {
		if a.State != StateDraft {
			return nil, errStep
		}
		a.checks.Registry = out
		now := s.clock()
		a.RegistryCheckedAt = &now
		refusal, err := s.evaluate(ctx, tx, a, false)
		if err != nil || refusal != nil {
			return refusal, err
		}
		a.State = StateRegistryChecked
		if err := s.save(ctx, tx, a); err != nil {
			return nil, err
		}
		return nil, s.appendAudit(ctx, tx, audit.Entry{Action: "uid.application.registry_check", SubjectUID: string(a.PIN),
			ObjectType: "uid_application", ObjectID: a.Number(), Details: map[string]any{"found": out.Found, "document_valid": out.DocumentValid}})
	})
}

// SendPhoneCode sends the code that proves the citizen uses the phone of
// the application (p. 6, fourth paragraph; p. 15). Sending again replaces
// the code.
func (s *Service) SendPhoneCode(ctx context.Context, office string, id int64) (Application, error) {
	return s.step(ctx, office, id, func(tx *sql.Tx, a *Application) (*fault.Error, error) {
		if !a.Kind.NeedsPhone() || (a.State != StateRegistryChecked && a.State != StatePhoneCodeSent) {
			return nil, errStep
		}
		if refusal, err := s.evaluate(ctx, tx, a, false); err != nil || refusal != nil {
			return refusal, err
		}
		code, err := s.issueCode(ctx, tx, purposeVerifyPhone, appSubject(a.ID), a.Phone)
		if err != nil {
			return nil, err
		}
		if err := s.sms.SendTx(ctx, tx, a.Phone, SMSVerifyPhone, a.Lang, map[string]any{"code": code, "minutes": s.codeMinutes()}, "code"); err != nil {
			return nil, err
		}
		a.State = StatePhoneCodeSent
		if err := s.save(ctx, tx, a); err != nil {
			return nil, err
		}
		return nil, s.appendAudit(ctx, tx, audit.Entry{Action: "uid.application.phone_code", SubjectUID: string(a.PIN),
			ObjectType: "uid_application", ObjectID: a.Number(), Details: map[string]any{"phone": a.Phone.Masked()}})
	})
}

// ConfirmPhone checks the code the citizen read out to the officer. A
// wrong code is counted, and the count is kept even though the step fails.
func (s *Service) ConfirmPhone(ctx context.Context, office string, id int64, code string) (Application, error) {
	var codeErr error
	a, err := s.step(ctx, office, id, func(tx *sql.Tx, a *Application) (*fault.Error, error) {
		if a.State != StatePhoneCodeSent {
			return nil, errStep
		}
		phone, err := s.checkCode(ctx, tx, purposeVerifyPhone, appSubject(a.ID), code)
		if isCodeError(err) || errors.Is(err, fault.Invalid) {
			codeErr = err
			return nil, s.appendAudit(ctx, tx, audit.Entry{Action: "uid.application.phone_confirm_failed", SubjectUID: string(a.PIN),
				ObjectType: "uid_application", ObjectID: a.Number()})
		}
		if err != nil {
			return nil, err
		}
		if phone != a.Phone {
			return nil, errCodeInvalid
		}
		now := s.clock()
		a.State, a.PhoneConfirmedAt = StatePhoneConfirmed, &now
		if err := s.save(ctx, tx, a); err != nil {
			return nil, err
		}
		return nil, s.appendAudit(ctx, tx, audit.Entry{Action: "uid.application.phone_confirm", SubjectUID: string(a.PIN),
			ObjectType: "uid_application", ObjectID: a.Number()})
	})
	if err == nil && codeErr != nil {
		return a, codeErr
	}
	return a, err
}

// Complete checks every condition once more, in order, and does what the
// application asks: issues the UID with a temporary password sent by SMS
// (p. 7–8), blocks it (p. 12), unblocks it with a new temporary password
// (p. 13) or binds the new phone (p. 11) — the change, the application's
// state, the audit record and the SMS in one transaction.
func (s *Service) Complete(ctx context.Context, office string, id int64) (Application, error) {
	var temp, hash string
	pre, err := s.application(ctx, s.db.R, office, id, false)
	if err != nil {
		return pre, err
	}
	if pre.Kind == KindIssue || pre.Kind == KindUnblock {
		temp = NewTemporaryPassword()
		if hash, err = s.hash(ctx, temp); err != nil {
			return pre, err
		}
	}
	return s.step(ctx, office, id, func(tx *sql.Tx, a *Application) (*fault.Error, error) {
		want := StatePhoneConfirmed
		if !a.Kind.NeedsPhone() {
			want = StateRegistryChecked
		}
		if a.State == StateDraft {
			return nil, errStep
		}
		refusal, err := s.evaluate(ctx, tx, a, true)
		if err != nil {
			return nil, err
		}
		if refusal != nil && refusal.Code == "uid.phone_not_confirmed" {
			// Not a reason to refuse: the officer has a step to take.
			return nil, refusal
		}
		if refusal != nil {
			return refusal, nil
		}
		if a.State != want {
			return nil, errStep
		}
		now := s.clock()
		var act audit.Entry
		err = savepoint(ctx, tx, func() error {
			var err error
			switch a.Kind {
			case KindIssue:
				act, err = s.issue(ctx, tx, a, hash, temp, now)
			case KindBlock:
				act, err = s.blockAt(ctx, tx, a, now)
			case KindUnblock:
				act, err = s.unblockAt(ctx, tx, a, hash, temp, now)
			case KindChangePhone:
				act, err = s.changePhoneAt(ctx, tx, a, now)
			}
			return err
		})
		if r := refusalOf(err); r != nil {
			return r, nil
		}
		if err != nil {
			return nil, err
		}
		a.State, a.CompletedAt = StateCompleted, &now
		if err := s.save(ctx, tx, a); err != nil {
			return nil, err
		}
		act.SubjectUID, act.ObjectType, act.ObjectID = string(a.PIN), "uid_application", a.Number()
		if act.Details == nil {
			act.Details = map[string]any{}
		}
		act.Details["via"], act.Details["office"] = "office", a.Office.Code
		return nil, s.appendAudit(ctx, tx, act)
	})
}

// refusalOf turns a unique-index race (two officers at once) into the
// condition it breaks.
func refusalOf(err error) *fault.Error {
	var fe *fault.Error
	if errors.As(err, &fe) && (fe.Code == "uid.already_assigned" || fe.Code == "uid.phone_in_use") {
		return fe
	}
	return nil
}

// savepoint runs fn so that its failure can be undone without losing the
// transaction: on PostgreSQL a failed statement (a unique-index race)
// aborts the whole transaction, and the refusal must still be saved.
func savepoint(ctx context.Context, tx *sql.Tx, fn func() error) error {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT uid_action"); err != nil {
		return err
	}
	if err := fn(); err != nil {
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT uid_action"); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	_, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT uid_action")
	return err
}

func uniqueRefusal(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "citizens_active_phone") || strings.Contains(msg, "citizens.phone"):
		return fault.New(fault.Conflict, "uid.phone_in_use", nil)
	case strings.Contains(msg, "citizens_uid_key") || strings.Contains(msg, "citizens.uid"):
		return fault.New(fault.Conflict, "uid.already_assigned", nil)
	}
	return err
}

func (s *Service) issue(ctx context.Context, tx *sql.Tx, a *Application, hash, temp string, now time.Time) (audit.Entry, error) {
	err := tx.QueryRowContext(ctx, `INSERT INTO citizens (uid, surname, name, patronymic, birth_date, phone, lang, status,
		password_hash, password_kind, password_expires_at, password_set_at, issued_at, issued_by, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,'active',$8,'temporary',$9,$10,$10,$11,$10) RETURNING id`,
		string(a.PIN), a.Surname, a.Name, a.Patronymic, a.BirthDate, string(a.Phone), a.Lang, hash,
		now.Add(s.opts.TempPasswordTTL), now, a.Office.Code).Scan(&a.CitizenID)
	if err != nil {
		return audit.Entry{}, uniqueRefusal(fmt.Errorf("identity: issue: %w", err))
	}
	if err := s.sendTempPassword(ctx, tx, a.Phone, a.Lang, temp, now); err != nil {
		return audit.Entry{}, err
	}
	return audit.Entry{Action: "uid.issue", Details: map[string]any{"phone": a.Phone.Masked()}}, nil
}

func (s *Service) sendTempPassword(ctx context.Context, tx *sql.Tx, to Phone, lang, temp string, now time.Time) error {
	return s.sms.SendTx(ctx, tx, to, SMSTempPassword, lang,
		map[string]any{"password": temp, "expires": now.Add(s.opts.TempPasswordTTL)}, "password")
}

func (s *Service) blockAt(ctx context.Context, tx *sql.Tx, a *Application, now time.Time) (audit.Entry, error) {
	c, err := s.citizenByUID(ctx, tx, a.PIN, true)
	if err != nil {
		return audit.Entry{}, err
	}
	a.CitizenID = c.ID
	if err := s.block(ctx, tx, c, now); err != nil {
		return audit.Entry{}, err
	}
	return audit.Entry{Action: "uid.block"}, nil
}

func (s *Service) unblockAt(ctx context.Context, tx *sql.Tx, a *Application, hash, temp string, now time.Time) (audit.Entry, error) {
	c, err := s.citizenByUID(ctx, tx, a.PIN, true)
	if err != nil {
		return audit.Entry{}, err
	}
	a.CitizenID = c.ID
	// The confirmed phone of the application is the one used with the UID
	// from now on: the temporary password goes to it (p. 13, third part).
	_, err = tx.ExecContext(ctx, `UPDATE citizens SET status = 'active', blocked_at = NULL, phone = $1, lang = $2, updated_at = $3 WHERE id = $4`,
		string(a.Phone), a.Lang, now, c.ID)
	if err != nil {
		return audit.Entry{}, uniqueRefusal(fmt.Errorf("identity: unblock: %w", err))
	}
	if err := s.setPassword(ctx, tx, c.ID, hash, PasswordTemporary, now); err != nil {
		return audit.Entry{}, err
	}
	if err := s.endSessions(ctx, tx, c.ID, "unblock"); err != nil {
		return audit.Entry{}, err
	}
	if err := s.sendTempPassword(ctx, tx, a.Phone, a.Lang, temp, now); err != nil {
		return audit.Entry{}, err
	}
	return audit.Entry{Action: "uid.unblock", Details: map[string]any{"phone": a.Phone.Masked(), "phone_changed": c.Phone != a.Phone}}, nil
}

func (s *Service) changePhoneAt(ctx context.Context, tx *sql.Tx, a *Application, now time.Time) (audit.Entry, error) {
	c, err := s.citizenByUID(ctx, tx, a.PIN, true)
	if err != nil {
		return audit.Entry{}, err
	}
	a.CitizenID = c.ID
	if _, err := tx.ExecContext(ctx, "UPDATE citizens SET phone = $1, updated_at = $2 WHERE id = $3", string(a.Phone), now, c.ID); err != nil {
		return audit.Entry{}, uniqueRefusal(fmt.Errorf("identity: change phone: %w", err))
	}
	// Codes sent to the old number must not work any more, and whoever
	// holds the old phone must not stay logged in.
	if err := s.voidCodes(ctx, tx, "", citizenSubject(c.ID)); err != nil {
		return audit.Entry{}, err
	}
	if err := s.endSessions(ctx, tx, c.ID, "phone_change"); err != nil {
		return audit.Entry{}, err
	}
	return audit.Entry{Action: "uid.phone_change", Details: map[string]any{"old_phone": c.Phone.Masked(), "phone": a.Phone.Masked()}}, nil
}

// block blocks c in tx: used by the office (p. 12, second way) and by the
// citizen (p. 12, first way).
func (s *Service) block(ctx context.Context, tx *sql.Tx, c Citizen, now time.Time) error {
	res, err := tx.ExecContext(ctx, "UPDATE citizens SET status = 'blocked', blocked_at = $1, updated_at = $1 WHERE id = $2 AND status = 'active'", now, c.ID)
	if err != nil {
		return fmt.Errorf("identity: block: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fault.New(fault.Conflict, "uid.already_blocked", nil)
	}
	if err := s.voidCodes(ctx, tx, "", citizenSubject(c.ID)); err != nil {
		return err
	}
	if err := s.endSessions(ctx, tx, c.ID, "block"); err != nil {
		return err
	}
	return s.sms.SendTx(ctx, tx, c.Phone, SMSBlocked, c.Lang, map[string]any{"at": now})
}

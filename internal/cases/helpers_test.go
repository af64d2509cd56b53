package cases_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/calendar"
	"odnookno/internal/cases"
	"odnookno/internal/document"
	"odnookno/internal/fault"
	"odnookno/internal/i18n/i18ntest"
	"odnookno/internal/jobs"
	"odnookno/internal/signature"
	"odnookno/internal/store"
	"odnookno/internal/store/storetest"
)

// noticesModule is a table owned by these tests: the fake notifier writes
// to it in the caller's transaction, so a rolled-back change leaves no
// notice, as with the real outbox.
var noticesModule = store.Module{Name: "casestest", FS: fstest.MapFS{
	"sqlite/00001_notices.sql": {Data: []byte(`-- +goose Up
CREATE TABLE test_notices (id INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, recipient TEXT NOT NULL,
	staff_id INTEGER NOT NULL, kind TEXT NOT NULL, params TEXT NOT NULL);`)},
	"postgres/00001_notices.sql": {Data: []byte(`-- +goose Up
CREATE TABLE test_notices (id BIGSERIAL PRIMARY KEY, channel TEXT NOT NULL, recipient TEXT NOT NULL,
	staff_id BIGINT NOT NULL, kind TEXT NOT NULL, params TEXT NOT NULL);`)},
}}

var modules = []store.Module{audit.Module, document.Module, cases.Module, noticesModule}

type tableNotifier struct{ fail bool }

func (n *tableNotifier) EnqueueTx(ctx context.Context, tx *sql.Tx, m cases.Notice) error {
	if n.fail {
		return errors.New("notifier down")
	}
	p, _ := json.Marshal(m.Params)
	_, err := tx.ExecContext(ctx, "INSERT INTO test_notices (channel, recipient, staff_id, kind, params) VALUES ($1,$2,$3,$4,$5)",
		m.Channel, m.To, m.StaffID, m.Kind, string(p))
	return err
}

// clock is an injected clock the tests move.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

var minsk = time.FixedZone("Europe/Minsk", 3*60*60)

// at is a moment on day y-m-d at 10:00 in Minsk.
func at(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, minsk) }

// Procedures of the fixture.
const (
	procOnline  = 101 // online, suspension allowed, extended term, complaint body
	procPaper   = 102 // front office only, no suspension
	procWorking = 103 // working-day term
)

type regs struct{ m map[int64]cases.Regulation }

func (r regs) Get(_ context.Context, id int64, version int) (cases.Regulation, error) {
	reg, ok := r.m[id]
	if !ok || reg.Version != version {
		return cases.Regulation{}, fault.NotFound
	}
	return reg, nil
}

func (r regs) Active(_ context.Context, id int64) (cases.Regulation, error) {
	reg, ok := r.m[id]
	if !ok {
		return cases.Regulation{}, fault.NotFound
	}
	return reg, nil
}

func term(s string) calendar.Term {
	t, err := calendar.ParseTerm(s)
	if err != nil {
		panic(err)
	}
	return t
}

func newRegs() regs {
	docs := []cases.DocumentRequirement{{Code: "passport", Name: "Паспорт", Required: true, Types: []string{"application/pdf", "image/jpeg"}, MaxSize: 1 << 20},
		{Code: "photo", Name: "Фотография", Types: []string{"image/jpeg", "image/png"}}}
	return regs{m: map[int64]cases.Regulation{
		procOnline: {ProcedureID: procOnline, Version: 3, Number: "1.1.5", Name: "Выдача справки о месте жительства",
			Bodies: []string{"MINSK-OO", "GRODNO-OO"}, Term: term("15 дней"), ExtendedTerm: term("1 месяц"),
			SuspensionAllowed: true, OnlineAllowed: true, Documents: docs,
			RefusalGrounds: []cases.Ground{{Code: "no_right", Text: "Отсутствует право на получение справки"},
				{Code: "false_data", Text: "Представлены недостоверные сведения"}},
			AcceptRefusalGrounds: []cases.Ground{{Code: "no_passport", Text: "Не представлен паспорт"},
				{Code: "missing_docs", Text: "Не представлены документы по перечню"}},
			ComplaintBody: "MINSK-GIK", ComplaintTerm: term("15 дней")},
		procPaper: {ProcedureID: procPaper, Version: 1, Number: "2.1", Name: "Принятие на учёт",
			Bodies: []string{"MINSK-OO"}, Term: term("1 месяц"),
			RefusalGrounds: []cases.Ground{{Code: "no_right", Text: "Нет права"}}},
		procWorking: {ProcedureID: procWorking, Version: 1, Number: "3.1", Name: "Согласование",
			Bodies: []string{"MINSK-OO"}, Term: term("5 рабочих дней"), OnlineAllowed: true,
			RefusalGrounds: []cases.Ground{{Code: "no_right", Text: "Нет права"}}},
	}}
}

type directory struct{ staff map[int64]cases.StaffMember }

func (d directory) StaffMember(_ context.Context, id int64) (cases.StaffMember, error) {
	m, ok := d.staff[id]
	if !ok {
		return m, fault.NotFound
	}
	return m, nil
}

func (d directory) Body(_ context.Context, code string) (cases.Body, error) {
	return cases.Body{Code: code, NameRU: "Орган " + code, NameBE: "Орган " + code}, nil
}

// PKI shared by all tests: one CA, the head's signer, a second head's
// signer from the same CA and a stranger's from another CA.
type pki struct {
	verifier *signature.Verifier
	head     signature.Signer
	head2    signature.Signer
	stranger signature.Signer
}

var testPKI pki

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cases-pki-")
	if err != nil {
		panic(err)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		testPKI = makePKI(dir)
		return m.Run()
	}()
	os.Exit(code)
}

func makePKI(dir string) pki {
	issue := func(ca, name string) signature.Signer {
		crt, key, err := signature.Issue(ca, signature.IssueRequest{Name: name, Organization: "Мингорисполком"})
		if err != nil {
			panic(err)
		}
		s, err := signature.LoadSigner(crt, key)
		if err != nil {
			panic(err)
		}
		return s
	}
	ca, other := filepath.Join(dir, "ca"), filepath.Join(dir, "other")
	for _, d := range []string{ca, other} {
		if err := signature.DevCA(d, time.Now()); err != nil {
			panic(err)
		}
	}
	roots, err := signature.LoadPool(filepath.Join(ca, "ca.crt"))
	if err != nil {
		panic(err)
	}
	v, err := signature.NewVerifier(roots, nil, time.Now)
	if err != nil {
		panic(err)
	}
	return pki{verifier: v, head: issue(ca, "Руководитель Главный"), head2: issue(ca, "Руководитель Второй"), stranger: issue(other, "Чужой")}
}

func certSerial(s signature.Signer) string {
	c := s.(interface{ Certificate() *x509.Certificate }).Certificate()
	return fmt.Sprintf("%X", c.SerialNumber.Bytes())
}

// Actors of the fixture.
var (
	allProcs  = []int64{procOnline, procPaper, procWorking}
	citizen   = cases.Citizen("42", "Иванов Иван")
	stranger  = cases.Citizen("77", "Посторонний")
	officer   = cases.Staff(1, "Петров Пётр", cases.StaffScope{BodyCode: "MINSK-OO", Roles: []string{cases.RoleOfficer}, ProcedureIDs: allProcs})
	head      = cases.Staff(2, "Сидорова Анна", cases.StaffScope{BodyCode: "MINSK-OO", Roles: []string{cases.RoleHead}, ProcedureIDs: allProcs})
	registrar = cases.Staff(3, "Козлова Ольга", cases.StaffScope{BodyCode: "MINSK-OO", Roles: []string{cases.RoleRegistrar}, ProcedureIDs: allProcs})
	grodno    = cases.Staff(4, "Гродненский", cases.StaffScope{BodyCode: "GRODNO-OO", Roles: []string{cases.RoleOfficer, cases.RoleHead}, ProcedureIDs: allProcs})
	gikHead   = cases.Staff(5, "Председатель ГИК", cases.StaffScope{BodyCode: "MINSK-GIK", Roles: []string{cases.RoleHead}})
	gikOff    = cases.Staff(6, "Специалист ГИК", cases.StaffScope{BodyCode: "MINSK-GIK", Roles: []string{cases.RoleOfficer}})
	officer2  = cases.Staff(7, "Второй Исполнитель", cases.StaffScope{BodyCode: "MINSK-OO", Roles: []string{cases.RoleOfficer}, ProcedureIDs: allProcs})
	unserved  = cases.Staff(8, "Без процедур", cases.StaffScope{BodyCode: "MINSK-OO", Roles: []string{cases.RoleOfficer, cases.RoleHead}, ProcedureIDs: []int64{procPaper}})
	gikReg    = cases.Staff(9, "Регистратор ГИК", cases.StaffScope{BodyCode: "MINSK-GIK", Roles: []string{cases.RoleRegistrar}})
	head2     = cases.Staff(10, "Второй Руководитель", cases.StaffScope{BodyCode: "MINSK-OO", Roles: []string{cases.RoleHead}, ProcedureIDs: allProcs})
)

type fixture struct {
	t      *testing.T
	db     *store.DB
	svc    *cases.Service
	manual *cases.Service // registers online applications by hand
	reg    *document.Registry
	clock  *clock
	notif  *tableNotifier
	files  *cases.FileStore
	audit  *audit.Log
	regs   regs
}

func newDirectory() directory {
	staff := map[int64]cases.StaffMember{}
	for _, a := range []cases.Actor{officer, head, registrar, grodno, gikHead, gikOff, officer2, unserved, gikReg, head2} {
		staff[a.StaffID] = cases.StaffMember{ID: a.StaffID, BodyCode: a.Scope.BodyCode, Name: a.Name, Email: fmt.Sprintf("staff%d@example.by", a.StaffID),
			Roles: a.Scope.Roles, Active: true}
	}
	h := staff[head.StaffID]
	h.CertSerial = certSerial(testPKI.head)
	staff[head.StaffID] = h
	g := staff[gikHead.StaffID]
	g.CertSerial = certSerial(testPKI.head)
	staff[gikHead.StaffID] = g
	return directory{staff: staff}
}

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	clk := &clock{t: at(2026, time.March, 2)} // a Monday
	cal, err := calendar.Default()
	if err != nil {
		t.Fatal(err)
	}
	q, err := jobs.NewQueue(db)
	if err != nil {
		t.Fatal(err)
	}
	files, err := cases.NewFileStore(t.TempDir(), 2<<20, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: db, clock: clk, notif: &tableNotifier{}, files: files, regs: newRegs()}
	f.audit = audit.New(db, clk.Now)
	f.reg = document.NewRegistry(db, testPKI.verifier, "https://oo.test", clk.Now)
	deps := cases.Deps{DB: db, Audit: f.audit, Queue: q, Documents: f.reg, Calendars: cases.FixedCalendar{C: cal},
		Regulations: f.regs, Directory: newDirectory(), Notifier: f.notif, Files: files, Text: i18ntest.Catalog(t)}
	f.svc, err = cases.New(deps, cases.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	f.manual, err = cases.New(deps, cases.Options{Now: clk.Now, ManualOnlineRegistration: true})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// each runs fn on both engines with a fresh fixture.
func each(t *testing.T, fn func(t *testing.T, f *fixture)) {
	storetest.Each(t, modules, func(t *testing.T, db *store.DB) {
		fn(t, setup(t, db))
	})
}

var ctx = context.Background()

func pdfBytes(tag string) []byte { return []byte("%PDF-1.4\n% " + tag + "\n%%EOF\n") }

func jpegBytes(tag string) []byte { return append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, []byte(tag)...) }

func (f *fixture) draft(proc int64) cases.Application {
	f.t.Helper()
	app, err := f.svc.CreateDraft(ctx, citizen, cases.NewDraft{ProcedureID: proc, BodyCode: "MINSK-OO",
		Form: json.RawMessage(`{"address":"Минск, ул. Ленина, 1"}`),
		Applicant: cases.Applicant{Surname: "Иванов", Name: "Иван", Patronymic: "Иванович", UID: "3140583A001PB1",
			Phone: "+375291234567", Email: "ivanov@example.by"}})
	if err != nil {
		f.t.Fatalf("create draft: %v", err)
	}
	return app
}

// submitted returns an application filed online; auto registration when
// auto is true (it is then registered).
func (f *fixture) submitted(auto bool) cases.Application {
	f.t.Helper()
	app := f.draft(procOnline)
	app = f.must(f.svc.Attach(ctx, citizen, app.ID, app.Version, cases.Upload{DocCode: "passport", Name: "паспорт.pdf", Body: bytes.NewReader(pdfBytes(fmt.Sprint(app.ID)))}))
	svc := f.manual
	if auto {
		svc = f.svc
	}
	return f.must(svc.Submit(ctx, citizen, app.ID, app.Version))
}

func (f *fixture) must(app cases.Application, err error) cases.Application {
	f.t.Helper()
	if err != nil {
		f.t.Fatalf("unexpected error: %v", err)
	}
	return app
}

func (f *fixture) mustC(c cases.Complaint, err error) cases.Complaint {
	f.t.Helper()
	if err != nil {
		f.t.Fatalf("unexpected error: %v", err)
	}
	return c
}

// reach drives a fresh application into state st. refusal picks a refusal
// draft for decision_drafted. Applications "in progress" have one request
// outstanding (sent, then returned to the officer without an answer), so a
// late answer can be recorded in any state after it.
func (f *fixture) reach(st cases.Status, refusal bool) cases.Application {
	f.t.Helper()
	s := f.svc
	switch st {
	case cases.Draft:
		app := f.draft(procOnline)
		return f.must(s.Attach(ctx, citizen, app.ID, app.Version, cases.Upload{DocCode: "passport", Name: "паспорт.pdf",
			Body: bytes.NewReader(pdfBytes(fmt.Sprint(app.ID)))}))
	case cases.Discarded:
		app := f.draft(procOnline)
		return f.must(s.Discard(ctx, citizen, app.ID, app.Version))
	case cases.Submitted:
		return f.submitted(false)
	case cases.Registered:
		return f.submitted(true)
	case cases.RefusedToAccept:
		app := f.submitted(true)
		return f.must(s.RefuseToAccept(ctx, registrar, app.ID, app.Version, []string{"missing_docs"}, ""))
	case cases.Withdrawn:
		app := f.submitted(true)
		return f.must(s.Withdraw(ctx, citizen, app.ID, app.Version, ""))
	case cases.AwaitingAnswers:
		app := f.submitted(true)
		app = f.must(s.Assign(ctx, officer, app.ID, app.Version, 0))
		return f.must(s.RequestInfo(ctx, officer, app.ID, app.Version, []cases.InfoRequest{
			{Addressee: "МВД", Subject: "Сведения о регистрации"}, {Addressee: "БТИ", Subject: "Сведения о недвижимости"}}))
	case cases.InProgress:
		app := f.submitted(true)
		app = f.must(s.Assign(ctx, officer, app.ID, app.Version, 0))
		app = f.must(s.RequestInfo(ctx, officer, app.ID, app.Version, []cases.InfoRequest{{Addressee: "МВД", Subject: "Сведения о регистрации"}}))
		return f.must(s.AnswersReceived(ctx, officer, app.ID, app.Version, "ответ получен на бумаге"))
	case cases.Suspended:
		app := f.reach(cases.InProgress, false)
		return f.must(s.Suspend(ctx, officer, app.ID, app.Version, "Запрошены дополнительные сведения у заявителя"))
	case cases.DecisionDrafted:
		app := f.reach(cases.InProgress, false)
		return f.must(s.DraftDecision(ctx, officer, app.ID, app.Version, f.decision(refusal)))
	case cases.DecidedGranted, cases.DecidedRefused:
		app := f.reach(cases.DecisionDrafted, st == cases.DecidedRefused)
		return f.must(s.SignDecision(ctx, head, app.ID, app.Version, f.sign(app.ID, testPKI.head)))
	}
	f.t.Fatalf("cannot reach %q", st)
	return cases.Application{}
}

func (f *fixture) decision(refusal bool) cases.DecisionDraft {
	if refusal {
		return cases.DecisionDraft{Outcome: cases.OutcomeRefuse, Grounds: []string{"no_right"}, Reasoning: "Заявитель не проживает по адресу."}
	}
	return cases.DecisionDraft{Outcome: cases.OutcomeGrant, Issued: &cases.IssuedDocument{Title: "Справка о месте жительства",
		Number: "С-17", ValidUntil: "2026-09-01"}}
}

// sign makes s's detached signature over the application's drafted decision.
func (f *fixture) sign(id int64, s signature.Signer) []byte {
	f.t.Helper()
	v, err := f.svc.Get(ctx, head, id)
	if err != nil {
		f.t.Fatal(err)
	}
	var code string
	for _, d := range v.Decisions {
		if d.Status == "draft" {
			code = d.DocumentCode
		}
	}
	return f.signCode(code, s)
}

func (f *fixture) signCode(code string, s signature.Signer) []byte {
	f.t.Helper()
	pdf, _, err := f.reg.PDF(ctx, code)
	if err != nil {
		f.t.Fatalf("pdf %q: %v", code, err)
	}
	sig, err := s.Sign(pdf)
	if err != nil {
		f.t.Fatal(err)
	}
	return sig
}

// wantFault fails unless err is a *fault.Error of kind with code.
func wantFault(t *testing.T, err error, kind error, code string) *fault.Error {
	t.Helper()
	var fe *fault.Error
	if !errors.As(err, &fe) || !errors.Is(err, kind) {
		t.Fatalf("want %v %q, got %v", kind, code, err)
	}
	if fe.Code != code && !(fe.Code == "invalid" && hasField(fe, code)) {
		t.Fatalf("want code %q, got %v", code, err)
	}
	return fe
}

func hasField(fe *fault.Error, code string) bool {
	for _, f := range fe.Fields {
		if f.Code == code {
			return true
		}
	}
	return false
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.R.QueryRow(q, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return n
}

func (f *fixture) notices(kind string) []string {
	f.t.Helper()
	rows, err := f.db.R.Query("SELECT channel || ':' || recipient FROM test_notices WHERE kind = $1 ORDER BY id", kind)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

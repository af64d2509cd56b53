package identity_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/auth"
	"odnookno/internal/document"
	"odnookno/internal/fault"
	"odnookno/internal/identity"
	"odnookno/internal/store"
	"odnookno/internal/store/storetest"
)

// modules are the migrations a service test needs.
var modules = []store.Module{audit.Module, auth.Module, document.Module, identity.Module}

// clock is the injected time of a test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// outbox stores SMS in a table of the test database inside the caller's
// transaction, the way the real outbox does, so a rolled-back change
// leaves no message behind.
type outbox struct{ db *store.DB }

type sms struct {
	To     identity.Phone
	Kind   string
	Lang   string
	Params map[string]any
}

func (o outbox) SendTx(ctx context.Context, tx *sql.Tx, to identity.Phone, kind, lang string, params map[string]any, secrets ...string) error {
	b, err := json.Marshal(params)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO test_sms (phone, kind, lang, params) VALUES ($1,$2,$3,$4)", string(to), kind, lang, string(b))
	return err
}

func (o outbox) all(t testing.TB) []sms {
	t.Helper()
	rows, err := o.db.R.Query("SELECT phone, kind, lang, params FROM test_sms ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []sms
	for rows.Next() {
		var m sms
		var to, params string
		if err := rows.Scan(&to, &m.Kind, &m.Lang, &params); err != nil {
			t.Fatal(err)
		}
		m.To = identity.Phone(to)
		_ = json.Unmarshal([]byte(params), &m.Params)
		out = append(out, m)
	}
	return out
}

// last is the newest SMS of kind to phone; it fails the test when none.
func (o outbox) last(t testing.TB, to identity.Phone, kind string) sms {
	t.Helper()
	all := o.all(t)
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].To == to && all[i].Kind == kind {
			return all[i]
		}
	}
	t.Fatalf("no %s SMS to %s among %d", kind, to, len(all))
	return sms{}
}

func (o outbox) count(t testing.TB, kind string) int {
	n := 0
	for _, m := range o.all(t) {
		if m.Kind == kind {
			n++
		}
	}
	return n
}

type fixture struct {
	db       *store.DB
	svc      *identity.Service
	clock    *clock
	sms      outbox
	reg      *identity.SimRegistry
	sessions *auth.Sessions
	audit    *audit.Log
	office   identity.Office
	officer  context.Context // a context acting as the issuance officer
	client   identity.Client
}

var testKey = []byte("0123456789abcdef0123456789abcdef")

func setup(t testing.TB, db *store.DB, tune ...func(*identity.Options)) *fixture {
	t.Helper()
	storetest.Exec(t, db, `CREATE TABLE test_sms (id `+map[store.Dialect]string{store.SQLite: "INTEGER PRIMARY KEY AUTOINCREMENT", store.Postgres: "BIGSERIAL PRIMARY KEY"}[db.Dialect]+`,
		phone TEXT NOT NULL, kind TEXT NOT NULL, lang TEXT NOT NULL, params TEXT NOT NULL)`)
	c := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	f := &fixture{db: db, clock: c, sms: outbox{db}, reg: identity.NewSimRegistry()}
	f.audit = audit.New(db, c.Now)
	f.sessions = auth.New(db, c.Now, auth.Options{Idle: time.Hour, Absolute: 12 * time.Hour})
	docs := document.NewRegistry(db, nil, "http://test", c.Now)
	opts := identity.Options{Hash: identity.TestHashParams, CodeKey: testKey}
	for _, fn := range tune {
		fn(&opts)
	}
	svc, err := identity.New(identity.Deps{DB: db, Audit: f.audit, Sessions: f.sessions, Docs: docs, SMS: f.sms, Registry: f.reg, Now: c.Now}, opts)
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	f.office = identity.Office{Code: "minsk-oo", Name: "Служба «одно окно» администрации Центрального района г. Минска", Address: "г. Минск, ул. Кирова, 8"}
	f.officer = audit.WithActor(context.Background(), audit.Actor{ID: "staff:1", Role: audit.RoleIssuance, Body: "minsk-oo"})
	f.client = identity.Client{Addr: "192.0.2.10", UserAgent: "test", Lang: "ru"}
	return f
}

// each runs fn on both engines with a fresh fixture.
func each(t *testing.T, fn func(t *testing.T, f *fixture), tune ...func(*identity.Options)) {
	t.Helper()
	storetest.Each(t, modules, func(t *testing.T, db *store.DB) {
		fn(t, setup(t, db, tune...))
	})
}

// person returns a test person of the simulated register by surname.
func person(t testing.TB, surname string) identity.RegistryPerson {
	t.Helper()
	for _, p := range identity.TestPeople {
		if p.Surname == surname {
			return p
		}
	}
	t.Fatalf("no test person %s", surname)
	return identity.RegistryPerson{}
}

// input is the annex form for p asking for kind with phone.
func input(p identity.RegistryPerson, kind identity.Kind, phone string) identity.ApplicationInput {
	return identity.ApplicationInput{Kind: string(kind), Surname: p.Surname, Name: p.Name, Patronymic: p.Patronymic,
		BirthDate: p.BirthDate, PIN: string(p.PIN), Phone: phone, Lang: "ru", DocumentPresented: true}
}

// code is the last code sent to phone by an SMS of kind.
func (f *fixture) code(t testing.TB, to identity.Phone, kind string) string {
	t.Helper()
	c, _ := f.sms.last(t, to, kind).Params["code"].(string)
	if len(c) != identity.SMSCodeLen {
		t.Fatalf("code %q", c)
	}
	return c
}

func mustPhone(t testing.TB, s string) identity.Phone {
	t.Helper()
	p, err := identity.ParsePhone(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// apply runs an application of kind through every step up to the last one
// and completes it; it fails the test on any error.
func (f *fixture) apply(t testing.TB, in identity.ApplicationInput) identity.Application {
	t.Helper()
	a, err := f.tryApply(t, in)
	if err != nil {
		t.Fatalf("%s application: %v", in.Kind, err)
	}
	return a
}

func (f *fixture) tryApply(t testing.TB, in identity.ApplicationInput) (identity.Application, error) {
	t.Helper()
	ctx := f.officer
	a, err := f.svc.CreateApplication(ctx, f.office, in)
	if err != nil {
		return a, err
	}
	if a, err = f.svc.CheckRegistry(ctx, f.office.Code, a.ID); err != nil {
		return a, err
	}
	if a.Kind.NeedsPhone() {
		if a, err = f.svc.SendPhoneCode(ctx, f.office.Code, a.ID); err != nil {
			return a, err
		}
		f.clock.Advance(10 * time.Second)
		if a, err = f.svc.ConfirmPhone(ctx, f.office.Code, a.ID, f.code(t, a.Phone, identity.SMSVerifyPhone)); err != nil {
			return a, err
		}
	}
	return f.svc.Complete(ctx, f.office.Code, a.ID)
}

// issue gives p a UID bound to phone and returns the temporary password.
func (f *fixture) issue(t testing.TB, p identity.RegistryPerson, phone string) string {
	t.Helper()
	a := f.apply(t, input(p, identity.KindIssue, phone))
	pw, _ := f.sms.last(t, a.Phone, identity.SMSTempPassword).Params["password"].(string)
	if len(pw) != identity.TemporaryPasswordLen {
		t.Fatalf("temporary password %q", pw)
	}
	return pw
}

const staticPassword = "ёлка-в-лесу-2026"

// activate issues a UID to p and sets the static password; it returns
// the citizen and a live session token.
func (f *fixture) activate(t testing.TB, p identity.RegistryPerson, phone string) (identity.Citizen, string) {
	t.Helper()
	temp := f.issue(t, p, phone)
	l, err := f.svc.Login(context.Background(), string(p.PIN), temp, f.client)
	if err != nil {
		t.Fatal(err)
	}
	l, err = f.svc.SetStaticPassword(context.Background(), l.Citizen, staticPassword, f.client)
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.svc.Citizen(context.Background(), l.Citizen.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c, l.Token
}

// reload returns the citizen as stored now.
func (f *fixture) reload(t testing.TB, c identity.Citizen) identity.Citizen {
	t.Helper()
	c, err := f.svc.Citizen(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wantCode fails unless err is a *fault.Error with code.
func wantCode(t testing.TB, err error, code string) *fault.Error {
	t.Helper()
	var fe *fault.Error
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v; want %s", err, code)
	}
	if fe.Code != code {
		for _, f := range fe.Fields {
			if f.Code == code {
				return fe
			}
		}
		t.Fatalf("err = %v (code %s); want %s", err, fe.Code, code)
	}
	return fe
}

// wantField fails unless err names field with code.
func wantField(t testing.TB, err error, field, code string) {
	t.Helper()
	var fe *fault.Error
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v; want %s on %s", err, code, field)
	}
	for _, f := range fe.Fields {
		if f.Field == field && f.Code == code {
			return
		}
	}
	t.Fatalf("err = %v; want %s on %s", err, code, field)
}

// actions lists the audit actions about uid, oldest first.
func (f *fixture) actions(t testing.TB, uid identity.PIN) []string {
	t.Helper()
	recs, err := f.audit.List(context.Background(), audit.Query{SubjectUID: string(uid), Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(recs) - 1; i >= 0; i-- {
		out = append(out, recs[i].Action)
	}
	return out
}

func auditQuery(uid identity.PIN) audit.Query {
	return audit.Query{SubjectUID: string(uid), Limit: 500}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

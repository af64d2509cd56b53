package interop_test

import (
	"context"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/riverqueue/river"

	"odnookno/internal/audit"
	"odnookno/internal/calendar"
	"odnookno/internal/document"
	"odnookno/internal/fault"
	"odnookno/internal/identity"
	"odnookno/internal/interop"
	"odnookno/internal/irsim"
	"odnookno/internal/jobs"
	"odnookno/internal/org"
	"odnookno/internal/signature"
	"odnookno/internal/store"
	"odnookno/internal/store/storetest"
)

// sinkTables stand for the cases package and the outbox: the fake sink and
// mailer write into them in the service's transaction, so a test sees that
// an answer and its attachment (or a decision and its e-mail) commit
// together or not at all.
var sinkTables = store.Module{Name: "interoptest", FS: fstest.MapFS{
	"sqlite/00001_sink.sql": {Data: []byte(`-- +goose Up
CREATE TABLE test_answers (id INTEGER PRIMARY KEY AUTOINCREMENT, correlation_id TEXT NOT NULL, case_number TEXT NOT NULL,
	channel TEXT NOT NULL, status TEXT NOT NULL, payload TEXT NOT NULL, late BOOLEAN NOT NULL, message_id BIGINT NOT NULL);
CREATE TABLE test_mails (id INTEGER PRIMARY KEY AUTOINCREMENT, recipient TEXT NOT NULL, kind TEXT NOT NULL, params TEXT NOT NULL);`)},
	"postgres/00001_sink.sql": {Data: []byte(`-- +goose Up
CREATE TABLE test_answers (id BIGSERIAL PRIMARY KEY, correlation_id TEXT NOT NULL, case_number TEXT NOT NULL,
	channel TEXT NOT NULL, status TEXT NOT NULL, payload TEXT NOT NULL, late BOOLEAN NOT NULL, message_id BIGINT NOT NULL);
CREATE TABLE test_mails (id BIGSERIAL PRIMARY KEY, recipient TEXT NOT NULL, kind TEXT NOT NULL, params TEXT NOT NULL);`)},
}}

func modules() []store.Module {
	return []store.Module{audit.Module, org.Module, document.Module, interop.Module, sinkTables}
}

// sink records answers; while failing is set it refuses them, as a case
// that cannot take an answer right now would.
type sink struct{ failing atomic.Bool }

func (s *sink) AnswerReceived(ctx context.Context, tx *sql.Tx, a interop.Answer) error {
	if s.failing.Load() {
		return errors.New("the case is locked")
	}
	p, _ := json.Marshal(a.Payload)
	_, err := tx.ExecContext(ctx, `INSERT INTO test_answers (correlation_id, case_number, channel, status, payload, late, message_id)
		VALUES ($1,$2,$3,$4,$5,$6,$7)`, a.CorrelationID, a.CaseNumber, a.Channel, a.Status, string(p), a.Late, a.MessageID)
	return err
}

type mailer struct{}

func (mailer) EnqueueTx(ctx context.Context, tx *sql.Tx, m interop.Mail) error {
	p, _ := json.Marshal(m.Params)
	_, err := tx.ExecContext(ctx, "INSERT INTO test_mails (recipient, kind, params) VALUES ($1,$2,$3)", m.To, m.Kind, string(p))
	return err
}

type defaultCalendar struct{}

func (defaultCalendar) Calendar(context.Context) (*calendar.Calendar, error) {
	return calendar.Default()
}

// clock is the service's injected time: the real time plus an offset, so
// signatures made by real-time signers stay valid while a test jumps past
// an answer term.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// pki is a development CA with the keys the tests need: the simulator's
// development keys (the platform's and one per resource) and the verifier
// both sides use.
type pki struct {
	dir      string
	keys     irsim.Keys
	roots    []*x509.Certificate
	verifier *signature.Verifier
	platform signature.Signer
}

func newPKI(t testing.TB) *pki {
	t.Helper()
	dir := t.TempDir()
	keys, err := irsim.DevKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	roots, err := keys.Roots()
	if err != nil {
		t.Fatal(err)
	}
	v, err := signature.NewVerifier(roots, nil, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	p := &pki{dir: dir, keys: keys, roots: roots, verifier: v}
	if p.platform, err = keys.PlatformSigner(); err != nil {
		t.Fatal(err)
	}
	return p
}

// resourceSigner is a simulated resource's own key.
func (p *pki) resourceSigner(t testing.TB, resource string) signature.Signer {
	t.Helper()
	kf := p.keys.Resources[resource]
	s, err := signature.LoadSigner(kf.Cert, kf.Key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// issue makes a certificate and returns its signer and PEM.
func (p *pki) issue(t testing.TB, req signature.IssueRequest) (signature.Signer, []byte) {
	t.Helper()
	certPath, keyPath, err := signature.Issue(p.dir, req)
	if err != nil {
		t.Fatal(err)
	}
	s, err := signature.LoadSigner(certPath, keyPath)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, err := os.ReadFile(certPath)
	if err != nil {
		t.Fatal(err)
	}
	return s, pemBytes
}

func serialOf(s signature.Signer) string {
	return strings.ToUpper(s.Certificate().SerialNumber.Text(16))
}

// fixture is a migrated database with the service, its collaborators and
// the people of the tests: an operator, the owner of "mvd", and an officer
// of an authorized body whose certificate is on record.
type fixture struct {
	db       *store.DB
	svc      *interop.Service
	org      *org.Service
	audit    *audit.Log
	pki      *pki
	clock    *clock
	sink     *sink
	docs     *document.Registry
	operator org.Staff
	owner    org.Staff // resource_owner of the body owning every test resource
	outsider org.Staff // resource_owner of another body
	officer  org.Staff
	// officerKey is the officer's signing key; officerCert its PEM.
	officerKey  signature.Signer
	officerCert []byte
}

func setup(t *testing.T, db *store.DB, opts ...func(*interop.Config)) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db, pki: newPKI(t), clock: &clock{}, sink: &sink{}}
	f.audit = audit.New(db, f.clock.now)
	f.org = org.New(db, f.audit, f.clock.now, identity.TestHashParams)
	for _, b := range []org.Body{
		{Code: "nces", NameRU: "Оператор", NameBE: "Аператар", Kinds: []string{org.KindOperator}, Email: "operator@nces.test"},
		{Code: "mvd", NameRU: "Министерство внутренних дел", NameBE: "Міністэрства ўнутраных спраў", Kinds: []string{org.KindIROwner}, Email: "ir@mvd.test"},
		{Code: "nka", NameRU: "Национальное кадастровое агентство", NameBE: "Нацыянальнае кадастравае агенцтва", Kinds: []string{org.KindIROwner}},
		{Code: "minsk-oo", NameRU: "Служба «одно окно»", NameBE: "Служба «адно акно»", Kinds: []string{org.KindAuthorized}, Email: "oo@minsk.test"},
	} {
		if _, err := f.org.EnsureBody(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	f.officerKey, f.officerCert = f.pki.issue(t, signature.IssueRequest{Name: "Иванова Мария", Organization: "Служба «одно окно»", FileBase: "officer"})
	staff := func(body, login string, roles []string, cert, email string) org.Staff {
		st, err := f.org.EnsureStaff(ctx, org.NewStaff{BodyCode: body, Login: login, FullName: "Сотрудник " + login,
			Position: "специалист", Email: email, Roles: roles, Password: "correct horse battery", CertSerial: cert})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	f.operator = staff("nces", "operator", []string{org.RoleOperator}, "", "op@nces.test")
	f.owner = staff("mvd", "owner", []string{org.RoleIROwner}, "", "owner@mvd.test")
	f.outsider = staff("nka", "outsider", []string{org.RoleIROwner}, "", "")
	f.officer = staff("minsk-oo", "ivanova", []string{org.RoleOfficer}, serialOf(f.officerKey), "ivanova@minsk.test")

	q, err := jobs.NewQueue(db)
	if err != nil {
		t.Fatal(err)
	}
	reg := document.NewRegistry(db, f.pki.verifier, "https://odnookno.test", f.clock.now)
	f.docs = reg
	cfg := interop.Config{DB: db, Queue: q, Audit: f.audit, Directory: f.org, Calendar: defaultCalendar{},
		Signer: f.pki.platform, Verifier: f.pki.verifier, TrustedRoots: f.pki.roots, Documents: reg,
		Mailer: mailer{}, Sink: f.sink, Now: f.clock.now, Logger: slog.New(slog.DiscardHandler),
		RetryBase: 10 * time.Millisecond, RetryMax: 40 * time.Millisecond, MaxAttempts: 500}
	for _, o := range opts {
		o(&cfg)
	}
	if f.svc, err = interop.New(cfg); err != nil {
		t.Fatal(err)
	}
	return f
}

// services are the simulator's: one per resource.
var services = map[string]string{"mvd": "person", "residence": "address", "property": "realty"}

// seed registers the simulated resources at baseURL ("" for none), each
// answering only under its own key.
func (f *fixture) seed(t *testing.T, baseURL string) {
	t.Helper()
	if _, err := f.svc.Seed(context.Background(), interop.SeedConfig{BaseURL: baseURL, BindSigners: true,
		Actor: f.operator.Actor(org.RoleOperator)}); err != nil {
		t.Fatal(err)
	}
}

// setEndpoint points a registered resource elsewhere.
func (f *fixture) setEndpoint(t *testing.T, code, endpoint string) {
	t.Helper()
	ctx := context.Background()
	r, err := f.svc.Resource(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	r.Endpoint = endpoint
	if _, err := f.svc.SaveResource(ctx, r, f.operator.Actor(org.RoleOperator)); err != nil {
		t.Fatal(err)
	}
}

// sim starts a simulator with the fixture's keys and returns it and its
// base URL.
func (f *fixture) sim(t *testing.T, wrap func(http.Handler) http.Handler) (*irsim.Server, string) {
	t.Helper()
	cfg, err := f.pki.keys.ServerConfig()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Logger = slog.New(slog.DiscardHandler)
	srv, err := irsim.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return srv, hs.URL
}

// grant gives the officer approved access to resource/service.
func (f *fixture) grant(t *testing.T, resource, service string) interop.Grant {
	t.Helper()
	ctx := context.Background()
	g, err := f.svc.RequestGrant(ctx, f.operator, interop.GrantRequest{StaffID: f.officer.ID, Resource: resource, Service: service,
		Evidence: interop.CertEvidence{Certificate: f.officerCert}})
	if err != nil {
		t.Fatal(err)
	}
	approver := f.owner
	if o, _ := f.svc.OwnerOf(ctx, resource); o == "nka" {
		approver = f.outsider
	}
	if g, err = f.svc.ApproveGrant(ctx, approver, g.ID); err != nil {
		t.Fatal(err)
	}
	return g
}

func (f *fixture) spec(resource, caseNumber, pin string) interop.RequestSpec {
	return interop.RequestSpec{CaseNumber: caseNumber, CaseID: 1, SubjectUID: pin, BodyCode: "minsk-oo", StaffID: f.officer.ID,
		Resource: resource, Service: services[resource], Payload: map[string]any{"pin": pin}}
}

// runner works the service's jobs until the test ends and returns the
// stream of finished attempts.
func (f *fixture) runner(t *testing.T) <-chan *river.Event {
	t.Helper()
	workers := river.NewWorkers()
	f.svc.Register(workers)
	r, err := jobs.NewRunner(f.db, workers, jobs.Options{PollInterval: 20 * time.Millisecond, MaxWorkers: 4})
	if err != nil {
		t.Fatal(err)
	}
	events, cancel := r.Client().Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
	t.Cleanup(cancel)
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		_ = r.Stop(ctx)
	})
	return events
}

// waitEvents waits until want returns true for the events seen so far.
func waitEvents(t *testing.T, events <-chan *river.Event, d time.Duration, want func(ev *river.Event) bool) {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case ev := <-events:
			if ev.Job.Kind == "interop_send" && want(ev) {
				return
			}
		case <-timeout:
			t.Fatalf("jobs did not finish within %s", d)
		}
	}
}

func count(t testing.TB, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.R.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func code(err error) string {
	var fe *fault.Error
	if errors.As(err, &fe) {
		if fe.Code == "invalid" && len(fe.Fields) > 0 {
			return fe.Fields[0].Code
		}
		return fe.Code
	}
	if err == nil {
		return ""
	}
	return "error: " + err.Error()
}

// each runs fn on both engines; tests run in parallel, each on databases
// of its own.
func each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Parallel()
	storetest.Each(t, modules(), fn)
}

// counterValue sums a counter of the service's metrics over its labels.
func counterValue(t testing.TB, s *interop.Service, name string) float64 {
	t.Helper()
	var sum float64
	for _, c := range s.Collectors() {
		ch := make(chan prometheus.Metric, 100)
		go func() { c.Collect(ch); close(ch) }()
		for m := range ch {
			if !strings.Contains(m.Desc().String(), `"`+name+`"`) {
				continue
			}
			var d dto.Metric
			if err := m.Write(&d); err != nil {
				t.Fatal(err)
			}
			if d.Counter != nil {
				sum += d.Counter.GetValue()
			}
		}
	}
	return sum
}

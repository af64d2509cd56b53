// Package interop is how an authorized body gets the information it needs
// from other bodies' information resources (R637 ch. 3): automatically over
// the integration (signed JSON messages over HTTP), as an electronic document
// through the inter-agency document system (СМДО), or by hand when the
// information came by other means.
//
// The message exchange follows the proven national data-exchange layers
// (X-Road and its descendants), whose rules are worth keeping together:
//
//   - every message is signed by the system that sends it (package
//     envelope), and every answer carries the hash of the request it
//     answers, so an answer cannot be moved to another request;
//   - both sides keep a message log: the archive here holds every request
//     and answer byte for byte with its signature and hash, rows are never
//     changed (the tables refuse it), and a rejected answer is kept as
//     evidence but never attached to a case;
//   - retries belong to the sender: a request is a durable job, resent with
//     backoff while the resource is unavailable, always the same signed
//     bytes under the same correlation ID, so the resource can answer a
//     repeat once instead of twice.
//
// Access is the resource owner's to give (P3.3): a staff user queries a
// resource's service over the integration only with a grant the owner
// approved, after the operator checked the user's signing certificate. A
// user without a grant still reaches the resource through СМДО.
package interop

import (
	"context"
	"crypto/x509"
	"database/sql"
	"embed"
	"errors"
	"log/slog"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/calendar"
	"odnookno/internal/document"
	"odnookno/internal/fault"
	"odnookno/internal/interop/envelope"
	"odnookno/internal/jobs"
	"odnookno/internal/org"
	"odnookno/internal/signature"
	"odnookno/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Module is this package's migrations.
var Module = store.NewModule("interop", migrations)

// minsk is the zone in which working days begin and end. Belarus keeps UTC+3
// all year, so a fixed zone needs no tzdata.
var minsk = time.FixedZone("Europe/Minsk", 3*60*60)

// Error codes: keys of the message catalogue (locales/*/interop.json).
const (
	CodeNoGrant            = "interop.no_grant"
	CodeResourceUnknown    = "interop.resource_unknown"
	CodeServiceUnknown     = "interop.service_unknown"
	CodeResourceSuspended  = "interop.resource_suspended"
	CodeNoEndpoint         = "interop.no_endpoint"
	CodeChannel            = "interop.channel_unknown"
	CodeFieldRequired      = "interop.field_required"
	CodeFieldUnknown       = "interop.field_unknown"
	CodeNotOperator        = "interop.not_operator"
	CodeNotOwner           = "interop.not_owner"
	CodeNotYourBody        = "interop.not_your_body"
	CodeReasonRequired     = "interop.reason_required"
	CodeGrantExists        = "interop.grant.exists"
	CodeGrantState         = "interop.grant.state"
	CodeGrantNotFound      = "interop.grant.not_found"
	CodeNoCertificate      = "interop.grant.no_certificate"
	CodeCertRequired       = "interop.grant.certificate_required"
	CodeCertInvalid        = "interop.grant.certificate_invalid"
	CodeCertMismatch       = "interop.grant.certificate_mismatch"
	CodeCertExpired        = "interop.grant.certificate_expired"
	CodeRequestNotFound    = "interop.request.not_found"
	CodeRequestState       = "interop.request.state"
	CodeAnswerEmpty        = "interop.answer.empty"
	CodeAnswerBadSignature = "interop.answer.bad_signature"
	CodeOutgoingNotFound   = "interop.smdo.not_found"
	CodeOutgoingState      = "interop.smdo.state"
	CodeInvalid            = "interop.invalid"
)

// Codes lists every error code, so a test can hold the catalogue to them.
var Codes = []string{
	CodeNoGrant, CodeResourceUnknown, CodeServiceUnknown, CodeResourceSuspended, CodeNoEndpoint, CodeChannel,
	CodeFieldRequired, CodeFieldUnknown, CodeNotOperator, CodeNotOwner, CodeNotYourBody, CodeReasonRequired,
	CodeGrantExists, CodeGrantState, CodeGrantNotFound, CodeNoCertificate, CodeCertRequired, CodeCertInvalid,
	CodeCertMismatch, CodeCertExpired, CodeRequestNotFound, CodeRequestState, CodeAnswerEmpty,
	CodeAnswerBadSignature, CodeOutgoingNotFound, CodeOutgoingState, CodeInvalid,
}

// Kinds of e-mail this package asks the Mailer to send.
const (
	MailGrantApproved = "grant.approved" // resource
	MailGrantRefused  = "grant.refused"  // resource, reason
	// MailLate tells the officer a request is past its answer term and
	// offers the СМДО route: case, resource, service, due, correlation_id.
	MailLate = "interop.late"
)

// Mail is an e-mail this package wants sent. The composition root adapts a
// Mailer to the notification outbox (notify.Message with Channel "email").
type Mail struct {
	To     string
	Kind   string // Mail* constants
	Lang   string
	Params map[string]any
	Link   string
}

// Mailer writes an e-mail into the outbox in the caller's transaction, so the
// message exists exactly when the change that causes it commits.
type Mailer interface {
	EnqueueTx(ctx context.Context, tx *sql.Tx, m Mail) error
}

// AnswerSink receives every accepted answer in the transaction that records
// it, so the case moves on exactly when the answer is stored (and never
// twice: a request is answered once).
type AnswerSink interface {
	AnswerReceived(ctx context.Context, tx *sql.Tx, a Answer) error
}

// Directory finds staff accounts and bodies; *org.Service is one.
type Directory interface {
	StaffByID(ctx context.Context, id int64) (org.Staff, error)
	BodyByCode(ctx context.Context, code string) (org.Body, error)
}

// Calendars hands out the national working-day calendar in force;
// *caldb.Provider is one.
type Calendars interface {
	Calendar(ctx context.Context) (*calendar.Calendar, error)
}

// Transport sends an already sealed request and returns what came back;
// *envelope.Client is one. The exchange is returned with an error too, so
// that a rejected answer can be archived as evidence.
type Transport interface {
	Send(ctx context.Context, endpoint string, body, sig []byte) (*envelope.Exchange, error)
}

// Documents renders and signs the СМДО request document; *document.Registry
// is one.
type Documents interface {
	Issue(ctx context.Context, tx *sql.Tx, d document.Document, m document.Meta) (document.Issued, []byte, error)
	Sign(ctx context.Context, tx *sql.Tx, code string, sig []byte) (signature.Identity, error)
}

// Config wires a Service. DB, Queue, Audit, Directory, Calendar, Signer and
// Verifier are required; the rest have defaults or switch a feature off.
type Config struct {
	DB        *store.DB
	Queue     *jobs.Queue
	Audit     *audit.Log
	Directory Directory
	Calendar  Calendars
	// Signer is the platform's key: it signs every request and СМДО document.
	Signer signature.Signer
	// Verifier holds the roots that resources' and staff certificates
	// chain to.
	Verifier *signature.Verifier
	// TrustedRoots check a staff user's certificate presented as a file
	// when access is requested (P3.3); usually the Verifier's roots.
	TrustedRoots []*x509.Certificate
	// Transport defaults to an envelope.Client with Signer and Verifier.
	Transport Transport
	// Documents renders СМДО requests; nil disables the СМДО channel.
	Documents Documents
	// Mailer sends grant decisions and late notices; nil sends nothing.
	Mailer Mailer
	// Sink receives accepted answers; see also SetSink.
	Sink AnswerSink
	// Sender names this system in every envelope; default "odnookno".
	Sender string
	// Now is the clock for stored times and terms; default time.Now.
	Now func() time.Time
	// RetryBase is the first retry delay of an unanswered request, doubled
	// per attempt up to RetryMax; defaults 30s and 1h.
	RetryBase time.Duration
	RetryMax  time.Duration
	// MaxAttempts per request over HTTP; default 60 (more than a day with
	// the default backoff, beyond any answer term of a working day).
	MaxAttempts int
	// LateCheckEvery is how often open requests are checked against their
	// answer term; default 10 minutes.
	LateCheckEvery time.Duration
	Logger         *slog.Logger
}

// Service is the inter-agency request complex: registry, grants, requests,
// archive, channels and statistics.
type Service struct {
	db        *store.DB
	q         *jobs.Queue
	audit     *audit.Log
	dir       Directory
	cal       Calendars
	signer    signature.Signer
	verifier  *signature.Verifier
	roots     *x509.CertPool
	transport Transport
	docs      Documents
	mailer    Mailer
	sink      AnswerSink
	sender    string
	now       func() time.Time
	retryBase time.Duration
	retryMax  time.Duration
	attempts  int
	lateEvery time.Duration
	log       *slog.Logger
	metrics   *metrics
}

// New checks c and returns the service. It starts nothing: Register adds
// the workers and Periodic the late check to the job runner.
func New(c Config) (*Service, error) {
	if c.DB == nil || c.Queue == nil || c.Audit == nil || c.Directory == nil || c.Calendar == nil {
		return nil, errors.New("interop: database, queue, audit, directory and calendar are required")
	}
	if c.Signer == nil || c.Verifier == nil {
		return nil, errors.New("interop: the platform signer and a verifier are required")
	}
	s := &Service{
		db: c.DB, q: c.Queue, audit: c.Audit, dir: c.Directory, cal: c.Calendar,
		signer: c.Signer, verifier: c.Verifier, transport: c.Transport, docs: c.Documents,
		mailer: c.Mailer, sink: c.Sink, sender: c.Sender, now: c.Now,
		retryBase: c.RetryBase, retryMax: c.RetryMax, attempts: c.MaxAttempts,
		lateEvery: c.LateCheckEvery, log: c.Logger, metrics: newMetrics(),
	}
	if s.transport == nil {
		s.transport = &envelope.Client{Signer: c.Signer, Verifier: c.Verifier}
	}
	if len(c.TrustedRoots) > 0 {
		s.roots = x509.NewCertPool()
		for _, r := range c.TrustedRoots {
			s.roots.AddCert(r)
		}
	}
	if s.sender == "" {
		s.sender = "odnookno"
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.retryBase <= 0 {
		s.retryBase = 30 * time.Second
	}
	if s.retryMax <= 0 {
		s.retryMax = time.Hour
	}
	if s.retryMax < s.retryBase {
		return nil, errors.New("interop: RetryMax is shorter than RetryBase")
	}
	if s.attempts <= 0 {
		s.attempts = 60
	}
	if s.lateEvery <= 0 {
		s.lateEvery = 10 * time.Minute
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.log = s.log.With("component", "interop")
	return s, nil
}

// SetSink sets where accepted answers go. The cases package is built after
// this one (it sends requests through it), so the composition root closes
// the loop here, before the job runner starts.
func (s *Service) SetSink(sink AnswerSink) { s.sink = sink }

// clock returns the service's time, truncated to what both engines store.
func (s *Service) clock() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}

// queryer is a transaction or the read pool: reads that must see the
// caller's uncommitted writes go through the transaction.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func notFound(code string) error { return fault.New(fault.NotFound, code, nil) }

func nullTime(t sql.NullTime) time.Time {
	if t.Valid {
		return t.Time.UTC()
	}
	return time.Time{}
}

func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

package identity

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/auth"
	"odnookno/internal/document"
	"odnookno/internal/fault"
	"odnookno/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Module is this package's migrations. It references nothing of other
// modules, but the papers it issues live in document's tables.
var Module = store.NewModule("identity", migrations)

// minsk is the time zone of application numbers and printed dates.
var minsk = time.FixedZone("Europe/Minsk", 3*60*60)

// Options tune the UID lifecycle. Zero values take the defaults, which are
// the ones the regulation's operator would pick for a public service.
type Options struct {
	// Hash are the Argon2id parameters for new password hashes; zero
	// means DefaultHashParams.
	Hash HashParams
	// HashSlots bounds how many password hashes run at once. Each takes
	// Hash.Memory KiB, so without a bound a burst of logins could exhaust
	// memory. Default: GOMAXPROCS.
	HashSlots int
	// CodeKey keys the stored hashes of SMS codes (HashCode); at least 32
	// random bytes, the same on every instance.
	CodeKey []byte
	// TempPasswordTTL is how long a temporary password may be used for the
	// first login (p. 9). Default 72 hours.
	TempPasswordTTL time.Duration
	// CodeTTL is how long an SMS code is valid. Default 10 minutes.
	CodeTTL time.Duration
	// CodeAttempts is how many wrong entries void a code. Default 5.
	CodeAttempts int
	// CodeResend is the least time between two codes for one action and
	// one person. Default 1 minute.
	CodeResend time.Duration
	// CodesPerDay bounds the codes sent for one action and one person in
	// 24 hours, which bounds an online guesser together with CodeAttempts.
	// Default 10.
	CodesPerDay int
	Throttle    ThrottleOptions
}

// ThrottleOptions set the growing delays after failed logins.
type ThrottleOptions struct {
	// UIDFree failures of one UID are allowed before delays start.
	// Default 5.
	UIDFree int
	// AddrFree failures from one client address (an IPv6 /64) are allowed
	// before delays start; higher than UIDFree because offices and mobile
	// operators put many people behind one address. Default 20.
	AddrFree int
	// Delay is the first delay; each further failure doubles it up to
	// MaxDelay. Defaults 1 minute and 1 hour.
	Delay    time.Duration
	MaxDelay time.Duration
	// Window: failures older than this are forgotten, and the owner is
	// warned by SMS at most once per window. Default 24 hours.
	Window time.Duration
}

func (o *Options) defaults() {
	if o.Hash == (HashParams{}) {
		o.Hash = DefaultHashParams
	}
	if o.HashSlots <= 0 {
		o.HashSlots = runtime.GOMAXPROCS(0)
	}
	if o.TempPasswordTTL <= 0 {
		o.TempPasswordTTL = 72 * time.Hour
	}
	if o.CodeTTL <= 0 {
		o.CodeTTL = 10 * time.Minute
	}
	if o.CodeAttempts <= 0 {
		o.CodeAttempts = 5
	}
	if o.CodeResend <= 0 {
		o.CodeResend = time.Minute
	}
	if o.CodesPerDay <= 0 {
		o.CodesPerDay = 10
	}
	t := &o.Throttle
	if t.UIDFree <= 0 {
		t.UIDFree = 5
	}
	if t.AddrFree <= 0 {
		t.AddrFree = 20
	}
	if t.Delay <= 0 {
		t.Delay = time.Minute
	}
	if t.MaxDelay <= 0 {
		t.MaxDelay = time.Hour
	}
	if t.Window <= 0 {
		t.Window = 24 * time.Hour
	}
}

// Deps are the services the UID lifecycle uses.
type Deps struct {
	DB       *store.DB
	Audit    *audit.Log
	Sessions *auth.Sessions
	// Docs keeps the printed applications, so a signed paper can be
	// checked against the original.
	Docs     *document.Registry
	SMS      SMS
	Registry Registry
	Now      func() time.Time
}

// Service is the UID lifecycle: issuance at the office, login to the
// personal cabinet and everything a citizen does with the identifier.
type Service struct {
	db       *store.DB
	audit    *audit.Log
	sessions *auth.Sessions
	docs     *document.Registry
	sms      SMS
	registry Registry
	now      func() time.Time
	opts     Options
	slots    chan struct{}

	dummyOnce sync.Once
	dummy     string
}

// New returns the service.
func New(d Deps, o Options) (*Service, error) {
	o.defaults()
	if len(o.CodeKey) < 32 {
		return nil, errors.New("identity: the SMS code key must have at least 32 bytes")
	}
	if err := o.Hash.validate(); err != nil {
		return nil, fmt.Errorf("identity: hash parameters: %w", err)
	}
	if d.DB == nil || d.Audit == nil || d.Sessions == nil || d.Docs == nil || d.SMS == nil || d.Registry == nil {
		return nil, errors.New("identity: missing dependency")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{db: d.DB, audit: d.Audit, sessions: d.Sessions, docs: d.Docs, sms: d.SMS, registry: d.Registry,
		now: d.Now, opts: o, slots: make(chan struct{}, o.HashSlots)}, nil
}

// Options returns the effective options (defaults filled in).
func (s *Service) Options() Options { return s.opts }

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// hash and verify take a slot, so at most HashSlots hashes run at once.
func (s *Service) hash(ctx context.Context, pw string) (string, error) {
	if err := s.acquire(ctx); err != nil {
		return "", err
	}
	defer s.release()
	return HashPassword(pw, s.opts.Hash)
}

func (s *Service) verify(ctx context.Context, pw, encoded string) (ok, rehash bool, err error) {
	if err := s.acquire(ctx); err != nil {
		return false, false, err
	}
	defer s.release()
	ok, _, err = VerifyPassword(pw, encoded)
	if err != nil || !ok {
		return ok, false, err
	}
	p, _, _, _ := decodeHash(encoded)
	return true, p != s.opts.Hash, nil
}

func (s *Service) acquire(ctx context.Context) error {
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Service) release() { <-s.slots }

// dummyHash is verified for unknown UIDs so that they take as long as known
// ones; made on first use.
func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() { s.dummy, _ = HashPassword("not-a-real-password", s.opts.Hash) })
	return s.dummy
}

// Client is who is on the other end of a request: the address throttling
// and the audit trail use, and the language of the SMS to send.
type Client struct {
	Addr      string
	UserAgent string
	Lang      string
}

// forUpdate locks the selected rows until the transaction ends where the
// engine needs it; SQLite's write transaction already holds the database.
func (s *Service) forUpdate() string {
	if s.db.Dialect == store.Postgres {
		return " FOR UPDATE"
	}
	return ""
}

func (s *Service) appendAudit(ctx context.Context, tx *sql.Tx, e audit.Entry) error {
	_, err := s.audit.Append(ctx, tx, e)
	return err
}

// fieldErr is an Invalid error about one field.
func fieldErr(field, code string, params map[string]any) *fault.Error {
	return &fault.Error{Kind: fault.Invalid, Code: code, Params: params,
		Fields: []fault.Field{{Field: field, Code: code, Params: params}}}
}

// checkErr finishes a fault.Check with a code the API can show.
func checkErr(c *fault.Check) error {
	err := c.Err()
	var fe *fault.Error
	if errors.As(err, &fe) {
		if len(fe.Fields) == 1 {
			fe.Code, fe.Params = fe.Fields[0].Code, fe.Fields[0].Params
		} else {
			fe.Code = "error.invalid"
		}
	}
	return err
}

// refield moves the field errors of err to field (the form calls the PIN
// "uid" where the rules call it "pin").
func refield(err error, field string) error {
	var fe *fault.Error
	if !errors.As(err, &fe) {
		return err
	}
	out := *fe
	out.Fields = nil
	for _, f := range fe.Fields {
		f.Field = field
		out.Fields = append(out.Fields, f)
	}
	return &out
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }

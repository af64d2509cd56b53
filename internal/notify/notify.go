// Package notify is the one durable outbox for every message the platform
// sends: SMS codes and passwords, e-mail, and the citizen's cabinet inbox.
//
// A message is written in the transaction of the change that causes it,
// together with the job that delivers it, so a committed change always gets
// its message and a rolled-back one never does. Delivery runs later on the
// job queue and is retried with backoff while a gateway or mail server is
// down; the outbox row keeps the status, attempts and last error for the
// operator. Cabinet inbox messages need no delivery: they are written in
// the same transaction, so a decision and its notice appear together.
//
// Temporary passwords and SMS codes are stored sealed (AES-256-GCM) only
// until the message is sent or finally fails, then wiped; they never reach
// a log line, an error text or the operator's console.
package notify

import (
	"cmp"
	"context"
	"crypto/cipher"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/riverqueue/river"

	"odnookno/internal/fault"
	"odnookno/internal/identity"
	"odnookno/internal/jobs"
	"odnookno/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Module is this package's migrations.
var Module = store.NewModule("notify", migrations)

// Channels.
const (
	ChannelSMS   = "sms"
	ChannelEmail = "email"
	ChannelInbox = "inbox"
)

// Statuses of a message: queued until delivered (sent) or given up on
// (failed, after MaxAttempts or a permanent refusal).
const (
	StatusQueued = "queued"
	StatusSent   = "sent"
	StatusFailed = "failed"
)

// Error codes, keys of the message catalogue (locales/*/notify.json).
// They mostly reveal a caller's bug, but the web layer still needs words.
const (
	CodeChannel         = "notify.error.channel"
	CodeChannelDisabled = "notify.error.channel_disabled"
	CodeKind            = "notify.error.kind"
	CodeLang            = "notify.error.lang"
	CodeRecipient       = "notify.error.recipient"
	CodeParams          = "notify.error.params"
	CodeSecret          = "notify.error.secret"
	CodeNotFound        = "notify.error.not_found"
)

// Message is what a domain package asks to send.
type Message struct {
	Channel string // ChannelSMS, ChannelEmail or ChannelInbox
	// To is an E.164 phone for SMS, an address for e-mail, the citizen's id
	// for the inbox.
	To string
	// CitizenID links the message to the citizen's history; for the inbox
	// it defaults to To.
	CitizenID string
	Kind      string // one of Kinds
	Lang      string // "ru" (default) or "be"
	Params    map[string]any
	// Secret names the Params that are secrets (temporary passwords, SMS
	// codes): sealed in storage, wiped after delivery, masked everywhere
	// but the message itself. Their values must be strings.
	Secret []string
	// Link is a URL or cabinet path shown with an inbox message and under an
	// e-mail.
	Link string
}

// Options configure a Service; zero values take the defaults noted.
type Options struct {
	// SMS and Email are the channels; nil disables one, and EnqueueTx then
	// refuses its messages rather than queueing what cannot leave.
	SMS   SMSSender
	Email EmailSender
	// BaseURL makes cabinet paths in Link absolute for e-mail
	// (ODNOOKNO_BASE_URL).
	BaseURL string
	// Key seals secrets: KeySize bytes, e.g. DeriveKey(platform secret).
	Key []byte
	// Now is the clock for stored times; default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// MaxAttempts per message, default 20: with the default backoff that
	// spans about eight hours, enough to outlast a gateway outage.
	MaxAttempts int
	// RetryBase is the first retry delay, doubled per attempt up to
	// RetryMax; defaults 10s and 30 minutes.
	RetryBase time.Duration
	RetryMax  time.Duration
}

// Service writes to and delivers from the outbox.
type Service struct {
	db      *store.DB
	q       *jobs.Queue
	o       Options
	aead    cipher.AEAD
	tmpl    *templateSet
	log     *slog.Logger
	metrics *metrics
}

// New returns the outbox on db, enqueuing deliveries on q.
func New(db *store.DB, q *jobs.Queue, o Options) (*Service, error) {
	if db == nil || q == nil {
		return nil, errors.New("notify: database and queue are required")
	}
	aead, err := newAEAD(o.Key)
	if err != nil {
		return nil, err
	}
	ts, err := loadTemplates()
	if err != nil {
		return nil, err
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	o.MaxAttempts = cmp.Or(o.MaxAttempts, 20)
	o.RetryBase = cmp.Or(o.RetryBase, 10*time.Second)
	o.RetryMax = cmp.Or(o.RetryMax, 30*time.Minute)
	if o.MaxAttempts < 1 || o.RetryBase < 0 || o.RetryMax < o.RetryBase {
		return nil, errors.New("notify: MaxAttempts must be positive and RetryBase ≤ RetryMax")
	}
	return &Service{
		db: db, q: q, o: o, aead: aead, tmpl: ts,
		log:     o.Logger.With("component", "notify"),
		metrics: newMetrics(),
	}, nil
}

// Register adds the delivery worker; every process that runs jobs must
// call it, or queued messages wait for one that does.
func (s *Service) Register(workers *river.Workers) {
	river.AddWorker(workers, &worker{s: s})
}

// prepared is a validated message ready to store.
type prepared struct {
	Message
	paramsJSON  []byte // the non-secret params
	secretNames []byte
	secrets     map[string]string
	view        map[string]any // params as the worker will see them, secrets masked
}

// EnqueueTx stores m in tx and schedules its delivery in the same tx, so
// the message exists exactly when the caller's change commits. It returns
// the message id. Inbox messages are written to the cabinet at once and
// stored as sent.
func (s *Service) EnqueueTx(ctx context.Context, tx *sql.Tx, m Message) (int64, error) {
	p, err := s.prepare(m)
	if err != nil {
		return 0, err
	}
	now := s.o.Now().UTC()
	if p.Channel == ChannelInbox {
		return s.writeInbox(ctx, tx, p, now)
	}
	sealed, err := seal(s.aead, secretAD(p.Channel, p.To, p.Kind), p.secrets)
	if err != nil {
		return 0, fmt.Errorf("notify: seal: %w", err)
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO notify_messages
		(channel, recipient, citizen_id, kind, lang, params, secret_names, secrets, link, status, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		p.Channel, p.To, p.CitizenID, p.Kind, p.Lang, string(p.paramsJSON), string(p.secretNames),
		sealed, p.Link, StatusQueued, now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("notify: store message: %w", err)
	}
	// Codes and passwords go first: a citizen is waiting at the form,
	// while a backlog of case notices can wait a little.
	priority := 2
	if len(p.secrets) > 0 {
		priority = 1
	}
	if _, err := s.q.InsertTx(ctx, tx, deliverArgs{MessageID: id}, &river.InsertOpts{
		MaxAttempts: s.o.MaxAttempts,
		Priority:    priority,
	}); err != nil {
		return 0, fmt.Errorf("notify: %w", err)
	}
	return id, nil
}

func (s *Service) prepare(m Message) (*prepared, error) {
	var c fault.Check
	m.Lang = cmp.Or(m.Lang, "ru")
	if !slices.Contains(langList, m.Lang) {
		c.Add("lang", CodeLang, map[string]any{"lang": m.Lang})
	}
	if !knownKind(m.Kind) {
		c.Add("kind", CodeKind, map[string]any{"kind": m.Kind})
	}
	switch m.Channel {
	case ChannelSMS:
		if s.o.SMS == nil {
			return nil, fault.New(fault.Unavailable, CodeChannelDisabled, map[string]any{"channel": m.Channel})
		}
		// Only E.164 exactly: the parser's generosity is for forms, and
		// code that sends should hold the number identity stored.
		if ph, err := identity.ParsePhone(m.To); err != nil || string(ph) != m.To {
			c.Add("to", CodeRecipient, map[string]any{"channel": m.Channel})
		}
	case ChannelEmail:
		if s.o.Email == nil {
			return nil, fault.New(fault.Unavailable, CodeChannelDisabled, map[string]any{"channel": m.Channel})
		}
		a, err := mail.ParseAddress(m.To)
		if err != nil || a.Name != "" || a.Address != strings.TrimSpace(m.To) {
			c.Add("to", CodeRecipient, map[string]any{"channel": m.Channel})
		} else {
			m.To = a.Address
		}
	case ChannelInbox:
		m.To = strings.TrimSpace(m.To)
		if m.CitizenID == "" {
			m.CitizenID = m.To
		}
		if !validCitizenID(m.To) || m.CitizenID != m.To {
			c.Add("to", CodeRecipient, map[string]any{"channel": m.Channel})
		}
		if len(m.Secret) > 0 {
			// The inbox keeps its messages for good; a secret there
			// would outlive its purpose and be shown on every visit.
			c.Add("secret", CodeSecret, nil)
		}
	default:
		c.Add("channel", CodeChannel, map[string]any{"channel": m.Channel})
	}
	if len(m.Link) > 2000 {
		c.Add("link", CodeParams, nil)
	}
	secrets := map[string]string{}
	public := map[string]any{}
	for k, v := range m.Params {
		public[k] = v
	}
	for _, name := range m.Secret {
		v, ok := m.Params[name].(string)
		if !ok || v == "" {
			c.Add("secret", CodeSecret, map[string]any{"name": name})
			continue
		}
		secrets[name] = v
		delete(public, name)
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	view, paramsJSON, err := normalizeParams(public)
	if err != nil {
		return nil, fault.Fields(fault.Field{Field: "params", Code: CodeParams})
	}
	for name := range secrets {
		view[name] = Mask
	}
	// Rendering now, with the secrets masked, turns a missing parameter
	// into the caller's error instead of twenty failed deliveries.
	if _, err := s.tmpl.render(m.Lang, m.Kind, view); err != nil {
		return nil, fault.Fields(fault.Field{Field: "params", Code: CodeParams, Params: map[string]any{"kind": m.Kind}})
	}
	secretNames, _ := json.Marshal(slices.Sorted(maps.Keys(secrets)))
	return &prepared{Message: m, paramsJSON: paramsJSON, secretNames: secretNames, secrets: secrets, view: view}, nil
}

func validCitizenID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

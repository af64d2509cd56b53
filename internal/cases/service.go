package cases

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"odnookno/internal/audit"
	"odnookno/internal/document"
	"odnookno/internal/fault"
	"odnookno/internal/i18n"
	"odnookno/internal/jobs"
	"odnookno/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Module is this package's migrations. It has no foreign keys into other
// modules, so it may be migrated in any order after them.
var Module = store.Module{Name: "cases", FS: mustSub(migrations, "migrations")}

func mustSub(f fs.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return s
}

// Deps are the services this package works with. All but Notifier, Forms
// and Files are required.
type Deps struct {
	DB          *store.DB
	Audit       *audit.Log
	Queue       *jobs.Queue
	Documents   Documents
	Calendars   Calendars
	Regulations Regulations
	Directory   Directory
	// Notifier sends notices; nil sends none.
	Notifier Notifier
	// Forms validates application forms; nil accepts any JSON object.
	Forms FormValidator
	// Files keeps attachments; nil refuses attachments.
	Files *FileStore
	// Text words documents and explanations; nil loads the embedded
	// catalogue.
	Text Translator
}

// Options tune the service; zero values take the defaults noted.
type Options struct {
	// Now is the clock; default time.Now.
	Now func() time.Time
	// WarnDays is how many working days before the due date the warning
	// goes out; default 2.
	WarnDays int
	// ManualOnlineRegistration makes online applications and complaints
	// wait in "submitted"/"filed" until the body's staff register them.
	// By default the system registers them in the submitting transaction,
	// so the citizen gets the number and receipt at once.
	ManualOnlineRegistration bool
	// CitizenLink and StaffLink build the links put into notices; defaults
	// "/cabinet/applications/{id}" and "/staff/cases/{id}".
	CitizenLink func(subject string, id int64) string
	StaffLink   func(subject string, id int64) string
	// OnRegistered, when set, sends the requests the regulation makes
	// automatically once an application is registered (see
	// RegisteredHook); SetOnRegistered sets it later.
	OnRegistered RegisteredHook
	Logger       *slog.Logger
}

// Service carries applications and complaints through their state machines.
type Service struct {
	db    *store.DB
	audit *audit.Log
	queue *jobs.Queue
	docs  Documents
	cals  Calendars
	regs  Regulations
	dir   Directory
	notif Notifier
	forms FormValidator
	files *FileStore
	text  Translator
	o     Options
	log   *slog.Logger
}

// New returns the service.
func New(d Deps, o Options) (*Service, error) {
	if d.DB == nil || d.Audit == nil || d.Queue == nil || d.Documents == nil || d.Calendars == nil ||
		d.Regulations == nil || d.Directory == nil {
		return nil, errors.New("cases: DB, Audit, Queue, Documents, Calendars, Regulations and Directory are required")
	}
	if d.Text == nil {
		cat, err := i18n.New()
		if err != nil {
			return nil, err
		}
		d.Text = cat
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.WarnDays <= 0 {
		o.WarnDays = 2
	}
	if o.CitizenLink == nil {
		o.CitizenLink = func(subject string, id int64) string {
			if subject == subjectComplaint {
				return fmt.Sprintf("/cabinet/complaints/%d", id)
			}
			return fmt.Sprintf("/cabinet/applications/%d", id)
		}
	}
	if o.StaffLink == nil {
		o.StaffLink = func(subject string, id int64) string {
			if subject == subjectComplaint {
				return fmt.Sprintf("/staff/complaints/%d", id)
			}
			return fmt.Sprintf("/staff/cases/%d", id)
		}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Service{db: d.DB, audit: d.Audit, queue: d.Queue, docs: d.Documents, cals: d.Calendars,
		regs: d.Regulations, dir: d.Directory, notif: d.Notifier, forms: d.Forms, files: d.Files,
		text: d.Text, o: o, log: o.Logger.With("component", "cases")}, nil
}

// AddWorkers registers the deadline worker; every process that runs jobs
// must call it.
func (s *Service) AddWorkers(w *river.Workers) {
	river.AddWorker(w, s.DeadlineWorker())
}

func (s *Service) now() time.Time { return s.o.Now().UTC().Truncate(time.Microsecond) }

const (
	subjectApplication = "application"
	subjectComplaint   = "complaint"
)

// AnyVersion skips the optimistic-lock check; only the system uses it.
const anyVersion = -1

func (s *Service) forUpdate() string {
	if s.db.Dialect == store.Postgres {
		return " FOR UPDATE"
	}
	return "" // SQLite: the single writer connection and BEGIN IMMEDIATE serialise
}

func stale() error { return fault.New(fault.Conflict, CodeStale, nil) }

// pendingDoc and pendingFile are rows written after the event they belong to.
type pendingDoc struct {
	code, kind, purpose, title, status string
}

type pendingFile struct {
	docCode, name string
	blob          Blob
}

// event is what a step records in history.
type event struct {
	comment  string
	internal bool
	details  map[string]any
}

// insertEvent appends a history row and returns its id.
func (s *Service) insertEvent(ctx context.Context, tx *sql.Tx, subject string, id int64, version int, at time.Time,
	actor Actor, role string, action Action, from, to Status, e event) (int64, error) {
	details := "{}"
	if len(e.details) > 0 {
		b, err := json.Marshal(e.details)
		if err != nil {
			return 0, fmt.Errorf("cases: event details: %w", err)
		}
		details = string(b)
	}
	var eid int64
	err := tx.QueryRowContext(ctx, `INSERT INTO case_events (subject_kind, subject_id, version, at, actor_id, actor_role,
		actor_name, action, from_status, to_status, comment, internal, details)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) RETURNING id`,
		subject, id, version, at, actor.ID(), role, actor.Name, string(action), string(from), string(to),
		e.comment, e.internal, details).Scan(&eid)
	if err != nil {
		return 0, fmt.Errorf("cases: record event: %w", err)
	}
	return eid, nil
}

func (s *Service) writePending(ctx context.Context, tx *sql.Tx, subject string, id, eventID int64, at time.Time,
	actor Actor, docs []pendingDoc, files []pendingFile) error {
	for _, d := range docs {
		_, err := tx.ExecContext(ctx, `INSERT INTO case_documents (subject_kind, subject_id, code, kind, purpose, title, status, issued_at, event_id)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, subject, id, d.code, d.kind, d.purpose, d.title, d.status, at, eventID)
		if err != nil {
			return fmt.Errorf("cases: record document: %w", err)
		}
	}
	for _, f := range files {
		_, err := tx.ExecContext(ctx, `INSERT INTO case_attachments (subject_kind, subject_id, doc_code, name, content_type, size,
			sha256, uploaded_by, uploaded_at, event_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
			subject, id, f.docCode, f.name, f.blob.ContentType, f.blob.Size, f.blob.SHA256, actor.ID(), at, eventID)
		if err != nil {
			return fmt.Errorf("cases: record attachment: %w", err)
		}
	}
	return nil
}

// nextNumber allocates the next number of kind for body in year. The upsert
// locks the counter row until the transaction ends, so concurrent
// registrations queue on it (PostgreSQL) or on the single writer (SQLite);
// a rollback returns the number, so the sequence has no gaps.
func (s *Service) nextNumber(ctx context.Context, tx *sql.Tx, body string, year int, kind string) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, `INSERT INTO case_counters (body_code, year, kind, last) VALUES ($1, $2, $3, 1)
		ON CONFLICT (body_code, year, kind) DO UPDATE SET last = case_counters.last + 1
		RETURNING last`, body, year, kind).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("cases: allocate number: %w", err)
	}
	return n, nil
}

// formatNumber builds a registration number: body code, year and the
// six-digit sequence, e.g. "MINSK-OO-2026-000042"; complaints carry a "C"
// before the sequence ("MINSK-OO-2026-C000007").
func formatNumber(body string, year int, seq int64, subject string) string {
	if subject == subjectComplaint {
		return fmt.Sprintf("%s-%d-C%06d", body, year, seq)
	}
	return fmt.Sprintf("%s-%d-%06d", body, year, seq)
}

// notifyApplicant sends kind to the applicant on every channel they have:
// the cabinet inbox for a UID holder, SMS and e-mail when known.
func (s *Service) notifyApplicant(ctx context.Context, tx *sql.Tx, subject string, id int64, citizenID, phone, email, lang, kind string, params map[string]any) error {
	var ns []Notice
	link := s.o.CitizenLink(subject, id)
	if citizenID != "" {
		ns = append(ns, Notice{Channel: ChannelInbox, To: citizenID, CitizenID: citizenID, Kind: kind, Lang: lang, Params: params, Link: link})
	}
	if phone != "" {
		ns = append(ns, Notice{Channel: ChannelSMS, To: phone, CitizenID: citizenID, Kind: kind, Lang: lang, Params: params, Link: link})
	}
	if email != "" {
		ns = append(ns, Notice{Channel: ChannelEmail, To: email, CitizenID: citizenID, Kind: kind, Lang: lang, Params: params, Link: link})
	}
	return s.send(ctx, tx, ns...)
}

func (s *Service) notifyStaff(ctx context.Context, tx *sql.Tx, subject string, id, staffID int64, kind string, params map[string]any) error {
	if staffID == 0 {
		return nil
	}
	m, err := s.dir.StaffMember(ctx, staffID)
	if errors.Is(err, fault.NotFound) || err == nil && (m.Email == "" || !m.Active) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.send(ctx, tx, Notice{Channel: ChannelEmail, To: m.Email, StaffID: m.ID, Kind: kind, Lang: i18n.Default,
		Params: params, Link: s.o.StaffLink(subject, id)})
}

func (s *Service) send(ctx context.Context, tx *sql.Tx, ns ...Notice) error {
	if s.notif == nil {
		return nil
	}
	for _, n := range ns {
		if n.Lang == "" {
			n.Lang = i18n.Default
		}
		err := s.notif.EnqueueTx(ctx, tx, n)
		if errors.Is(err, fault.Unavailable) {
			s.log.WarnContext(ctx, "notice channel unavailable; skipped", "channel", n.Channel, "kind", n.Kind)
			continue
		}
		if err != nil {
			return fmt.Errorf("cases: notify: %w", err)
		}
	}
	return nil
}

func (s *Service) bodyName(ctx context.Context, code, lang string) string {
	b, err := s.dir.Body(ctx, code)
	if err != nil {
		return code
	}
	return b.name(lang)
}

func (s *Service) t(lang, key string, args ...any) string { return s.text.T(lang, key, args...) }

// issue renders and stores a document in tx and queues its row for the
// step's event.
func (s *Service) issue(ctx context.Context, tx *sql.Tx, d document.Document, meta document.Meta, purpose, status string) (document.Issued, pendingDoc, error) {
	is, _, err := s.docs.Issue(ctx, tx, d, meta)
	if err != nil {
		return document.Issued{}, pendingDoc{}, fmt.Errorf("cases: issue %s: %w", d.Kind, err)
	}
	return is, pendingDoc{code: is.Code, kind: string(is.Kind), purpose: purpose, title: is.Title, status: status}, nil
}

func dotDate(isoDate string) string {
	t, err := parseDate(isoDate)
	if err != nil {
		return isoDate
	}
	return t.Format("02.01.2006")
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func fromNull(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

func placeholders(start, n int) string {
	p := make([]string, n)
	for i := range p {
		p[i] = fmt.Sprintf("$%d", start+i)
	}
	return strings.Join(p, ", ")
}

func required(field, code string) error {
	return fault.Fields(fault.Field{Field: field, Code: code})
}

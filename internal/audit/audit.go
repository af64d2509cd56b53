// Package audit keeps the append-only record of who did what to whose data:
// every state change and every staff read of a citizen's personal data.
// Records are written in the same transaction as the change they record and
// are hash-chained, so an edited, deleted, inserted or reordered record is
// found by Verify.
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"odnookno/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Module is this package's migrations.
var Module = store.NewModule("audit", migrations)

// Actor is who acts. Role is one of the Role* constants; Body is the
// authorized body (or service office) a staff member acts for.
type Actor struct {
	ID   string `json:"id"`
	Role string `json:"role"`
	Body string `json:"body,omitempty"`
}

// Roles as recorded.
const (
	RoleCitizen   = "citizen"
	RoleIssuance  = "issuance_officer"
	RoleRegistrar = "registrar"
	RoleOfficer   = "case_officer"
	RoleHead      = "head"
	RoleBodyAdmin = "body_admin"
	RoleRegulator = "regulator"
	RoleIROwner   = "resource_owner"
	RoleOperator  = "operator"
	RoleSystem    = "system"
	RoleAnonymous = "anonymous"
)

// System is the actor for work the platform does by itself (jobs, timers).
var System = Actor{ID: "system", Role: RoleSystem}

// Entry is what a caller records.
type Entry struct {
	Actor Actor // zero: taken from the context (WithActor)
	// Action names what happened, "domain.verb" (e.g. "uid.issue",
	// "case.read"); reads of personal data end in ".read".
	Action     string
	SubjectUID string // the citizen whose data it concerns
	CaseNumber string // the case it was done for (the reason for a read)
	ObjectType string
	ObjectID   string
	Reason     string
	Details    map[string]any // never secrets
	ClientAddr string         // empty: taken from the context
}

// Record is a stored entry with its place in the chain.
type Record struct {
	Seq        int64          `json:"seq"`
	At         time.Time      `json:"at"`
	Actor      Actor          `json:"actor"`
	Action     string         `json:"action"`
	SubjectUID string         `json:"subject_uid,omitempty"`
	CaseNumber string         `json:"case_number,omitempty"`
	ObjectType string         `json:"object_type,omitempty"`
	ObjectID   string         `json:"object_id,omitempty"`
	ClientAddr string         `json:"client_addr,omitempty"`
	Reason     string         `json:"reason,omitempty"`
	Details    map[string]any `json:"details,omitempty"`
	PrevHash   string         `json:"prev_hash"`
	Hash       string         `json:"hash"`
}

type ctxKey int

const (
	actorKey ctxKey = iota
	addrKey
)

// WithActor marks ctx as acting for a; Append uses it when an entry names no
// actor, so handlers set it once per request.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey, a)
}

// ActorFrom returns the actor of ctx, or Anonymous.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey).(Actor); ok {
		return a
	}
	return Actor{ID: "anonymous", Role: RoleAnonymous}
}

// WithClientAddr records the client's network address for entries.
func WithClientAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, addrKey, addr)
}

func clientAddr(ctx context.Context) string {
	s, _ := ctx.Value(addrKey).(string)
	return s
}

// Log appends to and reads the audit trail.
type Log struct {
	db  *store.DB
	now func() time.Time
}

// New returns the log on db with clock now.
func New(db *store.DB, now func() time.Time) *Log {
	if now == nil {
		now = time.Now
	}
	return &Log{db: db, now: now}
}

// Append writes e in tx. It must be called in the transaction that makes
// the change it records, so neither exists without the other. It locks the
// head of the chain until tx ends; call it last in the transaction.
func (l *Log) Append(ctx context.Context, tx *sql.Tx, e Entry) (Record, error) {
	if e.Action == "" {
		return Record{}, errors.New("audit: entry without action")
	}
	if e.Actor.ID == "" {
		e.Actor = ActorFrom(ctx)
	}
	if e.ClientAddr == "" {
		e.ClientAddr = clientAddr(ctx)
	}
	lock := "SELECT seq, hash FROM audit_head WHERE id = 1"
	if l.db.Dialect == store.Postgres {
		lock += " FOR UPDATE"
	}
	var prevSeq int64
	var prevHash string
	if err := tx.QueryRowContext(ctx, lock).Scan(&prevSeq, &prevHash); err != nil {
		return Record{}, fmt.Errorf("audit: read head: %w", err)
	}
	r := Record{
		Seq:        prevSeq + 1,
		At:         l.now().UTC().Truncate(time.Microsecond),
		Actor:      e.Actor,
		Action:     e.Action,
		SubjectUID: e.SubjectUID,
		CaseNumber: e.CaseNumber,
		ObjectType: e.ObjectType,
		ObjectID:   e.ObjectID,
		ClientAddr: e.ClientAddr,
		Reason:     e.Reason,
		Details:    e.Details,
		PrevHash:   prevHash,
	}
	details, err := canonicalDetails(r.Details)
	if err != nil {
		return Record{}, err
	}
	r.Hash = r.computeHash(details)
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (seq, at, actor_id, actor_role, actor_body, action,
		subject_uid, case_number, object_type, object_id, client_addr, reason, details, prev_hash, hash)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)`,
		r.Seq, r.At, r.Actor.ID, r.Actor.Role, r.Actor.Body, r.Action, r.SubjectUID, r.CaseNumber,
		r.ObjectType, r.ObjectID, r.ClientAddr, r.Reason, details, r.PrevHash, r.Hash)
	if err != nil {
		return Record{}, fmt.Errorf("audit: append: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1", r.Seq, r.Hash); err != nil {
		return Record{}, fmt.Errorf("audit: move head: %w", err)
	}
	return r, nil
}

// Record writes e in a transaction of its own: for reads of personal data,
// which change nothing else.
func (l *Log) Record(ctx context.Context, e Entry) error {
	return l.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := l.Append(ctx, tx, e)
		return err
	})
}

// canonicalDetails serialises details deterministically (encoding/json
// sorts map keys), so the stored text is exactly what was hashed.
func canonicalDetails(d map[string]any) (string, error) {
	if len(d) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("audit: details: %w", err)
	}
	return string(b), nil
}

// computeHash covers every column, each length-prefixed so that moving text
// from one field into the next changes the hash.
func (r Record) computeHash(details string) string {
	h := sha256.New()
	fields := []string{
		fmt.Sprint(r.Seq), r.At.UTC().Format(time.RFC3339Nano), r.Actor.ID, r.Actor.Role, r.Actor.Body,
		r.Action, r.SubjectUID, r.CaseNumber, r.ObjectType, r.ObjectID, r.ClientAddr, r.Reason,
		details, r.PrevHash,
	}
	for _, f := range fields {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

const columns = `seq, at, actor_id, actor_role, actor_body, action, subject_uid, case_number,
	object_type, object_id, client_addr, reason, details, prev_hash, hash`

func scanRecord(rows interface{ Scan(...any) error }) (Record, string, error) {
	var r Record
	var details string
	err := rows.Scan(&r.Seq, &r.At, &r.Actor.ID, &r.Actor.Role, &r.Actor.Body, &r.Action, &r.SubjectUID,
		&r.CaseNumber, &r.ObjectType, &r.ObjectID, &r.ClientAddr, &r.Reason, &details, &r.PrevHash, &r.Hash)
	if err != nil {
		return r, "", err
	}
	r.At = r.At.UTC()
	if details != "" && details != "{}" {
		_ = json.Unmarshal([]byte(details), &r.Details)
	}
	return r, details, nil
}

// Query selects records; zero fields do not filter.
type Query struct {
	SubjectUID string
	CaseNumber string
	ActorID    string
	ActionLike string // prefix, e.g. "uid."
	BeforeSeq  int64  // for paging backwards; 0 = from the newest
	Limit      int    // default 50, at most 500
}

// List returns matching records, newest first.
func (l *Log) List(ctx context.Context, q Query) ([]Record, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if q.SubjectUID != "" {
		add("subject_uid = $%d", q.SubjectUID)
	}
	if q.CaseNumber != "" {
		add("case_number = $%d", q.CaseNumber)
	}
	if q.ActorID != "" {
		add("actor_id = $%d", q.ActorID)
	}
	if q.ActionLike != "" {
		add("action LIKE $%d", strings.ReplaceAll(q.ActionLike, "%", "")+"%")
	}
	if q.BeforeSeq > 0 {
		add("seq < $%d", q.BeforeSeq)
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q.Limit = min(q.Limit, 500)
	sqlq := "SELECT " + columns + " FROM audit_log"
	if len(where) > 0 {
		sqlq += " WHERE " + strings.Join(where, " AND ")
	}
	sqlq += fmt.Sprintf(" ORDER BY seq DESC LIMIT %d", q.Limit)
	rows, err := l.db.R.QueryContext(ctx, sqlq, args...)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		r, _, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Problem is the first place where the chain does not hold.
type Problem struct {
	Seq    int64  // the first bad record (or the expected seq where one is missing)
	Reason string // what is wrong
}

func (p *Problem) Error() string {
	return fmt.Sprintf("audit chain broken at record %d: %s", p.Seq, p.Reason)
}

// Verify walks the whole chain in order and returns the number of records
// checked and, if the chain does not hold, a *Problem naming the first bad
// record: an edited record fails its own hash, a deleted one leaves a gap in
// the sequence, an inserted or reordered one breaks the link to its
// predecessor, a removed tail no longer reaches the head.
func (l *Log) Verify(ctx context.Context) (int64, error) {
	rows, err := l.db.R.QueryContext(ctx, "SELECT "+columns+" FROM audit_log ORDER BY seq")
	if err != nil {
		return 0, fmt.Errorf("audit: verify: %w", err)
	}
	defer rows.Close()
	var n, prevSeq int64
	prevHash := ""
	for rows.Next() {
		r, details, err := scanRecord(rows)
		if err != nil {
			return n, fmt.Errorf("audit: verify: %w", err)
		}
		n++
		switch {
		case r.Seq != prevSeq+1:
			return n, &Problem{Seq: prevSeq + 1, Reason: fmt.Sprintf("record missing: sequence jumps from %d to %d", prevSeq, r.Seq)}
		case r.PrevHash != prevHash:
			return n, &Problem{Seq: r.Seq, Reason: "does not link to the record before it (inserted, reordered or its predecessor edited)"}
		case r.computeHash(details) != r.Hash:
			return n, &Problem{Seq: r.Seq, Reason: "content does not match its hash (edited)"}
		}
		prevSeq, prevHash = r.Seq, r.Hash
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	var headSeq int64
	var headHash string
	if err := l.db.R.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&headSeq, &headHash); err != nil {
		return n, fmt.Errorf("audit: verify head: %w", err)
	}
	if headSeq != prevSeq || headHash != prevHash {
		return n, &Problem{Seq: prevSeq + 1, Reason: fmt.Sprintf("chain ends at %d but the head records %d (records removed from the end)", prevSeq, headSeq)}
	}
	return n, nil
}

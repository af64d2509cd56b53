package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"odnookno/internal/fault"
)

// Record is a message as the operator's console shows it: the recipient
// masked and every secret replaced by Mask, so reading the outbox while
// helping a citizen reveals no code and no full contact.
type Record struct {
	ID        int64
	Channel   string
	To        string // masked for SMS and e-mail
	CitizenID string
	Kind      string
	Lang      string
	Params    map[string]any // secrets appear as Mask
	Secret    []string
	Link      string
	Status    string
	Attempts  int
	LastError string
	CreatedAt time.Time
	// LastAttemptAt and SentAt are zero until the first attempt and the
	// successful one.
	LastAttemptAt time.Time
	SentAt        time.Time
	// Subject and Text are the message rendered with secrets masked; only
	// Get fills them.
	Subject string
	Text    string
}

// Filter selects messages for List; empty fields match everything.
type Filter struct {
	Status    string
	Channel   string
	Kind      string
	CitizenID string
	// Limit defaults to 50, at most 500.
	Limit int
	// BeforeID pages backwards: only messages with a smaller id, newest
	// first, so a page stays stable while new messages arrive.
	BeforeID int64
}

const recordColumns = `id, channel, recipient, citizen_id, kind, lang, params, secret_names, link,
	status, attempts, last_error, created_at, last_attempt_at, sent_at`

// List returns messages matching f, newest first.
func (s *Service) List(ctx context.Context, f Filter) ([]Record, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Status != "" {
		add("status = $%d", f.Status)
	}
	if f.Channel != "" {
		add("channel = $%d", f.Channel)
	}
	if f.Kind != "" {
		add("kind = $%d", f.Kind)
	}
	if f.CitizenID != "" {
		add("citizen_id = $%d", f.CitizenID)
	}
	if f.BeforeID > 0 {
		add("id < $%d", f.BeforeID)
	}
	q := "SELECT " + recordColumns + " FROM notify_messages"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, clampLimit(f.Limit))
	q += fmt.Sprintf(" ORDER BY id DESC LIMIT $%d", len(args))
	rows, err := s.db.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("notify: list: %w", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("notify: list: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("notify: list: %w", err)
	}
	return out, nil
}

// Get returns one message with its text rendered as sent, secrets masked.
func (s *Service) Get(ctx context.Context, id int64) (Record, error) {
	row := s.db.R.QueryRowContext(ctx, "SELECT "+recordColumns+" FROM notify_messages WHERE id = $1", id)
	r, err := scanRecord(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, fault.New(fault.NotFound, CodeNotFound, nil)
	}
	if err != nil {
		return Record{}, fmt.Errorf("notify: get %d: %w", id, err)
	}
	if out, err := s.tmpl.render(r.Lang, r.Kind, r.Params); err == nil {
		r.Subject, r.Text = out.Subject, out.Body
	}
	return r, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanRecord(sc scanner) (Record, error) {
	var r Record
	var params, names string
	var last, sent sql.NullTime
	if err := sc.Scan(&r.ID, &r.Channel, &r.To, &r.CitizenID, &r.Kind, &r.Lang, &params, &names, &r.Link,
		&r.Status, &r.Attempts, &r.LastError, &r.CreatedAt, &last, &sent); err != nil {
		return Record{}, err
	}
	r.To = maskRecipient(r.Channel, r.To)
	r.LastAttemptAt, r.SentAt = last.Time, sent.Time
	p, err := decodeParams([]byte(params))
	if err != nil {
		return Record{}, fmt.Errorf("params of message %d: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(names), &r.Secret); err != nil {
		return Record{}, fmt.Errorf("secret names of message %d: %w", r.ID, err)
	}
	for _, n := range r.Secret {
		p[n] = Mask
	}
	r.Params = p
	return r, nil
}

// Stat is the number of messages on one channel in one status.
type Stat struct {
	Channel string
	Status  string
	Count   int64
}

// Stats counts messages by channel and status, for the operator's
// dashboard: a growing "queued" on one channel is a gateway in trouble.
func (s *Service) Stats(ctx context.Context) ([]Stat, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT channel, status, COUNT(*) FROM notify_messages
		GROUP BY channel, status ORDER BY channel, status`)
	if err != nil {
		return nil, fmt.Errorf("notify: stats: %w", err)
	}
	defer rows.Close()
	var out []Stat
	for rows.Next() {
		var st Stat
		if err := rows.Scan(&st.Channel, &st.Status, &st.Count); err != nil {
			return nil, fmt.Errorf("notify: stats: %w", err)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("notify: stats: %w", err)
	}
	return out, nil
}

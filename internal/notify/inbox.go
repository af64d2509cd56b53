package notify

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"odnookno/internal/fault"
)

// InboxItem is one notice in the citizen's personal cabinet.
type InboxItem struct {
	ID        int64
	Kind      string
	Title     string
	Body      string
	Link      string
	CreatedAt time.Time
	ReadAt    time.Time // zero while unread
}

// Unread reports whether the citizen has not opened the item yet.
func (i InboxItem) Unread() bool { return i.ReadAt.IsZero() }

// writeInbox renders the notice now and writes it with its outbox row in
// tx: the cabinet shows it exactly when the caller's change commits, and
// there is nothing left to deliver.
func (s *Service) writeInbox(ctx context.Context, tx *sql.Tx, p *prepared, now time.Time) (int64, error) {
	r, err := s.tmpl.render(p.Lang, p.Kind, p.view)
	if err != nil {
		return 0, fault.Fields(fault.Field{Field: "params", Code: CodeParams, Params: map[string]any{"kind": p.Kind}})
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO notify_messages
		(channel, recipient, citizen_id, kind, lang, params, secret_names, link, status, attempts, created_at, last_attempt_at, sent_at)
		VALUES ($1, $2, $3, $4, $5, $6, '[]', $7, $8, 1, $9, $9, $9) RETURNING id`,
		p.Channel, p.To, p.CitizenID, p.Kind, p.Lang, string(p.paramsJSON), p.Link, StatusSent, now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("notify: store message: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO inbox_messages
		(citizen_id, message_id, kind, title, body, link, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		p.CitizenID, id, p.Kind, r.Subject, r.Body, p.Link, now); err != nil {
		return 0, fmt.Errorf("notify: write inbox: %w", err)
	}
	// Counted when written: a rare rollback of the caller's transaction
	// overcounts, which a rate on a dashboard tolerates.
	s.metrics.messages.WithLabelValues(ChannelInbox, StatusSent).Inc()
	return id, nil
}

// Inbox returns the citizen's newest notices first, at most limit (default
// 50, at most 500).
func (s *Service) Inbox(ctx context.Context, citizenID string, limit int) ([]InboxItem, error) {
	limit = clampLimit(limit)
	rows, err := s.db.R.QueryContext(ctx, `SELECT id, kind, title, body, link, created_at, read_at
		FROM inbox_messages WHERE citizen_id = $1 ORDER BY id DESC LIMIT $2`, citizenID, limit)
	if err != nil {
		return nil, fmt.Errorf("notify: inbox: %w", err)
	}
	defer rows.Close()
	var out []InboxItem
	for rows.Next() {
		var it InboxItem
		var read sql.NullTime
		if err := rows.Scan(&it.ID, &it.Kind, &it.Title, &it.Body, &it.Link, &it.CreatedAt, &read); err != nil {
			return nil, fmt.Errorf("notify: inbox: %w", err)
		}
		it.ReadAt = read.Time
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("notify: inbox: %w", err)
	}
	return out, nil
}

// UnreadCount is the number the cabinet shows next to "Messages".
func (s *Service) UnreadCount(ctx context.Context, citizenID string) (int, error) {
	var n int
	err := s.db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM inbox_messages
		WHERE citizen_id = $1 AND read_at IS NULL`, citizenID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("notify: unread count: %w", err)
	}
	return n, nil
}

// MarkRead records that the citizen opened item id. Only the owner can: for
// anyone else the item does not exist (fault.NotFound), so ids cannot be
// probed. Marking twice keeps the first time.
func (s *Service) MarkRead(ctx context.Context, citizenID string, id int64) error {
	res, err := s.db.W.ExecContext(ctx, `UPDATE inbox_messages
		SET read_at = CASE WHEN read_at IS NULL THEN $1 ELSE read_at END
		WHERE id = $2 AND citizen_id = $3`, s.o.Now().UTC(), id, citizenID)
	if err != nil {
		return fmt.Errorf("notify: mark read: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("notify: mark read: %w", err)
	}
	if n == 0 {
		return fault.New(fault.NotFound, CodeNotFound, nil)
	}
	return nil
}

func clampLimit(limit int) int {
	switch {
	case limit <= 0:
		return 50
	case limit > 500:
		return 500
	}
	return limit
}

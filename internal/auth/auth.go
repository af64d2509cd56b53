// Package auth keeps server-side sessions for citizens and staff, with idle
// and absolute timeouts, so that blocking a UID or changing a password can
// end every session at once.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"odnookno/internal/fault"
	"odnookno/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Module is this package's migrations.
var Module = store.NewModule("auth", migrations)

// Kinds of principal.
const (
	Citizen = "citizen"
	Staff   = "staff"
)

// Stages of a session. A citizen who logged in with a temporary password
// may do nothing but set a static one (R637-UID p.9).
const (
	StageFull           = "full"
	StageChangePassword = "change_password"
)

// ErrNoSession means the token is unknown, expired or revoked.
var ErrNoSession = fmt.Errorf("auth: no session: %w", fault.Unauthorized)

// Options are the timeouts.
type Options struct {
	Idle     time.Duration // default 30 minutes
	Absolute time.Duration // default 12 hours
}

// Sessions stores sessions.
type Sessions struct {
	db   *store.DB
	now  func() time.Time
	opts Options
}

// New returns the session store.
func New(db *store.DB, now func() time.Time, o Options) *Sessions {
	if now == nil {
		now = time.Now
	}
	if o.Idle == 0 {
		o.Idle = 30 * time.Minute
	}
	if o.Absolute == 0 {
		o.Absolute = 12 * time.Hour
	}
	return &Sessions{db: db, now: now, opts: o}
}

// Session is a live session.
type Session struct {
	Kind      string
	SubjectID string
	Stage     string
	CreatedAt time.Time
	ExpiresAt time.Time
	hash      string
}

// Create opens a session in tx and returns the token for the cookie.
func (s *Sessions) Create(ctx context.Context, tx *sql.Tx, kind, subjectID, stage, clientAddr, userAgent string) (string, Session, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", Session{}, err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	now := s.now().UTC()
	sess := Session{Kind: kind, SubjectID: subjectID, Stage: stage, CreatedAt: now, ExpiresAt: now.Add(s.opts.Absolute), hash: hash(token)}
	if len(userAgent) > 256 {
		userAgent = userAgent[:256]
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, kind, subject_id, stage, created_at, last_seen_at, expires_at, client_addr, user_agent)
		VALUES ($1,$2,$3,$4,$5,$5,$6,$7,$8)`, sess.hash, kind, subjectID, stage, now, sess.ExpiresAt, clientAddr, userAgent)
	if err != nil {
		return "", Session{}, fmt.Errorf("auth: create session: %w", err)
	}
	return token, sess, nil
}

func hash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// touchEvery limits how often a busy session's last-seen time is written.
const touchEvery = time.Minute

// Lookup returns the live session for token and extends its idle window.
func (s *Sessions) Lookup(ctx context.Context, token string) (Session, error) {
	if token == "" || len(token) > 100 {
		return Session{}, ErrNoSession
	}
	h := hash(token)
	var sess Session
	var lastSeen time.Time
	var revoked sql.NullTime
	err := s.db.R.QueryRowContext(ctx, `SELECT kind, subject_id, stage, created_at, last_seen_at, expires_at, revoked_at
		FROM sessions WHERE token_hash = $1`, h).Scan(&sess.Kind, &sess.SubjectID, &sess.Stage, &sess.CreatedAt, &lastSeen, &sess.ExpiresAt, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("auth: lookup: %w", err)
	}
	now := s.now().UTC()
	if revoked.Valid || !now.Before(sess.ExpiresAt) || now.Sub(lastSeen) >= s.opts.Idle {
		return Session{}, ErrNoSession
	}
	sess.hash = h
	if now.Sub(lastSeen) >= touchEvery {
		if _, err := s.db.W.ExecContext(ctx, "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2", now, h); err != nil {
			return Session{}, fmt.Errorf("auth: touch: %w", err)
		}
	}
	return sess, nil
}

// SetStage moves a session to another stage (after a temporary password was
// replaced, say) in tx.
func (s *Sessions) SetStage(ctx context.Context, tx *sql.Tx, token, stage string) error {
	_, err := tx.ExecContext(ctx, "UPDATE sessions SET stage = $1 WHERE token_hash = $2 AND revoked_at IS NULL", stage, hash(token))
	return err
}

// Revoke ends one session (logout).
func (s *Sessions) Revoke(ctx context.Context, tx *sql.Tx, token, reason string) error {
	_, err := tx.ExecContext(ctx, "UPDATE sessions SET revoked_at = $1, revoke_reason = $2 WHERE token_hash = $3 AND revoked_at IS NULL",
		s.now().UTC(), reason, hash(token))
	return err
}

// RevokeAll ends every session of a subject, except the one with token
// keep (may be empty): on block, on password or phone change.
func (s *Sessions) RevokeAll(ctx context.Context, tx *sql.Tx, kind, subjectID, reason, keep string) (int64, error) {
	keepHash := ""
	if keep != "" {
		keepHash = hash(keep)
	}
	res, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = $1, revoke_reason = $2
		WHERE kind = $3 AND subject_id = $4 AND revoked_at IS NULL AND token_hash <> $5`,
		s.now().UTC(), reason, kind, subjectID, keepHash)
	if err != nil {
		return 0, fmt.Errorf("auth: revoke all: %w", err)
	}
	return res.RowsAffected()
}

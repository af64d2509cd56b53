package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/auth"
	"odnookno/internal/fault"
)

// Citizen statuses. A blocked identifier is one its owner gave up (p. 12);
// nothing about it is deleted.
const (
	StatusActive  = "active"
	StatusBlocked = "blocked"
)

// Password kinds: a temporary password is generated and sent by SMS at
// issue and unblock, and serves only to set a static one (p. 9, p. 13).
const (
	PasswordTemporary = "temporary"
	PasswordStatic    = "static"
)

// Citizen is the holder of a unique identifier.
type Citizen struct {
	ID                int64
	UID               PIN
	Surname           string
	Name              string
	Patronymic        string
	BirthDate         string // YYYY-MM-DD
	Phone             Phone
	Lang              string
	Status            string
	PasswordKind      string
	PasswordExpiresAt *time.Time
	PasswordSetAt     time.Time
	IssuedAt          time.Time
	IssuedBy          string
	BlockedAt         *time.Time

	hash string
}

// FullName is surname, name and patronymic, as on the document.
func (c Citizen) FullName() string {
	return strings.TrimSpace(c.Surname + " " + c.Name + " " + c.Patronymic)
}

// Actor is the citizen as the audit trail records them.
func (c Citizen) Actor() audit.Actor {
	return audit.Actor{ID: "citizen:" + idString(c.ID), Role: audit.RoleCitizen}
}

// Active reports whether the identifier may be used.
func (c Citizen) Active() bool { return c.Status == StatusActive }

const citizenCols = `id, uid, surname, name, patronymic, birth_date, phone, lang, status, password_hash, password_kind,
	password_expires_at, password_set_at, issued_at, issued_by, blocked_at`

type scanner interface{ Scan(...any) error }

func scanCitizen(row scanner) (Citizen, error) {
	var c Citizen
	var uid, phone string
	var exp, blocked sql.NullTime
	err := row.Scan(&c.ID, &uid, &c.Surname, &c.Name, &c.Patronymic, &c.BirthDate, &phone, &c.Lang, &c.Status,
		&c.hash, &c.PasswordKind, &exp, &c.PasswordSetAt, &c.IssuedAt, &c.IssuedBy, &blocked)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("identity: citizen: %w", fault.NotFound)
	}
	if err != nil {
		return c, fmt.Errorf("identity: citizen: %w", err)
	}
	c.UID, c.Phone = PIN(uid), Phone(phone)
	c.PasswordSetAt, c.IssuedAt = c.PasswordSetAt.UTC(), c.IssuedAt.UTC()
	if exp.Valid {
		t := exp.Time.UTC()
		c.PasswordExpiresAt = &t
	}
	if blocked.Valid {
		t := blocked.Time.UTC()
		c.BlockedAt = &t
	}
	return c, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Citizen returns a citizen by internal id.
func (s *Service) Citizen(ctx context.Context, id int64) (Citizen, error) {
	return s.citizenByID(ctx, s.db.R, id, false)
}

// CitizenByUID returns the holder of uid.
func (s *Service) CitizenByUID(ctx context.Context, uid PIN) (Citizen, error) {
	return s.citizenByUID(ctx, s.db.R, uid, false)
}

func (s *Service) citizenByID(ctx context.Context, q querier, id int64, lock bool) (Citizen, error) {
	sqlq := "SELECT " + citizenCols + " FROM citizens WHERE id = $1"
	if lock {
		sqlq += s.forUpdate()
	}
	return scanCitizen(q.QueryRowContext(ctx, sqlq, id))
}

func (s *Service) citizenByUID(ctx context.Context, q querier, uid PIN, lock bool) (Citizen, error) {
	sqlq := "SELECT " + citizenCols + " FROM citizens WHERE uid = $1"
	if lock {
		sqlq += s.forUpdate()
	}
	return scanCitizen(q.QueryRowContext(ctx, sqlq, string(uid)))
}

// phoneUsedByOther reports whether phone is bound to an active identifier
// other than uid (p. 7, fifth paragraph).
func (s *Service) phoneUsedByOther(ctx context.Context, q querier, phone Phone, uid PIN) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM citizens WHERE phone = $1 AND status = 'active' AND uid <> $2",
		string(phone), string(uid)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("identity: phone in use: %w", err)
	}
	return n > 0, nil
}

// setPassword stores a new password hash of kind for c in tx.
func (s *Service) setPassword(ctx context.Context, tx *sql.Tx, id int64, hash, kind string, now time.Time) error {
	var exp any
	if kind == PasswordTemporary {
		exp = now.Add(s.opts.TempPasswordTTL)
	}
	_, err := tx.ExecContext(ctx, `UPDATE citizens SET password_hash = $1, password_kind = $2, password_expires_at = $3,
		password_set_at = $4, updated_at = $4 WHERE id = $5`, hash, kind, exp, now, id)
	if err != nil {
		return fmt.Errorf("identity: set password: %w", err)
	}
	return nil
}

// endSessions revokes every session of the citizen in tx (block, password
// and phone changes).
func (s *Service) endSessions(ctx context.Context, tx *sql.Tx, id int64, reason string) error {
	_, err := s.sessions.RevokeAll(ctx, tx, auth.Citizen, idString(id), reason, "")
	return err
}

package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"odnookno/internal/fault"
)

// Purposes of SMS codes. A code is bound to its purpose, its subject and
// the phone it went to, so it cannot be replayed for anything else.
const (
	purposeVerifyPhone = "verify_phone" // subject: the application
	purposeRecovery    = "recovery"     // subject: the citizen
	purposeUnblock     = "unblock"      // subject: the citizen
	purposePhoneChange = "phone_change" // subject: the citizen; phone: the new number
)

func appSubject(id int64) string     { return "application:" + idString(id) }
func citizenSubject(id int64) string { return "citizen:" + idString(id) }

func (s *Service) codeHash(purpose, subject string, phone Phone, code string) string {
	return HashCode(s.opts.CodeKey, purpose, subject+"\x00"+string(phone), code)
}

// issueCode voids the earlier codes of purpose and subject and stores a
// fresh one for phone, in tx. It refuses when the last code is too recent
// or too many were sent today.
func (s *Service) issueCode(ctx context.Context, tx *sql.Tx, purpose, subject string, phone Phone) (string, error) {
	now := s.clock()
	var today int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM uid_codes WHERE purpose = $1 AND subject = $2 AND created_at > $3`,
		purpose, subject, now.Add(-24*time.Hour)).Scan(&today)
	if err != nil {
		return "", fmt.Errorf("identity: recent codes: %w", err)
	}
	// MAX() would lose the column's type on SQLite; the newest row has it.
	var last time.Time
	err = tx.QueryRowContext(ctx, `SELECT created_at FROM uid_codes WHERE purpose = $1 AND subject = $2 ORDER BY id DESC LIMIT 1`,
		purpose, subject).Scan(&last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("identity: last code: %w", err)
	}
	if err == nil {
		if wait := last.Add(s.opts.CodeResend).Sub(now); wait > 0 {
			return "", fault.New(fault.TooMany, "uid.code_too_soon", map[string]any{"seconds": int(math.Ceil(wait.Seconds()))})
		}
	}
	if today >= s.opts.CodesPerDay {
		return "", fault.New(fault.TooMany, "uid.code_limit", nil)
	}
	if err := s.voidCodes(ctx, tx, purpose, subject); err != nil {
		return "", err
	}
	code := NewSMSCode()
	_, err = tx.ExecContext(ctx, `INSERT INTO uid_codes (purpose, subject, phone, code_hash, created_at, expires_at)
		VALUES ($1,$2,$3,$4,$5,$6)`, purpose, subject, string(phone), s.codeHash(purpose, subject, phone, code), now, now.Add(s.opts.CodeTTL))
	if err != nil {
		return "", fmt.Errorf("identity: store code: %w", err)
	}
	return code, nil
}

// voidCodes makes every open code of purpose and subject unusable.
func (s *Service) voidCodes(ctx context.Context, tx *sql.Tx, purpose, subject string) error {
	q := "UPDATE uid_codes SET void_at = $1 WHERE subject = $2 AND used_at IS NULL AND void_at IS NULL"
	args := []any{s.clock(), subject}
	if purpose != "" {
		q += " AND purpose = $3"
		args = append(args, purpose)
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("identity: void codes: %w", err)
	}
	return nil
}

// Code errors. Where the person is not yet known (recovery, unblock) the
// caller replaces them all by errCodeInvalid, which says nothing about
// whether a code exists.
func errCodeWrong(left int) error {
	return fieldErr(FieldCode, "uid.code_wrong", map[string]any{"left": left})
}

var (
	errCodeExpired   = fieldErr(FieldCode, "uid.code_expired", nil)
	errCodeExhausted = fieldErr(FieldCode, "uid.code_exhausted", nil)
	errCodeMissing   = fieldErr(FieldCode, "uid.code_missing", nil)
	errCodeInvalid   = fieldErr(FieldCode, "uid.code_invalid", nil)
)

// isCodeError tells the errors of checkCode that the person caused.
func isCodeError(err error) bool {
	var fe *fault.Error
	if !errors.As(err, &fe) {
		return false
	}
	switch fe.Code {
	case "uid.code_wrong", "uid.code_expired", "uid.code_exhausted", "uid.code_missing", "uid.code_invalid":
		return true
	}
	return false
}

// openCode returns the live code of purpose and subject and the phone it
// was sent to.
func (s *Service) openCode(ctx context.Context, q querier, purpose, subject string) (id int64, phone Phone, err error) {
	var p string
	err = q.QueryRowContext(ctx, `SELECT id, phone FROM uid_codes WHERE purpose = $1 AND subject = $2
		AND used_at IS NULL AND void_at IS NULL ORDER BY id DESC LIMIT 1`, purpose, subject).Scan(&id, &p)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", errCodeMissing
	}
	if err != nil {
		return 0, "", fmt.Errorf("identity: open code: %w", err)
	}
	return id, Phone(p), nil
}

// checkCode compares typed with the live code of purpose and subject in
// tx. A wrong entry counts an attempt (the last allowed one voids the
// code), and the caller must commit tx for it to count; on success the
// code is used up and the phone it went to is returned.
func (s *Service) checkCode(ctx context.Context, tx *sql.Tx, purpose, subject, typed string) (Phone, error) {
	code, err := ParseSMSCode(typed)
	if err != nil {
		return "", err
	}
	var id int64
	var phone, hash string
	var expires time.Time
	var attempts int
	err = tx.QueryRowContext(ctx, `SELECT id, phone, code_hash, expires_at, attempts FROM uid_codes
		WHERE purpose = $1 AND subject = $2 AND used_at IS NULL AND void_at IS NULL ORDER BY id DESC LIMIT 1`+s.forUpdate(),
		purpose, subject).Scan(&id, &phone, &hash, &expires, &attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errCodeMissing
	}
	if err != nil {
		return "", fmt.Errorf("identity: check code: %w", err)
	}
	now := s.clock()
	if !now.Before(expires) {
		if _, err := tx.ExecContext(ctx, "UPDATE uid_codes SET void_at = $1 WHERE id = $2", now, id); err != nil {
			return "", err
		}
		return "", errCodeExpired
	}
	if !EqualCode(hash, s.codeHash(purpose, subject, Phone(phone), code)) {
		attempts++
		var void any
		if attempts >= s.opts.CodeAttempts {
			void = now
		}
		if _, err := tx.ExecContext(ctx, "UPDATE uid_codes SET attempts = $1, void_at = $2 WHERE id = $3", attempts, void, id); err != nil {
			return "", fmt.Errorf("identity: count attempt: %w", err)
		}
		if void != nil {
			return "", errCodeExhausted
		}
		return "", errCodeWrong(s.opts.CodeAttempts - attempts)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE uid_codes SET used_at = $1 WHERE id = $2", now, id); err != nil {
		return "", fmt.Errorf("identity: use code: %w", err)
	}
	return Phone(phone), nil
}

func (s *Service) codeMinutes() int { return int(math.Ceil(s.opts.CodeTTL.Minutes())) }

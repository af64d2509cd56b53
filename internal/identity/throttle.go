package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"time"

	"odnookno/internal/fault"
)

// Throttling counts failed attempts (wrong password, wrong code) per UID
// and per client address. After the free failures every further one locks
// the key for a delay that doubles each time up to the maximum, so an
// online guesser gets a few dozen tries a day instead of millions, while a
// citizen who mistypes waits a minute. A locked key refuses even the right
// password, or the lock would tell the guesser when he is right.

func uidKey(uid PIN) string { return "uid:" + string(uid) }

// addrKey groups IPv6 clients by /64, the block one subscriber usually
// gets, so an attacker cannot step through addresses of his own network.
func addrKey(addr string) string {
	if a, err := netip.ParseAddr(strings.TrimSpace(addr)); err == nil && a.Is6() && !a.Is4In6() {
		p, _ := a.Prefix(64)
		return "addr:" + p.String()
	}
	return "addr:" + addr
}

func (s *Service) free(key string) int {
	if strings.HasPrefix(key, "uid:") {
		return s.opts.Throttle.UIDFree
	}
	return s.opts.Throttle.AddrFree
}

// delay after the n-th failure of a key that allows free ones.
func (s *Service) delay(n, free int) time.Duration {
	if n < free {
		return 0
	}
	t := s.opts.Throttle
	d := t.Delay
	for i := free; i < n && d < t.MaxDelay; i++ {
		d *= 2
	}
	return min(d, t.MaxDelay)
}

// throttled refuses when any of keys is locked now.
func (s *Service) throttled(ctx context.Context, keys ...string) error {
	now := s.clock()
	var wait time.Duration
	for _, k := range keys {
		var until sql.NullTime
		err := s.db.R.QueryRowContext(ctx, "SELECT locked_until FROM uid_throttle WHERE key = $1", k).Scan(&until)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("identity: throttle: %w", err)
		}
		if until.Valid && until.Time.After(now) {
			wait = max(wait, until.Time.Sub(now))
		}
	}
	if wait > 0 {
		return errThrottled(wait)
	}
	return nil
}

func errThrottled(wait time.Duration) error {
	return fault.New(fault.TooMany, "uid.throttled", map[string]any{"minutes": int(math.Ceil(wait.Minutes()))})
}

// failure is the outcome of counting one failed attempt.
type failure struct {
	uidFailures int
	// warn is set when the UID's owner should be told by SMS that someone
	// is trying to get in: once per window, when the delays begin.
	warn bool
}

// fail counts a failed attempt against the client's address and, when
// known, the UID, in tx.
func (s *Service) fail(ctx context.Context, tx *sql.Tx, addr string, uid PIN) (failure, error) {
	var out failure
	keys := []string{addrKey(addr)}
	if uid != "" {
		keys = append(keys, uidKey(uid))
	}
	now := s.clock()
	win := s.opts.Throttle.Window
	// Forget quiet keys, so a guesser trying many UIDs does not grow the
	// table without end.
	if _, err := tx.ExecContext(ctx, `DELETE FROM uid_throttle WHERE last_failure_at < $1
		AND (locked_until IS NULL OR locked_until < $2)`, now.Add(-win), now); err != nil {
		return out, fmt.Errorf("identity: throttle: %w", err)
	}
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, `INSERT INTO uid_throttle (key, failures, first_failure_at, last_failure_at)
			VALUES ($1, 0, $2, $2) ON CONFLICT (key) DO NOTHING`, k, now); err != nil {
			return out, fmt.Errorf("identity: throttle: %w", err)
		}
		var n int
		var first, last time.Time
		var warned sql.NullTime
		err := tx.QueryRowContext(ctx, "SELECT failures, first_failure_at, last_failure_at, warned_at FROM uid_throttle WHERE key = $1"+s.forUpdate(), k).
			Scan(&n, &first, &last, &warned)
		if err != nil {
			return out, fmt.Errorf("identity: throttle: %w", err)
		}
		if now.Sub(last) > win {
			n, first = 0, now
		}
		n++
		free := s.free(k)
		var until any
		if d := s.delay(n, free); d > 0 {
			until = now.Add(d)
		}
		var warnedAt any
		if warned.Valid {
			warnedAt = warned.Time
		}
		if strings.HasPrefix(k, "uid:") {
			out.uidFailures = n
			if n >= free && (!warned.Valid || now.Sub(warned.Time) > win) {
				out.warn = true
				warnedAt = now
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE uid_throttle SET failures = $1, first_failure_at = $2, last_failure_at = $3,
			locked_until = $4, warned_at = $5 WHERE key = $6`, n, first, now, until, warnedAt, k)
		if err != nil {
			return out, fmt.Errorf("identity: throttle: %w", err)
		}
	}
	return out, nil
}

// succeed forgets the failures of uid after the right password or code.
// The address keeps its count: one success must not let a guesser who
// owns a single account reset his budget for everyone else's.
func (s *Service) succeed(ctx context.Context, tx *sql.Tx, uid PIN) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM uid_throttle WHERE key = $1", uidKey(uid)); err != nil {
		return fmt.Errorf("identity: throttle reset: %w", err)
	}
	return nil
}

package auth_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"odnookno/internal/auth"
	"odnookno/internal/store"
	"odnookno/internal/store/storetest"
)

func TestSessions(t *testing.T) {
	storetest.Each(t, []store.Module{auth.Module}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
		s := auth.New(db, func() time.Time { return now }, auth.Options{Idle: 30 * time.Minute, Absolute: 2 * time.Hour})
		create := func(subject string) string {
			var tok string
			if err := db.Tx(ctx, func(tx *sql.Tx) error {
				var err error
				tok, _, err = s.Create(ctx, tx, auth.Citizen, subject, auth.StageFull, "127.0.0.1", "test")
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return tok
		}
		a := create("c1")
		got, err := s.Lookup(ctx, a)
		if err != nil || got.SubjectID != "c1" || got.Stage != auth.StageFull {
			t.Fatalf("lookup %+v %v", got, err)
		}
		if _, err := s.Lookup(ctx, a+"x"); !errors.Is(err, auth.ErrNoSession) {
			t.Fatal("a wrong token found a session")
		}

		// Activity keeps the session alive past the idle timeout…
		for range 5 {
			now = now.Add(20 * time.Minute)
			if _, err := s.Lookup(ctx, a); err != nil {
				t.Fatalf("active session ended at %s: %v", now, err)
			}
		}
		// …but not past the absolute timeout.
		now = now.Add(20 * time.Minute)
		if _, err := s.Lookup(ctx, a); !errors.Is(err, auth.ErrNoSession) {
			t.Fatal("session outlived the absolute timeout")
		}

		b := create("c2")
		now = now.Add(31 * time.Minute)
		if _, err := s.Lookup(ctx, b); !errors.Is(err, auth.ErrNoSession) {
			t.Fatal("session outlived the idle timeout")
		}

		// Revoking all sessions of a subject keeps the one asked to be kept.
		c1, c2, keep := create("c3"), create("c3"), create("c3")
		other := create("c4")
		var n int64
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			n, err = s.RevokeAll(ctx, tx, auth.Citizen, "c3", "password_changed", keep)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Fatalf("revoked %d sessions, want 2", n)
		}
		for _, tok := range []string{c1, c2} {
			if _, err := s.Lookup(ctx, tok); !errors.Is(err, auth.ErrNoSession) {
				t.Fatal("a revoked session still works")
			}
		}
		for _, tok := range []string{keep, other} {
			if _, err := s.Lookup(ctx, tok); err != nil {
				t.Fatal("a session that was not revoked ended")
			}
		}
		if err := db.Tx(ctx, func(tx *sql.Tx) error { return s.Revoke(ctx, tx, keep, "logout") }); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Lookup(ctx, keep); !errors.Is(err, auth.ErrNoSession) {
			t.Fatal("logout did not end the session")
		}
		// The table never holds the token itself.
		var leaked int
		_ = db.R.QueryRow("SELECT COUNT(*) FROM sessions WHERE token_hash = $1", other).Scan(&leaked)
		if leaked != 0 {
			t.Fatal("a token is stored in clear")
		}
	})
}

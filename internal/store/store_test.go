package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"odnookno/internal/jobs"
	"odnookno/internal/store"
	"odnookno/internal/store/storetest"
)

var things = store.Module{Name: "storetest", FS: fstest.MapFS{
	"sqlite/00001_things.sql": {Data: []byte(`-- +goose Up
CREATE TABLE things (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, at TIMESTAMP NOT NULL, flag BOOLEAN NOT NULL DEFAULT FALSE);`)},
	"postgres/00001_things.sql": {Data: []byte(`-- +goose Up
CREATE TABLE things (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE, at TIMESTAMPTZ NOT NULL, flag BOOLEAN NOT NULL DEFAULT FALSE);`)},
	"sqlite/00002_parts.sql": {Data: []byte(`-- +goose Up
CREATE TABLE parts (id INTEGER PRIMARY KEY AUTOINCREMENT, thing_id INTEGER NOT NULL REFERENCES things(id));`)},
	"postgres/00002_parts.sql": {Data: []byte(`-- +goose Up
CREATE TABLE parts (id BIGSERIAL PRIMARY KEY, thing_id BIGINT NOT NULL REFERENCES things(id));`)},
}}

func TestContract(t *testing.T) {
	storetest.Each(t, []store.Module{things}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		at := time.Date(2026, 3, 9, 10, 11, 12, 0, time.UTC)

		t.Run("commit is visible to readers with types intact", func(t *testing.T) {
			var id int64
			err := db.Tx(ctx, func(tx *sql.Tx) error {
				return tx.QueryRowContext(ctx, "INSERT INTO things (name, at, flag) VALUES ($1, $2, $3) RETURNING id", "Иванов", at, true).Scan(&id)
			})
			if err != nil {
				t.Fatal(err)
			}
			var name string
			var got time.Time
			var flag bool
			if err := db.R.QueryRowContext(ctx, "SELECT name, at, flag FROM things WHERE id = $1", id).Scan(&name, &got, &flag); err != nil {
				t.Fatal(err)
			}
			if name != "Иванов" || !got.Equal(at) || !flag {
				t.Fatalf("read back %q %s %v", name, got, flag)
			}
		})

		t.Run("rollback leaves nothing", func(t *testing.T) {
			boom := errors.New("boom")
			err := db.Tx(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, "INSERT INTO things (name, at) VALUES ($1, $2)", "ghost", at); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("got %v", err)
			}
			var n int
			_ = db.R.QueryRowContext(ctx, "SELECT COUNT(*) FROM things WHERE name = 'ghost'").Scan(&n)
			if n != 0 {
				t.Fatal("rolled back row is visible")
			}
		})

		t.Run("unique violation is recognised", func(t *testing.T) {
			_, err := db.W.ExecContext(ctx, "INSERT INTO things (name, at) VALUES ($1, $2)", "Иванов", at)
			if !store.IsUniqueViolation(err) {
				t.Fatalf("want unique violation, got %v", err)
			}
		})

		t.Run("foreign keys are enforced", func(t *testing.T) {
			_, err := db.W.ExecContext(ctx, "INSERT INTO parts (thing_id) VALUES ($1)", 424242)
			if err == nil {
				t.Fatal("a dangling reference was accepted")
			}
		})

		t.Run("migrating again changes nothing", func(t *testing.T) {
			if err := store.Migrate(ctx, db, []store.MigrateFunc{jobs.Migrate}, things); err != nil {
				t.Fatal(err)
			}
			v, err := store.Version(ctx, db, things)
			if err != nil || v != 2 {
				t.Fatalf("version %d, %v", v, err)
			}
		})

		t.Run("concurrent writers all commit", func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make(chan error, 20)
			for i := range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- db.Tx(ctx, func(tx *sql.Tx) error {
						_, err := tx.ExecContext(ctx, "INSERT INTO things (name, at) VALUES ($1, $2)", storetest.Name("w"), at.Add(time.Duration(i)))
						return err
					})
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
		})
	})
}

// TestConcurrentStartMigratesOnce starts several migrations together on one
// PostgreSQL database, as several instances starting at once would.
func TestConcurrentStartMigratesOnce(t *testing.T) {
	dsn := storetest.NewDSN(t, store.Postgres)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := store.Open(ctx, dsn)
			if err != nil {
				errs <- err
				return
			}
			defer db.Close()
			errs <- store.Migrate(ctx, db, []store.MigrateFunc{jobs.Migrate}, things)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.R.QueryRow("SELECT COUNT(*) FROM goose_storetest WHERE version_id > 0").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("migrations recorded %d times, want 2 (each once)", n)
	}
}

// TestOddPath opens a SQLite file in a folder whose name has URI
// delimiters in it.
func TestOddPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sqlite#01 50%")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "x.db")
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.W.Exec("CREATE TABLE t (a INTEGER)"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the database is not where it was asked to be: %v", err)
	}
}

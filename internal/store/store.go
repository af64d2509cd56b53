// Package store opens the embedded SQLite database or a PostgreSQL server and
// applies the migrations of every domain package.
//
// Domain packages own their tables and SQL; this package only knows how to
// connect, how to run a transaction and how to migrate. Both engines are used
// through database/sql so that one *sql.Tx carries a state change, its audit
// record and the jobs it schedules.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

// Dialect names the SQL engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database. W serialises writes and transactions; R serves
// reads outside transactions. On PostgreSQL both are the same pool; on SQLite
// W has exactly one connection (SQLite allows one writer) and R is a pool of
// read-only connections that WAL lets run beside the writer.
type DB struct {
	Dialect Dialect
	W       *sql.DB
	R       *sql.DB
	// DSN is the connection string without secrets removed; kept for
	// components (the job queue) that need their own handle.
	DSN string
}

// Open connects to dsn: a postgres:// or postgresql:// URL selects
// PostgreSQL, anything else is a SQLite file path (optionally "sqlite:" or
// "file:" prefixed).
func Open(ctx context.Context, dsn string) (*DB, error) {
	if dsn == "" {
		return nil, errors.New("store: empty database address")
	}
	if IsPostgres(dsn) {
		return openPostgres(ctx, dsn)
	}
	return openSQLite(ctx, dsn)
}

// IsPostgres reports whether dsn addresses a PostgreSQL server.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	db.SetMaxOpenConns(max(8, 4*runtime.GOMAXPROCS(0)))
	db.SetMaxIdleConns(max(4, 2*runtime.GOMAXPROCS(0)))
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := ping(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect postgres: %w", err)
	}
	return &DB{Dialect: Postgres, W: db, R: db, DSN: dsn}, nil
}

func sqlitePath(dsn string) string {
	p := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return p
}

func sqliteDSN(path string, readOnly bool) string {
	q := url.Values{}
	// busy_timeout first: every later pragma may otherwise fail with SQLITE_BUSY
	// when another process (a CLI command beside the server) holds the lock.
	q.Set("_busy_timeout", "10000")
	q.Set("_journal_mode", "WAL")
	q.Set("_foreign_keys", "1")
	q.Set("_synchronous", "NORMAL")
	q.Set("_time_format", "sqlite")
	if readOnly {
		q.Set("_query_only", "1")
	} else {
		// Take the write lock at BEGIN so a transaction never fails half-way
		// on lock upgrade.
		q.Set("_txlock", "immediate")
	}
	// The path is part of a URI: '%' and '#' in a folder name (a test's
	// "sqlite#01" subtest folder, say) must not cut it short.
	esc := strings.NewReplacer("%", "%25", "#", "%23").Replace(path)
	return "file:" + esc + "?" + q.Encode()
}

func openSQLite(ctx context.Context, dsn string) (*DB, error) {
	path := sqlitePath(dsn)
	if path == "" || path == ":memory:" {
		return nil, errors.New("store: SQLite needs a file path (an in-memory database cannot be shared by the read pool)")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: sqlite path: %w", err)
	}
	w, err := sql.Open("sqlite", sqliteDSN(abs, false))
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := ping(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", abs, err)
	}
	r, err := sql.Open("sqlite", sqliteDSN(abs, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open sqlite readers: %w", err)
	}
	r.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	r.SetMaxIdleConns(max(4, runtime.GOMAXPROCS(0)))
	return &DB{Dialect: SQLite, W: w, R: r, DSN: abs}, nil
}

func ping(ctx context.Context, db *sql.DB) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// Close closes both pools.
func (db *DB) Close() error {
	var errs []error
	if db.R != db.W {
		errs = append(errs, db.R.Close())
	}
	errs = append(errs, db.W.Close())
	return errors.Join(errs...)
}

// Ping checks that the database answers; readiness probes use it.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.W.PingContext(ctx); err != nil {
		return err
	}
	var one int
	return db.R.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Tx runs fn in a transaction and commits it when fn returns nil. Everything
// a user is told happened — the state change, its audit record, the jobs it
// schedules — is written through the one tx handed to fn.
func (db *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// IsUniqueViolation reports whether err is a unique-constraint failure on
// either engine, so callers can turn a race into a conflict error.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "SQLSTATE 23505") || strings.Contains(s, "UNIQUE constraint failed")
}

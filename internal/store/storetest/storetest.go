// Package storetest gives tests a real, freshly migrated database on each
// engine: a temporary SQLite file always, and a new PostgreSQL database when
// ODNOOKNO_TEST_POSTGRES names a server. Under CI=true a missing PostgreSQL
// is a failure, never a skip, so the second engine cannot silently drop out.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"odnookno/internal/jobs"
	"odnookno/internal/store"
)

// EnvPostgres names the environment variable holding a PostgreSQL URL of a
// maintenance database (e.g. postgres://postgres@127.0.0.1:5432/postgres);
// each test creates and drops its own database on that server.
const EnvPostgres = "ODNOOKNO_TEST_POSTGRES"

// Engines lists the dialects a contract test runs on.
var Engines = []store.Dialect{store.SQLite, store.Postgres}

// Each runs fn once per engine as a subtest ("sqlite", "postgres"), each on
// its own freshly migrated database.
func Each(t *testing.T, modules []store.Module, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, d := range Engines {
		t.Run(string(d), func(t *testing.T) {
			db := Open(t, d, modules...)
			fn(t, db)
		})
	}
}

// Open returns a migrated database of dialect d, removed when t ends.
func Open(t testing.TB, d store.Dialect, modules ...store.Module) *store.DB {
	t.Helper()
	dsn := NewDSN(t, d)
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := store.Migrate(ctx, db, []store.MigrateFunc{jobs.Migrate}, modules...); err != nil {
		t.Fatalf("migrate %s: %v", d, err)
	}
	return db
}

// NewDSN creates an empty database of dialect d and returns its address; the
// database is dropped when t ends. Tests that start whole processes use it.
func NewDSN(t testing.TB, d store.Dialect) string {
	t.Helper()
	switch d {
	case store.SQLite:
		return filepath.Join(t.TempDir(), "test.db")
	case store.Postgres:
		return newPostgres(t)
	}
	t.Fatalf("unknown dialect %q", d)
	return ""
}

// RequirePostgres skips (or, under CI=true, fails) when no server is set.
func RequirePostgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: PostgreSQL tests must run under CI", EnvPostgres)
		}
		t.Skipf("%s not set; skipping PostgreSQL", EnvPostgres)
	}
	return base
}

func newPostgres(t testing.TB) string {
	t.Helper()
	base := RequirePostgres(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres admin: %v", err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "odnookno_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Errorf("postgres admin: %v", err)
			return
		}
		defer admin.Close()
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	return u.String()
}

// Exec runs statements directly, for tests that tamper with tables.
func Exec(t testing.TB, db *store.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.W.Exec(q, args...); err != nil {
		t.Fatalf("exec %s: %v", strings.TrimSpace(q), err)
	}
}

// Name is a short random suffix for unique fixtures.
func Name(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s%x", prefix, b)
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
)

// Module is one domain package's migrations: FS holds a "sqlite" and a
// "postgres" folder of goose SQL files. Each module keeps its own version
// table (goose_<name>) so packages evolve their tables independently.
type Module struct {
	Name string
	FS   fs.FS
}

// MigrateFunc migrates something that is not a goose module (the job queue's
// own tables).
type MigrateFunc func(ctx context.Context, db *DB) error

// migrationLockKey is the PostgreSQL advisory lock that makes several
// instances starting together migrate once: the first takes it and migrates,
// the others wait and then find nothing to do.
const migrationLockKey = 0x6f646e6f6f6b6e6f // "odnookno"

// Migrate applies pre (in order) and then every module's pending migrations,
// in the order given: a module may reference tables of modules before it.
func Migrate(ctx context.Context, db *DB, pre []MigrateFunc, modules ...Module) error {
	unlock, err := db.lockMigrations(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	for _, f := range pre {
		if err := f(ctx, db); err != nil {
			return err
		}
	}
	for _, m := range modules {
		if err := db.migrateModule(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) lockMigrations(ctx context.Context) (func(), error) {
	if db.Dialect != Postgres {
		// SQLite: the single write connection and busy_timeout serialise
		// processes; goose runs each migration in a transaction.
		return func() {}, nil
	}
	conn, err := db.W.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migration lock: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", int64(migrationLockKey)); err != nil {
		conn.Close()
		return nil, fmt.Errorf("store: migration lock: %w", err)
	}
	return func() {
		_, _ = conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", int64(migrationLockKey))
		conn.Close()
	}, nil
}

func (db *DB) migrateModule(ctx context.Context, m Module) error {
	dir := string(db.Dialect)
	sub, err := fs.Sub(m.FS, dir)
	if err != nil {
		return fmt.Errorf("store: migrations of %s: %w", m.Name, err)
	}
	dialect := goose.DialectSQLite3
	if db.Dialect == Postgres {
		dialect = goose.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, db.W, sub,
		goose.WithTableName("goose_"+m.Name),
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		return fmt.Errorf("store: migrations of %s: %w", m.Name, err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate %s: %w", m.Name, err)
	}
	for _, r := range res {
		slog.InfoContext(ctx, "migration applied", "module", m.Name, "file", r.Source.Path, "duration", r.Duration)
	}
	return nil
}

// Version reports the applied version of each module, for `odnookno migrate`
// and readiness.
func Version(ctx context.Context, db *DB, m Module) (int64, error) {
	var v sql.NullInt64
	err := db.R.QueryRowContext(ctx, "SELECT MAX(version_id) FROM goose_"+m.Name+" WHERE is_applied").Scan(&v)
	if err != nil {
		return 0, err
	}
	return v.Int64, nil
}

// NewModule is the Module of a package that embeds its migrations as
// migrations/sqlite/*.sql and migrations/postgres/*.sql.
func NewModule(name string, embedded fs.FS) Module {
	sub, err := fs.Sub(embedded, "migrations")
	if err != nil {
		panic(fmt.Sprintf("store: migrations of %s: %v", name, err))
	}
	return Module{Name: name, FS: sub}
}

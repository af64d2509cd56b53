// Package jobs runs durable background work on River: timers, retries and
// outgoing messages are rows in the database, enqueued in the same
// transaction as the state change that causes them, so they survive a crash
// and are never lost or run for a change that was rolled back.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"odnookno/internal/store"
)

func driver(db *store.DB) riverdriver.Driver[*sql.Tx] {
	if db.Dialect == store.Postgres {
		// database/sql driver in poll-only mode: one *sql.Tx type for both
		// engines lets domain code enqueue in its own transaction.
		return riverdatabasesql.New(db.W)
	}
	return riversqlite.New(db.W)
}

// Migrate creates or upgrades River's own tables.
func Migrate(ctx context.Context, db *store.DB) error {
	m, err := rivermigrate.New(driver(db), nil)
	if err != nil {
		return fmt.Errorf("jobs: migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	return nil
}

// Queue inserts jobs. It is an insert-only client, so services can be built
// (and enqueue) before the workers that need those services exist.
type Queue struct {
	client *river.Client[*sql.Tx]
}

// NewQueue returns an insert-only queue on db.
func NewQueue(db *store.DB) (*Queue, error) {
	c, err := river.NewClient(driver(db), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("jobs: queue: %w", err)
	}
	return &Queue{client: c}, nil
}

// InsertTx enqueues args in tx: the job exists exactly when tx commits.
func (q *Queue) InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobRow, error) {
	res, err := q.client.InsertTx(ctx, tx, args, opts)
	if err != nil {
		return nil, fmt.Errorf("jobs: insert %s: %w", args.Kind(), err)
	}
	return res.Job, nil
}

// Options tune the runner; zero values take sensible defaults.
type Options struct {
	// PollInterval is how often idle workers look for jobs (both drivers are
	// poll-only). Default 50ms: an SMS code must leave within a moment of
	// the click that asked for it.
	PollInterval time.Duration
	// RescueStuckJobsAfter returns a job that was running when its process
	// died to the queue after this long. Default 5 minutes; never less than
	// JobTimeout (2 minutes), or a slow job would run twice.
	RescueStuckJobsAfter time.Duration
	// MaxWorkers per queue. Default 20 (PostgreSQL) / 8 (SQLite); most jobs
	// wait on a gateway, not on the database.
	MaxWorkers int
	Periodic   []*river.PeriodicJob
	Logger     *slog.Logger
	// ID identifies this process among several instances.
	ID string
}

const jobTimeout = 2 * time.Minute

// Runner works jobs.
type Runner struct {
	client *river.Client[*sql.Tx]
}

// NewRunner prepares a runner for the registered workers.
func NewRunner(db *store.DB, workers *river.Workers, o Options) (*Runner, error) {
	if o.PollInterval == 0 {
		o.PollInterval = 50 * time.Millisecond
	}
	if o.RescueStuckJobsAfter == 0 {
		o.RescueStuckJobsAfter = 5 * time.Minute
	}
	o.RescueStuckJobsAfter = max(o.RescueStuckJobsAfter, jobTimeout)
	if o.MaxWorkers == 0 {
		o.MaxWorkers = 20
		if db.Dialect == store.SQLite {
			o.MaxWorkers = 8
		}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	cfg := &river.Config{
		FetchPollInterval:    o.PollInterval,
		FetchCooldown:        min(o.PollInterval, 100*time.Millisecond),
		PollOnly:             true,
		RescueStuckJobsAfter: o.RescueStuckJobsAfter,
		JobTimeout:           jobTimeout,
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.MaxWorkers}},
		Workers:              workers,
		PeriodicJobs:         o.Periodic,
		Logger:               o.Logger.With("component", "jobs"),
		ID:                   o.ID,
		// Keep finished jobs for a week so the operator can see what ran.
		CompletedJobRetentionPeriod: 7 * 24 * time.Hour,
	}
	c, err := river.NewClient(driver(db), cfg)
	if err != nil {
		return nil, fmt.Errorf("jobs: runner: %w", err)
	}
	return &Runner{client: c}, nil
}

// Start begins working jobs until Stop.
func (r *Runner) Start(ctx context.Context) error { return r.client.Start(ctx) }

// Stop waits for running jobs to finish, up to ctx's deadline, then cancels
// them; cancelled jobs are retried later.
func (r *Runner) Stop(ctx context.Context) error {
	if err := r.client.Stop(ctx); err != nil {
		return r.client.StopAndCancel(context.Background())
	}
	return nil
}

// Client exposes the River client for subscriptions in tests and for the
// operator's job views.
func (r *Runner) Client() *river.Client[*sql.Tx] { return r.client }

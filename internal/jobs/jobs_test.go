package jobs_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/riverqueue/river"

	"odnookno/internal/jobs"
	"odnookno/internal/store"
	"odnookno/internal/store/storetest"
)

// effects is a table owned by these tests: a state change and the work it
// triggers both leave a row, so a test can see that both happened.
var effects = store.Module{Name: "jobstest", FS: fstest.MapFS{
	"sqlite/00001_effects.sql": {Data: []byte(`-- +goose Up
CREATE TABLE effects (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, note TEXT NOT NULL);`)},
	"postgres/00001_effects.sql": {Data: []byte(`-- +goose Up
CREATE TABLE effects (id BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL, note TEXT NOT NULL);`)},
}}

type effectArgs struct {
	Note string `json:"note"`
}

func (effectArgs) Kind() string { return "test_effect" }

type effectWorker struct {
	river.WorkerDefaults[effectArgs]
	db *store.DB
}

func (w *effectWorker) Work(ctx context.Context, j *river.Job[effectArgs]) error {
	_, err := w.db.W.ExecContext(ctx, "INSERT INTO effects (kind, note) VALUES ('job', $1)", j.Args.Note)
	return err
}

// changeAndEnqueue writes a state row and its job in one transaction.
func changeAndEnqueue(ctx context.Context, db *store.DB, q *jobs.Queue, note string, opts *river.InsertOpts) error {
	return db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO effects (kind, note) VALUES ('state', $1)", note); err != nil {
			return err
		}
		_, err := q.InsertTx(ctx, tx, effectArgs{Note: note}, opts)
		return err
	})
}

func count(t *testing.T, db *store.DB, kind, note string) int {
	t.Helper()
	var n int
	if err := db.R.QueryRow("SELECT COUNT(*) FROM effects WHERE kind = $1 AND note = $2", kind, note).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func startRunner(t *testing.T, db *store.DB, periodic ...*river.PeriodicJob) (*jobs.Runner, <-chan *river.Event) {
	t.Helper()
	workers := river.NewWorkers()
	river.AddWorker(workers, &effectWorker{db: db})
	r, err := jobs.NewRunner(db, workers, jobs.Options{PollInterval: 50 * time.Millisecond, Periodic: periodic})
	if err != nil {
		t.Fatal(err)
	}
	events, cancel := r.Client().Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	t.Cleanup(cancel)
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		_ = r.Stop(ctx)
	})
	return r, events
}

// waitCompleted waits for a completed job carrying note, or fails after d.
func waitCompleted(t *testing.T, events <-chan *river.Event, note string, d time.Duration) {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case ev := <-events:
			if ev.Kind == river.EventKindJobFailed {
				t.Fatalf("job failed: %v", ev.Job.Errors)
			}
			if strings.Contains(string(ev.Job.EncodedArgs), note) {
				return
			}
		case <-timeout:
			t.Fatalf("job %q did not complete within %s", note, d)
		}
	}
}

func TestRollbackEnqueuesNothing(t *testing.T) {
	storetest.Each(t, []store.Module{effects}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		q, err := jobs.NewQueue(db)
		if err != nil {
			t.Fatal(err)
		}
		boom := fmt.Errorf("boom")
		err = db.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := q.InsertTx(ctx, tx, effectArgs{Note: "rolled-back"}, nil); err != nil {
				return err
			}
			return boom
		})
		if err != boom {
			t.Fatalf("got %v", err)
		}
		var n int
		if err := db.R.QueryRow("SELECT COUNT(*) FROM river_job").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("a rolled-back transaction left %d jobs", n)
		}
	})
}

func TestScheduledAndPeriodicJobs(t *testing.T) {
	storetest.Each(t, []store.Module{effects}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		q, err := jobs.NewQueue(db)
		if err != nil {
			t.Fatal(err)
		}
		at := time.Now().Add(1500 * time.Millisecond)
		if err := changeAndEnqueue(ctx, db, q, "scheduled", &river.InsertOpts{ScheduledAt: at}); err != nil {
			t.Fatal(err)
		}
		periodic := river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
			return effectArgs{Note: "periodic"}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true})
		_, events := startRunner(t, db, periodic)
		deadline := time.After(30 * time.Second)
		seen := map[string]time.Time{}
		for len(seen) < 2 {
			select {
			case ev := <-events:
				var a effectArgs
				_ = jsonUnmarshal(ev.Job.EncodedArgs, &a)
				seen[a.Note] = time.Now()
			case <-deadline:
				t.Fatalf("jobs did not run: saw %v", seen)
			}
		}
		if got := seen["scheduled"]; got.Before(at) {
			t.Fatalf("scheduled job ran at %s, before its time %s", got, at)
		}
		if count(t, db, "job", "periodic") != 1 || count(t, db, "job", "scheduled") != 1 {
			t.Fatal("each job must leave exactly one effect")
		}
	})
}

// TestJobSurvivesKill enqueues a job in a child process, kills it with
// SIGKILL before the job can run, and shows the job runs after a restart.
func TestJobSurvivesKill(t *testing.T) {
	for _, d := range storetest.Engines {
		t.Run(string(d), func(t *testing.T) {
			dsn := storetest.NewDSN(t, d)
			db, err := store.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := store.Migrate(context.Background(), db, []store.MigrateFunc{jobs.Migrate}, effects); err != nil {
				t.Fatal(err)
			}

			cmd := exec.Command(os.Args[0], "-test.run=^TestChildEnqueue$", "-test.v")
			cmd.Env = append(os.Environ(), "JOBS_CHILD_DSN="+dsn)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			ready := make(chan bool, 1)
			go func() {
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					if sc.Text() == "ENQUEUED" {
						ready <- true
						return
					}
				}
				ready <- false
			}()
			select {
			case ok := <-ready:
				if !ok {
					t.Fatal("child ended without enqueuing")
				}
			case <-time.After(60 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatal("child did not enqueue in time")
			}
			if err := cmd.Process.Kill(); err != nil { // SIGKILL: no cleanup runs
				t.Fatal(err)
			}
			_ = cmd.Wait()

			if count(t, db, "state", "survivor") != 1 {
				t.Fatal("the state change did not commit")
			}
			if count(t, db, "job", "survivor") != 0 {
				t.Fatal("the job ran before the kill; the test proves nothing")
			}
			_, events := startRunner(t, db)
			waitCompleted(t, events, "survivor", 30*time.Second)
			if count(t, db, "job", "survivor") != 1 {
				t.Fatal("the job must run exactly once after restart")
			}
		})
	}
}

// TestChildEnqueue is the child half of TestJobSurvivesKill; it does nothing
// unless started by it.
func TestChildEnqueue(t *testing.T) {
	dsn := os.Getenv("JOBS_CHILD_DSN")
	if dsn == "" {
		t.Skip("child process only")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	q, err := jobs.NewQueue(db)
	if err != nil {
		t.Fatal(err)
	}
	// Scheduled a little ahead so the child is killed before anyone works it.
	if err := changeAndEnqueue(ctx, db, q, "survivor", &river.InsertOpts{ScheduledAt: time.Now().Add(2 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	fmt.Println("ENQUEUED")
	select {} // wait for SIGKILL
}

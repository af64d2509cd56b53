package notify_test

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"odnookno/internal/jobs"
	"odnookno/internal/notify"
	"odnookno/internal/store"
	"odnookno/internal/store/storetest"
)

var modules = []store.Module{notify.Module}

var testKey = bytes.Repeat([]byte{7}, notify.KeySize)

// logBuffer collects every log line of a test (ours, the senders', the
// job runner's) so a test can prove no secret reached any of them.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newLogger(b *logBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type fixture struct {
	db     *store.DB
	q      *jobs.Queue
	svc    *notify.Service
	logs   *logBuffer
	events <-chan *river.Event
	runner *jobs.Runner
}

// setup returns a service on db with test defaults (tiny backoff, a
// captured log) over which o's non-zero fields win.
func setup(t testing.TB, db *store.DB, o notify.Options) *fixture {
	t.Helper()
	q, err := jobs.NewQueue(db)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, q: q, logs: &logBuffer{}}
	if o.Key == nil {
		o.Key = testKey
	}
	if o.Logger == nil {
		o.Logger = newLogger(f.logs)
	}
	if o.RetryBase == 0 {
		o.RetryBase = 10 * time.Millisecond
	}
	if o.RetryMax == 0 {
		o.RetryMax = 50 * time.Millisecond
	}
	f.svc, err = notify.New(db, q, o)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// start runs the delivery worker and subscribes to job outcomes.
func (f *fixture) start(t testing.TB, maxWorkers int) {
	t.Helper()
	workers := river.NewWorkers()
	f.svc.Register(workers)
	r, err := jobs.NewRunner(f.db, workers, jobs.Options{
		PollInterval: 20 * time.Millisecond,
		MaxWorkers:   maxWorkers,
		Logger:       newLogger(f.logs),
	})
	if err != nil {
		t.Fatal(err)
	}
	events, cancel := r.Client().SubscribeConfig(&river.SubscribeConfig{
		ChanSize: 100_000,
		Kinds: []river.EventKind{river.EventKindJobCompleted, river.EventKindJobFailed,
			river.EventKindJobCancelled},
	})
	t.Cleanup(cancel)
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		_ = r.Stop(ctx)
	})
	f.events, f.runner = events, r
}

// waitDone waits until n delivery jobs completed; a cancelled job (a
// message failed for good) fails the test. Failed attempts are passed to
// onFail, if set.
func (f *fixture) waitDone(t testing.TB, n int, d time.Duration, onFail func(*river.Event)) {
	t.Helper()
	timeout := time.After(d)
	for done := 0; done < n; {
		select {
		case ev := <-f.events:
			switch ev.Kind {
			case river.EventKindJobCompleted:
				done++
			case river.EventKindJobCancelled:
				t.Fatalf("delivery cancelled: %v", ev.Job.Errors)
			case river.EventKindJobFailed:
				if onFail != nil {
					onFail(ev)
				}
			}
		case <-timeout:
			t.Fatalf("only %d of %d deliveries completed within %s", done, n, d)
		}
	}
}

// waitEvent waits for the first event of kind.
func (f *fixture) waitEvent(t testing.TB, kind river.EventKind, d time.Duration) *river.Event {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case ev := <-f.events:
			if ev.Kind == kind {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event within %s", kind, d)
			return nil
		}
	}
}

func (f *fixture) enqueue(t testing.TB, m notify.Message) int64 {
	t.Helper()
	var id int64
	err := f.db.Tx(context.Background(), func(tx *sql.Tx) error {
		var err error
		id, err = f.svc.EnqueueTx(context.Background(), tx, m)
		return err
	})
	if err != nil {
		t.Fatalf("enqueue %s: %v", m.Kind, err)
	}
	return id
}

func (f *fixture) get(t testing.TB, id int64) notify.Record {
	t.Helper()
	r, err := f.svc.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func count(t testing.TB, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.R.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	storetest.Each(t, modules, fn)
}

// smsCode builds the usual verify-phone message with a given code.
func smsCode(phone, code string) notify.Message {
	return notify.Message{
		Channel: notify.ChannelSMS, To: phone, Kind: notify.KindVerifyPhone,
		Params: map[string]any{"code": code, "minutes": 10}, Secret: []string{"code"},
	}
}

package notify_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"odnookno/internal/notify"
	"odnookno/internal/store"
	"odnookno/internal/store/storetest"
)

// BenchmarkOutbox measures the outbox end to end: b.N SMS messages, each
// enqueued in its own transaction by one of producers concurrent callers
// (as web requests would), delivered by the job runner to a sender that
// does nothing, until every message is marked sent. msgs/s is that whole
// path; enqueued/s is the write side alone (measured while deliveries
// compete for the database).
//
// Delivery is bounded by the runner: River fetches at most MaxWorkers jobs
// per fetch cooldown (the poll interval, here 20ms, at most 100ms), so the
// runner's default worker count is measured beside a larger one.
//
//	go test -run '^$' -bench Outbox -benchtime 2000x ./internal/notify/
func BenchmarkOutbox(b *testing.B) {
	const producers = 4
	for _, d := range storetest.Engines {
		b.Run(string(d), func(b *testing.B) {
			for _, workers := range []int{0, 32} {
				name := fmt.Sprintf("workers=%d", workers)
				if workers == 0 {
					name = "workers=default"
				}
				b.Run(name, func(b *testing.B) { benchOutbox(b, d, workers, producers) })
			}
		})
	}
}

func benchOutbox(b *testing.B, d store.Dialect, workers, producers int) {
	db := storetest.Open(b, d, modules...)
	var sent atomic.Int64
	f := setup(b, db, notify.Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		SMS: notify.SMSFunc(func(context.Context, notify.SMS) error {
			sent.Add(1)
			return nil
		}),
	})
	f.start(b, workers)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, producers)
	for range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				err := db.Tx(ctx, func(tx *sql.Tx) error {
					_, err := f.svc.EnqueueTx(ctx, tx, smsCode(phone, fmt.Sprintf("%06d", i%1_000_000)))
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	enqueued := time.Since(start)
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
	timeout := time.After(5 * time.Minute)
	for done := 0; done < b.N; {
		select {
		case ev := <-f.events:
			if ev.Kind == river.EventKindJobCompleted {
				done++
			}
		case <-timeout:
			b.Fatalf("%d of %d delivered in 5 minutes", done, b.N)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if sent.Load() != int64(b.N) {
		b.Fatalf("sender called %d times for %d messages", sent.Load(), b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(b.N)/enqueued.Seconds(), "enqueued/s")
}

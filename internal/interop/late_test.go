package interop_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"odnookno/internal/audit"
	"odnookno/internal/fault"
	"odnookno/internal/interop"
	"odnookno/internal/store"
)

// TestLateRequests: past the answer term an open request is marked late
// once and its officer is told, with the СМДО route offered; it stays open
// and an answer arriving later is still attached (marked late).
func TestLateRequests(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		sim, url := f.sim(t, nil)
		f.seed(t, url)
		f.grant(t, "mvd", "person")
		sim.SetDown(true)

		slow, err := f.svc.Send(ctx, f.officer, f.spec("mvd", "2026-0400", "3270287A012PB2"))
		if err != nil {
			t.Fatal(err)
		}
		rerouted, err := f.svc.Send(ctx, f.officer, f.spec("mvd", "2026-0401", "3270287A012PB2"))
		if err != nil {
			t.Fatal(err)
		}
		manual := f.spec("mvd", "2026-0402", "3270287A012PB2")
		manual.Channel = interop.ChannelManual
		done, err := f.svc.Send(ctx, f.officer, manual)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RecordManual(ctx, f.officer, interop.ManualAnswer{CorrelationID: done.CorrelationID, Text: "получено"}); err != nil {
			t.Fatal(err)
		}

		// Within the term nothing is late.
		if n, err := f.svc.MarkLate(ctx); err != nil || n != 0 {
			t.Fatalf("marked %d within the term: %v", n, err)
		}
		f.clock.advance(slow.DueAt.Sub(f.clock.now()) - time.Minute)
		if n, _ := f.svc.MarkLate(ctx); n != 0 {
			t.Fatalf("marked %d a minute before the term ends", n)
		}
		f.clock.advance(2 * time.Minute)
		if n, err := f.svc.MarkLate(ctx); err != nil || n != 2 {
			t.Fatalf("marked %d past the term: %v", n, err)
		}
		if n, _ := f.svc.MarkLate(ctx); n != 0 {
			t.Fatalf("marked %d again", n)
		}
		for _, id := range []string{slow.CorrelationID, rerouted.CorrelationID} {
			r, _ := f.svc.Request(ctx, id)
			if r.State != interop.StateLate || !r.WasLate || !r.Open() {
				t.Fatalf("late request: %+v", r)
			}
		}
		if r, _ := f.svc.Request(ctx, done.CorrelationID); r.State != interop.StateAnswered || r.WasLate {
			t.Fatalf("an answered request became late: %+v", r)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM test_mails WHERE recipient = 'ivanova@minsk.test' AND kind = $1 AND params LIKE '%\"smdo_offered\":true%'", interop.MailLate); n != 2 {
			t.Fatalf("%d late notices offering СМДО", n)
		}
		if recs, _ := f.audit.List(ctx, audit.Query{ActionLike: "interop.request_late"}); len(recs) != 2 {
			t.Fatalf("late audit: %d", len(recs))
		}

		// The officer takes the СМДО route for one; the integration stops
		// trying it, and its term starts again.
		if _, err := f.svc.SendViaSMDO(ctx, f.outsider, rerouted.CorrelationID); !errors.Is(err, fault.Forbidden) {
			t.Fatalf("an outsider rerouted: %v", err)
		}
		r2, err := f.svc.SendViaSMDO(ctx, f.officer, rerouted.CorrelationID)
		if err != nil || r2.Channel != interop.ChannelSMDO || r2.State != interop.StateSMDOPending || !r2.DueAt.After(f.clock.now()) ||
			r2.CorrelationID != rerouted.CorrelationID || r2.DocumentCode == "" {
			t.Fatalf("rerouted: %+v %v", r2, err)
		}
		if _, err := f.svc.SendViaSMDO(ctx, f.officer, rerouted.CorrelationID); !errors.Is(err, fault.Conflict) {
			t.Fatalf("rerouted twice: %v", err)
		}

		// The resource comes back: the late request is answered, late.
		sim.SetDown(false)
		events := f.runner(t)
		finished := map[string]bool{}
		waitEvents(t, events, 30*time.Second, func(ev *river.Event) bool {
			for _, id := range []string{slow.CorrelationID, rerouted.CorrelationID} {
				if ev.Kind == river.EventKindJobCompleted && strings.Contains(string(ev.Job.EncodedArgs), id) {
					finished[id] = true
				}
			}
			return len(finished) == 2
		})
		if r, _ := f.svc.Request(ctx, slow.CorrelationID); r.State != interop.StateAnswered || !r.WasLate {
			t.Fatalf("late answer: %+v", r)
		}
		var late bool
		if err := db.R.QueryRow("SELECT late FROM test_answers WHERE correlation_id = $1", slow.CorrelationID).Scan(&late); err != nil || !late {
			t.Fatalf("attached late=%v: %v", late, err)
		}
		if r, _ := f.svc.Request(ctx, rerouted.CorrelationID); r.State != interop.StateSMDOPending {
			t.Fatalf("the integration answered a rerouted request: %+v", r)
		}
		if st := sim.Stats(); st.Unique != 1 {
			t.Fatalf("the resource answered %d requests; only the one left on the integration goes", st.Unique)
		}
	})
}

package interop_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"odnookno/internal/fault"
	"odnookno/internal/interop"
	"odnookno/internal/store"
)

func TestArchiveSearch(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		f.seed(t, "")
		send := func(caseNumber, channel string) interop.Request {
			s := f.spec("mvd", caseNumber, "3270287A012PB2")
			s.Channel = channel
			r, err := f.svc.Send(ctx, f.officer, s)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		a1 := send("2026-0500", interop.ChannelSMDO)
		a2 := send("2026-0500", interop.ChannelManual)
		b1 := send("2026-0501", interop.ChannelSMDO)
		if _, err := f.svc.RecordManual(ctx, f.officer, interop.ManualAnswer{CorrelationID: a2.CorrelationID, Text: "получено"}); err != nil {
			t.Fatal(err)
		}

		byCase, err := f.svc.Archive(ctx, interop.Query{CaseNumber: "2026-0500"})
		if err != nil || len(byCase) != 2 {
			t.Fatalf("by case: %d %v", len(byCase), err)
		}
		for _, m := range byCase {
			if m.CaseNumber != "2026-0500" || !m.Intact() {
				t.Fatalf("by case: %+v", m)
			}
		}
		if byCase[0].ID > byCase[1].ID {
			t.Fatal("archive pages are oldest first")
		}
		byID, _ := f.svc.Archive(ctx, interop.Query{CorrelationID: b1.CorrelationID})
		if len(byID) != 1 || byID[0].CorrelationID != b1.CorrelationID || byID[0].CaseNumber != "2026-0501" {
			t.Fatalf("by correlation ID: %+v", byID)
		}
		if got, _ := f.svc.Archive(ctx, interop.Query{CaseNumber: "2026-0500", Direction: interop.DirectionAnswer}); len(got) != 1 || got[0].CorrelationID != a2.CorrelationID {
			t.Fatalf("answers of the case: %+v", got)
		}
		if got, _ := f.svc.Archive(ctx, interop.Query{CorrelationID: a1.CorrelationID, CaseNumber: "2026-0501"}); len(got) != 0 {
			t.Fatalf("both filters apply: %+v", got)
		}
		if _, err := f.svc.Archive(ctx, interop.Query{}); !errors.Is(err, fault.Invalid) {
			t.Fatalf("an unbounded search: %v", err)
		}
		// The message log cannot be edited or pruned, even by SQL.
		if _, err := db.W.Exec("UPDATE interop_messages SET body = $1", []byte("forged")); err == nil {
			t.Fatal("an archived message was changed")
		}
		if _, err := db.W.Exec("DELETE FROM interop_messages"); err == nil {
			t.Fatal("an archived message was deleted")
		}
		if got, _ := f.svc.Archive(ctx, interop.Query{CaseNumber: "2026-0500"}); len(got) != 2 || !got[0].Intact() {
			t.Fatal("the archive changed")
		}
	})
}

func TestStats(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		start := f.clock.now().Add(-time.Second)
		_, url := f.sim(t, nil)
		_, tampered := f.sim(t, tamper)
		f.seed(t, url)
		f.setEndpoint(t, "residence", tampered)
		f.grant(t, "mvd", "person")
		f.grant(t, "residence", "address")
		events := f.runner(t)
		for i := range 3 {
			if _, err := f.svc.Send(ctx, f.officer, f.spec("mvd", "2026-060"+string(rune('0'+i)), "3270287A012PB2")); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.Send(ctx, f.officer, f.spec("residence", "2026-0610", "3270287A012PB2")); err != nil {
			t.Fatal(err)
		}
		n := 0
		waitEvents(t, events, 30*time.Second, func(ev *river.Event) bool {
			if ev.Kind != river.EventKindJobFailed {
				n++
			}
			return n == 4
		})
		s := f.spec("mvd", "2026-0620", "3270287A012PB2")
		s.Channel = interop.ChannelSMDO
		if _, err := f.svc.Send(ctx, f.officer, s); err != nil {
			t.Fatal(err)
		}
		f.clock.advance(30 * 24 * time.Hour)
		if n, err := f.svc.MarkLate(ctx); err != nil || n != 1 {
			t.Fatalf("late: %d %v", n, err)
		}

		stats, err := f.svc.Stats(ctx, start)
		if err != nil || len(stats) != 3 {
			t.Fatalf("stats: %+v %v", stats, err)
		}
		mvd, property, gai := stats[0], stats[1], stats[2]
		if property.Resource != "property" || property.Requests != 0 || !math.IsNaN(property.SuccessRate) {
			t.Fatalf("property: %+v", property)
		}
		if mvd.Resource != "mvd" || mvd.Service != "person" || mvd.Requests != 4 || mvd.Answered != 3 || mvd.Failed != 0 ||
			mvd.Open != 1 || mvd.SuccessRate != 1 || mvd.Late != 1 || mvd.LastError != "" {
			t.Fatalf("mvd: %+v", mvd)
		}
		rs, _ := f.svc.Requests(ctx, interop.RequestQuery{Resource: "mvd", State: interop.StateAnswered})
		var lat []time.Duration
		for _, r := range rs {
			lat = append(lat, r.AnsweredAt.Sub(r.SentAt))
		}
		slices.Sort(lat)
		if len(lat) != 3 || mvd.P50 != lat[1] || mvd.P95 != lat[2] || mvd.P50 <= 0 {
			t.Fatalf("latency p50 %s p95 %s, answered after %v", mvd.P50, mvd.P95, lat)
		}
		if gai.Resource != "residence" || gai.Requests != 1 || gai.Failed != 1 || gai.SuccessRate != 0 || gai.LastError == "" ||
			gai.LastErrorAt.IsZero() || gai.P50 != 0 {
			t.Fatalf("gai: %+v", gai)
		}
		// A window with no requests still lists every service.
		empty, err := f.svc.Stats(ctx, f.clock.now().Add(time.Hour))
		if err != nil || len(empty) != 3 || empty[0].Requests != 0 || !math.IsNaN(empty[0].SuccessRate) {
			t.Fatalf("empty window: %+v %v", empty, err)
		}
	})
}

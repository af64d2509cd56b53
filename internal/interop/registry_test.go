package interop_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"odnookno/internal/audit"
	"odnookno/internal/fault"
	"odnookno/internal/interop"
	"odnookno/internal/jobs"
	"odnookno/internal/org"
	"odnookno/internal/store"
)

func TestRegistry(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		op := f.operator.Actor(org.RoleOperator)
		rs, err := f.svc.Seed(ctx, interop.SeedConfig{BaseURL: "http://127.0.0.1:8095", BindSigners: true, Actor: op})
		if err != nil || len(rs) != 3 {
			t.Fatalf("seed: %+v %v", rs, err)
		}
		audited := count(t, db, "SELECT COUNT(*) FROM audit_log WHERE action = 'interop.resource.save'")
		if _, err := f.svc.Seed(ctx, interop.SeedConfig{BaseURL: "http://elsewhere", Actor: op}); err != nil {
			t.Fatal(err)
		}
		if again := count(t, db, "SELECT COUNT(*) FROM audit_log WHERE action = 'interop.resource.save'"); again != audited {
			t.Fatal("seeding again changed something")
		}
		all, err := f.svc.Resources(ctx)
		if err != nil || len(all) != 3 || all[0].Code != "mvd" || all[1].Code != "property" || all[2].Code != "residence" {
			t.Fatalf("resources: %+v %v", all, err)
		}
		mvd := all[0]
		sv, ok := mvd.Service("person")
		if !ok || mvd.Endpoint != "http://127.0.0.1:8095/" || mvd.SignerOU != "mvd" || mvd.AnswerDays != 1 ||
			len(sv.Input) != 1 || !sv.Input[0].Required || len(sv.Output) == 0 || sv.FullCode() != "mvd/person" {
			t.Fatalf("mvd: %+v", mvd)
		}
		for res, want := range map[string]string{"mvd": "mvd", "residence": "mvd", "property": "nka"} {
			if got, err := f.svc.OwnerOf(ctx, res); err != nil || got != want {
				t.Fatalf("owner of %s: %q %v", res, got, err)
			}
		}
		if _, err := f.svc.OwnerOf(ctx, "nope"); !errors.Is(err, fault.NotFound) {
			t.Fatalf("owner of an unknown resource: %v", err)
		}

		for _, tc := range []struct {
			name string
			edit func(*interop.Resource)
			want string
		}{
			{"bad code", func(r *interop.Resource) { r.Code = "Bad Code" }, "code"},
			{"unknown owner", func(r *interop.Resource) { r.OwnerBody = "ghost" }, "owner_body"},
			{"not a URL", func(r *interop.Resource) { r.Endpoint = "ftp://x" }, "endpoint"},
			{"no term", func(r *interop.Resource) { r.AnswerDays = 0 }, "answer_days"},
			{"no Belarusian name", func(r *interop.Resource) { r.NameBE = "" }, "name_be"},
			{"bad status", func(r *interop.Resource) { r.Status = "broken" }, "status"},
			{"a field twice", func(r *interop.Resource) {
				r.Services = []interop.ResourceService{{Code: "x", NameRU: "x", NameBE: "x", Input: []interop.Field{{Name: "pin"}, {Name: "pin"}}}}
			}, "fields"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := mvd
				r.Services = nil
				tc.edit(&r)
				_, err := f.svc.SaveResource(ctx, r, op)
				var fe *fault.Error
				if !errors.As(err, &fe) || len(fe.Fields) == 0 || fe.Fields[0].Field != tc.want {
					t.Fatalf("got %v, want a problem with %s", err, tc.want)
				}
			})
		}

		// The answer term is configurable; the status suspends the integration.
		mvd.AnswerDays = 5
		if got, err := f.svc.SaveResource(ctx, mvd, op); err != nil || got.AnswerDays != 5 || len(got.Services) != 1 {
			t.Fatalf("update: %+v %v", got, err)
		}
		if err := f.svc.SetResourceStatus(ctx, "mvd", interop.ResourceSuspended, op); err != nil {
			t.Fatal(err)
		}
		if r, _ := f.svc.Resource(ctx, "mvd"); r.Status != interop.ResourceSuspended {
			t.Fatalf("status: %s", r.Status)
		}
		if err := f.svc.SetResourceStatus(ctx, "ghost", interop.ResourceActive, op); !errors.Is(err, fault.NotFound) {
			t.Fatalf("unknown resource: %v", err)
		}
		if recs, _ := f.audit.List(ctx, audit.Query{ActionLike: "interop.resource.status"}); len(recs) != 1 || recs[0].Actor.ID != op.ID {
			t.Fatalf("status audit: %+v", recs)
		}
	})
}

// TestPeriodicLateCheck: the job runner checks answer terms by itself.
func TestPeriodicLateCheck(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		f.seed(t, "")
		s := f.spec("mvd", "2026-0700", "3270287A012PB2")
		s.Channel = interop.ChannelSMDO
		r, err := f.svc.Send(ctx, f.officer, s)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.advance(30 * 24 * time.Hour)
		workers := river.NewWorkers()
		f.svc.Register(workers)
		runner, err := jobs.NewRunner(db, workers, jobs.Options{PollInterval: 20 * time.Millisecond, Periodic: f.svc.Periodic()})
		if err != nil {
			t.Fatal(err)
		}
		events, cancel := runner.Client().Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
		defer cancel()
		if err := runner.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			c, done := context.WithTimeout(context.Background(), 10*time.Second)
			defer done()
			_ = runner.Stop(c)
		})
		timeout := time.After(30 * time.Second)
		for {
			select {
			case ev := <-events:
				if ev.Job.Kind != "interop_mark_late" {
					continue
				}
				if ev.Kind != river.EventKindJobCompleted {
					t.Fatalf("late check: %v", ev.Job.Errors)
				}
				if got, _ := f.svc.Request(ctx, r.CorrelationID); got.State != interop.StateLate {
					t.Fatalf("after the check: %+v", got)
				}
				return
			case <-timeout:
				t.Fatal("the late check did not run")
			}
		}
	})
}

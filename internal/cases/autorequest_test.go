package cases_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"odnookno/internal/cases"
	"odnookno/internal/fault"
)

// TestAutoRequests: the registration hook's requests are recorded with the
// registration, the extended term applies at once, and answers that come
// back before anyone took the case are attached to it.
func TestAutoRequests(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		var seen cases.Application
		f.svc.SetOnRegistered(func(ctx context.Context, tx *sql.Tx, app cases.Application) ([]cases.InfoRequest, error) {
			seen = app
			return []cases.InfoRequest{
				{Addressee: "residence", Subject: "address", Channel: cases.RequestResource, ExternalRef: "corr-1"},
				{Addressee: "property", Subject: "realty", Channel: cases.RequestResource, ExternalRef: "corr-2"},
			}, nil
		})
		app := f.submitted(true)
		if seen.RegNumber == "" || seen.ID != app.ID {
			t.Fatalf("the hook saw %+v, want the numbered application", seen)
		}
		if app.Status != cases.Registered || !app.Deadline.Extended {
			t.Fatalf("status %s, extended %v", app.Status, app.Deadline.Extended)
		}
		v, err := f.svc.Get(ctx, officer, app.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Requests) != 2 || v.Requests[0].ExternalRef != "corr-1" {
			t.Fatalf("requests %+v", v.Requests)
		}
		answer := func(ref string) (cases.Application, error) {
			var out cases.Application
			err := f.db.Tx(ctx, func(tx *sql.Tx) error {
				var err error
				out, err = f.svc.RecordResourceAnswer(ctx, tx, app.ID, cases.ResourceAnswer{Ref: ref, Text: "Зарегистрирован: Минск, ул. Ленина, 1"})
				return err
			})
			return out, err
		}
		got, err := answer("corr-1")
		if err != nil || got.Status != cases.Registered {
			t.Fatalf("answer in registered: %v %s", err, got.Status)
		}
		// Twice is once.
		again, err := answer("corr-1")
		if err != nil || again.Version != got.Version {
			t.Fatalf("repeated answer: %v, version %d → %d", err, got.Version, again.Version)
		}

		// The officer takes the case, sends one more request through
		// another service; its answer and the outstanding one move the
		// case back to the officer.
		app = f.must(f.svc.Assign(ctx, officer, got.ID, got.Version, 0))
		app = f.must(f.svc.RequestInfoWith(ctx, officer, app.ID, app.Version, func(ctx context.Context, tx *sql.Tx, a cases.Application) ([]cases.InfoRequest, error) {
			return []cases.InfoRequest{{Addressee: "mvd", Subject: "person", Channel: cases.RequestResource, ExternalRef: "corr-3"}}, nil
		}))
		if app.Status != cases.AwaitingAnswers {
			t.Fatalf("after request_info: %s", app.Status)
		}
		if got, err = answer("corr-3"); err != nil || got.Status != cases.AwaitingAnswers {
			t.Fatalf("one of two answers: %v %s", err, got.Status)
		}
		if got, err = answer("corr-2"); err != nil || got.Status != cases.InProgress {
			t.Fatalf("last answer: %v %s", err, got.Status)
		}
		a, _, to := f.lastEvent("application", app.ID)
		if a != string(cases.ActAnswersReceived) || to != string(cases.InProgress) {
			t.Fatalf("last event %s → %s", a, to)
		}
		// A sender's error changes nothing.
		boom := errors.New("boom")
		_, err = f.svc.RequestInfoWith(ctx, officer, got.ID, got.Version, func(context.Context, *sql.Tx, cases.Application) ([]cases.InfoRequest, error) {
			return nil, boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("sender error: %v", err)
		}
		// A decided case takes no answers.
		done := f.reach(cases.Withdrawn, false)
		err = f.db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := f.svc.RecordResourceAnswer(ctx, tx, done.ID, cases.ResourceAnswer{Ref: "x", Text: "поздно"})
			return err
		})
		wantFault(t, err, fault.Conflict, cases.CodeTransitionForbidden)
	})
}

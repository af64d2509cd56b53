package cases_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"odnookno/internal/cases"
	"odnookno/internal/fault"
)

// TestOptimisticLock: two officers act on the same version at once; one
// wins, the other is told the case changed, and only one change is stored.
func TestOptimisticLock(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		app := f.submitted(true)
		app = f.must(f.svc.Assign(ctx, officer, app.ID, app.Version, 0))
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, a := range []cases.Actor{officer, head} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if i == 0 {
					_, errs[i] = f.svc.Suspend(ctx, a, app.ID, app.Version, "Нужны сведения")
				} else {
					_, errs[i] = f.svc.DraftDecision(ctx, a, app.ID, app.Version, f.decision(true))
				}
			}()
		}
		close(start)
		wg.Wait()
		var ok, stale int
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, fault.Conflict):
				wantFault(t, err, fault.Conflict, cases.CodeStale)
				stale++
			default:
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if ok != 1 || stale != 1 {
			t.Fatalf("ok=%d stale=%d, want one of each", ok, stale)
		}
		v, err := f.svc.Get(ctx, head, app.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Application.Version != app.Version+1 {
			t.Fatalf("version %d, want %d: both changes were applied", v.Application.Version, app.Version+1)
		}
		// A stale version is refused even without a race.
		_, err = f.svc.AddNote(ctx, officer, app.ID, app.Version, "поздно")
		wantFault(t, err, fault.Conflict, cases.CodeStale)
	})
}

// TestRegistrationNumbers: concurrent registrations get distinct numbers
// with no gaps; a rolled-back registration gives its number back; each
// body and each year counts on its own.
func TestRegistrationNumbers(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		const n = 12
		intake := func(a cases.Actor) (cases.Application, error) {
			return f.svc.RegisterIntake(ctx, a, cases.Intake{ProcedureID: procPaper, Channel: cases.ChannelOral,
				Applicant: cases.Applicant{Surname: "Петрова", Name: "Мария", BirthDate: "1980-05-01", IDDocType: "паспорт", IDDocNo: "MP1234567",
					Phone: "+375297654321"}})
		}
		// Half are online submissions registered by the system in the
		// submitting transaction (two steps in one transaction), half are
		// front-office intakes, all for the same body at once.
		drafts := make([]cases.Application, n/2)
		for i := range drafts {
			d := f.draft(procOnline)
			drafts[i] = f.must(f.svc.Attach(ctx, citizen, d.ID, d.Version, cases.Upload{DocCode: "passport", Name: "p.pdf",
				Body: bytes.NewReader(pdfBytes(fmt.Sprint("c", i)))}))
		}
		var wg sync.WaitGroup
		numbers := make([]string, n)
		errs := make([]error, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				var app cases.Application
				var err error
				if i%2 == 0 {
					d := drafts[i/2]
					app, err = f.svc.Submit(ctx, citizen, d.ID, d.Version)
				} else {
					app, err = intake(registrar)
				}
				numbers[i], errs[i] = app.RegNumber, err
			}()
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		slices.Sort(numbers)
		for i, got := range numbers {
			if want := fmt.Sprintf("MINSK-OO-2026-%06d", i+1); got != want {
				t.Fatalf("numbers %v: want %s at %d", numbers, want, i)
			}
		}
		// A registration that fails after taking its number gives it back.
		f.notif.fail = true
		if _, err := intake(registrar); err == nil {
			t.Fatal("registration with a failing notifier succeeded")
		}
		f.notif.fail = false
		app, err := intake(registrar)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("MINSK-OO-2026-%06d", n+1); app.RegNumber != want {
			t.Fatalf("after a rollback got %s, want %s", app.RegNumber, want)
		}
		if f.count("SELECT COUNT(*) FROM case_documents WHERE purpose = 'receipt'") != n+1 {
			t.Fatal("a rolled-back registration left its receipt")
		}
		// A new year starts a new sequence.
		f.clock.Set(at(2027, time.January, 4))
		app, err = intake(registrar)
		if err != nil {
			t.Fatal(err)
		}
		if app.RegNumber != "MINSK-OO-2027-000001" {
			t.Fatalf("first number of 2027: %s", app.RegNumber)
		}
		// Online applications of another body count for that body.
		f.clock.Set(at(2026, time.March, 3))
		d, err := f.svc.CreateDraft(ctx, citizen, cases.NewDraft{ProcedureID: procOnline, BodyCode: "GRODNO-OO",
			Applicant: cases.Applicant{Surname: "Иванов", Name: "Иван"}})
		if err != nil {
			t.Fatal(err)
		}
		d = f.must(f.svc.Attach(ctx, citizen, d.ID, d.Version, cases.Upload{DocCode: "passport", Name: "p.pdf", Body: bytes.NewReader(pdfBytes("g"))}))
		d = f.must(f.svc.Submit(ctx, citizen, d.ID, d.Version))
		if d.RegNumber != "GRODNO-OO-2026-000001" {
			t.Fatalf("first number of another body: %s", d.RegNumber)
		}
	})
}

package cases_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"odnookno/internal/calendar"
	"odnookno/internal/cases"
	"odnookno/internal/fault"
	"odnookno/internal/store"
)

// TestDueDates computes the due date of each kind of term from the
// registration date (Monday 2 March 2026) on the national calendar.
func TestDueDates(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		for _, tc := range []struct {
			term, due string
		}{
			{"в день обращения", "2026-03-02"},
			{"15 дней", "2026-03-17"},        // 2 March + 15 = Tuesday 17 March
			{"5 рабочих дней", "2026-03-09"}, // Tue–Fri and Monday; 8 March is a Sunday
			{"1 месяц", "2026-04-02"},
			{"10 дней", "2026-03-12"},
			{"19 дней", "2026-03-23"}, // 21 March is a Saturday: moved to Monday 23 March
		} {
			t.Run(tc.term, func(t *testing.T) {
				f.t = t
				reg := f.regs.m[procPaper]
				reg.Term = term(tc.term)
				f.regs.m[procPaper] = reg
				app, err := f.svc.RegisterIntake(ctx, registrar, cases.Intake{ProcedureID: procPaper, Channel: cases.ChannelWritten,
					Applicant: cases.Applicant{CitizenID: "42", UID: "3140583A001PB1", Surname: "Иванов", Name: "Иван"}})
				if err != nil {
					t.Fatal(err)
				}
				if app.RegDate != "2026-03-02" || app.DueDate != tc.due {
					t.Fatalf("registered %s, due %s; want due %s", app.RegDate, app.DueDate, tc.due)
				}
				lines, err := f.svc.Explain(ctx, app.Deadline, "ru")
				if err != nil {
					t.Fatal(err)
				}
				if last := lines[len(lines)-1]; !strings.Contains(last, tc.due) {
					t.Fatalf("explanation ends %q, want the due date %s", last, tc.due)
				}
			})
		}
	})
}

// TestExtendedTerm: sending requests to other bodies switches to the
// regulation's extended term counted from the registration date, and the
// date says why.
func TestExtendedTerm(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		app := f.submitted(true) // 15 days: 17 March
		if app.DueDate != "2026-03-17" {
			t.Fatalf("due %s", app.DueDate)
		}
		app = f.must(f.svc.Assign(ctx, officer, app.ID, app.Version, 0))
		f.clock.Set(at(2026, time.March, 5))
		app = f.must(f.svc.RequestInfo(ctx, officer, app.ID, app.Version, []cases.InfoRequest{{Addressee: "МВД", Subject: "Регистрация"}}))
		if app.DueDate != "2026-04-02" || !app.Deadline.Extended {
			t.Fatalf("extended due %s (%+v), want 2026-04-02 (1 month from 2 March)", app.DueDate, app.Deadline)
		}
		lines, err := f.svc.Explain(ctx, app.Deadline, "ru")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(lines[0], "Срок продлён") || !strings.Contains(lines[0], "05.03.2026") || !strings.Contains(lines[0], "МВД") {
			t.Fatalf("explanation does not give the reason: %q", lines)
		}
		// A second request does not extend again.
		app = f.must(f.svc.RequestInfo(ctx, officer, app.ID, app.Version, []cases.InfoRequest{{Addressee: "БТИ", Subject: "Недвижимость"}}))
		if app.DueDate != "2026-04-02" {
			t.Fatalf("second request moved the date to %s", app.DueDate)
		}
		// Without an extended term in the regulation, requests change nothing.
		f.clock.Set(at(2026, time.March, 2))
		reg := f.regs.m[procOnline]
		reg.ExtendedTerm = calendar.Term{}
		f.regs.m[procOnline] = reg
		other := f.submitted(true)
		other = f.must(f.svc.Assign(ctx, officer, other.ID, other.Version, 0))
		other = f.must(f.svc.RequestInfo(ctx, officer, other.ID, other.Version, []cases.InfoRequest{{Addressee: "МВД", Subject: "Регистрация"}}))
		if other.DueDate != "2026-03-17" || other.Deadline.Extended {
			t.Fatalf("due %s without an extended term", other.DueDate)
		}
	})
}

// TestSuspension: the clock stops while suspended; on resumption the due
// date moves by the working days suspended. Where the regulation does not
// allow suspension it is refused.
func TestSuspension(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		app := f.submitted(true) // registered Monday 2 March, due 17 March
		app = f.must(f.svc.Assign(ctx, officer, app.ID, app.Version, 0))
		f.clock.Set(at(2026, time.March, 4)) // Wednesday
		app = f.must(f.svc.Suspend(ctx, officer, app.ID, app.Version, "Запрошен документ у заявителя"))
		gen := app.DeadlineGen
		f.clock.Set(at(2026, time.March, 10)) // Tuesday: 5, 6, 9, 10 March = 4 working days
		app = f.must(f.svc.Resume(ctx, officer, app.ID, app.Version, "Документ представлен"))
		if app.DueDate != "2026-03-23" {
			t.Fatalf("due after resumption %s, want 2026-03-23 (17 March + 4 working days)", app.DueDate)
		}
		if app.DeadlineGen <= gen || app.SuspendedSince != "" {
			t.Fatalf("resumption did not reschedule: gen %d → %d", gen, app.DeadlineGen)
		}
		if s := app.Deadline.Suspensions; len(s) != 1 || s[0].From != "2026-03-04" || s[0].To != "2026-03-10" || s[0].WorkingDays != 4 {
			t.Fatalf("suspensions %+v", s)
		}
		lines, err := f.svc.Explain(ctx, app.Deadline, "be")
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(lines, "\n")
		if !strings.Contains(text, "2026-03-04") || !strings.Contains(text, "2026-03-17") || !strings.Contains(lines[len(lines)-1], "2026-03-23") {
			t.Fatalf("explanation:\n%s", text)
		}
		// Suspended and resumed the same day: nothing moves.
		app = f.must(f.svc.Suspend(ctx, officer, app.ID, app.Version, "Ещё раз"))
		app = f.must(f.svc.Resume(ctx, officer, app.ID, app.Version, ""))
		if app.DueDate != "2026-03-23" {
			t.Fatalf("same-day suspension moved the date to %s", app.DueDate)
		}
		// procPaper does not allow suspension.
		p, err := f.svc.RegisterIntake(ctx, registrar, cases.Intake{ProcedureID: procPaper, Channel: cases.ChannelWritten,
			Applicant: cases.Applicant{CitizenID: "42", Surname: "Иванов", Name: "Иван"}})
		if err != nil {
			t.Fatal(err)
		}
		p = f.must(f.svc.Assign(ctx, officer, p.ID, p.Version, 0))
		_, err = f.svc.Suspend(ctx, officer, p.ID, p.Version, "Причина")
		wantFault(t, err, fault.Invalid, cases.CodeSuspensionForbidden)
	})
}

type deadlineJob struct {
	args cases.DeadlineArgs
	at   time.Time
}

func (f *fixture) deadlineJobs(subject string, id int64) []deadlineJob {
	f.t.Helper()
	args := "args::text"
	if f.db.Dialect == store.SQLite {
		args = "json(args)" // riversqlite keeps args as JSONB
	}
	rows, err := f.db.R.Query("SELECT " + args + ", scheduled_at FROM river_job WHERE kind = 'cases_deadline' ORDER BY id")
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	var out []deadlineJob
	for rows.Next() {
		var raw []byte
		var j deadlineJob
		if err := rows.Scan(&raw, &j.at); err != nil {
			f.t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &j.args); err != nil {
			f.t.Fatal(err)
		}
		if j.args.Subject == subject && j.args.ID == id {
			out = append(out, j)
		}
	}
	return out
}

// TestDeadlineJobs: registration schedules the warning (two working days
// before the due date, 08:00 Minsk) and the overdue check (the day after)
// in its own transaction; the worker flags and notifies, and does nothing
// for a moot job.
func TestDeadlineJobs(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		app := f.submitted(true) // due Tuesday 17 March
		js := f.deadlineJobs("application", app.ID)
		if len(js) != 2 {
			t.Fatalf("jobs %+v", js)
		}
		warn, over := js[0], js[1]
		if warn.args.Event != cases.EventWarning || !warn.at.Equal(time.Date(2026, 3, 13, 8, 0, 0, 0, minsk)) {
			t.Fatalf("warning %+v at %s, want Friday 13 March 08:00", warn.args, warn.at)
		}
		if over.args.Event != cases.EventOverdue || !over.at.Equal(time.Date(2026, 3, 18, 0, 0, 0, 0, minsk)) {
			t.Fatalf("overdue %+v at %s, want 18 March 00:00", over.args, over.at)
		}
		// A registration that rolls back schedules nothing.
		before := f.count("SELECT COUNT(*) FROM river_job")
		f.notif.fail = true
		if _, err := f.svc.RegisterIntake(ctx, registrar, cases.Intake{ProcedureID: procPaper, Channel: cases.ChannelWritten,
			Applicant: cases.Applicant{CitizenID: "42", Surname: "Иванов", Name: "Иван"}}); err == nil {
			t.Fatal("want failure")
		}
		f.notif.fail = false
		if f.count("SELECT COUNT(*) FROM river_job") != before {
			t.Fatal("a rolled-back registration left jobs")
		}

		app = f.must(f.svc.Assign(ctx, officer, app.ID, app.Version, 0))
		w := f.svc.DeadlineWorker()
		work := func(a cases.DeadlineArgs) error {
			return w.Work(context.Background(), &river.Job[cases.DeadlineArgs]{JobRow: &rivertype.JobRow{}, Args: a})
		}
		get := func() cases.Application {
			v, err := f.svc.Get(ctx, cases.System(), app.ID)
			if err != nil {
				t.Fatal(err)
			}
			return v.Application
		}

		f.clock.Set(time.Date(2026, 3, 13, 8, 0, 0, 0, minsk))
		if err := work(warn.args); err != nil {
			t.Fatal(err)
		}
		got := get()
		if !got.DueSoon || got.Overdue || got.Version != app.Version {
			t.Fatalf("after warning: soon=%v overdue=%v v%d (want v%d: flags do not bump the version)", got.DueSoon, got.Overdue, got.Version, app.Version)
		}
		if n := f.notices(cases.KindDeadlineWarning); len(n) != 1 || n[0] != "email:staff1@example.by" {
			t.Fatalf("warning notices %v, want the assignee's e-mail", n)
		}
		if err := work(warn.args); err != nil || len(f.notices(cases.KindDeadlineWarning)) != 1 {
			t.Fatalf("a repeated warning notified again: %v", err)
		}

		// The overdue job snoozes if it runs before the due date has passed.
		f.clock.Set(time.Date(2026, 3, 17, 23, 0, 0, 0, minsk))
		var snooze *river.JobSnoozeError
		if err := work(over.args); !errors.As(err, &snooze) || snooze.Duration != time.Hour {
			t.Fatalf("early overdue: %v", err)
		}
		f.clock.Set(time.Date(2026, 3, 18, 0, 0, 1, 0, minsk))
		if err := work(over.args); err != nil {
			t.Fatal(err)
		}
		if got := get(); !got.Overdue {
			t.Fatal("not flagged overdue")
		}
		if n := f.notices(cases.KindOverdue); len(n) != 2 {
			t.Fatalf("overdue notices %v, want the citizen's inbox and the assignee", n)
		}

		// Jobs for an old due date or generation do nothing.
		other := f.submitted(true)
		old := f.deadlineJobs("application", other.ID)
		other = f.must(f.svc.Assign(ctx, officer, other.ID, other.Version, 0))
		other = f.must(f.svc.RequestInfo(ctx, officer, other.ID, other.Version, []cases.InfoRequest{{Addressee: "МВД", Subject: "x"}}))
		fresh := f.deadlineJobs("application", other.ID)
		if len(fresh) != 4 || fresh[2].args.Due != other.DueDate || fresh[2].args.Gen != other.DeadlineGen {
			t.Fatalf("extension did not reschedule: %+v", fresh)
		}
		f.clock.Set(time.Date(2026, 5, 15, 0, 0, 0, 0, minsk))
		for _, j := range old {
			if err := work(j.args); err != nil {
				t.Fatal(err)
			}
		}
		v, _ := f.svc.Get(ctx, cases.System(), other.ID)
		if v.Application.DueSoon || v.Application.Overdue {
			t.Fatal("a job for the old due date flagged the application")
		}
		// A decided application is never flagged.
		other = f.must(f.svc.AnswersReceived(ctx, officer, other.ID, v.Application.Version, ""))
		other = f.must(f.svc.DraftDecision(ctx, officer, other.ID, other.Version, f.decision(false)))
		other = f.must(f.svc.SignDecision(ctx, head, other.ID, other.Version, f.sign(other.ID, testPKI.head)))
		if err := work(fresh[3].args); err != nil {
			t.Fatal(err)
		}
		v, _ = f.svc.Get(ctx, cases.System(), other.ID)
		if v.Application.Overdue {
			t.Fatal("a decided application was flagged overdue")
		}
		// Staff see the flags in the queue.
		q, err := f.svc.List(ctx, officer, cases.Filter{Overdue: true})
		if err != nil || q.Total != 1 || q.Items[0].ID != app.ID {
			t.Fatalf("overdue queue %+v %v", q, err)
		}
	})
}

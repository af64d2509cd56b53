package cases

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"odnookno/internal/audit"
	"odnookno/internal/fault"
)

// Deadline events.
const (
	EventWarning = "deadline_warning"
	EventOverdue = "overdue"
)

// DeadlineArgs is a durable timer for one due date of one application or
// complaint: the warning N working days before it, or the overdue check
// the day after it. Gen is the subject's deadline generation when the job
// was scheduled; any change of the due date (extension, suspension,
// resumption, decision) moves the generation on, so a job for an old date
// finds a different generation and does nothing.
type DeadlineArgs struct {
	Subject string `json:"subject"` // "application" or "complaint"
	ID      int64  `json:"id"`
	Event   string `json:"event"` // EventWarning or EventOverdue
	Due     string `json:"due"`
	Gen     int    `json:"gen"`
}

// Kind names the job for River.
func (DeadlineArgs) Kind() string { return "cases_deadline" }

// warningHour is when, Minsk time, the warning goes out on its day.
const warningHour = 8

// scheduleDeadline inserts the warning and overdue jobs for due in tx.
func (s *Service) scheduleDeadline(ctx context.Context, tx *sql.Tx, subject string, id int64, due string, gen int) error {
	cal, err := s.cals.Calendar(ctx)
	if err != nil {
		return err
	}
	d, err := parseDate(due)
	if err != nil {
		return fmt.Errorf("cases: schedule %q: %w", due, err)
	}
	warnDay, err := cal.WorkingDaysBefore(d, s.o.WarnDays)
	if err != nil {
		return calendarErr(err)
	}
	now := s.o.Now()
	warnAt := time.Date(warnDay.Year(), warnDay.Month(), warnDay.Day(), warningHour, 0, 0, 0, minsk)
	if warnAt.Before(now) {
		warnAt = now // already within the warning period: warn now
	}
	next := d.AddDate(0, 0, 1)
	overdueAt := time.Date(next.Year(), next.Month(), next.Day(), 0, 0, 0, 0, minsk)
	for _, j := range []struct {
		event string
		at    time.Time
	}{{EventWarning, warnAt}, {EventOverdue, overdueAt}} {
		args := DeadlineArgs{Subject: subject, ID: id, Event: j.event, Due: due, Gen: gen}
		if _, err := s.queue.InsertTx(ctx, tx, args, &river.InsertOpts{ScheduledAt: j.at.UTC(), MaxAttempts: 10}); err != nil {
			return fmt.Errorf("cases: schedule %s: %w", j.event, err)
		}
	}
	return nil
}

// DeadlineWorker works DeadlineArgs jobs.
type DeadlineWorker struct {
	river.WorkerDefaults[DeadlineArgs]
	s *Service
}

// DeadlineWorker returns the worker, for AddWorkers and for tests that run
// a job directly.
func (s *Service) DeadlineWorker() *DeadlineWorker { return &DeadlineWorker{s: s} }

// Work flags the subject due soon or overdue and notifies, unless the job
// is moot: the subject is closed or suspended, or its due date or
// generation changed since the job was scheduled. An overdue job that runs
// before the due date has passed (clock skew) snoozes until it has.
func (w *DeadlineWorker) Work(ctx context.Context, j *river.Job[DeadlineArgs]) error {
	return w.s.deadlineEvent(ctx, j.Args)
}

func (s *Service) deadlineEvent(ctx context.Context, a DeadlineArgs) error {
	due, err := parseDate(a.Due)
	if err != nil {
		return river.JobCancel(fmt.Errorf("cases: bad due date %q", a.Due))
	}
	now := s.o.Now()
	if a.Event == EventOverdue {
		next := due.AddDate(0, 0, 1)
		at := time.Date(next.Year(), next.Month(), next.Day(), 0, 0, 0, 0, minsk)
		if now.Before(at) {
			return river.JobSnooze(at.Sub(now))
		}
	} else if a.Event != EventWarning {
		return river.JobCancel(fmt.Errorf("cases: unknown deadline event %q", a.Event))
	}
	switch a.Subject {
	case subjectApplication:
		return s.applicationDeadline(ctx, a)
	case subjectComplaint:
		return s.complaintDeadline(ctx, a)
	}
	return river.JobCancel(fmt.Errorf("cases: unknown subject %q", a.Subject))
}

func (s *Service) applicationDeadline(ctx context.Context, a DeadlineArgs) error {
	_, err := s.withApp(ctx, System(), a.ID, anyVersion, func(tx *sql.Tx, app *Application) error {
		if !app.Open() || app.Status == Suspended || app.DeadlineGen != a.Gen || app.DueDate != a.Due {
			return nil
		}
		flag, col := &app.DueSoon, "due_soon"
		if a.Event == EventOverdue {
			flag, col = &app.Overdue, "overdue"
		}
		if *flag {
			return nil // a retry after the flag was set
		}
		*flag = true
		if _, err := tx.ExecContext(ctx, "UPDATE cases SET "+col+" = $1 WHERE id = $2", true, app.ID); err != nil {
			return fmt.Errorf("cases: flag %s: %w", col, err)
		}
		if err := s.flagEvent(ctx, tx, subjectApplication, app.ID, app.Version, app.Status, app.Number(), app.Applicant.UID, a); err != nil {
			return err
		}
		params := map[string]any{"number": app.Number(), "due": app.DueDate}
		kind := KindDeadlineWarning
		if a.Event == EventOverdue {
			kind = KindOverdue
			if err := s.notifyApplicant(ctx, tx, subjectApplication, app.ID, app.Applicant.CitizenID, "", "", app.Lang, kind, params); err != nil {
				return err
			}
		}
		return s.notifyStaff(ctx, tx, subjectApplication, app.ID, app.AssigneeID, kind, params)
	})
	if errors.Is(err, fault.NotFound) {
		return river.JobCancel(err)
	}
	return err
}

func (s *Service) complaintDeadline(ctx context.Context, a DeadlineArgs) error {
	_, err := s.withComplaint(ctx, System(), a.ID, anyVersion, func(tx *sql.Tx, c *Complaint) error {
		if Complaints.Final(c.Status) || c.DeadlineGen != a.Gen || c.DueDate != a.Due {
			return nil
		}
		flag, col := &c.DueSoon, "due_soon"
		if a.Event == EventOverdue {
			flag, col = &c.Overdue, "overdue"
		}
		if *flag {
			return nil
		}
		*flag = true
		if _, err := tx.ExecContext(ctx, "UPDATE complaints SET "+col+" = $1 WHERE id = $2", true, c.ID); err != nil {
			return fmt.Errorf("cases: flag complaint %s: %w", col, err)
		}
		return s.flagEvent(ctx, tx, subjectComplaint, c.ID, c.Version, c.Status, c.Number(), c.ApplicantUID, a)
	})
	if errors.Is(err, fault.NotFound) {
		return river.JobCancel(err)
	}
	return err
}

// flagEvent records a deadline flag in history (staff only) and the audit
// trail. It is not a transition: the state stays, the version too, so an
// officer's open page does not go stale because a timer fired.
func (s *Service) flagEvent(ctx context.Context, tx *sql.Tx, subject string, id int64, version int, st Status, number, uid string, a DeadlineArgs) error {
	now := s.now()
	if _, err := s.insertEvent(ctx, tx, subject, id, version, now, System(), RoleSystem, Action(a.Event), st, st,
		event{internal: true, details: map[string]any{"due": a.Due}}); err != nil {
		return err
	}
	prefix := "case."
	if subject == subjectComplaint {
		prefix = "complaint."
	}
	_, err := s.audit.Append(ctx, tx, audit.Entry{Actor: audit.System, Action: prefix + a.Event, SubjectUID: uid,
		CaseNumber: number, ObjectType: subject, ObjectID: fmt.Sprint(id), Details: map[string]any{"due": a.Due}})
	return err
}

package interop

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/riverqueue/river"

	"odnookno/internal/audit"
	"odnookno/internal/fault"
	"odnookno/internal/org"
)

// lateArgs is the periodic check of answer terms.
type lateArgs struct{}

func (lateArgs) Kind() string { return "interop_mark_late" }

type lateWorker struct {
	river.WorkerDefaults[lateArgs]
	s *Service
}

func (w *lateWorker) Work(ctx context.Context, _ *river.Job[lateArgs]) error {
	_, err := w.s.MarkLate(ctx)
	return err
}

// Periodic returns the job that checks answer terms every LateCheckEvery,
// for the job runner's options.
func (s *Service) Periodic() []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(s.lateEvery),
		func() (river.JobArgs, *river.InsertOpts) {
			return lateArgs{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true})}
}

// MarkLate marks every open request past its answer term as late, and tells
// its officer by e-mail, offering the СМДО route. Each request is marked
// once; it stays open and is still answered when the answer comes. It
// returns how many requests it marked.
func (s *Service) MarkLate(ctx context.Context) (int, error) {
	now := s.clock()
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+requestCols+` FROM interop_requests
		WHERE state IN ('queued', 'sent', 'smdo_pending') AND due_at <= $1 ORDER BY id LIMIT 500`, now)
	if err != nil {
		return 0, fmt.Errorf("interop: late requests: %w", err)
	}
	var due []Request
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			rows.Close()
			return 0, err
		}
		due = append(due, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, r := range due {
		marked, err := s.markLate(ctx, r)
		if err != nil {
			return n, err
		}
		if marked {
			n++
		}
	}
	return n, nil
}

func (s *Service) markLate(ctx context.Context, r Request) (bool, error) {
	st, err := s.dir.StaffByID(ctx, r.StaffID)
	if errors.Is(err, fault.NotFound) {
		st = org.Staff{} // the account is gone: mark it late, tell no one
	} else if err != nil {
		return false, err
	}
	res, sv, err := s.lookup(ctx, s.db.R, r.Resource, r.Service)
	if err != nil {
		return false, err
	}
	now := s.clock()
	var marked bool
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		u, err := tx.ExecContext(ctx, `UPDATE interop_requests SET state = 'late', was_late = TRUE, late_notified_at = $1,
			updated_at = $1 WHERE id = $2 AND state IN ('queued', 'sent', 'smdo_pending') AND due_at <= $1`, now, r.ID)
		if err != nil {
			return fmt.Errorf("interop: mark late: %w", err)
		}
		if n, _ := u.RowsAffected(); n == 0 {
			return nil
		}
		marked = true
		params := map[string]any{"case": r.CaseNumber, "resource": res.NameRU, "service": sv.NameRU,
			"due": r.DueDate().Format("2006-01-02"), "correlation_id": r.CorrelationID, "channel": r.Channel,
			"smdo_offered": r.Channel != ChannelSMDO && s.docs != nil}
		if err := s.mail(ctx, tx, []string{st.Email}, MailLate, params, ""); err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, tx, audit.Entry{Actor: audit.System, Action: "interop.request_late",
			SubjectUID: r.SubjectUID, CaseNumber: r.CaseNumber, ObjectType: "interop_request", ObjectID: r.CorrelationID,
			Details: map[string]any{"service": r.Resource + "/" + r.Service, "channel": r.Channel, "due_at": r.DueAt}})
		return err
	})
	if err != nil {
		return false, err
	}
	if marked {
		s.metrics.late.WithLabelValues(r.Resource, r.Service).Inc()
	}
	return marked, nil
}

package caldb

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// CoverageArgs is the periodic check that the calendar reaches far enough
// ahead: deadlines of up to a few months must never run into a year that is
// missing or still provisional without the operator having been warned.
type CoverageArgs struct{}

func (CoverageArgs) Kind() string { return "calendar_coverage" }

// CoverageWorker logs a warning the operator's monitoring picks up.
type CoverageWorker struct {
	river.WorkerDefaults[CoverageArgs]
	Provider *Provider
	Log      *slog.Logger
	Now      func() time.Time
	// Ahead is how far ahead the calendar must be final.
	Ahead time.Duration
}

// Work checks the years from today to today+Ahead.
func (w *CoverageWorker) Work(ctx context.Context, _ *river.Job[CoverageArgs]) error {
	cal, err := w.Provider.Calendar(ctx)
	if err != nil {
		return err
	}
	now := w.Now()
	for y := now.Year(); y <= now.Add(w.Ahead).Year(); y++ {
		p, err := cal.Provisional(y)
		switch {
		case err != nil:
			w.Log.WarnContext(ctx, "calendar: year not loaded; deadlines reaching into it cannot be computed", "year", y)
		case p:
			w.Log.WarnContext(ctx, "calendar: year is provisional (no act on transfers of working days loaded)", "year", y)
		}
	}
	return nil
}

// CoveragePeriodic runs the check on start and twice a day.
func CoveragePeriodic() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(12*time.Hour), func() (river.JobArgs, *river.InsertOpts) {
		return CoverageArgs{}, nil
	}, &river.PeriodicJobOpts{RunOnStart: true, ID: "calendar_coverage"})
}

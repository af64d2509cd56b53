package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"odnookno/internal/catalog"
)

// activateArgs puts approved regulation versions into force when their
// effective date comes.
type activateArgs struct{}

func (activateArgs) Kind() string { return "catalog_activate_due" }

type activateWorker struct {
	river.WorkerDefaults[activateArgs]
	catalog *catalog.Service
	log     *slog.Logger
}

func (w *activateWorker) Work(ctx context.Context, _ *river.Job[activateArgs]) error {
	n, err := w.catalog.ActivateDue(ctx)
	if n > 0 {
		w.log.InfoContext(ctx, "catalog: regulations put into force", "count", n)
	}
	return err
}

// activatePeriodic runs at start and every hour: effective dates are days,
// so an hour's delay after midnight is the worst case.
func activatePeriodic() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
		return activateArgs{}, nil
	}, &river.PeriodicJobOpts{RunOnStart: true, ID: "catalog_activate_due"})
}

package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"time"

	"odnookno/internal/calendar"
	"odnookno/internal/calendar/caldb"
	"odnookno/internal/store"
)

const calendarUsage = `usage:
  odnookno calendar workdays YEAR
  odnookno calendar deadline --from YYYY-MM-DD --term "5 рабочих дней" [--lang ru|be]
  odnookno calendar load FILE
  odnookno calendar years`

func cmdCalendar(ctx context.Context, args []string, io IO) error {
	if len(args) == 0 {
		return usageError{calendarUsage}
	}
	fs := newFlags("calendar "+args[0], io)
	get := bindConfig(fs)
	from := fs.String("from", "", "starting date (the day of the application), YYYY-MM-DD")
	term := fs.String("term", "", `term: "в день обращения", "10 дней", "5 рабочих дней", "1 месяц"`)
	lang := fs.String("lang", "ru", "language of the explanation: ru or be")
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	cfg, err := get()
	if err != nil {
		return err
	}
	switch args[0] {
	case "workdays":
		if len(pos) != 1 {
			return usageError{calendarUsage}
		}
		var y int
		if _, err := fmt.Sscanf(pos[0], "%d", &y); err != nil || y < 1900 || y > 9999 {
			return usageError{fmt.Sprintf("workdays: %q is not a year", pos[0])}
		}
		cal, err := currentCalendar(ctx, cfg)
		if err != nil {
			return err
		}
		months, err := cal.Workdays(y)
		if err != nil {
			return err
		}
		for i, n := range months {
			fmt.Fprintf(io.Out, "%04d-%02d %d\n", y, i+1, n)
		}
		return nil
	case "deadline":
		if *from == "" || *term == "" || len(pos) != 0 {
			return usageError{calendarUsage}
		}
		d, err := time.Parse(calendar.DateLayout, *from)
		if err != nil {
			return usageError{fmt.Sprintf("--from: %q is not a date YYYY-MM-DD", *from)}
		}
		t, err := calendar.ParseTerm(*term)
		if err != nil {
			return usageError{fmt.Sprintf("--term: %v", err)}
		}
		cal, err := currentCalendar(ctx, cfg)
		if err != nil {
			return err
		}
		dl, err := cal.Due(d, t)
		if err != nil {
			return err
		}
		fmt.Fprintln(io.Out, dl.Due.Format(calendar.DateLayout))
		for _, line := range dl.Explain(*lang) {
			fmt.Fprintln(io.Out, line)
		}
		return nil
	case "load":
		if len(pos) != 1 {
			return usageError{calendarUsage}
		}
		data, err := os.ReadFile(pos[0])
		if err != nil {
			return err
		}
		db, err := openDB(ctx, cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		years, err := caldb.Load(ctx, db, data, pos[0], operatorName(), time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(io.Out, "loaded years %v into the database; running servers pick them up within %s\n", years, cfg.CalendarRefresh)
		return nil
	case "years":
		cal, err := currentCalendar(ctx, cfg)
		if err != nil {
			return err
		}
		for _, y := range cal.Years() {
			p, _ := cal.Provisional(y)
			note := ""
			if p {
				note = " (provisional: no act on transfers of working days)"
			}
			fmt.Fprintf(io.Out, "%d%s\n", y, note)
		}
		return nil
	}
	return usageError{calendarUsage}
}

// currentCalendar is the embedded calendar with the years loaded into the
// database merged over it. A SQLite file that does not exist yet is not
// created for a read-only question: the embedded calendar answers.
func currentCalendar(ctx context.Context, cfg Config) (*calendar.Calendar, error) {
	if !store.IsPostgres(cfg.DB) {
		if _, err := os.Stat(cfg.DB); errors.Is(err, os.ErrNotExist) {
			return calendar.Default()
		}
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return caldb.Current(ctx, db)
}

func operatorName() string {
	if u, err := user.Current(); err == nil {
		return "cli:" + u.Username
	}
	return "cli"
}

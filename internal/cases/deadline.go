package cases

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"odnookno/internal/calendar"
	"odnookno/internal/fault"
)

// minsk is the zone in which days are counted: Belarus keeps UTC+3 all year,
// so a fixed zone needs no time-zone database.
var minsk = time.FixedZone("Europe/Minsk", 3*60*60)

// today is the date in Minsk of t, as midnight UTC (the calendar's form).
func today(t time.Time) time.Time {
	y, m, d := t.In(minsk).Date()
	return calendar.Date(y, m, d)
}

func iso(t time.Time) string { return t.Format(calendar.DateLayout) }

func parseDate(s string) (time.Time, error) {
	return time.Parse(calendar.DateLayout, s)
}

// Deadline is what a due date rests on, stored with the case so that the
// date can explain itself at any time:
//
//   - From is the registration date; the term counts from the day after it.
//   - Term is the regulation's term, or its extended term once requests were
//     sent to other bodies (Extended, with the reason).
//   - Suspensions are the periods when the term did not run. The Law on the
//     fundamentals of administrative procedures (No. 433-З) suspends the
//     term for the period of suspension; we count that period in working
//     days (those after the day of suspension up to and including the day
//     of resumption) and move the due date by as many working days. A
//     suspension resumed the same day moves nothing.
type Deadline struct {
	From            string        `json:"from"`
	Term            calendar.Term `json:"term"`
	Extended        bool          `json:"extended,omitempty"`
	ExtensionReason string        `json:"extension_reason,omitempty"`
	Suspensions     []Suspension  `json:"suspensions,omitempty"`
}

// Suspension is one period during which the term stood still. To is empty
// while it lasts.
type Suspension struct {
	From        string `json:"from"`
	To          string `json:"to,omitempty"`
	WorkingDays int    `json:"working_days"`
	Reason      string `json:"reason,omitempty"`
}

// Valid reports whether the deadline has been set (at registration).
func (d Deadline) Valid() bool { return d.From != "" && d.Term.Kind != 0 }

func (d Deadline) shift() int {
	n := 0
	for _, s := range d.Suspensions {
		n += s.WorkingDays
	}
	return n
}

// Compute returns the calendar's deadline for the term and the due date
// after the suspensions.
func (d Deadline) Compute(cal *calendar.Calendar) (calendar.Deadline, time.Time, error) {
	from, err := parseDate(d.From)
	if err != nil {
		return calendar.Deadline{}, time.Time{}, fmt.Errorf("cases: deadline from %q: %w", d.From, err)
	}
	dl, err := cal.Due(from, d.Term)
	if err != nil {
		return calendar.Deadline{}, time.Time{}, calendarErr(err)
	}
	due := dl.Due
	if n := d.shift(); n > 0 {
		if due, err = cal.AddWorkingDays(due, n); err != nil {
			return calendar.Deadline{}, time.Time{}, calendarErr(err)
		}
	}
	return dl, due, nil
}

// calendarErr turns a date outside the loaded calendar into an error the
// operator can act on (load the year), keeping the cause.
func calendarErr(err error) error {
	if errors.Is(err, calendar.ErrOutsideCalendar) {
		return fmt.Errorf("cases: %w: %w", fault.New(fault.Unavailable, CodeCalendar, map[string]any{"reason": err.Error()}), err)
	}
	return fmt.Errorf("cases: deadline: %w", err)
}

func (d Deadline) encode() string {
	b, err := json.Marshal(d)
	if err != nil {
		return "{}" // a zero Term does not marshal: a deadline not yet set
	}
	return string(b)
}

func decodeDeadline(s string) Deadline {
	var d Deadline
	if s == "" || s == "{}" {
		return d
	}
	_ = json.Unmarshal([]byte(s), &d)
	return d
}

// Explain words the due date in lang, line by line: the calendar's own
// account of the term, the extension and its reason, each suspension and
// by how much it moved the date, and the last day.
func (d Deadline) Explain(cal *calendar.Calendar, t Translator, lang string) ([]string, error) {
	if !d.Valid() {
		return nil, nil
	}
	dl, due, err := d.Compute(cal)
	if err != nil {
		return nil, err
	}
	var out []string
	if d.Extended {
		out = append(out, t.T(lang, "case.due.extended", "Reason", d.ExtensionReason))
	}
	lines := dl.Explain(lang)
	if len(d.Suspensions) > 0 && len(lines) > 0 {
		lines = lines[:len(lines)-1] // the calendar's "last day" is before the suspensions
		out = append(out, lines...)
		out = append(out, t.T(lang, "case.due.term_end", "Date", iso(dl.Due)))
		for _, s := range d.Suspensions {
			if s.To == "" {
				out = append(out, t.T(lang, "case.due.suspended_since", "From", s.From))
				continue
			}
			out = append(out, t.T(lang, "case.due.suspension", "From", s.From, "To", s.To, "Days", s.WorkingDays))
		}
		out = append(out, t.T(lang, "case.due.final", "Date", iso(due)))
		return out, nil
	}
	return append(out, lines...), nil
}

package calendar

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Deadline is a computed due date together with what it rests on, so that
// the date shown to a citizen or an official can always be justified day by
// day (Explain).
type Deadline struct {
	From time.Time // the day of the application; counting starts the day after
	Term Term
	Due  time.Time // the last day of the term, always a working day

	// Nominal is where the term ends before being moved off non-working
	// days: From+N for calendar days, the same day N months later, From for
	// the same day. For working-day terms it equals Due.
	Nominal time.Time
	// Clamped is set for a month term whose final month has no day
	// From.Day(), so that the month's last day was taken.
	Clamped bool
	// Counted is the number of working days counted, for working-day terms.
	Counted int
	// Days are the days that shaped Due, in date order: for working-day terms
	// every non-working day skipped and every transferred workday counted;
	// for the other terms the non-working days from Nominal on that pushed
	// Due forward, and Due itself when it is a transferred workday.
	Days []Day
	// ProvisionalYears are inspected years whose transfers are not yet
	// decided (see Calendar.Provisional): Due may change once they are.
	ProvisionalYears []int
}

// Due computes the last day of term t for an application made on from,
// following the Law on the Fundamentals of Administrative Procedures and the
// Civil Code (arts. 192–194):
//
//   - counting starts on the day after from;
//   - calendar days: the term ends on from+N;
//   - months: on the same day number N months later, or on the last day of
//     that month if it has no such day;
//   - working days: on the N-th working day after from;
//   - the same day («в день обращения»): on from;
//
// and a term ending on a non-working day ends on the next working day.
// Every day inspected must lie in a loaded year, otherwise the error wraps
// ErrOutsideCalendar and names the date.
func (c *Calendar) Due(from time.Time, t Term) (Deadline, error) {
	if !t.valid() {
		return Deadline{}, fmt.Errorf("calendar: due: %v: %w", t, ErrInvalidTerm)
	}
	from = dateOf(from)
	dl := Deadline{From: from, Term: t}
	prov := map[int]bool{}
	look := func(d time.Time) (Day, error) {
		day, err := c.day(d)
		if err != nil {
			return Day{}, fmt.Errorf("calendar: due %s from %s: %w", t, iso(from), err)
		}
		if c.years[d.Year()].provisional() {
			prov[d.Year()] = true
		}
		return day, nil
	}

	switch t.Kind {
	case WorkingDays:
		d := from
		for dl.Counted < t.N {
			d = d.AddDate(0, 0, 1)
			day, err := look(d)
			if err != nil {
				return Deadline{}, err
			}
			if day.Working() {
				dl.Counted++
			}
			if day.Kind != Working {
				dl.Days = append(dl.Days, day)
			}
		}
		dl.Nominal, dl.Due = d, d
	default:
		switch t.Kind {
		case SameDay:
			dl.Nominal = from
		case CalendarDays:
			dl.Nominal = from.AddDate(0, 0, t.N)
		case Months:
			dl.Nominal, dl.Clamped = addMonths(from, t.N)
		}
		d := dl.Nominal
		for {
			day, err := look(d)
			if err != nil {
				return Deadline{}, err
			}
			if day.Kind != Working {
				dl.Days = append(dl.Days, day)
			}
			if day.Working() {
				break
			}
			d = d.AddDate(0, 0, 1)
		}
		dl.Due = d
	}
	for y := range prov {
		dl.ProvisionalYears = append(dl.ProvisionalYears, y)
	}
	slices.Sort(dl.ProvisionalYears)
	return dl, nil
}

// addMonths returns the same day number n months after d, or the last day of
// that month if it is shorter, reporting whether it had to be shortened.
func addMonths(d time.Time, n int) (time.Time, bool) {
	y, m, day := d.Date()
	first := Date(y, m+time.Month(n), 1)
	last := first.AddDate(0, 1, -1).Day()
	if day > last {
		return Date(first.Year(), first.Month(), last), true
	}
	return Date(first.Year(), first.Month(), day), false
}

// day is DayInfo for a date already stripped of its clock, with an error
// that has no package prefix, for callers that add their own context.
func (c *Calendar) day(d time.Time) (Day, error) {
	y, ok := c.years[d.Year()]
	if !ok {
		return Day{}, fmt.Errorf("%s: year %d is not loaded: %w", iso(d), d.Year(), ErrOutsideCalendar)
	}
	return y.days[d.YearDay()-1], nil
}

// AddWorkingDays returns the n-th working day after from (before it, for
// negative n); n = 0 gives from itself, working or not. For n > 0 it is the
// Due of «n рабочих дней».
func (c *Calendar) AddWorkingDays(from time.Time, n int) (time.Time, error) {
	d, step, left := dateOf(from), 1, n
	if left < 0 {
		step, left = -1, -left
	}
	for left > 0 {
		d = d.AddDate(0, 0, step)
		day, err := c.day(d)
		if err != nil {
			return time.Time{}, fmt.Errorf("calendar: add %d working days to %s: %w", n, iso(dateOf(from)), err)
		}
		if day.Working() {
			left--
		}
	}
	return d, nil
}

// WorkingDaysBefore returns the date n working days before due, the day on
// which a "due in n working days" warning is sent. n must not be negative.
func (c *Calendar) WorkingDaysBefore(due time.Time, n int) (time.Time, error) {
	if n < 0 {
		return time.Time{}, fmt.Errorf("calendar: working days before %s: negative count %d", iso(dateOf(due)), n)
	}
	return c.AddWorkingDays(due, -n)
}

// WorkingDaysBetween counts the working days after a up to and including b,
// the "working days left" of a term from today (a) to its due date (b). It is
// negative, by the same count, when b is before a, which measures how late a
// decision is.
func (c *Calendar) WorkingDaysBetween(a, b time.Time) (int, error) {
	a, b = dateOf(a), dateOf(b)
	sign := 1
	if b.Before(a) {
		a, b, sign = b, a, -1
	}
	n := 0
	for d := a.AddDate(0, 0, 1); !d.After(b); d = d.AddDate(0, 0, 1) {
		day, err := c.day(d)
		if err != nil {
			return 0, fmt.Errorf("calendar: working days from %s to %s: %w", iso(a), iso(b), err)
		}
		if day.Working() {
			n++
		}
	}
	return sign * n, nil
}

type lang int

const (
	langRU lang = iota
	langBE
)

// parseLang maps a language tag to one of the two official languages;
// anything but Belarusian falls back to Russian.
func parseLang(s string) lang {
	s = strings.ToLower(s)
	if s == "be" || strings.HasPrefix(s, "be-") || strings.HasPrefix(s, "be_") {
		return langBE
	}
	return langRU
}

type explainText struct {
	header, headerSameDay, clamped, moved, movedSameDay string
	weekend, holiday, transferredOff, transferredWork   string
	counted, provisional, due                           string
	weekdays                                            [7]string // by time.Weekday
}

var explainTexts = map[lang]explainText{
	langRU: {
		header:          "Срок: %s со дня, следующего за %s",
		headerSameDay:   "Срок: в день обращения (%s)",
		clamped:         "В месяце %s нет %d-го числа: срок истекает в последний день месяца, %s",
		moved:           "Окончание срока приходится на нерабочий день %s и переносится на ближайший следующий рабочий день",
		movedSameDay:    "День обращения %s — нерабочий: срок переносится на ближайший следующий рабочий день",
		weekend:         "%s — выходной (%s)",
		holiday:         "%s — нерабочий день: %s",
		transferredOff:  "%s — нерабочий день: рабочий день перенесён на %s",
		transferredWork: "%s — рабочий день (%s): перенесён с %s",
		counted:         "Отсчитано рабочих дней: %d",
		provisional:     "Внимание: переносы рабочих дней на %d год ещё не утверждены, срок может измениться",
		due:             "Последний день срока: %s",
		weekdays:        [7]string{"воскресенье", "понедельник", "вторник", "среда", "четверг", "пятница", "суббота"},
	},
	langBE: {
		header:          "Тэрмін: %s з дня, наступнага за %s",
		headerSameDay:   "Тэрмін: у дзень звароту (%s)",
		clamped:         "У месяцы %s няма %d-га чысла: тэрмін сканчаецца ў апошні дзень месяца, %s",
		moved:           "Заканчэнне тэрміну прыпадае на непрацоўны дзень %s і пераносіцца на бліжэйшы наступны рабочы дзень",
		movedSameDay:    "Дзень звароту %s — непрацоўны: тэрмін пераносіцца на бліжэйшы наступны рабочы дзень",
		weekend:         "%s — выхадны (%s)",
		holiday:         "%s — непрацоўны дзень: %s",
		transferredOff:  "%s — непрацоўны дзень: рабочы дзень перанесены на %s",
		transferredWork: "%s — рабочы дзень (%s): перанесены з %s",
		counted:         "Адлічана рабочых дзён: %d",
		provisional:     "Увага: пераносы рабочых дзён на %d год яшчэ не зацверджаны, тэрмін можа змяніцца",
		due:             "Апошні дзень тэрміну: %s",
		weekdays:        [7]string{"нядзеля", "панядзелак", "аўторак", "серада", "чацвер", "пятніца", "субота"},
	},
}

// Explain renders the deadline as lines of text in Russian ("ru") or
// Belarusian ("be"; other tags fall back to Russian), for the case card and
// the citizen's cabinet: the term, the days that moved or were skipped and
// why, and the last day. Holiday names are given as in the data (Russian).
// A zero Deadline explains to nothing.
func (dl Deadline) Explain(language string) []string {
	if !dl.Term.valid() {
		return nil
	}
	l := parseLang(language)
	m := explainTexts[l]
	var out []string
	if dl.Term.Kind == SameDay {
		out = append(out, fmt.Sprintf(m.headerSameDay, iso(dl.From)))
	} else {
		out = append(out, fmt.Sprintf(m.header, dl.Term.text(l), iso(dl.From)))
	}
	if dl.Clamped {
		out = append(out, fmt.Sprintf(m.clamped, dl.Nominal.Format("2006-01"), dl.From.Day(), iso(dl.Nominal)))
	}
	if dl.Term.Kind != WorkingDays && !dl.Nominal.Equal(dl.Due) {
		if dl.Term.Kind == SameDay {
			out = append(out, fmt.Sprintf(m.movedSameDay, iso(dl.Nominal)))
		} else {
			out = append(out, fmt.Sprintf(m.moved, iso(dl.Nominal)))
		}
	}
	for _, d := range dl.Days {
		switch d.Kind {
		case Weekend:
			out = append(out, fmt.Sprintf(m.weekend, iso(d.Date), m.weekdays[d.Date.Weekday()]))
		case Holiday:
			out = append(out, fmt.Sprintf(m.holiday, iso(d.Date), d.Holiday))
		case TransferredDayOff:
			out = append(out, fmt.Sprintf(m.transferredOff, iso(d.Date), iso(d.Counterpart)))
		case TransferredWorkday:
			out = append(out, fmt.Sprintf(m.transferredWork, iso(d.Date), m.weekdays[d.Date.Weekday()], iso(d.Counterpart)))
		}
	}
	if dl.Term.Kind == WorkingDays {
		out = append(out, fmt.Sprintf(m.counted, dl.Counted))
	}
	for _, y := range dl.ProvisionalYears {
		out = append(out, fmt.Sprintf(m.provisional, y))
	}
	return append(out, fmt.Sprintf(m.due, iso(dl.Due)))
}

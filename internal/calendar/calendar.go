// Package calendar is the national working-day calendar of the Republic of
// Belarus and the arithmetic of administrative-procedure deadlines on it.
//
// Every deadline the system shows, warns about or flags is computed here, so
// the package refuses to guess: a date in a year whose calendar is not loaded
// is an error (ErrOutsideCalendar), never an assumed ordinary weekday. The
// holidays and the government's yearly transfers of working days come from
// data (data/calendar-by.json, embedded), and a newer year can be parsed and
// merged at run time, because the Council of Ministers publishes each year's
// transfers only months before that year begins.
//
// All times are treated as dates: the calendar date a time.Time has in its
// own location is taken and the clock is dropped, and results are midnight
// UTC. That way a server time zone can never move a deadline by a day.
//
// The package is pure: no I/O besides the embedded file, no clock.
package calendar

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// ErrOutsideCalendar is returned when a computation needs a day of a year that
// is not loaded. Callers should ask an operator to load that year rather than
// fall back to weekends only: a missed holiday would shorten a citizen's term.
var ErrOutsideCalendar = errors.New("date outside the loaded calendar")

// ErrInvalidCalendar marks every error of Parse, so that an upload handler
// can tell a bad file (show the message to the operator) from a failure of
// its own. The concrete error is a *ValidationError.
var ErrInvalidCalendar = errors.New("invalid calendar data")

// DateLayout is the ISO form used for dates in the data file and in
// explanations.
const DateLayout = "2006-01-02"

//go:embed data/calendar-by.json
var embedded []byte

var defaultCalendar = sync.OnceValues(func() (*Calendar, error) { return Parse(embedded) })

// Default returns the calendar shipped with the binary. It is parsed once and
// shared: a Calendar is immutable. Merge a newer year loaded by an operator
// on top of it to extend it without a release.
func Default() (*Calendar, error) {
	c, err := defaultCalendar()
	if err != nil {
		return nil, fmt.Errorf("calendar: embedded data: %w", err)
	}
	return c, nil
}

// Date returns the date y-m-d as midnight UTC, the form in which this package
// returns all dates. Out-of-range values are normalised as by time.Date.
func Date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// dateOf strips the clock from t, keeping the calendar date t has in its own
// location: 2026-05-01 00:30 in Minsk is 1 May, though UTC still says 30 April.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return Date(y, m, d)
}

func iso(t time.Time) string { return t.Format(DateLayout) }

// DayKind says why a day is or is not a working day.
type DayKind int

const (
	// Working is an ordinary Monday–Friday working day.
	Working DayKind = iota + 1
	// Weekend is a Saturday or Sunday that is not a holiday and was not made
	// a working day.
	Weekend
	// Holiday is a public holiday (a non-working day by law); it stays a
	// holiday when it falls on a weekend, and in Belarus is not moved.
	Holiday
	// TransferredDayOff is a Monday–Friday made a day off by a transfer; its
	// work is moved to a Saturday or Sunday.
	TransferredDayOff
	// TransferredWorkday is a Saturday or Sunday made a working day by a
	// transfer.
	TransferredWorkday
)

var dayKindNames = map[DayKind]string{
	Working:            "working",
	Weekend:            "weekend",
	Holiday:            "holiday",
	TransferredDayOff:  "transferred-day-off",
	TransferredWorkday: "transferred-workday",
}

// String gives a stable English token, for logs and tests.
func (k DayKind) String() string {
	if s, ok := dayKindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("DayKind(%d)", int(k))
}

// Day is one date of the calendar with the reason for its kind, so that an
// explanation can say not only that a day was skipped but why.
type Day struct {
	Date time.Time
	Kind DayKind
	// Holiday is the holiday's name (in Russian, as in the data) when Kind is
	// Holiday.
	Holiday string
	// Counterpart is the other half of a transfer: for TransferredDayOff the
	// weekend day the work was moved to, for TransferredWorkday the weekday
	// whose work it takes. Zero otherwise.
	Counterpart time.Time
}

// Working reports whether work is done on the day, which is all that deadline
// arithmetic needs.
func (d Day) Working() bool { return d.Kind == Working || d.Kind == TransferredWorkday }

// Calendar is a set of loaded years. It is immutable and safe for concurrent
// use; Merge returns a new Calendar.
type Calendar struct {
	years map[int]*year
}

type year struct {
	src  yearJSON // as parsed, sorted by date; serialised by YearJSON
	days []Day    // indexed by YearDay()-1
}

// Years lists the loaded years in ascending order; they need not be
// contiguous after a Merge.
func (c *Calendar) Years() []int {
	ys := make([]int, 0, len(c.years))
	for y := range c.years {
		ys = append(ys, y)
	}
	slices.Sort(ys)
	return ys
}

// Merge returns a calendar with the years of c, where every year present in
// other replaces (or adds to) the one in c. This is how a year published by
// the government after the release is put into service. Neither c nor other
// changes.
func (c *Calendar) Merge(other *Calendar) *Calendar {
	m := &Calendar{years: make(map[int]*year, len(c.years))}
	for y, v := range c.years {
		m.years[y] = v
	}
	if other != nil {
		for y, v := range other.years {
			m.years[y] = v
		}
	}
	return m
}

// DayInfo returns the kind of a date. A date in a year that is not loaded is
// an ErrOutsideCalendar error naming the date.
func (c *Calendar) DayInfo(date time.Time) (Day, error) {
	d, err := c.day(dateOf(date))
	if err != nil {
		return Day{}, fmt.Errorf("calendar: %w", err)
	}
	return d, nil
}

func yearMissing(year int) error {
	return fmt.Errorf("calendar: year %d is not loaded: %w", year, ErrOutsideCalendar)
}

// Workdays returns the number of working days in each month of year (index 0
// is January): the figures of the official production calendar, which is how
// the data is checked against published sources.
func (c *Calendar) Workdays(year int) ([12]int, error) {
	var n [12]int
	y, ok := c.years[year]
	if !ok {
		return n, yearMissing(year)
	}
	for _, d := range y.days {
		if d.Working() {
			n[d.Date.Month()-1]++
		}
	}
	return n, nil
}

// Provisional reports whether year was loaded without the Council of
// Ministers' act on transfers of working days (transfers_act is null), as
// happens when the holidays of a year are known before its transfers are
// decided. Deadlines reaching into such a year may still move.
func (c *Calendar) Provisional(year int) (bool, error) {
	y, ok := c.years[year]
	if !ok {
		return false, yearMissing(year)
	}
	return y.provisional(), nil
}

func (y *year) provisional() bool {
	return y.src.TransfersAct == nil || strings.TrimSpace(*y.src.TransfersAct) == ""
}

// YearJSON serialises one year as a document of the data-file format holding
// just that year, so that a year loaded at run time can be stored (in a
// database, say) and later restored with Parse and Merge.
func (c *Calendar) YearJSON(year int) ([]byte, error) {
	y, ok := c.years[year]
	if !ok {
		return nil, yearMissing(year)
	}
	b, err := json.MarshalIndent(fileJSON{Years: []yearJSON{y.src}}, "", " ")
	if err != nil {
		return nil, fmt.Errorf("calendar: year %d: %w", year, err)
	}
	return append(b, '\n'), nil
}

// The data-file format. Unknown fields are rejected by Parse: a misspelt key
// would otherwise silently drop, say, all transfers of a year.
type fileJSON struct {
	Description string     `json:"description,omitempty"`
	Rules       *rulesJSON `json:"rules,omitempty"`
	Notes       []string   `json:"notes,omitempty"`
	Years       []yearJSON `json:"years"`
}

type rulesJSON struct {
	Weekend                       []string `json:"weekend"`
	HolidayOnWeekendMoves         bool     `json:"holiday_on_weekend_moves"`
	PreHolidayDayShortenedByHours int      `json:"pre_holiday_day_shortened_by_hours"`
	Radunitsa                     string   `json:"radunitsa"`
}

type yearJSON struct {
	Year         int            `json:"year"`
	Holidays     []holidayJSON  `json:"holidays"`
	Transfers    []transferJSON `json:"transfers"`
	TransfersAct *string        `json:"transfers_act"`
	Sources      []string       `json:"sources"`
}

type holidayJSON struct {
	Date string `json:"date"`
	Name string `json:"name"`
}

type transferJSON struct {
	DayOff     string `json:"day_off"`
	WorkingDay string `json:"working_day"`
}

// ValidationError says what is wrong with a calendar file, naming the year
// and the date concerned so that an operator can fix the file. It matches
// ErrInvalidCalendar with errors.Is.
type ValidationError struct {
	Year    int    // 0 when the problem concerns the whole file
	Date    string // the offending date as written, "" when none
	Problem string
	Err     error // underlying error (JSON decoding), if any
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("calendar: ")
	if e.Year != 0 {
		fmt.Fprintf(&b, "year %d: ", e.Year)
	}
	if e.Date != "" {
		fmt.Fprintf(&b, "%s: ", e.Date)
	}
	b.WriteString(e.Problem)
	return b.String()
}

// Unwrap lets errors.Is match ErrInvalidCalendar and the JSON error, if any.
func (e *ValidationError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInvalidCalendar, e.Err}
	}
	return []error{ErrInvalidCalendar}
}

func invalid(year int, date, format string, args ...any) error {
	return &ValidationError{Year: year, Date: date, Problem: fmt.Sprintf(format, args...)}
}

// Parse reads a calendar file in the format of data/calendar-by.json and
// validates it strictly, because a wrong calendar silently produces wrong
// legal deadlines: every date must lie in its year and appear once, a
// transfer must move the work of a Monday–Friday that is not a holiday to a
// Saturday or Sunday that is not a holiday, and rules the arithmetic does not
// implement (other weekends, holidays moved off weekends) are refused.
func Parse(data []byte) (*Calendar, error) {
	var f fileJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, jsonError(data, err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, &ValidationError{Problem: fmt.Sprintf("invalid JSON at %s: data after the top-level object", position(data, dec.InputOffset()))}
	}
	if err := checkRules(f.Rules); err != nil {
		return nil, err
	}
	if len(f.Years) == 0 {
		return nil, invalid(0, "", "no years")
	}
	c := &Calendar{years: make(map[int]*year, len(f.Years))}
	for _, yj := range f.Years {
		if _, dup := c.years[yj.Year]; dup {
			return nil, invalid(yj.Year, "", "year appears more than once")
		}
		y, err := buildYear(yj)
		if err != nil {
			return nil, err
		}
		c.years[yj.Year] = y
	}
	return c, nil
}

func checkRules(r *rulesJSON) error {
	if r == nil {
		return nil
	}
	if r.Weekend != nil && !slices.Equal(r.Weekend, []string{"Sat", "Sun"}) {
		return invalid(0, "", "rules: weekend %q is not supported, only [\"Sat\", \"Sun\"]", r.Weekend)
	}
	if r.HolidayOnWeekendMoves {
		return invalid(0, "", "rules: holiday_on_weekend_moves=true is not supported: Belarusian holidays on a weekend are not moved")
	}
	return nil
}

func buildYear(yj yearJSON) (*year, error) {
	yr := yj.Year
	if yr < 1 || yr > 9999 {
		return nil, invalid(0, "", "year %d out of range", yr)
	}
	if len(yj.Holidays) == 0 {
		return nil, invalid(yr, "", "no holidays")
	}
	first := Date(yr, time.January, 1)
	n := Date(yr+1, time.January, 1).Sub(first).Hours() / 24
	y := &year{days: make([]Day, int(n))}
	for i := range y.days {
		d := first.AddDate(0, 0, i)
		k := Working
		if isWeekend(d) {
			k = Weekend
		}
		y.days[i] = Day{Date: d, Kind: k}
	}
	at := func(d time.Time) *Day { return &y.days[d.YearDay()-1] }

	parse := func(what, s string) (time.Time, error) {
		d, err := time.Parse(DateLayout, s)
		if err != nil || iso(d) != s {
			return time.Time{}, invalid(yr, s, "%s: not a valid date, want YYYY-MM-DD", what)
		}
		if d.Year() != yr {
			return time.Time{}, invalid(yr, s, "%s: outside the year", what)
		}
		return d, nil
	}

	for _, h := range yj.Holidays {
		d, err := parse("holiday", h.Date)
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(h.Name) == "" {
			return nil, invalid(yr, h.Date, "holiday: empty name")
		}
		if at(d).Kind == Holiday {
			return nil, invalid(yr, h.Date, "holiday: date appears more than once")
		}
		*at(d) = Day{Date: d, Kind: Holiday, Holiday: h.Name}
	}

	for _, t := range yj.Transfers {
		off, err := parse("transfer day_off", t.DayOff)
		if err != nil {
			return nil, err
		}
		work, err := parse("transfer working_day", t.WorkingDay)
		if err != nil {
			return nil, err
		}
		switch k := at(off).Kind; {
		case k == Holiday:
			return nil, invalid(yr, t.DayOff, "transfer day_off: is a holiday (%s); only a Monday–Friday working day can be made a day off", at(off).Holiday)
		case k == TransferredDayOff:
			return nil, invalid(yr, t.DayOff, "transfer day_off: appears in more than one transfer")
		case isWeekend(off):
			return nil, invalid(yr, t.DayOff, "transfer day_off: is a %s; want a Monday–Friday", off.Weekday())
		}
		switch k := at(work).Kind; {
		case k == Holiday:
			return nil, invalid(yr, t.WorkingDay, "transfer working_day: is a holiday (%s); want a Saturday or Sunday that is not a holiday", at(work).Holiday)
		case k == TransferredWorkday:
			return nil, invalid(yr, t.WorkingDay, "transfer working_day: appears in more than one transfer")
		case !isWeekend(work):
			return nil, invalid(yr, t.WorkingDay, "transfer working_day: is a %s; want a Saturday or Sunday", work.Weekday())
		}
		*at(off) = Day{Date: off, Kind: TransferredDayOff, Counterpart: work}
		*at(work) = Day{Date: work, Kind: TransferredWorkday, Counterpart: off}
	}

	y.src = yearJSON{
		Year:         yr,
		Holidays:     slices.Clone(yj.Holidays),
		Transfers:    slices.Clone(yj.Transfers),
		TransfersAct: yj.TransfersAct,
		Sources:      slices.Clone(yj.Sources),
	}
	slices.SortFunc(y.src.Holidays, func(a, b holidayJSON) int { return strings.Compare(a.Date, b.Date) })
	slices.SortFunc(y.src.Transfers, func(a, b transferJSON) int { return strings.Compare(a.DayOff, b.DayOff) })
	if y.src.Transfers == nil {
		y.src.Transfers = []transferJSON{}
	}
	if y.src.Sources == nil {
		y.src.Sources = []string{}
	}
	return y, nil
}

func isWeekend(d time.Time) bool {
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// jsonError turns a decoding error into a ValidationError with the line and
// column of the offending character (the last one the decoder read), which is
// what a person editing the file needs.
func jsonError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &ValidationError{Problem: fmt.Sprintf("invalid JSON at %s: %v", position(data, syn.Offset-1), syn), Err: err}
	case errors.As(err, &typ):
		return &ValidationError{Problem: fmt.Sprintf("invalid JSON at %s: field %q: want %s, got %s", position(data, typ.Offset-1), typ.Field, typ.Type, typ.Value), Err: err}
	case errors.Is(err, io.EOF):
		return &ValidationError{Problem: "invalid JSON: empty input", Err: err}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &ValidationError{Problem: "invalid JSON: input ends in the middle of a value", Err: err}
	default:
		return &ValidationError{Problem: "invalid JSON: " + err.Error(), Err: err}
	}
}

func position(data []byte, off int64) string {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return fmt.Sprintf("line %d, column %d", line, col)
}

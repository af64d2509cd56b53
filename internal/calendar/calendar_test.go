package calendar

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// setup returns the embedded calendar, which every test may share: it is
// immutable.
func setup(t *testing.T) *Calendar {
	t.Helper()
	c, err := Default()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	return c
}

func mustParse(t *testing.T, doc string) *Calendar {
	t.Helper()
	c, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func TestDefaultYears(t *testing.T) {
	t.Parallel()
	c := setup(t)
	if got, want := c.Years(), []int{2025, 2026, 2027}; !slices.Equal(got, want) {
		t.Fatalf("Years() = %v, want %v", got, want)
	}
	for _, tc := range []struct {
		year int
		want bool
	}{{2025, false}, {2026, false}, {2027, true}} {
		got, err := c.Provisional(tc.year)
		if err != nil || got != tc.want {
			t.Errorf("Provisional(%d) = %v, %v; want %v", tc.year, got, err, tc.want)
		}
	}
	if _, err := c.Provisional(2024); !errors.Is(err, ErrOutsideCalendar) {
		t.Errorf("Provisional(2024) error = %v, want ErrOutsideCalendar", err)
	}
}

func TestDayInfo(t *testing.T) {
	t.Parallel()
	c := setup(t)
	minsk := time.FixedZone("Europe/Minsk", 3*60*60)
	tests := []struct {
		name        string
		date        time.Time
		kind        DayKind
		holiday     string
		counterpart time.Time
	}{
		{"ordinary Friday", Date(2025, 1, 3), Working, "", time.Time{}},
		{"Saturday", Date(2025, 1, 4), Weekend, "", time.Time{}},
		{"Sunday", Date(2025, 1, 5), Weekend, "", time.Time{}},
		{"New Year", Date(2025, 1, 1), Holiday, "Новый год", time.Time{}},
		{"second day of New Year", Date(2026, 1, 2), Holiday, "Новый год", time.Time{}},
		{"holiday on a Saturday stays a holiday", Date(2025, 3, 8), Holiday, "День женщин", time.Time{}},
		{"holiday on a Sunday", Date(2026, 3, 8), Holiday, "День женщин", time.Time{}},
		{"Radunitsa 2025", Date(2025, 4, 29), Holiday, "Радуница (по календарю православной конфессии)", time.Time{}},
		{"Radunitsa 2027", Date(2027, 5, 11), Holiday, "Радуница (по календарю православной конфессии)", time.Time{}},
		{"transferred day off in January 2025", Date(2025, 1, 6), TransferredDayOff, "", Date(2025, 1, 11)},
		{"its working Saturday", Date(2025, 1, 11), TransferredWorkday, "", Date(2025, 1, 6)},
		{"transferred day off before Radunitsa 2025", Date(2025, 4, 28), TransferredDayOff, "", Date(2025, 4, 26)},
		{"working Saturday before it", Date(2025, 4, 26), TransferredWorkday, "", Date(2025, 4, 28)},
		{"transferred day off after Independence Day", Date(2025, 7, 4), TransferredDayOff, "", Date(2025, 7, 12)},
		{"working Saturday in July", Date(2025, 7, 12), TransferredWorkday, "", Date(2025, 7, 4)},
		{"transferred day off after Christmas 2025", Date(2025, 12, 26), TransferredDayOff, "", Date(2025, 12, 20)},
		{"working Saturday in December", Date(2025, 12, 20), TransferredWorkday, "", Date(2025, 12, 26)},
		{"transferred day off before Radunitsa 2026", Date(2026, 4, 20), TransferredDayOff, "", Date(2026, 4, 25)},
		{"working Saturday in April 2026", Date(2026, 4, 25), TransferredWorkday, "", Date(2026, 4, 20)},
		{"late evening in Minsk is still that day", time.Date(2026, 5, 1, 23, 30, 0, 0, minsk), Holiday, "Праздник труда", time.Time{}},
		{"just after midnight in Minsk, still 30 April in UTC", time.Date(2026, 5, 1, 0, 30, 0, 0, minsk), Holiday, "Праздник труда", time.Time{}},
		{"clock is ignored", time.Date(2026, 4, 30, 18, 0, 0, 0, time.UTC), Working, "", time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, err := c.DayInfo(tc.date)
			if err != nil {
				t.Fatalf("DayInfo: %v", err)
			}
			y, m, dd := tc.date.Date()
			if want := Date(y, m, dd); !d.Date.Equal(want) || d.Date.Location() != time.UTC {
				t.Errorf("Date = %v, want %v UTC", d.Date, want)
			}
			if d.Kind != tc.kind || d.Holiday != tc.holiday || !d.Counterpart.Equal(tc.counterpart) {
				t.Errorf("DayInfo = {%v %q %s}, want {%v %q %s}", d.Kind, d.Holiday, iso(d.Counterpart), tc.kind, tc.holiday, iso(tc.counterpart))
			}
			if want := tc.kind == Working || tc.kind == TransferredWorkday; d.Working() != want {
				t.Errorf("Working() = %v, want %v", d.Working(), want)
			}
		})
	}
}

func TestDayInfoOutsideCalendar(t *testing.T) {
	t.Parallel()
	c := setup(t)
	for _, date := range []time.Time{Date(2024, 12, 31), Date(2028, 1, 3)} {
		_, err := c.DayInfo(date)
		if !errors.Is(err, ErrOutsideCalendar) {
			t.Fatalf("DayInfo(%s) error = %v, want ErrOutsideCalendar", iso(date), err)
		}
		if !strings.Contains(err.Error(), iso(date)) {
			t.Errorf("error %q does not name the date %s", err, iso(date))
		}
	}
}

// TestWorkdays checks the data against the official production calendar.
// The literals were counted independently, day by day, from the published
// holidays and transfers, and agree with the figures the Ministry of Labour
// published month by month (November 2025: 19, December 2025: 22).
//
// 2025 has 252 working days, not 255: 1 January 2025 is a Wednesday, so the
// year has 261 Monday–Fridays; nine of the ten holidays fall on them (only
// 8 March is a Saturday), and the four transfers exchange four weekdays for
// four Saturdays. 255 would need three more weekdays than the calendar has.
// 2026 has 254: 261 Monday–Fridays less seven weekday holidays (8 March,
// 9 May and 7 November fall on a weekend); its one transfer nets out.
func TestWorkdays(t *testing.T) {
	t.Parallel()
	c := setup(t)
	tests := []struct {
		year  int
		want  [12]int
		total int
	}{
		{2025, [12]int{20, 20, 21, 21, 20, 21, 22, 21, 22, 23, 19, 22}, 252},
		{2026, [12]int{19, 20, 22, 21, 20, 22, 22, 21, 22, 22, 21, 22}, 254},
		// Provisional: no transfers decided yet.
		{2027, [12]int{19, 20, 22, 22, 20, 22, 22, 22, 22, 21, 22, 23}, 257},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.year), func(t *testing.T) {
			t.Parallel()
			got, err := c.Workdays(tc.year)
			if err != nil {
				t.Fatalf("Workdays: %v", err)
			}
			if got != tc.want {
				t.Errorf("Workdays(%d) = %v, want %v", tc.year, got, tc.want)
			}
			sum := 0
			for _, n := range got {
				sum += n
			}
			if sum != tc.total {
				t.Errorf("total = %d, want %d", sum, tc.total)
			}
		})
	}
	if _, err := c.Workdays(2028); !errors.Is(err, ErrOutsideCalendar) {
		t.Errorf("Workdays(2028) error = %v, want ErrOutsideCalendar", err)
	}
}

// TestDataHolidays checks every loaded year against the list of public
// holidays (Decree No. 157 of 26.03.1998 as amended: New Year on 1 and 2
// January since 2020), with Radunitsa on the ninth day after Orthodox Easter,
// computed here independently of the data.
func TestDataHolidays(t *testing.T) {
	t.Parallel()
	c := setup(t)
	for _, y := range c.Years() {
		t.Run(fmt.Sprint(y), func(t *testing.T) {
			t.Parallel()
			want := []time.Time{
				Date(y, 1, 1), Date(y, 1, 2), Date(y, 1, 7), Date(y, 3, 8), Date(y, 5, 1),
				Date(y, 5, 9), Date(y, 7, 3), Date(y, 11, 7), Date(y, 12, 25),
				orthodoxEaster(y).AddDate(0, 0, 9),
			}
			var got []time.Time
			for d := Date(y, 1, 1); d.Year() == y; d = d.AddDate(0, 0, 1) {
				day, err := c.DayInfo(d)
				if err != nil {
					t.Fatal(err)
				}
				if day.Kind == Holiday {
					got = append(got, d)
				}
			}
			slices.SortFunc(want, time.Time.Compare)
			if !slices.EqualFunc(got, want, time.Time.Equal) {
				t.Errorf("holidays %v, want %v", got, want)
			}
			r, _ := c.DayInfo(orthodoxEaster(y).AddDate(0, 0, 9))
			if !strings.HasPrefix(r.Holiday, "Радуница") {
				t.Errorf("Easter+9 is %q, want Радуница", r.Holiday)
			}
		})
	}
}

// orthodoxEaster is Meeus's Julian computus, shifted to the Gregorian
// calendar (13 days in 1900–2099).
func orthodoxEaster(y int) time.Time {
	a, b, c := y%4, y%7, y%19
	d := (19*c + 15) % 30
	e := (2*a + 4*b - d + 34) % 7
	month := (d + e + 114) / 31
	day := (d+e+114)%31 + 1
	return Date(y, time.Month(month), day+13)
}

// yearDoc builds a one-year file for 2025 with the given holidays and
// transfers (JSON arrays), for Parse tests.
func yearDoc(holidays, transfers string) string {
	return `{"years": [{"year": 2025, "holidays": ` + holidays + `, "transfers": ` + transfers +
		`, "transfers_act": "test", "sources": []}]}`
}

const baseHolidays = `[{"date": "2025-01-01", "name": "Новый год"}, {"date": "2025-01-07", "name": "Рождество"}, {"date": "2025-03-08", "name": "День женщин"}]`

func TestParseRejects(t *testing.T) {
	t.Parallel()
	withHoliday := func(h string) string {
		return yearDoc(`[{"date": "2025-01-01", "name": "Новый год"}, `+h+`]`, `[]`)
	}
	withTransfer := func(tr string) string { return yearDoc(baseHolidays, `[`+tr+`]`) }
	tests := []struct {
		name, doc, want string
	}{
		{"empty input", ``, `calendar: invalid JSON: empty input`},
		{"truncated", `{"years": [`, `calendar: invalid JSON: input ends in the middle of a value`},
		{"syntax error", "{\"years\": [\n  }", `calendar: invalid JSON at line 2, column 3: invalid character '}' looking for beginning of value`},
		{"wrong type", `{"years": [{"year": "2025"}]}`, `calendar: invalid JSON at line 1, column 26: field "years.year": want int, got string`},
		{"unknown field", `{"years": [{"year": 2025, "holiday": []}]}`, `calendar: invalid JSON: json: unknown field "holiday"`},
		{"data after the object", yearDoc(baseHolidays, `[]`) + ` {}`, `data after the top-level object`},
		{"no years", `{"years": []}`, `calendar: no years`},
		{"duplicate year", `{"years": [{"year": 2025, "holidays": ` + baseHolidays + `}, {"year": 2025, "holidays": ` + baseHolidays + `}]}`, `calendar: year 2025: year appears more than once`},
		{"missing year", `{"years": [{"holidays": ` + baseHolidays + `}]}`, `calendar: year 0 out of range`},
		{"no holidays", yearDoc(`[]`, `[]`), `calendar: year 2025: no holidays`},
		{"malformed date", withHoliday(`{"date": "2025-1-07", "name": "X"}`), `calendar: year 2025: 2025-1-07: holiday: not a valid date, want YYYY-MM-DD`},
		{"impossible date", withHoliday(`{"date": "2025-02-29", "name": "X"}`), `calendar: year 2025: 2025-02-29: holiday: not a valid date, want YYYY-MM-DD`},
		{"holiday in another year", withHoliday(`{"date": "2026-01-01", "name": "Новый год"}`), `calendar: year 2025: 2026-01-01: holiday: outside the year`},
		{"duplicate holiday", withHoliday(`{"date": "2025-01-01", "name": "Новый год"}`), `calendar: year 2025: 2025-01-01: holiday: date appears more than once`},
		{"nameless holiday", withHoliday(`{"date": "2025-01-07", "name": " "}`), `calendar: year 2025: 2025-01-07: holiday: empty name`},
		{"transfer in another year", withTransfer(`{"day_off": "2025-12-31", "working_day": "2026-01-03"}`), `calendar: year 2025: 2026-01-03: transfer working_day: outside the year`},
		{"day off on a Saturday", withTransfer(`{"day_off": "2025-01-11", "working_day": "2025-01-18"}`), `calendar: year 2025: 2025-01-11: transfer day_off: is a Saturday; want a Monday–Friday`},
		{"day off on a holiday", withTransfer(`{"day_off": "2025-01-07", "working_day": "2025-01-11"}`), `calendar: year 2025: 2025-01-07: transfer day_off: is a holiday (Рождество); only a Monday–Friday working day can be made a day off`},
		{"working day on a Monday", withTransfer(`{"day_off": "2025-01-06", "working_day": "2025-01-13"}`), `calendar: year 2025: 2025-01-13: transfer working_day: is a Monday; want a Saturday or Sunday`},
		{"working day on a holiday Saturday", withTransfer(`{"day_off": "2025-03-07", "working_day": "2025-03-08"}`), `calendar: year 2025: 2025-03-08: transfer working_day: is a holiday (День женщин); want a Saturday or Sunday that is not a holiday`},
		{"day off transferred twice", withTransfer(`{"day_off": "2025-01-06", "working_day": "2025-01-11"}, {"day_off": "2025-01-06", "working_day": "2025-01-18"}`), `calendar: year 2025: 2025-01-06: transfer day_off: appears in more than one transfer`},
		{"working day used twice", withTransfer(`{"day_off": "2025-01-06", "working_day": "2025-01-11"}, {"day_off": "2025-01-08", "working_day": "2025-01-11"}`), `calendar: year 2025: 2025-01-11: transfer working_day: appears in more than one transfer`},
		{"other weekend", `{"rules": {"weekend": ["Fri", "Sat"]}, "years": []}`, `calendar: rules: weekend ["Fri" "Sat"] is not supported, only ["Sat", "Sun"]`},
		{"holidays moved off weekends", `{"rules": {"holiday_on_weekend_moves": true}, "years": []}`, `calendar: rules: holiday_on_weekend_moves=true is not supported`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Parse([]byte(tc.doc))
			if err == nil {
				t.Fatalf("Parse accepted the file: years %v", c.Years())
			}
			if !errors.Is(err, ErrInvalidCalendar) {
				t.Errorf("error %v is not ErrInvalidCalendar", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error\n %s\nwant it to contain\n %s", err, tc.want)
			}
		})
	}
}

func TestParseAcceptsMinimalFile(t *testing.T) {
	t.Parallel()
	c := mustParse(t, yearDoc(baseHolidays, `[{"day_off": "2025-01-06", "working_day": "2025-01-11"}]`))
	if got := c.Years(); !slices.Equal(got, []int{2025}) {
		t.Fatalf("Years() = %v", got)
	}
	d, err := c.DayInfo(Date(2025, 1, 6))
	if err != nil || d.Kind != TransferredDayOff {
		t.Errorf("DayInfo(2025-01-06) = %v, %v; want a transferred day off", d, err)
	}
}

func TestYearJSONRoundTrip(t *testing.T) {
	t.Parallel()
	c := setup(t)
	for _, y := range c.Years() {
		t.Run(fmt.Sprint(y), func(t *testing.T) {
			t.Parallel()
			b, err := c.YearJSON(y)
			if err != nil {
				t.Fatalf("YearJSON: %v", err)
			}
			back, err := Parse(b)
			if err != nil {
				t.Fatalf("Parse(YearJSON): %v\n%s", err, b)
			}
			if got := back.Years(); !slices.Equal(got, []int{y}) {
				t.Fatalf("Years() = %v, want [%d]", got, y)
			}
			for d := Date(y, 1, 1); d.Year() == y; d = d.AddDate(0, 0, 1) {
				want, _ := c.DayInfo(d)
				got, _ := back.DayInfo(d)
				if got != want {
					t.Fatalf("%s: %+v after the round trip, want %+v", iso(d), got, want)
				}
			}
			wp, _ := c.Provisional(y)
			if gp, _ := back.Provisional(y); gp != wp {
				t.Errorf("Provisional = %v after the round trip, want %v", gp, wp)
			}
			again, _ := back.YearJSON(y)
			if !bytes.Equal(again, b) {
				t.Errorf("second serialisation differs:\n%s\nvs\n%s", again, b)
			}
		})
	}
	if _, err := c.YearJSON(2030); !errors.Is(err, ErrOutsideCalendar) {
		t.Errorf("YearJSON(2030) error = %v, want ErrOutsideCalendar", err)
	}
}

func TestYearJSONShape(t *testing.T) {
	t.Parallel()
	c := setup(t)
	b, err := c.YearJSON(2027)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"year": 2027`, `"date": "2027-05-11"`, `"transfers": []`, `"transfers_act": null`, `"sources": []`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("YearJSON(2027) lacks %s:\n%s", want, b)
		}
	}
}

// TestMerge loads a (hypothetical) decided 2027 and a new 2028 at run time.
func TestMerge(t *testing.T) {
	t.Parallel()
	base := setup(t)
	update := mustParse(t, `{"years": [
		{"year": 2027, "holidays": [{"date": "2027-01-01", "name": "Новый год"}, {"date": "2027-01-07", "name": "Рождество Христово (православное)"}],
		 "transfers": [{"day_off": "2027-01-08", "working_day": "2027-01-16"}], "transfers_act": "test act", "sources": []},
		{"year": 2028, "holidays": [{"date": "2028-01-01", "name": "Новый год"}], "transfers": [], "transfers_act": "test act", "sources": []}
	]}`)
	merged := base.Merge(update)

	if got, want := merged.Years(), []int{2025, 2026, 2027, 2028}; !slices.Equal(got, want) {
		t.Errorf("merged Years() = %v, want %v", got, want)
	}
	tests := []struct {
		name string
		cal  *Calendar
		date time.Time
		kind DayKind
	}{
		{"2027 replaced: new transfer", merged, Date(2027, 1, 8), TransferredDayOff},
		{"2027 replaced: holiday absent from the new year is gone", merged, Date(2027, 5, 11), Working},
		{"2028 added", merged, Date(2028, 1, 3), Working},
		{"other years kept", merged, Date(2025, 1, 6), TransferredDayOff},
		{"base unchanged", base, Date(2027, 1, 8), Working},
		{"base unchanged", base, Date(2027, 5, 11), Holiday},
	}
	for _, tc := range tests {
		d, err := tc.cal.DayInfo(tc.date)
		if err != nil || d.Kind != tc.kind {
			t.Errorf("%s: DayInfo(%s) = %v, %v; want %v", tc.name, iso(tc.date), d.Kind, err, tc.kind)
		}
	}
	if _, err := base.DayInfo(Date(2028, 1, 3)); !errors.Is(err, ErrOutsideCalendar) {
		t.Errorf("base gained 2028: %v", err)
	}
	if p, _ := merged.Provisional(2027); p {
		t.Error("2027 still provisional after loading its transfers act")
	}
	if got := base.Merge(nil).Years(); !slices.Equal(got, base.Years()) {
		t.Errorf("Merge(nil).Years() = %v", got)
	}
}

func TestDefaultIsShared(t *testing.T) {
	t.Parallel()
	a, b := setup(t), setup(t)
	if a != b {
		t.Error("Default parsed the embedded file twice")
	}
}

func TestDayKindString(t *testing.T) {
	t.Parallel()
	for k, want := range map[DayKind]string{
		Working: "working", Weekend: "weekend", Holiday: "holiday",
		TransferredDayOff: "transferred-day-off", TransferredWorkday: "transferred-workday",
		DayKind(0): "DayKind(0)",
	} {
		if got := k.String(); got != want {
			t.Errorf("DayKind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}

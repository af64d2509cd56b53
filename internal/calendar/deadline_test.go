package calendar

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func mustTerm(t *testing.T, s string) Term {
	t.Helper()
	term, err := ParseTerm(s)
	if err != nil {
		t.Fatal(err)
	}
	return term
}

func TestDue(t *testing.T) {
	t.Parallel()
	c := setup(t)
	tests := []struct {
		name    string
		from    time.Time
		term    string
		due     time.Time
		nominal time.Time // zero: same as due
		clamped bool
		days    []time.Time // Deadline.Days, by date
	}{
		// Working days.
		{
			name: "working days over May Day and a weekend",
			from: Date(2026, 4, 30), term: "5 рабочих дней", due: Date(2026, 5, 8),
			days: []time.Time{Date(2026, 5, 1), Date(2026, 5, 2), Date(2026, 5, 3)},
		},
		{
			name: "working days across the year boundary",
			from: Date(2025, 12, 24), term: "10 рабочих дней", due: Date(2026, 1, 14),
			days: []time.Time{
				Date(2025, 12, 25), Date(2025, 12, 26), Date(2025, 12, 27), Date(2025, 12, 28),
				Date(2026, 1, 1), Date(2026, 1, 2), Date(2026, 1, 3), Date(2026, 1, 4),
				Date(2026, 1, 7), Date(2026, 1, 10), Date(2026, 1, 11),
			},
		},
		{
			name: "a transferred working Saturday is counted",
			from: Date(2025, 1, 8), term: "3 рабочих дня", due: Date(2025, 1, 11),
			days: []time.Time{Date(2025, 1, 11)},
		},
		{
			name: "a transferred day off is skipped",
			from: Date(2025, 1, 3), term: "1 рабочий день", due: Date(2025, 1, 8),
			days: []time.Time{Date(2025, 1, 4), Date(2025, 1, 5), Date(2025, 1, 6), Date(2025, 1, 7)},
		},
		{
			name: "working days counted from a non-working day",
			from: Date(2026, 5, 2), term: "1 рабочий день", due: Date(2026, 5, 4),
			days: []time.Time{Date(2026, 5, 3)},
		},
		// Calendar days.
		{
			name: "calendar days ending on an ordinary working day",
			from: Date(2026, 3, 2), term: "10 дней", due: Date(2026, 3, 12),
		},
		{
			name: "calendar days ending on a weekday holiday move to the next day",
			from: Date(2025, 4, 21), term: "10 дней", due: Date(2025, 5, 2), nominal: Date(2025, 5, 1),
			days: []time.Time{Date(2025, 5, 1)},
		},
		{
			name: "calendar days ending on a holiday Saturday move past the weekend",
			from: Date(2026, 4, 29), term: "10 дней со дня обращения", due: Date(2026, 5, 11), nominal: Date(2026, 5, 9),
			days: []time.Time{Date(2026, 5, 9), Date(2026, 5, 10)},
		},
		{
			name: "calendar days ending on a transferred day off",
			from: Date(2025, 6, 24), term: "10 дней", due: Date(2025, 7, 7), nominal: Date(2025, 7, 4),
			days: []time.Time{Date(2025, 7, 4), Date(2025, 7, 5), Date(2025, 7, 6)},
		},
		{
			name: "calendar days ending on a transferred working Saturday stay there",
			from: Date(2025, 7, 2), term: "10 календарных дней", due: Date(2025, 7, 12),
			days: []time.Time{Date(2025, 7, 12)},
		},
		{
			name: "calendar days from the day before New Year",
			from: Date(2024, 12, 30), term: "5 дней", due: Date(2025, 1, 8), nominal: Date(2025, 1, 4),
			days: []time.Time{Date(2025, 1, 4), Date(2025, 1, 5), Date(2025, 1, 6), Date(2025, 1, 7)},
		},
		// Months.
		{
			name: "month end: 31 January + 1 month is 28 February, a Saturday",
			from: Date(2026, 1, 31), term: "1 месяц", due: Date(2026, 3, 2), nominal: Date(2026, 2, 28), clamped: true,
			days: []time.Time{Date(2026, 2, 28), Date(2026, 3, 1)},
		},
		{
			name: "month end on a working day",
			from: Date(2025, 3, 31), term: "1 месяц", due: Date(2025, 4, 30), clamped: true,
		},
		{
			name: "month term ending on a weekend",
			from: Date(2025, 1, 15), term: "1 месяц со дня подачи заявления", due: Date(2025, 2, 17), nominal: Date(2025, 2, 15),
			days: []time.Time{Date(2025, 2, 15), Date(2025, 2, 16)},
		},
		{
			name: "month term ending on Orthodox Christmas",
			from: Date(2025, 12, 7), term: "1 месяц", due: Date(2026, 1, 8), nominal: Date(2026, 1, 7),
			days: []time.Time{Date(2026, 1, 7)},
		},
		{
			name: "months across the year boundary",
			from: Date(2025, 11, 30), term: "2 месяца", due: Date(2026, 1, 30),
		},
		// Same day.
		{
			name: "same day on a working day",
			from: Date(2026, 4, 30), term: "в день обращения", due: Date(2026, 4, 30),
		},
		{
			name: "same day on a Saturday",
			from: Date(2026, 5, 2), term: "в день обращения", due: Date(2026, 5, 4), nominal: Date(2026, 5, 2),
			days: []time.Time{Date(2026, 5, 2), Date(2026, 5, 3)},
		},
		{
			name: "same day on a holiday",
			from: Date(2026, 5, 1), term: "в день подачи заявления", due: Date(2026, 5, 4), nominal: Date(2026, 5, 1),
			days: []time.Time{Date(2026, 5, 1), Date(2026, 5, 2), Date(2026, 5, 3)},
		},
		{
			name: "same day on a transferred working Saturday",
			from: Date(2025, 1, 11), term: "в день обращения", due: Date(2025, 1, 11),
			days: []time.Time{Date(2025, 1, 11)},
		},
		{
			name: "same day on the last loaded day",
			from: Date(2027, 12, 31), term: "в день обращения", due: Date(2027, 12, 31),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dl, err := c.Due(tc.from, mustTerm(t, tc.term))
			if err != nil {
				t.Fatalf("Due: %v", err)
			}
			if !dl.Due.Equal(tc.due) {
				t.Errorf("Due = %s, want %s", iso(dl.Due), iso(tc.due))
			}
			nominal := tc.nominal
			if nominal.IsZero() {
				nominal = tc.due
			}
			if !dl.Nominal.Equal(nominal) {
				t.Errorf("Nominal = %s, want %s", iso(dl.Nominal), iso(nominal))
			}
			if dl.Clamped != tc.clamped {
				t.Errorf("Clamped = %v, want %v", dl.Clamped, tc.clamped)
			}
			var days []time.Time
			for _, d := range dl.Days {
				days = append(days, d.Date)
			}
			if !slices.EqualFunc(days, tc.days, time.Time.Equal) {
				t.Errorf("Days = %v, want %v", days, tc.days)
			}
			if term := mustTerm(t, tc.term); term.Kind == WorkingDays && dl.Counted != term.N {
				t.Errorf("Counted = %d, want %d", dl.Counted, term.N)
			}
		})
	}
}

func TestDueOutsideCalendar(t *testing.T) {
	t.Parallel()
	c := setup(t)
	// A test-only year whose last day is a holiday, so that moving the end
	// of a term off it needs the next, unloaded year.
	lastDayOff := mustParse(t, `{"years": [{"year": 2026, "holidays": [{"date": "2026-12-31", "name": "тест"}],
		"transfers": [], "transfers_act": "test", "sources": []}]}`)
	tests := []struct {
		name    string
		cal     *Calendar
		from    time.Time
		term    string
		missing string // the first day the computation needed
	}{
		{"working days running past the last loaded year", c, Date(2027, 12, 24), "10 рабочих дней", "2028-01-01"},
		{"calendar days ending past it", c, Date(2027, 12, 31), "1 день", "2028-01-01"},
		{"months ending past it", c, Date(2027, 12, 15), "1 месяц", "2028-01-15"},
		{"moving off a non-working day past it", lastDayOff, Date(2026, 12, 30), "1 день", "2027-01-01"},
		{"working days from before the first loaded year", c, Date(2024, 12, 30), "1 рабочий день", "2024-12-31"},
		{"same day in an unloaded year", c, Date(2024, 12, 30), "в день обращения", "2024-12-30"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dl, err := tc.cal.Due(tc.from, mustTerm(t, tc.term))
			if !errors.Is(err, ErrOutsideCalendar) {
				t.Fatalf("Due = %s, %v; want ErrOutsideCalendar", iso(dl.Due), err)
			}
			if !strings.Contains(err.Error(), tc.missing) {
				t.Errorf("error %q does not name %s", err, tc.missing)
			}
		})
	}
}

func TestDueInvalidTerm(t *testing.T) {
	t.Parallel()
	c := setup(t)
	for _, term := range []Term{{}, {WorkingDays, 0}, {SameDay, 1}} {
		if _, err := c.Due(Date(2026, 1, 5), term); !errors.Is(err, ErrInvalidTerm) {
			t.Errorf("Due with %+v: error %v, want ErrInvalidTerm", term, err)
		}
	}
}

func TestDueIgnoresClockAndZone(t *testing.T) {
	t.Parallel()
	c := setup(t)
	minsk := time.FixedZone("Europe/Minsk", 3*60*60)
	// 00:30 on 1 May in Minsk is still 30 April in UTC; the date the
	// application bears is 1 May.
	dl, err := c.Due(time.Date(2026, 5, 1, 0, 30, 0, 0, minsk), Term{WorkingDays, 1})
	if err != nil {
		t.Fatal(err)
	}
	if !dl.From.Equal(Date(2026, 5, 1)) || !dl.Due.Equal(Date(2026, 5, 4)) || dl.Due.Location() != time.UTC {
		t.Errorf("From %v, Due %v; want 2026-05-01 and 2026-05-04 UTC", dl.From, dl.Due)
	}
}

func TestDueProvisionalYear(t *testing.T) {
	t.Parallel()
	c := setup(t)
	dl, err := c.Due(Date(2026, 12, 28), Term{WorkingDays, 10})
	if err != nil {
		t.Fatal(err)
	}
	if !dl.Due.Equal(Date(2027, 1, 13)) {
		t.Errorf("Due = %s, want 2027-01-13", iso(dl.Due))
	}
	if !slices.Equal(dl.ProvisionalYears, []int{2027}) {
		t.Errorf("ProvisionalYears = %v, want [2027]", dl.ProvisionalYears)
	}
	if lines := dl.Explain("ru"); !slices.Contains(lines, "Внимание: переносы рабочих дней на 2027 год ещё не утверждены, срок может измениться") {
		t.Errorf("Explain lacks the warning: %q", lines)
	}
	dl, _ = c.Due(Date(2026, 5, 4), Term{WorkingDays, 10})
	if dl.ProvisionalYears != nil {
		t.Errorf("ProvisionalYears = %v for a term within 2026", dl.ProvisionalYears)
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	c := setup(t)
	tests := []struct {
		name string
		from time.Time
		term string
		lang string
		want []string
	}{
		{
			name: "working days, Russian", from: Date(2026, 4, 30), term: "5 рабочих дней", lang: "ru",
			want: []string{
				"Срок: 5 рабочих дней со дня, следующего за 2026-04-30",
				"2026-05-01 — нерабочий день: Праздник труда",
				"2026-05-02 — выходной (суббота)",
				"2026-05-03 — выходной (воскресенье)",
				"Отсчитано рабочих дней: 5",
				"Последний день срока: 2026-05-08",
			},
		},
		{
			name: "working days, Belarusian", from: Date(2026, 4, 30), term: "5 рабочих дней", lang: "be",
			want: []string{
				"Тэрмін: 5 рабочых дзён з дня, наступнага за 2026-04-30",
				"2026-05-01 — непрацоўны дзень: Праздник труда",
				"2026-05-02 — выхадны (субота)",
				"2026-05-03 — выхадны (нядзеля)",
				"Адлічана рабочых дзён: 5",
				"Апошні дзень тэрміну: 2026-05-08",
			},
		},
		{
			name: "a transferred working Saturday", from: Date(2025, 1, 8), term: "3 рабочих дня", lang: "ru",
			want: []string{
				"Срок: 3 рабочих дня со дня, следующего за 2025-01-08",
				"2025-01-11 — рабочий день (суббота): перенесён с 2025-01-06",
				"Отсчитано рабочих дней: 3",
				"Последний день срока: 2025-01-11",
			},
		},
		{
			name: "calendar days ending on a transferred day off", from: Date(2025, 6, 24), term: "10 дней", lang: "ru",
			want: []string{
				"Срок: 10 дней со дня, следующего за 2025-06-24",
				"Окончание срока приходится на нерабочий день 2025-07-04 и переносится на ближайший следующий рабочий день",
				"2025-07-04 — нерабочий день: рабочий день перенесён на 2025-07-12",
				"2025-07-05 — выходной (суббота)",
				"2025-07-06 — выходной (воскресенье)",
				"Последний день срока: 2025-07-07",
			},
		},
		{
			name: "calendar days ending on a transferred day off, Belarusian", from: Date(2025, 6, 24), term: "10 дней", lang: "be-BY",
			want: []string{
				"Тэрмін: 10 дзён з дня, наступнага за 2025-06-24",
				"Заканчэнне тэрміну прыпадае на непрацоўны дзень 2025-07-04 і пераносіцца на бліжэйшы наступны рабочы дзень",
				"2025-07-04 — непрацоўны дзень: рабочы дзень перанесены на 2025-07-12",
				"2025-07-05 — выхадны (субота)",
				"2025-07-06 — выхадны (нядзеля)",
				"Апошні дзень тэрміну: 2025-07-07",
			},
		},
		{
			name: "month end", from: Date(2026, 1, 31), term: "1 месяц", lang: "ru",
			want: []string{
				"Срок: 1 месяц со дня, следующего за 2026-01-31",
				"В месяце 2026-02 нет 31-го числа: срок истекает в последний день месяца, 2026-02-28",
				"Окончание срока приходится на нерабочий день 2026-02-28 и переносится на ближайший следующий рабочий день",
				"2026-02-28 — выходной (суббота)",
				"2026-03-01 — выходной (воскресенье)",
				"Последний день срока: 2026-03-02",
			},
		},
		{
			name: "month end, Belarusian", from: Date(2026, 1, 31), term: "1 месяц", lang: "be",
			want: []string{
				"Тэрмін: 1 месяц з дня, наступнага за 2026-01-31",
				"У месяцы 2026-02 няма 31-га чысла: тэрмін сканчаецца ў апошні дзень месяца, 2026-02-28",
				"Заканчэнне тэрміну прыпадае на непрацоўны дзень 2026-02-28 і пераносіцца на бліжэйшы наступны рабочы дзень",
				"2026-02-28 — выхадны (субота)",
				"2026-03-01 — выхадны (нядзеля)",
				"Апошні дзень тэрміну: 2026-03-02",
			},
		},
		{
			name: "same day on a Saturday, Belarusian", from: Date(2026, 5, 2), term: "в день обращения", lang: "be",
			want: []string{
				"Тэрмін: у дзень звароту (2026-05-02)",
				"Дзень звароту 2026-05-02 — непрацоўны: тэрмін пераносіцца на бліжэйшы наступны рабочы дзень",
				"2026-05-02 — выхадны (субота)",
				"2026-05-03 — выхадны (нядзеля)",
				"Апошні дзень тэрміну: 2026-05-04",
			},
		},
		{
			name: "same day on a working day, unknown language falls back to Russian", from: Date(2026, 4, 30), term: "в день обращения", lang: "en",
			want: []string{
				"Срок: в день обращения (2026-04-30)",
				"Последний день срока: 2026-04-30",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dl, err := c.Due(tc.from, mustTerm(t, tc.term))
			if err != nil {
				t.Fatal(err)
			}
			if got := dl.Explain(tc.lang); !slices.Equal(got, tc.want) {
				t.Errorf("Explain(%q) =\n%s\nwant\n%s", tc.lang, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
	if got := (Deadline{}).Explain("ru"); got != nil {
		t.Errorf("zero Deadline explains to %q", got)
	}
}

func TestWorkingDayHelpers(t *testing.T) {
	t.Parallel()
	c := setup(t)
	before := []struct {
		name string
		due  time.Time
		n    int
		want time.Time
	}{
		{"three working days before a Friday", Date(2026, 5, 8), 3, Date(2026, 5, 5)},
		{"over May Day and a weekend", Date(2026, 5, 4), 1, Date(2026, 4, 30)},
		{"onto a transferred working Saturday", Date(2025, 1, 13), 1, Date(2025, 1, 11)},
		{"over a transferred day off and Christmas", Date(2025, 1, 8), 1, Date(2025, 1, 3)},
		{"zero is the due date itself", Date(2026, 5, 2), 0, Date(2026, 5, 2)},
		{"back across the year boundary", Date(2026, 1, 5), 2, Date(2025, 12, 30)},
	}
	for _, tc := range before {
		t.Run("WorkingDaysBefore/"+tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.WorkingDaysBefore(tc.due, tc.n)
			if err != nil || !got.Equal(tc.want) {
				t.Errorf("WorkingDaysBefore(%s, %d) = %s, %v; want %s", iso(tc.due), tc.n, iso(got), err, iso(tc.want))
			}
		})
	}
	if _, err := c.WorkingDaysBefore(Date(2026, 5, 8), -1); err == nil {
		t.Error("WorkingDaysBefore accepted a negative count")
	}
	if _, err := c.WorkingDaysBefore(Date(2025, 1, 3), 2); !errors.Is(err, ErrOutsideCalendar) {
		t.Errorf("WorkingDaysBefore into 2024: error %v, want ErrOutsideCalendar", err)
	}

	between := []struct {
		a, b time.Time
		want int
	}{
		{Date(2026, 4, 30), Date(2026, 5, 8), 5},
		{Date(2026, 5, 8), Date(2026, 4, 30), -5},
		{Date(2026, 5, 8), Date(2026, 5, 8), 0},
		{Date(2026, 5, 1), Date(2026, 5, 3), 0},
		{Date(2025, 1, 10), Date(2025, 1, 12), 1}, // the working Saturday
		{Date(2025, 1, 1), Date(2026, 1, 1), 252}, // all of 2025
	}
	for _, tc := range between {
		got, err := c.WorkingDaysBetween(tc.a, tc.b)
		if err != nil || got != tc.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, %v; want %d", iso(tc.a), iso(tc.b), got, err, tc.want)
		}
	}
	if _, err := c.WorkingDaysBetween(Date(2027, 12, 30), Date(2028, 1, 5)); !errors.Is(err, ErrOutsideCalendar) {
		t.Errorf("WorkingDaysBetween into 2028: error %v, want ErrOutsideCalendar", err)
	}
}

// TestDueInvariants sweeps every start date of the loaded years against the
// rules themselves rather than hand-picked answers.
func TestDueInvariants(t *testing.T) {
	t.Parallel()
	c := setup(t)
	working := func(d time.Time) bool {
		day, err := c.DayInfo(d)
		if err != nil {
			t.Fatal(err)
		}
		return day.Working()
	}
	for from := Date(2025, 1, 1); from.Before(Date(2027, 11, 1)); from = from.AddDate(0, 0, 1) {
		for n := 1; n <= 30; n++ {
			dl, err := c.Due(from, Term{CalendarDays, n})
			if err != nil {
				t.Fatal(err)
			}
			if !working(dl.Due) || dl.Due.Before(from.AddDate(0, 0, n)) {
				t.Fatalf("%s + %d days: due %s", iso(from), n, iso(dl.Due))
			}
			for d := from.AddDate(0, 0, n); d.Before(dl.Due); d = d.AddDate(0, 0, 1) {
				if working(d) {
					t.Fatalf("%s + %d days: due %s skips working day %s", iso(from), n, iso(dl.Due), iso(d))
				}
			}

			wd, err := c.Due(from, Term{WorkingDays, n})
			if err != nil {
				t.Fatal(err)
			}
			if !working(wd.Due) {
				t.Fatalf("%s + %d working days: due %s is not working", iso(from), n, iso(wd.Due))
			}
			if got, _ := c.WorkingDaysBetween(from, wd.Due); got != n {
				t.Fatalf("%s + %d working days: due %s is %d working days later", iso(from), n, iso(wd.Due), got)
			}
			if got, _ := c.AddWorkingDays(from, n); !got.Equal(wd.Due) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, Due says %s", iso(from), n, iso(got), iso(wd.Due))
			}
			// Going back n working days from the due date lands on the
			// start, or on the last working day before it.
			back, err := c.WorkingDaysBefore(wd.Due, n)
			if errors.Is(err, ErrOutsideCalendar) {
				continue // the start's last working day is in 2024
			}
			if err != nil || !working(back) || back.After(from) {
				t.Fatalf("WorkingDaysBefore(%s, %d) = %s, %v; start %s", iso(wd.Due), n, iso(back), err, iso(from))
			}
			if between, _ := c.WorkingDaysBetween(back, from); between != 0 {
				t.Fatalf("WorkingDaysBefore(%s, %d) = %s, %d working days before the start %s", iso(wd.Due), n, iso(back), between, iso(from))
			}
		}
	}
}

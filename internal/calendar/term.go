package calendar

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ErrInvalidTerm is returned for a term text that ParseTerm does not
// recognise, or a Term value that is not one ParseTerm could produce.
var ErrInvalidTerm = errors.New("invalid term")

// TermKind is the unit in which a term is counted; each has its own rule in
// Due.
type TermKind int

const (
	// SameDay is «в день обращения»: the procedure is done on the day of the
	// application.
	SameDay TermKind = iota + 1
	// CalendarDays counts every day; only the last one is moved off a
	// non-working day.
	CalendarDays
	// WorkingDays counts working days only.
	WorkingDays
	// Months ends on the same day number N months later.
	Months
)

// maxTermN bounds N: no legal term is longer, and a typo such as «1000000
// дней» should be rejected rather than computed.
const maxTermN = 9999

// Term is a legal term as written in the lists of administrative procedures
// («10 дней», «5 рабочих дней», «1 месяц», «в день обращения»). The zero value
// is not a valid term.
type Term struct {
	Kind TermKind
	N    int // 0 for SameDay
}

func (t Term) valid() bool {
	switch t.Kind {
	case SameDay:
		return t.N == 0
	case CalendarDays, WorkingDays, Months:
		return t.N >= 1 && t.N <= maxTermN
	}
	return false
}

// String gives the canonical Russian form, with the plural agreeing with N,
// which ParseTerm reads back: «1 день», «3 рабочих дня», «5 месяцев».
func (t Term) String() string {
	if !t.valid() {
		return fmt.Sprintf("calendar.Term{Kind:%d, N:%d}", int(t.Kind), t.N)
	}
	return t.text(langRU)
}

// text renders a valid term in lang, for String and Explain.
func (t Term) text(l lang) string {
	if t.Kind == SameDay {
		if l == langBE {
			return "у дзень звароту"
		}
		return "в день обращения"
	}
	forms := termForms[l][t.Kind]
	return strconv.Itoa(t.N) + " " + plural(t.N, forms[0], forms[1], forms[2])
}

var termForms = map[lang]map[TermKind][3]string{
	langRU: {
		CalendarDays: {"день", "дня", "дней"},
		WorkingDays:  {"рабочий день", "рабочих дня", "рабочих дней"},
		Months:       {"месяц", "месяца", "месяцев"},
	},
	langBE: {
		CalendarDays: {"дзень", "дні", "дзён"},
		WorkingDays:  {"рабочы дзень", "рабочыя дні", "рабочых дзён"},
		Months:       {"месяц", "месяцы", "месяцаў"},
	},
}

// plural picks the form for n by the rule shared by Russian and Belarusian:
// 1, 21, 101 → one; 2–4, 22–24 → few; 0, 5–20, 25–30, 111–114 → many.
func plural(n int, one, few, many string) string {
	if n100 := n % 100; n100 >= 11 && n100 <= 14 {
		return many
	}
	switch n % 10 {
	case 1:
		return one
	case 2, 3, 4:
		return few
	}
	return many
}

// termUnits maps the unit words accepted after N to the kind. Any plural form
// is accepted with any N: the lists are not always grammatical, and the
// number, not the ending, carries the meaning.
var termUnits = map[string]TermKind{
	"день": CalendarDays, "дня": CalendarDays, "дней": CalendarDays,
	"календарный день": CalendarDays, "календарных дня": CalendarDays, "календарных дней": CalendarDays,
	"рабочий день": WorkingDays, "рабочих дня": WorkingDays, "рабочих дней": WorkingDays,
	"месяц": Months, "месяца": Months, "месяцев": Months,
}

var sameDayTexts = []string{"в день обращения", "в день подачи заявления"}

// termSuffixes are the usual tails of a term in the lists; they restate the
// rule that counting starts from the application and change nothing.
var termSuffixes = []string{" со дня подачи заявления", " со дня обращения"}

// ParseTerm reads a term as written in the lists of administrative
// procedures, ignoring case and extra whitespace. A compound term («10 дней,
// а в случае запроса … — 1 месяц») is rejected: choosing its branch is a
// decision for the case, not for the calendar.
func ParseTerm(s string) (Term, error) {
	norm := strings.Join(strings.Fields(strings.ToLower(s)), " ")
	if slices.Contains(sameDayTexts, norm) {
		return Term{Kind: SameDay}, nil
	}
	for _, suf := range termSuffixes {
		if rest, ok := strings.CutSuffix(norm, suf); ok {
			norm = rest
			break
		}
	}
	num, unit, ok := strings.Cut(norm, " ")
	kind, known := termUnits[unit]
	if !ok || !known || !allDigits(num) {
		return Term{}, fmt.Errorf("calendar: term %q: not of the form «N дней», «N рабочих дней», «N месяцев» or «в день обращения»: %w", s, ErrInvalidTerm)
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 || n > maxTermN {
		return Term{}, fmt.Errorf("calendar: term %q: number must be from 1 to %d: %w", s, maxTermN, ErrInvalidTerm)
	}
	return Term{Kind: kind, N: n}, nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// MarshalText writes the canonical form, so a Term is a plain string in JSON,
// forms and configuration.
func (t Term) MarshalText() ([]byte, error) {
	if !t.valid() {
		return nil, fmt.Errorf("calendar: marshal %v: %w", t, ErrInvalidTerm)
	}
	return []byte(t.String()), nil
}

// UnmarshalText accepts everything ParseTerm does.
func (t *Term) UnmarshalText(b []byte) error {
	v, err := ParseTerm(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

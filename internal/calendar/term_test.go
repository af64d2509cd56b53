package calendar

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseTermAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Term
	}{
		{"в день обращения", Term{Kind: SameDay}},
		{"  В  ДЕНЬ\tобращения \n", Term{Kind: SameDay}},
		{"в день подачи заявления", Term{Kind: SameDay}},
		{"1 день", Term{CalendarDays, 1}},
		{"2 дня", Term{CalendarDays, 2}},
		{"10 дней", Term{CalendarDays, 10}},
		{"10\u00a0дней", Term{CalendarDays, 10}}, // no-break space, as copied from legal texts
		{"15 календарных дней", Term{CalendarDays, 15}},
		{"21 календарный день", Term{CalendarDays, 21}},
		{"3 календарных дня", Term{CalendarDays, 3}},
		{"1 рабочий день", Term{WorkingDays, 1}},
		{"3 рабочих дня", Term{WorkingDays, 3}},
		{"5 Рабочих Дней", Term{WorkingDays, 5}},
		{"1 месяц", Term{Months, 1}},
		{"2 месяца", Term{Months, 2}},
		{"6 месяцев", Term{Months, 6}},
		{"1 месяц со дня подачи заявления", Term{Months, 1}},
		{"5 дней со дня обращения", Term{CalendarDays, 5}},
		{"3 рабочих дня  со  дня подачи   заявления", Term{WorkingDays, 3}},
		{"5 день", Term{CalendarDays, 5}}, // ungrammatical but unambiguous
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseTerm(tc.in)
			if err != nil {
				t.Fatalf("ParseTerm: %v", err)
			}
			if got != tc.want {
				t.Errorf("ParseTerm(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseTermRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"",
		"дней",
		"0 дней",
		"-5 дней",
		"+5 дней",
		"1.5 месяца",
		"пять дней",
		"5 недель",
		"5 рабочих",
		"5 дней со дня регистрации",
		"в день обращения со дня обращения",
		"со дня подачи заявления",
		"10000 дней",
		"10 дней со дня обращения, а в случае запроса документов — 1 месяц",
		"14 дней со дня подачи заявления — в случае усыновления (удочерения); 2 месяца со дня подачи заявления — в иных случаях",
	} {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseTerm(in)
			if err == nil {
				t.Fatalf("ParseTerm(%q) = %+v, want an error", in, got)
			}
			if !errors.Is(err, ErrInvalidTerm) {
				t.Errorf("error %v is not ErrInvalidTerm", err)
			}
			if !strings.Contains(err.Error(), in) {
				t.Errorf("error %q does not quote the text", err)
			}
		})
	}
}

func TestTermString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		term Term
		want string
	}{
		{Term{Kind: SameDay}, "в день обращения"},
		{Term{CalendarDays, 1}, "1 день"},
		{Term{CalendarDays, 2}, "2 дня"},
		{Term{CalendarDays, 4}, "4 дня"},
		{Term{CalendarDays, 5}, "5 дней"},
		{Term{CalendarDays, 11}, "11 дней"},
		{Term{CalendarDays, 12}, "12 дней"},
		{Term{CalendarDays, 14}, "14 дней"},
		{Term{CalendarDays, 21}, "21 день"},
		{Term{CalendarDays, 22}, "22 дня"},
		{Term{CalendarDays, 111}, "111 дней"},
		{Term{CalendarDays, 101}, "101 день"},
		{Term{WorkingDays, 1}, "1 рабочий день"},
		{Term{WorkingDays, 3}, "3 рабочих дня"},
		{Term{WorkingDays, 10}, "10 рабочих дней"},
		{Term{WorkingDays, 31}, "31 рабочий день"},
		{Term{Months, 1}, "1 месяц"},
		{Term{Months, 2}, "2 месяца"},
		{Term{Months, 6}, "6 месяцев"},
		{Term{Months, 12}, "12 месяцев"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			if got := tc.term.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
			back, err := ParseTerm(tc.want)
			if err != nil || back != tc.term {
				t.Errorf("ParseTerm(String()) = %+v, %v; want %+v", back, err, tc.term)
			}
		})
	}
}

func TestTermBelarusianForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		term Term
		want string
	}{
		{Term{Kind: SameDay}, "у дзень звароту"},
		{Term{CalendarDays, 1}, "1 дзень"},
		{Term{CalendarDays, 3}, "3 дні"},
		{Term{CalendarDays, 10}, "10 дзён"},
		{Term{WorkingDays, 21}, "21 рабочы дзень"},
		{Term{WorkingDays, 2}, "2 рабочыя дні"},
		{Term{WorkingDays, 5}, "5 рабочых дзён"},
		{Term{Months, 1}, "1 месяц"},
		{Term{Months, 3}, "3 месяцы"},
		{Term{Months, 5}, "5 месяцаў"},
	}
	for _, tc := range tests {
		if got := tc.term.text(langBE); got != tc.want {
			t.Errorf("%+v in Belarusian = %q, want %q", tc.term, got, tc.want)
		}
	}
}

func TestTermJSON(t *testing.T) {
	t.Parallel()
	type procedure struct {
		Term Term `json:"term"`
	}
	b, err := json.Marshal(procedure{Term{WorkingDays, 5}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"term":"5 рабочих дней"}`; got != want {
		t.Errorf("Marshal = %s, want %s", got, want)
	}
	var p procedure
	if err := json.Unmarshal([]byte(`{"term":"1 месяц со дня подачи заявления"}`), &p); err != nil {
		t.Fatal(err)
	}
	if p.Term != (Term{Months, 1}) {
		t.Errorf("Unmarshal = %+v", p.Term)
	}
	if err := json.Unmarshal([]byte(`{"term":"5 недель"}`), &p); !errors.Is(err, ErrInvalidTerm) {
		t.Errorf("Unmarshal of a bad term: error %v, want ErrInvalidTerm", err)
	}
	for _, bad := range []Term{{}, {SameDay, 3}, {CalendarDays, 0}, {Months, -1}, {TermKind(9), 1}} {
		if _, err := json.Marshal(procedure{bad}); !errors.Is(err, ErrInvalidTerm) {
			t.Errorf("Marshal(%+v): error %v, want ErrInvalidTerm", bad, err)
		}
	}
}

package interop

import (
	"context"
	"testing"
	"time"

	"odnookno/internal/calendar"
)

type embeddedCalendar struct{}

func (embeddedCalendar) Calendar(context.Context) (*calendar.Calendar, error) {
	return calendar.Default()
}

// TestDueAt: the answer term runs in working days of the national calendar
// from the day the request is made in Minsk, to the end of its last day.
func TestDueAt(t *testing.T) {
	s := &Service{cal: embeddedCalendar{}}
	for _, tc := range []struct {
		name string
		from time.Time
		days int
		want time.Time // the end of the last day, Minsk
	}{
		{"over a holiday", time.Date(2026, 1, 6, 10, 0, 0, 0, minsk), 1, time.Date(2026, 1, 9, 0, 0, 0, 0, minsk)},
		{"over a weekend, a transferred day off and Radunitsa", time.Date(2026, 4, 17, 9, 0, 0, 0, minsk), 2, time.Date(2026, 4, 24, 0, 0, 0, 0, minsk)},
		{"the day is Minsk's, not UTC's", time.Date(2026, 4, 16, 22, 30, 0, 0, time.UTC), 2, time.Date(2026, 4, 24, 0, 0, 0, 0, minsk)},
		{"onto a transferred working Saturday", time.Date(2026, 4, 24, 12, 0, 0, 0, minsk), 1, time.Date(2026, 4, 26, 0, 0, 0, 0, minsk)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.dueAt(context.Background(), tc.from, tc.days)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tc.want) {
				t.Fatalf("due %s, want %s", got.In(minsk), tc.want)
			}
			r := Request{DueAt: got}
			if d := r.DueDate(); d.Format("2006-01-02") != tc.want.AddDate(0, 0, -1).Format("2006-01-02") {
				t.Fatalf("due date %s", d)
			}
		})
	}
	if _, err := s.dueAt(context.Background(), time.Date(2031, 1, 5, 0, 0, 0, 0, minsk), 1); err == nil {
		t.Fatal("a term outside the loaded calendar must fail, not guess")
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 20; i++ {
		d = append(d, time.Duration(i)*time.Second)
	}
	if p := percentile(d, 50); p != 10*time.Second {
		t.Fatalf("p50 = %s", p)
	}
	if p := percentile(d, 95); p != 19*time.Second {
		t.Fatalf("p95 = %s", p)
	}
	if p := percentile(d[:1], 95); p != time.Second {
		t.Fatalf("p95 of one = %s", p)
	}
}

func TestRetryDelay(t *testing.T) {
	s := &Service{retryBase: time.Second, retryMax: 10 * time.Second}
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 30: 10 * time.Second} {
		got := s.retryDelay(attempt)
		if got > want || got < want-want/10 {
			t.Fatalf("attempt %d: %s, want %s less up to a tenth", attempt, got, want)
		}
	}
}

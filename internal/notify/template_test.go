package notify_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"odnookno/internal/fault"
	"odnookno/internal/i18n"
	"odnookno/internal/notify"
	"odnookno/internal/store"
	"odnookno/internal/store/storetest"
)

// examples are realistic, long-ish parameters for every kind; the secret
// ones are listed so the test can check they stay out of subjects.
var examples = map[string]struct {
	params map[string]any
	secret []string
}{
	notify.KindVerifyPhone:     {map[string]any{"code": "482913", "minutes": 10}, []string{"code"}},
	notify.KindTempPassword:    {map[string]any{"password": "Xk7pQm2RtZ", "expires": time.Date(2026, 3, 2, 21, 30, 0, 0, time.UTC)}, []string{"password"}},
	notify.KindRecoveryCode:    {map[string]any{"code": "093115", "minutes": 15}, []string{"code"}},
	notify.KindPhoneChangeCode: {map[string]any{"code": "771204", "minutes": 10}, []string{"code"}},
	notify.KindUnblockCode:     {map[string]any{"code": "550321", "minutes": 10}, []string{"code"}},
	notify.KindBlocked:         {map[string]any{"at": time.Date(2026, 3, 2, 9, 5, 0, 0, time.UTC)}, nil},
	notify.KindPasswordChanged: {map[string]any{"at": time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC)}, nil},
	notify.KindAttackWarning:   {map[string]any{"addr": "2001:db8:85a3:8d3:1319:8a2e:370:7348", "count": 125}, nil},
	notify.KindCaseRegistered:  {map[string]any{"number": "2026-0001234/МГИК", "due": "2026-04-15"}, nil},
	notify.KindCaseDecision:    {map[string]any{"number": "2026-0001234/МГИК"}, nil},
	notify.KindDeadlineWarning: {map[string]any{"number": "2026-0001234/МГИК", "due": "2026-04-15"}, nil},
	notify.KindCaseOverdue:     {map[string]any{"number": "2026-0001234/МГИК", "due": "2026-04-15"}, nil},
	notify.KindComplaintReg:    {map[string]any{"number": "Ж-2026-000451", "due": "2026-05-20"}, nil},
	notify.KindComplaintDec:    {map[string]any{"number": "Ж-2026-000451"}, nil},
	notify.KindGrantApproved:   {map[string]any{"resource": "Регистр населения"}, nil},
	notify.KindGrantRefused:    {map[string]any{"resource": "Регистр населения", "reason": "нет договора"}, nil},
	notify.KindDocumentReady:   {map[string]any{"title": "Справка о месте жительства"}, nil},
	notify.KindRequestLate: {map[string]any{"case": "MINSK-OO-2026-000042", "resource": "mvd", "service": "person", "due": "2026-04-15",
		"smdo_offered": true}, nil},
}

// TestTemplates renders every kind in both languages through the real
// outbox (enqueue renders with missingkey=error) and checks the rendered
// inbox text: no template leftovers, two SMS parts at most, secrets never
// in the subject, and a missing parameter refused.
func TestTemplates(t *testing.T) {
	if len(examples) != len(notify.Kinds) {
		t.Fatalf("examples cover %d kinds, %d exist", len(examples), len(notify.Kinds))
	}
	db := storetest.Open(t, store.SQLite, modules...)
	f := setup(t, db, notify.Options{SMS: notify.SMSFunc(func(context.Context, notify.SMS) error { return nil })})
	ctx := context.Background()
	for _, kind := range notify.Kinds {
		ex, ok := examples[kind]
		if !ok {
			t.Fatalf("no example for %s", kind)
		}
		for _, lang := range notify.Langs {
			t.Run(lang+"/"+kind, func(t *testing.T) {
				citizen := storetest.Name("c")
				// The inbox stores the rendered text, so it shows what
				// a template produced; secrets are refused there, so
				// they go in as ordinary params here.
				f.enqueue(t, notify.Message{Channel: notify.ChannelInbox, To: citizen, Kind: kind, Lang: lang, Params: ex.params})
				items, err := f.svc.Inbox(ctx, citizen, 1)
				if err != nil || len(items) != 1 {
					t.Fatalf("inbox: %v %v", items, err)
				}
				it := items[0]
				t.Logf("%s | %s", it.Title, it.Body)
				for _, s := range []string{it.Title, it.Body} {
					if s == "" || strings.Contains(s, "{{") || strings.Contains(s, "<no value>") || strings.Contains(s, "%!") {
						t.Errorf("bad rendering %q", s)
					}
				}
				if n := notify.Segments(it.Body); n > 2 {
					t.Errorf("SMS takes %d parts (%d characters): %q", n, len([]rune(it.Body)), it.Body)
				}
				for _, name := range ex.secret {
					if v := ex.params[name].(string); strings.Contains(it.Title, v) {
						t.Errorf("secret %s is in the subject %q", name, it.Title)
					} else if !strings.Contains(it.Body, v) {
						t.Errorf("secret %s is not in the body %q", name, it.Body)
					}
				}
				if lang == "be" && (strings.Contains(it.Body, "Одно") || strings.Contains(it.Body, "Одного")) {
					t.Errorf("Russian name in Belarusian text: %q", it.Body)
				}
				// Each parameter is required: dropping any one of them
				// is refused at enqueue, in the caller's transaction.
				for name := range ex.params {
					p := map[string]any{}
					for k, v := range ex.params {
						if k != name {
							p[k] = v
						}
					}
					err := db.Tx(ctx, func(tx *sql.Tx) error {
						_, err := f.svc.EnqueueTx(ctx, tx, notify.Message{Channel: notify.ChannelInbox, To: citizen, Kind: kind, Lang: lang, Params: p})
						return err
					})
					if !errors.Is(err, fault.Invalid) {
						t.Errorf("without %q: got %v, want an invalid-params error", name, err)
					}
				}
			})
		}
	}
}

// TestTemplateDates pins the formatting: times are shown in Minsk time,
// calendar dates as they are.
func TestTemplateDates(t *testing.T) {
	db := storetest.Open(t, store.SQLite, modules...)
	f := setup(t, db, notify.Options{})
	citizen := "c1"
	f.enqueue(t, notify.Message{Channel: notify.ChannelInbox, To: citizen, Kind: notify.KindBlocked,
		Params: map[string]any{"at": time.Date(2026, 3, 2, 21, 30, 0, 0, time.UTC)}})
	f.enqueue(t, notify.Message{Channel: notify.ChannelInbox, To: citizen, Kind: notify.KindCaseRegistered,
		Params: map[string]any{"number": "N-1", "due": "2026-04-15"}})
	items, err := f.svc.Inbox(context.Background(), citizen, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(items[0].Body, "до 15.04.2026") {
		t.Errorf("due date: %q", items[0].Body)
	}
	if !strings.Contains(items[1].Body, "03.03.2026 00:30") {
		t.Errorf("21:30 UTC is 00:30 next day in Minsk: %q", items[1].Body)
	}
}

// TestKindNames checks that the operator's console can name every kind in
// both languages.
func TestKindNames(t *testing.T) {
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, k := range notify.Kinds {
		keys = append(keys, "notify.kind."+k)
	}
	for _, c := range []string{notify.ChannelSMS, notify.ChannelEmail, notify.ChannelInbox} {
		keys = append(keys, "notify.channel."+c)
	}
	for _, s := range []string{notify.StatusQueued, notify.StatusSent, notify.StatusFailed} {
		keys = append(keys, "notify.status."+s)
	}
	keys = append(keys, notify.CodeChannel, notify.CodeChannelDisabled, notify.CodeKind, notify.CodeLang,
		notify.CodeRecipient, notify.CodeParams, notify.CodeSecret, notify.CodeNotFound)
	if missing := cat.Missing(keys...); len(missing) > 0 {
		t.Fatalf("catalogue lacks %v", missing)
	}
}

func TestSegments(t *testing.T) {
	tests := []struct {
		text string
		want int
	}{
		{strings.Repeat("a", 160), 1},
		{strings.Repeat("a", 161), 2},
		{strings.Repeat("a", 306), 2},
		{strings.Repeat("a", 307), 3},
		{strings.Repeat("[", 80), 1}, // extended characters count twice
		{strings.Repeat("[", 81), 2},
		{strings.Repeat("я", 70), 1},
		{strings.Repeat("я", 71), 2},
		{strings.Repeat("я", 134), 2},
		{strings.Repeat("я", 135), 3},
		{"Код: 123456 «Адно акно»", 1},
	}
	for _, tt := range tests {
		if got := notify.Segments(tt.text); got != tt.want {
			t.Errorf("Segments(%d × %q) = %d, want %d", len([]rune(tt.text)), []rune(tt.text)[0], got, tt.want)
		}
	}
}

func TestRetryDelay(t *testing.T) {
	db := storetest.Open(t, store.SQLite, modules...)
	f := setup(t, db, notify.Options{RetryBase: 10 * time.Second, RetryMax: 30 * time.Minute})
	want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second}
	for i, w := range want {
		got := f.svc.RetryDelay(i + 1)
		if got > w || got < w-w/10 {
			t.Errorf("attempt %d: delay %s, want %s less at most 10%%", i+1, got, w)
		}
	}
	for _, attempt := range []int{9, 20, 1000} {
		if got := f.svc.RetryDelay(attempt); got > 30*time.Minute || got < 27*time.Minute {
			t.Errorf("attempt %d: delay %s, want the 30 minute cap", attempt, got)
		}
	}
}

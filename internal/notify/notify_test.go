package notify_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"odnookno/internal/fault"
	"odnookno/internal/notify"
	"odnookno/internal/store"
	"odnookno/internal/store/storetest"
)

const phone = "+375291234567"

func noopSMS() notify.SMSSender {
	return notify.SMSFunc(func(context.Context, notify.SMS) error { return nil })
}

func TestRollbackLeavesNothing(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db, notify.Options{SMS: noopSMS()})
		ctx := context.Background()
		boom := errors.New("boom")
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := f.svc.EnqueueTx(ctx, tx, smsCode(phone, "111111")); err != nil {
				return err
			}
			if _, err := f.svc.EnqueueTx(ctx, tx, notify.Message{Channel: notify.ChannelInbox, To: "c1",
				Kind: notify.KindCaseDecision, Params: map[string]any{"number": "N-1"}}); err != nil {
				return err
			}
			return boom
		})
		if err != boom {
			t.Fatalf("got %v", err)
		}
		for _, table := range []string{"notify_messages", "inbox_messages", "river_job"} {
			if n := count(t, db, "SELECT COUNT(*) FROM "+table); n != 0 {
				t.Errorf("a rolled-back transaction left %d rows in %s", n, table)
			}
		}
	})
}

func TestEnqueueValidation(t *testing.T) {
	db := storetest.Open(t, store.SQLite, modules...)
	f := setup(t, db, notify.Options{SMS: noopSMS()}) // no e-mail sender
	ok := smsCode(phone, "123456")
	tests := []struct {
		name string
		edit func(m *notify.Message)
		kind error
		code string
	}{
		{"unknown channel", func(m *notify.Message) { m.Channel = "pigeon" }, fault.Invalid, notify.CodeChannel},
		{"unknown kind", func(m *notify.Message) { m.Kind = "uid.nope" }, fault.Invalid, notify.CodeKind},
		{"unknown language", func(m *notify.Message) { m.Lang = "en" }, fault.Invalid, notify.CodeLang},
		{"phone not E.164", func(m *notify.Message) { m.To = "80291234567" }, fault.Invalid, notify.CodeRecipient},
		{"landline", func(m *notify.Message) { m.To = "+375172345678" }, fault.Invalid, notify.CodeRecipient},
		{"secret not a param", func(m *notify.Message) { m.Secret = []string{"pin"} }, fault.Invalid, notify.CodeSecret},
		{"missing param", func(m *notify.Message) { delete(m.Params, "minutes") }, fault.Invalid, notify.CodeParams},
		{"missing secret param", func(m *notify.Message) { m.Params = map[string]any{"minutes": 5} }, fault.Invalid, notify.CodeSecret},
		{"e-mail disabled", func(m *notify.Message) { m.Channel, m.To = notify.ChannelEmail, "a@example.by" }, fault.Unavailable, notify.CodeChannelDisabled},
		{"secret in inbox", func(m *notify.Message) { m.Channel, m.To = notify.ChannelInbox, "c1" }, fault.Invalid, notify.CodeSecret},
		{"inbox without citizen", func(m *notify.Message) { m.Channel, m.To, m.Secret = notify.ChannelInbox, " ", nil }, fault.Invalid, notify.CodeRecipient},
		{"inbox for another citizen", func(m *notify.Message) {
			m.Channel, m.To, m.CitizenID, m.Secret = notify.ChannelInbox, "c1", "c2", nil
		}, fault.Invalid, notify.CodeRecipient},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ok
			m.Params = map[string]any{"code": "123456", "minutes": 10}
			tt.edit(&m)
			err := db.Tx(ctx, func(tx *sql.Tx) error {
				_, err := f.svc.EnqueueTx(ctx, tx, m)
				return err
			})
			if !errors.Is(err, tt.kind) {
				t.Fatalf("got %v, want %v", err, tt.kind)
			}
			var fe *fault.Error
			if !errors.As(err, &fe) || (fe.Code != tt.code && !hasField(fe, tt.code)) {
				t.Fatalf("got %v, want code %s", err, tt.code)
			}
			if strings.Contains(err.Error(), "123456") {
				t.Fatalf("the error quotes the secret: %v", err)
			}
		})
	}
	if n := count(t, db, "SELECT COUNT(*) FROM notify_messages"); n != 0 {
		t.Fatalf("refused messages were stored: %d", n)
	}
}

func hasField(e *fault.Error, code string) bool {
	for _, f := range e.Fields {
		if f.Code == code {
			return true
		}
	}
	return false
}

// TestInbox: a notice is written in the caller's transaction, invisible
// before the commit, in the cabinet right after it with no job involved,
// and only its owner can mark it read.
func TestInbox(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db, notify.Options{})
		ctx := context.Background()
		owner := storetest.Name("citizen-")
		var id int64
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			id, err = f.svc.EnqueueTx(ctx, tx, notify.Message{Channel: notify.ChannelInbox, To: owner, Lang: "be",
				Kind: notify.KindCaseDecision, Params: map[string]any{"number": "2026-77"}, Link: "/cabinet/cases/77"})
			if err != nil {
				return err
			}
			if n, err := f.svc.UnreadCount(ctx, owner); err != nil || n != 0 {
				return fmt.Errorf("visible before commit: %d %v", n, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		items, err := f.svc.Inbox(ctx, owner, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 1 {
			t.Fatalf("inbox has %d items", len(items))
		}
		it := items[0]
		if it.Title != "Рашэнне па заяве 2026-77" || !strings.Contains(it.Body, "асабістым кабінеце") ||
			it.Link != "/cabinet/cases/77" || it.Kind != notify.KindCaseDecision || !it.Unread() || it.CreatedAt.IsZero() {
			t.Fatalf("unexpected item %+v", it)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM river_job"); n != 0 {
			t.Fatalf("an inbox notice needs no job, got %d", n)
		}
		if r := f.get(t, id); r.Status != notify.StatusSent || r.SentAt.IsZero() || r.CitizenID != owner {
			t.Fatalf("outbox record %+v", r)
		}
		other := storetest.Name("citizen-")
		if err := f.svc.MarkRead(ctx, other, it.ID); !errors.Is(err, fault.NotFound) {
			t.Fatalf("another citizen marked it read: %v", err)
		}
		if err := f.svc.MarkRead(ctx, owner, it.ID+1000); !errors.Is(err, fault.NotFound) {
			t.Fatalf("missing item: %v", err)
		}
		if n, _ := f.svc.UnreadCount(ctx, owner); n != 1 {
			t.Fatalf("unread %d after a refused MarkRead", n)
		}
		for range 2 { // marking twice is harmless
			if err := f.svc.MarkRead(ctx, owner, it.ID); err != nil {
				t.Fatal(err)
			}
		}
		if n, _ := f.svc.UnreadCount(ctx, owner); n != 0 {
			t.Fatalf("unread %d after MarkRead", n)
		}
		items, _ = f.svc.Inbox(ctx, owner, 10)
		if items[0].Unread() {
			t.Fatal("still unread")
		}
		if items, _ := f.svc.Inbox(ctx, other, 10); len(items) != 0 {
			t.Fatalf("another citizen sees %d items", len(items))
		}
	})
}

// TestDeliveredOnce runs a message's delivery job twice: the second run
// finds it sent and does not send it again.
func TestDeliveredOnce(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		var sends atomic.Int32
		f := setup(t, db, notify.Options{SMS: notify.SMSFunc(func(context.Context, notify.SMS) error {
			sends.Add(1)
			return nil
		})})
		id := f.enqueue(t, smsCode(phone, "246810"))
		f.start(t, 0)
		f.waitDone(t, 1, 30*time.Second, nil)
		ctx := context.Background()
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := f.q.InsertTx(ctx, tx, notify.DeliverJob(id), nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		f.waitDone(t, 1, 30*time.Second, nil)
		if n := sends.Load(); n != 1 {
			t.Fatalf("sent %d times", n)
		}
		if r := f.get(t, id); r.Status != notify.StatusSent || r.Attempts != 1 {
			t.Fatalf("record %+v", r)
		}
	})
}

// TestConsole covers what the operator sees: statuses, failures with
// their reasons, paging, counts and metrics — and no secret anywhere.
func TestConsole(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		const refused = "+375447654321"
		f := setup(t, db, notify.Options{SMS: notify.SMSFunc(func(_ context.Context, m notify.SMS) error {
			if string(m.To) == refused {
				return notify.Permanent(fmt.Errorf("gateway refused %s: %s", m.To, m.Text))
			}
			return nil
		})})
		var ids []int64
		for i := range 3 {
			ids = append(ids, f.enqueue(t, smsCode(phone, fmt.Sprintf("90000%d", i))))
		}
		bad := f.enqueue(t, smsCode(refused, "777777"))
		f.enqueue(t, notify.Message{Channel: notify.ChannelInbox, To: "c1", Kind: notify.KindDocumentReady,
			Params: map[string]any{"title": "Справка"}})
		f.start(t, 0)
		timeout := time.After(30 * time.Second)
		for done, cancelled := 0, 0; done < 3 || cancelled < 1; {
			select {
			case ev := <-f.events:
				switch ev.Kind {
				case river.EventKindJobCompleted:
					done++
				case river.EventKindJobCancelled:
					cancelled++
				}
			case <-timeout:
				t.Fatal("deliveries did not finish")
			}
		}
		ctx := context.Background()
		stats, err := f.svc.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []notify.Stat{{"inbox", "sent", 1}, {"sms", "failed", 1}, {"sms", "sent", 3}}
		if fmt.Sprint(stats) != fmt.Sprint(want) {
			t.Fatalf("stats %v, want %v", stats, want)
		}

		failed, err := f.svc.List(ctx, notify.Filter{Status: notify.StatusFailed})
		if err != nil {
			t.Fatal(err)
		}
		if len(failed) != 1 || failed[0].ID != bad || failed[0].Attempts != 1 {
			t.Fatalf("failed list %+v", failed)
		}
		r := failed[0]
		if r.To != "+375 44 ***-**-21" || !strings.Contains(r.LastError, "gateway refused +375 44 ***-**-21") ||
			strings.Contains(r.LastError, "777777") || strings.Contains(r.LastError, refused) {
			t.Fatalf("failed record shows %q / %q", r.To, r.LastError)
		}

		page1, _ := f.svc.List(ctx, notify.Filter{Channel: notify.ChannelSMS, Limit: 2})
		page2, _ := f.svc.List(ctx, notify.Filter{Channel: notify.ChannelSMS, Limit: 2, BeforeID: page1[1].ID})
		if len(page1) != 2 || len(page2) != 2 || page1[0].ID != bad || page2[1].ID != ids[0] {
			t.Fatalf("paging: %v then %v", recordIDs(page1), recordIDs(page2))
		}
		if l, _ := f.svc.List(ctx, notify.Filter{Kind: notify.KindDocumentReady}); len(l) != 1 || l[0].Channel != "inbox" {
			t.Fatalf("kind filter %+v", l)
		}

		got := f.get(t, ids[1])
		if got.Params["code"] != notify.Mask || !strings.Contains(got.Text, notify.Mask) ||
			strings.Contains(got.Text, "900001") || got.Subject == "" || got.SentAt.IsZero() {
			t.Fatalf("operator view %+v", got)
		}
		if _, err := f.svc.Get(ctx, 999999); !errors.Is(err, fault.NotFound) {
			t.Fatalf("missing message: %v", err)
		}

		reg := prometheus.NewRegistry()
		reg.MustRegister(f.svc.Collectors()...)
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		values := map[string]float64{}
		for _, mf := range mfs {
			if mf.GetName() != "odnookno_notify_messages_total" {
				continue
			}
			for _, m := range mf.GetMetric() {
				var l []string
				for _, lp := range m.GetLabel() {
					l = append(l, lp.GetValue())
				}
				values[strings.Join(l, "/")] = m.GetCounter().GetValue()
			}
		}
		if values["sms/sent"] != 3 || values["sms/failed"] != 1 || values["inbox/sent"] != 1 || values["email/sent"] != 0 {
			t.Fatalf("metrics %v", values)
		}
	})
}

func recordIDs(rs []notify.Record) []int64 {
	var out []int64
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// TestGivesUpAfterMaxAttempts: a channel that never recovers fails the
// message after MaxAttempts, wiping its secret.
func TestGivesUpAfterMaxAttempts(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		var mu sync.Mutex
		attempts := 0
		f := setup(t, db, notify.Options{MaxAttempts: 3, SMS: notify.SMSFunc(func(context.Context, notify.SMS) error {
			mu.Lock()
			defer mu.Unlock()
			attempts++
			return errors.New("gateway down")
		})})
		id := f.enqueue(t, smsCode(phone, "135790"))
		f.start(t, 0)
		timeout := time.After(30 * time.Second)
		for fails := 0; fails < 3; {
			select {
			case ev := <-f.events:
				if ev.Kind == river.EventKindJobFailed {
					fails++
				}
			case <-timeout:
				t.Fatal("attempts did not run")
			}
		}
		r := f.get(t, id)
		if r.Status != notify.StatusFailed || r.Attempts != 3 || !strings.Contains(r.LastError, "gateway down") {
			t.Fatalf("record %+v", r)
		}
		var secrets string
		if err := db.R.QueryRow("SELECT secrets FROM notify_messages WHERE id = $1", id).Scan(&secrets); err != nil {
			t.Fatal(err)
		}
		if secrets != notify.Wiped {
			t.Fatalf("secrets column %q after final failure", secrets)
		}
		mu.Lock()
		defer mu.Unlock()
		if attempts != 3 {
			t.Fatalf("sender called %d times, want 3", attempts)
		}
	})
}

package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"odnookno/internal/identity"
	"odnookno/internal/notify"
	"odnookno/internal/store"
)

// gatewayBody is the default JSON request of HTTPGateway.
type gatewayBody struct {
	To   string `json:"to"`
	Text string `json:"text"`
}

// TestGatewayOutage: the SMS gateway answers 503 until every message has
// failed at least once, then recovers. Every message arrives exactly
// once, none is lost, and the outbox shows the attempts it took.
func TestGatewayOutage(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		const n = 20
		var down atomic.Bool
		down.Store(true)
		var mu sync.Mutex
		received := map[string]int{}
		var refusals atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if down.Load() {
				refusals.Add(1)
				http.Error(w, "maintenance", http.StatusServiceUnavailable)
				return
			}
			var b gatewayBody
			if err := json.NewDecoder(r.Body).Decode(&b); err != nil || r.Header.Get("Authorization") != "Bearer tok" {
				http.Error(w, "bad request", http.StatusBadRequest)
				return
			}
			mu.Lock()
			received[b.To+" "+b.Text]++
			mu.Unlock()
			w.WriteHeader(http.StatusAccepted)
		}))
		defer srv.Close()

		f := setup(t, db, notify.Options{MaxAttempts: 100,
			SMS: &notify.HTTPGateway{URL: srv.URL + "/send", Token: "tok"}})
		var ids []int64
		var codes []string
		for i := range n {
			code := fmt.Sprintf("%06d", 100000+i)
			codes = append(codes, code)
			ids = append(ids, f.enqueue(t, smsCode(phone, code)))
		}
		f.start(t, 0)
		failedOnce := map[int64]bool{}
		f.waitDone(t, n, 60*time.Second, func(ev *river.Event) {
			failedOnce[ev.Job.ID] = true
			if len(failedOnce) == n {
				down.Store(false) // the gateway comes back
			}
		})
		if len(failedOnce) != n {
			t.Fatalf("only %d messages met the outage", len(failedOnce))
		}
		mu.Lock()
		defer mu.Unlock()
		if len(received) != n {
			t.Fatalf("gateway received %d distinct messages, want %d", len(received), n)
		}
		for i, code := range codes {
			key := phone + " Код подтверждения номера для «Одного окна»: " + code + ". Действует 10 мин. Никому его не сообщайте."
			if received[key] != 1 {
				t.Errorf("message %d received %d times", i, received[key])
			}
			r := f.get(t, ids[i])
			if r.Status != notify.StatusSent || r.Attempts < 2 || !strings.Contains(r.LastError, "HTTP 503: maintenance") {
				t.Errorf("message %d: status %s, %d attempts, last error %q", i, r.Status, r.Attempts, r.LastError)
			}
		}
		t.Logf("%d refusals during the outage", refusals.Load())
	})
}

func TestHTTPGateway(t *testing.T) {
	const text = "Код \"1\"\nвторая строка «Адно акно» \\ </script>"
	sms := notify.SMS{ID: 42, To: phone, Text: text, Masked: "masked"}
	type seen struct {
		method, contentType, auth, apiKey string
		body                              []byte
	}
	tests := []struct {
		name  string
		gw    *notify.HTTPGateway
		check func(t *testing.T, s seen)
	}{
		{"default JSON", &notify.HTTPGateway{Token: "secret-token"}, func(t *testing.T, s seen) {
			var b gatewayBody
			if err := json.Unmarshal(s.body, &b); err != nil {
				t.Fatalf("body %s is not JSON: %v", s.body, err)
			}
			if b.To != phone || b.Text != text || s.method != http.MethodPost ||
				s.contentType != "application/json" || s.auth != "Bearer secret-token" {
				t.Fatalf("got %+v %s", s, s.body)
			}
		}},
		{"form with own header", &notify.HTTPGateway{
			Method: http.MethodPut, Token: "k", Header: "X-API-Key",
			ContentType:  "application/x-www-form-urlencoded",
			BodyTemplate: "to={{urlquery .To}}&msg={{urlquery .Text}}&ref={{.ID}}",
		}, func(t *testing.T, s seen) {
			v, err := url.ParseQuery(string(s.body))
			if err != nil || v.Get("to") != phone || v.Get("msg") != text || v.Get("ref") != "42" ||
				s.method != http.MethodPut || s.apiKey != "k" || s.auth != "" {
				t.Fatalf("got %+v %s", s, s.body)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan seen, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				got <- seen{r.Method, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), r.Header.Get("X-API-Key"), b}
			}))
			defer srv.Close()
			gw := tt.gw
			gw.URL = srv.URL
			if err := gw.SendSMS(context.Background(), sms); err != nil {
				t.Fatal(err)
			}
			tt.check(t, <-got)
		})
	}

	// Failures: the status and the gateway's words, never the text, the
	// number or the token, even when the gateway echoes the request.
	for _, tc := range []struct {
		status    int
		permanent bool
	}{{500, false}, {503, false}, {429, false}, {400, true}, {401, true}} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				w.WriteHeader(tc.status)
				fmt.Fprintf(w, "rejected: %s auth=%s", b, r.Header.Get("Authorization"))
			}))
			defer srv.Close()
			gw := &notify.HTTPGateway{URL: srv.URL, Token: "secret-token"}
			err := gw.SendSMS(context.Background(), notify.SMS{To: phone, Text: "Ваш код 918273"})
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, fmt.Sprintf("HTTP %d", tc.status)) || !strings.Contains(msg, "rejected") {
				t.Errorf("error %q lacks the status or the excerpt", msg)
			}
			for _, leak := range []string{"918273", phone, "375291234567", "secret-token"} {
				if strings.Contains(msg, leak) {
					t.Errorf("error %q leaks %q", msg, leak)
				}
			}
			if notify.IsPermanent(err) != tc.permanent {
				t.Errorf("permanent = %v, want %v", notify.IsPermanent(err), tc.permanent)
			}
		})
	}

	t.Run("closed", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		u := srv.URL + "/send?token=secret-token"
		srv.Close()
		err := (&notify.HTTPGateway{URL: u}).SendSMS(context.Background(), notify.SMS{To: phone, Text: "Ваш код 918273"})
		if err == nil || notify.IsPermanent(err) || strings.Contains(err.Error(), "918273") || strings.Contains(err.Error(), "secret-token") {
			t.Fatalf("network error %v (permanent %v)", err, notify.IsPermanent(err))
		}
	})
}

// TestSecrets follows a temporary password through the outbox: sealed
// while queued, wiped after delivery (and after a permanent failure),
// never in a log line, an error or the queue's tables — even though the
// gateway echoes the whole request in its refusals.
func TestSecrets(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		const (
			password = "Qx7mPz2Kvw"
			code     = "864209"
			refused  = "+375337654321"
		)
		var calls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			var req gatewayBody
			_ = json.Unmarshal(b, &req)
			switch {
			case req.To == refused:
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, "invalid request %s", b)
			case calls.Add(1) == 1:
				w.WriteHeader(http.StatusBadGateway)
				fmt.Fprintf(w, "upstream down, request was %s", b)
			default:
				w.WriteHeader(http.StatusOK)
			}
		}))
		defer srv.Close()
		f := setup(t, db, notify.Options{SMS: &notify.HTTPGateway{URL: srv.URL}})
		expires := time.Now().Add(24 * time.Hour)
		id := f.enqueue(t, notify.Message{Channel: notify.ChannelSMS, To: phone, Kind: notify.KindTempPassword,
			CitizenID: "3010190A001PB1",
			Params:    map[string]any{"password": password, "expires": expires}, Secret: []string{"password"}})
		bad := f.enqueue(t, smsCode(refused, code))

		assertAbsent := func(when string, leaks ...string) {
			t.Helper()
			for _, table := range []string{"notify_messages", "river_job"} {
				// The recipient column is the one place the number
				// belongs.
				for _, row := range dumpTable(t, db, table, "recipient") {
					for _, leak := range leaks {
						if strings.Contains(row, leak) {
							t.Errorf("%s: %s holds %q: %s", when, table, leak, row)
						}
					}
				}
			}
		}
		assertAbsent("queued", password, code)
		var sealed string
		if err := db.R.QueryRow("SELECT secrets FROM notify_messages WHERE id = $1", id).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if sealed == "" || sealed == notify.Wiped {
			t.Fatalf("queued message has no sealed secret: %q", sealed)
		}

		f.start(t, 0)
		timeout := time.After(30 * time.Second)
		for done, cancelled := 0, 0; done < 1 || cancelled < 1; {
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

		sent, failed := f.get(t, id), f.get(t, bad)
		if sent.Status != notify.StatusSent || sent.Attempts != 2 || !strings.Contains(sent.LastError, "HTTP 502") {
			t.Fatalf("sent record %+v", sent)
		}
		if failed.Status != notify.StatusFailed || failed.Attempts != 1 || !strings.Contains(failed.LastError, "HTTP 400") {
			t.Fatalf("failed record %+v", failed)
		}
		for _, mid := range []int64{id, bad} {
			if err := db.R.QueryRow("SELECT secrets FROM notify_messages WHERE id = $1", mid).Scan(&sealed); err != nil {
				t.Fatal(err)
			}
			if sealed != notify.Wiped {
				t.Errorf("message %d keeps %q after it finished", mid, sealed)
			}
		}
		assertAbsent("finished", password, code, phone, refused)
		logs := f.logs.String()
		for _, leak := range []string{password, code, phone, refused, "375291234567"} {
			if strings.Contains(logs, leak) {
				t.Errorf("logs contain %q:\n%s", leak, logs)
			}
		}
		if !strings.Contains(logs, identity.Phone(phone).Masked()) {
			t.Errorf("logs do not name the masked recipient:\n%s", logs)
		}
		for _, r := range []notify.Record{sent, failed} {
			for _, s := range []string{r.To, r.LastError, r.Text, r.Subject, fmt.Sprint(r.Params)} {
				if strings.Contains(s, password) || strings.Contains(s, code) {
					t.Errorf("operator view leaks a secret: %q", s)
				}
			}
		}
	})
}

// TestSecretsBoundToMessage: sealed secrets moved to another recipient do
// not open, so editing the table cannot redirect a code.
func TestSecretsBoundToMessage(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		var sends atomic.Int32
		f := setup(t, db, notify.Options{SMS: notify.SMSFunc(func(context.Context, notify.SMS) error {
			sends.Add(1)
			return nil
		})})
		id := f.enqueue(t, smsCode(phone, "112233"))
		if _, err := db.W.Exec("UPDATE notify_messages SET recipient = '+375299999999' WHERE id = $1", id); err != nil {
			t.Fatal(err)
		}
		f.start(t, 0)
		f.waitEvent(t, river.EventKindJobCancelled, 30*time.Second)
		if r := f.get(t, id); r.Status != notify.StatusFailed || sends.Load() != 0 {
			t.Fatalf("tampered message: %+v, %d sends", r, sends.Load())
		}
	})
}

// dumpTable renders every row of table as text, every column but skip.
func dumpTable(t *testing.T, db *store.DB, table string, skip ...string) []string {
	t.Helper()
	rows, err := db.R.Query("SELECT * FROM " + table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, v := range vals {
			if slices.Contains(skip, cols[i]) {
				continue
			}
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprintf(&b, "%s=%v ", cols[i], v)
		}
		out = append(out, b.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFileSender: the demo file holds the full number and text (it is the
// demo citizen's phone), is private to its owner, and the log line beside
// it is masked.
func TestFileSender(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		path := t.TempDir() + "/sms.txt"
		logs := &logBuffer{}
		fs := &notify.FileSender{Path: path, Logger: newLogger(logs),
			Now: func() time.Time { return time.Date(2026, 1, 5, 7, 0, 0, 0, time.UTC) }}
		f := setup(t, db, notify.Options{SMS: fs})
		f.enqueue(t, smsCode(phone, "505050"))
		f.enqueue(t, smsCode("+375445550011", "606060"))
		f.start(t, 0)
		f.waitDone(t, 2, 30*time.Second, nil)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		if len(lines) != 2 {
			t.Fatalf("file has %d lines:\n%s", len(lines), data)
		}
		for _, want := range []string{
			"2026-01-05T10:00:00+03:00\t" + phone + "\tКод подтверждения номера для «Одного окна»: 505050. Действует 10 мин. Никому его не сообщайте.",
			"2026-01-05T10:00:00+03:00\t+375445550011\tКод подтверждения номера для «Одного окна»: 606060. Действует 10 мин. Никому его не сообщайте.",
		} {
			if !strings.Contains(string(data), want+"\n") {
				t.Errorf("file lacks %q:\n%s", want, data)
			}
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("file mode %v, want 0600", st.Mode().Perm())
		}
		l := logs.String()
		if strings.Contains(l, "505050") || strings.Contains(l, phone) || !strings.Contains(l, notify.Mask) ||
			!strings.Contains(l, "+375 29 ***-**-67") {
			t.Errorf("file sender log:\n%s", l)
		}
	})
}

func TestFileSenderError(t *testing.T) {
	fs := &notify.FileSender{Path: t.TempDir() + "/missing/dir/sms.txt", Logger: newLogger(&logBuffer{})}
	err := fs.SendSMS(context.Background(), notify.SMS{To: phone, Text: "x"})
	if err == nil {
		t.Fatal("writing into a missing folder must fail")
	}
}

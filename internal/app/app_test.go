package app

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"odnookno/internal/document"
	"odnookno/internal/store"
	"odnookno/internal/store/storetest"
)

// testSystem builds the whole service on a fresh database of dialect d,
// loads the demo data and serves it.
func testSystem(t *testing.T, d store.Dialect) (*System, *httptest.Server) {
	t.Helper()
	dir := t.TempDir()
	cfg := Config{DB: storetest.NewDSN(t, d), Addr: "127.0.0.1:0", DataDir: dir, PKIDir: filepath.Join(dir, "pki"),
		LogLevel: "warn", Demo: true, ShutdownTimeout: time.Second, CalendarRefresh: time.Second,
		SessionIdle: time.Hour, SessionAbsolute: time.Hour}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	sys, err := Build(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sys.Close() })
	if err := loadDemo(context.Background(), sys); err != nil {
		t.Fatal(err)
	}
	h, err := sys.Server.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	sys.Config.BaseURL = srv.URL
	return sys, srv
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func TestServe(t *testing.T) {
	for _, d := range storetest.Engines {
		t.Run(string(d), func(t *testing.T) {
			sys, srv := testSystem(t, d)
			c := srv.Client()

			t.Run("health, readiness, metrics, openapi", func(t *testing.T) {
				if r, body := get(t, c, srv.URL+"/healthz"); r.StatusCode != 200 || !strings.Contains(body, `"ok"`) {
					t.Fatalf("healthz %d %s", r.StatusCode, body)
				}
				if r, body := get(t, c, srv.URL+"/readyz"); r.StatusCode != 200 || !strings.Contains(body, string(d)) {
					t.Fatalf("readyz %d %s", r.StatusCode, body)
				}
				get(t, c, srv.URL+"/")
				if r, body := get(t, c, srv.URL+"/metrics"); r.StatusCode != 200 || !strings.Contains(body, `odnookno_http_requests_total{method="GET",route="GET /{$}",status="200"}`) {
					t.Fatalf("metrics %d: no request counter by route", r.StatusCode)
				}
				r, body := get(t, c, srv.URL+"/api/v1/openapi.json")
				var doc map[string]any
				if r.StatusCode != 200 || json.Unmarshal([]byte(body), &doc) != nil || doc["openapi"] == nil {
					t.Fatalf("openapi %d", r.StatusCode)
				}
			})

			t.Run("home page in both languages with security headers", func(t *testing.T) {
				r, body := get(t, c, srv.URL+"/")
				if r.StatusCode != 200 || !strings.Contains(body, `lang="ru"`) || !strings.Contains(body, "Одно окно") {
					t.Fatalf("home ru %d", r.StatusCode)
				}
				for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "X-Request-Id"} {
					if r.Header.Get(h) == "" {
						t.Errorf("missing header %s", h)
					}
				}
				r, body = get(t, c, srv.URL+"/?lang=be")
				if !strings.Contains(body, `lang="be"`) || !strings.Contains(body, "Адно акно") {
					t.Fatalf("home be %d", r.StatusCode)
				}
			})

			t.Run("cross-origin form posts are refused", func(t *testing.T) {
				req, _ := http.NewRequest("POST", srv.URL+"/staff/login", strings.NewReader("login=vydacha&password=demo-vydacha-2026"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Sec-Fetch-Site", "cross-site")
				req.Header.Set("Origin", "https://evil.example")
				resp, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusForbidden {
					t.Fatalf("cross-site post: %d", resp.StatusCode)
				}
			})

			t.Run("staff login, workspace, logout", func(t *testing.T) {
				jar, _ := cookiejar.New(nil)
				cl := &http.Client{Jar: jar}
				resp, err := cl.PostForm(srv.URL+"/staff/login", url.Values{"login": {"vydacha"}, "password": {"wrong-password"}})
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(b), "Неверное имя пользователя или пароль") {
					t.Fatalf("wrong password: %d", resp.StatusCode)
				}
				resp, err = cl.PostForm(srv.URL+"/staff/login", url.Values{"login": {"vydacha"}, "password": {"demo-vydacha-2026"}})
				if err != nil {
					t.Fatal(err)
				}
				b, _ = io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !strings.Contains(string(b), "Петров Сергей Николаевич") {
					t.Fatalf("workspace after login: %d", resp.StatusCode)
				}
				resp, err = cl.PostForm(srv.URL+"/staff/logout", nil)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				r, _ := get(t, cl, srv.URL+"/staff")
				if r.Request.URL.Path != "/staff/login" {
					t.Fatalf("after logout the workspace is still open: %s", r.Request.URL)
				}
			})

			t.Run("document verification page", func(t *testing.T) {
				ctx := context.Background()
				var is document.Issued
				var pdf []byte
				err := sys.DB.Tx(ctx, func(tx *sql.Tx) error {
					var err error
					is, pdf, err = sys.Docs.Issue(ctx, tx, document.Document{Kind: document.Decision, Lang: "ru", RegNumber: "OO-2026-00001",
						Issuer: "Служба «одно окно»", Recipient: "Иванов Иван Иванович", Paragraphs: []string{"Решение."}}, document.Meta{})
					if err != nil {
						return err
					}
					sig, err := sys.PKI.Platform.Sign(pdf)
					if err != nil {
						return err
					}
					_, err = sys.Docs.Sign(ctx, tx, is.Code, sig)
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				r, body := get(t, c, srv.URL+"/verify/"+is.Code)
				if r.StatusCode != 200 || !strings.Contains(body, "OO-2026-00001") || !strings.Contains(body, "Odnookno platform") {
					t.Fatalf("verify page %d", r.StatusCode)
				}
				if strings.Contains(body, "Иванов") {
					t.Fatal("the public page shows the recipient's name")
				}
				r, body = get(t, c, srv.URL+"/api/v1/documents/"+is.Code+"/verification")
				if r.StatusCode != 200 || !strings.Contains(body, `"signature_valid":true`) {
					t.Fatalf("verify api %d %s", r.StatusCode, body)
				}
				if r, _ := get(t, c, srv.URL+"/verify/AAAA-BBBB-CCCC"); r.StatusCode != 404 {
					t.Fatalf("unknown code: %d", r.StatusCode)
				}
				// Upload the original: it matches.
				var buf bytes.Buffer
				mw := newMultipart(&buf, "file", "decision.pdf", pdf)
				resp, err := c.Post(srv.URL+"/verify/"+is.Code, mw, &buf)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if !strings.Contains(string(b), "в точности совпадает") {
					t.Fatal("the original file does not match itself")
				}
			})

			t.Run("demo loads once", func(t *testing.T) {
				var before int
				_ = sys.DB.R.QueryRow("SELECT COUNT(*) FROM audit_log").Scan(&before)
				if err := loadDemo(context.Background(), sys); err != nil {
					t.Fatal(err)
				}
				var after int
				_ = sys.DB.R.QueryRow("SELECT COUNT(*) FROM audit_log").Scan(&after)
				if before != after {
					t.Fatalf("second demo load changed the database: %d → %d audit records", before, after)
				}
			})
		})
	}
}

func TestCalendarCLI(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Main(context.Background(), append(args, "--db", filepath.Join(dir, "cli.db"), "--data-dir", dir), IO{Out: &out, Err: &errb})
		return out.String(), errb.String(), code
	}
	out, _, code := run("calendar", "workdays", "2026")
	want := "2026-01 19\n2026-02 20\n2026-03 22\n2026-04 21\n2026-05 20\n2026-06 22\n2026-07 22\n2026-08 21\n2026-09 22\n2026-10 22\n2026-11 21\n2026-12 22\n"
	if code != 0 || out != want {
		t.Fatalf("workdays 2026 (exit %d):\n%s", code, out)
	}
	out, _, code = run("calendar", "deadline", "--from", "2026-04-30", "--term", "5 рабочих дней")
	if code != 0 || !strings.HasPrefix(out, "2026-05-08\n") || !strings.Contains(out, "Праздник труда") {
		t.Fatalf("deadline (exit %d):\n%s", code, out)
	}
	if _, errs, code := run("calendar", "deadline", "--from", "2030-01-10", "--term", "10 дней"); code == 0 || !strings.Contains(errs, "2030") {
		t.Fatalf("a date outside the calendar must be an error, got exit %d: %s", code, errs)
	}
	// A new year loaded at run time is used without a release.
	f := filepath.Join(dir, "2028.json")
	os.WriteFile(f, []byte(`{"years":[{"year":2028,"holidays":[{"date":"2028-01-03","name":"Тестовый праздник"}],"transfers":[],"transfers_act":"тест","sources":[]}]}`), 0o600)
	if out, errs, code := run("calendar", "load", f); code != 0 {
		t.Fatalf("load: %s %s", out, errs)
	}
	if out, errs, code := run("calendar", "workdays", "2028"); code != 0 || !strings.HasPrefix(out, "2028-01 20\n") {
		t.Fatalf("workdays 2028 after load (exit %d): %s %s", code, out, errs)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"years":[{"year":2029,"holidays":[{"date":"2028-05-01","name":"x"}],"transfers":[],"transfers_act":null,"sources":[]}]}`), 0o600)
	if _, errs, code := run("calendar", "load", bad); code == 0 || !strings.Contains(errs, "2028-05-01") {
		t.Fatalf("a bad file must be refused naming the date: %s", errs)
	}
	if out, _, _ := run("calendar", "years"); strings.Contains(out, "2029") {
		t.Fatal("a refused file changed the calendar")
	}
}

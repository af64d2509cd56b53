package app

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/cases"
	"odnookno/internal/catalog"
	"odnookno/internal/identity"
	"odnookno/internal/signature"
	"odnookno/internal/store"
	"odnookno/internal/store/storetest"
	"odnookno/internal/web"
)

// smsBook keeps the SMS of a test identity service, so the test reads the
// codes and temporary passwords as the citizen would.
type smsBook struct {
	mu   sync.Mutex
	sent []struct {
		to     identity.Phone
		kind   string
		params map[string]any
	}
}

func (b *smsBook) SendTx(_ context.Context, _ *sql.Tx, to identity.Phone, kind, _ string, params map[string]any, _ ...string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sent = append(b.sent, struct {
		to     identity.Phone
		kind   string
		params map[string]any
	}{to, kind, params})
	return nil
}

func (b *smsBook) last(t testing.TB, to identity.Phone, kind, param string) string {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(b.sent) - 1; i >= 0; i-- {
		if m := b.sent[i]; m.to == to && m.kind == kind {
			s, _ := m.params[param].(string)
			return s
		}
	}
	t.Fatalf("no %s SMS to %s", kind, to)
	return ""
}

// issueCitizen gives p a UID through the identity service's own issuance
// steps (on the system's database, with the SMS read back from a book),
// sets a static password and returns the citizen and a live session token.
func issueCitizen(t testing.TB, sys *System, p identity.RegistryPerson, phone string) (identity.Citizen, string) {
	t.Helper()
	book := &smsBook{}
	ids, err := identity.New(identity.Deps{DB: sys.DB, Audit: sys.Audit, Sessions: sys.Sessions, Docs: sys.Docs, SMS: book,
		Registry: identity.NewSimRegistry(), Now: time.Now},
		identity.Options{Hash: identity.TestHashParams, CodeKey: bytes.Repeat([]byte{7}, 32), CodeResend: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := audit.WithActor(context.Background(), audit.Actor{ID: "staff:test", Role: audit.RoleIssuance, Body: "minsk-oo"})
	office := identity.Office{Code: "minsk-oo", Name: "Служба «одно окно»", Address: "г. Минск, ул. Кирова, 8"}
	a, err := ids.CreateApplication(ctx, office, identity.ApplicationInput{Kind: "issue", Surname: p.Surname, Name: p.Name,
		Patronymic: p.Patronymic, BirthDate: p.BirthDate, PIN: string(p.PIN), Phone: phone, Lang: "ru", DocumentPresented: true})
	if err != nil {
		t.Fatal(err)
	}
	if a, err = ids.CheckRegistry(ctx, office.Code, a.ID); err != nil {
		t.Fatal(err)
	}
	if a, err = ids.SendPhoneCode(ctx, office.Code, a.ID); err != nil {
		t.Fatal(err)
	}
	if a, err = ids.ConfirmPhone(ctx, office.Code, a.ID, book.last(t, a.Phone, identity.SMSVerifyPhone, "code")); err != nil {
		t.Fatal(err)
	}
	if a, err = ids.Complete(ctx, office.Code, a.ID); err != nil {
		t.Fatal(err)
	}
	cl := identity.Client{Addr: "127.0.0.1", UserAgent: "test", Lang: "ru"}
	l, err := ids.Login(context.Background(), string(p.PIN), book.last(t, a.Phone, identity.SMSTempPassword, "password"), cl)
	if err != nil {
		t.Fatal(err)
	}
	if l, err = ids.SetStaticPassword(context.Background(), l.Citizen, "ёлка-у-рэчкі-2026", cl); err != nil {
		t.Fatal(err)
	}
	return l.Citizen, l.Token
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so the tests see every 303.
type browser struct {
	t    testing.TB
	c    *http.Client
	base string
}

func newBrowser(t testing.TB, srv *httptest.Server) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// citizenBrowser is a browser logged in as the citizen of token.
func citizenBrowser(t testing.TB, srv *httptest.Server, token string) *browser {
	b := newBrowser(t, srv)
	u, _ := url.Parse(srv.URL)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: web.CitizenCookie, Value: token, Path: "/"}})
	return b
}

// staffBrowser logs a staff member in through the login form.
func staffBrowser(t testing.TB, srv *httptest.Server, login, password string) *browser {
	b := newBrowser(t, srv)
	r := b.post("/staff/login", url.Values{"login": {login}, "password": {password}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("staff login %s: %d", login, r.status)
	}
	return b
}

type page struct {
	status int
	loc    string
	ctype  string
	body   string
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, loc: resp.Header.Get("Location"), ctype: resp.Header.Get("Content-Type"), body: string(body)}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// upload posts a multipart form; files maps a field name to file name and
// content.
func (b *browser) upload(path string, form url.Values, files map[string][2]string) page {
	b.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	for field, f := range files {
		fw, _ := w.CreateFormFile(field, f[0])
		_, _ = fw.Write([]byte(f[1]))
	}
	w.Close()
	req, _ := http.NewRequest("POST", b.base+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

func (b *browser) api(method, path string, in any) (int, map[string]any) {
	b.t.Helper()
	var body io.Reader
	if in != nil {
		j, _ := json.Marshal(in)
		body = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, b.base+path, body)
	req.Header.Set("Content-Type", "application/json")
	p := b.do(req)
	var out map[string]any
	_ = json.Unmarshal([]byte(p.body), &out)
	return p.status, out
}

var versionRE = regexp.MustCompile(`name="version" value="(\d+)"`)

func formVersion(t testing.TB, body string) string {
	t.Helper()
	m := versionRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no version in the page")
	}
	return m[1]
}

var appIDRE = regexp.MustCompile(`/cabinet/applications/(\d+)`)

func idFrom(t testing.TB, loc string) int64 {
	t.Helper()
	m := appIDRE.FindStringSubmatch(loc)
	if m == nil {
		m = regexp.MustCompile(`/staff/intake/(\d+)`).FindStringSubmatch(loc)
	}
	if m == nil {
		t.Fatalf("no id in %q", loc)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

const pdfScan = "%PDF-1.4\n% scan\n%%EOF\n"

// applyOnline files an application for 1.3.1 through the cabinet pages
// and returns its id.
func applyOnline(t testing.TB, b *browser) int64 {
	t.Helper()
	r := b.post("/cabinet/apply/citizens/1.3.1", url.Values{"form.full_name": {"Иванов Иван Иванович"}, "form.phone": {"+375291234567"},
		"form.address": {"г. Минск, ул. Кирова, 1"}, "form.purpose": {"по месту работы"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("create draft: %d\n%s", r.status, r.body)
	}
	id := idFrom(t, r.loc)
	r = b.get(fmt.Sprintf("/cabinet/applications/%d/review", id))
	if r.status != http.StatusOK {
		t.Fatalf("review: %d", r.status)
	}
	r = b.post(fmt.Sprintf("/cabinet/applications/%d/submit", id), url.Values{"version": {formVersion(t, r.body)}})
	if r.status != http.StatusSeeOther || !strings.HasSuffix(r.loc, "/done") {
		t.Fatalf("submit: %d %s\n%s", r.status, r.loc, r.body)
	}
	return id
}

// procedureID is the catalogue id of a demo procedure.
func procedureID(t testing.TB, sys *System, number string) int64 {
	t.Helper()
	p, err := sys.Procedures.ProcedureByNumber(context.Background(), catalog.Citizens, number)
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// staffActor acts for a demo staff member on the procedures given.
func staffActor(t testing.TB, sys *System, login string, procs ...int64) cases.Actor {
	t.Helper()
	st, err := sys.Org.StaffByLogin(context.Background(), login)
	if err != nil {
		t.Fatal(err)
	}
	return cases.Staff(st.ID, st.FullName, cases.StaffScope{BodyCode: st.Body.Code, Roles: st.Roles, ProcedureIDs: procs})
}

func TestCitizenApplications(t *testing.T) {
	for _, d := range storetest.Engines {
		t.Run(string(d), func(t *testing.T) {
			sys, srv := testSystem(t, d)
			ctx := context.Background()
			_, tokenA := issueCitizen(t, sys, identity.TestPeople[0], "+375291110001")
			_, tokenB := issueCitizen(t, sys, identity.TestPeople[1], "+375291110002")
			a, b := citizenBrowser(t, srv, tokenA), citizenBrowser(t, srv, tokenB)

			t.Run("the API is described", func(t *testing.T) {
				r := a.get("/api/v1/openapi.json")
				var doc struct {
					Paths map[string]map[string]any `json:"paths"`
				}
				if err := json.Unmarshal([]byte(r.body), &doc); err != nil {
					t.Fatal(err)
				}
				for _, route := range []string{"GET /api/v1/citizen/applications", "POST /api/v1/citizen/applications",
					"GET /api/v1/citizen/applications/{id}", "PUT /api/v1/citizen/applications/{id}/form",
					"POST /api/v1/citizen/applications/{id}/attachments", "POST /api/v1/citizen/applications/{id}/submit",
					"POST /api/v1/citizen/applications/{id}/withdraw", "POST /api/v1/citizen/applications/{id}/discard",
					"GET /api/v1/citizen/applications/{id}/documents/{code}", "GET /api/v1/citizen/complaints",
					"POST /api/v1/citizen/complaints", "GET /api/v1/citizen/complaints/{id}", "POST /api/v1/citizen/complaints/{id}/withdraw",
					"POST /api/v1/citizen/complaints/{id}/attachments", "GET /api/v1/citizen/complaints/{id}/documents/{code}",
					"GET /api/v1/intake/procedures", "GET /api/v1/intake/applications", "POST /api/v1/intake/applications",
					"GET /api/v1/intake/applications/{id}", "POST /api/v1/intake/applications/{id}/refusal",
					"GET /api/v1/intake/applications/{id}/documents/{code}"} {
					method, path, _ := strings.Cut(route, " ")
					if doc.Paths[path][strings.ToLower(method)] == nil {
						t.Errorf("OpenAPI lacks %s", route)
					}
				}
			})

			t.Run("the form is the regulation's, validated per field", func(t *testing.T) {
				r := a.get("/cabinet/apply/citizens/1.3.1")
				if r.status != http.StatusOK || !strings.Contains(r.body, `name="form.address"`) || !strings.Contains(r.body, "Иванов Иван Иванович") {
					t.Fatalf("form: %d", r.status)
				}
				r = a.post("/cabinet/apply/citizens/1.3.1", url.Values{"form.full_name": {"Ив"}, "form.phone": {"12345"}})
				if r.status != http.StatusUnprocessableEntity {
					t.Fatalf("invalid form: %d", r.status)
				}
				for _, want := range []string{
					`href="#form.full_name"`, `id="form.full_name-error"`, "Фамилия, собственное имя, отчество: слишком коротко",
					`href="#form.phone"`, `id="form.phone-error"`, "номер мобильного телефона",
					`href="#form.address"`, `id="form.address-error"`, "Адрес места жительства: заполните это поле.",
					`<title>Ошибка:`, `value="Ив"`,
				} {
					if !strings.Contains(r.body, want) {
						t.Errorf("the page with errors lacks %q", want)
					}
				}
				// The draft was saved: the form now posts to it.
				if !regexp.MustCompile(`action="/cabinet/applications/\d+/form"`).MatchString(r.body) {
					t.Fatal("the draft was not saved")
				}
				// A procedure that cannot be applied for online.
				if r := a.get("/cabinet/apply/citizens/11.1.1"); r.status != http.StatusConflict || !strings.Contains(r.body, "нельзя запросить онлайн") {
					t.Fatalf("offline procedure: %d", r.status)
				}
			})

			var first int64
			t.Run("submission gives a number, a due date and a receipt", func(t *testing.T) {
				first = applyOnline(t, a)
				r := a.get(fmt.Sprintf("/cabinet/applications/%d/done", first))
				if r.status != http.StatusOK {
					t.Fatalf("done: %d", r.status)
				}
				for _, want := range []string{"central-adm-2026-", `id="due-date"`, "Как исчислен срок", "Последний день срока", "Расписка о приёме заявления (PDF)"} {
					if !strings.Contains(r.body, want) {
						t.Errorf("the confirmation lacks %q", want)
					}
				}
				m := regexp.MustCompile(`href="(/cabinet/applications/\d+/documents/[^"]+)"`).FindStringSubmatch(r.body)
				if m == nil {
					t.Fatal("no receipt link")
				}
				pdf := a.get(m[1])
				if pdf.status != http.StatusOK || pdf.ctype != "application/pdf" || !strings.HasPrefix(pdf.body, "%PDF") {
					t.Fatalf("receipt: %d %s", pdf.status, pdf.ctype)
				}
				list := a.get("/cabinet/applications")
				if list.status != http.StatusOK || !strings.Contains(list.body, "Зарегистрировано") || !strings.Contains(list.body, "central-adm-2026-") {
					t.Fatalf("list: %d", list.status)
				}
				// The same pages in Belarusian.
				if r := a.get(fmt.Sprintf("/cabinet/applications/%d?lang=be", first)); r.status != http.StatusOK || !strings.Contains(r.body, "Як вылічаны тэрмін") {
					t.Fatalf("be page: %d", r.status)
				}
				a.get("/cabinet/applications?lang=ru") // the choice of language sticks
			})

			t.Run("withdrawal is allowed until the decision, refused after it", func(t *testing.T) {
				r := a.get(fmt.Sprintf("/cabinet/applications/%d", first))
				if !strings.Contains(r.body, "Отозвать заявление") {
					t.Fatalf("no withdraw button on a registered application: %d\n%s", r.status, r.body)
				}
				r = a.get(fmt.Sprintf("/cabinet/applications/%d/withdraw", first))
				r = a.post(fmt.Sprintf("/cabinet/applications/%d/withdraw", first), url.Values{"version": {formVersion(t, r.body)}, "comment": {"передумал"}})
				if r.status != http.StatusSeeOther {
					t.Fatalf("withdraw: %d\n%s", r.status, r.body)
				}
				if r = a.get(fmt.Sprintf("/cabinet/applications/%d", first)); !strings.Contains(r.body, "Отозвано заявителем") || strings.Contains(r.body, "Отозвать заявление") {
					t.Fatal("the withdrawn application still offers withdrawal")
				}

				second := applyOnline(t, a)
				proc := procedureID(t, sys, "1.3.1")
				officer, head := staffActor(t, sys, "ispolnitel", proc), staffActor(t, sys, "rukovoditel", proc)
				app, err := sys.Cases.Assign(ctx, officer, second, versionOf(t, sys, second), 0)
				if err != nil {
					t.Fatal(err)
				}
				if app, err = sys.Cases.DraftDecision(ctx, officer, second, app.Version, cases.DecisionDraft{Outcome: cases.OutcomeGrant,
					Reasoning: "Сведения подтверждены.", Issued: &cases.IssuedDocument{Title: "Справка о состоянии на учёте"}}); err != nil {
					t.Fatal(err)
				}
				v, err := sys.Cases.Get(ctx, head, second)
				if err != nil {
					t.Fatal(err)
				}
				pdf, _, err := sys.Docs.PDF(ctx, v.Decisions[len(v.Decisions)-1].DocumentCode)
				if err != nil {
					t.Fatal(err)
				}
				// The demo head signs with their own development certificate.
				signer, err := signature.LoadSigner(filepath.Join(sys.PKI.Dir, "rukovoditel.crt"), filepath.Join(sys.PKI.Dir, "rukovoditel.key"))
				if err != nil {
					t.Fatal(err)
				}
				sig, err := signer.Sign(pdf)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := sys.Cases.SignDecision(ctx, head, second, v.Application.Version, sig); err != nil {
					t.Fatal(err)
				}
				r = a.get(fmt.Sprintf("/cabinet/applications/%d", second))
				if strings.Contains(r.body, "Отозвать заявление") || !strings.Contains(r.body, "Подписан ЭЦП") || !strings.Contains(r.body, "/verify/") {
					t.Fatal("after the decision: withdraw still offered, or the signed decision not shown")
				}
				if !strings.Contains(r.body, "Обжаловать решение") {
					t.Fatal("no complaint button after the decision")
				}
				r = a.post(fmt.Sprintf("/cabinet/applications/%d/withdraw", second), url.Values{"version": {strconv.Itoa(versionOf(t, sys, second))}})
				if r.status != http.StatusConflict || !strings.Contains(r.body, "невозможно") {
					t.Fatalf("withdrawal after the decision: %d", r.status)
				}
				status, body := a.api("POST", fmt.Sprintf("/api/v1/citizen/applications/%d/withdraw", second), map[string]any{})
				if status != http.StatusConflict || errCode(body) != cases.CodeTransitionForbidden {
					t.Fatalf("API withdrawal after the decision: %d %v", status, body)
				}

				// A complaint about the decision, then withdrawn while undecided.
				r = a.upload(fmt.Sprintf("/cabinet/applications/%d/complaint", second), url.Values{"about": {"decision"},
					"text": {"Не согласен с решением.\nПрошу пересмотреть."}}, map[string][2]string{"files": {"довод.pdf", pdfScan}})
				if r.status != http.StatusSeeOther || !strings.HasPrefix(r.loc, "/cabinet/complaints/") {
					t.Fatalf("complaint: %d\n%s", r.status, r.body)
				}
				cp := a.get(r.loc)
				if cp.status != http.StatusOK || !strings.Contains(cp.body, "Прошу пересмотреть.") || !strings.Contains(cp.body, "довод.pdf") {
					t.Fatalf("complaint page: %d", cp.status)
				}
				w := a.get(r.loc + "/withdraw")
				if w = a.post(r.loc+"/withdraw", url.Values{"version": {formVersion(t, w.body)}}); w.status != http.StatusSeeOther {
					t.Fatalf("complaint withdrawal: %d", w.status)
				}
				if l := a.get("/cabinet/complaints"); !strings.Contains(l.body, "Отозвана заявителем") {
					t.Fatal("the withdrawn complaint is not listed as withdrawn")
				}
			})

			t.Run("a citizen cannot see another citizen's application", func(t *testing.T) {
				for _, p := range []string{"", "/review", "/withdraw", "/complaint"} {
					if r := b.get(fmt.Sprintf("/cabinet/applications/%d%s", first, p)); r.status != http.StatusNotFound {
						t.Errorf("GET %s of another citizen: %d", p, r.status)
					}
				}
				if r := b.post(fmt.Sprintf("/cabinet/applications/%d/withdraw", first), url.Values{"version": {"1"}}); r.status != http.StatusNotFound {
					t.Errorf("withdrawing another citizen's application: %d", r.status)
				}
				if status, _ := b.api("GET", fmt.Sprintf("/api/v1/citizen/applications/%d", first), nil); status != http.StatusNotFound {
					t.Errorf("API read of another citizen's application: %d", status)
				}
				if r := b.get("/cabinet/applications"); strings.Contains(r.body, "central-adm-2026-") {
					t.Error("another citizen's application is listed")
				}
				if r := newBrowser(t, srv).get(fmt.Sprintf("/cabinet/applications/%d", first)); r.status != http.StatusSeeOther ||
					!strings.HasPrefix(r.loc, "/cabinet/login") {
					t.Errorf("anonymous: %d %s", r.status, r.loc)
				}
			})

			t.Run("the JSON API with a bearer token", func(t *testing.T) {
				api := newBrowser(t, srv)
				do := func(method, path string, in any) (int, map[string]any) {
					var body io.Reader
					if in != nil {
						j, _ := json.Marshal(in)
						body = bytes.NewReader(j)
					}
					req, _ := http.NewRequest(method, srv.URL+path, body)
					req.Header.Set("Authorization", "Bearer "+tokenB)
					p := api.do(req)
					var out map[string]any
					_ = json.Unmarshal([]byte(p.body), &out)
					return p.status, out
				}
				status, app := do("POST", "/api/v1/citizen/applications", map[string]any{"list": "citizens", "number": "1.3.1",
					"form": map[string]string{"full_name": "Петрова Анна Сергеевна"}})
				if status != http.StatusCreated || app["status"] != "draft" || len(app["problems"].([]any)) == 0 {
					t.Fatalf("create: %d %v", status, app)
				}
				id := int64(app["id"].(float64))
				if status, body := do("POST", fmt.Sprintf("/api/v1/citizen/applications/%d/submit", id), nil); status != http.StatusUnprocessableEntity {
					t.Fatalf("incomplete submit: %d %v", status, body)
				}
				status, app = do("PUT", fmt.Sprintf("/api/v1/citizen/applications/%d/form", id), map[string]any{
					"form": map[string]string{"full_name": "Петрова Анна Сергеевна", "address": "г. Минск, пр. Независимости, 4"}})
				if status != http.StatusOK || app["problems"] != nil {
					t.Fatalf("update: %d %v", status, app)
				}
				status, app = do("POST", fmt.Sprintf("/api/v1/citizen/applications/%d/submit", id), map[string]any{"version": app["version"]})
				if status != http.StatusOK || app["status"] != "registered" || app["number"] == nil || app["due_date"] == nil ||
					app["receipt_url"] == nil || len(app["due_explanation"].([]any)) == 0 {
					t.Fatalf("submit: %d %v", status, app)
				}
				status, list := do("GET", "/api/v1/citizen/applications", nil)
				if status != http.StatusOK || list["total"].(float64) != 1 {
					t.Fatalf("list: %d %v", status, list)
				}
			})

			staff := staffBrowser(t, srv, "vydacha", "demo-vydacha-2026")
			var intake int64
			t.Run("the front office registers an application without a UID", func(t *testing.T) {
				r := staff.get("/staff")
				if !strings.Contains(r.body, `href="/staff/intake"`) {
					t.Fatal("no intake link in the workspace")
				}
				r = staff.get("/staff/intake")
				proc := procedureID(t, sys, "13.2")
				if r.status != http.StatusOK || !strings.Contains(r.body, fmt.Sprintf(`value="%d"`, proc)) || strings.Contains(r.body, "1.3.1 ") {
					t.Fatalf("intake home: %d", r.status)
				}
				r = staff.get(fmt.Sprintf("/staff/intake/new?procedure=%d", proc))
				if r.status != http.StatusOK || !strings.Contains(r.body, `name="form.stay_address"`) {
					t.Fatalf("intake form: %d", r.status)
				}
				form := url.Values{"procedure": {strconv.FormatInt(proc, 10)}, "action": {"register"}, "channel": {"written"}, "doc_lang": {"ru"},
					"applicant.surname": {"Козлов"}, "applicant.name": {"Пётр"}, "applicant.patronymic": {"Ильич"},
					"applicant.birth_date": {"12.04.1979"}, "applicant.id_doc_type": {"passport"}, "applicant.id_doc_number": {"MP7654321"},
					"form.full_name": {"Козлов Пётр Ильич"}, "form.stay_address": {"г. Минск, ул. Кирова, 10-5"},
					"form.stay_from": {"01.12.2026"}, "form.stay_to": {"31.05.2027"}, "form.basis_kind": {"lease"}}
				// Without the identity document the applicant is refused per field.
				bad := url.Values{}
				for k, v := range form {
					bad[k] = v
				}
				bad.Del("applicant.id_doc_number")
				if r := staff.upload("/staff/intake/new", bad, nil); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `href="#applicant.id_doc_number"`) {
					t.Fatalf("no document number: %d", r.status)
				}
				r = staff.upload("/staff/intake/new", form, map[string][2]string{"form.basis_file": {"договор.pdf", pdfScan}, "scan": {"заявление.pdf", pdfScan}})
				if r.status != http.StatusSeeOther {
					t.Fatalf("register: %d\n%s", r.status, r.body)
				}
				intake = idFrom(t, r.loc)
				r = staff.get(r.loc)
				if r.status != http.StatusOK || !strings.Contains(r.body, "minsk-oo-2026-") || !strings.Contains(r.body, "Распечатать расписку") ||
					!strings.Contains(r.body, "Паспорт гражданина Республики Беларусь MP7654321") || !strings.Contains(r.body, "договор.pdf") {
					t.Fatalf("registered: %d", r.status)
				}
				m := regexp.MustCompile(`href="(/staff/intake/\d+/documents/[^"]+)"`).FindStringSubmatch(r.body)
				if m == nil {
					t.Fatal("no receipt link")
				}
				if pdf := staff.get(m[1]); pdf.status != http.StatusOK || pdf.ctype != "application/pdf" {
					t.Fatalf("receipt: %d %s", pdf.status, pdf.ctype)
				}
			})

			t.Run("refusal to accept takes only grounds from the list", func(t *testing.T) {
				r := staff.get(fmt.Sprintf("/staff/intake/%d/refuse", intake))
				if r.status != http.StatusOK || !strings.Contains(r.body, `value="no_identity_document"`) {
					t.Fatalf("refusal form: %d", r.status)
				}
				version := formVersion(t, r.body)
				r = staff.post(fmt.Sprintf("/staff/intake/%d/refuse", intake), url.Values{"version": {version}, "grounds": {"no_money"}})
				if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "не предусмотрено") {
					t.Fatalf("a ground not in the list: %d", r.status)
				}
				r = staff.post(fmt.Sprintf("/staff/intake/%d/refuse", intake), url.Values{"version": {version}})
				if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "хотя бы одно основание") {
					t.Fatalf("no ground: %d", r.status)
				}
				r = staff.post(fmt.Sprintf("/staff/intake/%d/refuse", intake), url.Values{"version": {version}, "grounds": {"documents_missing"},
					"comment": {"Нет договора найма."}})
				if r.status != http.StatusSeeOther {
					t.Fatalf("refusal: %d\n%s", r.status, r.body)
				}
				r = staff.get(r.loc)
				if !strings.Contains(r.body, "Отказано в принятии заявления") || !strings.Contains(r.body, "Распечатать извещение") {
					t.Fatal("the refusal's notice is not offered")
				}
			})

			t.Run("the front office finds a UID holder, and the read is audited", func(t *testing.T) {
				proc := procedureID(t, sys, "13.2")
				p := identity.TestPeople[0]
				r := staff.upload("/staff/intake/new", url.Values{"procedure": {strconv.FormatInt(proc, 10)}, "action": {"lookup"},
					"applicant.uid": {strings.ToLower(string(p.PIN))}}, nil)
				if r.status != http.StatusOK || !strings.Contains(r.body, "Заявитель найден") || !strings.Contains(r.body, "Иванов Иван Иванович") {
					t.Fatalf("lookup: %d", r.status)
				}
				recs, err := sys.Audit.List(ctx, audit.Query{SubjectUID: string(p.PIN), ActionLike: "intake.citizen_read"})
				if err != nil || len(recs) == 0 || !strings.HasPrefix(recs[0].Actor.ID, "staff:") {
					t.Fatalf("the read of the citizen's data is not audited: %v %v", recs, err)
				}
				status, body := staff.api("POST", "/api/v1/intake/applications", map[string]any{"list": "citizens", "number": "13.2",
					"applicant": map[string]any{"uid": string(p.PIN)}, "form": map[string]string{"full_name": "Иванов Иван Иванович",
						"stay_address": "г. Минск, ул. Кирова, 10-6", "stay_from": "2026-12-01", "stay_to": "2027-01-31", "basis_kind": "own"}})
				if status != http.StatusCreated || body["number"] == nil || body["receipt_url"] == nil {
					t.Fatalf("API intake: %d %v", status, body)
				}
				// The citizen sees it in the cabinet.
				if r := a.get("/cabinet/applications"); !strings.Contains(r.body, body["number"].(string)) {
					t.Fatal("an application taken at the front office for a UID holder is not in their cabinet")
				}
				status, body = staff.api("GET", fmt.Sprintf("/api/v1/intake/applications/%d", int64(body["id"].(float64))), nil)
				if status != http.StatusOK || body["status"] != "registered" {
					t.Fatalf("API status: %d %v", status, body)
				}
			})
		})
	}
}

func versionOf(t testing.TB, sys *System, id int64) int {
	t.Helper()
	v, err := sys.Cases.Get(context.Background(), cases.System(), id)
	if err != nil {
		t.Fatal(err)
	}
	return v.Application.Version
}

func errCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

// buildSystem is testSystem for benchmarks: the whole service with the
// demo data on a fresh database of dialect d, served over HTTP.
func buildSystem(tb testing.TB, d store.Dialect) (*System, *httptest.Server) {
	tb.Helper()
	dir := tb.TempDir()
	cfg := Config{DB: storetest.NewDSN(tb, d), Addr: "127.0.0.1:0", DataDir: dir, PKIDir: filepath.Join(dir, "pki"),
		LogLevel: "warn", Demo: true, ShutdownTimeout: time.Second, CalendarRefresh: time.Second,
		SessionIdle: time.Hour, SessionAbsolute: time.Hour}
	sys, err := Build(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { sys.Close() })
	if err := loadDemo(context.Background(), sys); err != nil {
		tb.Fatal(err)
	}
	h, err := sys.Server.Handler()
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return sys, srv
}

// BenchmarkSubmitHTTP measures applications submitted end to end over
// HTTP by logged-in citizens: each submission is the cabinet's two posts,
// the form (which creates the draft) and the submission (which registers
// it: number, due date, receipt PDF, notices and deadline jobs, audit) —
// one citizen at a time ("serial") and several citizens at once
// ("parallel", one goroutine per test person with a valid document), on
// each engine.
//
//	go test ./internal/app -run '^$' -bench SubmitHTTP -benchtime 200x
func BenchmarkSubmitHTTP(b *testing.B) {
	for _, d := range storetest.Engines {
		b.Run(string(d), func(b *testing.B) {
			sys, srv := buildSystem(b, d)
			var people []identity.RegistryPerson
			for _, p := range identity.TestPeople {
				if p.DocumentValid {
					people = append(people, p)
				}
			}
			browsers := make(chan *browser, len(people))
			for i, p := range people {
				_, token := issueCitizen(b, sys, p, fmt.Sprintf("+37529%07d", 7000000+i))
				browsers <- citizenBrowser(b, srv, token)
			}
			submit := func(br *browser) {
				r := br.post("/cabinet/apply/citizens/1.3.1", url.Values{"form.full_name": {"Иванов Иван Иванович"},
					"form.phone": {"+375291234567"}, "form.address": {"г. Минск, ул. Кирова, 1"}})
				if r.status != http.StatusSeeOther {
					b.Fatalf("create: %d", r.status)
				}
				id := idFrom(b, r.loc)
				r = br.post(fmt.Sprintf("/cabinet/applications/%d/submit", id), url.Values{"version": {"1"}})
				if r.status != http.StatusSeeOther {
					b.Fatalf("submit: %d\n%s", r.status, r.body)
				}
			}
			b.Run("serial", func(b *testing.B) {
				br := <-browsers
				defer func() { browsers <- br }()
				br.t = b
				b.ResetTimer()
				for b.Loop() {
					submit(br)
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "submissions/s")
			})
			b.Run("parallel", func(b *testing.B) {
				// The citizens at once, each in a goroutine of its own.
				b.SetParallelism(max(1, (len(people)+runtime.GOMAXPROCS(0)-1)/runtime.GOMAXPROCS(0)))
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					br := <-browsers
					defer func() { browsers <- br }()
					for pb.Next() {
						submit(br)
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "submissions/s")
			})
		})
	}
}

package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"odnookno/internal/cases"
	"odnookno/internal/catalog"
	"odnookno/internal/identity"
	"odnookno/internal/interop"
	"odnookno/internal/jobs"
	"odnookno/internal/org"
	"odnookno/internal/signature"
	"odnookno/internal/store/storetest"
)

// csRunJobs works the job queue (inter-agency requests, notices) while the
// test runs.
func csRunJobs(t *testing.T, sys *System) {
	t.Helper()
	r, err := jobs.NewRunner(sys.DB, sys.Workers, jobs.Options{PollInterval: 20 * time.Millisecond,
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		_ = r.Stop(sctx)
		cancel()
	})
}

// csStaff is a logged-in staff browser that does not follow redirects, so
// a test sees where a form sends it.
type csStaff struct {
	t   *testing.T
	srv *httptest.Server
	c   *http.Client
}

func csLogin(t *testing.T, srv *httptest.Server, login, password string) *csStaff {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(srv.URL+"/staff/login", url.Values{"login": {login}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login %s: %d", login, resp.StatusCode)
	}
	return &csStaff{t: t, srv: srv, c: c}
}

func (s *csStaff) do(req *http.Request) (int, string, string) {
	s.t.Helper()
	resp, err := s.c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Location")
}

func (s *csStaff) get(path string) (int, string) {
	s.t.Helper()
	req, _ := http.NewRequest("GET", s.srv.URL+path, nil)
	code, body, _ := s.do(req)
	return code, body
}

func (s *csStaff) post(path string, form url.Values) (int, string, string) {
	s.t.Helper()
	req, _ := http.NewRequest("POST", s.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return s.do(req)
}

func (s *csStaff) upload(path string, form url.Values, field, name string, data []byte) (int, string, string) {
	s.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	fw, _ := w.CreateFormFile(field, name)
	_, _ = fw.Write(data)
	w.Close()
	req, _ := http.NewRequest("POST", s.srv.URL+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return s.do(req)
}

func (s *csStaff) api(method, path string, in any) (int, map[string]any) {
	s.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.srv.URL+path, body)
	req.Header.Set("Content-Type", "application/json")
	code, text, _ := s.do(req)
	var out map[string]any
	_ = json.Unmarshal([]byte(text), &out)
	return code, out
}

// csApplicant is who applies in these tests: a person the simulated
// registers know.
var csApplicant = identity.TestPeople[0]

const csCitizenID = "9001"

// csFile files an online application for procedure 1.1.5 (housing
// register, central-adm) as a citizen; the system registers it at once and
// sends the regulation's automatic requests.
func csFile(t *testing.T, sys *System) cases.Application {
	t.Helper()
	ctx := context.Background()
	p, err := sys.Procedures.ProcedureByNumber(ctx, catalog.Citizens, "1.1.5")
	if err != nil {
		t.Fatal(err)
	}
	cit := cases.Citizen(csCitizenID, "Иванов Иван Иванович")
	form := `{"full_name":"Иванов Иван Иванович","address":"г. Минск, ул. Кирова, 10-5","family_size":"3","has_minors":"no","priority":"none"}`
	app, err := sys.Cases.CreateDraft(ctx, cit, cases.NewDraft{ProcedureID: p.ID, BodyCode: "central-adm", Form: json.RawMessage(form), Lang: "ru",
		Applicant: cases.Applicant{Surname: csApplicant.Surname, Name: csApplicant.Name, Patronymic: csApplicant.Patronymic,
			UID: string(csApplicant.PIN), Phone: "+375291112233", Email: "ivanov@example.by"}})
	if err != nil {
		t.Fatal(err)
	}
	pdf := []byte("%PDF-1.4\n% паспорта\n%%EOF\n")
	if app, err = sys.Cases.Attach(ctx, cit, app.ID, app.Version, cases.Upload{DocCode: "adult_passports", Name: "паспорта.pdf", Body: bytes.NewReader(pdf)}); err != nil {
		t.Fatal(err)
	}
	if app, err = sys.Cases.Submit(ctx, cit, app.ID, app.Version); err != nil {
		t.Fatal(err)
	}
	if app.Status != cases.Registered {
		t.Fatalf("filed application is %s", app.Status)
	}
	return app
}

// csView reads the case as the system sees it (no audit record).
func csView(t *testing.T, sys *System, id int64) cases.CaseView {
	t.Helper()
	v, err := sys.Cases.Get(context.Background(), cases.System(), id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// csWait polls the case until ok holds, failing after a deadline.
func csWait(t *testing.T, sys *System, id int64, what string, ok func(cases.CaseView) bool) cases.CaseView {
	t.Helper()
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		v := csView(t, sys, id)
		if ok(v) {
			return v
		}
		select {
		case <-deadline:
			t.Fatalf("case %s: gave up waiting until %s; status %s, requests %+v", v.Application.Number(), what, v.Application.Status, v.Requests)
		case <-tick.C:
		}
	}
}

func csAllAnswered(v cases.CaseView) bool {
	if len(v.Requests) == 0 {
		return false
	}
	for _, r := range v.Requests {
		if r.AnsweredAt.IsZero() {
			return false
		}
	}
	return true
}

func csAudits(t *testing.T, sys *System, action, number string) int {
	t.Helper()
	var n int
	if err := sys.DB.R.QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = $1 AND case_number = $2", action, number).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var csVersionRE = regexp.MustCompile(`name="version" value="(\d+)"`)

func TestCaseStaff(t *testing.T) {
	for _, d := range storetest.Engines {
		t.Run(string(d), func(t *testing.T) {
			sys, srv := testSystem(t, d)
			csRunJobs(t, sys)
			ctx := context.Background()
			officer := csLogin(t, srv, "ispolnitel", "demo-ispolnitel-2026")
			head := csLogin(t, srv, "rukovoditel", "demo-rukovoditel-2026")

			app := csFile(t, sys)
			base := fmt.Sprintf("/staff/cases/%d", app.ID)

			t.Run("the regulation's requests go at registration and the simulator's answers attach", func(t *testing.T) {
				v := csWait(t, sys, app.ID, "both automatic requests are answered", csAllAnswered)
				if len(v.Requests) != 2 || v.Application.Status != cases.Registered {
					t.Fatalf("requests %+v, status %s", v.Requests, v.Application.Status)
				}
				for _, r := range v.Requests {
					if r.Channel != cases.RequestResource || r.ExternalRef == "" || !strings.Contains(r.Answer, "Сведения предоставлены") {
						t.Fatalf("request %+v", r)
					}
				}
				if n := csAudits(t, sys, "case.record_answer", app.RegNumber); n != 2 {
					t.Fatalf("%d record_answer audit records", n)
				}
			})

			t.Run("queue and case page; the staff read is audited", func(t *testing.T) {
				code, body := officer.get("/staff/cases")
				if code != 200 || !strings.Contains(body, app.RegNumber) || !strings.Contains(body, "Иванов") {
					t.Fatalf("queue %d", code)
				}
				if code, body = officer.get("/staff/cases?due=overdue"); code != 200 || strings.Contains(body, app.RegNumber) {
					t.Fatalf("overdue filter shows a case that is not overdue (%d)", code)
				}
				before := csAudits(t, sys, "case.read", app.RegNumber)
				code, body = officer.get(base)
				if code != 200 || !strings.Contains(body, string(csApplicant.PIN)) || !strings.Contains(body, "Взять в работу") ||
					!strings.Contains(body, "Как исчислен срок") {
					t.Fatalf("case page %d", code)
				}
				if after := csAudits(t, sys, "case.read", app.RegNumber); after != before+1 {
					t.Fatalf("case.read audit records %d → %d", before, after)
				}
				if code, body = officer.get(base + "?lang=be"); code != 200 || !strings.Contains(body, "Узяць у работу") {
					t.Fatalf("case page in Belarusian %d", code)
				}
				officer.get(base + "?lang=ru") // the choice sticks in a cookie; back to Russian
			})

			t.Run("an officer of another body gets 404", func(t *testing.T) {
				other := csLogin(t, srv, "mgik-ispolnitel", "demo-mgik-ispolnitel-2026")
				if code, _ := other.get(base); code != http.StatusNotFound {
					t.Fatalf("page: %d", code)
				}
				if code, _ := other.api("GET", "/api/v1/staff/cases/"+fmt.Sprint(app.ID), nil); code != http.StatusNotFound {
					t.Fatalf("api: %d", code)
				}
				if code, _, _ := other.post(base+"/assign", url.Values{"version": {fmt.Sprint(app.Version)}}); code != http.StatusNotFound {
					t.Fatalf("action: %d", code)
				}
				if code, body := other.get("/staff/cases"); code != 200 || strings.Contains(body, app.RegNumber) {
					t.Fatalf("another body's queue shows the case (%d)", code)
				}
			})

			t.Run("a stale version is a conflict with the reload message", func(t *testing.T) {
				v := csView(t, sys, app.ID).Application
				code, body, _ := officer.post(base+"/assign", url.Values{"version": {fmt.Sprint(v.Version - 1)}})
				if code != http.StatusConflict || !strings.Contains(body, "Кто-то уже изменил это дело") || !strings.Contains(body, "Обновите страницу") {
					t.Fatalf("stale take: %d", code)
				}
				if got := csView(t, sys, app.ID).Application; got.Version != v.Version || got.Status != cases.Registered {
					t.Fatalf("a stale action changed the case: %s v%d", got.Status, got.Version)
				}
				code, _, loc := officer.post(base+"/assign", url.Values{"version": {fmt.Sprint(v.Version)}})
				if code != http.StatusSeeOther || loc != base {
					t.Fatalf("take: %d %s", code, loc)
				}
				if got := csView(t, sys, app.ID).Application; got.Status != cases.InProgress || got.AssigneeName != "Мороз Наталья Игоревна" {
					t.Fatalf("after take: %s %q", got.Status, got.AssigneeName)
				}
			})

			t.Run("a request without a grant is refused, audited, and СМДО is offered", func(t *testing.T) {
				if _, err := sys.Org.EnsureStaff(ctx, org.NewStaff{BodyCode: "central-adm", Login: "ispolnitel-2", FullName: "Новик Павел Олегович",
					Roles: []string{org.RoleOfficer}, Password: "demo-ispolnitel2-2026"}); err != nil {
					t.Fatal(err)
				}
				second := csLogin(t, srv, "ispolnitel-2", "demo-ispolnitel2-2026")
				v := csView(t, sys, app.ID).Application
				code, body, _ := second.post(base+"/requests", url.Values{"version": {fmt.Sprint(v.Version)}, "resource": {"mvd"},
					"service": {"person"}, "channel": {"http"}})
				if code != http.StatusForbidden || !strings.Contains(body, "через СМДО") || !strings.Contains(body, `value="smdo"`) {
					t.Fatalf("grant-less request: %d", code)
				}
				if n := csAudits(t, sys, "interop.request_refused", app.RegNumber); n != 1 {
					t.Fatalf("%d refusal audit records", n)
				}
				if got := csView(t, sys, app.ID).Application; got.Version != v.Version {
					t.Fatal("a refused request changed the case")
				}
			})

			t.Run("an officer's request is answered by the simulator and the case moves on", func(t *testing.T) {
				v := csView(t, sys, app.ID).Application
				code, _, loc := officer.post(base+"/requests", url.Values{"version": {fmt.Sprint(v.Version)}, "resource": {"mvd"},
					"service": {"person"}, "channel": {"http"}})
				if code != http.StatusSeeOther || loc != base {
					t.Fatalf("send: %d %s", code, loc)
				}
				if st := csView(t, sys, app.ID).Application.Status; st != cases.AwaitingAnswers && st != cases.InProgress {
					t.Fatalf("after sending: %s", st)
				}
				got := csWait(t, sys, app.ID, "the answer moves the case back to the officer", func(v cases.CaseView) bool {
					return v.Application.Status == cases.InProgress && csAllAnswered(v)
				})
				last := got.Events[len(got.Events)-1]
				if last.Action != cases.ActAnswersReceived || last.ActorRole != cases.RoleSystem {
					t.Fatalf("last event %s by %s", last.Action, last.ActorRole)
				}
				_, body := officer.get(base)
				if !strings.Contains(body, "Персональные данные и документ") || !strings.Contains(body, "Получен ответ") {
					t.Fatal("the case page does not show the answered request")
				}
			})

			var draft string
			t.Run("the officer drafts a grant", func(t *testing.T) {
				_, page := officer.get(base + "/decision")
				m := csVersionRE.FindStringSubmatch(page)
				if m == nil {
					t.Fatal("no version on the decision form")
				}
				code, body, _ := officer.post(base+"/decision", url.Values{"version": {m[1]}, "outcome": {"grant"}})
				if code != http.StatusUnprocessableEntity || !strings.Contains(body, "Укажите выдаваемый документ") {
					t.Fatalf("grant without a document: %d", code)
				}
				code, _, loc := officer.post(base+"/decision", url.Values{"version": {m[1]}, "outcome": {"grant"},
					"issued_title": {"Решение о постановке на учёт нуждающихся в улучшении жилищных условий"}, "issued_number": {"Ж-17"}})
				if code != http.StatusSeeOther || loc != base {
					t.Fatalf("draft: %d", code)
				}
				v := csView(t, sys, app.ID)
				if v.Application.Status != cases.DecisionDrafted || len(v.Decisions) != 1 {
					t.Fatalf("after drafting: %s", v.Application.Status)
				}
				draft = v.Decisions[0].DocumentCode
			})

			t.Run("the head signs with an uploaded signature; the decision reaches the citizen's cabinet", func(t *testing.T) {
				code, page := head.get(base + "/sign")
				if code != 200 || !strings.Contains(page, "openssl cms -sign -binary -in decision.pdf -signer head.crt -inkey head.key -outform DER -out decision.p7s") {
					t.Fatalf("signing page %d", code)
				}
				req, _ := http.NewRequest("GET", srv.URL+base+"/documents/"+draft, nil)
				code, pdf, _ := head.do(req)
				if code != 200 || !strings.HasPrefix(pdf, "%PDF") {
					t.Fatalf("draft pdf %d", code)
				}
				// A signature by someone else's key is refused.
				platform, err := sys.PKI.Platform.Sign([]byte(pdf))
				if err != nil {
					t.Fatal(err)
				}
				version := csVersionRE.FindStringSubmatch(page)[1]
				code, body, _ := head.upload(base+"/sign", url.Values{"version": {version}}, "signature", "decision.p7s", platform)
				if code != http.StatusForbidden || !strings.Contains(body, "Подпись выполнена не вашим сертификатом") {
					t.Fatalf("someone else's signature: %d", code)
				}
				signer, err := signature.LoadSigner(filepath.Join(sys.PKI.Dir, "rukovoditel.crt"), filepath.Join(sys.PKI.Dir, "rukovoditel.key"))
				if err != nil {
					t.Fatal(err)
				}
				sig, err := signer.Sign([]byte(pdf))
				if err != nil {
					t.Fatal(err)
				}
				code, _, loc := head.upload(base+"/sign", url.Values{"version": {version}}, "signature", "decision.p7s", sig)
				if code != http.StatusSeeOther || loc != base {
					t.Fatalf("sign: %d", code)
				}
				v := csView(t, sys, app.ID).Application
				if v.Status != cases.DecidedGranted || v.DecisionCode != draft {
					t.Fatalf("after signing: %s %s", v.Status, v.DecisionCode)
				}
				inbox, err := sys.Notify.Inbox(ctx, csCitizenID, 20)
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, it := range inbox {
					found = found || it.Kind == cases.KindDecision
				}
				if !found {
					t.Fatalf("no decision notice in the cabinet inbox: %+v", inbox)
				}
				_, vp := get(t, srv.Client(), srv.URL+"/verify/"+draft)
				if !strings.Contains(vp, "Ковальчук Андрей Викторович") {
					t.Fatal("the verification page does not name the head as signer")
				}
			})

			t.Run("the JSON API", func(t *testing.T) {
				code, out := officer.api("GET", "/api/v1/staff/cases?status=all", nil)
				items, _ := out["items"].([]any)
				if code != 200 || len(items) == 0 {
					t.Fatalf("queue api %d %v", code, out)
				}
				code, out = officer.api("GET", "/api/v1/staff/cases/"+fmt.Sprint(app.ID), nil)
				if code != 200 || out["status"] != string(cases.DecidedGranted) || out["applicant"] == nil {
					t.Fatalf("case api %d %v", code, out)
				}
				code, out = officer.api("POST", "/api/v1/staff/cases/"+fmt.Sprint(app.ID)+"/assign", map[string]any{"version": 1})
				if code != http.StatusConflict {
					t.Fatalf("stale api step: %d %v", code, out)
				}
				code, out = officer.api("GET", "/api/v1/staff/interop/requests?case_id="+fmt.Sprint(app.ID), nil)
				if items, _ := out["items"].([]any); code != 200 || len(items) != 3 {
					t.Fatalf("requests api %d %v", code, out)
				}
			})

			t.Run("the operator's console and the owner's grants", func(t *testing.T) {
				op := csLogin(t, srv, "operator", "demo-operator-2026")
				code, body := op.get("/staff/interop")
				if code != 200 || !strings.Contains(body, "Регистр населения: место жительства") || !strings.Contains(body, "Мороз Наталья Игоревна") {
					t.Fatalf("console %d", code)
				}
				before := csAudits(t, sys, "interop.archive_read", app.RegNumber)
				code, body = op.get("/staff/interop?case=" + url.QueryEscape(app.RegNumber))
				if code != 200 || !strings.Contains(body, "подпись проверена") {
					t.Fatalf("archive search %d", code)
				}
				if csAudits(t, sys, "interop.archive_read", app.RegNumber) != before+1 {
					t.Fatal("the archive search was not audited")
				}
				if code, _ := officer.get("/staff/interop"); code != http.StatusForbidden {
					t.Fatalf("an officer opens the operator console: %d", code)
				}
				owner := csLogin(t, srv, "mvd-ir", "demo-mvd-ir-2026")
				code, body = owner.get("/staff/interop/grants")
				if code != 200 || !strings.Contains(body, "Мороз Наталья Игоревна") || strings.Contains(body, "Единый государственный регистр недвижимого имущества") {
					t.Fatalf("owner page %d", code)
				}

				// The operator checks a user's certificate and asks the owner;
				// a user without a registered certificate cannot get a grant.
				code, body, _ = op.upload("/staff/interop/grants", url.Values{"login": {"ispolnitel-2"}, "resource_service": {"mvd/person"}},
					"certificate", "user.crt", []byte("not a certificate"))
				if code != http.StatusUnprocessableEntity || !strings.Contains(body, "не зарегистрирован сертификат") {
					t.Fatalf("grant for a user without a certificate: %d", code)
				}
				pemBytes, err := os.ReadFile(filepath.Join(sys.PKI.Dir, "mgik-ispolnitel.crt"))
				if err != nil {
					t.Fatal(err)
				}
				code, _, loc := op.upload("/staff/interop/grants", url.Values{"login": {"mgik-ispolnitel"}, "resource_service": {"mvd/person"}},
					"certificate", "user.crt", pemBytes)
				if code != http.StatusSeeOther || !strings.HasSuffix(loc, "#grants") {
					t.Fatalf("grant request: %d %s", code, loc)
				}
				st, _ := sys.Org.StaffByLogin(ctx, "mgik-ispolnitel")
				gs, _ := sys.Interop.Grants(ctx, interop.GrantQuery{StaffID: st.ID})
				if len(gs) != 1 || gs[0].State != interop.GrantRequested {
					t.Fatalf("grants %+v", gs)
				}
				nka := csLogin(t, srv, "nka-ir", "demo-nka-ir-2026")
				if code, _, _ := nka.post(fmt.Sprintf("/staff/interop/grants/%d/approve", gs[0].ID), nil); code != http.StatusForbidden {
					t.Fatalf("another owner approves: %d", code)
				}
				if code, _, _ := owner.post(fmt.Sprintf("/staff/interop/grants/%d/refuse", gs[0].ID), url.Values{}); code != http.StatusUnprocessableEntity {
					t.Fatalf("refusal without a reason: %d", code)
				}
				if code, _, _ := owner.post(fmt.Sprintf("/staff/interop/grants/%d/approve", gs[0].ID), nil); code != http.StatusSeeOther {
					t.Fatalf("approve: %d", code)
				}
				if ok, _ := sys.Interop.CanQuery(ctx, st.ID, "mvd", "person"); !ok {
					t.Fatal("the approved grant does not let the user query")
				}
			})

			t.Run("the OpenAPI document describes the staff API", func(t *testing.T) {
				var doc struct {
					Paths map[string]map[string]any `json:"paths"`
				}
				_, body := get(t, srv.Client(), srv.URL+"/api/v1/openapi.json")
				if err := json.Unmarshal([]byte(body), &doc); err != nil {
					t.Fatal(err)
				}
				for _, route := range []string{"GET /api/v1/staff/cases", "GET /api/v1/staff/cases/{id}", "POST /api/v1/staff/cases/{id}/assign",
					"POST /api/v1/staff/cases/{id}/requests", "POST /api/v1/staff/cases/{id}/decision", "POST /api/v1/staff/cases/{id}/signature",
					"GET /api/v1/staff/cases/{id}/documents/{code}", "GET /api/v1/staff/complaints", "GET /api/v1/staff/complaints/{id}",
					"POST /api/v1/staff/complaints/{id}/decision", "POST /api/v1/staff/complaints/{id}/signature",
					"GET /api/v1/staff/interop/requests", "GET /api/v1/staff/interop/archive", "GET /api/v1/staff/interop/stats"} {
					method, path, _ := strings.Cut(route, " ")
					if doc.Paths[path][strings.ToLower(method)] == nil {
						t.Errorf("OpenAPI lacks %s", route)
					}
				}
			})

			t.Run("a complaint is routed to the complaint body, decided and signed", func(t *testing.T) {
				c, err := sys.Cases.FileComplaint(ctx, cases.Citizen(csCitizenID, "Иванов Иван Иванович"), cases.NewComplaint{CaseID: app.ID,
					About: cases.AboutDecision, Text: "Не согласен с решением."})
				if err != nil {
					t.Fatal(err)
				}
				if c.BodyCode != "mingorispolkom" || c.Status != cases.ComplaintRegistered {
					t.Fatalf("complaint at %s, %s", c.BodyCode, c.Status)
				}
				cbase := fmt.Sprintf("/staff/complaints/%d", c.ID)
				if code, _ := officer.get(cbase); code != http.StatusNotFound {
					t.Fatalf("the body complained about opens the complaint: %d", code)
				}
				cOff := csLogin(t, srv, "mgik-ispolnitel", "demo-mgik-ispolnitel-2026")
				code, body := cOff.get("/staff/complaints")
				if code != 200 || !strings.Contains(body, c.RegNumber) {
					t.Fatalf("complaints list %d", code)
				}
				code, _, _ = cOff.post(cbase+"/decision", url.Values{"version": {fmt.Sprint(c.Version)}, "outcome": {"rejected"},
					"text": {"Решение принято в соответствии с регламентом."}})
				if code != http.StatusSeeOther {
					t.Fatalf("draft complaint decision: %d", code)
				}
				cHead := csLogin(t, srv, "mgik-rukovoditel", "demo-mgik-rukovoditel-2026")
				code, page := cHead.get(cbase + "/sign")
				if code != 200 || !strings.Contains(page, "Подписать демонстрационным ключом") {
					t.Fatalf("complaint signing page %d", code)
				}
				version := csVersionRE.FindStringSubmatch(page)[1]
				code, body, _ = cHead.post(cbase+"/sign-demo", url.Values{"version": {version}, "password": {"wrong-password"}})
				if code != http.StatusUnprocessableEntity || !strings.Contains(body, "Неверное имя пользователя или пароль") {
					t.Fatalf("demo signing with a wrong password: %d", code)
				}
				code, _, _ = cHead.post(cbase+"/sign-demo", url.Values{"version": {version}, "password": {"demo-mgik-rukovoditel-2026"}})
				if code != http.StatusSeeOther {
					t.Fatalf("demo signing: %d", code)
				}
				got, err := sys.Cases.GetComplaint(ctx, cases.System(), c.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Complaint.Status != cases.ComplaintRejected {
					t.Fatalf("complaint %s", got.Complaint.Status)
				}
				inbox, _ := sys.Notify.Inbox(ctx, csCitizenID, 20)
				if len(inbox) == 0 || inbox[0].Kind != cases.KindComplaintDecision {
					t.Fatalf("no complaint decision in the inbox: %+v", inbox)
				}
			})
		})
	}
}

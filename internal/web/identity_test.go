package web_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/auth"
	"odnookno/internal/document"
	"odnookno/internal/i18n"
	"odnookno/internal/identity"
	"odnookno/internal/org"
	"odnookno/internal/store"
	"odnookno/internal/store/storetest"
	"odnookno/internal/web"
	"odnookno/internal/web/ui"
)

// phoneBook records every SMS, standing in for the outbox.
type phoneBook struct {
	mu   sync.Mutex
	sent []struct {
		to     identity.Phone
		kind   string
		params map[string]any
	}
}

func (p *phoneBook) SendTx(ctx context.Context, tx *sql.Tx, to identity.Phone, kind, lang string, params map[string]any, secrets ...string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, struct {
		to     identity.Phone
		kind   string
		params map[string]any
	}{to, kind, params})
	return nil
}

// last returns param of the newest SMS of kind to phone.
func (p *phoneBook) last(t *testing.T, to identity.Phone, kind, param string) string {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := len(p.sent) - 1; i >= 0; i-- {
		if m := p.sent[i]; m.to == to && m.kind == kind {
			return m.params[param].(string)
		}
	}
	t.Fatalf("no %s SMS to %s", kind, to)
	return ""
}

type site struct {
	db     *store.DB
	srv    *httptest.Server
	ids    *identity.Service
	sms    *phoneBook
	sess   *auth.Sessions
	org    *org.Service
	office identity.Office
	// officerToken is a live session of the demo issuance officer.
	officerToken string
}

func newSite(t *testing.T, db *store.DB) *site {
	t.Helper()
	ctx := context.Background()
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	rd, err := ui.New(cat, ui.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	log := audit.New(db, time.Now)
	sessions := auth.New(db, time.Now, auth.Options{})
	docs := document.NewRegistry(db, nil, "http://test", time.Now)
	o := org.New(db, log, time.Now, identity.TestHashParams)
	s := &site{db: db, sms: &phoneBook{}, sess: sessions, org: o}
	s.ids, err = identity.New(identity.Deps{DB: db, Audit: log, Sessions: sessions, Docs: docs, SMS: s.sms,
		Registry: identity.NewSimRegistry(), Now: time.Now},
		identity.Options{Hash: identity.TestHashParams, CodeKey: []byte("0123456789abcdef0123456789abcdef"), CodeResend: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := web.New(web.Deps{DB: db, Log: slog.New(slog.DiscardHandler), Catalog: cat, UI: rd, Sessions: sessions, Org: o, Audit: log, Docs: docs,
		Areas: []web.Area{&web.IdentityCabinet{ID: s.ids}, &web.IdentityIssuance{ID: s.ids}, linkArea{}}})
	h, err := srv.Handler()
	if err != nil {
		t.Fatal(err)
	}
	s.srv = httptest.NewServer(h)
	t.Cleanup(s.srv.Close)

	body, err := o.EnsureBody(ctx, org.Body{Code: "minsk-oo", NameRU: "Служба «одно окно» Центрального района", NameBE: "Служба «адно акно» Цэнтральнага раёна",
		Kinds: []string{org.KindIssuance}, Address: "г. Минск, ул. Кирова, 8"})
	if err != nil {
		t.Fatal(err)
	}
	s.office = identity.Office{Code: body.Code, Name: body.NameRU, Address: body.Address}
	s.officerToken = s.staff(t, "vydacha", org.RoleIssuance)
	return s
}

// linkArea stands for another area of the cabinet that puts a link on
// its home page.
type linkArea struct{}

func (linkArea) Routes(s *web.Server, mux *http.ServeMux) {
	s.AddCabinetLink(web.CabinetLink{Href: "/cabinet/elsewhere", Title: "cabinet.history.title"})
}

// staff creates a staff account with role at the office and returns a
// session token for it.
func (s *site) staff(t *testing.T, login, role string) string {
	t.Helper()
	st, err := s.org.EnsureStaff(context.Background(), org.NewStaff{BodyCode: "minsk-oo", Login: login, FullName: "Петров С. Н.",
		Roles: []string{role}, Password: "staff-password-2026"})
	if err != nil {
		t.Fatal(err)
	}
	var token string
	err = s.db.Tx(context.Background(), func(tx *sql.Tx) error {
		token, _, err = s.sess.Create(context.Background(), tx, auth.Staff, fmt.Sprint(st.ID), auth.StageFull, "", "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// client is a browser: cookies kept, redirects not followed.
func (s *site) client(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type resp struct {
	status int
	loc    string
	body   string
	header http.Header
}

func do(t *testing.T, c *http.Client, method, u string, form url.Values, header ...string) resp {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header.Get("Location"), string(b), res.Header}
}

func api(t *testing.T, c *http.Client, method, u, token string, in any) (int, map[string]any) {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, u, body)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func errCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func each(t *testing.T, fn func(t *testing.T, s *site)) {
	storetest.Each(t, []store.Module{audit.Module, auth.Module, org.Module, document.Module, identity.Module}, func(t *testing.T, db *store.DB) {
		fn(t, newSite(t, db))
	})
}

var (
	ivanov  = identity.TestPeople[0]
	petrova = identity.TestPeople[1]
)

// issue runs an issue application through the service and returns the
// temporary password.
func (s *site) issue(t *testing.T, p identity.RegistryPerson, phone identity.Phone) string {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.Actor{ID: "staff:test", Role: audit.RoleIssuance})
	a, err := s.ids.CreateApplication(ctx, s.office, identity.ApplicationInput{Kind: "issue", Surname: p.Surname, Name: p.Name,
		Patronymic: p.Patronymic, BirthDate: p.BirthDate, PIN: string(p.PIN), Phone: string(phone), DocumentPresented: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err = s.ids.CheckRegistry(ctx, s.office.Code, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err = s.ids.SendPhoneCode(ctx, s.office.Code, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err = s.ids.ConfirmPhone(ctx, s.office.Code, a.ID, s.sms.last(t, phone, identity.SMSVerifyPhone, "code")); err != nil {
		t.Fatal(err)
	}
	if _, err = s.ids.Complete(ctx, s.office.Code, a.ID); err != nil {
		t.Fatal(err)
	}
	return s.sms.last(t, phone, identity.SMSTempPassword, "password")
}

const static = "ёлка-в-лесу-2026"

func TestCabinetPages(t *testing.T) {
	each(t, func(t *testing.T, s *site) {
		temp := s.issue(t, ivanov, "+375291234567")
		c, u := s.client(t), s.srv.URL

		r := do(t, c, "GET", u+"/cabinet", nil)
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.loc, "/cabinet/login") {
			t.Fatalf("anonymous /cabinet: %d %s", r.status, r.loc)
		}
		r = do(t, c, "GET", u+r.loc, nil)
		if r.status != 200 || !strings.Contains(r.body, "Вход в личный кабинет") || !strings.Contains(r.body, `href="/cabinet/unblock"`) {
			t.Fatalf("login page %d", r.status)
		}
		// The same message for an unknown UID and a wrong password.
		r1 := do(t, c, "POST", u+"/cabinet/login", url.Values{"uid": {string(petrova.PIN)}, "password": {"whatever-123"}})
		r2 := do(t, c, "POST", u+"/cabinet/login", url.Values{"uid": {string(ivanov.PIN)}, "password": {"whatever-123"}})
		for _, r := range []resp{r1, r2} {
			if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "Неверный идентификатор или пароль") {
				t.Errorf("failed login: %d", r.status)
			}
		}
		r = do(t, c, "POST", u+"/cabinet/login", url.Values{"uid": {"12345"}, "password": {""}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "состоит из 14 знаков") || !strings.Contains(r.body, "Введите пароль") {
			t.Errorf("malformed login: %d", r.status)
		}

		// p. 9: the temporary password opens only the form to replace it.
		r = do(t, c, "POST", u+"/cabinet/login", url.Values{"uid": {string(ivanov.PIN)}, "password": {temp}})
		if r.status != http.StatusSeeOther || r.loc != "/cabinet/password/new" {
			t.Fatalf("temporary login: %d %s", r.status, r.loc)
		}
		if r := do(t, c, "GET", u+"/cabinet", nil); r.loc != "/cabinet/password/new" {
			t.Errorf("cabinet before the static password: %d %s", r.status, r.loc)
		}
		if r := do(t, c, "GET", u+"/cabinet/password/new", nil); r.status != 200 || !strings.Contains(r.body, "Задайте постоянный пароль") {
			t.Fatalf("first password form %d", r.status)
		}
		r = do(t, c, "POST", u+"/cabinet/password/new", url.Values{"new_password": {static}, "confirm_password": {static + "x"}})
		if r.status != 422 || !strings.Contains(r.body, "Пароли не совпадают") {
			t.Errorf("mismatch %d", r.status)
		}
		r = do(t, c, "POST", u+"/cabinet/password/new", url.Values{"new_password": {"password1"}, "confirm_password": {"password1"}})
		if r.status != 422 || !strings.Contains(r.body, "слишком распространён") || !strings.Contains(r.body, `href="#new_password"`) {
			t.Errorf("common password %d", r.status)
		}
		r = do(t, c, "POST", u+"/cabinet/password/new", url.Values{"new_password": {static}, "confirm_password": {static}})
		if r.status != http.StatusSeeOther || r.loc != "/cabinet" {
			t.Fatalf("set static %d %s", r.status, r.loc)
		}
		r = do(t, c, "GET", u+"/cabinet", nil)
		if r.status != 200 || !strings.Contains(r.body, "Иванов Иван Иванович") || !strings.Contains(r.body, "Постоянный пароль задан") ||
			!strings.Contains(r.body, "Назначен уникальный идентификатор") || !strings.Contains(r.body, `href="/cabinet/elsewhere"`) {
			t.Fatalf("cabinet %d", r.status)
		}
		// In Belarusian.
		r = do(t, c, "GET", u+"/cabinet?lang=be", nil)
		if !strings.Contains(r.body, "Асабісты кабінет") || !strings.Contains(r.body, "Гісторыя") {
			t.Error("cabinet in Belarusian")
		}
		do(t, c, "GET", u+"/cabinet?lang=ru", nil)
		// Change the password; then block.
		r = do(t, c, "POST", u+"/cabinet/password", url.Values{"current_password": {"wrong-one-1"}, "new_password": {"новый-пароль-26"}, "confirm_password": {"новый-пароль-26"}})
		if r.status != 422 || !strings.Contains(r.body, "Неверный пароль") {
			t.Errorf("wrong current password %d", r.status)
		}
		r = do(t, c, "POST", u+"/cabinet/password", url.Values{"current_password": {static}, "new_password": {"новый-пароль-26"}, "confirm_password": {"новый-пароль-26"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("change password %d %s", r.status, r.body)
		}
		if r := do(t, c, "GET", u+"/cabinet/history", nil); r.status != 200 || !strings.Contains(r.body, "Пароль изменён") {
			t.Errorf("history %d", r.status)
		}
		r = do(t, c, "POST", u+"/cabinet/block", url.Values{"current_password": {"новый-пароль-26"}})
		if r.status != http.StatusSeeOther || r.loc != "/cabinet/login" {
			t.Fatalf("block %d %s", r.status, r.loc)
		}
		r = do(t, c, "GET", u+"/cabinet/login", nil)
		if !strings.Contains(r.body, "Идентификатор заблокирован") {
			t.Error("no notice after blocking")
		}
		// Unblock from the login page.
		r = do(t, c, "POST", u+"/cabinet/unblock", url.Values{"uid": {string(ivanov.PIN)}})
		if r.status != 200 || !strings.Contains(r.body, "Код из SMS") {
			t.Fatalf("unblock request %d", r.status)
		}
		code := s.sms.last(t, "+375291234567", identity.SMSUnblockCode, "code")
		r = do(t, c, "POST", u+"/cabinet/unblock/confirm", url.Values{"uid": {string(ivanov.PIN)}, "code": {code}})
		if r.status != http.StatusSeeOther || r.loc != "/cabinet/login" {
			t.Fatalf("unblock %d %s", r.status, r.body)
		}
		if r := do(t, c, "GET", u+"/cabinet/login", nil); !strings.Contains(r.body, "375 29 ***-**-67") {
			t.Error("unblock notice without the masked phone")
		}
		temp = s.sms.last(t, "+375291234567", identity.SMSTempPassword, "password")
		if r := do(t, c, "POST", u+"/cabinet/login", url.Values{"uid": {string(ivanov.PIN)}, "password": {temp}}); r.loc != "/cabinet/password/new" {
			t.Errorf("login after unblock %d %s", r.status, r.loc)
		}
	})
}

func TestCabinetRecoveryAndPhonePages(t *testing.T) {
	each(t, func(t *testing.T, s *site) {
		temp := s.issue(t, ivanov, "+375291234567")
		ids, _ := s.ids.CitizenByUID(context.Background(), ivanov.PIN)
		_ = ids
		c, u := s.client(t), s.srv.URL
		// Recovery answers the same for an unknown UID.
		for _, uid := range []string{string(petrova.PIN), string(ivanov.PIN)} {
			r := do(t, c, "POST", u+"/cabinet/recover", url.Values{"uid": {uid}})
			if r.status != 200 || !strings.Contains(r.body, "Если идентификатор зарегистрирован") {
				t.Errorf("recover request for %s: %d", uid, r.status)
			}
		}
		code := s.sms.last(t, "+375291234567", identity.SMSRecoveryCode, "code")
		r := do(t, c, "POST", u+"/cabinet/recover/confirm", url.Values{"uid": {string(ivanov.PIN)}, "code": {"000000"}, "new_password": {static}, "confirm_password": {static}})
		if code != "000000" && (r.status != 422 || !strings.Contains(r.body, "Код неверный или больше не действует")) {
			t.Errorf("wrong recovery code %d", r.status)
		}
		r = do(t, c, "POST", u+"/cabinet/recover/confirm", url.Values{"uid": {string(ivanov.PIN)}, "code": {code}, "new_password": {static}, "confirm_password": {static}})
		if r.status != http.StatusSeeOther || r.loc != "/cabinet/login" {
			t.Fatalf("recover %d %s", r.status, r.body)
		}
		if r := do(t, c, "POST", u+"/cabinet/login", url.Values{"uid": {string(ivanov.PIN)}, "password": {temp}}); r.status != 401 {
			t.Errorf("temporary password still works: %d", r.status)
		}
		if r := do(t, c, "POST", u+"/cabinet/login", url.Values{"uid": {string(ivanov.PIN)}, "password": {static}}); r.loc != "/cabinet" {
			t.Fatalf("login %d %s", r.status, r.loc)
		}
		// Phone change with the code to the new number and a new password (p. 11).
		r = do(t, c, "POST", u+"/cabinet/phone", url.Values{"phone": {"+375 44 765-43-21"}, "current_password": {static}})
		if r.status != http.StatusSeeOther || r.loc != "/cabinet/phone/confirm" {
			t.Fatalf("phone request %d %s", r.status, r.body)
		}
		if r := do(t, c, "GET", u+"/cabinet/phone/confirm", nil); !strings.Contains(r.body, "375 44 ***-**-21") {
			t.Error("confirm page does not name the new number")
		}
		code = s.sms.last(t, "+375447654321", identity.SMSPhoneChangeCode, "code")
		r = do(t, c, "POST", u+"/cabinet/phone/confirm", url.Values{"code": {code}, "new_password": {"новый-пароль-26"}, "confirm_password": {"новый-пароль-26"}})
		if r.status != http.StatusSeeOther || r.loc != "/cabinet" {
			t.Fatalf("phone confirm %d %s", r.status, r.body)
		}
		if r := do(t, c, "GET", u+"/cabinet", nil); r.status != 200 || !strings.Contains(r.body, "375 44 765-43-21") {
			t.Errorf("cabinet after the phone change %d", r.status)
		}
	})
}

func TestCabinetAPI(t *testing.T) {
	each(t, func(t *testing.T, s *site) {
		temp := s.issue(t, ivanov, "+375291234567")
		c, u := s.srv.Client(), s.srv.URL+"/api/v1/citizen"

		st, out := api(t, c, "POST", u+"/login", "", map[string]string{"uid": string(petrova.PIN), "password": "x-password-1"})
		st2, out2 := api(t, c, "POST", u+"/login", "", map[string]string{"uid": string(ivanov.PIN), "password": "x-password-1"})
		if st != 401 || st2 != 401 || errCode(out) != "uid.login_failed" || fmt.Sprint(out["error"].(map[string]any)["message"]) != fmt.Sprint(out2["error"].(map[string]any)["message"]) {
			t.Errorf("failed logins %d %v / %d %v", st, out, st2, out2)
		}
		if st, out := api(t, c, "POST", u+"/login", "", map[string]any{"uid": 1}); st != 422 || errCode(out) != "error.invalid" {
			t.Errorf("bad JSON %d %v", st, out)
		}
		st, out = api(t, c, "POST", u+"/login", "", map[string]string{"uid": string(ivanov.PIN), "password": temp})
		if st != 200 || out["stage"] != auth.StageChangePassword {
			t.Fatalf("login %d %v", st, out)
		}
		tok := out["token"].(string)
		if st, out := api(t, c, "GET", u+"/me", tok, nil); st != 403 || errCode(out) != "uid.must_change_password" {
			t.Errorf("me before the static password: %d %v", st, out)
		}
		st, out = api(t, c, "POST", u+"/password", tok, map[string]string{"new_password": "12345678"})
		if st != 422 || errCode(out) != identity.CodePasswordCommon {
			t.Errorf("weak password %d %v", st, out)
		}
		st, out = api(t, c, "POST", u+"/password", tok, map[string]string{"new_password": static})
		if st != 200 || out["stage"] != auth.StageFull {
			t.Fatalf("set password %d %v", st, out)
		}
		old, tok := tok, out["token"].(string)
		if st, _ := api(t, c, "GET", u+"/me", old, nil); st != 401 {
			t.Errorf("old token after the password change: %d", st)
		}
		st, out = api(t, c, "GET", u+"/me", tok, nil)
		if st != 200 || out["uid"] != string(ivanov.PIN) || out["password_kind"] != "static" {
			t.Fatalf("me %d %v", st, out)
		}
		st, out = api(t, c, "GET", u+"/history", tok, nil)
		if items, _ := out["items"].([]any); st != 200 || len(items) < 5 {
			t.Fatalf("history %d %v", st, out)
		}
		// A blocked UID cannot use any API, not even with a token that
		// escaped revocation.
		if st, _ := api(t, c, "POST", u+"/block", tok, map[string]string{"current_password": "wrong-password"}); st != 422 {
			t.Errorf("block with a wrong password: %d", st)
		}
		if st, _ := api(t, c, "POST", u+"/block", tok, map[string]string{"current_password": static}); st != 204 {
			t.Fatalf("block %d", st)
		}
		for _, path := range []string{"/me", "/history"} {
			if st, _ := api(t, c, "GET", u+path, tok, nil); st != 401 {
				t.Errorf("GET %s of a blocked UID: %d", path, st)
			}
		}
		if st, out := api(t, c, "POST", u+"/login", "", map[string]string{"uid": string(ivanov.PIN), "password": static}); st != 403 || errCode(out) != "uid.blocked_login" {
			t.Errorf("login of a blocked UID %d %v", st, out)
		}
		// Unblock through the API.
		if st, _ := api(t, c, "POST", u+"/unblock/code", "", map[string]string{"uid": string(petrova.PIN)}); st != 202 {
			t.Errorf("unknown UID: %d", st)
		}
		if st, _ := api(t, c, "POST", u+"/unblock/code", "", map[string]string{"uid": string(ivanov.PIN)}); st != 202 {
			t.Fatalf("unblock code %d", st)
		}
		code := s.sms.last(t, "+375291234567", identity.SMSUnblockCode, "code")
		st, out = api(t, c, "POST", u+"/unblock", "", map[string]string{"uid": string(ivanov.PIN), "code": code})
		if st != 200 || out["temporary_password_sent_to"] != "+375 29 ***-**-67" {
			t.Fatalf("unblock %d %v", st, out)
		}
		temp = s.sms.last(t, "+375291234567", identity.SMSTempPassword, "password")
		if st, out := api(t, c, "POST", u+"/login", "", map[string]string{"uid": string(ivanov.PIN), "password": temp}); st != 200 || out["stage"] != auth.StageChangePassword {
			t.Errorf("login after unblock %d %v", st, out)
		}
		// Recovery and phone change through the API.
		if st, _ := api(t, c, "POST", u+"/recovery/code", "", map[string]string{"uid": "bad"}); st != 422 {
			t.Errorf("malformed UID: %d", st)
		}
	})
}

// A blocked UID's session is refused on every request, even when the
// block came from the office.
func TestBlockedAtOfficeEndsAPIAccess(t *testing.T) {
	each(t, func(t *testing.T, s *site) {
		temp := s.issue(t, ivanov, "+375291234567")
		c, u := s.srv.Client(), s.srv.URL
		_, out := api(t, c, "POST", u+"/api/v1/citizen/login", "", map[string]string{"uid": string(ivanov.PIN), "password": temp})
		_, out = api(t, c, "POST", u+"/api/v1/citizen/password", out["token"].(string), map[string]string{"new_password": static})
		tok := out["token"].(string)
		st, app := api(t, c, "POST", u+"/api/v1/uid-applications", s.officerToken, map[string]any{"kind": "block", "surname": ivanov.Surname,
			"name": ivanov.Name, "patronymic": ivanov.Patronymic, "birth_date": ivanov.BirthDate, "pin": string(ivanov.PIN), "document_presented": true})
		if st != 201 {
			t.Fatalf("create %d %v", st, app)
		}
		id := fmt.Sprint(app["id"])
		for _, step := range []string{"registry-check", "complete"} {
			if st, out := api(t, c, "POST", u+"/api/v1/uid-applications/"+id+"/"+step, s.officerToken, nil); st != 200 {
				t.Fatalf("%s: %d %v", step, st, out)
			}
		}
		if st, _ := api(t, c, "GET", u+"/api/v1/citizen/me", tok, nil); st != 401 {
			t.Errorf("blocked UID's token: %d", st)
		}
	})
}

func TestIssuancePages(t *testing.T) {
	each(t, func(t *testing.T, s *site) {
		c, u := s.client(t), s.srv.URL
		// Only issuance officers.
		if r := do(t, c, "GET", u+"/staff/uid", nil); r.status != http.StatusSeeOther || !strings.HasPrefix(r.loc, "/staff/login") {
			t.Fatalf("anonymous: %d %s", r.status, r.loc)
		}
		other := s.staff(t, "registrar", org.RoleRegistrar)
		if r := do(t, c, "GET", u+"/staff/uid", nil, "Cookie", web.StaffCookie+"="+other); r.status != 403 {
			t.Errorf("registrar: %d", r.status)
		}
		cookie := []string{"Cookie", web.StaffCookie + "=" + s.officerToken}
		if r := do(t, c, "GET", u+"/staff", nil, cookie...); !strings.Contains(r.body, `href="/staff/uid"`) {
			t.Error("no link in the workspace")
		}
		if r := do(t, c, "GET", u+"/staff/uid/new", nil, cookie...); r.status != 200 || !strings.Contains(r.body, "Гражданин просит") {
			t.Fatalf("new form %d", r.status)
		}
		form := url.Values{"kind": {"issue"}, "surname": {petrova.Surname}, "name": {petrova.Name}, "patronymic": {petrova.Patronymic},
			"birth_date": {"15.05.1990"}, "pin": {string(petrova.PIN)}, "phone": {"+375 33 111-22-33"}, "lang": {"be"}}
		r := do(t, c, "POST", u+"/staff/uid", form, cookie...)
		if r.status != 422 || !strings.Contains(r.body, "предъявил документ") || !strings.Contains(r.body, `href="#document_presented"`) {
			t.Fatalf("without the document: %d", r.status)
		}
		form.Set("document_presented", "yes")
		r = do(t, c, "POST", u+"/staff/uid", form, cookie...)
		if r.status != http.StatusSeeOther || !regexp.MustCompile(`^/staff/uid/\d+$`).MatchString(r.loc) {
			t.Fatalf("create %d %s", r.status, r.body)
		}
		app := u + r.loc
		r = do(t, c, "GET", app, nil, cookie...)
		if r.status != 200 || !strings.Contains(r.body, "зарегистрировано") || !strings.Contains(r.body, "Сверить с данными МВД") {
			t.Fatalf("application page %d", r.status)
		}
		if r := do(t, c, "POST", app+"/registry-check", nil, cookie...); r.status != http.StatusSeeOther {
			t.Fatalf("registry check %d %s", r.status, r.body)
		}
		if r := do(t, c, "POST", app+"/phone-code", nil, cookie...); r.status != http.StatusSeeOther {
			t.Fatalf("phone code %d", r.status)
		}
		code := s.sms.last(t, "+375331112233", identity.SMSVerifyPhone, "code")
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		r = do(t, c, "POST", app+"/phone-confirm", url.Values{"code": {wrong}}, cookie...)
		if r.status != 422 || !strings.Contains(r.body, "Осталось попыток: 4") {
			t.Errorf("wrong code %d", r.status)
		}
		if r := do(t, c, "POST", app+"/phone-confirm", url.Values{"code": {code}}, cookie...); r.status != http.StatusSeeOther {
			t.Fatalf("confirm %d", r.status)
		}
		if r := do(t, c, "POST", app+"/complete", nil, cookie...); r.status != http.StatusSeeOther {
			t.Fatalf("complete %d %s", r.status, r.body)
		}
		r = do(t, c, "GET", app, nil, cookie...)
		if !strings.Contains(r.body, "Заявление исполнено") {
			t.Error("no result on the page")
		}
		r = do(t, c, "GET", app+"/paper", nil, cookie...)
		if r.status != 200 || r.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(r.body, "%PDF") {
			t.Errorf("paper %d %s", r.status, r.header.Get("Content-Type"))
		}
		if r := do(t, c, "GET", u+"/staff/uid", nil, cookie...); !strings.Contains(r.body, "4150***PB8") {
			t.Error("list without the application")
		}
		// A refusal is explained on the page.
		kov := identity.TestPeople[3]
		form = url.Values{"kind": {"issue"}, "surname": {"Коваль"}, "name": {kov.Name}, "patronymic": {kov.Patronymic},
			"birth_date": {kov.BirthDate}, "pin": {string(kov.PIN)}, "phone": {"+375 33 111-22-44"}, "document_presented": {"yes"}}
		r = do(t, c, "POST", u+"/staff/uid", form, cookie...)
		app = u + r.loc
		r = do(t, c, "POST", app+"/registry-check", nil, cookie...)
		if r.status != http.StatusConflict || !strings.Contains(r.body, "В заявлении отказано") || !strings.Contains(r.body, "не совпадают с данными МВД: Фамилия") {
			t.Errorf("refusal %d", r.status)
		}
		// Cross-origin form posts are refused.
		if r := do(t, c, "POST", u+"/staff/uid", form, append(cookie, "Sec-Fetch-Site", "cross-site")...); r.status != 403 {
			t.Errorf("cross-site post: %d", r.status)
		}
		if r := do(t, c, "POST", u+"/cabinet/login", url.Values{"uid": {"x"}}, "Sec-Fetch-Site", "cross-site"); r.status != 403 {
			t.Errorf("cross-site login: %d", r.status)
		}
	})
}

func TestIssuanceAPI(t *testing.T) {
	each(t, func(t *testing.T, s *site) {
		c, u := s.srv.Client(), s.srv.URL+"/api/v1/uid-applications"
		if st, _ := api(t, c, "GET", u, "", nil); st != 401 {
			t.Errorf("anonymous %d", st)
		}
		in := map[string]any{"kind": "issue", "surname": "Петренко", "name": petrova.Name, "patronymic": petrova.Patronymic,
			"birth_date": petrova.BirthDate, "pin": string(petrova.PIN), "phone": "+375291112233", "document_presented": true}
		st, out := api(t, c, "POST", u, s.officerToken, map[string]any{"kind": "issue"})
		if st != 422 || len(out["error"].(map[string]any)["fields"].([]any)) < 4 {
			t.Errorf("empty application %d %v", st, out)
		}
		// An old-style number whose check digit does not hold is taken
		// with a warning for the officer; the register decides.
		old := map[string]any{"kind": "issue", "surname": "Иванов", "name": "Иван", "birth_date": "1987-02-27", "pin": "3270287A012PB1",
			"phone": "+375291112299", "document_presented": true}
		if st, out := api(t, c, "POST", u, s.officerToken, old); st != 201 || fmt.Sprint(out["warnings"]) != "[pin.check_digit_warning]" {
			t.Errorf("old-style number %d %v", st, out)
		}
		st, out = api(t, c, "POST", u, s.officerToken, in)
		if st != 201 || out["state"] != "draft" || out["next_step"] != "registry_check" {
			t.Fatalf("create %d %v", st, out)
		}
		id := fmt.Sprint(out["id"])
		st, out = api(t, c, "POST", u+"/"+id+"/registry-check", s.officerToken, nil)
		if st != 409 || errCode(out) != "uid.registry_mismatch" || !strings.Contains(out["error"].(map[string]any)["message"].(string), "Фамилия") {
			t.Fatalf("mismatch %d %v", st, out)
		}
		st, out = api(t, c, "GET", u+"/"+id, s.officerToken, nil)
		if st != 200 || out["state"] != "refused" || out["refusal"].(map[string]any)["code"] != "uid.registry_mismatch" {
			t.Errorf("refused application %d %v", st, out)
		}
		if st, out := api(t, c, "POST", u+"/"+id+"/complete", s.officerToken, nil); st != 409 || errCode(out) != "uid.application_closed" {
			t.Errorf("closed %d %v", st, out)
		}
		// Another office sees nothing.
		if _, err := s.org.EnsureBody(context.Background(), org.Body{Code: "grodno-oo", NameRU: "Гродно", NameBE: "Гродна", Kinds: []string{org.KindIssuance}}); err != nil {
			t.Fatal(err)
		}
		st2, err := s.org.EnsureStaff(context.Background(), org.NewStaff{BodyCode: "grodno-oo", Login: "grodno", FullName: "Г", Roles: []string{org.RoleIssuance}, Password: "staff-password-2026"})
		if err != nil {
			t.Fatal(err)
		}
		var tok string
		s.db.Tx(context.Background(), func(tx *sql.Tx) error {
			tok, _, err = s.sess.Create(context.Background(), tx, auth.Staff, fmt.Sprint(st2.ID), auth.StageFull, "", "")
			return err
		})
		if st, _ := api(t, c, "GET", u+"/"+id, tok, nil); st != 404 {
			t.Errorf("another office: %d", st)
		}
		// The whole issue through the API.
		in["surname"] = petrova.Surname
		_, out = api(t, c, "POST", u, s.officerToken, in)
		id = fmt.Sprint(out["id"])
		for _, step := range []string{"registry-check", "phone-code"} {
			if st, out := api(t, c, "POST", u+"/"+id+"/"+step, s.officerToken, nil); st != 200 {
				t.Fatalf("%s %d %v", step, st, out)
			}
		}
		if st, out := api(t, c, "POST", u+"/"+id+"/complete", s.officerToken, nil); st != 409 || errCode(out) != "uid.phone_not_confirmed" {
			t.Errorf("complete without the code %d %v", st, out)
		}
		code := s.sms.last(t, "+375291112233", identity.SMSVerifyPhone, "code")
		if st, out := api(t, c, "POST", u+"/"+id+"/phone-confirm", s.officerToken, map[string]string{"code": code}); st != 200 || out["state"] != "phone_confirmed" {
			t.Fatalf("confirm %d %v", st, out)
		}
		st, out = api(t, c, "POST", u+"/"+id+"/complete", s.officerToken, nil)
		if st != 200 || out["state"] != "completed" {
			t.Fatalf("complete %d %v", st, out)
		}
		for _, cond := range out["conditions"].([]any) {
			if cond.(map[string]any)["status"] != "ok" {
				t.Errorf("condition %v", cond)
			}
		}
		s.sms.last(t, "+375291112233", identity.SMSTempPassword, "password")
		if st, out := api(t, c, "GET", u, s.officerToken, nil); st != 200 || len(out["items"].([]any)) != 3 {
			t.Errorf("list %d %v", st, out)
		}
	})
}

// Every route of the identity areas is described in the OpenAPI document.
func TestIdentityOpenAPI(t *testing.T) {
	each(t, func(t *testing.T, s *site) {
		_, doc := api(t, s.srv.Client(), "GET", s.srv.URL+"/api/v1/openapi.json", "", nil)
		paths := doc["paths"].(map[string]any)
		for _, route := range []string{
			"POST /api/v1/citizen/login", "POST /api/v1/citizen/logout", "GET /api/v1/citizen/me", "GET /api/v1/citizen/history",
			"POST /api/v1/citizen/password", "POST /api/v1/citizen/phone/code", "POST /api/v1/citizen/phone", "POST /api/v1/citizen/block",
			"POST /api/v1/citizen/recovery/code", "POST /api/v1/citizen/recovery", "POST /api/v1/citizen/unblock/code", "POST /api/v1/citizen/unblock",
			"GET /api/v1/uid-applications", "POST /api/v1/uid-applications", "GET /api/v1/uid-applications/{id}",
			"POST /api/v1/uid-applications/{id}/registry-check", "POST /api/v1/uid-applications/{id}/phone-code",
			"POST /api/v1/uid-applications/{id}/phone-confirm", "POST /api/v1/uid-applications/{id}/complete", "GET /api/v1/uid-applications/{id}/paper",
		} {
			method, path, _ := strings.Cut(route, " ")
			p, ok := paths[path].(map[string]any)
			if !ok || p[strings.ToLower(method)] == nil {
				t.Errorf("OpenAPI lacks %s", route)
			}
		}
	})
}

package web

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"odnookno/internal/audit"
	"odnookno/internal/auth"
	"odnookno/internal/catalog"
	"odnookno/internal/i18n"
	"odnookno/internal/i18n/i18ntest"
	"odnookno/internal/identity"
	"odnookno/internal/org"
	"odnookno/internal/store"
	"odnookno/internal/store/storetest"
	"odnookno/internal/web/ui"
)

// catalogSite is the catalogue area on a fresh database with the demo
// procedures and bodies, and the staff who work on them.
type catalogSite struct {
	db  *store.DB
	srv *httptest.Server
	svc *catalog.Service
	org *org.Service
}

const ctPassword = "staff-password-2026"

// ctStaff are the accounts of the tests: login, body, role.
var ctStaff = [][3]string{
	{"regulator", "mzhkh", org.RoleRegulator},        // regulator of 1.1.5, 1.3.1, 1.3.4
	{"regulator-trud", "mintrud", org.RoleRegulator}, // another body's regulator
	{"operator", "nces", org.RoleOperator},
	{"mvd-ir", "mvd", org.RoleIROwner}, // owns residence, mvd, vehicles
	{"nka-ir", "nka", org.RoleIROwner}, // owns property
}

func newCatalogSite(t *testing.T, d store.Dialect) *catalogSite {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, d, audit.Module, auth.Module, org.Module, catalog.Module)
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
	o := org.New(db, log, time.Now, identity.TestHashParams)
	svc := catalog.New(db, log, catalog.DemoOwners, time.Now)
	for _, b := range catalog.DemoBodies() {
		if _, err := o.EnsureBody(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	for _, st := range ctStaff {
		if _, err := o.EnsureStaff(ctx, org.NewStaff{BodyCode: st[1], Login: st[0], FullName: "Тестовый " + st[0],
			Roles: []string{st[2]}, Password: ctPassword}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ActivateDue(ctx); err != nil {
		t.Fatal(err)
	}
	srv := New(Deps{DB: db, Log: slog.New(slog.DiscardHandler), Catalog: cat, UI: rd, Sessions: sessions, Org: o, Audit: log,
		Areas: []Area{&Catalog{Procedures: svc}}})
	h, err := srv.Handler()
	if err != nil {
		t.Fatal(err)
	}
	s := &catalogSite{db: db, svc: svc, org: o, srv: httptest.NewServer(h)}
	t.Cleanup(s.srv.Close)
	return s
}

func eachCatalog(t *testing.T, fn func(t *testing.T, s *catalogSite)) {
	for _, d := range storetest.Engines {
		t.Run(string(d), func(t *testing.T) {
			if d == store.Postgres {
				storetest.RequirePostgres(t)
			}
			fn(t, newCatalogSite(t, d))
		})
	}
}

// client is a browser that does not follow redirects.
func (s *catalogSite) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// login is a browser of a logged-in staff member.
func (s *catalogSite) login(t *testing.T, login string) *http.Client {
	t.Helper()
	c := s.client()
	r := ctForm(t, c, s.srv.URL+"/staff/login", url.Values{"login": {login}, "password": {ctPassword}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("login %s: %d %s", login, r.status, r.body)
	}
	return c
}

type ctResp struct {
	status int
	loc    string
	body   string
	header http.Header
}

func ctDo(t *testing.T, c *http.Client, method, u, contentType string, body io.Reader) ctResp {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return ctResp{res.StatusCode, res.Header.Get("Location"), string(b), res.Header}
}

func ctGet(t *testing.T, c *http.Client, u string) ctResp {
	t.Helper()
	return ctDo(t, c, "GET", u, "", nil)
}

func ctForm(t *testing.T, c *http.Client, u string, v url.Values) ctResp {
	t.Helper()
	return ctDo(t, c, "POST", u, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
}

func ctJSON(t *testing.T, c *http.Client, method, u string, in any) (int, map[string]any) {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	r := ctDo(t, c, method, u, "application/json", body)
	var out map[string]any
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %s", method, u, r.status, r.body)
	}
	return r.status, out
}

// upload posts files (name → content) to the import page or API.
func ctUpload(t *testing.T, c *http.Client, u string, files map[string][]byte) ctResp {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		w, err := mw.CreateFormFile("files", name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(files[name])
	}
	mw.Close()
	return ctDo(t, c, "POST", u, mw.FormDataContentType(), &buf)
}

func must(t *testing.T, r ctResp, status int, contains ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body:\n%s", r.status, status, r.body)
	}
	for _, s := range contains {
		if !strings.Contains(r.body, s) {
			t.Fatalf("response lacks %q; body:\n%s", s, r.body)
		}
	}
}

func (s *catalogSite) proc(t *testing.T, number string) catalog.Procedure {
	t.Helper()
	list := catalog.Citizens
	if slices.Contains([]string{"3.9.7", "3.15.1", "18.2.1"}, number) {
		list = catalog.LegalEntities
	}
	p, err := s.svc.ProcedureByNumber(context.Background(), list, number)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (s *catalogSite) version(t *testing.T, p catalog.Procedure, v int) *catalog.Regulation {
	t.Helper()
	reg, err := s.svc.Version(context.Background(), p.ID, v)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func (s *catalogSite) versions(t *testing.T, p catalog.Procedure) []catalog.VersionInfo {
	t.Helper()
	vs, err := s.svc.Versions(context.Background(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func today() string { return catalog.DateOf(time.Now()).String() }

// draft creates the next version of p as the regulator and returns its
// number and editor URL.
func (s *catalogSite) draft(t *testing.T, reg *http.Client, p catalog.Procedure) (int, string) {
	t.Helper()
	r := ctForm(t, reg, s.srv.URL+staffProcedurePath(p)+"/drafts", url.Values{})
	if r.status != http.StatusSeeOther || !strings.HasSuffix(r.loc, "/edit") {
		t.Fatalf("new draft: %d %s %s", r.status, r.loc, r.body)
	}
	vs := s.versions(t, p)
	return vs[0].Version, s.srv.URL + r.loc
}

// ---- the public catalogue

func TestCatalogPublicPages(t *testing.T) {
	eachCatalog(t, func(t *testing.T, s *catalogSite) {
		c := s.client()
		u := s.srv.URL
		must(t, ctGet(t, c, u+"/catalog"), 200, "Каталог административных процедур", `href="/catalog/citizens/1.3.1"`,
			`href="/catalog/legal_entities/18.2.1"`, "Можно подать онлайн")

		// Inflected words find the same procedures (Russian morphology).
		for _, q := range []string{"справка", "справку", "справок", "справкой", "СПРАВКАМИ", "даведку"} {
			r := ctGet(t, c, u+"/catalog?q="+url.QueryEscape(q))
			must(t, r, 200, "Найдено 3 процедуры", `href="/catalog/citizens/1.3.1"`, `href="/catalog/citizens/1.3.4"`, `href="/catalog/citizens/2.2"`)
			if strings.Contains(r.body, `href="/catalog/citizens/2.5"`) {
				t.Errorf("%q found 2.5", q)
			}
		}
		r := ctGet(t, c, u+"/catalog?q="+url.QueryEscape("пособия по уходу за ребенком"))
		must(t, r, 200, `href="/catalog/citizens/2.13"`, `href="/catalog/citizens/2.14"`)
		r = ctGet(t, c, u+"/catalog?q=1.3")
		must(t, r, 200, "Найдено 2 процедуры", `href="/catalog/citizens/1.3.1"`, `href="/catalog/citizens/1.3.4"`)
		r = ctGet(t, c, u+"/catalog?list=legal_entities")
		must(t, r, 200, "Найдено 3 процедуры", `href="/catalog/legal_entities/3.9.7"`)
		if strings.Contains(r.body, `href="/catalog/citizens/`) {
			t.Error("the legal-entities filter shows citizens' procedures")
		}
		must(t, ctGet(t, c, u+"/catalog?q="+url.QueryEscape("космонавтика")), 200, "Ничего не найдено")

		// The procedure page.
		r = ctGet(t, c, u+"/catalog/citizens/1.3.1")
		must(t, r, 200, "1.3.1</span>. Выдача справки о состоянии на учете", "в день обращения", "Бесплатно", "6 месяцев",
			"Администрация Центрального района г. Минска", "Министерство жилищно-коммунального хозяйства",
			"Паспорт или иной документ", "При условии", "Минский городской исполнительный комитет", "15 дней",
			"Через личный электронный кабинет", "Административное решение", "Подать заявление онлайн",
			`href="/cabinet/apply/citizens/1.3.1"`, "версия 1, действует с 1 января 2026 г.")
		// The term in working days and a month with its extension; a fee
		// in base values agreeing with its number.
		must(t, ctGet(t, c, u+"/catalog/citizens/13.2"), 200, "3 рабочих дня", "0,5 базовой величины", "Регистрация по месту пребывания")
		must(t, ctGet(t, c, u+"/catalog/citizens/11.3.1"), 200, "1 базовая величина", "2 месяца")
		must(t, ctGet(t, c, u+"/catalog/citizens/2.13"), 200, "10 дней", "при запросе документов и сведений в других органах — 1 месяц")
		// Filed in person only: no online button.
		r = ctGet(t, c, u+"/catalog/citizens/5.1")
		must(t, r, 200, "онлайн подать его нельзя")
		if strings.Contains(r.body, "/cabinet/apply/") {
			t.Error("5.1 offers online filing")
		}
		// Belarusian.
		must(t, ctGet(t, c, u+"/catalog/citizens/1.3.1?lang=be"), 200, `lang="be"`, "Выдача даведкі аб знаходжанні на ўліку",
			"у дзень звароту", "Бясплатна", "6 месяцаў", "Падаць заяву анлайн")
		must(t, ctGet(t, c, u+"/catalog/citizens/13.2?lang=be"), 200, "3 рабочыя дні", "0,5 базавай велічыні")
		// Unknown procedures and lists.
		for _, p := range []string{"/catalog/citizens/9.9.9", "/catalog/nope/1.3.1", "/catalog/citizens/abc"} {
			if r := ctGet(t, c, u+p); r.status != 404 {
				t.Errorf("%s: %d", p, r.status)
			}
		}

		// The API.
		st, out := ctJSON(t, c, "GET", u+"/api/v1/catalog/procedures?q="+url.QueryEscape("справку"), nil)
		if st != 200 || out["count"] != 3.0 {
			t.Fatalf("api search %d %v", st, out)
		}
		first := out["items"].([]any)[0].(map[string]any)
		if first["number"] != "1.3.1" || first["online"] != true || first["version"] != 1.0 || first["url"] != "/catalog/citizens/1.3.1" {
			t.Errorf("api hit %v", first)
		}
		st, out = ctJSON(t, c, "GET", u+"/api/v1/catalog/procedures/citizens/1.3.1", nil)
		if st != 200 || out["apply_url"] != "/cabinet/apply/citizens/1.3.1" {
			t.Fatalf("api procedure %d %v", st, out)
		}
		inForce := out["in_force"].(map[string]any)
		content := inForce["regulation"].(map[string]any)
		if inForce["version"] != 1.0 || inForce["state"] != "active" || content["term"] != "в день обращения" {
			t.Errorf("api regulation %v", inForce)
		}
		if st, _ := ctJSON(t, c, "GET", u+"/api/v1/catalog/procedures/citizens/9.9.9", nil); st != 404 {
			t.Errorf("api unknown procedure: %d", st)
		}
		if st, _ := ctJSON(t, c, "GET", u+"/api/v1/catalog/procedures?list=nope", nil); st != 422 {
			t.Errorf("api unknown list: %d", st)
		}
	})
}

// ---- the approval path

func TestCatalogApprovalPath(t *testing.T) {
	eachCatalog(t, func(t *testing.T, s *catalogSite) {
		u := s.srv.URL
		p := s.proc(t, "1.3.4") // queries the residence register (mvd)
		base := u + staffProcedurePath(p)
		reg := s.login(t, "regulator")

		must(t, ctGet(t, reg, u+"/staff/catalog"), 200, "Процедуры вашего органа", `href="/staff/catalog/citizens/1.3.4"`)
		if r := ctGet(t, reg, u+"/staff/catalog"); strings.Contains(r.body, `href="/staff/catalog/citizens/2.5"`) {
			t.Error("the regulator sees another body's procedure")
		}
		must(t, ctGet(t, reg, base), 200, "Версия 1", "Действует", "Создать проект")

		v, edit := s.draft(t, reg, p)
		if v != 2 {
			t.Fatalf("draft version %d", v)
		}
		r := ctGet(t, reg, edit)
		must(t, r, 200, "Создан проект версии 2", "Проект версии 2")
		for _, item := range catalog.P6 {
			first, _, _ := strings.Cut(item.Paths[0], ".")
			if !strings.Contains(r.body, `id="p6-`+controlID(first)+`"`) {
				t.Errorf("the editor has no group for %s", item.Clause)
			}
		}
		// A second draft while one is in progress is refused with a message.
		must(t, ctForm(t, reg, base+"/drafts", url.Values{}), 409, "уже есть версия регламента в работе")

		// A term that is not a term is not saved.
		values := regulationValues(s.version(t, p, v))
		values.Set("term", "когда-нибудь")
		values.Set("do", "save")
		must(t, ctForm(t, reg, edit, values), 422, `href="#term"`, "Срок должен иметь вид", "Проект не сохранен")
		if got := s.version(t, p, v).Term.String(); got != "в день обращения" {
			t.Fatalf("an invalid term was saved: %s", got)
		}
		// Broken JSON in a list is named with its line.
		values.Set("term", "3 рабочих дня")
		values.Set("documents", "[\n  {\"code\": \"passport\",\n  \"nme_ru\": \"x\"}\n]")
		must(t, ctForm(t, reg, edit, values), 422, `href="#documents"`, "Неизвестное поле «nme_ru»")

		// Save, then submit with the effective date today.
		values = regulationValues(s.version(t, p, v))
		values.Set("term", "3 рабочих дня")
		values.Set("effective_date", today())
		values.Set("do", "save")
		r = ctForm(t, reg, edit, values)
		if r.status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", r.status, r.body)
		}
		must(t, ctGet(t, reg, edit), 200, "Проект версии 2 сохранен", `value="3 рабочих дня"`)
		values.Set("do", "submit")
		r = ctForm(t, reg, edit, values)
		if r.status != http.StatusSeeOther || r.loc != staffProcedurePath(p)+"/versions/2" {
			t.Fatalf("submit: %d %s %s", r.status, r.loc, r.body)
		}
		must(t, ctGet(t, reg, u+r.loc), 200, "Направлен на согласование. Версия 2: На согласовании у оператора ОАИС.", "Отозвать с согласования")
		if st := s.version(t, p, v).State; st != catalog.Submitted {
			t.Fatalf("state %s", st)
		}

		// The operator: inbox, the difference against version 1, a
		// rejection needs a reason.
		op := s.login(t, "operator")
		must(t, ctGet(t, op, u+"/staff/catalog"), 200, "Ожидают согласования оператором ОАИС", `href="/staff/catalog/citizens/1.3.4/versions/2"`,
			"Загрузка регламентов")
		r = ctGet(t, op, base+"/versions/2")
		must(t, r, 200, "По сравнению с действующей версией 1", "Срок осуществления процедуры", "<del>в день обращения</del>",
			"<ins>3 рабочих дня</ins>", "Согласовать (оператор ОАИС)", "Вернуть на доработку (оператор ОАИС)")
		must(t, ctForm(t, op, base+"/versions/2/actions", url.Values{"action": {"operator_reject"}, "reason": {"  "}}), 422,
			"Укажите причину отклонения", `href="#reason-operator_reject"`)
		r = ctForm(t, op, base+"/versions/2/actions", url.Values{"action": {"operator_reject"}, "reason": {"Срок не обоснован"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("reject: %d %s", r.status, r.body)
		}
		// The regulator sees why, and sends it again.
		must(t, ctGet(t, reg, base+"/versions/2"), 200, "Возвращен на доработку оператором ОАИС", "Срок не обоснован", "Редактировать проект")
		r = ctForm(t, reg, base+"/versions/2/actions", url.Values{"action": {"submit"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("submit again: %d %s", r.status, r.body)
		}
		r = ctForm(t, op, base+"/versions/2/actions", url.Values{"action": {"operator_approve"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("approve: %d %s", r.status, r.body)
		}
		must(t, ctGet(t, op, base+"/versions/2"), 200, "На согласовании у владельцев информационных ресурсов", "Министерство внутренних дел", "Ожидается")

		// The owner of the residence register: its inbox, what is asked
		// of its resource, approval puts the version in force today.
		nka := s.login(t, "nka-ir")
		if r := ctGet(t, nka, base+"/versions/2"); r.status != 403 {
			t.Errorf("an owner not asked sees the version: %d", r.status)
		}
		if r := ctForm(t, nka, base+"/versions/2/actions", url.Values{"action": {"owner_approve"}}); r.status != 403 {
			t.Errorf("an owner not asked approves: %d", r.status)
		}
		mvd := s.login(t, "mvd-ir")
		must(t, ctGet(t, mvd, u+"/staff/catalog"), 200, "Ожидают согласования владельцем информационного ресурса", `href="/staff/catalog/citizens/1.3.4/versions/2"`)
		must(t, ctGet(t, mvd, base+"/versions/2"), 200, "Запросы к информационным ресурсам вашего органа", "residence",
			"Согласовать (владелец ресурса)", "<ins>3 рабочих дня</ins>")
		if r := ctGet(t, mvd, base); r.status != 403 {
			t.Errorf("an owner sees the procedure's versions: %d", r.status)
		}
		r = ctForm(t, mvd, base+"/versions/2/actions", url.Values{"action": {"owner_approve"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("owner approve: %d %s", r.status, r.body)
		}
		if st := s.version(t, p, 2).State; st != catalog.Active {
			t.Fatalf("state after the last owner: %s", st)
		}
		if st := s.version(t, p, 1).State; st != catalog.Superseded {
			t.Fatalf("version 1: %s", st)
		}
		r = ctGet(t, op, base+"/versions/2")
		must(t, r, 200, "Эта версия действует", "Согласован владельцем информационного ресурса", "Вступил в силу", "Срок не обоснован")
		must(t, ctGet(t, s.client(), u+"/catalog/citizens/1.3.4"), 200, "3 рабочих дня", "версия 2")

		// Comparing any two versions.
		r = ctGet(t, op, base+"/compare?from=1&to=2")
		must(t, r, 200, "Версия 2 по сравнению с версией 1", "Срок осуществления процедуры", "Дата вступления в силу")
		must(t, ctGet(t, reg, base+"/compare?from=2&to=2"), 200, "Различий нет")
		must(t, ctGet(t, mvd, base+"/compare?from=1&to=2"), 403)
	})
}

// Recalling a submission, and an owner's rejection with its reason.
func TestCatalogRecallAndOwnerReject(t *testing.T) {
	eachCatalog(t, func(t *testing.T, s *catalogSite) {
		u := s.srv.URL
		p := s.proc(t, "1.1.5") // residence (mvd) and property (nka)
		base := u + staffProcedurePath(p)
		reg, op, nka := s.login(t, "regulator"), s.login(t, "operator"), s.login(t, "nka-ir")
		v, edit := s.draft(t, reg, p)
		values := regulationValues(s.version(t, p, v))
		values.Set("effective_date", today())
		values.Set("do", "submit")
		if r := ctForm(t, reg, edit, values); r.status != http.StatusSeeOther {
			t.Fatalf("submit %d %s", r.status, r.body)
		}
		vp := fmt.Sprintf("%s/versions/%d", base, v)
		if r := ctForm(t, reg, vp+"/actions", url.Values{"action": {"recall"}}); r.status != http.StatusSeeOther {
			t.Fatalf("recall %d", r.status)
		}
		must(t, ctGet(t, reg, vp), 200, "Отозван с согласования", "Редактировать проект")
		// The operator cannot approve a draft.
		must(t, ctForm(t, op, vp+"/actions", url.Values{"action": {"operator_approve"}}), 409, "недоступно для версии в состоянии «Проект»")
		ctForm(t, reg, vp+"/actions", url.Values{"action": {"submit"}})
		ctForm(t, op, vp+"/actions", url.Values{"action": {"operator_approve"}})
		must(t, ctGet(t, nka, u+"/staff/catalog"), 200, `href="/staff/catalog/citizens/1.1.5/versions/2"`)
		must(t, ctGet(t, nka, vp), 200, "property")
		must(t, ctForm(t, nka, vp+"/actions", url.Values{"action": {"owner_reject"}, "reason": {""}}), 422, "Укажите причину отклонения")
		if r := ctForm(t, nka, vp+"/actions", url.Values{"action": {"owner_reject"}, "reason": {"Запрос к регистру избыточен"}}); r.status != http.StatusSeeOther {
			t.Fatalf("owner reject %d %s", r.status, r.body)
		}
		must(t, ctGet(t, reg, vp), 200, "Возвращен на доработку владельцем информационного ресурса", "Запрос к регистру избыточен", "Отклонено")
		if st := s.version(t, p, v).State; st != catalog.Draft {
			t.Fatalf("state %s", st)
		}
		// The owner's inbox is empty again; its page for the version
		// remains (it was asked).
		if r := ctGet(t, nka, u+"/staff/catalog"); strings.Contains(r.body, "/versions/2") {
			t.Error("the rejected version stays in the owner's inbox")
		}
		// A submission from the version page that lacks a p. 6 item
		// opens the editor with the item's error.
		values = regulationValues(s.version(t, p, v))
		values.Del("duties.ru")
		values.Del("duties.be")
		values.Set("do", "save")
		ctForm(t, reg, edit, values)
		must(t, ctForm(t, reg, vp+"/actions", url.Values{"action": {"submit"}}), 422, `href="#duties-ru"`, "Проект сохранен, но не направлен")
	})
}

// Every item R637 p. 6 requires is a field of the editor that submission
// requires, with its own error message at that field; and the import
// requires it too, naming the file, the line and the path.
func TestCatalogEveryP6ItemRequired(t *testing.T) {
	eachCatalog(t, func(t *testing.T, s *catalogSite) {
		ctx := context.Background()
		p := s.proc(t, "1.3.1")
		reg := s.login(t, "regulator")
		v, edit := s.draft(t, reg, p)
		full := regulationValues(s.version(t, p, v))
		full.Set("effective_date", today())
		full.Set("do", "submit")
		for _, item := range catalog.P6 {
			for _, path := range item.Paths {
				t.Run(path, func(t *testing.T) {
					values := url.Values{}
					for k, vs := range full {
						values[k] = slices.Clone(vs)
					}
					target := controlID(path)
					if editKinds[path] == ctlText2 {
						values.Del(path + ".ru")
						values.Del(path + ".be")
						target += "-ru"
					} else {
						values.Del(path)
					}
					r := ctForm(t, reg, edit, values)
					must(t, r, 422, `href="#`+target+`"`, `id="`+target+`-error"`, "Заполните это поле.", "не направлен на согласование")
					if st := s.version(t, p, v).State; st != catalog.Draft {
						t.Fatalf("submitted without %s: %s", path, st)
					}
				})
			}
		}
		if r := ctForm(t, reg, edit, full); r.status != http.StatusSeeOther {
			t.Fatalf("the complete draft is refused: %d %s", r.status, r.body)
		}
		// The import: the current file of 1.1.5 without each item.
		op := s.login(t, "operator")
		files, err := s.svc.ExportFiles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var file catalog.File
		for _, f := range files {
			if f.Procedure.Number == "1.1.5" {
				file = f
			}
		}
		orig, _ := catalog.EncodeFile(file)
		before := len(s.versions(t, s.proc(t, "1.1.5")))
		for _, item := range catalog.P6 {
			for _, path := range item.Paths {
				var tree map[string]any
				if err := json.Unmarshal(orig, &tree); err != nil {
					t.Fatal(err)
				}
				node := tree["regulation"].(map[string]any)
				parts := strings.Split(path, ".")
				for _, k := range parts[:len(parts)-1] {
					node = node[k].(map[string]any)
				}
				delete(node, parts[len(parts)-1])
				b, _ := json.MarshalIndent(tree, "", "  ")
				r := ctUpload(t, op, s.srv.URL+"/staff/catalog/import", map[string][]byte{"citizens-1.1.5.json": b})
				must(t, r, 422, "Каталог не изменен", "citizens-1.1.5.json:", ": regulation."+path+"</code>", "Заполните это поле.")
			}
		}
		if after := len(s.versions(t, s.proc(t, "1.1.5"))); after != before {
			t.Fatalf("rejected imports changed the versions: %d → %d", before, after)
		}
	})
}

// ---- import and export

func TestCatalogImportExport(t *testing.T) {
	eachCatalog(t, func(t *testing.T, s *catalogSite) {
		ctx := context.Background()
		u := s.srv.URL
		op := s.login(t, "operator")
		must(t, ctGet(t, op, u+"/staff/catalog/import"), 200, "Загрузка регламентов", `name="files"`)

		// Export: a zip of every procedure's file, and one JSON list.
		r := ctGet(t, op, u+"/staff/catalog/export")
		if r.status != 200 || r.header.Get("Content-Type") != "application/zip" || !strings.Contains(r.header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export %d %v", r.status, r.header)
		}
		zr, err := zip.NewReader(strings.NewReader(r.body), int64(len(r.body)))
		if err != nil || len(zr.File) != 19 {
			t.Fatalf("export zip: %v, %d files", err, len(zr.File))
		}
		var f131, f134 []byte
		for _, zf := range zr.File {
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			switch zf.Name {
			case "citizens-1.3.1.json":
				f131 = b
			case "citizens-1.3.4.json":
				f134 = b
			}
		}
		if f131 == nil || f134 == nil {
			t.Fatal("export lacks 1.3.1 or 1.3.4")
		}
		r = ctGet(t, op, u+"/staff/catalog/export?format=json")
		var all []catalog.File
		if err := json.Unmarshal([]byte(r.body), &all); err != nil || len(all) != 19 {
			t.Fatalf("export json: %v, %d", err, len(all))
		}
		// The export imports back unchanged.
		r = ctUpload(t, op, u+"/staff/catalog/import", map[string][]byte{"catalog.zip": []byte(ctGet(t, op, u+"/staff/catalog/export").body)})
		must(t, r, 200, "без изменений — 19", "Без изменений")

		// One valid new version and one invalid file: nothing changes,
		// and the problem is named by file, line and field.
		p131, p134 := s.proc(t, "1.3.1"), s.proc(t, "1.3.4")
		valid := bytes.Replace(f131, []byte(`"term": "в день обращения"`), []byte(`"term": "10 дней"`), 1)
		var tree map[string]any
		_ = json.Unmarshal(f134, &tree)
		tree["regulation"].(map[string]any)["term"] = "когда-нибудь"
		bad, _ := yaml.Marshal(integers(tree))
		line := 0
		for i, l := range strings.Split(string(bad), "\n") {
			if strings.TrimSpace(l) == "term: когда-нибудь" {
				line = i + 1
			}
		}
		r = ctUpload(t, op, u+"/staff/catalog/import", map[string][]byte{"a.json": valid, "b.yaml": bad})
		must(t, r, 422, "Файлы не загружены: найдено ошибок — 1, в файлах — 1. Каталог не изменен.",
			fmt.Sprintf("b.yaml:%d: regulation.term", line), "Срок должен иметь вид")
		for _, p := range []catalog.Procedure{p131, p134} {
			if n := len(s.versions(t, p)); n != 1 {
				t.Fatalf("%s has %d versions after a rejected import", p.Number, n)
			}
		}
		cur, _ := s.svc.Current(ctx, p131.ID)
		if cur.Term.String() != "в день обращения" {
			t.Fatalf("the term changed: %s", cur.Term)
		}
		// Broken syntax and a file that is not a regulation.
		must(t, ctUpload(t, op, u+"/staff/catalog/import", map[string][]byte{"x.json": []byte("{\n  \"procedure\": {\n}")}), 422, "x.json:3", "Синтаксическая ошибка")
		must(t, ctUpload(t, op, u+"/staff/catalog/import", map[string][]byte{"notes.txt": []byte("hello")}), 422, "не является файлом JSON, YAML")
		must(t, ctUpload(t, op, u+"/staff/catalog/import", map[string][]byte{}), 422, "Не найдено файлов регламентов")
		// The valid file alone is a new version, in force from its date.
		must(t, ctUpload(t, op, u+"/staff/catalog/import", map[string][]byte{"a.json": valid}), 200, "Новая версия", "новых версий — 1")
		cur, _ = s.svc.Current(ctx, p131.ID)
		if cur.Term.String() != "10 дней" || !cur.Imported {
			t.Fatalf("imported version: %s imported=%v", cur.Term, cur.Imported)
		}
		must(t, ctGet(t, s.client(), u+"/catalog/citizens/1.3.1"), 200, "10 дней")

		// The API: the same import, and the export.
		r = ctGet(t, op, u+"/api/v1/catalog/export")
		if err := json.Unmarshal([]byte(r.body), &all); r.status != 200 || err != nil || len(all) != 19 {
			t.Fatalf("api export %d %v %d", r.status, err, len(all))
		}
		r = ctUpload(t, op, u+"/api/v1/catalog/import", map[string][]byte{"b.yaml": bad})
		var e map[string]any
		_ = json.Unmarshal([]byte(r.body), &e)
		fields, _ := e["error"].(map[string]any)["fields"].([]any)
		if r.status != 422 || len(fields) != 1 || fields[0].(map[string]any)["field"] != fmt.Sprintf("b.yaml:%d: regulation.term", line) {
			t.Fatalf("api import %d %s", r.status, r.body)
		}
	})
}

// ---- who may do what

func TestCatalogRoles(t *testing.T) {
	eachCatalog(t, func(t *testing.T, s *catalogSite) {
		u := s.srv.URL
		p := s.proc(t, "1.3.1")
		base := u + staffProcedurePath(p)
		reg := s.login(t, "regulator")
		v, edit := s.draft(t, reg, p)
		vp := fmt.Sprintf("%s/versions/%d", base, v)

		// Nobody logged in.
		anon := s.client()
		if r := ctGet(t, anon, u+"/staff/catalog"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.loc, "/staff/login") {
			t.Errorf("anonymous workspace: %d %s", r.status, r.loc)
		}
		if st, _ := ctJSON(t, anon, "GET", u+"/api/v1/catalog/procedures/citizens/1.3.1/versions", nil); st != 401 {
			t.Errorf("anonymous api: %d", st)
		}

		// A regulator of another body.
		other := s.login(t, "regulator-trud")
		for _, path := range []string{base, vp, edit, base + "/compare?from=1&to=2"} {
			if r := ctGet(t, other, path); r.status != 403 {
				t.Errorf("another regulator GET %s: %d", path, r.status)
			}
		}
		if r := ctForm(t, other, base+"/drafts", url.Values{}); r.status != 403 {
			t.Errorf("another regulator drafts: %d", r.status)
		}
		if r := ctForm(t, other, edit, regulationValues(s.version(t, p, v))); r.status != 403 {
			t.Errorf("another regulator saves: %d", r.status)
		}
		if r := ctForm(t, other, vp+"/actions", url.Values{"action": {"submit"}}); r.status != 403 {
			t.Errorf("another regulator submits: %d", r.status)
		}
		for _, path := range []string{"/versions", fmt.Sprintf("/versions/%d", v), "/diff?from=1&to=2"} {
			if st, _ := ctJSON(t, other, "GET", u+"/api/v1/catalog/procedures/citizens/1.3.1"+path, nil); st != 403 {
				t.Errorf("another regulator API %s: %d", path, st)
			}
		}
		if st, _ := ctJSON(t, other, "POST", u+"/api/v1/catalog/procedures/citizens/1.3.1/versions", nil); st != 403 {
			t.Errorf("another regulator API draft: %d", st)
		}
		// Its own procedures are there.
		must(t, ctGet(t, other, u+"/staff/catalog"), 200, `href="/staff/catalog/citizens/2.5"`)

		// Operator-only pages and steps.
		for _, path := range []string{"/staff/catalog/import", "/staff/catalog/export", "/api/v1/catalog/export"} {
			if r := ctGet(t, reg, u+path); r.status != 403 {
				t.Errorf("regulator GET %s: %d", path, r.status)
			}
		}
		if r := ctUpload(t, reg, u+"/staff/catalog/import", map[string][]byte{"a.json": []byte("{}")}); r.status != 403 {
			t.Errorf("regulator imports: %d", r.status)
		}
		ctForm(t, reg, vp+"/actions", url.Values{"action": {"submit"}})
		if r := ctForm(t, reg, vp+"/actions", url.Values{"action": {"operator_approve"}}); r.status != 403 {
			t.Errorf("regulator approves for the operator: %d", r.status)
		}
		mvd := s.login(t, "mvd-ir")
		if r := ctForm(t, mvd, vp+"/actions", url.Values{"action": {"operator_approve"}}); r.status != 403 {
			t.Errorf("owner approves for the operator: %d", r.status)
		}
		// The operator neither drafts nor edits.
		op := s.login(t, "operator")
		if r := ctGet(t, op, edit); r.status != 403 {
			t.Errorf("operator opens the editor: %d", r.status)
		}
		if r := ctForm(t, op, vp+"/actions", url.Values{"action": {"recall"}}); r.status != 403 {
			t.Errorf("operator recalls: %d", r.status)
		}
		// Other staff roles have no catalogue workspace.
		if _, err := s.org.EnsureStaff(context.Background(), org.NewStaff{BodyCode: "central-adm", Login: "officer", FullName: "Исполнитель",
			Roles: []string{org.RoleOfficer}, Password: ctPassword}); err != nil {
			t.Fatal(err)
		}
		officer := s.login(t, "officer")
		if r := ctGet(t, officer, u+"/staff/catalog"); r.status != 403 {
			t.Errorf("case officer: %d", r.status)
		}
		if st, _ := ctJSON(t, officer, "GET", u+"/api/v1/catalog/inbox", nil); st != 403 {
			t.Errorf("case officer api: %d", st)
		}
	})
}

// ---- the staff API

func TestCatalogAPI(t *testing.T) {
	eachCatalog(t, func(t *testing.T, s *catalogSite) {
		u := s.srv.URL + "/api/v1/catalog/procedures/citizens/1.1.5"
		reg, op, mvd, nka := s.login(t, "regulator"), s.login(t, "operator"), s.login(t, "mvd-ir"), s.login(t, "nka-ir")

		st, out := ctJSON(t, reg, "POST", u+"/versions", nil)
		if st != 201 || out["version"].(map[string]any)["version"] != 2.0 || out["version"].(map[string]any)["state"] != "draft" {
			t.Fatalf("draft %d %v", st, out)
		}
		if !slices.Contains(out["allowed"].([]any), any("submit")) {
			t.Errorf("allowed %v", out["allowed"])
		}
		content := out["version"].(map[string]any)["regulation"].(map[string]any)
		content["term"] = "20 дней"
		content["effective_date"] = today()
		if st, out := ctJSON(t, reg, "PUT", u+"/versions/2", content); st != 200 {
			t.Fatalf("save %d %v", st, out)
		}
		content["no_such_field"] = 1
		if st, _ := ctJSON(t, reg, "PUT", u+"/versions/2", content); st != 422 {
			t.Errorf("unknown field saved: %d", st)
		}
		if st, out := ctJSON(t, op, "POST", u+"/versions/2/actions", map[string]string{"action": "submit"}); st != 403 {
			t.Errorf("operator submits: %d %v", st, out)
		}
		if st, out := ctJSON(t, reg, "POST", u+"/versions/2/actions", map[string]string{"action": "submit"}); st != 200 || out["version"].(map[string]any)["state"] != "submitted" {
			t.Fatalf("submit %d %v", st, out)
		}
		st, out = ctJSON(t, op, "GET", s.srv.URL+"/api/v1/catalog/inbox", nil)
		if st != 200 || len(out["items"].([]any)) != 1 {
			t.Fatalf("operator inbox %d %v", st, out)
		}
		st, out = ctJSON(t, op, "GET", u+"/diff?from=1&to=2", nil)
		changes := out["changes"].([]any)
		if st != 200 || len(changes) != 2 || changes[0].(map[string]any)["path"] != "term" || changes[0].(map[string]any)["new"] != "20 дней" {
			t.Fatalf("diff %d %v", st, out)
		}
		if st, _ := ctJSON(t, op, "POST", u+"/versions/2/actions", map[string]string{"action": "operator_reject"}); st != 422 {
			t.Errorf("reject without a reason: %d", st)
		}
		if st, out := ctJSON(t, op, "POST", u+"/versions/2/actions", map[string]string{"action": "operator_approve"}); st != 200 || out["version"].(map[string]any)["state"] != "operator_approved" {
			t.Fatalf("operator approve %d %v", st, out)
		}
		for _, owner := range []*http.Client{mvd, nka} {
			st, out := ctJSON(t, owner, "GET", s.srv.URL+"/api/v1/catalog/inbox", nil)
			if st != 200 || len(out["items"].([]any)) != 1 {
				t.Fatalf("owner inbox %d %v", st, out)
			}
			if st, out := ctJSON(t, owner, "POST", u+"/versions/2/actions", map[string]string{"action": "owner_approve"}); st != 200 {
				t.Fatalf("owner approve %d %v", st, out)
			}
		}
		st, out = ctJSON(t, reg, "GET", u+"/versions", nil)
		items := out["items"].([]any)
		if st != 200 || items[0].(map[string]any)["state"] != "active" || items[1].(map[string]any)["state"] != "superseded" {
			t.Fatalf("versions %d %v", st, out)
		}
		st, out = ctJSON(t, mvd, "GET", u+"/versions/2", nil)
		if st != 200 || len(out["history"].([]any)) < 6 || len(out["approvals"].([]any)) != 2 {
			t.Fatalf("owner reads the version %d %v", st, out)
		}
		if st, _ := ctJSON(t, mvd, "GET", u+"/versions/1", nil); st != 403 {
			t.Errorf("owner reads a version it was not asked about: %d", st)
		}
		_, out = ctJSON(t, s.client(), "GET", u, nil)
		if out["in_force"].(map[string]any)["regulation"].(map[string]any)["term"] != "20 дней" {
			t.Fatalf("public API after approval: %v", out["in_force"])
		}
	})
}

// ---- the form and the messages

// The editor holds the whole regulation: every demo regulation goes
// through its form values and back unchanged.
func TestRegulationFormRoundTrip(t *testing.T) {
	fsys := catalog.DemoFS()
	names, _ := fs.Glob(fsys, "*-*.json")
	if len(names) != 19 {
		t.Fatalf("%d demo files", len(names))
	}
	for _, name := range names {
		var f catalog.File
		b, _ := fs.ReadFile(fsys, name)
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		got, probs := parseRegulationForm(regulationValues(f.Regulation))
		if len(probs) > 0 {
			t.Fatalf("%s: %v", name, probs)
		}
		if d := catalog.Diff(f.Regulation, got); len(d) > 0 {
			t.Errorf("%s: the form loses %v", name, d)
		}
	}
	// Every top-level field of a regulation has a control.
	rt := reflect.TypeFor[catalog.Regulation]()
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if name == "-" || name == "" {
			continue
		}
		if _, ok := editKinds[name]; !ok && !slices.ContainsFunc(slices.Collect(maps.Keys(editKinds)), func(p string) bool {
			return strings.HasPrefix(p, name+".")
		}) {
			t.Errorf("no editor control for %s", name)
		}
		p6 := slices.ContainsFunc(catalog.P6, func(it catalog.P6Item) bool { return strings.HasPrefix(it.Paths[0], name) })
		if !p6 && !slices.Contains(diffFields, name) {
			t.Errorf("no label for %s in the diff", name)
		}
	}
	// Empty and explicit empty lists are told apart.
	reg, _ := parseRegulationForm(url.Values{"resources": {"[]"}, "documents": {""}})
	if reg.Resources == nil || len(reg.Resources) != 0 || reg.Documents != nil {
		t.Errorf("lists: %#v %#v", reg.Resources, reg.Documents)
	}
	_, probs := parseRegulationForm(url.Values{"form": {"[\n{\"code\": 1}\n]"}, "effective_date": {"31.02.2026"}, "fee": {"paid"}, "fee.base_values": {"x"}})
	var codes []string
	for _, p := range probs {
		codes = append(codes, p.Field+" "+p.Code)
	}
	want := []string{"form catalog_web.json.type", "fee.base_values " + catalog.CodeInvalidAmount, "effective_date " + catalog.CodeInvalidDate}
	if !slices.Equal(codes, want) {
		t.Errorf("problems %v, want %v", codes, want)
	}
}

// Every message a page builds from a code exists in both languages.
func TestCatalogWebMessages(t *testing.T) {
	var keys []string
	for path := range editKinds {
		keys = append(keys, "catalog_web.field."+path)
	}
	for path := range editHints {
		keys = append(keys, "catalog_web.hint."+path)
	}
	for _, tr := range catalog.Transitions() {
		keys = append(keys, "catalog_web.event."+string(tr.Action))
		for _, r := range tr.Roles {
			keys = append(keys, "catalog_web.role."+r)
		}
	}
	for _, r := range catalogRoles {
		keys = append(keys, "catalog_web.inbox."+r, "catalog_web.role."+r)
	}
	for _, f := range diffFields {
		keys = append(keys, "catalog_web.diff."+f)
	}
	for _, l := range catalog.Lists {
		keys = append(keys, "catalog_web.list_short."+string(l))
	}
	for _, k := range []string{"free", "paid"} {
		keys = append(keys, "catalog_web.fee_kind."+k)
	}
	for _, k := range []catalog.ValidityKind{catalog.Unlimited, catalog.ValidityTerm, catalog.ValidityText} {
		keys = append(keys, "catalog_web.validity_kind."+string(k))
	}
	for k := range catalogFlashKeys {
		keys = append(keys, k)
	}
	for _, m := range editMore {
		keys = append(keys, m.legend)
	}
	i18ntest.MustHave(t, keys...)
}

func TestCatalogOpenAPI(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openapiDoc, &doc); err != nil {
		t.Fatal(err)
	}
	for _, route := range []string{
		"GET /api/v1/catalog/procedures", "GET /api/v1/catalog/procedures/{list}/{number}",
		"GET /api/v1/catalog/procedures/{list}/{number}/versions", "POST /api/v1/catalog/procedures/{list}/{number}/versions",
		"GET /api/v1/catalog/procedures/{list}/{number}/versions/{version}", "PUT /api/v1/catalog/procedures/{list}/{number}/versions/{version}",
		"POST /api/v1/catalog/procedures/{list}/{number}/versions/{version}/actions", "GET /api/v1/catalog/procedures/{list}/{number}/diff",
		"GET /api/v1/catalog/inbox", "POST /api/v1/catalog/import", "GET /api/v1/catalog/export",
	} {
		method, path, _ := strings.Cut(route, " ")
		if doc.Paths[path][strings.ToLower(method)] == nil {
			t.Errorf("OpenAPI lacks %s", route)
		}
	}
}

// integers turns the whole numbers encoding/json decodes as float64 back
// into integers, so that YAML writes them as such.
func integers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = integers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = integers(e)
		}
	case float64:
		if x == float64(int64(x)) {
			return int64(x)
		}
	}
	return v
}

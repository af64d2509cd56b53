package ui

import (
	"bytes"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"odnookno/internal/i18n"
)

func setup(t *testing.T, opts Options) *Renderer {
	t.Helper()
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC) }
	}
	rd, err := New(cat, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rd
}

// serve runs the renderer behind LangMiddleware the way the server does.
func serve(rd *Renderer, h func(w http.ResponseWriter, r *http.Request), req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	LangMiddleware(http.HandlerFunc(h)).ServeHTTP(rec, req)
	return rec
}

func home(rd *Renderer) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) { rd.Render(w, r, http.StatusOK, "home", nil) }
}

func TestHomeLanguages(t *testing.T) {
	rd := setup(t, Options{Demo: true})
	tests := []struct {
		name, query, cookie, accept string
		wantLang, wantTitle         string
		wantText                    []string
	}{
		{"default", "", "", "", "ru", "Административные процедуры онлайн — Одно окно",
			[]string{"Найти процедуру", "Войти в личный кабинет", "Демонстрационная версия", "© 2026 Оператор ОАИС"}},
		{"query", "?lang=be", "", "", "be", "Адміністрацыйныя працэдуры анлайн — Адно акно",
			[]string{"Знайсці працэдуру", "Увайсці ў асабісты кабінет", "Дэманстрацыйная версія", "© 2026 Аператар АДАІС"}},
		{"cookie", "", "be", "ru", "be", "Адміністрацыйныя працэдуры анлайн — Адно акно", nil},
		{"accept-language", "", "", "be-BY,ru;q=0.5", "be", "Адміністрацыйныя працэдуры анлайн — Адно акно", nil},
		{"query beats cookie", "?lang=ru", "be", "be", "ru", "Административные процедуры онлайн — Одно окно", nil},
		{"bad query ignored", "?lang=en", "be", "", "be", "Адміністрацыйныя працэдуры анлайн — Адно акно", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/"+tt.query, nil)
			if tt.cookie != "" {
				req.AddCookie(&http.Cookie{Name: LangCookie, Value: tt.cookie})
			}
			if tt.accept != "" {
				req.Header.Set("Accept-Language", tt.accept)
			}
			rec := serve(rd, home(rd), req)
			body := rec.Body.String()
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, body)
			}
			if !strings.Contains(body, `<html lang="`+tt.wantLang+`"`) {
				t.Errorf("want <html lang=%q>", tt.wantLang)
			}
			if got := rec.Header().Get("Content-Language"); got != tt.wantLang {
				t.Errorf("Content-Language = %q", got)
			}
			if !strings.Contains(body, "<title>"+tt.wantTitle+"</title>") {
				t.Errorf("want title %q in\n%s", tt.wantTitle, head(body))
			}
			for _, s := range tt.wantText {
				if !strings.Contains(body, s) {
					t.Errorf("body lacks %q", s)
				}
			}
			if strings.Contains(body, "web.") || strings.Contains(body, "common.") {
				t.Errorf("an untranslated key leaked into the page")
			}
		})
	}
}

func head(s string) string {
	if i := strings.Index(s, "</head>"); i > 0 {
		return s[:i]
	}
	return s
}

func TestLayoutLandmarks(t *testing.T) {
	rd := setup(t, Options{})
	rec := serve(rd, home(rd), httptest.NewRequest("GET", "/?lang=be&x=1", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`<a href="#main" class="govuk-skip-link">`,
		`id="main"`,
		`href="/catalog"`, `href="/cabinet"`, `href="/staff"`, `href="/healthz"`,
		// the switch keeps other query parameters, marks the current language
		`href="/?lang=ru&amp;x=1" hreflang="ru" lang="ru">Русский</a>`,
		`href="/?lang=be&amp;x=1" hreflang="be" lang="be" aria-current="true">Беларуская</a>`,
		`<link rel="stylesheet" href="/static/odnookno.css?v=`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(body, "govuk-phase-banner") {
		t.Error("demo banner shown with Demo off")
	}
	if strings.Contains(body, "<script") {
		t.Error("pages must not need JavaScript")
	}
}

func TestNavigationMarksSection(t *testing.T) {
	rd := setup(t, Options{})
	rec := serve(rd, home(rd), httptest.NewRequest("GET", "/cabinet/applications", nil))
	if !strings.Contains(rec.Body.String(), `href="/cabinet" aria-current="true"`) {
		t.Error("cabinet link not marked current")
	}
	if strings.Contains(rec.Body.String(), `href="/catalog" aria-current`) {
		t.Error("catalog link marked current")
	}
}

func TestLanguageSwitchSetsCookie(t *testing.T) {
	rd := setup(t, Options{})
	rec := serve(rd, home(rd), httptest.NewRequest("GET", "/?lang=be", nil))
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies = %v, want one", cookies)
	}
	c := cookies[0]
	if c.Name != LangCookie || c.Value != "be" || c.Path != "/" || c.SameSite != http.SameSiteLaxMode || !c.HttpOnly || c.MaxAge <= 0 {
		t.Errorf("cookie = %+v", c)
	}

	// Same language already in the cookie, or no ?lang=: nothing to set.
	req := httptest.NewRequest("GET", "/?lang=be", nil)
	req.AddCookie(&http.Cookie{Name: LangCookie, Value: "be"})
	if got := serve(rd, home(rd), req).Result().Cookies(); len(got) != 0 {
		t.Errorf("cookie set again: %v", got)
	}
	if got := serve(rd, home(rd), httptest.NewRequest("GET", "/", nil)).Result().Cookies(); len(got) != 0 {
		t.Errorf("cookie set without ?lang=: %v", got)
	}
}

func TestLangWithoutMiddleware(t *testing.T) {
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept-Language", "be")
	if got := Lang(req); got != "be" {
		t.Errorf("Lang = %q, want be", got)
	}
}

func TestErrorPage(t *testing.T) {
	rd := setup(t, Options{RequestID: func(*http.Request) string { return "01JABCDEF-42" }})
	tests := []struct {
		status             int
		lang, title, extra string
	}{
		{404, "ru", "Страница не найдена", "Код обращения"},
		{403, "be", "Няма доступу", "Код звароту"},
		{500, "ru", "Ошибка на сервере", "01JABCDEF-42"},
		{502, "ru", "Ошибка на сервере", ""},
		{401, "ru", "Требуется вход", ""},
		{409, "be", "Даныя змяніліся", ""},
		{422, "ru", "Некорректный запрос", ""},
		{405, "be", "Некарэктны запыт", ""},
		{503, "be", "Сэрвіс часова недаступны", ""},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status)+"/"+tt.lang, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/nowhere?lang="+tt.lang, nil)
			rec := serve(rd, func(w http.ResponseWriter, r *http.Request) { rd.Error(w, r, tt.status) }, req)
			body := rec.Body.String()
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			if !strings.Contains(body, `<h1 class="govuk-heading-l">`+tt.title+`</h1>`) {
				t.Errorf("no heading %q", tt.title)
			}
			if !strings.Contains(body, "<title>"+tt.title+" — ") {
				t.Errorf("no title %q", tt.title)
			}
			if !strings.Contains(body, tt.extra) {
				t.Errorf("body lacks %q", tt.extra)
			}
		})
	}
}

// The server passes a map rather than ErrorData; the page must read it the
// same way, request id included.
func TestErrorPageMapData(t *testing.T) {
	rd := setup(t, Options{})
	h := func(w http.ResponseWriter, r *http.Request) {
		rd.Render(w, r, 404, "error", map[string]any{"Status": 404, "Code": "error.not_found", "RequestID": "req-77"})
	}
	body := serve(rd, h, httptest.NewRequest("GET", "/x", nil)).Body.String()
	for _, want := range []string{"<title>Страница не найдена — Одно окно</title>", `<span class="oo-request-id">req-77</span>`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

func TestErrorKeysExist(t *testing.T) {
	cat, _ := i18n.New()
	var keys []string
	for _, s := range errorStatuses {
		keys = append(keys, fmt.Sprintf("web.error.%d.title", s), fmt.Sprintf("web.error.%d.message", s))
	}
	if missing := cat.Missing(keys...); len(missing) > 0 {
		t.Errorf("missing: %v", missing)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// TestTemplateKeys finds every literal key passed to t or plural in the
// templates and checks it exists in both languages, so a typo fails here and
// not in front of a citizen.
func TestTemplateKeys(t *testing.T) {
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`\b(?:t|plural)\s+"([^"]+)"`)
	comment := regexp.MustCompile(`(?s)\{\{-?\s*/\*.*?\*/\s*-?\}\}`)
	n := 0
	err = fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := templateFS.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllSubmatch(comment.ReplaceAll(data, nil), -1) {
			n++
			for _, lang := range i18n.Langs {
				if !cat.Has(lang, string(m[1])) {
					t.Errorf("%s: key %q missing in %s", p, m[1], lang)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 20 {
		t.Errorf("found only %d keys; is the pattern still right?", n)
	}
}

type formData struct {
	Errors
	Phone string
}

func TestErrorSummaryAndFields(t *testing.T) {
	rd := setup(t, Options{})
	// A throwaway page built on the same partials, as a form page will be.
	tmpl := rd.pages["ru"]["home"]
	page, err := tmpl.Clone()
	if err != nil {
		t.Fatal(err)
	}
	_, err = page.New("content").Parse(`{{template "errorsummary" .Data.Errors}}
{{template "input" (field "ID" "phone" "Label" "Телефон" "Hint" "+375 29 123-45-67" "Type" "tel" "Value" .Data.Phone "Error" (.Data.Errors.For "phone"))}}
{{template "textarea" (field "ID" "note" "Label" "Комментарий" "Error" (.Data.Errors.For "note"))}}
{{template "input" (field "ID" "name" "Label" "Имя")}}`)
	if err != nil {
		t.Fatal(err)
	}
	var errs Errors
	errs.Add("phone", "Введите номер мобильного телефона")
	errs.Add("note", `Слишком длинный <текст>`)
	req := httptest.NewRequest("GET", "/form", nil)
	var buf bytes.Buffer
	if err := page.ExecuteTemplate(&buf, "layout.html", rd.view(req, "ru", formData{Errors: errs, Phone: "+37529"})); err != nil {
		t.Fatal(err)
	}
	body := buf.String()
	for _, want := range []string{
		"<title>Ошибка: Административные процедуры онлайн — Одно окно</title>",
		`<div class="govuk-error-summary" tabindex="-1" autofocus>`,
		`<div role="alert">`,
		`<h2 class="govuk-error-summary__title">Исправьте ошибки</h2>`,
		`<li><a href="#phone">Введите номер мобильного телефона</a></li>`,
		`<li><a href="#note">Слишком длинный &lt;текст&gt;</a></li>`,
		`<div class="govuk-form-group govuk-form-group--error">`,
		`<label class="govuk-label" for="phone">Телефон</label>`,
		`<div id="phone-hint" class="govuk-hint">&#43;375 29 123-45-67</div>`,
		`<p id="phone-error" class="govuk-error-message"><span class="govuk-visually-hidden">Ошибка:</span> Введите номер мобильного телефона</p>`,
		`<input class="govuk-input govuk-input--error" id="phone" name="phone" type="tel" value="&#43;37529" aria-describedby="phone-hint phone-error" aria-invalid="true">`,
		`<textarea class="govuk-textarea govuk-textarea--error" id="note" name="note" rows="5" aria-describedby="note-error" aria-invalid="true"></textarea>`,
		`<input class="govuk-input" id="name" name="name" type="text" value="">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("form lacks\n  %s", want)
		}
	}
	if t.Failed() {
		t.Log(body[strings.Index(body, `<div class="govuk-main-wrapper">`):])
	}

	// No errors: no summary at all.
	buf.Reset()
	if err := page.ExecuteTemplate(&buf, "errorsummary", Errors(nil)); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(buf.String()) != "" {
		t.Errorf("empty summary rendered %q", buf.String())
	}
}

func TestFlash(t *testing.T) {
	rd := setup(t, Options{})
	req := httptest.NewRequest("GET", "/", nil)
	req = req.WithContext(WithFlash(req.Context(), Notice{Kind: "success", Text: "Заявление подано"}))
	body := serve(rd, home(rd), req).Body.String()
	for _, want := range []string{`govuk-notification-banner--success" role="alert"`, "Готово", "Заявление подано"} {
		if !strings.Contains(body, want) {
			t.Errorf("flash lacks %q", want)
		}
	}
}

func TestDateFuncs(t *testing.T) {
	rd := setup(t, Options{})
	tmpl := rd.pages["be"]["home"]
	page, _ := tmpl.Clone()
	if _, err := page.New("x").Parse(`{{date .}}|{{datetime .}}`); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	// 22:30 UTC on 31 December is already 1 January in Minsk.
	if err := page.ExecuteTemplate(&buf, "x", time.Date(2025, 12, 31, 22, 30, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "1 студзеня 2026 г.|1 студзеня 2026 г., 01:30"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRenderUnknownPage(t *testing.T) {
	rd := setup(t, Options{Logger: discardLogger()})
	rec := serve(rd, func(w http.ResponseWriter, r *http.Request) { rd.Render(w, r, 200, "nope", nil) },
		httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500", rec.Code)
	}
}

func TestStaticHandler(t *testing.T) {
	h := StaticHandler()
	url := staticURL("odnookno.css")
	if !strings.Contains(url, "?v=") {
		t.Fatalf("static URL %q has no version", url)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", url, nil))
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("Content-Type = %q", ct)
	}
	if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
		t.Errorf("Cache-Control = %q", cc)
	}
	css := rec.Body.String()
	for _, bad := range []string{"GDS Transport", "url("} {
		if strings.Contains(css, bad) {
			t.Errorf("stylesheet contains %q", bad)
		}
	}

	// Unversioned: revalidate; matching ETag: 304.
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/static/odnookno.css", nil))
	if cc := rec.Header().Get("Cache-Control"); cc != "public, no-cache" {
		t.Errorf("unversioned Cache-Control = %q", cc)
	}
	req := httptest.NewRequest("GET", "/static/odnookno.css", nil)
	req.Header.Set("If-None-Match", rec.Header().Get("ETag"))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Errorf("conditional GET status = %d, want 304", rec.Code)
	}

	for _, p := range []string{"/static/", "/static/nope.css", "/static/../ui.go"} {
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", p, rec.Code)
		}
	}
	rec = httptest.NewRecorder()
	http.StripPrefix("/static/", h).ServeHTTP(rec, httptest.NewRequest("GET", url, nil))
	if rec.Code != http.StatusOK {
		t.Errorf("behind StripPrefix: status %d", rec.Code)
	}
	if _, ok := assets()["LICENSE-govuk-frontend.txt"]; !ok {
		t.Error("govuk-frontend licence is not shipped beside the CSS")
	}
}

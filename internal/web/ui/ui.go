// Package ui renders the server-side HTML pages: one layout, shared partials
// and a template per page, all embedded in the binary, styled by the vendored
// govuk-frontend build in static/ (see tools/css/build.sh). Pages work without
// JavaScript.
//
// Templates are parsed once per language at start-up, with the language baked
// into their functions, so rendering never clones or re-escapes a template.
// Functions available in every template:
//
//	t "key" ["Name" value …]    message in the page's language
//	plural "key" n [args …]     message with plural forms for n ({{.N}})
//	lang                        the page's language, "ru" or "be"
//	langs                       all languages, for switches
//	langURL "be" $.URL          the current URL with ?lang=be
//	date t / datetime t         "2 марта 2026 г." / "2 марта 2026 г., 09:05" in Options.Location
//	static "odnookno.css"       versioned URL of an embedded static file
//	field "ID" "phone" …        a Field for the "input" and "textarea" partials
//	dict "k" v …                a map, to pass several values to a partial
//	errorTitle / errorMessage N  texts of the error page for HTTP status N
//
// A page template is templates/pages/NAME.html and defines some of the
// blocks "title" (required: the <title> text), "hero" (full-width, above the
// content), "beforeContent" (back link, breadcrumbs) and "content". Inside a
// page the dot is a View; the handler's data is .Data.
package ui

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"odnookno/internal/i18n"
)

//go:embed templates
var templateFS embed.FS

// Options configure a Renderer.
type Options struct {
	// Demo shows the "demonstration version" banner on every page.
	Demo bool
	// Location is the time zone dates are shown in; nil means Europe/Minsk.
	Location *time.Location
	// Now is the clock (for the footer's year); nil means time.Now.
	Now func() time.Time
	// RequestID returns the id of the request, shown on error pages as the
	// code to quote to support; nil shows none.
	RequestID func(*http.Request) string
	// Logger receives template errors; nil means slog.Default().
	Logger *slog.Logger
}

// Renderer executes page templates. It is safe for concurrent use.
type Renderer struct {
	cat   *i18n.Catalog
	opts  Options
	pages map[string]map[string]*template.Template // lang → page → template
}

// View is the dot of the layout and of every page block.
type View struct {
	Lang      string
	URL       *url.URL // the request's URL, for langURL
	Section   string   // "catalog", "cabinet", "staff" or "" — marks the navigation item
	Demo      bool
	Year      int
	RequestID string
	Flash     *Notice // one-off banner from WithFlash
	Errors    Errors  // from Data when it carries form errors; prefixes the title
	Data      any
}

// minsk is Belarus's time: UTC+3 all year since 2011. A fixed zone keeps
// dates right on systems without a tz database.
var minsk = time.FixedZone("Europe/Minsk", 3*60*60)

// New parses the embedded templates for every language.
func New(cat *i18n.Catalog, opts Options) (*Renderer, error) {
	if cat == nil {
		return nil, errors.New("ui: nil catalogue")
	}
	if opts.Location == nil {
		opts.Location = minsk
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	rd := &Renderer{cat: cat, opts: opts, pages: map[string]map[string]*template.Template{}}

	pageFiles, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, fmt.Errorf("ui: %w", err)
	}
	for _, lang := range i18n.Langs {
		base, err := template.New("layout.html").Funcs(rd.funcs(lang)).
			ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html")
		if err != nil {
			return nil, fmt.Errorf("ui: parse layout: %w", err)
		}
		rd.pages[lang] = map[string]*template.Template{}
		for _, file := range pageFiles {
			name := strings.TrimSuffix(path.Base(file), ".html")
			t, err := template.Must(base.Clone()).ParseFS(templateFS, file)
			if err != nil {
				return nil, fmt.Errorf("ui: parse page %s: %w", name, err)
			}
			if t.Lookup("title") == nil {
				return nil, fmt.Errorf("ui: page %s defines no \"title\" block", name)
			}
			rd.pages[lang][name] = t
		}
	}
	return rd, nil
}

// Pages lists the page names Render accepts.
func (rd *Renderer) Pages() []string {
	return slices.Sorted(maps.Keys(rd.pages[i18n.Default]))
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Render writes page with status in the request's language. The page is
// rendered into a buffer first, so a template error becomes a plain 500
// instead of half a page.
func (rd *Renderer) Render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	lang := Lang(r)
	t, ok := rd.pages[lang][page]
	if !ok {
		rd.fail(w, r, fmt.Errorf("no page %q", page))
		return
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := t.ExecuteTemplate(buf, "layout.html", rd.view(r, lang, data)); err != nil {
		rd.fail(w, r, fmt.Errorf("page %q: %w", page, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", lang)
	h.Add("Vary", "Accept-Language, Cookie")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (rd *Renderer) fail(w http.ResponseWriter, r *http.Request, err error) {
	rd.opts.Logger.ErrorContext(r.Context(), "ui: render", "err", err, "path", r.URL.Path)
	http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
}

func (rd *Renderer) view(r *http.Request, lang string, data any) *View {
	v := &View{
		Lang:    lang,
		URL:     r.URL,
		Section: section(r.URL.Path),
		Demo:    rd.opts.Demo,
		Year:    rd.opts.Now().In(rd.opts.Location).Year(),
		Flash:   flashFrom(r.Context()),
		Data:    data,
	}
	if rd.opts.RequestID != nil {
		v.RequestID = rd.opts.RequestID(r)
	}
	if fe, ok := data.(interface{ FieldErrors() Errors }); ok {
		v.Errors = fe.FieldErrors()
	}
	return v
}

func section(p string) string {
	first, _, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	switch first {
	case "catalog", "cabinet", "staff":
		return first
	}
	return ""
}

// ErrorData is the data of the "error" page. A map with the same keys
// works too. The title and message come from Status (web.error.N.*); Code,
// the catalogue key of the API's error message, is not shown.
type ErrorData struct {
	Status    int
	Code      string
	RequestID string // shown as "Код обращения"; empty falls back to Options.RequestID
}

// errorStatuses have their own title and message; others borrow the nearest.
var errorStatuses = []int{400, 401, 403, 404, 409, 429, 500, 503}

func errorKey(status int) int {
	if slices.Contains(errorStatuses, status) {
		return status
	}
	if status >= 500 || status < 400 {
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// errorText is the template function behind errorTitle and errorMessage.
func (rd *Renderer) errorText(lang, part string, status any) string {
	n, _ := status.(int)
	return rd.cat.T(lang, fmt.Sprintf("web.error.%d.%s", errorKey(n), part))
}

// Error renders the error page for status (403, 404, 500, …) with a localized
// title and message and, when Options.RequestID is set, the request's id.
func (rd *Renderer) Error(w http.ResponseWriter, r *http.Request, status int) {
	rd.Render(w, r, status, "error", ErrorData{Status: status})
}

// T translates key in the request's language, for handlers that build
// messages (form errors, notices) before rendering.
func (rd *Renderer) T(r *http.Request, key string, args ...any) string {
	return rd.cat.T(Lang(r), key, args...)
}

func (rd *Renderer) funcs(lang string) template.FuncMap {
	cat, loc := rd.cat, rd.opts.Location
	return template.FuncMap{
		"t": func(key string, args ...any) string { return cat.T(lang, key, args...) },
		"plural": func(key string, n int, args ...any) string {
			return cat.Plural(lang, key, n, args...)
		},
		"lang":    func() string { return lang },
		"langs":   func() []string { return i18n.Langs },
		"langURL": langURL,
		"date": func(v any) (string, error) {
			t, ok, err := asTime(v)
			if !ok {
				return "", err
			}
			return cat.Date(lang, t.In(loc)), nil
		},
		"datetime": func(v any) (string, error) {
			t, ok, err := asTime(v)
			if !ok {
				return "", err
			}
			return cat.DateTime(lang, t.In(loc)), nil
		},
		"errorTitle":   func(status any) string { return rd.errorText(lang, "title", status) },
		"errorMessage": func(status any) string { return rd.errorText(lang, "message", status) },
		"static":       staticURL,
		"field":        newField,
		"dict":         dict,
	}
}

// asTime accepts time.Time and *time.Time; the zero time and nil print
// nothing.
func asTime(v any) (time.Time, bool, error) {
	switch t := v.(type) {
	case time.Time:
		return t, !t.IsZero(), nil
	case *time.Time:
		if t == nil {
			return time.Time{}, false, nil
		}
		return *t, !t.IsZero(), nil
	case nil:
		return time.Time{}, false, nil
	}
	return time.Time{}, false, fmt.Errorf("date: want time.Time, got %T", v)
}

// langURL returns u (path and query only) with ?lang=target, so the switch
// keeps the person on the same page.
func langURL(target string, u *url.URL) string {
	p, q := "/", url.Values{}
	if u != nil {
		if u.Path != "" {
			p = u.Path
		}
		q = u.Query()
	}
	q.Set("lang", target)
	return (&url.URL{Path: p, RawQuery: q.Encode()}).String()
}

func dict(pairs ...any) (map[string]any, error) {
	if len(pairs)%2 != 0 {
		return nil, errors.New("dict: odd number of arguments")
	}
	m := make(map[string]any, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		k, ok := pairs[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", pairs[i])
		}
		m[k] = pairs[i+1]
	}
	return m, nil
}

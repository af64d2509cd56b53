package i18n

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func setup(t *testing.T) *Catalog {
	t.Helper()
	cat, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// TestCatalogue covers every locale file, including ones added later by other
// packages: both languages have the same keys, with the same placeholders and
// all the plural forms.
func TestCatalogue(t *testing.T) {
	cat := setup(t)
	if err := cat.Check(); err != nil {
		t.Fatal(err)
	}
	if len(cat.Keys("ru")) == 0 {
		t.Fatal("no messages loaded")
	}
}

func TestT(t *testing.T) {
	cat := setup(t)
	tests := []struct {
		lang, key string
		args      []any
		want      string
	}{
		{"ru", "common.service_name", nil, "Одно окно"},
		{"be", "common.service_name", nil, "Адно акно"},
		{"xx", "common.service_name", nil, "Одно окно"},
		{"ru", "common.footer.copyright", []any{"Year", 2026}, "© 2026 Оператор ОАИС"},
		{"be", "common.footer.copyright", []any{map[string]any{"Year": 2026}}, "© 2026 Аператар АДАІС"},
		{"ru", "no.such.key", nil, "no.such.key"},
		{"be", "no.such.key", nil, "no.such.key"},
	}
	for _, tt := range tests {
		t.Run(tt.lang+"/"+tt.key, func(t *testing.T) {
			if got := cat.T(tt.lang, tt.key, tt.args...); got != tt.want {
				t.Errorf("T(%q, %q) = %q, want %q", tt.lang, tt.key, got, tt.want)
			}
		})
	}
}

func TestPlural(t *testing.T) {
	cat := setup(t)
	tests := []struct {
		lang string
		n    int
		want string
	}{
		{"ru", 1, "1 рабочий день"},
		{"ru", 2, "2 рабочих дня"},
		{"ru", 5, "5 рабочих дней"},
		{"ru", 11, "11 рабочих дней"},
		{"ru", 21, "21 рабочий день"},
		{"ru", 0, "0 рабочих дней"},
		{"be", 1, "1 працоўны дзень"},
		{"be", 3, "3 працоўныя дні"},
		{"be", 15, "15 працоўных дзён"},
		{"be", 22, "22 працоўныя дні"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.lang, tt.n), func(t *testing.T) {
			if got := cat.Plural(tt.lang, "common.working_days", tt.n); got != tt.want {
				t.Errorf("Plural(%q, %d) = %q, want %q", tt.lang, tt.n, got, tt.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	tests := []struct{ header, want string }{
		{"", "ru"},
		{"be", "be"},
		{"be-BY,be;q=0.9,ru;q=0.8", "be"},
		{"ru-RU,ru;q=0.9,be;q=0.8", "ru"},
		{"en-US,en;q=0.9,be;q=0.5", "be"},
		{"en-US,en;q=0.9", "ru"},
		{"ru;q=0.1,be;q=0.9", "be"},
		{"de,*;q=0.5", "ru"},
		{"garbage;;;q=x", "ru"},
	}
	for _, tt := range tests {
		if got := Match(tt.header); got != tt.want {
			t.Errorf("Match(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestDate(t *testing.T) {
	cat := setup(t)
	d := time.Date(2026, time.March, 2, 9, 5, 0, 0, time.UTC)
	if got, want := cat.Date("ru", d), "2 марта 2026 г."; got != want {
		t.Errorf("ru date = %q, want %q", got, want)
	}
	if got, want := cat.DateTime("be", d), "2 сакавіка 2026 г., 09:05"; got != want {
		t.Errorf("be datetime = %q, want %q", got, want)
	}
	var keys []string
	for m := 1; m <= 12; m++ {
		keys = append(keys, fmt.Sprintf("common.date.month_%d", m))
	}
	if missing := cat.Missing(keys...); len(missing) > 0 {
		t.Errorf("missing month names: %v", missing)
	}
}

func TestMissing(t *testing.T) {
	cat := setup(t)
	got := cat.Missing("common.service_name", "nope.nothing")
	if len(got) != 2 || got[0] != "ru: nope.nothing" || got[1] != "be: nope.nothing" {
		t.Errorf("Missing = %v", got)
	}
}

func TestLoadRejects(t *testing.T) {
	ok := `{"web.a": "А"}`
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"duplicate across files", map[string]string{
			"ru/web.json": ok, "ru/other.json": `{"other.a": "x", "web.a": "y"}`,
		}, `locales/ru/web.json: key "web.a" already defined in locales/ru/other.json`},
		{"duplicate in one file", map[string]string{"ru/web.json": `{"web.a": "x", "web.a": "y"}`}, "defined twice"},
		{"undotted key", map[string]string{"ru/web.json": `{"title": "x"}`}, "not a lower-case dotted name"},
		{"upper-case key", map[string]string{"ru/web.json": `{"web.Title": "x"}`}, "not a lower-case dotted name"},
		{"unknown language", map[string]string{"ru/web.json": ok, "en/web.json": ok}, "not a supported language"},
		{"nested object", map[string]string{"ru/web.json": `{"web.a": {"b": {"c": "x"}}}`}, "must be a string"},
		{"unknown form", map[string]string{"ru/web.json": `{"web.a": {"several": "x", "other": "y"}}`}, "unknown plural form"},
		{"bad template", map[string]string{"ru/web.json": `{"web.a": "{{.N"}`}, "unclosed action"},
		{"not an object", map[string]string{"ru/web.json": `["web.a"]`}, `want "{"`},
		{"trailing data", map[string]string{"ru/web.json": `{"web.a": "x"} {}`}, "trailing data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, data := range tt.files {
				fsys[name] = &fstest.MapFile{Data: []byte(data)}
			}
			_, err := load(fsys)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("load error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestCheckFindsGaps(t *testing.T) {
	fsys := fstest.MapFS{
		"ru/web.json": {Data: []byte(`{"web.a": "А {{.N}}", "web.b": "Б", "web.p": {"one": "{{.N}} день", "few": "{{.N}} дня", "many": "{{.N}} дней", "other": "{{.N}} дня"}}`)},
		"be/web.json": {Data: []byte(`{"web.a": "А {{.M}}", "web.c": "В", "web.p": {"one": "{{.N}} дзень", "other": "{{.N}} дня"}}`)},
	}
	cat, err := load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	err = cat.Check()
	if err == nil {
		t.Fatal("Check found nothing")
	}
	for _, want := range []string{
		`be: key "web.b" (from ru/web.json) is missing`,
		`ru: key "web.c" (from be/web.json) is missing`,
		`key "web.a" has placeholders [M]`,
		`key "web.p" lacks plural form "few"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Check error lacks %q:\n%v", want, err)
		}
	}
	// The Belarusian gap falls back to Russian rather than showing the key.
	if got := cat.T("be", "web.b"); got != "Б" {
		t.Errorf("fallback = %q, want %q", got, "Б")
	}
}

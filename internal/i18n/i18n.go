// Package i18n is the message catalogue: every user-facing string of the
// service, in Russian (the default) and Belarusian.
//
// Messages live in embedded JSON files, one file per area and language:
// locales/ru/web.json, locales/be/web.json, locales/ru/identity.json, … so
// that each domain package's owner edits only their own file. Keys are
// lower-case dotted names ("web.home.title", "pin.check_digit"); by habit a
// key starts with its area, and the loader rejects a key that two files (or
// one file twice) define.
//
// A value is either a string or, for counts, an object of CLDR plural forms
// ("one", "few", "many", "other"; Russian and Belarusian need all four) with an
// optional "description" for translators. Placeholders are text/template
// fields: "Осталось {{.N}} дней". TestCatalogue checks that every key exists in
// both languages with the same placeholders, so a new file is covered without
// writing a test for it.
package i18n

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"regexp"
	"slices"
	texttemplate "text/template"
	"time"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Default is the language used when nothing better is known.
const Default = "ru"

// Langs are the supported languages in display order, Default first.
var Langs = []string{"ru", "be"}

//go:embed locales
var locales embed.FS

// pluralForms are the CLDR categories a message object may define.
var pluralForms = []string{"zero", "one", "two", "few", "many", "other"}

// requiredForms are the plural categories Russian and Belarusian use for
// integers and fractions; a plural message must define all of them.
var requiredForms = []string{"one", "few", "many", "other"}

var keyRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)

// message is one entry of a locale file as written.
type message struct {
	file   string            // path inside the locales tree, for error messages
	forms  map[string]string // "other" alone for a plain string
	plural bool
}

// Catalog holds the parsed messages of all languages. It is safe for
// concurrent use.
type Catalog struct {
	msgs map[string]map[string]*message // lang → key → message
	loc  map[string]*goi18n.Localizer
}

// New loads the embedded catalogue. It fails on a malformed file, a
// malformed key, a key defined twice, an unknown language folder or
// a template that does not parse.
func New() (*Catalog, error) {
	sub, err := fs.Sub(locales, "locales")
	if err != nil {
		return nil, fmt.Errorf("i18n: %w", err)
	}
	return load(sub)
}

func load(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{
		msgs: map[string]map[string]*message{},
		loc:  map[string]*goi18n.Localizer{},
	}
	bundle := goi18n.NewBundle(language.MustParse(Default))

	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("i18n: read locales: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() || !Supported(e.Name()) {
			return nil, fmt.Errorf("i18n: locales/%s: not a supported language folder (want one of %v)", e.Name(), Langs)
		}
	}

	var errs []error
	for _, lang := range Langs {
		c.msgs[lang] = map[string]*message{}
		files, err := fs.Glob(fsys, lang+"/*.json")
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		for _, name := range files {
			data, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, fmt.Errorf("i18n: %w", err)
			}
			msgs, err := parseFile(data)
			if err != nil {
				errs = append(errs, fmt.Errorf("locales/%s: %w", name, err))
				continue
			}
			for _, key := range slices.Sorted(maps.Keys(msgs)) {
				m := msgs[key]
				m.file = name
				if !keyRE.MatchString(key) {
					errs = append(errs, fmt.Errorf("locales/%s: key %q is not a lower-case dotted name like \"area.thing\"", name, key))
					continue
				}
				if prev, ok := c.msgs[lang][key]; ok {
					errs = append(errs, fmt.Errorf("locales/%s: key %q already defined in locales/%s", name, key, prev.file))
					continue
				}
				for form, text := range m.forms {
					if _, err := texttemplate.New(key).Parse(text); err != nil {
						errs = append(errs, fmt.Errorf("locales/%s: key %q form %q: %w", name, key, form, err))
					}
				}
				c.msgs[lang][key] = m
			}
		}
		tag := language.MustParse(lang)
		for key, m := range c.msgs[lang] {
			gm := &goi18n.Message{
				ID:    key,
				Zero:  m.forms["zero"],
				One:   m.forms["one"],
				Two:   m.forms["two"],
				Few:   m.forms["few"],
				Many:  m.forms["many"],
				Other: m.forms["other"],
			}
			if err := bundle.AddMessages(tag, gm); err != nil {
				errs = append(errs, fmt.Errorf("i18n: %s %q: %w", lang, key, err))
			}
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("i18n: load catalogue: %w", errors.Join(errs...))
	}
	for _, lang := range Langs {
		c.loc[lang] = goi18n.NewLocalizer(bundle, lang)
	}
	return c, nil
}

// parseFile decodes one locale file, rejecting duplicate keys (which
// encoding/json would silently merge) and anything but strings and plural
// objects.
func parseFile(data []byte) (map[string]*message, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	out := map[string]*message{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key := tok.(string) // object keys are always strings
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("key %q defined twice", key)
		}
		tok, err = dec.Token()
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", key, err)
		}
		switch v := tok.(type) {
		case string:
			out[key] = &message{forms: map[string]string{"other": v}}
		case json.Delim:
			if v != '{' {
				return nil, fmt.Errorf("key %q: want a string or an object of plural forms", key)
			}
			m := &message{forms: map[string]string{}, plural: true}
			seen := map[string]bool{}
			for dec.More() {
				ft, err := dec.Token()
				if err != nil {
					return nil, fmt.Errorf("key %q: %w", key, err)
				}
				form := ft.(string)
				if seen[form] {
					return nil, fmt.Errorf("key %q: form %q defined twice", key, form)
				}
				seen[form] = true
				vt, err := dec.Token()
				if err != nil {
					return nil, fmt.Errorf("key %q: %w", key, err)
				}
				text, ok := vt.(string)
				if !ok {
					return nil, fmt.Errorf("key %q: form %q must be a string", key, form)
				}
				switch {
				case form == "description":
				case slices.Contains(pluralForms, form):
					m.forms[form] = text
				default:
					return nil, fmt.Errorf("key %q: unknown plural form %q (want %v or description)", key, form, pluralForms)
				}
			}
			if err := expectDelim(dec, '}'); err != nil {
				return nil, fmt.Errorf("key %q: %w", key, err)
			}
			if m.forms["other"] == "" {
				return nil, fmt.Errorf("key %q: a plural object needs at least \"other\"", key)
			}
			out[key] = m
		default:
			return nil, fmt.Errorf("key %q: want a string or an object of plural forms, got %v", key, tok)
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the top-level object")
	}
	return out, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %q, got %v", want, tok)
	}
	return nil
}

// Supported reports whether lang is one of Langs.
func Supported(lang string) bool {
	return slices.Contains(Langs, lang)
}

// Match picks the supported language a browser prefers from an
// Accept-Language header, in the header's order of quality. Any regional
// variant counts ("be-BY" is "be"); a header naming neither language, or a
// malformed one, gives Default.
func Match(acceptLanguage string) string {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil {
		return Default
	}
	for _, tag := range tags {
		base, _ := tag.Base()
		if Supported(base.String()) {
			return base.String()
		}
	}
	return Default
}

// T translates key into lang. args are template data for placeholders:
// either key/value pairs ("N", 5, "Name", "…") or a single map or struct.
// A key missing in lang falls back to Default; a key missing everywhere comes
// back as itself, so the gap shows on the page and in tests instead of
// failing the request.
func (c *Catalog) T(lang, key string, args ...any) string {
	return c.localize(lang, key, nil, args)
}

// Plural translates a message with plural forms for the count n, chosen by
// the CLDR rules of lang (in Russian 1 день, 2 дня, 5 дней, 21 день). The
// count is also available to the message as {{.N}}.
func (c *Catalog) Plural(lang, key string, n int, args ...any) string {
	return c.localize(lang, key, n, args)
}

func (c *Catalog) localize(lang, key string, count any, args []any) string {
	loc, ok := c.loc[lang]
	if !ok {
		loc = c.loc[Default]
	}
	data := templateData(args)
	if count != nil {
		m, ok := data.(map[string]any)
		if !ok {
			m = map[string]any{}
		}
		m["N"] = count
		data = m
	}
	s, err := loc.Localize(&goi18n.LocalizeConfig{MessageID: key, TemplateData: data, PluralCount: count})
	if s == "" && err != nil {
		return key
	}
	return s
}

func templateData(args []any) any {
	switch len(args) {
	case 0:
		return nil
	case 1:
		if m, ok := args[0].(map[string]any); ok {
			return maps.Clone(m)
		}
		return args[0]
	}
	m := make(map[string]any, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		m[fmt.Sprint(args[i])] = args[i+1]
	}
	return m
}

// Has reports whether key is defined in lang itself (without fallback).
func (c *Catalog) Has(lang, key string) bool {
	_, ok := c.msgs[lang][key]
	return ok
}

// Keys lists the keys defined in lang, sorted.
func (c *Catalog) Keys(lang string) []string {
	return slices.Sorted(maps.Keys(c.msgs[lang]))
}

// Missing returns "lang: key" for each of keys that some language lacks;
// code that builds keys at run time uses it in tests (see i18ntest.MustHave).
func (c *Catalog) Missing(keys ...string) []string {
	var out []string
	for _, key := range keys {
		for _, lang := range Langs {
			if !c.Has(lang, key) {
				out = append(out, lang+": "+key)
			}
		}
	}
	return out
}

var placeholderRE = regexp.MustCompile(`\{\{[^}]*?\.([A-Za-z_][A-Za-z0-9_]*)[^}]*\}\}`)

// placeholders returns the sorted set of template fields a message uses in
// any of its forms.
func placeholders(m *message) []string {
	set := map[string]bool{}
	for _, text := range m.forms {
		for _, sub := range placeholderRE.FindAllStringSubmatch(text, -1) {
			set[sub[1]] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// Check returns every inconsistency between the languages: a key missing in
// one, different placeholders, a plural message without all the forms its
// language needs, or a plural message in one language and a plain one in
// another. The catalogue's own test calls it; nil means consistent.
func (c *Catalog) Check() error {
	var errs []error
	all := map[string]bool{}
	for _, lang := range Langs {
		for key := range c.msgs[lang] {
			all[key] = true
		}
	}
	keys := slices.Sorted(maps.Keys(all))
	for _, key := range keys {
		ref := c.msgs[Default][key]
		for _, lang := range Langs {
			m, ok := c.msgs[lang][key]
			if !ok {
				other := ref
				if other == nil {
					other = c.msgs[Langs[1]][key]
				}
				errs = append(errs, fmt.Errorf("%s: key %q (from %s) is missing", lang, key, other.file))
				continue
			}
			if m.plural {
				for _, f := range requiredForms {
					if m.forms[f] == "" {
						errs = append(errs, fmt.Errorf("%s: key %q lacks plural form %q", m.file, key, f))
					}
				}
			}
			if ref == nil || lang == Default {
				continue
			}
			if m.plural != ref.plural {
				errs = append(errs, fmt.Errorf("%s: key %q is plural in one language and plain in another", m.file, key))
			}
			if a, b := placeholders(ref), placeholders(m); !slices.Equal(a, b) {
				errs = append(errs, fmt.Errorf("%s: key %q has placeholders %v, %s has %v", m.file, key, b, ref.file, a))
			}
		}
	}
	return errors.Join(errs...)
}

// Date formats t as a long date in lang ("2 января 2026 г."), in t's own
// location; the caller converts to the zone it shows.
func (c *Catalog) Date(lang string, t time.Time) string {
	return c.T(lang, "common.date.long",
		"Day", t.Day(),
		"Month", c.T(lang, fmt.Sprintf("common.date.month_%d", int(t.Month()))),
		"Year", t.Year())
}

// DateTime formats t as a long date and a 24-hour time ("2 января 2026 г., 09:05").
func (c *Catalog) DateTime(lang string, t time.Time) string {
	return c.T(lang, "common.date.datetime", "Date", c.Date(lang, t), "Time", t.Format("15:04"))
}

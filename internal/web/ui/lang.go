package ui

import (
	"context"
	"net/http"

	"odnookno/internal/i18n"
)

// LangCookie is the cookie that remembers a language chosen with ?lang=.
const LangCookie = "lang"

type langKey struct{}

// WithLang returns ctx carrying lang as the request's language.
func WithLang(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, langKey{}, lang)
}

// Lang is the language of the request: the one LangMiddleware chose, or, for
// a request that did not pass through it, the same choice made afresh.
func Lang(r *http.Request) string {
	if lang, ok := r.Context().Value(langKey{}).(string); ok {
		return lang
	}
	lang, _ := detect(r)
	return lang
}

// detect applies the order of preference: ?lang=, the cookie,
// Accept-Language, Default. fromQuery is true when the query chose.
func detect(r *http.Request) (lang string, fromQuery bool) {
	if q := r.URL.Query().Get("lang"); i18n.Supported(q) {
		return q, true
	}
	if c, err := r.Cookie(LangCookie); err == nil && i18n.Supported(c.Value) {
		return c.Value, false
	}
	return i18n.Match(r.Header.Get("Accept-Language")), false
}

// LangMiddleware stores the request's language in its context. A language
// chosen with ?lang= (the language switch, which is a plain link) is also
// remembered in a cookie for a year, so the next pages keep it without the
// parameter.
func LangMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang, fromQuery := detect(r)
		if fromQuery {
			if c, err := r.Cookie(LangCookie); err != nil || c.Value != lang {
				http.SetCookie(w, &http.Cookie{
					Name:     LangCookie,
					Value:    lang,
					Path:     "/",
					MaxAge:   365 * 24 * 60 * 60,
					HttpOnly: true,
					Secure:   r.TLS != nil,
					SameSite: http.SameSiteLaxMode,
				})
			}
		}
		next.ServeHTTP(w, r.WithContext(WithLang(r.Context(), lang)))
	})
}

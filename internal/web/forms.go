package web

import (
	"errors"
	"net/http"

	"odnookno/internal/fault"
	"odnookno/internal/web/ui"
)

// FormErrors turns a domain error into the messages a form shows: one per
// field for invalid input, or one general message (linked to fallback) for
// any other error with a catalogue code. It returns nil for errors that are
// not the user's to fix; the caller then fails the request.
func (s *Server) FormErrors(r *http.Request, err error, fallback string) ui.Errors {
	var fe *fault.Error
	if !errors.As(err, &fe) {
		return nil
	}
	lang := ui.Lang(r)
	var out ui.Errors
	for _, f := range fe.Fields {
		field := f.Field
		if field == "" {
			field = fallback
		}
		out.Add(field, s.Catalog.T(lang, f.Code, f.Params))
	}
	if len(out) == 0 {
		out.Add(fallback, s.Catalog.T(lang, fe.Code, fe.Params))
	}
	return out
}

// T translates key in the request's language.
func (s *Server) T(r *http.Request, key string, args ...any) string {
	return s.Catalog.T(ui.Lang(r), key, args...)
}

// Render renders a page.
func (s *Server) Render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	w.Header().Set("Cache-Control", "no-store")
	s.UI.Render(w, r, status, page, data)
}

// safeNext keeps a post-login redirect on this site.
func safeNext(next, def string) string {
	if len(next) > 1 && next[0] == '/' && next[1] != '/' && next[1] != '\\' {
		return next
	}
	return def
}

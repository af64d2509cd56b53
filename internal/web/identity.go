package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strings"

	"odnookno/internal/audit"
	"odnookno/internal/auth"
	"odnookno/internal/fault"
	"odnookno/internal/identity"
	"odnookno/internal/web/ui"
)

// This file holds what the citizen's cabinet (IdentityCabinet) and the
// issuance service's workspace (IdentityIssuance) share: the client of a
// request, one-off notices after a redirect, JSON bodies and the
// localisation of the identity error parameters.

// uidClient is the identity service's view of the request's client.
func uidClient(r *http.Request) identity.Client {
	return identity.Client{Addr: clientIP(r), UserAgent: r.UserAgent(), Lang: ui.Lang(r)}
}

// uidFlashCookie carries a notice to the page after a redirect (the
// post/redirect/get pattern). It holds a catalogue key from uidFlashKeys
// and its parameters, never free text, so it cannot be used to put words
// on the site.
const uidFlashCookie = "odk_flash"

// uidFlashKeys are the notices the identity pages may show after a redirect.
var uidFlashKeys = map[string]bool{
	"cabinet.flash.password_set":      true,
	"cabinet.flash.password_changed":  true,
	"cabinet.flash.phone_changed":     true,
	"cabinet.flash.blocked":           true,
	"cabinet.flash.unblocked":         true,
	"cabinet.flash.recovered":         true,
	"cabinet.flash.code_sent":         true,
	"cabinet.flash.logged_out":        true,
	"issuance.flash.created":          true,
	"issuance.flash.registry_checked": true,
	"issuance.flash.code_sent":        true,
	"issuance.flash.phone_confirmed":  true,
}

// uidSetFlash remembers a notice for the next page.
func uidSetFlash(w http.ResponseWriter, r *http.Request, key string, params map[string]string) {
	v := url.Values{"k": {key}}
	for k, p := range params {
		v.Set("p_"+k, p)
	}
	http.SetCookie(w, &http.Cookie{Name: uidFlashCookie, Value: v.Encode(), Path: "/", MaxAge: 60, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

// uidPopFlash moves a remembered notice into the request's context, where
// the layout shows it, and forgets it.
func (s *Server) uidPopFlash(w http.ResponseWriter, r *http.Request) *http.Request {
	c, err := r.Cookie(uidFlashCookie)
	if err != nil {
		return r
	}
	http.SetCookie(w, &http.Cookie{Name: uidFlashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	v, err := url.ParseQuery(c.Value)
	key := v.Get("k")
	if err != nil || !uidFlashKeys[key] {
		return r
	}
	params := map[string]any{}
	for k := range v {
		if p, ok := strings.CutPrefix(k, "p_"); ok {
			params[p] = v.Get(k)
		}
	}
	n := ui.Notice{Kind: "success", Text: s.T(r, key, params)}
	return r.WithContext(ui.WithFlash(r.Context(), n))
}

// uidDecode reads a JSON request body into v; unknown fields and
// trailing data are errors, so typos do not pass silently.
func uidDecode(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fault.New(fault.Invalid, "error.invalid", nil)
	}
	if dec.More() {
		return fault.New(fault.Invalid, "error.invalid", nil)
	}
	return nil
}

// uidLocalize rewrites the parameters of identity errors that name things
// (the fields that did not match the register) into the request's
// language, so the message reads as a sentence.
func (s *Server) uidLocalize(r *http.Request, err error) error {
	var fe *fault.Error
	if !errors.As(err, &fe) {
		return err
	}
	out := *fe
	out.Params = s.uidParams(r, fe.Params)
	out.Fields = nil
	for _, f := range fe.Fields {
		f.Params = s.uidParams(r, f.Params)
		out.Fields = append(out.Fields, f)
	}
	return &out
}

func (s *Server) uidParams(r *http.Request, p map[string]any) map[string]any {
	var fields []string
	switch v := p["fields"].(type) {
	case []string:
		fields = v
	case []any: // a refusal read back from its JSON column
		for _, f := range v {
			fields = append(fields, fmt.Sprint(f))
		}
	default:
		return p
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = s.T(r, "issuance.field."+f)
	}
	out := maps.Clone(p)
	out["fields"] = strings.Join(names, ", ")
	return out
}

// uidMessage is the localized text of a catalogue code with parameters.
func (s *Server) uidMessage(r *http.Request, code string, params map[string]any) string {
	return s.T(r, code, s.uidParams(r, params))
}

// uidFormErrors is FormErrors with the identity parameters localized.
func (s *Server) uidFormErrors(r *http.Request, err error, fallback string) ui.Errors {
	return s.FormErrors(r, s.uidLocalize(r, err), fallback)
}

// uidFail is Fail with the identity parameters localized.
func (s *Server) uidFail(w http.ResponseWriter, r *http.Request, err error) {
	s.Fail(w, r, s.uidLocalize(r, err))
}

type citizenKey struct{}

type citizenCtx struct {
	citizen identity.Citizen
	session auth.Session
	token   string
}

// CitizenFrom returns the citizen of an authenticated cabinet request.
func CitizenFrom(ctx context.Context) (identity.Citizen, bool) {
	c, ok := ctx.Value(citizenKey{}).(citizenCtx)
	return c.citizen, ok
}

func citizenSession(ctx context.Context) citizenCtx {
	c, _ := ctx.Value(citizenKey{}).(citizenCtx)
	return c
}

// RequireCitizen lets through a citizen with a live session whose UID is
// not blocked, in one of stages (auth.StageFull when none are given). A
// page request without one goes to the login page, one that must first
// replace a temporary password to that form; the API answers 401 or 403.
// Other areas of the cabinet use it for their routes.
func (s *Server) RequireCitizen(ids *identity.Service, h http.HandlerFunc, stages ...string) http.HandlerFunc {
	if len(stages) == 0 {
		stages = []string{auth.StageFull}
	}
	return func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.Session(r, auth.Citizen)
		var c identity.Citizen
		if err == nil {
			c, err = ids.SessionCitizen(r.Context(), sess)
		}
		if errors.Is(err, auth.ErrNoSession) {
			if isAPI(r) {
				s.Fail(w, r, fault.New(fault.Unauthorized, "error.unauthorized", nil))
				return
			}
			s.ClearSession(w, r, auth.Citizen)
			http.Redirect(w, r, "/cabinet/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		allowed := false
		for _, st := range stages {
			allowed = allowed || st == sess.Stage
		}
		if !allowed {
			switch {
			case isAPI(r) && sess.Stage == auth.StageChangePassword:
				s.Fail(w, r, fault.New(fault.Forbidden, "uid.must_change_password", nil))
			case isAPI(r):
				s.Fail(w, r, fault.New(fault.Forbidden, "error.forbidden", nil))
			case sess.Stage == auth.StageChangePassword:
				http.Redirect(w, r, "/cabinet/password/new", http.StatusSeeOther)
			default:
				http.Redirect(w, r, "/cabinet", http.StatusSeeOther)
			}
			return
		}
		ctx := context.WithValue(r.Context(), citizenKey{}, citizenCtx{citizen: c, session: sess, token: SessionToken(r, auth.Citizen)})
		ctx = audit.WithActor(ctx, c.Actor())
		h(w, r.WithContext(ctx))
	}
}

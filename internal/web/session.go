package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"odnookno/internal/audit"
	"odnookno/internal/auth"
	"odnookno/internal/fault"
	"odnookno/internal/org"
)

// Cookies: citizens and staff have separate sessions, so an officer who is
// also a citizen never mixes the two on one browser.
const (
	CitizenCookie = "odk_citizen"
	StaffCookie   = "odk_staff"
)

func cookieName(kind string) string {
	if kind == auth.Staff {
		return StaffCookie
	}
	return CitizenCookie
}

// SetSession stores a session token in the browser.
func (s *Server) SetSession(w http.ResponseWriter, r *http.Request, kind, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: cookieName(kind), Value: token, Path: "/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode,
	})
}

// ClearSession removes the session cookie.
func (s *Server) ClearSession(w http.ResponseWriter, r *http.Request, kind string) {
	http.SetCookie(w, &http.Cookie{Name: cookieName(kind), Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

// SessionToken returns the request's token of kind: the cookie, or for the
// API a bearer token.
func SessionToken(r *http.Request, kind string) string {
	if c, err := r.Cookie(cookieName(kind)); err == nil {
		return c.Value
	}
	if h := r.Header.Get("Authorization"); len(h) > 7 && h[:7] == "Bearer " && isAPI(r) {
		return h[7:]
	}
	return ""
}

// Session returns the live session of kind, or auth.ErrNoSession.
func (s *Server) Session(r *http.Request, kind string) (auth.Session, error) {
	sess, err := s.Sessions.Lookup(r.Context(), SessionToken(r, kind))
	if err != nil {
		return sess, err
	}
	if sess.Kind != kind {
		return auth.Session{}, auth.ErrNoSession
	}
	return sess, nil
}

type staffKey struct{}

// StaffFrom returns the staff member of an authenticated staff request.
func StaffFrom(ctx context.Context) (org.Staff, bool) {
	st, ok := ctx.Value(staffKey{}).(org.Staff)
	return st, ok
}

// RequireStaff lets through staff holding any of roles (any staff when
// none are given), records them as the audit actor, and otherwise sends a
// page request to the login page and an API request a 401/403.
func (s *Server) RequireStaff(h http.HandlerFunc, roles ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.Session(r, auth.Staff)
		if err != nil {
			if isAPI(r) {
				s.Fail(w, r, fault.New(fault.Unauthorized, "error.unauthorized", nil))
				return
			}
			http.Redirect(w, r, "/staff/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		st, err := s.Org.StaffByID(r.Context(), parseID(sess.SubjectID))
		if err != nil || st.Status != "active" || st.Body.Status != "active" {
			s.ClearSession(w, r, auth.Staff)
			s.Fail(w, r, fault.New(fault.Unauthorized, "error.unauthorized", nil))
			return
		}
		role := ""
		for _, want := range roles {
			if st.Has(want) {
				role = want
				break
			}
		}
		if len(roles) > 0 && role == "" {
			s.Error(w, r, http.StatusForbidden)
			return
		}
		if role == "" && len(st.Roles) > 0 {
			role = st.Roles[0]
		}
		ctx := context.WithValue(r.Context(), staffKey{}, st)
		ctx = audit.WithActor(ctx, st.Actor(role))
		h(w, r.WithContext(ctx))
	}
}

// HasRole reports whether the request's staff member holds role.
func HasRole(r *http.Request, role string) bool {
	st, ok := StaffFrom(r.Context())
	return ok && slices.Contains(st.Roles, role)
}

func parseID(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

package web

import (
	"database/sql"
	"fmt"
	"net/http"

	"odnookno/internal/audit"
	"odnookno/internal/auth"
	"odnookno/internal/web/ui"
)

func (s *Server) staffRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /staff/login", s.staffLoginForm)
	mux.HandleFunc("POST /staff/login", s.staffLogin)
	mux.HandleFunc("POST /staff/logout", s.staffLogout)
	mux.HandleFunc("GET /staff", s.RequireStaff(s.staffHome))
	mux.HandleFunc("GET /staff/{$}", s.RequireStaff(s.staffHome))
}

type staffLoginPage struct {
	ui.Errors
	Login string
	Next  string
}

func (s *Server) staffLoginForm(w http.ResponseWriter, r *http.Request) {
	s.Render(w, r, http.StatusOK, "staff_login", staffLoginPage{Next: r.URL.Query().Get("next")})
}

func (s *Server) staffLogin(w http.ResponseWriter, r *http.Request) {
	login, password, next := r.PostFormValue("login"), r.PostFormValue("password"), r.PostFormValue("next")
	page := staffLoginPage{Login: login, Next: next}
	if login == "" {
		page.Errors.Add("login", s.T(r, "staff.login_required"))
	}
	if password == "" {
		page.Errors.Add("password", s.T(r, "staff.password_required"))
	}
	if len(page.Errors) > 0 {
		s.Render(w, r, http.StatusUnprocessableEntity, "staff_login", page)
		return
	}
	st, err := s.Org.Authenticate(r.Context(), login, password)
	if err != nil {
		if fe := s.FormErrors(r, err, "login"); fe != nil {
			page.Errors = fe
			s.Render(w, r, StatusOf(err), "staff_login", page)
			return
		}
		s.Fail(w, r, err)
		return
	}
	var token string
	err = s.DB.Tx(r.Context(), func(tx *sql.Tx) error {
		var err error
		token, _, err = s.Sessions.Create(r.Context(), tx, auth.Staff, fmt.Sprint(st.ID), auth.StageFull, clientIP(r), r.UserAgent())
		if err != nil {
			return err
		}
		role := ""
		if len(st.Roles) > 0 {
			role = st.Roles[0]
		}
		_, err = s.Audit.Append(r.Context(), tx, audit.Entry{Actor: st.Actor(role), Action: "staff.login", ObjectType: "staff", ObjectID: st.Login})
		return err
	})
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.SetSession(w, r, auth.Staff, token)
	http.Redirect(w, r, safeNext(next, "/staff"), http.StatusSeeOther)
}

func (s *Server) staffLogout(w http.ResponseWriter, r *http.Request) {
	if token := SessionToken(r, auth.Staff); token != "" {
		err := s.DB.Tx(r.Context(), func(tx *sql.Tx) error {
			return s.Sessions.Revoke(r.Context(), tx, token, "logout")
		})
		if err != nil {
			s.Fail(w, r, err)
			return
		}
	}
	s.ClearSession(w, r, auth.Staff)
	http.Redirect(w, r, "/staff/login", http.StatusSeeOther)
}

// StaffLink is one entry of the workspace menu, shown to the roles it names.
type StaffLink struct {
	Href  string
	Title string // catalogue key
	Hint  string // catalogue key
	Roles []string
}

// AddStaffLink registers a workspace menu entry; areas call it from Routes.
func (s *Server) AddStaffLink(l StaffLink) { s.staffLinks = append(s.staffLinks, l) }

type staffHomePage struct {
	Name     string
	Position string
	Body     string
	Roles    []string
	Links    []StaffLink
}

func (s *Server) staffHome(w http.ResponseWriter, r *http.Request) {
	st, _ := StaffFrom(r.Context())
	p := staffHomePage{Name: st.FullName, Position: st.Position, Body: st.Body.Name(ui.Lang(r)), Roles: st.Roles}
	for _, l := range s.staffLinks {
		for _, role := range l.Roles {
			if st.Has(role) {
				p.Links = append(p.Links, l)
				break
			}
		}
	}
	s.Render(w, r, http.StatusOK, "staff_home", p)
}

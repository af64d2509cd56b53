package web

import (
	"net/http"
	"strconv"

	"odnookno/internal/identity"
	"odnookno/internal/org"
	"odnookno/internal/web/ui"
)

// IdentityIssuance is the issuance service's workspace (служба выдачи):
// the written application of the annex form and the officer's steps on it
// — the register check, the phone code, the last check of every condition
// and the result (R637-UID p. 4–8, 11–13). Pages under /staff/uid, JSON
// under /api/v1/uid-applications; only staff with the issuance role of
// the office that took the application see it.
type IdentityIssuance struct {
	ID *identity.Service
}

type uidIssuance struct {
	s  *Server
	id *identity.Service
}

// Routes lists every route of the area.
func (a *IdentityIssuance) Routes(s *Server, mux *http.ServeMux) {
	i := &uidIssuance{s: s, id: a.ID}
	officer := func(h http.HandlerFunc) http.HandlerFunc { return s.RequireStaff(h, org.RoleIssuance) }
	mux.HandleFunc("GET /staff/uid", officer(i.list))
	mux.HandleFunc("GET /staff/uid/new", officer(i.newForm))
	mux.HandleFunc("POST /staff/uid", officer(i.create))
	mux.HandleFunc("GET /staff/uid/{id}", officer(i.show))
	mux.HandleFunc("POST /staff/uid/{id}/registry-check", officer(i.step("registry_check")))
	mux.HandleFunc("POST /staff/uid/{id}/phone-code", officer(i.step("phone_code")))
	mux.HandleFunc("POST /staff/uid/{id}/phone-confirm", officer(i.step("phone_confirm")))
	mux.HandleFunc("POST /staff/uid/{id}/complete", officer(i.step("complete")))
	mux.HandleFunc("GET /staff/uid/{id}/paper", officer(i.paper))

	mux.HandleFunc("GET /api/v1/uid-applications", officer(i.apiList))
	mux.HandleFunc("POST /api/v1/uid-applications", officer(i.apiCreate))
	mux.HandleFunc("GET /api/v1/uid-applications/{id}", officer(i.apiShow))
	mux.HandleFunc("POST /api/v1/uid-applications/{id}/registry-check", officer(i.apiStep("registry_check")))
	mux.HandleFunc("POST /api/v1/uid-applications/{id}/phone-code", officer(i.apiStep("phone_code")))
	mux.HandleFunc("POST /api/v1/uid-applications/{id}/phone-confirm", officer(i.apiStep("phone_confirm")))
	mux.HandleFunc("POST /api/v1/uid-applications/{id}/complete", officer(i.apiStep("complete")))
	mux.HandleFunc("GET /api/v1/uid-applications/{id}/paper", officer(i.paper))

	s.AddStaffLink(StaffLink{Href: "/staff/uid", Title: "issuance.link.title", Hint: "issuance.link.hint", Roles: []string{org.RoleIssuance}})
}

// office is the issuance service the staff member works for, named in the
// language of the application's paper.
func (i *uidIssuance) office(r *http.Request, lang string) identity.Office {
	st, _ := StaffFrom(r.Context())
	return identity.Office{Code: st.Body.Code, Name: st.Body.Name(lang), Address: st.Body.Address}
}

func (i *uidIssuance) officeCode(r *http.Request) string {
	st, _ := StaffFrom(r.Context())
	return st.Body.Code
}

type uidListPage struct {
	Items []identity.ApplicationSummary
}

func (i *uidIssuance) list(w http.ResponseWriter, r *http.Request) {
	items, err := i.id.Applications(r.Context(), i.officeCode(r), 50)
	if err != nil {
		i.s.Fail(w, r, err)
		return
	}
	i.s.Render(w, r, http.StatusOK, "issuance_list", uidListPage{Items: items})
}

type uidNewPage struct {
	uidForm
	In    identity.ApplicationInput
	Kinds []identity.Kind
}

func (i *uidIssuance) newForm(w http.ResponseWriter, r *http.Request) {
	in := identity.ApplicationInput{Kind: r.URL.Query().Get("kind"), Lang: ui.Lang(r)}
	i.s.Render(w, r, http.StatusOK, "issuance_new", &uidNewPage{In: in, Kinds: identity.Kinds})
}

func formInput(r *http.Request) identity.ApplicationInput {
	return identity.ApplicationInput{
		Kind: r.PostFormValue("kind"), Surname: r.PostFormValue("surname"), Name: r.PostFormValue("name"),
		Patronymic: r.PostFormValue("patronymic"), BirthDate: r.PostFormValue("birth_date"), PIN: r.PostFormValue("pin"),
		Phone: r.PostFormValue("phone"), Lang: r.PostFormValue("lang"), DocumentPresented: r.PostFormValue("document_presented") == "yes",
	}
}

func (i *uidIssuance) create(w http.ResponseWriter, r *http.Request) {
	in := formInput(r)
	a, err := i.id.CreateApplication(r.Context(), i.office(r, in.Lang), in)
	if err != nil {
		p := &uidNewPage{In: in, Kinds: identity.Kinds}
		if fe := i.s.uidFormErrors(r, err, "kind"); fe != nil {
			p.Errors = fe
			i.s.Render(w, r, StatusOf(err), "issuance_new", p)
			return
		}
		i.s.Fail(w, r, err)
		return
	}
	uidSetFlash(w, r, "issuance.flash.created", map[string]string{"number": a.Number()})
	http.Redirect(w, r, "/staff/uid/"+strconv.FormatInt(a.ID, 10), http.StatusSeeOther)
}

type uidAppPage struct {
	uidForm
	A       identity.Application
	Refusal string // the localized reason of a refused application
}

func appID(r *http.Request) int64 {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return -1
	}
	return id
}

func (i *uidIssuance) render(w http.ResponseWriter, r *http.Request, status int, a identity.Application, errs ui.Errors) {
	p := &uidAppPage{A: a}
	p.Errors = errs
	if a.RefusalCode != "" {
		p.Refusal = i.s.uidMessage(r, a.RefusalCode, a.RefusalParams)
	}
	i.s.Render(w, r, status, "issuance_application", p)
}

func (i *uidIssuance) show(w http.ResponseWriter, r *http.Request) {
	r = i.s.uidPopFlash(w, r)
	a, err := i.id.ReadApplication(r.Context(), i.officeCode(r), appID(r))
	if err != nil {
		i.s.Fail(w, r, err)
		return
	}
	i.render(w, r, http.StatusOK, a, nil)
}

// run does one step of the officer's work.
func (i *uidIssuance) run(r *http.Request, step, code string) (identity.Application, error) {
	office, id, ctx := i.officeCode(r), appID(r), r.Context()
	switch step {
	case "registry_check":
		return i.id.CheckRegistry(ctx, office, id)
	case "phone_code":
		return i.id.SendPhoneCode(ctx, office, id)
	case "phone_confirm":
		return i.id.ConfirmPhone(ctx, office, id, code)
	default:
		return i.id.Complete(ctx, office, id)
	}
}

var uidStepFlash = map[string]string{
	"registry_check": "issuance.flash.registry_checked",
	"phone_code":     "issuance.flash.code_sent",
	"phone_confirm":  "issuance.flash.phone_confirmed",
}

func (i *uidIssuance) step(step string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, err := i.run(r, step, r.PostFormValue("code"))
		if err != nil {
			fe := i.s.uidFormErrors(r, err, "step")
			if fe == nil {
				i.s.Fail(w, r, err)
				return
			}
			// A refusal is stored with the application; its page says why.
			a, rerr := i.id.ReadApplication(r.Context(), i.officeCode(r), appID(r))
			if rerr != nil {
				i.s.Fail(w, r, rerr)
				return
			}
			if a.State == identity.StateRefused {
				fe = nil
			}
			i.render(w, r, StatusOf(err), a, fe)
			return
		}
		// The completed application's page says the result itself.
		if key := uidStepFlash[step]; key != "" {
			uidSetFlash(w, r, key, map[string]string{"phone": a.Phone.Masked(), "number": a.Number()})
		}
		http.Redirect(w, r, "/staff/uid/"+strconv.FormatInt(a.ID, 10), http.StatusSeeOther)
	}
}

// paper is the printed application for the citizen's signature.
func (i *uidIssuance) paper(w http.ResponseWriter, r *http.Request) {
	a, pdf, err := i.id.ApplicationPaper(r.Context(), i.officeCode(r), appID(r))
	if err != nil {
		i.s.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="uid-application-`+a.Number()+`.pdf"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(pdf)
}

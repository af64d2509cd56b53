package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/auth"
	"odnookno/internal/identity"
	"odnookno/internal/web/ui"
)

// IdentityCabinet is the citizen's side of the unique identifier: login,
// the static password that replaces a temporary one, password and phone
// changes, blocking, unblocking from the login page, password recovery and
// the history (R637-UID p. 9–13). Pages under /cabinet, JSON under
// /api/v1/citizen.
type IdentityCabinet struct {
	ID *identity.Service
}

// uidCabinet holds the handlers.
type uidCabinet struct {
	s  *Server
	id *identity.Service
}

// Routes lists every route of the area.
func (a *IdentityCabinet) Routes(s *Server, mux *http.ServeMux) {
	c := &uidCabinet{s: s, id: a.ID}
	full := func(h http.HandlerFunc) http.HandlerFunc { return s.RequireCitizen(a.ID, h) }
	either := func(h http.HandlerFunc) http.HandlerFunc {
		return s.RequireCitizen(a.ID, h, auth.StageFull, auth.StageChangePassword)
	}
	temp := func(h http.HandlerFunc) http.HandlerFunc { return s.RequireCitizen(a.ID, h, auth.StageChangePassword) }

	mux.HandleFunc("GET /cabinet", full(c.home))
	mux.HandleFunc("GET /cabinet/{$}", full(c.home))
	mux.HandleFunc("GET /cabinet/history", full(c.history))
	mux.HandleFunc("GET /cabinet/login", c.loginForm)
	mux.HandleFunc("POST /cabinet/login", c.login)
	mux.HandleFunc("POST /cabinet/logout", either(c.logout))
	mux.HandleFunc("GET /cabinet/password/new", temp(c.firstPasswordForm))
	mux.HandleFunc("POST /cabinet/password/new", temp(c.firstPassword))
	mux.HandleFunc("GET /cabinet/password", full(c.passwordForm))
	mux.HandleFunc("POST /cabinet/password", full(c.password))
	mux.HandleFunc("GET /cabinet/phone", full(c.phoneForm))
	mux.HandleFunc("POST /cabinet/phone", full(c.phone))
	mux.HandleFunc("GET /cabinet/phone/confirm", full(c.phoneConfirmForm))
	mux.HandleFunc("POST /cabinet/phone/confirm", full(c.phoneConfirm))
	mux.HandleFunc("GET /cabinet/block", full(c.blockForm))
	mux.HandleFunc("POST /cabinet/block", full(c.block))
	mux.HandleFunc("GET /cabinet/recover", c.recoverForm)
	mux.HandleFunc("POST /cabinet/recover", c.recoverRequest)
	mux.HandleFunc("GET /cabinet/recover/confirm", c.recoverConfirmForm)
	mux.HandleFunc("POST /cabinet/recover/confirm", c.recoverConfirm)
	mux.HandleFunc("GET /cabinet/unblock", c.unblockForm)
	mux.HandleFunc("POST /cabinet/unblock", c.unblockRequest)
	mux.HandleFunc("GET /cabinet/unblock/confirm", c.unblockConfirmForm)
	mux.HandleFunc("POST /cabinet/unblock/confirm", c.unblockConfirm)

	c.apiRoutes(mux, full, either)
}

// formError shows page with the errors of err, or fails the request when err is not the citizen's
// to fix.
func (c *uidCabinet) formError(w http.ResponseWriter, r *http.Request, err error, fallback, page string, data interface {
	setErrors(ui.Errors)
}) {
	fe := c.s.uidFormErrors(r, err, fallback)
	if fe == nil {
		c.s.Fail(w, r, err)
		return
	}
	data.setErrors(fe)
	c.s.Render(w, r, StatusOf(err), page, data)
}

// uidForm is embedded by every form page's data.
type uidForm struct {
	ui.Errors
}

func (f *uidForm) setErrors(e ui.Errors) { f.Errors = e }

type uidLoginPage struct {
	uidForm
	UID     string
	Next    string
	Blocked bool
	Expired bool
}

func (c *uidCabinet) loginForm(w http.ResponseWriter, r *http.Request) {
	if sess, err := c.s.Session(r, auth.Citizen); err == nil {
		if _, err := c.id.SessionCitizen(r.Context(), sess); err == nil {
			http.Redirect(w, r, "/cabinet", http.StatusSeeOther)
			return
		}
	}
	r = c.s.uidPopFlash(w, r)
	c.s.Render(w, r, http.StatusOK, "cabinet_login", &uidLoginPage{Next: r.URL.Query().Get("next")})
}

func (c *uidCabinet) login(w http.ResponseWriter, r *http.Request) {
	p := &uidLoginPage{UID: r.PostFormValue("uid"), Next: r.PostFormValue("next")}
	l, err := c.id.Login(r.Context(), p.UID, r.PostFormValue("password"), uidClient(r))
	if err != nil {
		code := uidFaultCode(err)
		p.Blocked, p.Expired = code == "uid.blocked_login", code == "uid.temp_password_expired"
		c.formError(w, r, err, "uid", "cabinet_login", p)
		return
	}
	c.s.SetSession(w, r, auth.Citizen, l.Token)
	if l.Stage == auth.StageChangePassword {
		http.Redirect(w, r, "/cabinet/password/new", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, safeNext(p.Next, "/cabinet"), http.StatusSeeOther)
}

func (c *uidCabinet) logout(w http.ResponseWriter, r *http.Request) {
	cs := citizenSession(r.Context())
	if err := c.id.Logout(r.Context(), cs.token, cs.citizen); err != nil {
		c.s.Fail(w, r, err)
		return
	}
	c.s.ClearSession(w, r, auth.Citizen)
	uidSetFlash(w, r, "cabinet.flash.logged_out", nil)
	http.Redirect(w, r, "/cabinet/login", http.StatusSeeOther)
}

// uidEvent is one line of the history as the citizen reads it.
type uidEvent struct {
	Seq  int64
	At   time.Time
	Text string
	Who  string
	Addr string
	// Times counts the same staff member's repeated reads folded into
	// this line (a page reloaded after each step); 1 for everything else.
	Times   int
	actorID string
	action  string
}

// events turns audit records into sentences in the request's language.
func (c *uidCabinet) events(r *http.Request, recs []audit.Record) []uidEvent {
	lang := ui.Lang(r)
	out := make([]uidEvent, 0, len(recs))
	for _, rec := range recs {
		key := "cabinet.event." + strings.ReplaceAll(rec.Action, ".", "_")
		text := c.s.Catalog.T(lang, key)
		if !c.s.Catalog.Has(lang, key) {
			text = c.s.Catalog.T(lang, "cabinet.event.other", map[string]any{"action": rec.Action})
		}
		who := "cabinet.actor." + rec.Actor.Role
		if !c.s.Catalog.Has(lang, who) {
			who = "cabinet.actor.staff"
		}
		// Records come newest first; a read by the same person within ten
		// minutes of the line above is folded into it, counted, not hidden.
		if n := len(out); n > 0 && strings.HasSuffix(rec.Action, ".read") && out[n-1].action == rec.Action &&
			out[n-1].actorID == rec.Actor.ID && out[n-1].At.Sub(rec.At) < 10*time.Minute {
			out[n-1].Times++
			continue
		}
		out = append(out, uidEvent{Seq: rec.Seq, At: rec.At, Text: text, Who: c.s.Catalog.T(lang, who), Addr: rec.ClientAddr,
			Times: 1, actorID: rec.Actor.ID, action: rec.Action})
	}
	return out
}

// CabinetLink is an entry of the cabinet's home page (the citizen's
// applications, complaints, …); other areas add theirs from Routes.
type CabinetLink struct {
	Href  string
	Title string // catalogue key
	Hint  string // catalogue key
}

// AddCabinetLink registers an entry of the cabinet's home page.
func (s *Server) AddCabinetLink(l CabinetLink) { s.cabinetLinks = append(s.cabinetLinks, l) }

type uidHomePage struct {
	Citizen identity.Citizen
	Links   []CabinetLink
	Events  []uidEvent
	More    bool
}

const uidHomeEvents = 10

func (c *uidCabinet) home(w http.ResponseWriter, r *http.Request) {
	r = c.s.uidPopFlash(w, r)
	cit, _ := CitizenFrom(r.Context())
	recs, err := c.id.History(r.Context(), cit, 0, uidHomeEvents+1)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	p := uidHomePage{Citizen: cit, Links: c.s.cabinetLinks, More: len(recs) > uidHomeEvents}
	p.Events = c.events(r, recs[:min(len(recs), uidHomeEvents)])
	c.s.Render(w, r, http.StatusOK, "cabinet_home", p)
}

type uidHistoryPage struct {
	Events []uidEvent
	Next   int64 // the "before" of the next page, 0 when none
}

const uidHistoryPageSize = 50

func (c *uidCabinet) history(w http.ResponseWriter, r *http.Request) {
	cit, _ := CitizenFrom(r.Context())
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	recs, err := c.id.History(r.Context(), cit, before, uidHistoryPageSize+1)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	p := uidHistoryPage{Events: c.events(r, recs[:min(len(recs), uidHistoryPageSize)])}
	if len(recs) > uidHistoryPageSize {
		p.Next = recs[uidHistoryPageSize-1].Seq
	}
	c.s.Render(w, r, http.StatusOK, "cabinet_history", p)
}

type uidPasswordPage struct {
	uidForm
	Forced bool
}

func (c *uidCabinet) mismatch(w http.ResponseWriter, r *http.Request, page string, p interface{ setErrors(ui.Errors) }) {
	var e ui.Errors
	e.Add("confirm_password", c.s.T(r, "uid.password_mismatch"))
	p.setErrors(e)
	c.s.Render(w, r, http.StatusUnprocessableEntity, page, p)
}

func (c *uidCabinet) firstPasswordForm(w http.ResponseWriter, r *http.Request) {
	c.s.Render(w, r, http.StatusOK, "cabinet_password", &uidPasswordPage{Forced: true})
}

func (c *uidCabinet) firstPassword(w http.ResponseWriter, r *http.Request) {
	p := &uidPasswordPage{Forced: true}
	if r.PostFormValue("new_password") != r.PostFormValue("confirm_password") {
		c.mismatch(w, r, "cabinet_password", p)
		return
	}
	cit, _ := CitizenFrom(r.Context())
	l, err := c.id.SetStaticPassword(r.Context(), cit, r.PostFormValue("new_password"), uidClient(r))
	if err != nil {
		c.formError(w, r, err, identity.FieldNewPassword, "cabinet_password", p)
		return
	}
	c.s.SetSession(w, r, auth.Citizen, l.Token)
	uidSetFlash(w, r, "cabinet.flash.password_set", nil)
	http.Redirect(w, r, "/cabinet", http.StatusSeeOther)
}

func (c *uidCabinet) passwordForm(w http.ResponseWriter, r *http.Request) {
	c.s.Render(w, r, http.StatusOK, "cabinet_password", &uidPasswordPage{})
}

func (c *uidCabinet) password(w http.ResponseWriter, r *http.Request) {
	p := &uidPasswordPage{}
	if r.PostFormValue("new_password") != r.PostFormValue("confirm_password") {
		c.mismatch(w, r, "cabinet_password", p)
		return
	}
	cit, _ := CitizenFrom(r.Context())
	l, err := c.id.ChangePassword(r.Context(), cit, r.PostFormValue("current_password"), r.PostFormValue("new_password"), uidClient(r))
	if err != nil {
		c.formError(w, r, err, identity.FieldCurrentPassword, "cabinet_password", p)
		return
	}
	c.s.SetSession(w, r, auth.Citizen, l.Token)
	uidSetFlash(w, r, "cabinet.flash.password_changed", nil)
	http.Redirect(w, r, "/cabinet", http.StatusSeeOther)
}

type uidPhonePage struct {
	uidForm
	Phone   string
	Current identity.Phone
}

func (c *uidCabinet) phoneForm(w http.ResponseWriter, r *http.Request) {
	cit, _ := CitizenFrom(r.Context())
	c.s.Render(w, r, http.StatusOK, "cabinet_phone", &uidPhonePage{Current: cit.Phone})
}

func (c *uidCabinet) phone(w http.ResponseWriter, r *http.Request) {
	cit, _ := CitizenFrom(r.Context())
	p := &uidPhonePage{Phone: r.PostFormValue("phone"), Current: cit.Phone}
	err := c.id.RequestPhoneChange(r.Context(), cit, r.PostFormValue("current_password"), p.Phone, uidClient(r))
	if err != nil {
		c.formError(w, r, err, identity.FieldPhone, "cabinet_phone", p)
		return
	}
	http.Redirect(w, r, "/cabinet/phone/confirm", http.StatusSeeOther)
}

type uidPhoneConfirmPage struct {
	uidForm
	Phone identity.Phone
}

func (c *uidCabinet) phoneConfirmForm(w http.ResponseWriter, r *http.Request) {
	cit, _ := CitizenFrom(r.Context())
	phone, err := c.id.PendingPhone(r.Context(), cit)
	if err != nil {
		http.Redirect(w, r, "/cabinet/phone", http.StatusSeeOther)
		return
	}
	c.s.Render(w, r, http.StatusOK, "cabinet_phone_confirm", &uidPhoneConfirmPage{Phone: phone})
}

func (c *uidCabinet) phoneConfirm(w http.ResponseWriter, r *http.Request) {
	cit, _ := CitizenFrom(r.Context())
	phone, _ := c.id.PendingPhone(r.Context(), cit)
	p := &uidPhoneConfirmPage{Phone: phone}
	if r.PostFormValue("new_password") != r.PostFormValue("confirm_password") {
		c.mismatch(w, r, "cabinet_phone_confirm", p)
		return
	}
	l, err := c.id.ChangePhone(r.Context(), cit, r.PostFormValue("code"), r.PostFormValue("new_password"), uidClient(r))
	if err != nil {
		c.formError(w, r, err, identity.FieldCode, "cabinet_phone_confirm", p)
		return
	}
	c.s.SetSession(w, r, auth.Citizen, l.Token)
	uidSetFlash(w, r, "cabinet.flash.phone_changed", map[string]string{"phone": phone.Masked()})
	http.Redirect(w, r, "/cabinet", http.StatusSeeOther)
}

func (c *uidCabinet) blockForm(w http.ResponseWriter, r *http.Request) {
	c.s.Render(w, r, http.StatusOK, "cabinet_block", &uidForm{})
}

func (c *uidCabinet) block(w http.ResponseWriter, r *http.Request) {
	cit, _ := CitizenFrom(r.Context())
	if err := c.id.Block(r.Context(), cit, r.PostFormValue("current_password"), uidClient(r)); err != nil {
		c.formError(w, r, err, identity.FieldCurrentPassword, "cabinet_block", &uidForm{})
		return
	}
	c.s.ClearSession(w, r, auth.Citizen)
	uidSetFlash(w, r, "cabinet.flash.blocked", nil)
	http.Redirect(w, r, "/cabinet/login", http.StatusSeeOther)
}

// uidCodePage is both steps of recovery and of unblocking: Step "request"
// asks for the UID, "confirm" for the code (and, in recovery, the new
// password).
type uidCodePage struct {
	uidForm
	Mode string // "recover" or "unblock"
	Step string
	UID  string
	Sent bool
	// Minutes is how long a code is valid.
	Minutes int
}

func (c *uidCabinet) codePage(w http.ResponseWriter, r *http.Request, mode, step string) {
	c.s.Render(w, r, http.StatusOK, "cabinet_code", &uidCodePage{Mode: mode, Step: step, UID: r.URL.Query().Get("uid"), Minutes: c.codeMinutes()})
}

func (c *uidCabinet) recoverForm(w http.ResponseWriter, r *http.Request) {
	c.codePage(w, r, "recover", "request")
}

func (c *uidCabinet) recoverConfirmForm(w http.ResponseWriter, r *http.Request) {
	c.codePage(w, r, "recover", "confirm")
}

func (c *uidCabinet) unblockForm(w http.ResponseWriter, r *http.Request) {
	c.codePage(w, r, "unblock", "request")
}

func (c *uidCabinet) unblockConfirmForm(w http.ResponseWriter, r *http.Request) {
	c.codePage(w, r, "unblock", "confirm")
}

func (c *uidCabinet) codeMinutes() int { return int(c.id.Options().CodeTTL.Minutes()) }

// requested answers the first step. The same page follows whether the UID
// exists or not; the UID travels in the form, not in the address, so it
// stays out of browser history and logs.
func (c *uidCabinet) requested(w http.ResponseWriter, r *http.Request, mode string, err error) {
	p := &uidCodePage{Mode: mode, Step: "request", UID: r.PostFormValue("uid"), Minutes: c.codeMinutes()}
	if err != nil {
		c.formError(w, r, err, "uid", "cabinet_code", p)
		return
	}
	p.Step, p.Sent = "confirm", true
	c.s.Render(w, r, http.StatusOK, "cabinet_code", p)
}

func (c *uidCabinet) recoverRequest(w http.ResponseWriter, r *http.Request) {
	c.requested(w, r, "recover", c.id.RequestRecovery(r.Context(), r.PostFormValue("uid"), uidClient(r)))
}

func (c *uidCabinet) unblockRequest(w http.ResponseWriter, r *http.Request) {
	c.requested(w, r, "unblock", c.id.RequestUnblock(r.Context(), r.PostFormValue("uid"), uidClient(r)))
}

func (c *uidCabinet) recoverConfirm(w http.ResponseWriter, r *http.Request) {
	p := &uidCodePage{Mode: "recover", Step: "confirm", UID: r.PostFormValue("uid")}
	if r.PostFormValue("new_password") != r.PostFormValue("confirm_password") {
		c.mismatch(w, r, "cabinet_code", p)
		return
	}
	err := c.id.Recover(r.Context(), p.UID, r.PostFormValue("code"), r.PostFormValue("new_password"), uidClient(r))
	if err != nil {
		c.formError(w, r, err, identity.FieldCode, "cabinet_code", p)
		return
	}
	uidSetFlash(w, r, "cabinet.flash.recovered", nil)
	http.Redirect(w, r, "/cabinet/login", http.StatusSeeOther)
}

func (c *uidCabinet) unblockConfirm(w http.ResponseWriter, r *http.Request) {
	p := &uidCodePage{Mode: "unblock", Step: "confirm", UID: r.PostFormValue("uid")}
	phone, err := c.id.Unblock(r.Context(), p.UID, r.PostFormValue("code"), uidClient(r))
	if err != nil {
		c.formError(w, r, err, identity.FieldCode, "cabinet_code", p)
		return
	}
	uidSetFlash(w, r, "cabinet.flash.unblocked", map[string]string{"phone": phone.Masked()})
	http.Redirect(w, r, "/cabinet/login", http.StatusSeeOther)
}

package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"odnookno/internal/cases"
	"odnookno/internal/catalog"
	"odnookno/internal/fault"
	"odnookno/internal/interop"
	"odnookno/internal/org"
	"odnookno/internal/web/ui"
)

// CaseWork is the staff workspace for applications and administrative
// complaints (/staff/cases, /staff/complaints) and its JSON API under
// /api/v1/staff: the body's queue, the case page with the actions the
// state machine allows now, inter-agency requests from the case, the
// decision drafted by the officer and signed by the head. Every rule is
// the cases and interop packages'; the pages show what they allow and
// translate what they refuse.
type CaseWork struct {
	Cases      *cases.Service
	Procedures *catalog.Service
	Interop    *interop.Service
	// Requests sends an officer's inter-agency request together with the
	// case's request_info step (the composition root joins the two).
	Requests CaseRequests
	// PKIDir is the development PKI folder, where the demo's signing staff
	// keep <login>.crt and <login>.key.
	PKIDir string
	// Demo offers "sign with the demo key" on the signing pages.
	Demo bool
}

// CaseRequests sends an inter-agency request for a case and records it on
// the case in one transaction.
type CaseRequests interface {
	Send(ctx context.Context, officer org.Staff, actor cases.Actor, caseID int64, version int, resource, service, channel string) (cases.Application, error)
}

type caseWork struct {
	s *Server
	CaseWork
	scopes csScopeCache
}

// csRoles are the staff roles that work on applications.
var csRoles = []string{org.RoleRegistrar, org.RoleOfficer, org.RoleHead}

// csComplaintRoles work on complaints at the body that decides them.
var csComplaintRoles = []string{org.RoleRegistrar, org.RoleOfficer, org.RoleHead}

// Routes lists every route of the area.
func (a *CaseWork) Routes(s *Server, mux *http.ServeMux) {
	c := &caseWork{s: s, CaseWork: *a}
	staff := func(h http.HandlerFunc) http.HandlerFunc { return s.RequireStaff(h, csRoles...) }
	head := func(h http.HandlerFunc) http.HandlerFunc { return s.RequireStaff(h, org.RoleHead) }

	mux.HandleFunc("GET /staff/cases", staff(c.queue))
	mux.HandleFunc("GET /staff/cases/{id}", staff(c.showCase))
	for name, fn := range c.caseActions() {
		mux.HandleFunc("POST /staff/cases/{id}/"+name, staff(c.act(name, fn)))
	}
	mux.HandleFunc("POST /staff/cases/{id}/requests", staff(c.sendRequest))
	mux.HandleFunc("POST /staff/cases/{id}/requests/{corr}/{action}", staff(c.requestAction))
	mux.HandleFunc("GET /staff/cases/{id}/requests/{corr}/document", staff(c.requestDocument))
	mux.HandleFunc("GET /staff/cases/{id}/documents/{code}", staff(c.document))
	mux.HandleFunc("GET /staff/cases/{id}/attachments/{aid}", staff(c.attachment))
	mux.HandleFunc("GET /staff/cases/{id}/decision", staff(c.decisionForm))
	mux.HandleFunc("POST /staff/cases/{id}/decision", staff(c.draftDecision))
	mux.HandleFunc("GET /staff/cases/{id}/sign", head(c.signForm))
	mux.HandleFunc("POST /staff/cases/{id}/sign", head(c.signUpload))
	mux.HandleFunc("POST /staff/cases/{id}/sign-demo", head(c.signDemo))

	mux.HandleFunc("GET /staff/complaints", staff(c.complaints))
	mux.HandleFunc("GET /staff/complaints/{id}", staff(c.showComplaint))
	for name, fn := range c.complaintActions() {
		mux.HandleFunc("POST /staff/complaints/{id}/"+name, staff(c.actComplaint(name, fn)))
	}
	mux.HandleFunc("GET /staff/complaints/{id}/documents/{code}", staff(c.complaintDocument))
	mux.HandleFunc("GET /staff/complaints/{id}/sign", head(c.complaintSignForm))
	mux.HandleFunc("POST /staff/complaints/{id}/sign", head(c.complaintSignUpload))
	mux.HandleFunc("POST /staff/complaints/{id}/sign-demo", head(c.complaintSignDemo))

	c.apiRoutes(mux, staff)

	s.AddStaffLink(StaffLink{Href: "/staff/cases", Title: "case_staff.link.cases", Hint: "case_staff.link.cases_hint", Roles: csRoles})
	s.AddStaffLink(StaffLink{Href: "/staff/complaints", Title: "case_staff.link.complaints", Hint: "case_staff.link.complaints_hint", Roles: csComplaintRoles})
}

// ---- who is acting

// csScopeCache remembers for a minute which procedures a body carries out:
// the catalogue changes seldom, and every page needs it.
type csScopeCache struct {
	mu sync.Mutex
	m  map[string]csScopeEntry
}

type csScopeEntry struct {
	procs []catalog.Procedure
	at    time.Time
}

// served lists the procedures whose regulation in force names body among
// the authorized bodies.
func (c *caseWork) served(ctx context.Context, body string) ([]catalog.Procedure, error) {
	c.scopes.mu.Lock()
	if e, ok := c.scopes.m[body]; ok && time.Since(e.at) < time.Minute {
		c.scopes.mu.Unlock()
		return e.procs, nil
	}
	c.scopes.mu.Unlock()
	all, err := c.Procedures.Procedures(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []catalog.Procedure
	for _, p := range all {
		reg, err := c.Procedures.Current(ctx, p.ID)
		if errors.Is(err, fault.NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if slices.Contains(reg.AuthorizedBodies, body) {
			out = append(out, p)
		}
	}
	c.scopes.mu.Lock()
	if c.scopes.m == nil {
		c.scopes.m = map[string]csScopeEntry{}
	}
	c.scopes.m[body] = csScopeEntry{procs: out, at: time.Now()}
	c.scopes.mu.Unlock()
	return out, nil
}

// actor is the request's staff member as cases sees them.
func (c *caseWork) actor(r *http.Request) (org.Staff, cases.Actor, error) {
	st, _ := StaffFrom(r.Context())
	procs, err := c.served(r.Context(), st.Body.Code)
	if err != nil {
		return st, cases.Actor{}, err
	}
	ids := make([]int64, len(procs))
	for i, p := range procs {
		ids[i] = p.ID
	}
	var roles []string
	for _, role := range st.Roles {
		if slices.Contains(csRoles, role) {
			roles = append(roles, role)
		}
	}
	return st, cases.Staff(st.ID, st.FullName, cases.StaffScope{BodyCode: st.Body.Code, Roles: roles, ProcedureIDs: ids}), nil
}

func csPathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fault.New(fault.NotFound, cases.CodeNotFound, nil)
	}
	return id, nil
}

// ---- one-off notices after a redirect

const casesFlashCookie = "odk_cases_flash"

var casesFlashKeys = map[string]bool{
	"case_staff.flash.done":           true,
	"case_staff.flash.request_sent":   true,
	"case_staff.flash.signed":         true,
	"case_staff.flash.drafted":        true,
	"case_staff.flash.answer_saved":   true,
	"case_staff.flash.rerouted":       true,
	"case_staff.flash.smdo_sent":      true,
	"case_staff.flash.complaint_done": true,
}

func casesSetFlash(w http.ResponseWriter, r *http.Request, key string, params map[string]string) {
	v := url.Values{"k": {key}}
	for k, p := range params {
		v.Set("p_"+k, p)
	}
	http.SetCookie(w, &http.Cookie{Name: casesFlashCookie, Value: v.Encode(), Path: "/", MaxAge: 60, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

// popFlash moves a remembered notice into the request's context and
// forgets it; an action parameter is shown by its name.
func (c *caseWork) popFlash(w http.ResponseWriter, r *http.Request) *http.Request {
	ck, err := r.Cookie(casesFlashCookie)
	if err != nil {
		return r
	}
	http.SetCookie(w, &http.Cookie{Name: casesFlashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	v, err := url.ParseQuery(ck.Value)
	key := v.Get("k")
	if err != nil || !casesFlashKeys[key] {
		return r
	}
	params := map[string]any{}
	for k := range v {
		if p, ok := strings.CutPrefix(k, "p_"); ok {
			params[p] = v.Get(k)
		}
	}
	if a, ok := params["action"].(string); ok {
		params["action"] = c.s.T(r, "case_staff.do."+strings.ReplaceAll(a, "-", "_"))
	}
	return r.WithContext(ui.WithFlash(r.Context(), ui.Notice{Kind: "success", Text: c.s.T(r, key, params)}))
}

// ---- errors

// message words a domain error for a person: codes in its parameters
// (states, actions, resources) become their names. It returns "" for
// errors that are not the person's to fix.
func (c *caseWork) message(r *http.Request, err error) string {
	var fe *fault.Error
	if !errors.As(err, &fe) || StatusOf(err) >= 500 {
		return ""
	}
	if len(fe.Fields) > 0 {
		var msgs []string
		for _, f := range fe.Fields {
			msgs = append(msgs, c.s.T(r, f.Code, c.params(r, f.Params, "")))
		}
		return strings.Join(msgs, " ")
	}
	subject, _ := fe.Params["subject"].(string)
	return c.s.T(r, fe.Code, c.params(r, fe.Params, subject))
}

func (c *caseWork) params(r *http.Request, in map[string]any, subject string) map[string]any {
	prefix := "case."
	if subject == "complaint" {
		prefix = "complaint."
	}
	out := map[string]any{}
	for k, v := range in {
		out[k] = v
		s, ok := v.(string)
		if !ok || s == "" {
			continue
		}
		switch k {
		case "from", "to":
			out[k] = c.s.T(r, prefix+"status."+s)
		case "action":
			out[k] = c.s.T(r, prefix+"action."+s)
		case "state":
			out[k] = c.s.T(r, "interop.state."+s)
		case "resource":
			if res, err := c.Interop.Resource(r.Context(), s); err == nil {
				out[k] = res.Name(ui.Lang(r))
				if sv, ok := in["service"].(string); ok {
					if x, ok := res.Service(sv); ok {
						out["service"] = x.Name(ui.Lang(r))
					}
				}
			}
		}
	}
	return out
}

// csStale reports the optimistic-lock conflict: someone else changed the
// case since the page was shown.
func csStale(err error) bool {
	var fe *fault.Error
	return errors.As(err, &fe) && fe.Code == cases.CodeStale
}

func csIsCode(err error, code string) bool {
	var fe *fault.Error
	return errors.As(err, &fe) && fe.Code == code
}

// ---- shared view pieces

// csDate turns "YYYY-MM-DD" into a time for the date function; "" and
// malformed dates give the zero time, which prints nothing.
func csDate(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// csEvent is one line of history.
type csEvent struct {
	At       time.Time
	Action   string // catalogue key
	Actor    string
	Role     string // catalogue key
	From, To string // catalogue keys, "" when the state did not change
	Comment  string
	Internal bool
}

func csEvents(prefix string, evs []cases.Event) []csEvent {
	out := make([]csEvent, 0, len(evs))
	for _, e := range evs {
		row := csEvent{At: e.At, Action: prefix + "action." + string(e.Action), Actor: e.ActorName, Comment: e.Comment, Internal: e.Internal}
		switch e.ActorRole {
		case "":
		case cases.RoleSystem:
			row.Actor = "" // shown as "the system", in the page's language
		default:
			row.Role = "case_staff.role." + e.ActorRole
		}
		if e.From != e.To {
			if e.From != "" {
				row.From = prefix + "status." + string(e.From)
			}
			row.To = prefix + "status." + string(e.To)
		}
		out = append(out, row)
	}
	// Newest first: the officer reads what happened last.
	slices.Reverse(out)
	return out
}

// csActionSet lists the actions available now, for the templates' "can".
type csActionSet map[string]bool

func csActionsOf(list []cases.Action) csActionSet {
	out := csActionSet{}
	for _, a := range list {
		out[string(a)] = true
	}
	return out
}

// csPage is the ?page= parameter, from 1.
func csPage(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// csPageURL is the current list URL on page n.
func csPageURL(r *http.Request, n int) string {
	q := r.URL.Query()
	q.Set("page", strconv.Itoa(n))
	return r.URL.Path + "?" + q.Encode()
}

func csCaseURL(id int64) string { return fmt.Sprintf("/staff/cases/%d", id) }

func csComplaintURL(id int64) string { return fmt.Sprintf("/staff/complaints/%d", id) }

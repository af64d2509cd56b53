package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"odnookno/internal/audit"
	"odnookno/internal/calendar"
	"odnookno/internal/catalog"
	"odnookno/internal/fault"
	"odnookno/internal/org"
	"odnookno/internal/web/ui"
)

// Catalog is the procedure catalogue: the public search and procedure
// pages (/catalog), the staff pages where the regulator drafts a
// procedure's electronic regulation, the OAIS operator and the owners of
// the information resources it queries approve it, and the operator
// imports and exports whole files (/staff/catalog), and the JSON API under
// /api/v1/catalog. Every rule — who may take which step, what a regulation
// must hold — is the catalog package's; the pages only show it.
type Catalog struct {
	Procedures *catalog.Service
}

type catalogArea struct {
	s   *Server
	svc *catalog.Service
}

// catalogRoles are the staff roles that work on the catalogue.
var catalogRoles = []string{org.RoleRegulator, org.RoleOperator, org.RoleIROwner}

// Routes lists every route of the area.
func (a *Catalog) Routes(s *Server, mux *http.ServeMux) {
	c := &catalogArea{s: s, svc: a.Procedures}
	staff := func(h http.HandlerFunc) http.HandlerFunc { return s.RequireStaff(h, catalogRoles...) }
	operator := func(h http.HandlerFunc) http.HandlerFunc { return s.RequireStaff(h, org.RoleOperator) }

	mux.HandleFunc("GET /catalog", c.search)
	mux.HandleFunc("GET /catalog/{$}", c.search)
	mux.HandleFunc("GET /catalog/{list}/{number}", c.procedure)

	mux.HandleFunc("GET /staff/catalog", staff(c.home))
	mux.HandleFunc("GET /staff/catalog/import", operator(c.importForm))
	mux.HandleFunc("POST /staff/catalog/import", operator(c.importUpload))
	mux.HandleFunc("GET /staff/catalog/export", operator(c.export))
	mux.HandleFunc("GET /staff/catalog/{list}/{number}", staff(c.staffProcedure))
	mux.HandleFunc("POST /staff/catalog/{list}/{number}/drafts", staff(c.newDraft))
	mux.HandleFunc("GET /staff/catalog/{list}/{number}/compare", staff(c.compare))
	mux.HandleFunc("GET /staff/catalog/{list}/{number}/versions/{version}", staff(c.version))
	mux.HandleFunc("POST /staff/catalog/{list}/{number}/versions/{version}/actions", staff(c.action))
	mux.HandleFunc("GET /staff/catalog/{list}/{number}/versions/{version}/edit", staff(c.editForm))
	mux.HandleFunc("POST /staff/catalog/{list}/{number}/versions/{version}/edit", staff(c.save))

	mux.HandleFunc("GET /api/v1/catalog/procedures", c.apiSearch)
	mux.HandleFunc("GET /api/v1/catalog/procedures/{list}/{number}", c.apiProcedure)
	mux.HandleFunc("GET /api/v1/catalog/procedures/{list}/{number}/versions", staff(c.apiVersions))
	mux.HandleFunc("POST /api/v1/catalog/procedures/{list}/{number}/versions", staff(c.apiNewDraft))
	mux.HandleFunc("GET /api/v1/catalog/procedures/{list}/{number}/versions/{version}", staff(c.apiVersion))
	mux.HandleFunc("PUT /api/v1/catalog/procedures/{list}/{number}/versions/{version}", staff(c.apiSaveDraft))
	mux.HandleFunc("POST /api/v1/catalog/procedures/{list}/{number}/versions/{version}/actions", staff(c.apiAction))
	mux.HandleFunc("GET /api/v1/catalog/procedures/{list}/{number}/diff", staff(c.apiDiff))
	mux.HandleFunc("GET /api/v1/catalog/inbox", staff(c.apiInbox))
	mux.HandleFunc("POST /api/v1/catalog/import", operator(c.apiImport))
	mux.HandleFunc("GET /api/v1/catalog/export", operator(c.apiExport))

	s.AddStaffLink(StaffLink{Href: "/staff/catalog", Title: "catalog_web.link.title", Hint: "catalog_web.link.hint", Roles: catalogRoles})
}

// ---- reading the path

// procedureFromPath finds the procedure named by {list}/{number}.
func (c *catalogArea) procedureFromPath(r *http.Request) (catalog.Procedure, error) {
	list := catalog.List(r.PathValue("list"))
	number := r.PathValue("number")
	if !list.Valid() || !catalog.ValidNumber(number) {
		return catalog.Procedure{}, fault.New(fault.NotFound, catalog.CodeProcedureNotFound, nil)
	}
	return c.svc.ProcedureByNumber(r.Context(), list, number)
}

// versionFromPath reads {version}; a malformed one is not found.
func versionFromPath(r *http.Request) (int, error) {
	v, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || v < 1 {
		return 0, fault.New(fault.NotFound, catalog.CodeVersionNotFound, nil)
	}
	return v, nil
}

func procedurePath(p catalog.Procedure) string {
	return "/catalog/" + string(p.List) + "/" + p.Number
}

func staffProcedurePath(p catalog.Procedure) string {
	return "/staff/catalog/" + string(p.List) + "/" + p.Number
}

func versionPath(p catalog.Procedure, v int) string {
	return staffProcedurePath(p) + "/versions/" + strconv.Itoa(v)
}

// ---- who may see what

// Access to a procedure's versions: the operator and the regulator body's
// regulators see all of them; a resource owner sees the versions its body
// was asked to approve. Changing anything is decided by the catalog
// service, never here.
type catalogAccess int

const (
	noAccess catalogAccess = iota
	ownerAccess
	fullAccess
)

func manages(st org.Staff, p catalog.Procedure) bool {
	return st.Has(org.RoleOperator) || (st.Has(org.RoleRegulator) && st.Body.Code == p.Regulator)
}

// askedOwner reports whether st's body was asked (in any round) to approve
// version v of p as a resource owner.
func (c *catalogArea) askedOwner(ctx context.Context, st org.Staff, p catalog.Procedure, v int) (bool, error) {
	if !st.Has(org.RoleIROwner) || v < 1 {
		return false, nil
	}
	as, err := c.svc.Approvals(ctx, p.ID, v)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(as, func(a catalog.Approval) bool { return a.Owner == st.Body.Code }), nil
}

// accessTo says what st may read of version v of p (v 0: the procedure's
// list of versions).
func (c *catalogArea) accessTo(ctx context.Context, st org.Staff, p catalog.Procedure, v int) (catalogAccess, error) {
	if manages(st, p) {
		return fullAccess, nil
	}
	ok, err := c.askedOwner(ctx, st, p, v)
	if err != nil {
		return noAccess, err
	}
	if ok {
		return ownerAccess, nil
	}
	return noAccess, nil
}

var errCatalogForbidden = fault.New(fault.Forbidden, "catalog_web.forbidden", nil)

// actorFor is the staff member acting in the role the lifecycle table
// names for action a; with none of those roles, the first catalogue role
// they hold, which the service then refuses with its own message.
func actorFor(st org.Staff, a catalog.Action) audit.Actor {
	for _, t := range catalog.Transitions() {
		if t.Action != a {
			continue
		}
		for _, role := range t.Roles {
			if st.Has(role) {
				return st.Actor(role)
			}
		}
	}
	for _, role := range catalogRoles {
		if st.Has(role) {
			return st.Actor(role)
		}
	}
	return st.Actor("")
}

// allowed is the union of the actions st may take on a version in each
// catalogue role they hold (the buttons of the version page).
func (c *catalogArea) allowed(ctx context.Context, st org.Staff, p catalog.Procedure, v int) ([]catalog.Action, error) {
	var out []catalog.Action
	for _, role := range catalogRoles {
		if !st.Has(role) {
			continue
		}
		as, err := c.svc.Allowed(ctx, st.Actor(role), p.ID, v)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return out, nil
}

// ---- presenting values

// bodyNames resolves body codes to names in the request's language;
// unknown codes show as themselves.
type bodyNames struct {
	list   []org.Body // by Russian name
	byCode map[string]org.Body
}

func (c *catalogArea) bodies(ctx context.Context) (bodyNames, error) {
	bs, err := c.s.Org.Bodies(ctx, "")
	if err != nil {
		return bodyNames{}, err
	}
	out := bodyNames{list: bs, byCode: map[string]org.Body{}}
	for _, b := range bs {
		out.byCode[b.Code] = b
	}
	return out, nil
}

func (n bodyNames) name(lang, code string) string {
	if b, ok := n.byCode[code]; ok {
		return b.Name(lang)
	}
	return code
}

// term says a term in words in lang: «15 дней», «у дзень звароту».
func (c *catalogArea) term(lang string, t calendar.Term) string {
	switch t.Kind {
	case calendar.SameDay:
		return c.s.Catalog.T(lang, "catalog_web.term.same_day")
	case calendar.CalendarDays:
		return c.s.Catalog.Plural(lang, "catalog_web.term.days", t.N)
	case calendar.WorkingDays:
		return c.s.Catalog.Plural(lang, "catalog_web.term.working_days", t.N)
	case calendar.Months:
		return c.s.Catalog.Plural(lang, "catalog_web.term.months", t.N)
	}
	return ""
}

// fee says the fee: free, or the amount in base values with the noun
// agreeing with it («1 базовая величина», «2 базовые величины», «0,5
// базовой величины»).
func (c *catalogArea) fee(lang string, f catalog.Fee) string {
	if f.Free {
		return c.s.Catalog.T(lang, "catalog.fee.free")
	}
	if f.BaseValues.IsZero() {
		return ""
	}
	if n, err := strconv.Atoi(f.BaseValues.String()); err == nil {
		return c.s.Catalog.Plural(lang, "catalog_web.fee.base_values", n)
	}
	return c.s.Catalog.T(lang, "catalog.fee.base_values", map[string]any{"amount": f.BaseValues.Format()})
}

// validity says how long the decision is valid.
func (c *catalogArea) validity(lang string, v catalog.Validity) string {
	switch v.Kind {
	case catalog.Unlimited:
		return c.s.Catalog.T(lang, "catalog.validity.unlimited")
	case catalog.ValidityTerm:
		return c.term(lang, v.Term)
	case catalog.ValidityText:
		return v.Text.In(lang)
	}
	return ""
}

// ---- one-off notices after a redirect

const catalogFlashCookie = "odk_catalog_flash"

// catalogFlashKeys are the notices a redirect may carry; anything else in
// the cookie is ignored.
var catalogFlashKeys = map[string]bool{
	"catalog_web.flash.created":  true,
	"catalog_web.flash.saved":    true,
	"catalog_web.flash.done":     true,
	"catalog_web.flash.imported": true,
}

func catalogSetFlash(w http.ResponseWriter, r *http.Request, key string, params map[string]string) {
	v := url.Values{"k": {key}}
	for k, p := range params {
		v.Set("p_"+k, p)
	}
	http.SetCookie(w, &http.Cookie{Name: catalogFlashCookie, Value: v.Encode(), Path: "/", MaxAge: 60, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

// catalogPopFlash moves a remembered notice into the request's context,
// where the layout shows it, and forgets it. Parameters named state and
// action are catalogue codes and are shown by their names.
func (c *catalogArea) popFlash(w http.ResponseWriter, r *http.Request) *http.Request {
	ck, err := r.Cookie(catalogFlashCookie)
	if err != nil {
		return r
	}
	http.SetCookie(w, &http.Cookie{Name: catalogFlashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	v, err := url.ParseQuery(ck.Value)
	key := v.Get("k")
	if err != nil || !catalogFlashKeys[key] {
		return r
	}
	params := map[string]any{}
	for k := range v {
		if p, ok := strings.CutPrefix(k, "p_"); ok {
			params[p] = v.Get(k)
		}
	}
	if st, ok := params["state"].(string); ok && slices.Contains(catalog.States, catalog.State(st)) {
		params["state"] = c.s.T(r, "catalog.state."+st)
	}
	if a, ok := params["action"].(string); ok && validAction(catalog.Action(a)) {
		params["action"] = c.s.T(r, "catalog_web.event."+a)
	}
	return r.WithContext(ui.WithFlash(r.Context(), ui.Notice{Kind: "success", Text: c.s.T(r, key, params)}))
}

func validAction(a catalog.Action) bool {
	return slices.ContainsFunc(catalog.Transitions(), func(t catalog.Transition) bool { return t.Action == a })
}

// message is the localized text of a domain error with a catalogue code,
// or "" for errors that are not the user's to fix.
func (c *catalogArea) message(r *http.Request, err error) string {
	var fe *fault.Error
	if !errors.As(err, &fe) || StatusOf(err) >= 500 {
		return ""
	}
	params := map[string]any{}
	for k, v := range fe.Params {
		params[k] = v
	}
	if st, ok := params["state"].(string); ok && st != "" {
		params["state"] = c.s.T(r, "catalog.state."+st)
	}
	if a, ok := params["action"].(string); ok && validAction(catalog.Action(a)) {
		params["action"] = c.s.T(r, "catalog.action."+a)
	}
	return c.s.T(r, fe.Code, params)
}

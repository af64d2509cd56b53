package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"odnookno/internal/catalog"
	"odnookno/internal/fault"
	"odnookno/internal/org"
	"odnookno/internal/web/ui"
)

// The staff pages of the catalogue: the regulator's procedures and
// drafts, the operator's and the owners' inboxes, a version's page with
// its changes, history and the steps the viewer may take, and the
// comparison of any two versions.

// ---- the workspace

type catalogHomePage struct {
	Regulator bool
	Operator  bool
	Owner     bool
	Body      string
	Inboxes   []catalogInbox
	Procs     []catalogProcRow
}

type catalogInbox struct {
	Role  string
	Items []catalogInboxItem
}

type catalogInboxItem struct {
	List      catalog.List
	Number    string
	Name      string
	Version   int
	State     catalog.State
	Effective catalog.Date
	Updated   time.Time
	URL       string
}

type catalogProcRow struct {
	List        catalog.List
	Number      string
	Name        string
	Regulator   string
	Latest      int
	LatestState catalog.State
	InForce     int
	URL         string
}

func (c *catalogArea) home(w http.ResponseWriter, r *http.Request) {
	ctx, lang := r.Context(), ui.Lang(r)
	st, _ := StaffFrom(ctx)
	p := catalogHomePage{Regulator: st.Has(org.RoleRegulator), Operator: st.Has(org.RoleOperator), Owner: st.Has(org.RoleIROwner),
		Body: st.Body.Name(lang)}
	for _, role := range catalogRoles {
		if !st.Has(role) {
			continue
		}
		pending, err := c.svc.Inbox(ctx, st.Actor(role))
		if err != nil {
			c.s.Fail(w, r, err)
			return
		}
		box := catalogInbox{Role: role}
		for _, x := range pending {
			box.Items = append(box.Items, catalogInboxItem{List: x.Procedure.List, Number: x.Procedure.Number, Name: x.Procedure.Name(lang),
				Version: x.Version, State: x.State, Effective: x.EffectiveDate, Updated: x.UpdatedAt, URL: versionPath(x.Procedure, x.Version)})
		}
		p.Inboxes = append(p.Inboxes, box)
	}
	if p.Regulator || p.Operator {
		procs, err := c.svc.Procedures(ctx, "")
		if err != nil {
			c.s.Fail(w, r, err)
			return
		}
		names, err := c.bodies(ctx)
		if err != nil {
			c.s.Fail(w, r, err)
			return
		}
		for _, pr := range procs {
			if !manages(st, pr) {
				continue
			}
			row := catalogProcRow{List: pr.List, Number: pr.Number, Name: pr.Name(lang), Regulator: names.name(lang, pr.Regulator), URL: staffProcedurePath(pr)}
			vs, err := c.svc.Versions(ctx, pr.ID)
			if err != nil {
				c.s.Fail(w, r, err)
				return
			}
			if len(vs) > 0 {
				row.Latest, row.LatestState = vs[0].Version, vs[0].State
			}
			if cur, err := c.svc.Current(ctx, pr.ID); err == nil {
				row.InForce = cur.Version
			} else if !errors.Is(err, fault.NotFound) {
				c.s.Fail(w, r, err)
				return
			}
			p.Procs = append(p.Procs, row)
		}
	}
	c.s.Render(w, r, http.StatusOK, "catalog_staff", p)
}

// ---- a procedure's versions

type catalogStaffProcPage struct {
	ui.Errors
	Procedure  catalog.Procedure
	Name       string
	Regulator  string
	Versions   []catalog.VersionInfo
	InForce    int
	CanDraft   bool
	InProgress int // the version in progress, if any
	PublicURL  string
	Base       string
	From, To   int
}

// inProgress are the states of a version still being worked on.
var inProgress = []catalog.State{catalog.Draft, catalog.Submitted, catalog.OperatorApproved}

func (c *catalogArea) staffProcedure(w http.ResponseWriter, r *http.Request) {
	r = c.popFlash(w, r)
	c.renderStaffProcedure(w, r, http.StatusOK, nil)
}

func (c *catalogArea) renderStaffProcedure(w http.ResponseWriter, r *http.Request, status int, errs ui.Errors) {
	ctx, lang := r.Context(), ui.Lang(r)
	p, err := c.procedureFromPath(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	st, _ := StaffFrom(ctx)
	if !manages(st, p) {
		c.s.Error(w, r, http.StatusForbidden)
		return
	}
	vs, err := c.svc.Versions(ctx, p.ID)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	names, err := c.bodies(ctx)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	page := catalogStaffProcPage{Errors: errs, Procedure: p, Name: p.Name(lang), Regulator: names.name(lang, p.Regulator), Versions: vs,
		PublicURL: procedurePath(p), Base: staffProcedurePath(p)}
	for _, v := range vs {
		if slices.Contains(inProgress, v.State) {
			page.InProgress = v.Version
		}
	}
	if cur, err := c.svc.Current(ctx, p.ID); err == nil {
		page.InForce = cur.Version
	}
	page.CanDraft = st.Has(org.RoleRegulator) && st.Body.Code == p.Regulator && page.InProgress == 0
	if len(vs) > 0 {
		page.To = vs[0].Version
		page.From = page.InForce
		if page.From == page.To || page.From == 0 {
			page.From = max(page.To-1, 0)
		}
	}
	c.s.Render(w, r, status, "catalog_staff_procedure", page)
}

func (c *catalogArea) newDraft(w http.ResponseWriter, r *http.Request) {
	p, err := c.procedureFromPath(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	st, _ := StaffFrom(r.Context())
	reg, err := c.svc.NewDraft(r.Context(), actorFor(st, catalog.ActCreate), p.ID, nil)
	if err != nil {
		if StatusOf(err) == http.StatusForbidden {
			c.s.Error(w, r, http.StatusForbidden)
			return
		}
		if msg := c.message(r, err); msg != "" {
			var errs ui.Errors
			errs.Add("new-draft", msg)
			c.renderStaffProcedure(w, r, StatusOf(err), errs)
			return
		}
		c.s.Fail(w, r, err)
		return
	}
	catalogSetFlash(w, r, "catalog_web.flash.created", map[string]string{"version": strconv.Itoa(reg.Version)})
	http.Redirect(w, r, versionPath(p, reg.Version)+"/edit", http.StatusSeeOther)
}

// ---- one version

type catalogVersionPage struct {
	ui.Errors
	Procedure catalog.Procedure
	Name      string
	Version   int
	State     catalog.State
	Effective catalog.Date
	Imported  bool
	Full      bool // the viewer manages the procedure (operator, its regulator)

	Actions []catalog.Action // buttons without a reason
	Rejects []catalog.Action // rejections, with the reason field
	CanEdit bool
	Reason  string

	Base        int // the version the changes are counted from (in force), 0: none
	BaseMissing bool
	Changes     []catalogDiffRow
	Queries     []catalogQueryView // what the version asks of the viewer's resources
	Approvals   []catalogApprovalView
	History     []catalogEventView
	Content     []catalogRow

	Back       string
	Self       string
	CompareURL string
	PublicURL  string
}

type catalogQueryView struct {
	Resource string
	Service  string
	Purpose  string
	Mapping  []string
}

type catalogApprovalView struct {
	Round     int
	Owner     string
	Resources string
	Decision  string
	Reason    string
	DecidedAt time.Time
}

type catalogEventView struct {
	At     time.Time
	Action catalog.Action
	From   catalog.State
	To     catalog.State
	Role   string
	Body   string
	Reason string
}

// catalogRow is one row of a regulation's content: a label and its
// values, each a paragraph; Missing marks an item not filled in.
type catalogRow struct {
	ID      string
	Label   string
	Values  []string
	Missing bool
}

type catalogDiffRow struct {
	Field  string
	Detail string
	Old    string
	New    string
}

func (c *catalogArea) version(w http.ResponseWriter, r *http.Request) {
	r = c.popFlash(w, r)
	c.renderVersion(w, r, http.StatusOK, nil, "")
}

func (c *catalogArea) renderVersion(w http.ResponseWriter, r *http.Request, status int, errs ui.Errors, reason string) {
	ctx, lang := r.Context(), ui.Lang(r)
	p, err := c.procedureFromPath(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	n, err := versionFromPath(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	st, _ := StaffFrom(ctx)
	acc, err := c.accessTo(ctx, st, p, n)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	if acc == noAccess {
		c.s.Error(w, r, http.StatusForbidden)
		return
	}
	reg, err := c.svc.Version(ctx, p.ID, n)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	names, err := c.bodies(ctx)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	page := catalogVersionPage{Errors: errs, Procedure: p, Name: p.Name(lang), Version: n, State: reg.State, Effective: reg.EffectiveDate,
		Imported: reg.Imported, Full: acc == fullAccess, Reason: reason, Self: versionPath(p, n), PublicURL: procedurePath(p),
		CompareURL: staffProcedurePath(p) + "/compare?to=" + strconv.Itoa(n)}
	if page.Full {
		page.Back = staffProcedurePath(p)
	} else {
		page.Back = "/staff/catalog"
	}
	actions, err := c.allowed(ctx, st, p, n)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	for _, a := range actions {
		switch a {
		case catalog.ActSave:
			page.CanEdit = true
		case catalog.ActOperatorReject, catalog.ActOwnerReject:
			page.Rejects = append(page.Rejects, a)
		default:
			page.Actions = append(page.Actions, a)
		}
	}

	// Changes against the version in force.
	cur, err := c.svc.Current(ctx, p.ID)
	switch {
	case err == nil && cur.Version != n:
		page.Base = cur.Version
		page.Changes = c.diffRows(r, catalog.Diff(cur, reg))
		page.CompareURL += "&from=" + strconv.Itoa(cur.Version)
	case errors.Is(err, fault.NotFound):
		page.BaseMissing = true
	case err != nil:
		c.s.Fail(w, r, err)
		return
	}

	approvals, err := c.svc.Approvals(ctx, p.ID, n)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	// What the latest round asks of the viewer's own resources (approvals
	// come latest round first).
	var mine []string
	for _, a := range approvals {
		page.Approvals = append(page.Approvals, catalogApprovalView{Round: a.Round, Owner: names.name(lang, a.Owner),
			Resources: strings.Join(a.Resources, ", "), Decision: a.Decision, Reason: a.Reason, DecidedAt: a.DecidedAt})
		if a.Owner == st.Body.Code && st.Has(org.RoleIROwner) && a.Round == approvals[0].Round {
			mine = a.Resources
		}
	}
	for _, q := range reg.Resources {
		if slices.Contains(mine, q.Resource) {
			page.Queries = append(page.Queries, c.queryView(lang, reg, q))
		}
	}
	events, err := c.svc.History(ctx, p.ID, n)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	for _, e := range events {
		page.History = append(page.History, catalogEventView{At: e.At, Action: e.Action, From: e.From, To: e.To,
			Role: e.Actor.Role, Body: names.name(lang, e.Actor.Body), Reason: e.Reason})
	}
	page.Content = c.contentRows(r, reg, names)
	c.s.Render(w, r, status, "catalog_version", page)
}

func (c *catalogArea) queryView(lang string, reg *catalog.Regulation, q catalog.ResourceQuery) catalogQueryView {
	v := catalogQueryView{Resource: q.Resource, Service: q.Service, Purpose: q.Purpose.In(lang)}
	for _, m := range q.Mapping {
		from := m.Form
		if m.Form == catalog.ApplicantUID {
			from = c.s.Catalog.T(lang, "catalog_web.version.applicant_uid")
		} else if f, ok := reg.Field(m.Form); ok {
			from = f.Label(lang) + " (" + m.Form + ")"
		}
		v.Mapping = append(v.Mapping, m.Request+" ← "+from)
	}
	return v
}

// action takes one step of the lifecycle on the version.
func (c *catalogArea) action(w http.ResponseWriter, r *http.Request) {
	p, err := c.procedureFromPath(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	n, err := versionFromPath(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	a := catalog.Action(r.PostFormValue("action"))
	reason := r.PostFormValue("reason")
	if !validAction(a) {
		c.s.Error(w, r, http.StatusBadRequest)
		return
	}
	st, _ := StaffFrom(r.Context())
	err = c.svc.Do(r.Context(), actorFor(st, a), p.ID, n, a, reason)
	if err == nil {
		c.flashDone(w, r, p, n, a)
		http.Redirect(w, r, versionPath(p, n), http.StatusSeeOther)
		return
	}
	switch status := StatusOf(err); {
	case status == http.StatusForbidden:
		c.s.Error(w, r, status)
		return
	case status >= 500 || status == http.StatusNotFound:
		c.s.Fail(w, r, err)
		return
	}
	issues, _ := c.issues(r, err)
	// A draft that is not complete: the editor shows each item at its field.
	if a == catalog.ActSubmit && errors.Is(err, fault.Invalid) {
		if reg, verr := c.svc.Version(r.Context(), p.ID, n); verr == nil {
			c.renderEdit(w, r, StatusOf(err), p, n, regulationValues(reg), issues, c.s.T(r, "catalog_web.edit.saved_not_submitted"))
			return
		}
	}
	var errs ui.Errors
	for _, is := range issues {
		field := "actions"
		if is.Path == "reason" {
			field = "reason-" + string(a)
		}
		errs.Add(field, is.Message)
	}
	c.renderVersion(w, r, StatusOf(err), errs, reason)
}

// ---- presenting a regulation

// contentRows is the whole regulation in the order of R637 p. 6 and then
// the procedure's own terms.
func (c *catalogArea) contentRows(r *http.Request, reg *catalog.Regulation, names bodyNames) []catalogRow {
	lang := ui.Lang(r)
	t := func(key string, args ...any) string { return c.s.T(r, key, args...) }
	text := func(x catalog.Text) []string {
		if s := x.In(lang); s != "" {
			return []string{s}
		}
		return nil
	}
	labelled := func(label string, vals ...string) []string {
		var nonEmpty []string
		for _, v := range vals {
			if v != "" {
				nonEmpty = append(nonEmpty, v)
			}
		}
		if len(nonEmpty) == 0 {
			return []string{label + ": " + t("catalog_web.missing")}
		}
		return []string{label + ": " + strings.Join(nonEmpty, "; ")}
	}
	labels := func(prefix string, vs []string) []string {
		var out []string
		for _, v := range vs {
			out = append(out, t(prefix+v))
		}
		return out
	}
	var rows []catalogRow
	add := func(id, label string, vals []string) {
		rows = append(rows, catalogRow{ID: id, Label: label, Values: vals, Missing: len(vals) == 0})
	}
	for _, item := range catalog.P6 {
		first, _, _ := strings.Cut(item.Paths[0], ".")
		var vals []string
		switch first {
		case "authorized_bodies":
			for _, b := range reg.AuthorizedBodies {
				vals = append(vals, names.name(lang, b))
			}
		case "access_methods":
			vals = labels("catalog.access.", strs(reg.AccessMethods))
		case "information":
			vals = text(reg.Information)
		case "subsystems":
			vals = labels("catalog.subsystem.", reg.Subsystems)
		case "software_requirements":
			vals = text(reg.Software)
		case "change_procedure":
			vals = text(reg.ChangeProcedure)
		case "submission":
			vals = append(vals, labelled(t("catalog_web.field.submission.channels"), strings.Join(labels("catalog.channel.", strs(reg.Submission.Channels)), ", "))...)
			vals = append(vals, labelled(t("catalog_web.field.submission.text"), reg.Submission.Text.In(lang))...)
			vals = append(vals, labelled(t("catalog_web.field.submission.withdrawal"), reg.Submission.Withdrawal.In(lang))...)
		case "complaints":
			body := ""
			if reg.Complaints.Body != "" {
				body = names.name(lang, reg.Complaints.Body)
			}
			vals = append(vals, labelled(t("catalog_web.field.complaints.body"), body)...)
			vals = append(vals, labelled(t("catalog_web.field.complaints.term"), c.term(lang, reg.Complaints.Term))...)
			vals = append(vals, labelled(t("catalog_web.field.complaints.submission"), reg.Complaints.Submission.In(lang))...)
			vals = append(vals, labelled(t("catalog_web.field.complaints.withdrawal"), reg.Complaints.Withdrawal.In(lang))...)
		case "cabinet":
			vals = labels("catalog.cabinet.", reg.Cabinet)
		case "documents":
			for _, d := range reg.Documents {
				s := d.Name(lang) + " (" + d.Code + ") — " + t("catalog.requirement."+string(d.Required))
				if cond := d.Condition.In(lang); cond != "" {
					s += ": " + cond
				}
				s += "; " + strings.Join(d.FileTypes, ", ")
				vals = append(vals, s)
			}
			if reg.Documents != nil && len(reg.Documents) == 0 {
				vals = []string{t("catalog_web.none")}
			}
		case "resources":
			for _, q := range reg.Resources {
				s := q.Resource + " / " + q.Service
				if pur := q.Purpose.In(lang); pur != "" {
					s += " — " + pur
				}
				vals = append(vals, s)
			}
			if reg.Resources != nil && len(reg.Resources) == 0 {
				vals = []string{t("catalog_web.resources_none")}
			}
		case "duties":
			vals = text(reg.Duties)
		}
		add("row-"+controlID(first), t(item.Key()), vals)
	}
	var form []string
	for _, f := range reg.Form {
		s := f.Label(lang) + " (" + f.Code + ") — " + t("catalog.field_type."+string(f.Type))
		if f.Required {
			s += ", " + t("catalog_web.version.required")
		}
		form = append(form, s)
	}
	add("row-form", t("catalog_web.group.form"), form)
	var terms []string
	if s := c.term(lang, reg.Term); s != "" {
		terms = append(terms, s)
	}
	if s := c.term(lang, reg.ExtendedTerm); s != "" {
		terms = append(terms, t("catalog_web.field.extended_term")+": "+s)
	}
	add("row-term", t("catalog_web.field.term"), terms)
	var fee []string
	if s := c.fee(lang, reg.Fee); s != "" {
		fee = append(fee, s)
	}
	fee = append(fee, text(reg.Fee.Note)...)
	add("row-fee", t("catalog_web.group.fee"), fee)
	var validity []string
	if s := c.validity(lang, reg.Validity); s != "" {
		validity = append(validity, s)
	}
	add("row-validity", t("catalog_web.group.validity"), validity)
	var grounds []string
	for _, g := range reg.RefusalGrounds {
		grounds = append(grounds, g.Text.In(lang)+" ("+g.Code+")")
	}
	add("row-refusal-grounds", t("catalog_web.group.refusal_grounds"), grounds)
	var eff []string
	if !reg.EffectiveDate.IsZero() {
		eff = append(eff, c.s.Catalog.Date(lang, reg.EffectiveDate.Time()))
	}
	add("row-effective-date", t("catalog_web.group.effective_date"), eff)
	if n := reg.Notes.In(lang); n != "" || len(reg.Sources) > 0 || reg.Demo {
		var about []string
		if reg.Demo {
			about = append(about, t("catalog.demo"))
		}
		if n != "" {
			about = append(about, n)
		}
		about = append(about, reg.Sources...)
		add("row-about", t("catalog_web.group.about"), about)
	}
	return rows
}

// diffFields are the top-level fields of a regulation that are not p. 6
// items, with their labels.
var diffFields = []string{"form", "term", "extended_term", "suspension_allowed", "fee", "validity", "refusal_grounds", "effective_date", "demo", "sources", "notes"}

// diffRows makes changes readable: the field's name, the place inside it,
// the old and the new value.
func (c *catalogArea) diffRows(r *http.Request, changes []catalog.Change) []catalogDiffRow {
	p6 := map[string]string{}
	for _, item := range catalog.P6 {
		first, _, _ := strings.Cut(item.Paths[0], ".")
		p6[first] = item.Key()
	}
	out := make([]catalogDiffRow, 0, len(changes))
	for _, ch := range changes {
		end := strings.IndexAny(ch.Path, ".[")
		first, rest := ch.Path, ""
		if end >= 0 {
			first, rest = ch.Path[:end], strings.TrimPrefix(ch.Path[end:], ".")
		}
		label := first
		if k, ok := p6[first]; ok {
			label = c.s.T(r, k)
		} else if slices.Contains(diffFields, first) {
			label = c.s.T(r, "catalog_web.diff."+first)
		}
		// The language of a text is said in words: «submission.text.ru».
		for _, lang := range []string{"ru", "be"} {
			if rest == lang || strings.HasSuffix(rest, "."+lang) {
				rest = strings.TrimSuffix(strings.TrimSuffix(rest, lang), ".")
				rest = strings.TrimSpace(rest + " " + c.s.T(r, "catalog_web.diff.in_"+lang))
			}
		}
		out = append(out, catalogDiffRow{Field: label, Detail: rest, Old: ch.Old, New: ch.New})
	}
	return out
}

// ---- comparing two versions

type catalogComparePage struct {
	Procedure catalog.Procedure
	Name      string
	Versions  []catalog.VersionInfo
	From, To  int
	Changes   []catalogDiffRow
	Back      string
	Action    string
}

func (c *catalogArea) compare(w http.ResponseWriter, r *http.Request) {
	ctx, lang := r.Context(), ui.Lang(r)
	p, err := c.procedureFromPath(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	vs, err := c.svc.Versions(ctx, p.ID)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	page := catalogComparePage{Procedure: p, Name: p.Name(lang), Versions: vs, Back: staffProcedurePath(p),
		Action: staffProcedurePath(p) + "/compare"}
	page.From, _ = strconv.Atoi(r.URL.Query().Get("from"))
	page.To, _ = strconv.Atoi(r.URL.Query().Get("to"))
	if page.To == 0 && len(vs) > 0 {
		page.To = vs[0].Version
	}
	if page.From == 0 && r.URL.Query().Get("from") == "" {
		if cur, err := c.svc.Current(ctx, p.ID); err == nil && cur.Version != page.To {
			page.From = cur.Version
		} else {
			page.From = max(page.To-1, 0)
		}
	}
	st, _ := StaffFrom(ctx)
	if ok, err := c.mayCompare(ctx, st, p, page.From, page.To); err != nil {
		c.s.Fail(w, r, err)
		return
	} else if !ok {
		c.s.Error(w, r, http.StatusForbidden)
		return
	}
	if !manages(st, p) {
		page.Back = "/staff/catalog"
	}
	a, b, err := c.pair(ctx, p, page.From, page.To)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	page.Changes = c.diffRows(r, catalog.Diff(a, b))
	c.s.Render(w, r, http.StatusOK, "catalog_compare", page)
}

// mayCompare: the procedure's managers compare any versions; an owner
// those it was asked to approve.
func (c *catalogArea) mayCompare(ctx context.Context, st org.Staff, p catalog.Procedure, from, to int) (bool, error) {
	if manages(st, p) {
		return true, nil
	}
	for _, v := range []int{from, to} {
		if v == 0 {
			continue
		}
		ok, err := c.askedOwner(ctx, st, p, v)
		if err != nil || !ok {
			return false, err
		}
	}
	return from != 0 || to != 0, nil
}

// pair reads two versions; 0 is an empty regulation.
func (c *catalogArea) pair(ctx context.Context, p catalog.Procedure, from, to int) (*catalog.Regulation, *catalog.Regulation, error) {
	read := func(v int) (*catalog.Regulation, error) {
		if v == 0 {
			return nil, nil
		}
		return c.svc.Version(ctx, p.ID, v)
	}
	a, err := read(from)
	if err != nil {
		return nil, nil, err
	}
	b, err := read(to)
	return a, b, err
}

package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"odnookno/internal/calendar"
	"odnookno/internal/catalog"
	"odnookno/internal/fault"
	"odnookno/internal/org"
	"odnookno/internal/web/ui"
)

// The regulator's draft editor. Every item R637 p. 6 requires is a field
// group of its own (catalog.P6, in the resolution's order), followed by
// the procedure's form, terms, fee, validity, grounds for refusal and
// effective date. Lists of structured items (documents, information
// resources, form fields, grounds) are edited as JSON; everything else is
// an ordinary control. Each control is named by the regulation path it
// holds — the same path catalog.Validate names in its errors — so every
// message lands next to its own field.

// Kinds of editor controls.
const (
	ctlText2  = "text2"  // a catalog.Text: Russian and Belarusian text areas
	ctlChecks = "checks" // a set from a closed list
	ctlSelect = "select" // one body
	ctlTerm   = "term"   // a calendar.Term as written («15 дней»)
	ctlJSON   = "json"   // a list of items as JSON
	ctlDate   = "date"   // a catalog.Date
	ctlAmount = "amount" // a catalog.Decimal
	ctlRadios = "radios" // one of a closed list
	ctlLines  = "lines"  // a list of strings, one a line
	ctlBool   = "bool"   // one check box
)

// editKinds lists every path the editor holds with its control.
var editKinds = map[string]string{
	"authorized_bodies":     ctlChecks,
	"access_methods":        ctlChecks,
	"information":           ctlText2,
	"subsystems":            ctlChecks,
	"software_requirements": ctlText2,
	"change_procedure":      ctlText2,
	"submission.channels":   ctlChecks,
	"submission.text":       ctlText2,
	"submission.withdrawal": ctlText2,
	"complaints.submission": ctlText2,
	"complaints.withdrawal": ctlText2,
	"complaints.body":       ctlSelect,
	"complaints.term":       ctlTerm,
	"cabinet":               ctlChecks,
	"documents":             ctlJSON,
	"resources":             ctlJSON,
	"duties":                ctlText2,
	"form":                  ctlJSON,
	"term":                  ctlTerm,
	"extended_term":         ctlTerm,
	"suspension_allowed":    ctlBool,
	"fee":                   ctlRadios,
	"fee.base_values":       ctlAmount,
	"fee.note":              ctlText2,
	"validity.kind":         ctlRadios,
	"validity.term":         ctlTerm,
	"validity.text":         ctlText2,
	"refusal_grounds":       ctlJSON,
	"effective_date":        ctlDate,
	"notes":                 ctlText2,
	"sources":               ctlLines,
	"demo":                  ctlBool,
}

// editMore are the groups after the p. 6 items: legend key and paths.
var editMore = []struct {
	id, legend string
	paths      []string
}{
	{"form", "catalog_web.group.form", []string{"form"}},
	{"terms", "catalog_web.group.terms", []string{"term", "extended_term", "suspension_allowed"}},
	{"fee", "catalog_web.group.fee", []string{"fee", "fee.base_values", "fee.note"}},
	{"validity", "catalog_web.group.validity", []string{"validity.kind", "validity.term", "validity.text"}},
	{"refusal_grounds", "catalog_web.group.refusal_grounds", []string{"refusal_grounds"}},
	{"effective_date", "catalog_web.group.effective_date", []string{"effective_date"}},
	{"about", "catalog_web.group.about", []string{"notes", "sources", "demo"}},
}

// editHints are the paths with a hint under their label.
var editHints = map[string]bool{
	"authorized_bodies": true, "complaints.term": true, "documents": true, "resources": true, "form": true,
	"term": true, "extended_term": true, "fee.base_values": true, "validity.term": true, "refusal_grounds": true,
	"effective_date": true, "sources": true, "demo": true, "information": true, "suspension_allowed": true,
}

func controlID(path string) string { return strings.NewReplacer(".", "-", "_", "-").Replace(path) }

// ---- regulation ⇄ form values

func termText(t calendar.Term) string {
	if t == (calendar.Term{}) {
		return ""
	}
	return t.String()
}

// jsonText writes a list for its text area; a nil list (missing) is
// empty, an empty one (explicitly none) is «[]».
func jsonText[T any](list []T) string {
	if list == nil {
		return ""
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(list); err != nil {
		return ""
	}
	return strings.TrimSpace(b.String())
}

func strs[T ~string](vs []T) []string {
	if vs == nil {
		return nil
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// regulationValues are the editor's form values of reg.
func regulationValues(reg *catalog.Regulation) url.Values {
	v := url.Values{}
	text := func(path string, t catalog.Text) {
		v.Set(path+".ru", t.RU)
		v.Set(path+".be", t.BE)
	}
	v["authorized_bodies"] = slices.Clone(reg.AuthorizedBodies)
	v["access_methods"] = strs(reg.AccessMethods)
	text("information", reg.Information)
	v["subsystems"] = slices.Clone(reg.Subsystems)
	text("software_requirements", reg.Software)
	text("change_procedure", reg.ChangeProcedure)
	v["submission.channels"] = strs(reg.Submission.Channels)
	text("submission.text", reg.Submission.Text)
	text("submission.withdrawal", reg.Submission.Withdrawal)
	text("complaints.submission", reg.Complaints.Submission)
	text("complaints.withdrawal", reg.Complaints.Withdrawal)
	v.Set("complaints.body", reg.Complaints.Body)
	v.Set("complaints.term", termText(reg.Complaints.Term))
	v["cabinet"] = slices.Clone(reg.Cabinet)
	v.Set("documents", jsonText(reg.Documents))
	v.Set("resources", jsonText(reg.Resources))
	text("duties", reg.Duties)
	v.Set("form", jsonText(reg.Form))
	v.Set("term", termText(reg.Term))
	v.Set("extended_term", termText(reg.ExtendedTerm))
	switch {
	case reg.Fee.Free:
		v.Set("fee", "free")
	case !reg.Fee.BaseValues.IsZero():
		v.Set("fee", "paid")
	}
	if !reg.Fee.BaseValues.IsZero() {
		v.Set("fee.base_values", reg.Fee.BaseValues.Format())
	}
	text("fee.note", reg.Fee.Note)
	v.Set("validity.kind", string(reg.Validity.Kind))
	v.Set("validity.term", termText(reg.Validity.Term))
	text("validity.text", reg.Validity.Text)
	v.Set("refusal_grounds", jsonText(reg.RefusalGrounds))
	v.Set("effective_date", reg.EffectiveDate.String())
	text("notes", reg.Notes)
	v.Set("sources", strings.Join(reg.Sources, "\n"))
	if reg.SuspensionAllowed {
		v.Set("suspension_allowed", "true")
	}
	if reg.Demo {
		v.Set("demo", "true")
	}
	return v
}

// formText normalises a text area's value.
func formText(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

// parseRegulationForm builds a regulation from the editor's values. What
// cannot be stored even in a draft (a term, date, amount or list that
// does not parse) is returned as problems named by path; completeness is
// Validate's, on submission.
func parseRegulationForm(v url.Values) (*catalog.Regulation, []fault.Field) {
	var probs []fault.Field
	reg := &catalog.Regulation{}
	text := func(path string) catalog.Text {
		return catalog.Text{RU: formText(v.Get(path + ".ru")), BE: formText(v.Get(path + ".be"))}
	}
	set := func(path string) []string {
		var out []string
		for _, x := range v[path] {
			if x = strings.TrimSpace(x); x != "" && !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
		return out
	}
	term := func(path string) calendar.Term {
		s := strings.TrimSpace(v.Get(path))
		if s == "" {
			return calendar.Term{}
		}
		t, err := calendar.ParseTerm(s)
		if err != nil {
			probs = append(probs, fault.Field{Field: path, Code: catalog.CodeInvalidTerm})
		}
		return t
	}
	reg.AuthorizedBodies = set("authorized_bodies")
	for _, m := range set("access_methods") {
		reg.AccessMethods = append(reg.AccessMethods, catalog.AccessMethod(m))
	}
	reg.Information = text("information")
	reg.Subsystems = set("subsystems")
	reg.Software = text("software_requirements")
	reg.ChangeProcedure = text("change_procedure")
	for _, ch := range set("submission.channels") {
		reg.Submission.Channels = append(reg.Submission.Channels, catalog.Channel(ch))
	}
	reg.Submission.Text = text("submission.text")
	reg.Submission.Withdrawal = text("submission.withdrawal")
	reg.Complaints.Submission = text("complaints.submission")
	reg.Complaints.Withdrawal = text("complaints.withdrawal")
	reg.Complaints.Body = strings.TrimSpace(v.Get("complaints.body"))
	reg.Complaints.Term = term("complaints.term")
	reg.Cabinet = set("cabinet")
	probs = append(probs, decodeList(v.Get("documents"), "documents", &reg.Documents)...)
	probs = append(probs, decodeList(v.Get("resources"), "resources", &reg.Resources)...)
	reg.Duties = text("duties")
	probs = append(probs, decodeList(v.Get("form"), "form", &reg.Form)...)
	reg.Term = term("term")
	reg.ExtendedTerm = term("extended_term")
	switch v.Get("fee") {
	case "free":
		reg.Fee.Free = true
	case "paid":
		if s := strings.TrimSpace(v.Get("fee.base_values")); s != "" {
			d, err := catalog.ParseDecimal(s)
			if err != nil {
				probs = append(probs, fault.Field{Field: "fee.base_values", Code: catalog.CodeInvalidAmount, Params: map[string]any{"value": s}})
			}
			reg.Fee.BaseValues = d
		}
	}
	reg.Fee.Note = text("fee.note")
	reg.Validity.Kind = catalog.ValidityKind(v.Get("validity.kind"))
	// Only the chosen kind's value is kept: the others stay in the form
	// but are not part of the regulation.
	switch reg.Validity.Kind {
	case catalog.ValidityTerm:
		reg.Validity.Term = term("validity.term")
	case catalog.ValidityText:
		reg.Validity.Text = text("validity.text")
	}
	probs = append(probs, decodeList(v.Get("refusal_grounds"), "refusal_grounds", &reg.RefusalGrounds)...)
	if s := strings.TrimSpace(v.Get("effective_date")); s != "" {
		d, err := parseFormDate(s)
		if err != nil {
			probs = append(probs, fault.Field{Field: "effective_date", Code: catalog.CodeInvalidDate, Params: map[string]any{"value": s}})
		}
		reg.EffectiveDate = d
	}
	reg.Notes = text("notes")
	for _, line := range strings.Split(v.Get("sources"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			reg.Sources = append(reg.Sources, line)
		}
	}
	reg.Demo = v.Get("demo") == "true"
	reg.SuspensionAllowed = v.Get("suspension_allowed") == "true"
	return reg, probs
}

// parseFormDate reads «2026-03-01» (a date input) or «01.03.2026» (typed).
func parseFormDate(s string) (catalog.Date, error) {
	if t, err := time.Parse("02.01.2006", s); err == nil {
		s = t.Format(calendar.DateLayout)
	}
	return catalog.ParseDate(s)
}

// decodeList reads a JSON list from a text area: empty is nil (missing),
// «[]» an empty list. Unknown keys are errors, so a misspelt field does not
// vanish silently.
func decodeList[T any](s, path string, out *[]T) []fault.Field {
	s = strings.TrimSpace(s)
	if s == "" {
		*out = nil
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	var list []T
	err := dec.Decode(&list)
	if err == nil && dec.More() {
		err = &json.SyntaxError{Offset: dec.InputOffset()}
	}
	if err == nil {
		*out = list // «null» is missing, like an empty text area
		return nil
	}
	line := func(off int64) int { return strings.Count(s[:min(max(off, 0), int64(len(s)))], "\n") + 1 }
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	p := map[string]any{"line": line(dec.InputOffset())}
	code := "catalog_web.json.invalid"
	switch {
	case errors.As(err, &se):
		p["line"], code = line(se.Offset), "catalog_web.json.syntax"
	case errors.As(err, &te):
		p["line"], p["field"], code = line(te.Offset), te.Field, "catalog_web.json.type"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		p["field"], code = strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "catalog_web.json.unknown_field"
	case errors.Is(err, io.ErrUnexpectedEOF):
		code = "catalog_web.json.syntax"
	}
	return []fault.Field{{Field: path, Code: code, Params: p}}
}

// ---- the editor's model

type editOption struct {
	ID      string
	Value   string
	Label   string
	Hint    string
	Checked bool
}

type editControl struct {
	Path     string
	Context  string // the group (and the control) named in the error summary
	ID       string
	Kind     string
	Label    string
	Hint     string
	Single   bool // the only control of its group: the legend labels it
	Value    string
	RU, BE   string
	Options  []editOption
	Rows     int
	Errors   []string // of the control (of the Russian text of a text2)
	ErrorsBE []string // of the Belarusian text of a text2
}

// DescribedBy lists the hint and error ids of the control.
func (c *editControl) DescribedBy() string {
	var ids []string
	if c.Hint != "" {
		ids = append(ids, c.ID+"-hint")
	}
	if len(c.Errors) > 0 {
		ids = append(ids, c.ID+"-error")
	}
	return strings.Join(ids, " ")
}

type editGroup struct {
	N        int // the item's number among those of p. 6; 0 for the others
	ID       string
	Legend   string
	Clause   string // the wording of R637 p. 6, for its items
	Controls []*editControl
}

// editIssue is one localized problem at a regulation path ("" for the
// whole form).
type editIssue struct {
	Path    string
	Message string
}

// rowsFor sizes a text area to its text: a line per 70 characters of
// each line, at least least, at most 40.
func rowsFor(s string, least int) int {
	n := 1
	for _, line := range strings.Split(s, "\n") {
		n += 1 + utf8.RuneCountInString(line)/70
	}
	return min(max(n, least), 40)
}

func (c *catalogArea) newControl(r *http.Request, path string, v url.Values, names bodyNames) *editControl {
	lang := ui.Lang(r)
	kind, ok := editKinds[path]
	if !ok {
		panic("catalog editor: no control for " + path)
	}
	ctl := &editControl{Path: path, ID: controlID(path), Kind: kind, Label: c.s.T(r, "catalog_web.field."+path)}
	if editHints[path] {
		ctl.Hint = c.s.T(r, "catalog_web.hint."+path)
	}
	if kind == ctlTerm && !editHints[path] {
		ctl.Hint = c.s.T(r, "catalog_web.hint.term")
	}
	opts := func(values []string, label func(string) string) {
		chosen := v[path]
		for i, val := range values {
			id := ctl.ID
			if i > 0 {
				id += "-" + controlID(val)
			}
			ctl.Options = append(ctl.Options, editOption{ID: id, Value: val, Label: label(val), Checked: slices.Contains(chosen, val)})
		}
		// A value the list does not offer is kept, so saving loses nothing.
		for _, val := range chosen {
			if val != "" && !slices.Contains(values, val) {
				ctl.Options = append(ctl.Options, editOption{ID: ctl.ID + "-" + controlID(val), Value: val, Label: val, Checked: true})
			}
		}
	}
	key := func(prefix string) func(string) string {
		return func(s string) string { return c.s.T(r, prefix+s) }
	}
	switch kind {
	case ctlText2:
		ctl.RU, ctl.BE = v.Get(path+".ru"), v.Get(path+".be")
		ctl.Rows = max(rowsFor(ctl.RU, 3), rowsFor(ctl.BE, 3))
	case ctlChecks:
		switch path {
		case "authorized_bodies":
			var codes []string
			for _, b := range names.list {
				if slices.Contains(b.Kinds, org.KindAuthorized) {
					codes = append(codes, b.Code)
				}
			}
			opts(codes, func(code string) string { return names.name(lang, code) })
			for i := range ctl.Options {
				ctl.Options[i].Hint = ctl.Options[i].Value
			}
		case "access_methods":
			opts(strs(catalog.AccessMethods), key("catalog.access."))
		case "subsystems":
			opts(catalog.Subsystems, key("catalog.subsystem."))
		case "submission.channels":
			opts(strs(catalog.Channels), key("catalog.channel."))
		case "cabinet":
			opts(catalog.CabinetItems, key("catalog.cabinet."))
		}
	case ctlRadios:
		switch path {
		case "fee":
			opts([]string{"free", "paid"}, key("catalog_web.fee_kind."))
		case "validity.kind":
			opts(strs([]catalog.ValidityKind{catalog.Unlimited, catalog.ValidityTerm, catalog.ValidityText}), key("catalog_web.validity_kind."))
		}
	case ctlSelect:
		ctl.Value = v.Get(path)
		ctl.Options = append(ctl.Options, editOption{Value: "", Label: c.s.T(r, "catalog_web.edit.choose")})
		known := false
		for _, b := range names.list {
			ctl.Options = append(ctl.Options, editOption{Value: b.Code, Label: b.Name(lang), Checked: b.Code == ctl.Value})
			known = known || b.Code == ctl.Value
		}
		if !known && ctl.Value != "" {
			ctl.Options = append(ctl.Options, editOption{Value: ctl.Value, Label: ctl.Value, Checked: true})
		}
	case ctlJSON:
		ctl.Value = v.Get(path)
		ctl.Rows = rowsFor(ctl.Value, 4)
	case ctlLines:
		ctl.Value = v.Get(path)
		ctl.Rows = rowsFor(ctl.Value, 2)
	case ctlBool:
		ctl.Options = []editOption{{ID: ctl.ID, Value: "true", Label: c.s.T(r, "catalog_web.field."+path), Checked: v.Get(path) == "true"}}
	default:
		ctl.Value = v.Get(path)
	}
	return ctl
}

// editGroups lays out the editor for values and puts each issue next to
// its control; it returns the error summary in the order of the fields.
func (c *catalogArea) editGroups(r *http.Request, v url.Values, names bodyNames, issues []editIssue) ([]editGroup, ui.Errors) {
	var groups []editGroup
	for i, item := range catalog.P6 {
		first, _, _ := strings.Cut(item.Paths[0], ".")
		g := editGroup{N: i + 1, ID: "p6-" + controlID(first), Legend: c.s.T(r, item.Key()), Clause: item.Clause}
		for _, path := range item.Paths {
			g.Controls = append(g.Controls, c.newControl(r, path, v, names))
		}
		groups = append(groups, g)
	}
	for _, m := range editMore {
		g := editGroup{ID: "group-" + controlID(m.id), Legend: c.s.T(r, m.legend)}
		for _, path := range m.paths {
			g.Controls = append(g.Controls, c.newControl(r, path, v, names))
		}
		groups = append(groups, g)
	}
	var all []*editControl
	for i, g := range groups {
		legend := g.Legend
		if g.N > 0 {
			legend = strconv.Itoa(g.N) + ". " + legend
		}
		for _, ctl := range g.Controls {
			ctl.Single = len(g.Controls) == 1
			ctl.Context = legend
			if !ctl.Single {
				ctl.Context += " — " + ctl.Label
			}
		}
		all = append(all, groups[i].Controls...)
	}

	var general []string
	for _, is := range issues {
		ctl := controlFor(all, is.Path, v)
		if ctl == nil {
			general = append(general, is.Message)
			continue
		}
		rest := strings.TrimPrefix(is.Path, ctl.Path)
		switch ctl.Kind {
		case ctlText2:
			if rest == ".be" {
				ctl.ErrorsBE = append(ctl.ErrorsBE, is.Message)
				continue
			}
		case ctlJSON:
			if n, field, ok := itemPath(rest); ok {
				is.Message = c.s.T(r, "catalog_web.json.at_item", map[string]any{"n": n, "field": field, "message": is.Message})
			}
		}
		if !slices.Contains(ctl.Errors, is.Message) {
			ctl.Errors = append(ctl.Errors, is.Message)
		}
	}
	var summary ui.Errors
	for _, m := range general {
		summary.Add("regulation-form", m)
	}
	in := func(ctl *editControl, m string) string {
		return c.s.T(r, "catalog_web.edit.summary_item", map[string]any{"where": ctl.Context, "message": m})
	}
	for _, ctl := range all {
		for _, m := range ctl.Errors {
			summary.Add(ctl.errorTarget(), in(ctl, m))
		}
		for _, m := range ctl.ErrorsBE {
			summary.Add(ctl.ID+"-be", in(ctl, m))
		}
	}
	return groups, summary
}

// errorTarget is the id the summary links to: the control, or the first
// text area of a text pair.
func (c *editControl) errorTarget() string {
	if c.Kind == ctlText2 {
		return c.ID + "-ru"
	}
	return c.ID
}

// controlFor finds the control holding path: the one with the longest
// path at or above it. A fee that is required but missing is the amount's
// problem when «paid» is chosen.
func controlFor(all []*editControl, path string, v url.Values) *editControl {
	if path == "fee" && v.Get("fee") == "paid" {
		path = "fee.base_values"
	}
	var best *editControl
	for _, ctl := range all {
		if underPath(path, ctl.Path) && (best == nil || len(ctl.Path) > len(best.Path)) {
			best = ctl
		}
	}
	return best
}

func underPath(path, root string) bool {
	return path == root || strings.HasPrefix(path, root+".") || strings.HasPrefix(path, root+"[")
}

// itemPath splits «[2].max_size» into item 3 and «max_size».
func itemPath(rest string) (int, string, bool) {
	if !strings.HasPrefix(rest, "[") {
		return 0, "", false
	}
	end := strings.IndexByte(rest, ']')
	if end < 0 {
		return 0, "", false
	}
	n, err := strconv.Atoi(rest[1:end])
	if err != nil {
		return 0, "", false
	}
	return n + 1, strings.TrimPrefix(rest[end+1:], "."), true
}

// issues localizes a domain error for the editor: one issue per field of
// an invalid regulation, or a single one for the whole form.
func (c *catalogArea) issues(r *http.Request, err error) ([]editIssue, bool) {
	var fe *fault.Error
	if !errors.As(err, &fe) || StatusOf(err) >= 500 {
		return nil, false
	}
	if len(fe.Fields) == 0 {
		return []editIssue{{Message: c.message(r, err)}}, true
	}
	out := make([]editIssue, 0, len(fe.Fields))
	for _, f := range fe.Fields {
		out = append(out, editIssue{Path: f.Field, Message: c.s.T(r, f.Code, f.Params)})
	}
	return out, true
}

// ---- pages

type catalogEditPage struct {
	ui.Errors
	Procedure catalog.Procedure
	Name      string
	Version   int
	Groups    []editGroup
	Notice    string
	Action    string
	Back      string
}

// draftForEdit loads the procedure and version of the path for the
// regulator who may edit it; ok false means the response is written.
func (c *catalogArea) draftForEdit(w http.ResponseWriter, r *http.Request) (catalog.Procedure, *catalog.Regulation, bool) {
	p, err := c.procedureFromPath(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return p, nil, false
	}
	st, _ := StaffFrom(r.Context())
	if !st.Has(org.RoleRegulator) || st.Body.Code != p.Regulator {
		c.s.Error(w, r, http.StatusForbidden)
		return p, nil, false
	}
	n, err := versionFromPath(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return p, nil, false
	}
	reg, err := c.svc.Version(r.Context(), p.ID, n)
	if err != nil {
		c.s.Fail(w, r, err)
		return p, nil, false
	}
	if reg.State != catalog.Draft {
		// Only a draft is edited; the version's page says where it is.
		http.Redirect(w, r, versionPath(p, n), http.StatusSeeOther)
		return p, nil, false
	}
	return p, reg, true
}

func (c *catalogArea) renderEdit(w http.ResponseWriter, r *http.Request, status int, p catalog.Procedure, version int, v url.Values, issues []editIssue, notice string) {
	names, err := c.bodies(r.Context())
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	page := catalogEditPage{Procedure: p, Name: p.Name(ui.Lang(r)), Version: version, Notice: notice,
		Action: versionPath(p, version) + "/edit", Back: versionPath(p, version)}
	page.Groups, page.Errors = c.editGroups(r, v, names, issues)
	c.s.Render(w, r, status, "catalog_edit", page)
}

func (c *catalogArea) editForm(w http.ResponseWriter, r *http.Request) {
	r = c.popFlash(w, r)
	p, reg, ok := c.draftForEdit(w, r)
	if !ok {
		return
	}
	c.renderEdit(w, r, http.StatusOK, p, reg.Version, regulationValues(reg), nil, "")
}

// save stores the draft and, with do=submit, sends it for approval: a
// draft that lacks anything p. 6 requires stays saved, and the editor
// shows each missing item at its field.
func (c *catalogArea) save(w http.ResponseWriter, r *http.Request) {
	p, reg, ok := c.draftForEdit(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		c.s.Error(w, r, http.StatusBadRequest)
		return
	}
	st, _ := StaffFrom(r.Context())
	values := r.PostForm
	next, probs := parseRegulationForm(values)
	if len(probs) > 0 {
		issues, _ := c.issues(r, fault.Fields(probs...))
		c.renderEdit(w, r, http.StatusUnprocessableEntity, p, reg.Version, values, issues, c.s.T(r, "catalog_web.edit.not_saved"))
		return
	}
	if _, err := c.svc.SaveDraft(r.Context(), actorFor(st, catalog.ActSave), p.ID, reg.Version, next); err != nil {
		issues, ok := c.issues(r, err)
		if !ok {
			c.s.Fail(w, r, err)
			return
		}
		c.renderEdit(w, r, StatusOf(err), p, reg.Version, values, issues, c.s.T(r, "catalog_web.edit.not_saved"))
		return
	}
	if values.Get("do") != "submit" {
		catalogSetFlash(w, r, "catalog_web.flash.saved", map[string]string{"version": strconv.Itoa(reg.Version)})
		http.Redirect(w, r, versionPath(p, reg.Version)+"/edit", http.StatusSeeOther)
		return
	}
	if err := c.svc.Submit(r.Context(), actorFor(st, catalog.ActSubmit), p.ID, reg.Version); err != nil {
		issues, ok := c.issues(r, err)
		if !ok {
			c.s.Fail(w, r, err)
			return
		}
		c.renderEdit(w, r, StatusOf(err), p, reg.Version, values, issues, c.s.T(r, "catalog_web.edit.saved_not_submitted"))
		return
	}
	c.flashDone(w, r, p, reg.Version, catalog.ActSubmit)
	http.Redirect(w, r, versionPath(p, reg.Version), http.StatusSeeOther)
}

// flashDone remembers «action done, the version is now in state».
func (c *catalogArea) flashDone(w http.ResponseWriter, r *http.Request, p catalog.Procedure, version int, a catalog.Action) {
	state := ""
	if reg, err := c.svc.Version(r.Context(), p.ID, version); err == nil {
		state = string(reg.State)
	}
	catalogSetFlash(w, r, "catalog_web.flash.done", map[string]string{"action": string(a), "version": strconv.Itoa(version), "state": state})
}

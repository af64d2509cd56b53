package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"odnookno/internal/calendar"
	"odnookno/internal/cases"
	"odnookno/internal/catalog"
	"odnookno/internal/fault"
	"odnookno/internal/identity"
	"odnookno/internal/org"
	"odnookno/internal/web/ui"
)

// CaseFiling is where applications and complaints are filed and followed:
// the citizen's side in the cabinet (apply online under a procedure's
// electronic regulation, follow the application, withdraw it, complain)
// and the front office's intake in the staff workspace (register a written
// or oral application, print the receipt, refuse to accept), with the same
// actions in the JSON API. The rules are internal/cases'; the form and the
// documents are the regulation's (internal/catalog); the pages only show
// them.
type CaseFiling struct {
	Cases      *cases.Service
	Procedures *catalog.Service
	Identity   *identity.Service
}

// filing holds the handlers of CaseFiling.
type filing struct {
	s   *Server
	cs  *cases.Service
	cat *catalog.Service
	ids *identity.Service
}

// Routes lists every route of the area.
func (a *CaseFiling) Routes(s *Server, mux *http.ServeMux) {
	f := &filing{s: s, cs: a.Cases, cat: a.Procedures, ids: a.Identity}
	s.AddCabinetLink(CabinetLink{Href: "/cabinet/applications", Title: "cases_web.list.title", Hint: "cases_web.cabinet_link.applications"})
	s.AddCabinetLink(CabinetLink{Href: "/cabinet/complaints", Title: "cases_web.complaints.title", Hint: "cases_web.cabinet_link.complaints"})
	s.AddCabinetLink(CabinetLink{Href: "/catalog", Title: "cases_web.cabinet_link.apply", Hint: "cases_web.cabinet_link.apply_hint"})
	cit := func(h http.HandlerFunc) http.HandlerFunc { return s.RequireCitizen(a.Identity, h) }
	desk := func(h http.HandlerFunc) http.HandlerFunc {
		return s.RequireStaff(h, org.RoleRegistrar, org.RoleOfficer)
	}

	// The citizen applies online, step by step; the draft is saved at every step.
	mux.HandleFunc("GET /cabinet/apply/{list}/{number}", cit(f.applyForm))
	mux.HandleFunc("POST /cabinet/apply/{list}/{number}", cit(f.applyCreate))
	mux.HandleFunc("GET /cabinet/applications/{id}/form", cit(f.editForm))
	mux.HandleFunc("POST /cabinet/applications/{id}/form", cit(f.saveForm))
	mux.HandleFunc("GET /cabinet/applications/{id}/files", cit(f.filesPage))
	mux.HandleFunc("POST /cabinet/applications/{id}/files", cit(f.upload))
	mux.HandleFunc("GET /cabinet/applications/{id}/files/{file}", cit(f.openFile))
	mux.HandleFunc("GET /cabinet/applications/{id}/review", cit(f.review))
	mux.HandleFunc("POST /cabinet/applications/{id}/submit", cit(f.submit))
	mux.HandleFunc("POST /cabinet/applications/{id}/discard", cit(f.discard))
	mux.HandleFunc("GET /cabinet/applications/{id}/done", cit(f.done))
	// … and follows it.
	mux.HandleFunc("GET /cabinet/applications", cit(f.list))
	mux.HandleFunc("GET /cabinet/applications/{id}", cit(f.page))
	mux.HandleFunc("GET /cabinet/applications/{id}/withdraw", cit(f.withdrawForm))
	mux.HandleFunc("POST /cabinet/applications/{id}/withdraw", cit(f.withdraw))
	mux.HandleFunc("GET /cabinet/applications/{id}/documents/{code}", cit(f.document))
	// Complaints.
	mux.HandleFunc("GET /cabinet/applications/{id}/complaint", cit(f.complaintForm))
	mux.HandleFunc("POST /cabinet/applications/{id}/complaint", cit(f.fileComplaint))
	mux.HandleFunc("GET /cabinet/complaints", cit(f.complaints))
	mux.HandleFunc("GET /cabinet/complaints/{id}", cit(f.complaint))
	mux.HandleFunc("POST /cabinet/complaints/{id}/files", cit(f.complaintUpload))
	mux.HandleFunc("GET /cabinet/complaints/{id}/withdraw", cit(f.complaintWithdrawForm))
	mux.HandleFunc("POST /cabinet/complaints/{id}/withdraw", cit(f.complaintWithdraw))
	mux.HandleFunc("GET /cabinet/complaints/{id}/documents/{code}", cit(f.complaintDocument))

	// The front office (служба «одно окно», P1.2).
	mux.HandleFunc("GET /staff/intake", desk(f.intakeHome))
	mux.HandleFunc("GET /staff/intake/new", desk(f.intakeForm))
	mux.HandleFunc("POST /staff/intake/new", desk(f.intakeRegister))
	mux.HandleFunc("GET /staff/intake/{id}", desk(f.intakeShow))
	mux.HandleFunc("GET /staff/intake/{id}/refuse", desk(f.intakeRefuseForm))
	mux.HandleFunc("POST /staff/intake/{id}/refuse", desk(f.intakeRefuse))
	mux.HandleFunc("GET /staff/intake/{id}/documents/{code}", desk(f.intakeDocument))
	mux.HandleFunc("GET /staff/intake/{id}/files/{file}", desk(f.intakeFile))

	f.apiRoutes(mux, cit, desk)

	s.AddStaffLink(StaffLink{Href: "/staff/intake", Title: "cases_web.intake.link.title", Hint: "cases_web.intake.link.hint",
		Roles: []string{org.RoleRegistrar}})
}

// ---- who acts

// citizen is the logged-in citizen as cases knows them.
func (f *filing) citizen(r *http.Request) (cases.Actor, identity.Citizen) {
	c, _ := CitizenFrom(r.Context())
	return cases.Citizen(strconv.FormatInt(c.ID, 10), c.FullName()), c
}

// applicant is the logged-in citizen as an application names them.
func filingApplicant(c identity.Citizen) cases.Applicant {
	return cases.Applicant{UID: string(c.UID), Surname: c.Surname, Name: c.Name, Patronymic: c.Patronymic,
		BirthDate: c.BirthDate, Phone: string(c.Phone)}
}

// ---- reading the request

// pathID reads a numeric path value; anything else is not found.
func filingPathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fault.New(fault.NotFound, cases.CodeNotFound, nil)
	}
	return id, nil
}

// version reads the version a form showed (the optimistic lock).
func filingVersion(r *http.Request) int {
	v, err := strconv.Atoi(r.FormValue("version"))
	if err != nil || v < 0 {
		// Never a stored version, and not the -1 with which the system
		// skips the check: the action is refused as stale.
		return -2
	}
	return v
}

// filingMaxUpload bounds a request carrying files: the largest document a
// regulation accepts is well below, and several files travel at once.
const filingMaxUpload = 64 << 20

// filingParseMultipart reads a form that may carry files; a body over the limit
// is refused with the file error.
func filingParseMultipart(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, filingMaxUpload)
	err := r.ParseMultipartForm(8 << 20)
	if errors.Is(err, http.ErrNotMultipart) {
		return r.ParseForm()
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return fault.Fields(fault.Field{Field: "file", Code: cases.CodeFileTooLarge, Params: map[string]any{"name": "", "max": filingMaxUpload}})
	}
	return err
}

// ---- procedures and regulations

// procedureByPath finds the procedure named by {list}/{number}.
func (f *filing) procedureByPath(r *http.Request) (catalog.Procedure, error) {
	list := catalog.List(r.PathValue("list"))
	number := r.PathValue("number")
	if !list.Valid() || !catalog.ValidNumber(number) {
		return catalog.Procedure{}, fault.New(fault.NotFound, catalog.CodeProcedureNotFound, nil)
	}
	return f.cat.ProcedureByNumber(r.Context(), list, number)
}

// regulationOf is the procedure and the regulation version an application
// was filed under (its form and documents).
func (f *filing) regulationOf(ctx context.Context, app cases.Application) (catalog.Procedure, *catalog.Regulation, error) {
	p, err := f.cat.Procedure(ctx, app.ProcedureID)
	if err != nil {
		return p, nil, err
	}
	reg, err := f.cat.Version(ctx, app.ProcedureID, app.RegulationVersion)
	return p, reg, err
}

// bodyName is a body's name in lang; an unknown code shows as itself.
func (f *filing) bodyName(ctx context.Context, lang, code string) string {
	if code == "" {
		return ""
	}
	b, err := f.s.Org.BodyByCode(ctx, code)
	if err != nil {
		return code
	}
	return b.Name(lang)
}

// term says a term in words.
func (f *filing) term(lang string, t calendar.Term) string {
	switch t.Kind {
	case calendar.SameDay:
		return f.s.Catalog.T(lang, "cases_web.term.same_day")
	case calendar.CalendarDays:
		return f.s.Catalog.Plural(lang, "cases_web.term.days", t.N)
	case calendar.WorkingDays:
		return f.s.Catalog.Plural(lang, "cases_web.term.working_days", t.N)
	case calendar.Months:
		return f.s.Catalog.Plural(lang, "cases_web.term.months", t.N)
	}
	return ""
}

// ---- presenting values

// filingDay turns a stored "YYYY-MM-DD" into a time for the date function;
// the zero time (shown as nothing) when empty or malformed.
func filingDay(s string) time.Time {
	t, err := time.Parse(calendar.DateLayout, s)
	if err != nil {
		return time.Time{}
	}
	return t.Add(9 * time.Hour) // the middle of the Minsk day, whatever zone shows it
}

// filingDotDay shows a stored date as people type it: "31.12.2026".
func filingDotDay(s string) string {
	t, err := time.Parse(calendar.DateLayout, s)
	if err != nil {
		return s
	}
	return t.Format("02.01.2006")
}

func (f *filing) statusText(lang string, st cases.Status) string {
	return f.s.Catalog.T(lang, "case.status."+string(st))
}

func (f *filing) complaintStatusText(lang string, st cases.Status) string {
	return f.s.Catalog.T(lang, "complaint.status."+string(st))
}

// filingEvent is one line of history as the citizen or the front office
// reads it.
type filingEvent struct {
	At      time.Time
	What    string
	Who     string
	Comment string
}

func (f *filing) events(lang, subject string, evs []cases.Event) []filingEvent {
	out := make([]filingEvent, 0, len(evs))
	for _, e := range evs {
		key := subject + ".action." + string(e.Action)
		what := f.s.Catalog.T(lang, key)
		if !f.s.Catalog.Has(lang, key) {
			what = string(e.Action)
		}
		who := "cases_web.actor." + e.ActorRole
		if !f.s.Catalog.Has(lang, who) {
			who = "cases_web.actor.staff"
		}
		ev := filingEvent{At: e.At, What: what, Who: f.s.Catalog.T(lang, who), Comment: e.Comment}
		if n, ok := e.Details["number"].(string); ok && n != "" && (e.Action == cases.ActRegister || e.Action == cases.ActIntake) {
			ev.What += " — " + n
		}
		out = append(out, ev)
	}
	return out
}

// filingDoc is an issued document (receipt, notice, decision) with its
// signature status, as the pages list it.
type filingDoc struct {
	Code      string
	Title     string
	Purpose   string
	IssuedAt  time.Time
	Signed    bool
	Signer    string
	SignedAt  time.Time
	URL       string // the PDF, behind the access check
	VerifyURL string // the public verification page
}

func (f *filing) documents(ctx context.Context, lang string, refs []cases.DocumentRef, base string) []filingDoc {
	out := make([]filingDoc, 0, len(refs))
	for _, d := range refs {
		fd := filingDoc{Code: d.Code, Title: d.Title, Purpose: d.Purpose, IssuedAt: d.IssuedAt,
			URL: base + "/documents/" + url.PathEscape(d.Code), VerifyURL: "/verify/" + url.PathEscape(d.Code)}
		if key := "cases_web.doc." + d.Purpose; d.Purpose != "" && f.s.Catalog.Has(lang, key) {
			fd.Title = f.s.Catalog.T(lang, key)
		}
		if is, err := f.s.Docs.ByCode(ctx, d.Code); err == nil && is.Signed {
			fd.Signed, fd.Signer, fd.SignedAt = true, is.SignerName, is.SignedAt
		}
		out = append(out, fd)
	}
	return out
}

// filingFile is an attached file.
type filingFile struct {
	ID      int64
	DocCode string
	Name    string
	Size    string
	At      time.Time
	URL     string
}

func (f *filing) files(lang string, atts []cases.Attachment, base string) []filingFile {
	out := make([]filingFile, 0, len(atts))
	for _, a := range atts {
		ff := filingFile{ID: a.ID, DocCode: a.DocCode, Name: a.Name, Size: f.size(lang, a.Size), At: a.UploadedAt}
		if base != "" {
			ff.URL = base + "/files/" + strconv.FormatInt(a.ID, 10)
		}
		out = append(out, ff)
	}
	return out
}

// size says a file size in words: "230 КБ", "1,5 МБ".
func (f *filing) size(lang string, n int64) string {
	switch {
	case n >= 1<<20:
		return f.s.Catalog.T(lang, "cases_web.size.mb", "N", filingDecimal(float64(n)/(1<<20)))
	case n >= 1<<10:
		return f.s.Catalog.T(lang, "cases_web.size.kb", "N", strconv.FormatInt((n+512)>>10, 10))
	}
	return f.s.Catalog.T(lang, "cases_web.size.bytes", "N", strconv.FormatInt(n, 10))
}

func filingDecimal(x float64) string {
	s := strconv.FormatFloat(x, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	return strings.ReplaceAll(s, ".", ",")
}

// ---- the regulation's form

// filingField is one field of a regulation's form as a page draws it:
// text, date, number, choice (radios or a list), uid, phone, address or
// file, with its label, hint, whether it is required (or when), its value
// and its error.
type filingField struct {
	ID        string // control id and form name: "form." + code
	Code      string
	Type      string
	Label     string
	Hint      string
	Optional  bool   // neither required nor conditionally required
	Condition string // when it is required, for a conditional field
	Value     string
	Options   []filingOption
	Select    bool // a list rather than radios (many options)
	Error     string
	// File fields: what the document accepts, and what is attached.
	Document string
	Accept   string
	Limits   string
	Files    []filingFile
}

type filingOption struct {
	Value   string
	Label   string
	Checked bool
}

// filingFormID is the control id of a form field: prefixed, so that a field
// code never clashes with the page's own controls.
func filingFormID(code string) string { return "form." + code }

// formFields lays out reg's form in lang with values, errors and the
// attachments carried by its file fields.
func (f *filing) formFields(lang string, reg *catalog.Regulation, values map[string]string, errs ui.Errors, atts []filingFile) []filingField {
	out := make([]filingField, 0, len(reg.Form))
	for _, fl := range reg.Form {
		v := filingField{ID: filingFormID(fl.Code), Code: fl.Code, Type: string(fl.Type), Label: fl.Label(lang), Hint: fl.Hint.In(lang),
			Optional: !fl.Required && fl.RequiredIf == nil, Value: values[fl.Code], Error: errs.For(filingFormID(fl.Code))}
		if fl.RequiredIf != nil {
			v.Condition = f.condition(lang, reg, *fl.RequiredIf)
		}
		switch fl.Type {
		case catalog.FieldDate:
			v.Value = filingDotDay(v.Value)
			if v.Hint == "" {
				v.Hint = f.s.Catalog.T(lang, "cases_web.field.date_hint")
			}
		case catalog.FieldUID:
			if v.Hint == "" {
				v.Hint = f.s.Catalog.T(lang, "cases_web.field.uid_hint")
			}
		case catalog.FieldPhone:
			if v.Hint == "" {
				v.Hint = f.s.Catalog.T(lang, "cases_web.field.phone_hint")
			}
		case catalog.FieldChoice:
			for _, o := range fl.Options {
				v.Options = append(v.Options, filingOption{Value: o.Value, Label: o.Label(lang), Checked: o.Value == v.Value})
			}
			v.Select = len(fl.Options) > 6
		case catalog.FieldFile:
			v.Document = fl.Document
			if d, ok := reg.Document(fl.Document); ok {
				v.Accept, v.Limits = f.limits(lang, d)
			}
			for _, a := range atts {
				if a.DocCode == fl.Document {
					v.Files = append(v.Files, a)
				}
			}
		}
		out = append(out, v)
	}
	return out
}

// condition words a required_if: «if "Children under 18" is "Yes"».
func (f *filing) condition(lang string, reg *catalog.Regulation, c catalog.Condition) string {
	label, value := c.Field, c.Equals
	if other, ok := reg.Field(c.Field); ok {
		label = other.Label(lang)
		for _, o := range other.Options {
			if o.Value == c.Equals {
				value = o.Label(lang)
			}
		}
	}
	return f.s.Catalog.T(lang, "cases_web.field.required_if", "Field", label, "Value", value)
}

// limits are a document's accepted types (for the accept attribute, and
// in words with the size limit).
func (f *filing) limits(lang string, d catalog.Document) (accept, words string) {
	var names []string
	for _, t := range d.FileTypes {
		n := strings.ToUpper(strings.TrimPrefix(t, "."))
		if _, sub, ok := strings.Cut(t, "/"); ok {
			n = strings.ToUpper(sub)
		}
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	accept = strings.Join(d.FileTypes, ",")
	switch {
	case len(names) > 0 && d.MaxSize > 0:
		words = f.s.Catalog.T(lang, "cases_web.file.limits", "Types", strings.Join(names, ", "), "Size", f.size(lang, d.MaxSize))
	case len(names) > 0:
		words = f.s.Catalog.T(lang, "cases_web.file.types", "Types", strings.Join(names, ", "))
	case d.MaxSize > 0:
		words = f.s.Catalog.T(lang, "cases_web.file.size", "Size", f.size(lang, d.MaxSize))
	}
	return accept, words
}

// filingFormValues reads the regulation's (non-file) fields from a posted form.
func filingFormValues(r *http.Request, reg *catalog.Regulation) map[string]string {
	out := map[string]string{}
	for _, fl := range reg.Form {
		if fl.Type == catalog.FieldFile {
			continue
		}
		if v := strings.TrimSpace(r.FormValue(filingFormID(fl.Code))); v != "" {
			out[fl.Code] = v
		}
	}
	return out
}

// filingStoredValues reads an application's stored form.
func filingStoredValues(form json.RawMessage) map[string]string {
	var m map[string]any
	_ = json.Unmarshal(form, &m)
	out := make(map[string]string, len(m))
	for k, v := range m {
		if v != nil {
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}

// filingCheckValues validates values against the regulation's form, leaving
// the file fields (attached separately) out; it returns the values to
// store (canonical when valid, as typed when not) and the problems.
func filingCheckValues(reg *catalog.Regulation, values map[string]string) (map[string]string, []fault.Field) {
	norm, err := reg.NormalizeApplication(values, nil)
	if err == nil {
		return norm, nil
	}
	var fe *fault.Error
	if !errors.As(err, &fe) {
		return values, []fault.Field{{Field: "form", Code: cases.CodeFormInvalid}}
	}
	var kept []fault.Field
	for _, x := range fe.Fields {
		if fl, ok := reg.Field(x.Field); ok && fl.Type == catalog.FieldFile {
			continue
		}
		kept = append(kept, x)
	}
	if len(kept) == 0 {
		// Only file fields are missing: the values themselves are fine.
		if norm, err = reg.NormalizeApplication(values, filingFileStubs(reg)); err == nil {
			return norm, nil
		}
	}
	return values, kept
}

// filingFileStubs pretends every file field has a file, to normalise the other
// values alone.
func filingFileStubs(reg *catalog.Regulation) map[string][]catalog.FileMeta {
	out := map[string][]catalog.FileMeta{}
	for _, fl := range reg.Form {
		if fl.Type != catalog.FieldFile {
			continue
		}
		d, _ := reg.Document(fl.Document)
		typ := "application/pdf"
		if len(d.FileTypes) > 0 {
			typ = d.FileTypes[0]
		}
		name := "file"
		if strings.HasPrefix(typ, ".") {
			name += typ
		}
		out[fl.Code] = []catalog.FileMeta{{Name: name, Type: typ, Size: 1}}
	}
	return out
}

// filingAttachedMeta describes the attachments carried by each file field, for
// the regulation's own check of required and conditional files.
func filingAttachedMeta(reg *catalog.Regulation, atts []cases.Attachment) map[string][]catalog.FileMeta {
	out := map[string][]catalog.FileMeta{}
	for _, fl := range reg.Form {
		if fl.Type != catalog.FieldFile {
			continue
		}
		for _, a := range atts {
			if a.DocCode == fl.Document {
				out[fl.Code] = append(out[fl.Code], catalog.FileMeta{Name: a.Name, Type: a.ContentType, Size: a.Size})
			}
		}
	}
	return out
}

// ---- errors

// fieldErrors turns a domain error into messages keyed by the ids of the
// page's controls: form fields get their "form." id, documents "doc."
// (the domain names them "doc:CODE"); other names stay. It returns nil for
// an error that is not the person's to fix.
func (f *filing) fieldErrors(r *http.Request, err error, reg *catalog.Regulation, fallback string) ui.Errors {
	var fe *fault.Error
	if !errors.As(err, &fe) || StatusOf(err) >= 500 {
		return nil
	}
	out := f.messages(r, fe.Fields, reg, fallback)
	if len(out) == 0 {
		out.Add(fallback, f.s.T(r, fe.Code, f.params(r, fe.Params)))
	}
	return out
}

// messages words field errors; a form field's message names the field,
// so that the error summary reads on its own ("Address: fill in this
// field").
func (f *filing) messages(r *http.Request, fields []fault.Field, reg *catalog.Regulation, fallback string) ui.Errors {
	var out ui.Errors
	for _, x := range fields {
		msg := f.s.T(r, x.Code, f.params(r, x.Params))
		if reg != nil {
			if fl, ok := reg.Field(x.Field); ok {
				if x.Code == catalog.CodeFormRequired {
					// "Fill in" fits a text box; radios are chosen, files attached.
					switch fl.Type {
					case catalog.FieldChoice:
						msg = f.s.T(r, "cases_web.field.choose_one")
					case catalog.FieldFile:
						msg = f.s.T(r, "cases_web.field.attach_file")
					}
				}
				msg = f.s.T(r, "cases_web.field.error", "Label", fl.Label(ui.Lang(r)), "Message", lowerFirst(msg))
			}
		}
		out.Add(f.controlID(x.Field, reg, fallback), msg)
	}
	return out
}

// lowerFirst lower-cases the first letter of a sentence that follows a
// colon.
// An abbreviation ("ЭЦП …") keeps its case.
func lowerFirst(s string) string {
	rs := []rune(s)
	if len(rs) == 0 || len(rs) > 1 && unicode.IsUpper(rs[1]) {
		return s
	}
	rs[0] = unicode.ToLower(rs[0])
	return string(rs)
}

func (f *filing) controlID(field string, reg *catalog.Regulation, fallback string) string {
	switch {
	case field == "":
		return fallback
	case strings.HasPrefix(field, "doc:"):
		return "doc." + strings.TrimPrefix(field, "doc:")
	case reg != nil:
		if _, ok := reg.Field(field); ok {
			return filingFormID(field)
		}
	}
	return field
}

// params words the parameters of case errors that name states and actions.
func (f *filing) params(r *http.Request, p map[string]any) map[string]any {
	if len(p) == 0 {
		return p
	}
	out := make(map[string]any, len(p))
	for k, v := range p {
		out[k] = v
	}
	subject, _ := p["subject"].(string)
	if subject != "complaint" {
		subject = "case"
	}
	for _, k := range []string{"from", "to"} {
		if st, ok := p[k].(string); ok && st != "" {
			out[k] = f.s.T(r, subject+".status."+st)
		}
	}
	if a, ok := p["action"].(string); ok && a != "" {
		out["action"] = f.s.T(r, subject+".action."+a)
	}
	return out
}

// ---- documents

// servePDF answers with the stored PDF of an issued document after the
// caller checked access.
func (f *filing) servePDF(w http.ResponseWriter, r *http.Request, code string) {
	pdf, _, err := f.s.Docs.PDF(r.Context(), code)
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+code+`.pdf"`)
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(pdf)
}

// ---- one-off notices after a redirect

const filingFlashCookie = "odk_case_flash"

// filingFlashKeys are the notices a redirect may carry.
var filingFlashKeys = map[string]bool{
	"cases_web.flash.saved":               true,
	"cases_web.flash.uploaded":            true,
	"cases_web.flash.withdrawn":           true,
	"cases_web.flash.discarded":           true,
	"cases_web.flash.complaint_filed":     true,
	"cases_web.flash.complaint_withdrawn": true,
	"cases_web.flash.registered":          true,
	"cases_web.flash.refused":             true,
}

func filingSetFlash(w http.ResponseWriter, r *http.Request, key string, params map[string]string) {
	v := url.Values{"k": {key}}
	for k, p := range params {
		v.Set("p_"+k, p)
	}
	http.SetCookie(w, &http.Cookie{Name: filingFlashCookie, Value: v.Encode(), Path: "/", MaxAge: 60, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

func (f *filing) popFlash(w http.ResponseWriter, r *http.Request) *http.Request {
	c, err := r.Cookie(filingFlashCookie)
	if err != nil {
		return r
	}
	http.SetCookie(w, &http.Cookie{Name: filingFlashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	v, err := url.ParseQuery(c.Value)
	key := v.Get("k")
	if err != nil || !filingFlashKeys[key] {
		return r
	}
	params := map[string]any{}
	for k := range v {
		if p, ok := strings.CutPrefix(k, "p_"); ok {
			params[p] = v.Get(k)
		}
	}
	return r.WithContext(ui.WithFlash(r.Context(), ui.Notice{Kind: "success", Text: f.s.T(r, key, params)}))
}

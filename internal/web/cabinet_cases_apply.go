package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"odnookno/internal/cases"
	"odnookno/internal/catalog"
	"odnookno/internal/fault"
	"odnookno/internal/identity"
	"odnookno/internal/web/ui"
)

// Applying online (the cabinet): the form generated from the regulation's
// schema, the documents, a review and the submission. Each step saves the
// draft, so the citizen may leave and come back (the drafts are listed in
// the cabinet). The form is checked on the server at every step; the
// submission is checked again by cases against the regulation.

// filingFormPage is the form step.
type filingFormPage struct {
	ui.Errors
	Action    string // where the form posts
	AppID     int64  // 0 before the draft exists
	Version   int
	Procedure string
	Term      string
	Body      string         // the body the draft goes to
	Bodies    []filingOption // a choice, when several bodies carry out the procedure
	Fields    []filingField
	Multipart bool
	Step      int
	Steps     int
	Drafts    []filingDraftLink // unfinished drafts of the same procedure
	Cancel    string
}

type filingDraftLink struct {
	URL     string
	Created time.Time
}

// filingFilesPage is the documents step.
type filingFilesPage struct {
	ui.Errors
	AppID     int64
	Version   int
	Procedure string
	Docs      []filingDocReq
	Step      int
	Steps     int
}

// filingDocReq is a document of the regulation, what it accepts and what
// is attached.
type filingDocReq struct {
	ID        string // "doc." + code
	Code      string
	Name      string
	Required  bool
	Condition string
	Accept    string
	Limits    string
	Files     []filingFile
	Error     string
}

// filingReviewPage is the last step before submission.
type filingReviewPage struct {
	ui.Errors
	AppID     int64
	Version   int
	Procedure string
	Body      string
	Term      string
	Applicant string
	UID       string
	Answers   []filingAnswer
	Docs      []filingDocReq
	Problems  []filingProblem
	FormURL   string
	FilesURL  string
	Step      int
	Steps     int
}

type filingAnswer struct {
	Label string
	Value string
	File  bool // a file field: Files, or none attached
	Files []filingFile
	ID    string
}

// filingProblem is an error that links to the step where it is fixed.
type filingProblem struct {
	Href    string
	Message string
}

// filingDonePage confirms the submission.
type filingDonePage struct {
	AppID     int64
	Number    string
	Status    string
	Submitted bool // waiting for registration by the body
	RegDate   time.Time
	DueDate   time.Time
	Term      string
	Explain   []string
	Procedure string
	Body      string
	Receipt   *filingDoc
}

func filingAppURL(id int64) string { return "/cabinet/applications/" + strconv.FormatInt(id, 10) }

// filingOtherDocs are the regulation's documents that no file field of the
// form carries: the documents step asks for them.
func filingOtherDocs(reg *catalog.Regulation) []catalog.Document {
	var out []catalog.Document
	for _, d := range reg.Documents {
		if filingFieldFor(reg, d.Code) == "" {
			out = append(out, d)
		}
	}
	return out
}

// filingFieldFor is the code of the file field that carries document code.
func filingFieldFor(reg *catalog.Regulation, doc string) string {
	for _, fl := range reg.Form {
		if fl.Type == catalog.FieldFile && fl.Document == doc {
			return fl.Code
		}
	}
	return ""
}

func filingSteps(reg *catalog.Regulation) int {
	if len(filingOtherDocs(reg)) > 0 {
		return 3
	}
	return 2
}

func filingHasFileField(reg *catalog.Regulation) bool {
	for _, fl := range reg.Form {
		if fl.Type == catalog.FieldFile {
			return true
		}
	}
	return false
}

// onlineRegulation is the procedure of the path and its regulation in
// force, or a page saying it cannot be applied for online (false).
func (f *filing) onlineRegulation(w http.ResponseWriter, r *http.Request) (catalog.Procedure, *catalog.Regulation, bool) {
	p, err := f.procedureByPath(r)
	if err != nil {
		f.s.Fail(w, r, err)
		return p, nil, false
	}
	reg, err := f.cat.Current(r.Context(), p.ID)
	if err != nil && !errors.Is(err, fault.NotFound) {
		f.s.Fail(w, r, err)
		return p, nil, false
	}
	if reg == nil || !reg.Online() {
		f.s.Render(w, r, http.StatusConflict, "cabinet_app_unavailable", map[string]any{
			"Procedure": p.Number + " " + p.Name(ui.Lang(r)), "CatalogURL": "/catalog/" + string(p.List) + "/" + p.Number,
			"InForce": reg != nil})
		return p, nil, false
	}
	return p, reg, true
}

// filingPrefill puts what the cabinet knows into a new form: the full name and
// the phone.
func filingPrefill(reg *catalog.Regulation, c identity.Citizen) map[string]string {
	out := map[string]string{}
	phoneDone := false
	for _, fl := range reg.Form {
		switch {
		case fl.Code == "full_name" && fl.Type == catalog.FieldText:
			out[fl.Code] = c.FullName()
		case fl.Type == catalog.FieldPhone && !phoneDone && c.Phone != "":
			out[fl.Code] = string(c.Phone)
			phoneDone = true
		}
	}
	return out
}

func (f *filing) bodies(ctx context.Context, lang string, reg *catalog.Regulation, chosen string) []filingOption {
	if len(reg.AuthorizedBodies) < 2 {
		return nil
	}
	out := make([]filingOption, 0, len(reg.AuthorizedBodies))
	for _, b := range reg.AuthorizedBodies {
		out = append(out, filingOption{Value: b, Label: f.bodyName(ctx, lang, b), Checked: b == chosen})
	}
	return out
}

// applyForm is the empty form for a procedure.
func (f *filing) applyForm(w http.ResponseWriter, r *http.Request) {
	p, reg, ok := f.onlineRegulation(w, r)
	if !ok {
		return
	}
	lang := ui.Lang(r)
	actor, cit := f.citizen(r)
	page := f.newFormPage(r, p, reg, filingPrefill(reg, cit), nil, nil)
	drafts, err := f.cs.List(r.Context(), actor, cases.Filter{ProcedureID: p.ID, Statuses: []cases.Status{cases.Draft}, Limit: 5})
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	for _, d := range drafts.Items {
		page.Drafts = append(page.Drafts, filingDraftLink{URL: filingAppURL(d.ID) + "/review", Created: d.CreatedAt})
	}
	if len(reg.AuthorizedBodies) == 1 {
		page.Body = f.bodyName(r.Context(), lang, reg.AuthorizedBodies[0])
	}
	f.s.Render(w, r, http.StatusOK, "cabinet_app_form", page)
}

func (f *filing) newFormPage(r *http.Request, p catalog.Procedure, reg *catalog.Regulation, values map[string]string, errs ui.Errors, atts []filingFile) *filingFormPage {
	lang := ui.Lang(r)
	return &filingFormPage{Errors: errs, Action: "/cabinet/apply/" + string(p.List) + "/" + p.Number,
		Procedure: p.Number + " " + p.Name(lang), Term: f.term(lang, reg.Term),
		Bodies: f.bodies(r.Context(), lang, reg, r.FormValue("body")), Fields: f.formFields(lang, reg, values, errs, atts),
		Multipart: filingHasFileField(reg), Step: 1, Steps: filingSteps(reg), Cancel: "/catalog/" + string(p.List) + "/" + p.Number}
}

// applyCreate saves the first step as a new draft.
func (f *filing) applyCreate(w http.ResponseWriter, r *http.Request) {
	p, reg, ok := f.onlineRegulation(w, r)
	if !ok {
		return
	}
	if err := filingParseMultipart(w, r); err != nil {
		f.s.Fail(w, r, err)
		return
	}
	lang := ui.Lang(r)
	actor, cit := f.citizen(r)
	values := filingFormValues(r, reg)
	stored, problems := filingCheckValues(reg, values)
	body := r.FormValue("body")
	if len(reg.AuthorizedBodies) == 1 {
		body = reg.AuthorizedBodies[0]
	}
	if body == "" {
		errs := f.messages(r, problems, reg, "form")
		errs = append(ui.Errors{{Field: "body", Message: f.s.T(r, "cases_web.apply.body_required")}}, errs...)
		f.s.Render(w, r, http.StatusUnprocessableEntity, "cabinet_app_form", f.newFormPage(r, p, reg, values, errs, nil))
		return
	}
	form, _ := json.Marshal(stored)
	app, err := f.cs.CreateDraft(r.Context(), actor, cases.NewDraft{ProcedureID: p.ID, BodyCode: body, Form: form, Lang: lang,
		Applicant: filingApplicant(cit)})
	if err != nil {
		errs := f.fieldErrors(r, err, reg, "form")
		if errs == nil {
			f.s.Fail(w, r, err)
			return
		}
		f.s.Render(w, r, StatusOf(err), "cabinet_app_form", f.newFormPage(r, p, reg, values, errs, nil))
		return
	}
	app, fileErrs := f.attachFields(r, actor, app, reg)
	errs := append(f.messages(r, problems, reg, "form"), fileErrs...)
	if len(errs) > 0 {
		f.renderForm(w, r, http.StatusUnprocessableEntity, actor, app, p, reg, values, errs)
		return
	}
	http.Redirect(w, r, filingNextStep(app, reg), http.StatusSeeOther)
}

func filingNextStep(app cases.Application, reg *catalog.Regulation) string {
	if len(filingOtherDocs(reg)) > 0 {
		return filingAppURL(app.ID) + "/files"
	}
	return filingAppURL(app.ID) + "/review"
}

// attachFields attaches the files posted in the form's file fields, each
// as the document its field carries; errors are keyed by the field.
func (f *filing) attachFields(r *http.Request, actor cases.Actor, app cases.Application, reg *catalog.Regulation) (cases.Application, ui.Errors) {
	var errs ui.Errors
	if r.MultipartForm == nil {
		return app, nil
	}
	for _, fl := range reg.Form {
		if fl.Type != catalog.FieldFile {
			continue
		}
		for _, fh := range r.MultipartForm.File[filingFormID(fl.Code)] {
			next, err := f.attachOne(r.Context(), actor, app, fl.Document, fh.Filename, fh.Open)
			if err != nil {
				if e := f.fieldErrors(r, err, reg, filingFormID(fl.Code)); e != nil {
					for _, x := range e {
						errs.Add(filingFormID(fl.Code), x.Message)
					}
					continue
				}
				errs.Add(filingFormID(fl.Code), f.s.T(r, "error.internal"))
				f.s.log.ErrorContext(r.Context(), "attach", "err", err)
				continue
			}
			app = next
		}
	}
	return app, errs
}

func (f *filing) attachOne(ctx context.Context, actor cases.Actor, app cases.Application, doc, name string, open func() (multipart.File, error)) (cases.Application, error) {
	file, err := open()
	if err != nil {
		return app, err
	}
	defer file.Close()
	return f.cs.Attach(ctx, actor, app.ID, app.Version, cases.Upload{DocCode: doc, Name: name, Body: file})
}

// renderForm shows the draft's form step.
func (f *filing) renderForm(w http.ResponseWriter, r *http.Request, status int, actor cases.Actor, app cases.Application,
	p catalog.Procedure, reg *catalog.Regulation, values map[string]string, errs ui.Errors) {
	lang := ui.Lang(r)
	var atts []filingFile
	if v, err := f.cs.Get(r.Context(), actor, app.ID); err == nil {
		atts = f.files(lang, v.Attachments, filingAppURL(app.ID))
		app = v.Application
	}
	page := f.newFormPage(r, p, reg, values, errs, atts)
	page.Action, page.AppID, page.Version = filingAppURL(app.ID)+"/form", app.ID, app.Version
	page.Bodies, page.Body = nil, f.bodyName(r.Context(), lang, app.BodyCode)
	page.Cancel = filingAppURL(app.ID)
	f.s.Render(w, r, status, "cabinet_app_form", page)
}

// draft loads the citizen's draft for a step; anything past the draft
// goes to the application's page.
func (f *filing) draft(w http.ResponseWriter, r *http.Request) (cases.Actor, cases.CaseView, catalog.Procedure, *catalog.Regulation, bool) {
	actor, _ := f.citizen(r)
	id, err := filingPathID(r, "id")
	if err != nil {
		f.s.Fail(w, r, err)
		return actor, cases.CaseView{}, catalog.Procedure{}, nil, false
	}
	v, err := f.cs.Get(r.Context(), actor, id)
	if err != nil {
		f.s.Fail(w, r, err)
		return actor, v, catalog.Procedure{}, nil, false
	}
	if v.Application.Status != cases.Draft {
		http.Redirect(w, r, filingAppURL(id), http.StatusSeeOther)
		return actor, v, catalog.Procedure{}, nil, false
	}
	p, reg, err := f.regulationOf(r.Context(), v.Application)
	if err != nil {
		f.s.Fail(w, r, err)
		return actor, v, p, nil, false
	}
	return actor, v, p, reg, true
}

func (f *filing) editForm(w http.ResponseWriter, r *http.Request) {
	actor, v, p, reg, ok := f.draft(w, r)
	if !ok {
		return
	}
	f.renderForm(w, r, http.StatusOK, actor, v.Application, p, reg, filingStoredValues(v.Application.Form), nil)
}

func (f *filing) saveForm(w http.ResponseWriter, r *http.Request) {
	actor, v, p, reg, ok := f.draft(w, r)
	if !ok {
		return
	}
	if err := filingParseMultipart(w, r); err != nil {
		f.s.Fail(w, r, err)
		return
	}
	values := filingFormValues(r, reg)
	stored, problems := filingCheckValues(reg, values)
	form, _ := json.Marshal(stored)
	app, err := f.cs.UpdateDraft(r.Context(), actor, v.Application.ID, filingVersion(r), form)
	if err != nil {
		errs := f.fieldErrors(r, err, reg, "form")
		if errs == nil {
			f.s.Fail(w, r, err)
			return
		}
		f.renderForm(w, r, StatusOf(err), actor, v.Application, p, reg, values, errs)
		return
	}
	app, fileErrs := f.attachFields(r, actor, app, reg)
	errs := append(f.messages(r, problems, reg, "form"), fileErrs...)
	if len(errs) > 0 {
		f.renderForm(w, r, http.StatusUnprocessableEntity, actor, app, p, reg, values, errs)
		return
	}
	http.Redirect(w, r, filingNextStep(app, reg), http.StatusSeeOther)
}

// docReqs lays out documents with their attachments and errors.
func (f *filing) docReqs(lang string, docs []catalog.Document, atts []filingFile, errs ui.Errors) []filingDocReq {
	out := make([]filingDocReq, 0, len(docs))
	for _, d := range docs {
		dr := filingDocReq{ID: "doc." + d.Code, Code: d.Code, Name: d.Name(lang), Required: d.Required == catalog.Always,
			Condition: d.Condition.In(lang), Error: errs.For("doc." + d.Code)}
		dr.Accept, dr.Limits = f.limits(lang, d)
		for _, a := range atts {
			if a.DocCode == d.Code {
				dr.Files = append(dr.Files, a)
			}
		}
		out = append(out, dr)
	}
	return out
}

func (f *filing) filesPage(w http.ResponseWriter, r *http.Request) {
	_, v, p, reg, ok := f.draft(w, r)
	if !ok {
		return
	}
	if len(filingOtherDocs(reg)) == 0 {
		http.Redirect(w, r, filingAppURL(v.Application.ID)+"/review", http.StatusSeeOther)
		return
	}
	r = f.popFlash(w, r)
	f.renderFiles(w, r, http.StatusOK, v, p, reg, nil)
}

func (f *filing) renderFiles(w http.ResponseWriter, r *http.Request, status int, v cases.CaseView, p catalog.Procedure, reg *catalog.Regulation, errs ui.Errors) {
	lang := ui.Lang(r)
	app := v.Application
	page := filingFilesPage{Errors: errs, AppID: app.ID, Version: app.Version, Procedure: p.Number + " " + p.Name(lang),
		Docs: f.docReqs(lang, filingOtherDocs(reg), f.files(lang, v.Attachments, filingAppURL(app.ID)), errs), Step: 2, Steps: filingSteps(reg)}
	f.s.Render(w, r, status, "cabinet_app_files", page)
}

// upload attaches files to one document of the documents step.
func (f *filing) upload(w http.ResponseWriter, r *http.Request) {
	actor, v, p, reg, ok := f.draft(w, r)
	if !ok {
		return
	}
	if err := filingParseMultipart(w, r); err != nil {
		f.s.Fail(w, r, err)
		return
	}
	doc := r.FormValue("doc_code")
	id := "doc." + doc
	var errs ui.Errors
	var fhs []*multipart.FileHeader
	if r.MultipartForm != nil {
		fhs = r.MultipartForm.File["file"]
	}
	if len(fhs) == 0 {
		errs.Add(id, f.s.T(r, "cases_web.files.choose"))
	}
	app := v.Application
	app.Version = filingVersion(r)
	for _, fh := range fhs {
		next, err := f.attachOne(r.Context(), actor, app, doc, fh.Filename, fh.Open)
		if err != nil {
			fe := f.fieldErrors(r, err, reg, id)
			if fe == nil {
				f.s.Fail(w, r, err)
				return
			}
			for _, x := range fe {
				errs.Add(id, x.Message)
			}
			continue
		}
		app = next
	}
	if len(errs) > 0 {
		if fresh, err := f.cs.Get(r.Context(), actor, v.Application.ID); err == nil {
			v = fresh
		}
		f.renderFiles(w, r, http.StatusUnprocessableEntity, v, p, reg, errs)
		return
	}
	filingSetFlash(w, r, "cases_web.flash.uploaded", map[string]string{"count": strconv.Itoa(len(fhs))})
	http.Redirect(w, r, filingAppURL(app.ID)+"/files", http.StatusSeeOther)
}

// openFile sends an attachment back to the citizen who attached it.
func (f *filing) openFile(w http.ResponseWriter, r *http.Request) {
	actor, _ := f.citizen(r)
	id, err := filingPathID(r, "id")
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	fileID, err := filingPathID(r, "file")
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	a, rc, err := f.cs.OpenAttachment(r.Context(), actor, id, fileID)
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	defer rc.Close()
	filingServeFile(w, a, rc)
}

func filingServeFile(w http.ResponseWriter, a cases.Attachment, rc io.Reader) {
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Length", strconv.FormatInt(a.Size, 10))
	_, _ = io.Copy(w, rc)
}

// review shows everything the application will say, and what is still
// missing, before the citizen submits it.
func (f *filing) review(w http.ResponseWriter, r *http.Request) {
	_, v, p, reg, ok := f.draft(w, r)
	if !ok {
		return
	}
	f.renderReview(w, r, http.StatusOK, v, p, reg, nil)
}

func (f *filing) renderReview(w http.ResponseWriter, r *http.Request, status int, v cases.CaseView, p catalog.Procedure,
	reg *catalog.Regulation, problems []filingProblem) {
	lang := ui.Lang(r)
	app := v.Application
	base := filingAppURL(app.ID)
	atts := f.files(lang, v.Attachments, base)
	values := filingStoredValues(app.Form)
	page := filingReviewPage{AppID: app.ID, Version: app.Version, Procedure: p.Number + " " + p.Name(lang),
		Body: f.bodyName(r.Context(), lang, app.BodyCode), Term: f.term(lang, reg.Term), Applicant: app.Applicant.FullName(),
		UID: app.Applicant.UID, FormURL: base + "/form", FilesURL: base + "/files", Step: filingSteps(reg), Steps: filingSteps(reg)}
	for _, fv := range f.formFields(lang, reg, values, nil, atts) {
		a := filingAnswer{Label: fv.Label, Value: fv.Value, File: fv.Type == string(catalog.FieldFile), Files: fv.Files, ID: fv.ID}
		for _, o := range fv.Options {
			if o.Checked {
				a.Value = o.Label
			}
		}
		page.Answers = append(page.Answers, a)
	}
	if len(filingOtherDocs(reg)) > 0 {
		page.Docs = f.docReqs(lang, filingOtherDocs(reg), atts, nil)
	}
	if problems == nil {
		problems = f.preSubmit(r, app, reg, v.Attachments)
	}
	page.Problems = problems
	for _, pr := range problems {
		page.Errors.Add(pr.Href, pr.Message)
	}
	f.s.Render(w, r, status, "cabinet_app_review", page)
}

// preSubmit finds what would stop the submission: the form checked with
// its files (required and conditional ones), and every required document.
func (f *filing) preSubmit(r *http.Request, app cases.Application, reg *catalog.Regulation, atts []cases.Attachment) []filingProblem {
	var fields []fault.Field
	if err := reg.ValidateApplication(filingStoredValues(app.Form), filingAttachedMeta(reg, atts)); err != nil {
		var fe *fault.Error
		if errors.As(err, &fe) {
			fields = append(fields, fe.Fields...)
		}
	}
	have := map[string]bool{}
	for _, a := range atts {
		have[a.DocCode] = true
	}
	for _, d := range reg.Documents {
		if d.Required != catalog.Always || have[d.Code] {
			continue
		}
		if fc := filingFieldFor(reg, d.Code); fc != "" && filingHasField(fields, fc) {
			continue // the field's own message says it
		}
		fields = append(fields, fault.Field{Field: "doc:" + d.Code, Code: cases.CodeDocumentMissing,
			Params: map[string]any{"document": d.Name(ui.Lang(r))}})
	}
	return f.problems(r, app, reg, fields)
}

func filingHasField(fs []fault.Field, name string) bool {
	for _, x := range fs {
		if x.Field == name {
			return true
		}
	}
	return false
}

// problems links each field error to the step where it is fixed.
func (f *filing) problems(r *http.Request, app cases.Application, reg *catalog.Regulation, fields []fault.Field) []filingProblem {
	base := filingAppURL(app.ID)
	out := make([]filingProblem, 0, len(fields))
	for _, x := range fields {
		href := base + "/form"
		switch {
		case strings.HasPrefix(x.Field, "doc:"):
			doc := strings.TrimPrefix(x.Field, "doc:")
			if fc := filingFieldFor(reg, doc); fc != "" {
				href += "#" + url.PathEscape(filingFormID(fc))
			} else {
				href = base + "/files#doc." + url.PathEscape(doc)
			}
		case x.Field != "" && x.Field != "form":
			if _, ok := reg.Field(x.Field); ok {
				href += "#" + url.PathEscape(filingFormID(x.Field))
			}
		}
		out = append(out, filingProblem{Href: href, Message: f.messages(r, []fault.Field{x}, reg, "form")[0].Message})
	}
	return out
}

// submit files the draft; the application is registered at once (number,
// due date, receipt) unless the body registers online applications itself.
func (f *filing) submit(w http.ResponseWriter, r *http.Request) {
	actor, v, p, reg, ok := f.draft(w, r)
	if !ok {
		return
	}
	if probs := f.preSubmit(r, v.Application, reg, v.Attachments); len(probs) > 0 {
		f.renderReview(w, r, http.StatusUnprocessableEntity, v, p, reg, probs)
		return
	}
	app, err := f.cs.Submit(r.Context(), actor, v.Application.ID, filingVersion(r))
	if err != nil {
		var fe *fault.Error
		if !errors.As(err, &fe) || StatusOf(err) >= 500 {
			f.s.Fail(w, r, err)
			return
		}
		fields := fe.Fields
		if len(fields) == 0 {
			fields = []fault.Field{{Code: fe.Code, Params: fe.Params}}
		}
		if fresh, gerr := f.cs.Get(r.Context(), actor, v.Application.ID); gerr == nil {
			v = fresh
		}
		f.renderReview(w, r, StatusOf(err), v, p, reg, f.problems(r, v.Application, reg, fields))
		return
	}
	http.Redirect(w, r, filingAppURL(app.ID)+"/done", http.StatusSeeOther)
}

// discard drops a draft (kept as discarded).
func (f *filing) discard(w http.ResponseWriter, r *http.Request) {
	actor, _ := f.citizen(r)
	id, err := filingPathID(r, "id")
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	if _, err := f.cs.Discard(r.Context(), actor, id, filingVersion(r)); err != nil {
		f.s.Fail(w, r, err)
		return
	}
	filingSetFlash(w, r, "cases_web.flash.discarded", nil)
	http.Redirect(w, r, "/cabinet/applications", http.StatusSeeOther)
}

// done confirms a submission: the number, the due date and how it was
// computed, and the receipt.
func (f *filing) done(w http.ResponseWriter, r *http.Request) {
	actor, _ := f.citizen(r)
	id, err := filingPathID(r, "id")
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	v, err := f.cs.Get(r.Context(), actor, id)
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	app := v.Application
	if app.Status == cases.Draft {
		http.Redirect(w, r, filingAppURL(id)+"/review", http.StatusSeeOther)
		return
	}
	lang := ui.Lang(r)
	page := filingDonePage{AppID: id, Number: app.Number(), Status: f.statusText(lang, app.Status),
		Submitted: app.Status == cases.Submitted, RegDate: filingDay(app.RegDate), DueDate: filingDay(app.DueDate),
		Procedure: app.ProcedureNumber + " " + app.ProcedureName, Body: f.bodyName(r.Context(), lang, app.BodyCode)}
	if _, reg, err := f.regulationOf(r.Context(), app); err == nil {
		page.Procedure = app.ProcedureNumber + " " + f.procedureName(r.Context(), lang, app)
		page.Term = f.term(lang, reg.Term)
	}
	if app.Deadline.Valid() {
		if page.Explain, err = f.cs.Explain(r.Context(), app.Deadline, lang); err != nil {
			f.s.Fail(w, r, err)
			return
		}
	}
	for _, d := range f.documents(r.Context(), lang, v.Documents, filingAppURL(id)) {
		if d.Purpose == "receipt" {
			page.Receipt = &d
		}
	}
	f.s.Render(w, r, http.StatusOK, "cabinet_app_done", page)
}

// procedureName is the procedure's name in lang (the application keeps
// the Russian one).
func (f *filing) procedureName(ctx context.Context, lang string, app cases.Application) string {
	if lang != "ru" {
		if p, err := f.cat.Procedure(ctx, app.ProcedureID); err == nil {
			return p.Name(lang)
		}
	}
	return app.ProcedureName
}

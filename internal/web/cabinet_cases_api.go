package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"odnookno/internal/cases"
	"odnookno/internal/catalog"
	"odnookno/internal/fault"
	"odnookno/internal/web/ui"
)

// The JSON API of applications and complaints, the same actions as the
// pages: the citizen's under /api/v1/citizen (the citizen session: the
// cookie, or "Authorization: Bearer" with the token of
// POST /api/v1/citizen/login), and the front office's and the bodies'
// systems under /api/v1/intake (the staff session). Described in
// openapi.json.

func (f *filing) apiRoutes(mux *http.ServeMux, cit, desk func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("GET /api/v1/citizen/applications", cit(f.apiList))
	mux.HandleFunc("POST /api/v1/citizen/applications", cit(f.apiCreate))
	mux.HandleFunc("GET /api/v1/citizen/applications/{id}", cit(f.apiGet))
	mux.HandleFunc("PUT /api/v1/citizen/applications/{id}/form", cit(f.apiUpdateForm))
	mux.HandleFunc("POST /api/v1/citizen/applications/{id}/attachments", cit(f.apiAttach))
	mux.HandleFunc("POST /api/v1/citizen/applications/{id}/submit", cit(f.apiSubmit))
	mux.HandleFunc("POST /api/v1/citizen/applications/{id}/withdraw", cit(f.apiWithdraw))
	mux.HandleFunc("POST /api/v1/citizen/applications/{id}/discard", cit(f.apiDiscard))
	mux.HandleFunc("GET /api/v1/citizen/applications/{id}/documents/{code}", cit(f.document))
	mux.HandleFunc("GET /api/v1/citizen/complaints", cit(f.apiComplaints))
	mux.HandleFunc("POST /api/v1/citizen/complaints", cit(f.apiFileComplaint))
	mux.HandleFunc("GET /api/v1/citizen/complaints/{id}", cit(f.apiComplaint))
	mux.HandleFunc("POST /api/v1/citizen/complaints/{id}/attachments", cit(f.apiComplaintAttach))
	mux.HandleFunc("POST /api/v1/citizen/complaints/{id}/withdraw", cit(f.apiComplaintWithdraw))
	mux.HandleFunc("GET /api/v1/citizen/complaints/{id}/documents/{code}", cit(f.complaintDocument))

	f.intakeAPIRoutes(mux, desk)
}

// ---- JSON shapes

type filingAppJSON struct {
	ID                int64                 `json:"id"`
	Version           int                   `json:"version"`
	Status            string                `json:"status"`
	StatusText        string                `json:"status_text"`
	Channel           string                `json:"channel"`
	ProcedureID       int64                 `json:"procedure_id"`
	ProcedureNumber   string                `json:"procedure_number"`
	ProcedureName     string                `json:"procedure_name"`
	RegulationVersion int                   `json:"regulation_version"`
	Body              string                `json:"body"`
	BodyName          string                `json:"body_name,omitempty"`
	Number            string                `json:"number,omitempty"`
	RegistrationDate  string                `json:"registration_date,omitempty"`
	DueDate           string                `json:"due_date,omitempty"`
	DueSoon           bool                  `json:"due_soon"`
	Overdue           bool                  `json:"overdue"`
	DueExplanation    []string              `json:"due_explanation,omitempty"`
	Applicant         string                `json:"applicant"`
	Form              map[string]string     `json:"form,omitempty"`
	ReceiptURL        string                `json:"receipt_url,omitempty"`
	CreatedAt         time.Time             `json:"created_at"`
	SubmittedAt       time.Time             `json:"submitted_at,omitzero"`
	RegisteredAt      time.Time             `json:"registered_at,omitzero"`
	ClosedAt          time.Time             `json:"closed_at,omitzero"`
	Actions           []string              `json:"actions,omitempty"`
	Problems          []filingProblemJSON   `json:"problems,omitempty"`
	History           []filingEventJSON     `json:"history,omitempty"`
	Documents         []filingDocJSON       `json:"documents,omitempty"`
	Attachments       []filingAttJSON       `json:"attachments,omitempty"`
	Complaints        []filingComplaintJSON `json:"complaints,omitempty"`
}

type filingProblemJSON struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

type filingEventJSON struct {
	At      time.Time `json:"at"`
	Action  string    `json:"action"`
	Text    string    `json:"text"`
	Actor   string    `json:"actor"`
	From    string    `json:"from,omitempty"`
	To      string    `json:"to"`
	Comment string    `json:"comment,omitempty"`
}

type filingDocJSON struct {
	Code      string    `json:"code"`
	Purpose   string    `json:"purpose"`
	Title     string    `json:"title"`
	IssuedAt  time.Time `json:"issued_at"`
	Signed    bool      `json:"signed"`
	Signer    string    `json:"signer,omitempty"`
	SignedAt  time.Time `json:"signed_at,omitzero"`
	URL       string    `json:"url"`
	VerifyURL string    `json:"verify_url"`
}

type filingAttJSON struct {
	ID          int64     `json:"id"`
	DocCode     string    `json:"doc_code,omitempty"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedAt  time.Time `json:"uploaded_at"`
}

type filingComplaintJSON struct {
	ID               int64             `json:"id"`
	Version          int               `json:"version"`
	Status           string            `json:"status"`
	StatusText       string            `json:"status_text"`
	ApplicationID    int64             `json:"application_id"`
	About            string            `json:"about"`
	Text             string            `json:"text,omitempty"`
	Body             string            `json:"body"`
	Number           string            `json:"number,omitempty"`
	RegistrationDate string            `json:"registration_date,omitempty"`
	DueDate          string            `json:"due_date,omitempty"`
	CreatedAt        time.Time         `json:"created_at"`
	ClosedAt         time.Time         `json:"closed_at,omitzero"`
	Actions          []string          `json:"actions,omitempty"`
	History          []filingEventJSON `json:"history,omitempty"`
	Documents        []filingDocJSON   `json:"documents,omitempty"`
	Attachments      []filingAttJSON   `json:"attachments,omitempty"`
}

func (f *filing) appJSON(r *http.Request, a cases.Application) filingAppJSON {
	lang := ui.Lang(r)
	return filingAppJSON{ID: a.ID, Version: a.Version, Status: string(a.Status), StatusText: f.statusText(lang, a.Status),
		Channel: a.Channel, ProcedureID: a.ProcedureID, ProcedureNumber: a.ProcedureNumber, ProcedureName: f.procedureName(r.Context(), lang, a),
		RegulationVersion: a.RegulationVersion, Body: a.BodyCode, Number: a.RegNumber, RegistrationDate: a.RegDate, DueDate: a.DueDate,
		DueSoon: a.DueSoon && a.Open(), Overdue: a.Overdue && a.Open(), Applicant: a.Applicant.FullName(), CreatedAt: a.CreatedAt,
		SubmittedAt: a.SubmittedAt, RegisteredAt: a.RegisteredAt, ClosedAt: a.ClosedAt}
}

// viewJSON is the whole application as its viewer may see it; base is
// where its documents are served.
func (f *filing) viewJSON(r *http.Request, v cases.CaseView, base string) (filingAppJSON, error) {
	lang := ui.Lang(r)
	app := v.Application
	out := f.appJSON(r, app)
	out.BodyName = f.bodyName(r.Context(), lang, app.BodyCode)
	out.Form = filingStoredValues(app.Form)
	if app.Deadline.Valid() {
		var err error
		if out.DueExplanation, err = f.cs.Explain(r.Context(), app.Deadline, lang); err != nil {
			return out, err
		}
	}
	for _, a := range v.Actions {
		out.Actions = append(out.Actions, string(a))
	}
	for _, e := range v.Events {
		out.History = append(out.History, f.eventJSON(lang, "case", e))
	}
	for _, d := range f.documents(r.Context(), lang, v.Documents, base) {
		out.Documents = append(out.Documents, d.json())
		if d.Purpose == "receipt" {
			out.ReceiptURL = d.URL
		}
	}
	out.Attachments = filingAttachments(v.Attachments)
	for _, c := range v.Complaints {
		out.Complaints = append(out.Complaints, f.complaintJSON(lang, c))
	}
	return out, nil
}

func filingAttachments(atts []cases.Attachment) []filingAttJSON {
	var out []filingAttJSON
	for _, a := range atts {
		out = append(out, filingAttJSON{ID: a.ID, DocCode: a.DocCode, Name: a.Name, ContentType: a.ContentType, Size: a.Size,
			SHA256: a.SHA256, UploadedAt: a.UploadedAt})
	}
	return out
}

func (f *filing) eventJSON(lang, subject string, e cases.Event) filingEventJSON {
	ev := f.events(lang, subject, []cases.Event{e})[0]
	return filingEventJSON{At: e.At, Action: string(e.Action), Text: ev.What, Actor: e.ActorRole, From: string(e.From), To: string(e.To),
		Comment: e.Comment}
}

func (f *filing) complaintJSON(lang string, c cases.Complaint) filingComplaintJSON {
	return filingComplaintJSON{ID: c.ID, Version: c.Version, Status: string(c.Status), StatusText: f.complaintStatusText(lang, c.Status),
		ApplicationID: c.CaseID, About: c.About, Body: c.BodyCode, Number: c.RegNumber, RegistrationDate: c.RegDate, DueDate: c.DueDate,
		CreatedAt: c.CreatedAt, ClosedAt: c.ClosedAt}
}

// ---- helpers

// filingDecode reads a JSON body into v; unknown fields are an error.
func filingDecode(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 8<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil || dec.More() {
		return fault.New(fault.Invalid, "error.invalid", nil)
	}
	return nil
}

// fail answers an API error with the states and actions in its message
// in words.
func (f *filing) fail(w http.ResponseWriter, r *http.Request, err error) {
	var fe *fault.Error
	if errors.As(err, &fe) {
		out := *fe
		out.Params = f.params(r, fe.Params)
		out.Fields = nil
		for _, x := range fe.Fields {
			x.Params = f.params(r, x.Params)
			out.Fields = append(out.Fields, x)
		}
		err = &out
	}
	f.s.Fail(w, r, err)
}

// versionOr is the version the client sent, or the current one when it
// sent none.
func (f *filing) versionOr(ctx context.Context, actor cases.Actor, id int64, v *int) (int, error) {
	if v != nil {
		return filingSafeVersion(*v), nil
	}
	cv, err := f.cs.Get(ctx, actor, id)
	if err != nil {
		return 0, err
	}
	return cv.Application.Version, nil
}

// filingSafeVersion keeps a client's version from being the -1 with
// which the system skips the optimistic lock.
func filingSafeVersion(v int) int {
	if v < 0 {
		return -2
	}
	return v
}

// filingProcRef names a procedure by id or by list and number.
type filingProcRef struct {
	ID     int64  `json:"procedure_id"`
	List   string `json:"list"`
	Number string `json:"number"`
}

func (f *filing) procedureOf(ctx context.Context, ref filingProcRef) (catalog.Procedure, error) {
	if ref.ID != 0 {
		return f.cat.Procedure(ctx, ref.ID)
	}
	list := catalog.List(ref.List)
	if list == "" {
		list = catalog.Citizens
	}
	if !list.Valid() || !catalog.ValidNumber(ref.Number) {
		return catalog.Procedure{}, fault.Fields(fault.Field{Field: "procedure", Code: catalog.CodeProcedureNotFound})
	}
	return f.cat.ProcedureByNumber(ctx, list, ref.Number)
}

func filingAPIProblems(r *http.Request, f *filing, app cases.Application, reg *catalog.Regulation, atts []cases.Attachment) []filingProblemJSON {
	var out []filingProblemJSON
	var fields []fault.Field
	if err := reg.ValidateApplication(filingStoredValues(app.Form), filingAttachedMeta(reg, atts)); err != nil {
		var fe *fault.Error
		if errors.As(err, &fe) {
			fields = fe.Fields
		}
	}
	have := map[string]bool{}
	for _, a := range atts {
		have[a.DocCode] = true
	}
	for _, d := range reg.Documents {
		if d.Required == catalog.Always && !have[d.Code] && !filingHasField(fields, filingFieldFor(reg, d.Code)) {
			fields = append(fields, fault.Field{Field: "doc:" + d.Code, Code: cases.CodeDocumentMissing, Params: map[string]any{"document": d.Name(ui.Lang(r))}})
		}
	}
	for _, x := range fields {
		out = append(out, filingProblemJSON{Field: x.Field, Code: x.Code, Message: f.s.T(r, x.Code, f.params(r, x.Params))})
	}
	return out
}

// ---- the citizen's applications

func (f *filing) apiList(w http.ResponseWriter, r *http.Request) {
	actor, _ := f.citizen(r)
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	flt := cases.Filter{Limit: limit, Offset: offset}
	for _, st := range q["status"] {
		flt.Statuses = append(flt.Statuses, cases.Status(st))
	}
	l, err := f.cs.List(r.Context(), actor, flt)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	out := struct {
		Items []filingAppJSON `json:"items"`
		Total int             `json:"total"`
	}{Items: []filingAppJSON{}, Total: l.Total}
	for _, a := range l.Items {
		out.Items = append(out.Items, f.appJSON(r, a))
	}
	writeJSON(w, http.StatusOK, out)
}

// apiView answers with the application as the citizen sees it now.
func (f *filing) apiView(w http.ResponseWriter, r *http.Request, status int, actor cases.Actor, id int64) {
	v, err := f.cs.Get(r.Context(), actor, id)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	out, err := f.viewJSON(r, v, "/api/v1/citizen/applications/"+strconv.FormatInt(id, 10))
	if err != nil {
		f.fail(w, r, err)
		return
	}
	if v.Application.Status == cases.Draft {
		if _, reg, err := f.regulationOf(r.Context(), v.Application); err == nil {
			out.Problems = filingAPIProblems(r, f, v.Application, reg, v.Attachments)
		}
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", "/api/v1/citizen/applications/"+strconv.FormatInt(id, 10))
	}
	writeJSON(w, status, out)
}

func (f *filing) apiGet(w http.ResponseWriter, r *http.Request) {
	actor, _ := f.citizen(r)
	id, err := filingPathID(r, "id")
	if err != nil {
		f.fail(w, r, err)
		return
	}
	f.apiView(w, r, http.StatusOK, actor, id)
}

// apiCreate starts a draft: the procedure, the body (when several carry
// it out) and the form so far.
func (f *filing) apiCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		filingProcRef
		Body string            `json:"body"`
		Form map[string]string `json:"form"`
	}
	if err := filingDecode(r, &in); err != nil {
		f.fail(w, r, err)
		return
	}
	actor, cit := f.citizen(r)
	p, err := f.procedureOf(r.Context(), in.filingProcRef)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	stored := in.Form
	if reg, err := f.cat.Current(r.Context(), p.ID); err == nil {
		stored, _ = filingCheckValues(reg, in.Form)
		if in.Body == "" && len(reg.AuthorizedBodies) == 1 {
			in.Body = reg.AuthorizedBodies[0]
		}
	}
	if stored == nil {
		stored = map[string]string{}
	}
	form, _ := json.Marshal(stored)
	app, err := f.cs.CreateDraft(r.Context(), actor, cases.NewDraft{ProcedureID: p.ID, BodyCode: in.Body, Form: form, Lang: ui.Lang(r),
		Applicant: filingApplicant(cit)})
	if err != nil {
		f.fail(w, r, err)
		return
	}
	f.apiView(w, r, http.StatusCreated, actor, app.ID)
}

func (f *filing) apiUpdateForm(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Version *int              `json:"version"`
		Form    map[string]string `json:"form"`
	}
	if err := filingDecode(r, &in); err != nil {
		f.fail(w, r, err)
		return
	}
	actor, _ := f.citizen(r)
	id, err := filingPathID(r, "id")
	if err != nil {
		f.fail(w, r, err)
		return
	}
	v, err := f.cs.Get(r.Context(), actor, id)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	stored := in.Form
	if _, reg, err := f.regulationOf(r.Context(), v.Application); err == nil {
		stored, _ = filingCheckValues(reg, in.Form)
	}
	if stored == nil {
		stored = map[string]string{}
	}
	version := v.Application.Version
	if in.Version != nil {
		version = filingSafeVersion(*in.Version)
	}
	form, _ := json.Marshal(stored)
	if _, err := f.cs.UpdateDraft(r.Context(), actor, id, version, form); err != nil {
		f.fail(w, r, err)
		return
	}
	f.apiView(w, r, http.StatusOK, actor, id)
}

// apiAttach takes one or more files ("file") for a document ("doc_code")
// as multipart/form-data.
func (f *filing) apiAttach(w http.ResponseWriter, r *http.Request) {
	actor, _ := f.citizen(r)
	id, err := filingPathID(r, "id")
	if err != nil {
		f.fail(w, r, err)
		return
	}
	if err := filingParseMultipart(w, r); err != nil {
		f.fail(w, r, err)
		return
	}
	var version *int
	if v, err := strconv.Atoi(r.FormValue("version")); err == nil {
		version = &v
	}
	ver, err := f.versionOr(r.Context(), actor, id, version)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	ups, closeAll, err := filingUploads(r, "file", strings.TrimSpace(r.FormValue("doc_code")))
	if err != nil {
		f.fail(w, r, err)
		return
	}
	defer closeAll()
	if len(ups) == 0 {
		f.fail(w, r, fault.Fields(fault.Field{Field: "file", Code: "cases_web.files.choose"}))
		return
	}
	for _, u := range ups {
		app, err := f.cs.Attach(r.Context(), actor, id, ver, u)
		if err != nil {
			f.fail(w, r, err)
			return
		}
		ver = app.Version
	}
	f.apiView(w, r, http.StatusCreated, actor, id)
}

type filingVersionComment struct {
	Version *int   `json:"version"`
	Comment string `json:"comment"`
}

func (f *filing) apiSubmit(w http.ResponseWriter, r *http.Request) {
	var in filingVersionComment
	if err := filingDecodeOptional(r, &in); err != nil {
		f.fail(w, r, err)
		return
	}
	actor, _ := f.citizen(r)
	id, err := filingPathID(r, "id")
	if err != nil {
		f.fail(w, r, err)
		return
	}
	v, err := f.cs.Get(r.Context(), actor, id)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	if v.Application.Status == cases.Draft {
		if _, reg, err := f.regulationOf(r.Context(), v.Application); err == nil {
			if probs := filingAPIProblems(r, f, v.Application, reg, v.Attachments); len(probs) > 0 {
				writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": map[string]any{"code": "invalid",
					"message": f.s.T(r, "error.invalid"), "fields": probs, "request_id": RequestID(r.Context())}})
				return
			}
		}
	}
	version := v.Application.Version
	if in.Version != nil {
		version = filingSafeVersion(*in.Version)
	}
	if _, err := f.cs.Submit(r.Context(), actor, id, version); err != nil {
		f.fail(w, r, err)
		return
	}
	f.apiView(w, r, http.StatusOK, actor, id)
}

// filingDecodeOptional is filingDecode for a body that may be empty.
func filingDecodeOptional(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		return fault.New(fault.Invalid, "error.invalid", nil)
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil || dec.More() {
		return fault.New(fault.Invalid, "error.invalid", nil)
	}
	return nil
}

func (f *filing) apiWithdraw(w http.ResponseWriter, r *http.Request) {
	f.apiStep(w, r, func(ctx context.Context, actor cases.Actor, id int64, version int, comment string) error {
		_, err := f.cs.Withdraw(ctx, actor, id, version, comment)
		return err
	})
}

func (f *filing) apiDiscard(w http.ResponseWriter, r *http.Request) {
	f.apiStep(w, r, func(ctx context.Context, actor cases.Actor, id int64, version int, _ string) error {
		_, err := f.cs.Discard(ctx, actor, id, version)
		return err
	})
}

func (f *filing) apiStep(w http.ResponseWriter, r *http.Request, do func(ctx context.Context, actor cases.Actor, id int64, version int, comment string) error) {
	var in filingVersionComment
	if err := filingDecodeOptional(r, &in); err != nil {
		f.fail(w, r, err)
		return
	}
	actor, _ := f.citizen(r)
	id, err := filingPathID(r, "id")
	if err != nil {
		f.fail(w, r, err)
		return
	}
	version, err := f.versionOr(r.Context(), actor, id, in.Version)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	if err := do(r.Context(), actor, id, version, strings.TrimSpace(in.Comment)); err != nil {
		f.fail(w, r, err)
		return
	}
	f.apiView(w, r, http.StatusOK, actor, id)
}

// ---- the citizen's complaints

func (f *filing) apiComplaints(w http.ResponseWriter, r *http.Request) {
	actor, _ := f.citizen(r)
	list, total, err := f.cs.ListComplaints(r.Context(), actor, cases.ComplaintFilter{Limit: 200})
	if err != nil {
		f.fail(w, r, err)
		return
	}
	out := struct {
		Items []filingComplaintJSON `json:"items"`
		Total int                   `json:"total"`
	}{Items: []filingComplaintJSON{}, Total: total}
	for _, c := range list {
		out.Items = append(out.Items, f.complaintJSON(ui.Lang(r), c))
	}
	writeJSON(w, http.StatusOK, out)
}

func (f *filing) apiComplaintView(w http.ResponseWriter, r *http.Request, status int, actor cases.Actor, id int64) {
	v, err := f.cs.GetComplaint(r.Context(), actor, id)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	lang := ui.Lang(r)
	out := f.complaintJSON(lang, v.Complaint)
	out.Text = v.Complaint.Text
	for _, a := range v.Actions {
		out.Actions = append(out.Actions, string(a))
	}
	for _, e := range v.Events {
		out.History = append(out.History, f.eventJSON(lang, "complaint", e))
	}
	for _, d := range f.documents(r.Context(), lang, v.Documents, "/api/v1/citizen/complaints/"+strconv.FormatInt(id, 10)) {
		out.Documents = append(out.Documents, d.json())
	}
	out.Attachments = filingAttachments(v.Attachments)
	if status == http.StatusCreated {
		w.Header().Set("Location", "/api/v1/citizen/complaints/"+strconv.FormatInt(id, 10))
	}
	writeJSON(w, status, out)
}

func (f *filing) apiComplaint(w http.ResponseWriter, r *http.Request) {
	actor, _ := f.citizen(r)
	id, err := filingPathID(r, "id")
	if err != nil {
		f.fail(w, r, err)
		return
	}
	f.apiComplaintView(w, r, http.StatusOK, actor, id)
}

// apiFileComplaint files a complaint (JSON); files follow through
// /attachments.
func (f *filing) apiFileComplaint(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ApplicationID int64  `json:"application_id"`
		About         string `json:"about"`
		Text          string `json:"text"`
	}
	if err := filingDecode(r, &in); err != nil {
		f.fail(w, r, err)
		return
	}
	actor, _ := f.citizen(r)
	c, err := f.cs.FileComplaint(r.Context(), actor, cases.NewComplaint{CaseID: in.ApplicationID, About: in.About, Text: in.Text})
	if err != nil {
		f.fail(w, r, err)
		return
	}
	f.apiComplaintView(w, r, http.StatusCreated, actor, c.ID)
}

func (f *filing) apiComplaintAttach(w http.ResponseWriter, r *http.Request) {
	actor, _ := f.citizen(r)
	id, err := filingPathID(r, "id")
	if err != nil {
		f.fail(w, r, err)
		return
	}
	if err := filingParseMultipart(w, r); err != nil {
		f.fail(w, r, err)
		return
	}
	v, err := f.cs.GetComplaint(r.Context(), actor, id)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	version := v.Complaint.Version
	if n, err := strconv.Atoi(r.FormValue("version")); err == nil {
		version = filingSafeVersion(n)
	}
	ups, closeAll, err := filingUploads(r, "file", "")
	if err != nil {
		f.fail(w, r, err)
		return
	}
	defer closeAll()
	if len(ups) == 0 {
		f.fail(w, r, fault.Fields(fault.Field{Field: "file", Code: "cases_web.files.choose"}))
		return
	}
	for _, u := range ups {
		c, err := f.cs.AttachToComplaint(r.Context(), actor, id, version, u)
		if err != nil {
			f.fail(w, r, err)
			return
		}
		version = c.Version
	}
	f.apiComplaintView(w, r, http.StatusCreated, actor, id)
}

func (f *filing) apiComplaintWithdraw(w http.ResponseWriter, r *http.Request) {
	var in filingVersionComment
	if err := filingDecodeOptional(r, &in); err != nil {
		f.fail(w, r, err)
		return
	}
	actor, _ := f.citizen(r)
	id, err := filingPathID(r, "id")
	if err != nil {
		f.fail(w, r, err)
		return
	}
	version := 0
	if in.Version != nil {
		version = filingSafeVersion(*in.Version)
	} else {
		v, err := f.cs.GetComplaint(r.Context(), actor, id)
		if err != nil {
			f.fail(w, r, err)
			return
		}
		version = v.Complaint.Version
	}
	if _, err := f.cs.WithdrawComplaint(r.Context(), actor, id, version, strings.TrimSpace(in.Comment)); err != nil {
		f.fail(w, r, err)
		return
	}
	f.apiComplaintView(w, r, http.StatusOK, actor, id)
}

func (d filingDoc) json() filingDocJSON {
	return filingDocJSON{Code: d.Code, Purpose: d.Purpose, Title: d.Title, IssuedAt: d.IssuedAt,
		Signed: d.Signed, Signer: d.Signer, SignedAt: d.SignedAt, URL: d.URL, VerifyURL: d.VerifyURL}
}

package web

import (
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"odnookno/internal/cases"
	"odnookno/internal/web/ui"
)

// Administrative complaints in the cabinet: about a decision (or a refusal
// to accept) once it is taken, or about the body's inaction while the
// application is undecided; filed with attachments, followed, withdrawn
// until decided, and the decision on it read and downloaded.

func filingComplaintURL(id int64) string { return "/cabinet/complaints/" + strconv.FormatInt(id, 10) }

// complaintAbouts is what the citizen may complain about now: the decision
// once one is taken, the inaction while there is none; nothing when the
// regulation names no body to decide complaints.
func (f *filing) complaintAbouts(r *http.Request, app cases.Application) ([]string, error) {
	var out []string
	switch {
	case app.Status == cases.DecidedGranted || app.Status == cases.DecidedRefused || app.Status == cases.RefusedToAccept:
		out = []string{cases.AboutDecision}
	case app.Open():
		out = []string{cases.AboutInaction}
	default:
		return nil, nil
	}
	reg, err := f.cat.Version(r.Context(), app.ProcedureID, app.RegulationVersion)
	if err != nil {
		return nil, err
	}
	if reg.Complaints.Body == "" {
		return nil, nil
	}
	return out, nil
}

type filingComplaintRow struct {
	URL     string
	Number  string
	About   string
	Status  string
	DueDate time.Time
	Filed   time.Time
}

func (f *filing) complaintRow(lang string, c cases.Complaint) filingComplaintRow {
	return filingComplaintRow{URL: filingComplaintURL(c.ID), Number: c.Number(), About: f.s.Catalog.T(lang, "complaint.about."+c.About),
		Status: f.complaintStatusText(lang, c.Status), DueDate: filingDay(c.DueDate), Filed: c.CreatedAt}
}

type filingComplaintNewPage struct {
	ui.Errors
	CaseID    int64
	Number    string
	Procedure string
	Abouts    []filingOption
	Text      string
	Body      string
	Term      string
}

func (f *filing) complaintCase(w http.ResponseWriter, r *http.Request) (cases.Actor, cases.Application, []string, bool) {
	actor, _ := f.citizen(r)
	id, err := filingPathID(r, "id")
	if err != nil {
		f.s.Fail(w, r, err)
		return actor, cases.Application{}, nil, false
	}
	v, err := f.cs.Get(r.Context(), actor, id)
	if err != nil {
		f.s.Fail(w, r, err)
		return actor, cases.Application{}, nil, false
	}
	abouts, err := f.complaintAbouts(r, v.Application)
	if err != nil {
		f.s.Fail(w, r, err)
		return actor, v.Application, nil, false
	}
	if len(abouts) == 0 {
		http.Redirect(w, r, filingAppURL(id), http.StatusSeeOther)
		return actor, v.Application, nil, false
	}
	return actor, v.Application, abouts, true
}

func (f *filing) complaintNewPage(r *http.Request, app cases.Application, abouts []string, errs ui.Errors) filingComplaintNewPage {
	lang := ui.Lang(r)
	p := filingComplaintNewPage{Errors: errs, CaseID: app.ID, Number: app.Number(),
		Procedure: app.ProcedureNumber + " " + f.procedureName(r.Context(), lang, app), Text: r.FormValue("text")}
	chosen := r.FormValue("about")
	if len(abouts) == 1 {
		chosen = abouts[0]
	}
	for _, a := range abouts {
		p.Abouts = append(p.Abouts, filingOption{Value: a, Label: f.s.Catalog.T(lang, "complaint.about."+a), Checked: a == chosen})
	}
	if reg, err := f.cat.Version(r.Context(), app.ProcedureID, app.RegulationVersion); err == nil {
		p.Body = f.bodyName(r.Context(), lang, reg.Complaints.Body)
		t := reg.Complaints.Term
		if t.Kind == 0 {
			t = cases.DefaultComplaintTerm
		}
		p.Term = f.term(lang, t)
	}
	return p
}

func (f *filing) complaintForm(w http.ResponseWriter, r *http.Request) {
	_, app, abouts, ok := f.complaintCase(w, r)
	if !ok {
		return
	}
	f.s.Render(w, r, http.StatusOK, "cabinet_complaint_new", f.complaintNewPage(r, app, abouts, nil))
}

// filingUploads opens the files posted under name; the caller closes them.
func filingUploads(r *http.Request, name, doc string) ([]cases.Upload, func(), error) {
	var ups []cases.Upload
	var files []multipart.File
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	if r.MultipartForm == nil {
		return nil, closeAll, nil
	}
	for _, fh := range r.MultipartForm.File[name] {
		file, err := fh.Open()
		if err != nil {
			closeAll()
			return nil, func() {}, err
		}
		files = append(files, file)
		ups = append(ups, cases.Upload{DocCode: doc, Name: fh.Filename, Body: file})
	}
	return ups, closeAll, nil
}

func (f *filing) fileComplaint(w http.ResponseWriter, r *http.Request) {
	actor, app, abouts, ok := f.complaintCase(w, r)
	if !ok {
		return
	}
	if err := filingParseMultipart(w, r); err != nil {
		f.s.Fail(w, r, err)
		return
	}
	about := r.FormValue("about")
	if len(abouts) == 1 && about == "" {
		about = abouts[0]
	}
	ups, closeAll, err := filingUploads(r, "files", "")
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	defer closeAll()
	c, err := f.cs.FileComplaint(r.Context(), actor, cases.NewComplaint{CaseID: app.ID, About: about, Text: r.FormValue("text"), Files: ups})
	if err != nil {
		errs := f.fieldErrors(r, err, nil, "text")
		if errs == nil {
			f.s.Fail(w, r, err)
			return
		}
		for i := range errs {
			if errs[i].Field == "file" || errs[i].Field == "doc_code" {
				errs[i].Field = "files"
			}
		}
		f.s.Render(w, r, StatusOf(err), "cabinet_complaint_new", f.complaintNewPage(r, app, abouts, errs))
		return
	}
	filingSetFlash(w, r, "cases_web.flash.complaint_filed", map[string]string{"number": c.Number()})
	http.Redirect(w, r, filingComplaintURL(c.ID), http.StatusSeeOther)
}

type filingComplaintListPage struct {
	Items []filingComplaintRow
	Total int
}

func (f *filing) complaints(w http.ResponseWriter, r *http.Request) {
	actor, _ := f.citizen(r)
	lang := ui.Lang(r)
	list, total, err := f.cs.ListComplaints(r.Context(), actor, cases.ComplaintFilter{Limit: 200})
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	p := filingComplaintListPage{Total: total}
	for _, c := range list {
		p.Items = append(p.Items, f.complaintRow(lang, c))
	}
	f.s.Render(w, r, http.StatusOK, "cabinet_complaint_list", p)
}

type filingComplaintPage struct {
	ui.Errors
	ID          int64
	Version     int
	Number      string
	Status      string
	About       string
	Paras       []string
	CaseURL     string
	CaseNumber  string
	Procedure   string
	Body        string
	Filed       time.Time
	RegDate     time.Time
	DueDate     time.Time
	Explain     []string
	Closed      time.Time
	Decided     bool
	Documents   []filingDoc
	Files       []filingFile
	Events      []filingEvent
	CanWithdraw bool
	CanAttach   bool
	Comment     string
}

func (f *filing) complaintView(r *http.Request) (cases.Actor, cases.ComplaintView, error) {
	actor, _ := f.citizen(r)
	id, err := filingPathID(r, "id")
	if err != nil {
		return actor, cases.ComplaintView{}, err
	}
	v, err := f.cs.GetComplaint(r.Context(), actor, id)
	return actor, v, err
}

func (f *filing) complaintPage(r *http.Request, actor cases.Actor, v cases.ComplaintView, errs ui.Errors) (filingComplaintPage, error) {
	lang := ui.Lang(r)
	c := v.Complaint
	p := filingComplaintPage{Errors: errs, ID: c.ID, Version: c.Version, Number: c.Number(), Status: f.complaintStatusText(lang, c.Status),
		About: f.s.Catalog.T(lang, "complaint.about."+c.About), Paras: filingParagraphs(c.Text),
		CaseURL: filingAppURL(c.CaseID), Body: f.bodyName(r.Context(), lang, c.BodyCode), Filed: c.CreatedAt,
		RegDate: filingDay(c.RegDate), DueDate: filingDay(c.DueDate), Closed: c.ClosedAt, Decided: cases.Complaints.Final(c.Status),
		Documents: f.documents(r.Context(), lang, v.Documents, filingComplaintURL(c.ID)), Files: f.files(lang, v.Attachments, ""),
		Events: f.events(lang, "complaint", v.Events), CanWithdraw: slices.Contains(v.Actions, cases.ActWithdraw),
		CanAttach: slices.Contains(v.Actions, cases.ActAttach), Comment: r.FormValue("comment")}
	if app, err := f.cs.Get(r.Context(), actor, c.CaseID); err == nil {
		p.CaseNumber = app.Application.Number()
		p.Procedure = app.Application.ProcedureNumber + " " + f.procedureName(r.Context(), lang, app.Application)
	}
	if c.Deadline.Valid() && !p.Decided {
		var err error
		if p.Explain, err = f.cs.Explain(r.Context(), c.Deadline, lang); err != nil {
			return p, err
		}
	}
	return p, nil
}

func (f *filing) complaint(w http.ResponseWriter, r *http.Request) {
	r = f.popFlash(w, r)
	actor, v, err := f.complaintView(r)
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	p, err := f.complaintPage(r, actor, v, nil)
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	f.s.Render(w, r, http.StatusOK, "cabinet_complaint_view", p)
}

// complaintUpload adds files to a complaint not yet decided.
func (f *filing) complaintUpload(w http.ResponseWriter, r *http.Request) {
	actor, v, err := f.complaintView(r)
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	if err := filingParseMultipart(w, r); err != nil {
		f.s.Fail(w, r, err)
		return
	}
	var errs ui.Errors
	version := filingVersion(r)
	var fhs []*multipart.FileHeader
	if r.MultipartForm != nil {
		fhs = r.MultipartForm.File["files"]
	}
	if len(fhs) == 0 {
		errs.Add("files", f.s.T(r, "cases_web.files.choose"))
	}
	for _, fh := range fhs {
		file, err := fh.Open()
		if err != nil {
			f.s.Fail(w, r, err)
			return
		}
		c, err := f.cs.AttachToComplaint(r.Context(), actor, v.Complaint.ID, version, cases.Upload{Name: fh.Filename, Body: file})
		file.Close()
		if err != nil {
			fe := f.fieldErrors(r, err, nil, "files")
			if fe == nil {
				f.s.Fail(w, r, err)
				return
			}
			for _, x := range fe {
				errs.Add("files", x.Message)
			}
			continue
		}
		version = c.Version
	}
	if len(errs) > 0 {
		if fresh, err := f.cs.GetComplaint(r.Context(), actor, v.Complaint.ID); err == nil {
			v = fresh
		}
		p, err := f.complaintPage(r, actor, v, errs)
		if err != nil {
			f.s.Fail(w, r, err)
			return
		}
		f.s.Render(w, r, http.StatusUnprocessableEntity, "cabinet_complaint_view", p)
		return
	}
	filingSetFlash(w, r, "cases_web.flash.uploaded", map[string]string{"count": strconv.Itoa(len(fhs))})
	http.Redirect(w, r, filingComplaintURL(v.Complaint.ID), http.StatusSeeOther)
}

func (f *filing) complaintWithdrawForm(w http.ResponseWriter, r *http.Request) {
	actor, v, err := f.complaintView(r)
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	if !slices.Contains(v.Actions, cases.ActWithdraw) {
		http.Redirect(w, r, filingComplaintURL(v.Complaint.ID), http.StatusSeeOther)
		return
	}
	p, err := f.complaintPage(r, actor, v, nil)
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	f.s.Render(w, r, http.StatusOK, "cabinet_complaint_withdraw", p)
}

func (f *filing) complaintWithdraw(w http.ResponseWriter, r *http.Request) {
	actor, _ := f.citizen(r)
	id, err := filingPathID(r, "id")
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	c, err := f.cs.WithdrawComplaint(r.Context(), actor, id, filingVersion(r), strings.TrimSpace(r.PostFormValue("comment")))
	if err != nil {
		errs := f.fieldErrors(r, err, nil, "comment")
		_, v, gerr := f.complaintView(r)
		if errs == nil || gerr != nil {
			f.s.Fail(w, r, err)
			return
		}
		p, perr := f.complaintPage(r, actor, v, errs)
		if perr != nil {
			f.s.Fail(w, r, perr)
			return
		}
		f.s.Render(w, r, StatusOf(err), "cabinet_complaint_withdraw", p)
		return
	}
	filingSetFlash(w, r, "cases_web.flash.complaint_withdrawn", map[string]string{"number": c.Number()})
	http.Redirect(w, r, filingComplaintURL(id), http.StatusSeeOther)
}

func (f *filing) complaintDocument(w http.ResponseWriter, r *http.Request) {
	actor, _ := f.citizen(r)
	id, err := filingPathID(r, "id")
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	d, err := f.cs.ComplaintDocument(r.Context(), actor, id, r.PathValue("code"))
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	f.servePDF(w, r, d.Code)
}

// filingParagraphs splits text typed in a textarea at its line breaks.
func filingParagraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

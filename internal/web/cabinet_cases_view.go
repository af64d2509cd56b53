package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"odnookno/internal/cases"
	"odnookno/internal/web/ui"
)

// The citizen follows their applications: the list, an application's page
// with its history and documents (decisions, notices and the receipt as
// PDFs with their signature and verification link), and withdrawal while
// the law allows it.

type filingListPage struct {
	Items []filingRow
	Total int
	Page  int
	Prev  string
	Next  string
}

// filingRow is an application in a list.
type filingRow struct {
	URL       string
	Number    string
	Draft     bool
	Procedure string
	Status    string
	DueDate   time.Time
	DueSoon   bool
	Overdue   bool
	Submitted time.Time
	Created   time.Time
	Applicant string
}

const filingPageSize = 20

func (f *filing) list(w http.ResponseWriter, r *http.Request) {
	r = f.popFlash(w, r)
	actor, _ := f.citizen(r)
	lang := ui.Lang(r)
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	// Dropped drafts are kept but not listed.
	var shown []cases.Status
	for _, st := range cases.Applications.States() {
		if st != cases.Discarded {
			shown = append(shown, st)
		}
	}
	l, err := f.cs.List(r.Context(), actor, cases.Filter{Statuses: shown, Limit: filingPageSize, Offset: (page - 1) * filingPageSize})
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	p := filingListPage{Total: l.Total, Page: page}
	for _, a := range l.Items {
		p.Items = append(p.Items, f.row(r, lang, a, filingAppURL(a.ID)))
	}
	if page > 1 {
		p.Prev = "/cabinet/applications?page=" + strconv.Itoa(page-1)
	}
	if page*filingPageSize < l.Total {
		p.Next = "/cabinet/applications?page=" + strconv.Itoa(page+1)
	}
	f.s.Render(w, r, http.StatusOK, "cabinet_app_list", p)
}

func (f *filing) row(r *http.Request, lang string, a cases.Application, u string) filingRow {
	row := filingRow{URL: u, Number: a.RegNumber, Draft: a.Status == cases.Draft,
		Procedure: a.ProcedureNumber + " " + f.procedureName(r.Context(), lang, a), Status: f.statusText(lang, a.Status),
		DueDate: filingDay(a.DueDate), DueSoon: a.DueSoon && a.Open(), Overdue: a.Overdue && a.Open(),
		Submitted: a.SubmittedAt, Created: a.CreatedAt, Applicant: a.Applicant.FullName()}
	if a.Status == cases.Draft {
		row.URL = u + "/review"
	}
	return row
}

// filingCasePage is an application's page.
type filingCasePage struct {
	ID          int64
	Version     int
	Number      string
	Status      string
	Draft       bool
	Open        bool
	Procedure   string
	Body        string
	Channel     string
	Applicant   string
	Created     time.Time
	Submitted   time.Time
	RegDate     time.Time
	DueDate     time.Time
	DueSoon     bool
	Overdue     bool
	Suspended   time.Time
	Explain     []string
	Closed      time.Time
	Documents   []filingDoc
	Files       []filingFile
	Events      []filingEvent
	Complaints  []filingComplaintRow
	CanWithdraw bool
	CanComplain bool
	// ComplainAbout is what a complaint would be about now: "decision"
	// or "inaction".
	ComplainAbout string
}

func (f *filing) page(w http.ResponseWriter, r *http.Request) {
	r = f.popFlash(w, r)
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
	p, err := f.casePage(r, v)
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	f.s.Render(w, r, http.StatusOK, "cabinet_app_view", p)
}

func (f *filing) casePage(r *http.Request, v cases.CaseView) (filingCasePage, error) {
	lang := ui.Lang(r)
	app := v.Application
	base := filingAppURL(app.ID)
	p := filingCasePage{ID: app.ID, Version: app.Version, Number: app.RegNumber, Status: f.statusText(lang, app.Status),
		Draft: app.Status == cases.Draft, Open: app.Open(),
		Procedure: app.ProcedureNumber + " " + f.procedureName(r.Context(), lang, app), Body: f.bodyName(r.Context(), lang, app.BodyCode),
		Channel: f.s.Catalog.T(lang, "case.channel."+app.Channel), Applicant: app.Applicant.FullName(), Created: app.CreatedAt,
		Submitted: app.SubmittedAt, RegDate: filingDay(app.RegDate), DueDate: filingDay(app.DueDate),
		DueSoon: app.DueSoon && app.Open(), Overdue: app.Overdue && app.Open(), Suspended: filingDay(app.SuspendedSince),
		Closed: app.ClosedAt, Documents: f.documents(r.Context(), lang, v.Documents, base),
		Files: f.files(lang, v.Attachments, base), Events: f.events(lang, "case", v.Events),
		CanWithdraw: slices.Contains(v.Actions, cases.ActWithdraw)}
	if app.Deadline.Valid() {
		var err error
		if p.Explain, err = f.cs.Explain(r.Context(), app.Deadline, lang); err != nil {
			return p, err
		}
	}
	for _, c := range v.Complaints {
		p.Complaints = append(p.Complaints, f.complaintRow(lang, c))
	}
	abouts, err := f.complaintAbouts(r, app)
	if err != nil {
		return p, err
	}
	if p.CanComplain = len(abouts) > 0; p.CanComplain {
		p.ComplainAbout = abouts[0]
	}
	return p, nil
}

type filingWithdrawPage struct {
	ui.Errors
	ID        int64
	Version   int
	Number    string
	Procedure string
	Comment   string
}

func (f *filing) withdrawForm(w http.ResponseWriter, r *http.Request) {
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
	if !slices.Contains(v.Actions, cases.ActWithdraw) {
		http.Redirect(w, r, filingAppURL(id), http.StatusSeeOther)
		return
	}
	f.s.Render(w, r, http.StatusOK, "cabinet_app_withdraw", f.withdrawPage(r, v.Application, nil))
}

func (f *filing) withdrawPage(r *http.Request, app cases.Application, errs ui.Errors) filingWithdrawPage {
	return filingWithdrawPage{Errors: errs, ID: app.ID, Version: app.Version, Number: app.Number(),
		Procedure: app.ProcedureNumber + " " + f.procedureName(r.Context(), ui.Lang(r), app), Comment: r.FormValue("comment")}
}

// withdraw records the citizen's withdrawal; once a decision is taken the
// transition table refuses it (409) and the page says why.
func (f *filing) withdraw(w http.ResponseWriter, r *http.Request) {
	actor, _ := f.citizen(r)
	id, err := filingPathID(r, "id")
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	app, err := f.cs.Withdraw(r.Context(), actor, id, filingVersion(r), strings.TrimSpace(r.PostFormValue("comment")))
	if err != nil {
		errs := f.fieldErrors(r, err, nil, "comment")
		v, gerr := f.cs.Get(r.Context(), actor, id)
		if errs == nil || gerr != nil {
			f.s.Fail(w, r, err)
			return
		}
		f.s.Render(w, r, StatusOf(err), "cabinet_app_withdraw", f.withdrawPage(r, v.Application, errs))
		return
	}
	filingSetFlash(w, r, "cases_web.flash.withdrawn", map[string]string{"number": app.Number()})
	http.Redirect(w, r, filingAppURL(id), http.StatusSeeOther)
}

// document serves an issued document of the citizen's application.
func (f *filing) document(w http.ResponseWriter, r *http.Request) {
	actor, _ := f.citizen(r)
	id, err := filingPathID(r, "id")
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	d, err := f.cs.Document(r.Context(), actor, id, r.PathValue("code"))
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	f.servePDF(w, r, d.Code)
}

package web

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"odnookno/internal/cases"
	"odnookno/internal/fault"
	"odnookno/internal/org"
	"odnookno/internal/web/ui"
)

// Administrative complaints at the body that decides them: the list, the
// complaint page with its actions, the decision (upheld, partly upheld,
// rejected) drafted by an officer and signed by the head.

type csComplaintRow struct {
	ID        int64
	Number    string
	About     string // catalogue key
	Applicant string
	Status    string // catalogue key
	StatusRaw cases.Status
	Due       time.Time
	DueSoon   bool
	Overdue   bool
}

type csComplaintsPage struct {
	Body     string
	Rows     []csComplaintRow
	Total    int
	Page     int
	Pages    int
	PrevURL  string
	NextURL  string
	Statuses []csOption
}

func (c *caseWork) complaints(w http.ResponseWriter, r *http.Request) {
	r = c.popFlash(w, r)
	st, actor, err := c.actor(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	page := csPage(r)
	f := cases.ComplaintFilter{Limit: csPageSize, Offset: (page - 1) * csPageSize}
	status := r.URL.Query().Get("status")
	switch {
	case status == "" || status == "open":
		status = "open"
		f.Statuses = []cases.Status{cases.ComplaintFiled, cases.ComplaintRegistered, cases.ComplaintDecisionDrafted}
	case status == "overdue":
		f.Overdue = true
	case status == "all":
	case slices.Contains(cases.Complaints.States(), cases.Status(status)):
		f.Statuses = []cases.Status{cases.Status(status)}
	default:
		status = "all"
	}
	list, total, err := c.Cases.ListComplaints(r.Context(), actor, f)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	p := csComplaintsPage{Body: st.Body.Name(ui.Lang(r)), Total: total, Page: page, Pages: max(1, (total+csPageSize-1)/csPageSize)}
	if page > 1 {
		p.PrevURL = csPageURL(r, page-1)
	}
	if page < p.Pages {
		p.NextURL = csPageURL(r, page+1)
	}
	for _, x := range list {
		p.Rows = append(p.Rows, csComplaintRow{ID: x.ID, Number: x.Number(), About: "complaint.about." + x.About, Applicant: x.ApplicantName,
			Status: "complaint.status." + string(x.Status), StatusRaw: x.Status, Due: csDate(x.DueDate), DueSoon: x.DueSoon, Overdue: x.Overdue})
	}
	p.Statuses = []csOption{
		{Value: "open", Label: c.s.T(r, "case_staff.filter.open"), Selected: status == "open"},
		{Value: "overdue", Label: c.s.T(r, "case.flag.overdue"), Selected: status == "overdue"},
		{Value: "all", Label: c.s.T(r, "case_staff.filter.all"), Selected: status == "all"},
	}
	for _, s := range cases.Complaints.States() {
		p.Statuses = append(p.Statuses, csOption{Value: string(s), Label: c.s.T(r, "complaint.status."+string(s)), Selected: status == string(s)})
	}
	c.s.Render(w, r, http.StatusOK, "cases_staff_complaints", p)
}

type csComplaintPage struct {
	ui.Errors
	Stale     bool
	C         cases.Complaint
	Status    string
	About     string
	CaseBody  string
	Due       time.Time
	Explain   []string
	Can       csActionSet
	IsHead    bool
	Documents []csDoc
	Decisions []csDecision
	Draft     *cases.Decision
	Events    []csEvent
	Files     []cases.Attachment
	Input     map[string]string
}

func (c *caseWork) loadComplaint(r *http.Request, id int64) (*csComplaintPage, error) {
	st, actor, err := c.actor(r)
	if err != nil {
		return nil, err
	}
	v, err := c.Cases.GetComplaint(r.Context(), actor, id)
	if err != nil {
		return nil, err
	}
	x := v.Complaint
	p := &csComplaintPage{C: x, Status: "complaint.status." + string(x.Status), About: "complaint.about." + x.About,
		CaseBody: x.CaseBodyCode, Due: csDate(x.DueDate), Can: csActionsOf(v.Actions), IsHead: st.Has(org.RoleHead),
		Files: v.Attachments, Input: map[string]string{}}
	if b, err := c.s.Org.BodyByCode(r.Context(), x.CaseBodyCode); err == nil {
		p.CaseBody = b.Name(ui.Lang(r))
	}
	if x.DueDate != "" {
		if lines, err := c.Cases.Explain(r.Context(), x.Deadline, ui.Lang(r)); err == nil {
			p.Explain = lines
		}
	}
	for _, d := range v.Documents {
		p.Documents = append(p.Documents, csDoc{DocumentRef: d, PurposeKey: "case_staff.doc." + d.Purpose, StatusKey: "case_staff.doc_status." + d.Status})
	}
	for i, d := range v.Decisions {
		p.Decisions = append(p.Decisions, csDecision{Decision: d, OutcomeKey: "complaint.outcome." + d.Outcome})
		if d.Status == "draft" {
			p.Draft = &v.Decisions[i]
		}
	}
	p.Events = csEvents("complaint.", v.Events)
	return p, nil
}

func (c *caseWork) showComplaint(w http.ResponseWriter, r *http.Request) {
	r = c.popFlash(w, r)
	id, err := csPathID(r, "id")
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	p, err := c.loadComplaint(r, id)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	c.s.Render(w, r, http.StatusOK, "cases_staff_complaint", p)
}

type csComplaintAction func(r *http.Request, actor cases.Actor, id int64, version int) error

var csComplaintControls = map[string]string{"register": "c-register", "unconsidered": "c-reason", "decision": "c-outcome",
	"return-draft": "c-return-comment", "note": "c-note"}

func (c *caseWork) complaintActions() map[string]csComplaintAction {
	svc := c.Cases
	return map[string]csComplaintAction{
		"register": func(r *http.Request, a cases.Actor, id int64, v int) error {
			_, err := svc.RegisterComplaint(r.Context(), a, id, v)
			return err
		},
		"unconsidered": func(r *http.Request, a cases.Actor, id int64, v int) error {
			_, err := svc.LeaveUnconsidered(r.Context(), a, id, v, r.PostFormValue("reason"))
			return err
		},
		"decision": func(r *http.Request, a cases.Actor, id int64, v int) error {
			_, err := svc.DraftComplaintDecision(r.Context(), a, id, v, cases.ComplaintDecisionDraft{
				Outcome: r.PostFormValue("outcome"), Text: r.PostFormValue("text")})
			return err
		},
		"return-draft": func(r *http.Request, a cases.Actor, id int64, v int) error {
			_, err := svc.ReturnComplaintDraft(r.Context(), a, id, v, r.PostFormValue("comment"))
			return err
		},
		"note": func(r *http.Request, a cases.Actor, id int64, v int) error {
			_, err := svc.AddComplaintNote(r.Context(), a, id, v, r.PostFormValue("text"))
			return err
		},
	}
}

func (c *caseWork) actComplaint(name string, fn csComplaintAction) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, _, actor, ok := c.postForm(w, r)
		if !ok {
			return
		}
		err := fn(r, actor, id, csFormVersion(r))
		if err == nil {
			casesSetFlash(w, r, "case_staff.flash.complaint_done", nil)
			http.Redirect(w, r, csComplaintURL(id), http.StatusSeeOther)
			return
		}
		msg := c.message(r, err)
		if msg == "" || errors.Is(err, fault.NotFound) {
			c.s.Fail(w, r, err)
			return
		}
		p, lerr := c.loadComplaint(r, id)
		if lerr != nil {
			c.s.Fail(w, r, lerr)
			return
		}
		for k, v := range r.PostForm {
			if len(v) > 0 && k != "version" {
				p.Input[k] = v[0]
			}
		}
		ctl := csComplaintControls[name]
		if p.Stale = csStale(err); p.Stale {
			ctl = "stale"
		}
		p.Errors.Add(ctl, msg)
		c.s.Render(w, r, StatusOf(err), "cases_staff_complaint", p)
	}
}

func (c *caseWork) complaintDocument(w http.ResponseWriter, r *http.Request) {
	id, err := csPathID(r, "id")
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	_, actor, err := c.actor(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	d, err := c.Cases.ComplaintDocument(r.Context(), actor, id, r.PathValue("code"))
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	pdf, _, err := c.s.Docs.PDF(r.Context(), d.Code)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	name := d.Purpose + ".pdf"
	if d.Purpose == "complaint_decision" {
		name = "decision.pdf"
	}
	csServePDF(w, name, pdf)
}

func (c *caseWork) complaintSignData(r *http.Request, id int64) (*csSignPage, error) {
	st, actor, err := c.actor(r)
	if err != nil {
		return nil, err
	}
	v, err := c.Cases.GetComplaint(r.Context(), actor, id)
	if err != nil {
		return nil, err
	}
	x := v.Complaint
	u := csComplaintURL(id)
	p := &csSignPage{Complaint: true, ID: id, Number: x.Number(), Version: x.Version, Status: "complaint.status." + string(x.Status),
		Command: csSignCommand, Demo: c.Demo, BackURL: u, Action: u + "/sign", DemoAction: u + "/sign-demo"}
	_, _, p.DemoKey = c.demoKeyFiles(st)
	for i, d := range v.Decisions {
		if d.Status != "draft" {
			continue
		}
		p.Draft = &v.Decisions[i]
		p.OutcomeKey = "complaint.outcome." + d.Outcome
		p.PDFURL = u + "/documents/" + d.DocumentCode
		if is, err := c.s.Docs.ByCode(r.Context(), d.DocumentCode); err == nil {
			p.SHA256 = is.SHA256
		}
	}
	return p, nil
}

func (c *caseWork) complaintSignForm(w http.ResponseWriter, r *http.Request) {
	id, err := csPathID(r, "id")
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	p, err := c.complaintSignData(r, id)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	c.s.Render(w, r, http.StatusOK, "cases_staff_sign", p)
}

func (c *caseWork) complaintSignUpload(w http.ResponseWriter, r *http.Request) {
	c.sign(w, r, true, csUploadedSignature)
}

func (c *caseWork) complaintSignDemo(w http.ResponseWriter, r *http.Request) {
	c.sign(w, r, true, c.demoSignature(true))
}

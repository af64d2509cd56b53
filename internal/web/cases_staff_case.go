package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"odnookno/internal/cases"
	"odnookno/internal/catalog"
	"odnookno/internal/fault"
	"odnookno/internal/interop"
	"odnookno/internal/org"
	"odnookno/internal/web/ui"
)

// csRequest is one inter-agency request of the case: what the case
// recorded and, when it went through the complex, its live state.
type csRequest struct {
	Addressee   string
	Subject     string
	Channel     string // catalogue key
	State       string // catalogue key; "" when only the case knows it
	SentAt      time.Time
	Due         time.Time
	Late        bool
	Answer      string
	AnsweredAt  time.Time
	AnswerState string // catalogue key of the answer status
	LastError   string
	Corr        string
	Document    bool // an СМДО request document to download
	OutgoingID  int64
	CanReroute  bool
	CanManual   bool
	CanDocument bool
	CanMarkSent bool
}

// csPlanned is a request the regulation lists that has not gone yet.
type csPlanned struct {
	Resource     string
	Service      string
	ResourceName string
	ServiceName  string
	Purpose      string
	Known        bool // the resource is in the registry
	Integrated   bool // connected and not suspended: it answers automatically
	Granted      bool // the viewer holds an approved grant
}

type csFormRow struct{ Label, Value string }

type csDoc struct {
	cases.DocumentRef
	PurposeKey string
	StatusKey  string
}

type csDecision struct {
	cases.Decision
	OutcomeKey string
	GroundText []string
}

type csCasePage struct {
	ui.Errors
	Stale             bool
	App               cases.Application
	Body              string
	Staff             org.Staff
	IsHead            bool
	Can               csActionSet
	Due               time.Time
	DueLeft           int
	DueOver           int // working days past the due date
	HasDueLeft        bool
	Explain           []string
	Channel           string
	Procedure         string // number and name in the page's language
	Form              []csFormRow
	Attachments       []cases.Attachment
	Documents         []csDoc
	Requests          []csRequest
	Planned           []csPlanned
	Services          []csOption
	Decisions         []csDecision
	Draft             *cases.Decision
	Events            []csEvent
	Assignees         []csOption
	SuspensionAllowed bool
	AcceptGrounds     []csOption
	DocCodes          []csOption
	Complaints        []cases.Complaint
	NoGrant           *csPlanned
	Input             map[string]string
}

func (c *caseWork) showCase(w http.ResponseWriter, r *http.Request) {
	r = c.popFlash(w, r)
	id, err := csPathID(r, "id")
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	p, err := c.loadCase(r, id)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	c.s.Render(w, r, http.StatusOK, "cases_staff_case", p)
}

// loadCase reads the case as the request's staff member sees it (an
// audited read: the page shows the applicant's personal data) and
// everything the page shows around it.
func (c *caseWork) loadCase(r *http.Request, id int64) (*csCasePage, error) {
	ctx := r.Context()
	lang := ui.Lang(r)
	st, actor, err := c.actor(r)
	if err != nil {
		return nil, err
	}
	v, err := c.Cases.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	app := v.Application
	p := &csCasePage{App: app, Staff: st, IsHead: st.Has(org.RoleHead), Can: csActionsOf(v.Actions), Due: csDate(app.DueDate),
		Channel: "case.channel." + app.Channel, Attachments: v.Attachments, Complaints: v.Complaints, Input: map[string]string{}}
	p.Procedure = strings.TrimSpace(app.ProcedureNumber + " " + app.ProcedureName)
	if pr, err := c.Procedures.Procedure(ctx, app.ProcedureID); err == nil {
		p.Procedure = pr.Number + " " + pr.Name(lang)
	}
	p.Body = app.BodyCode
	if b, err := c.s.Org.BodyByCode(ctx, app.BodyCode); err == nil {
		p.Body = b.Name(lang)
	}
	if app.DueDate != "" {
		if lines, err := c.Cases.Explain(ctx, app.Deadline, lang); err == nil {
			p.Explain = lines
		}
		if app.Open() && app.Status != cases.Suspended {
			if n, err := c.Cases.DueWithin(ctx, app.DueDate); err == nil {
				p.DueLeft, p.DueOver, p.HasDueLeft = n, -n, true
			}
		}
	}
	creg, err := c.Cases.RegulationOf(ctx, app)
	if err != nil {
		return nil, err
	}
	p.SuspensionAllowed = creg.SuspensionAllowed
	for _, g := range cases.StatutoryAcceptRefusal {
		p.AcceptGrounds = append(p.AcceptGrounds, csOption{Value: g.Code, Label: g.Text})
	}
	if len(creg.AcceptRefusalGrounds) > 0 {
		p.AcceptGrounds = nil
		for _, g := range creg.AcceptRefusalGrounds {
			p.AcceptGrounds = append(p.AcceptGrounds, csOption{Value: g.Code, Label: g.Text})
		}
	}
	for _, d := range creg.Documents {
		p.DocCodes = append(p.DocCodes, csOption{Value: d.Code, Label: d.Name})
	}
	reg, err := c.Procedures.Version(ctx, app.ProcedureID, app.RegulationVersion)
	if err != nil {
		return nil, err
	}
	p.Form = csFormRows(reg, app.Form, lang)
	for _, d := range v.Documents {
		p.Documents = append(p.Documents, csDoc{DocumentRef: d, PurposeKey: "case_staff.doc." + d.Purpose, StatusKey: "case_staff.doc_status." + d.Status})
	}
	grounds := map[string]string{}
	for _, g := range reg.RefusalGrounds {
		grounds[g.Code] = g.Text.In(lang)
	}
	for i, d := range v.Decisions {
		row := csDecision{Decision: d, OutcomeKey: "case_staff.outcome." + d.Outcome}
		for _, g := range d.Grounds {
			text := grounds[g.Code]
			if text == "" {
				text = g.Text
			}
			row.GroundText = append(row.GroundText, text)
		}
		p.Decisions = append(p.Decisions, row)
		if d.Status == "draft" {
			p.Draft = &v.Decisions[i]
		}
	}
	p.Events = csEvents("case.", v.Events)
	if err := c.requestRows(r, p, v, reg); err != nil {
		return nil, err
	}
	if p.IsHead && (p.Can[string(cases.ActAssign)] || p.Can[string(cases.ActReassign)]) {
		if staff, err := c.s.Org.StaffOfBody(ctx, app.BodyCode); err == nil {
			for _, m := range staff {
				if m.Status != "active" || !m.Has(org.RoleOfficer) && !m.Has(org.RoleHead) {
					continue
				}
				p.Assignees = append(p.Assignees, csOption{Value: strconv.FormatInt(m.ID, 10), Label: m.FullName, Selected: m.ID == app.AssigneeID})
			}
		}
	}
	return p, nil
}

// csFormRows are the application's form values with the regulation's labels,
// in the form's order; values the form does not define come last.
func csFormRows(reg *catalog.Regulation, form json.RawMessage, lang string) []csFormRow {
	var values map[string]any
	_ = json.Unmarshal(form, &values)
	var out []csFormRow
	seen := map[string]bool{}
	for _, f := range reg.Form {
		v, ok := values[f.Code]
		seen[f.Code] = true
		if !ok || f.Type == catalog.FieldFile {
			continue
		}
		s := strings.TrimSpace(fmt.Sprint(v))
		for _, o := range f.Options {
			if o.Value == s {
				s = o.Label(lang)
			}
		}
		out = append(out, csFormRow{Label: f.Label(lang), Value: s})
	}
	var rest []string
	for k := range values {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		out = append(out, csFormRow{Label: k, Value: fmt.Sprint(values[k])})
	}
	return out
}

// requestRows joins the case's record of its requests with their live
// state in the complex, and lists the regulation's requests not sent yet.
func (c *caseWork) requestRows(r *http.Request, p *csCasePage, v cases.CaseView, reg *catalog.Regulation) error {
	ctx := r.Context()
	lang := ui.Lang(r)
	app := v.Application
	irs, err := c.Interop.Requests(ctx, interop.RequestQuery{CaseID: app.ID, BodyCode: app.BodyCode, Limit: 200})
	if err != nil {
		return err
	}
	byCorr := map[string]interop.Request{}
	for _, ir := range irs {
		byCorr[ir.CorrelationID] = ir
	}
	var outgoing []interop.Outgoing
	for _, ir := range irs {
		if ir.Channel == interop.ChannelSMDO {
			if outgoing, err = c.Interop.OutgoingQueue(ctx, interop.OutgoingWaiting); err != nil {
				return err
			}
			break
		}
	}
	mine := p.Staff.Body.Code == app.BodyCode && (p.Staff.Has(org.RoleOfficer) || p.Staff.Has(org.RoleHead))
	row := func(ir interop.Request) csRequest {
		rr := csRequest{Corr: ir.CorrelationID, Channel: "interop.channel." + ir.Channel, State: "interop.state." + ir.State,
			SentAt: ir.SentAt, Due: ir.DueDate(), Late: ir.WasLate, LastError: ir.LastError, AnsweredAt: ir.AnsweredAt,
			Document: ir.DocumentCode != ""}
		if rr.SentAt.IsZero() {
			rr.SentAt = ir.CreatedAt
		}
		if ir.AnswerStatus != "" {
			rr.AnswerState = "interop.answer_status." + ir.AnswerStatus
		}
		rr.Addressee, rr.Subject = ir.Resource, ir.Service
		if res, err := c.Interop.Resource(ctx, ir.Resource); err == nil {
			rr.Addressee = res.Name(lang)
			if sv, ok := res.Service(ir.Service); ok {
				rr.Subject = sv.Name(lang)
			}
		}
		if mine {
			open := ir.Open() || ir.State == interop.StateFailed
			rr.CanReroute = open && ir.Channel != interop.ChannelSMDO
			rr.CanManual = open
			rr.CanDocument = ir.Channel == interop.ChannelSMDO && ir.State == interop.StateSMDOPending
			for _, o := range outgoing {
				if o.CorrelationID == ir.CorrelationID && o.State == interop.OutgoingWaiting {
					rr.OutgoingID, rr.CanMarkSent = o.ID, true
				}
			}
		}
		return rr
	}
	used := map[string]bool{}
	for _, q := range v.Requests {
		var rr csRequest
		if ir, ok := byCorr[q.ExternalRef]; ok && q.ExternalRef != "" {
			rr = row(ir)
			used[q.ExternalRef] = true
		} else {
			rr = csRequest{Addressee: q.Addressee, Subject: q.Subject, Channel: "case_staff.channel." + csOrDash(q.Channel), SentAt: q.SentAt}
		}
		rr.Answer, rr.AnsweredAt = q.Answer, q.AnsweredAt
		if rr.AnsweredAt.IsZero() {
			rr.AnsweredAt = q.AnsweredAt
		}
		p.Requests = append(p.Requests, rr)
	}
	for _, ir := range irs {
		if !used[ir.CorrelationID] {
			rr := row(ir)
			if ir.State == interop.StateAnswered && ir.AnswerPayload != nil {
				b, _ := json.Marshal(ir.AnswerPayload)
				rr.Answer = string(b)
			}
			p.Requests = append(p.Requests, rr)
		}
	}
	// The regulation's requests that have not gone (or failed): offered to
	// the officer with both routes.
	for _, q := range reg.Resources {
		sent := slices.ContainsFunc(irs, func(ir interop.Request) bool {
			return ir.Resource == q.Resource && ir.Service == q.Service && ir.State != interop.StateFailed
		})
		if sent {
			continue
		}
		p.Planned = append(p.Planned, c.planned(r, q.Resource, q.Service, q.Purpose.In(lang)))
	}
	resources, err := c.Interop.Resources(ctx)
	if err != nil {
		return err
	}
	for _, res := range resources {
		for _, sv := range res.Services {
			p.Services = append(p.Services, csOption{Value: res.Code + "/" + sv.Code, Label: res.Name(lang) + " — " + sv.Name(lang)})
		}
	}
	return nil
}

// planned describes resource/service for the viewer.
func (c *caseWork) planned(r *http.Request, resource, service, purpose string) csPlanned {
	ctx := r.Context()
	lang := ui.Lang(r)
	st, _ := StaffFrom(ctx)
	pr := csPlanned{Resource: resource, Service: service, ResourceName: resource, ServiceName: service, Purpose: purpose}
	if res, err := c.Interop.Resource(ctx, resource); err == nil {
		pr.Known = true
		pr.ResourceName = res.Name(lang)
		pr.Integrated = res.Endpoint != "" && res.Status == interop.ResourceActive
		if sv, ok := res.Service(service); ok {
			pr.ServiceName = sv.Name(lang)
		} else {
			pr.Known = false
		}
	}
	if ok, err := c.Interop.CanQuery(ctx, st.ID, resource, service); err == nil {
		pr.Granted = ok
	}
	return pr
}

func csOrDash(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// ---- actions

// csCaseAction takes one action on the case at the version the page showed.
type csCaseAction func(r *http.Request, st org.Staff, actor cases.Actor, id int64, version int) error

// csControls are the form controls each action's errors point at.
var csControls = map[string]string{
	"assign": "assign-assignee", "reassign": "reassign-assignee", "suspend": "suspend-reason", "resume": "resume-comment",
	"answers-received": "answers-comment", "note": "note-text", "return-draft": "return-comment", "register": "register-submit",
	"refuse-to-accept": "refuse-grounds", "withdraw": "withdraw-comment", "attach": "attach-file",
}

func (c *caseWork) caseActions() map[string]csCaseAction {
	svc := c.Cases
	return map[string]csCaseAction{
		"assign": func(r *http.Request, _ org.Staff, a cases.Actor, id int64, v int) error {
			assignee, _ := strconv.ParseInt(r.PostFormValue("assignee"), 10, 64)
			_, err := svc.Assign(r.Context(), a, id, v, assignee)
			return err
		},
		"reassign": func(r *http.Request, _ org.Staff, a cases.Actor, id int64, v int) error {
			assignee, _ := strconv.ParseInt(r.PostFormValue("assignee"), 10, 64)
			if assignee <= 0 {
				return fault.Fields(fault.Field{Field: "assignee", Code: cases.CodeAssigneeInvalid})
			}
			_, err := svc.Reassign(r.Context(), a, id, v, assignee)
			return err
		},
		"suspend": func(r *http.Request, _ org.Staff, a cases.Actor, id int64, v int) error {
			_, err := svc.Suspend(r.Context(), a, id, v, r.PostFormValue("reason"))
			return err
		},
		"resume": func(r *http.Request, _ org.Staff, a cases.Actor, id int64, v int) error {
			_, err := svc.Resume(r.Context(), a, id, v, r.PostFormValue("comment"))
			return err
		},
		"answers-received": func(r *http.Request, _ org.Staff, a cases.Actor, id int64, v int) error {
			_, err := svc.AnswersReceived(r.Context(), a, id, v, r.PostFormValue("comment"))
			return err
		},
		"note": func(r *http.Request, _ org.Staff, a cases.Actor, id int64, v int) error {
			_, err := svc.AddNote(r.Context(), a, id, v, r.PostFormValue("text"))
			return err
		},
		"return-draft": func(r *http.Request, _ org.Staff, a cases.Actor, id int64, v int) error {
			_, err := svc.ReturnDraft(r.Context(), a, id, v, r.PostFormValue("comment"))
			return err
		},
		"register": func(r *http.Request, _ org.Staff, a cases.Actor, id int64, v int) error {
			_, err := svc.Register(r.Context(), a, id, v)
			return err
		},
		"refuse-to-accept": func(r *http.Request, _ org.Staff, a cases.Actor, id int64, v int) error {
			_, err := svc.RefuseToAccept(r.Context(), a, id, v, r.PostForm["grounds"], r.PostFormValue("comment"))
			return err
		},
		"withdraw": func(r *http.Request, _ org.Staff, a cases.Actor, id int64, v int) error {
			_, err := svc.Withdraw(r.Context(), a, id, v, r.PostFormValue("comment"))
			return err
		},
		"attach": func(r *http.Request, _ org.Staff, a cases.Actor, id int64, v int) error {
			f, h, err := r.FormFile("file")
			if err != nil {
				return fault.Fields(fault.Field{Field: "file", Code: cases.CodeFileEmpty, Params: map[string]any{"name": ""}})
			}
			defer f.Close()
			_, err = svc.Attach(r.Context(), a, id, v, cases.Upload{DocCode: r.PostFormValue("doc_code"), Name: h.Filename, Body: f})
			return err
		},
	}
}

// csMaxUpload bounds a staff upload: scans, signatures, answer documents.
const csMaxUpload = 20 << 20

// csParseForm reads a urlencoded or multipart form.
// postForm reads what every staff form about a case starts with: the case
// id from the path, the form (bounded), and the acting staff member. When
// one of them fails it answers the request itself and returns ok = false.
func (c *caseWork) postForm(w http.ResponseWriter, r *http.Request) (int64, org.Staff, cases.Actor, bool) {
	id, err := csPathID(r, "id")
	if err != nil {
		c.s.Fail(w, r, err)
		return 0, org.Staff{}, cases.Actor{}, false
	}
	if err := csParseForm(w, r); err != nil {
		c.s.Error(w, r, http.StatusBadRequest)
		return 0, org.Staff{}, cases.Actor{}, false
	}
	st, actor, err := c.actor(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return 0, org.Staff{}, cases.Actor{}, false
	}
	return id, st, actor, true
}

func csParseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, csMaxUpload+1<<20)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.ParseMultipartForm(4 << 20)
	}
	return r.ParseForm()
}

func csFormVersion(r *http.Request) int {
	v, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil {
		return -2 // never a real version: a form without one is stale
	}
	return v
}

// act runs a case action from its form and goes back to the case page:
// with a notice when it worked, with the error next to the form when not.
func (c *caseWork) act(name string, fn csCaseAction) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, st, actor, ok := c.postForm(w, r)
		if !ok {
			return
		}
		if err := fn(r, st, actor, id, csFormVersion(r)); err != nil {
			c.caseError(w, r, id, csControls[name], err)
			return
		}
		casesSetFlash(w, r, "case_staff.flash.done", map[string]string{"action": name})
		http.Redirect(w, r, csCaseURL(id), http.StatusSeeOther)
	}
}

// caseError shows the case page again with what went wrong next to the
// form at control; a stale version says someone else changed the case.
func (c *caseWork) caseError(w http.ResponseWriter, r *http.Request, id int64, control string, err error) {
	msg := c.message(r, err)
	if msg == "" || errors.Is(err, fault.NotFound) && !csIsCode(err, interop.CodeRequestNotFound) {
		c.s.Fail(w, r, err)
		return
	}
	p, lerr := c.loadCase(r, id)
	if lerr != nil {
		c.s.Fail(w, r, lerr)
		return
	}
	for k, v := range r.PostForm {
		if len(v) > 0 && k != "version" && k != "password" {
			p.Input[k] = v[0]
		}
	}
	if csStale(err) {
		p.Stale = true
		control = "stale"
	}
	if control == "" {
		control = "case-actions"
	}
	p.Errors.Add(control, msg)
	c.s.Render(w, r, StatusOf(err), "cases_staff_case", p)
}

// ---- requests from the case

// sendRequest sends a request the regulation lists, or any registered
// service, over the channel the officer chose. A refusal for want of a
// grant comes back to the page with the СМДО route offered.
func (c *caseWork) sendRequest(w http.ResponseWriter, r *http.Request) {
	id, st, actor, ok := c.postForm(w, r)
	if !ok {
		return
	}
	resource, service := r.PostFormValue("resource"), r.PostFormValue("service")
	if rs := r.PostFormValue("resource_service"); rs != "" {
		resource, service, _ = strings.Cut(rs, "/")
	}
	channel := r.PostFormValue("channel")
	if channel == "" {
		channel = interop.ChannelHTTP
	}
	_, err := c.Requests.Send(r.Context(), st, actor, id, csFormVersion(r), resource, service, channel)
	if csIsCode(err, interop.CodeNoGrant) {
		p, lerr := c.loadCase(r, id)
		if lerr != nil {
			c.s.Fail(w, r, lerr)
			return
		}
		pr := c.planned(r, resource, service, "")
		p.NoGrant = &pr
		p.Errors.Add("smdo-offer", c.message(r, err))
		c.s.Render(w, r, http.StatusForbidden, "cases_staff_case", p)
		return
	}
	if err != nil {
		c.caseError(w, r, id, "send-request", err)
		return
	}
	casesSetFlash(w, r, "case_staff.flash.request_sent", nil)
	http.Redirect(w, r, csCaseURL(id), http.StatusSeeOther)
}

// caseRequest finds the inter-agency request corr of case id, for staff of
// the body that made it.
func (c *caseWork) caseRequest(r *http.Request, id int64) (interop.Request, error) {
	st, _ := StaffFrom(r.Context())
	ir, err := c.Interop.Request(r.Context(), r.PathValue("corr"))
	if err != nil {
		return ir, err
	}
	if ir.CaseID != id || ir.BodyCode != st.Body.Code {
		return ir, fault.New(fault.NotFound, interop.CodeRequestNotFound, nil)
	}
	return ir, nil
}

// requestAction reroutes a request through СМДО, records a manual answer,
// attaches an СМДО answer document or marks the СМДО document sent.
func (c *caseWork) requestAction(w http.ResponseWriter, r *http.Request) {
	id, err := csPathID(r, "id")
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	if err := csParseForm(w, r); err != nil {
		c.s.Error(w, r, http.StatusBadRequest)
		return
	}
	st, _ := StaffFrom(r.Context())
	ir, err := c.caseRequest(r, id)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	ctx := r.Context()
	control := "request-" + ir.CorrelationID
	flash := ""
	switch r.PathValue("action") {
	case "smdo":
		_, err = c.Interop.SendViaSMDO(ctx, st, ir.CorrelationID)
		flash = "case_staff.flash.rerouted"
	case "manual":
		_, err = c.Interop.RecordManual(ctx, st, interop.ManualAnswer{CorrelationID: ir.CorrelationID, Text: r.PostFormValue("text")})
		flash = "case_staff.flash.answer_saved"
	case "answer-document":
		var d interop.DocumentAnswer
		d, err = csDocumentAnswer(r, ir.CorrelationID)
		if err == nil {
			_, err = c.Interop.RecordSMDOAnswer(ctx, st, d)
		}
		flash = "case_staff.flash.answer_saved"
	case "smdo-sent":
		oid, _ := strconv.ParseInt(r.PostFormValue("outgoing"), 10, 64)
		_, err = c.Interop.MarkSMDOSent(ctx, st, oid)
		flash = "case_staff.flash.smdo_sent"
	default:
		c.s.Error(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
		c.caseError(w, r, id, control, err)
		return
	}
	casesSetFlash(w, r, flash, nil)
	http.Redirect(w, r, csCaseURL(id), http.StatusSeeOther)
}

// csDocumentAnswer reads an СМДО answer document and its signature, if any,
// from the form.
func csDocumentAnswer(r *http.Request, corr string) (interop.DocumentAnswer, error) {
	d := interop.DocumentAnswer{CorrelationID: corr}
	f, h, err := r.FormFile("file")
	if err != nil {
		return d, fault.Fields(fault.Field{Field: "file", Code: interop.CodeAnswerEmpty})
	}
	defer f.Close()
	if d.File, err = io.ReadAll(io.LimitReader(f, csMaxUpload)); err != nil {
		return d, err
	}
	d.MediaType = h.Header.Get("Content-Type")
	if d.MediaType == "" || d.MediaType == "application/octet-stream" {
		d.MediaType = mime.TypeByExtension(filepath.Ext(h.Filename))
	}
	if sf, _, err := r.FormFile("signature"); err == nil {
		d.Signature, err = io.ReadAll(io.LimitReader(sf, 1<<20))
		sf.Close()
		if err != nil {
			return d, err
		}
	}
	return d, nil
}

// requestDocument serves the signed СМДО request document of a case's
// request.
func (c *caseWork) requestDocument(w http.ResponseWriter, r *http.Request) {
	id, err := csPathID(r, "id")
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	ir, err := c.caseRequest(r, id)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	pdf, _, err := c.Interop.SMDODocument(r.Context(), ir.CorrelationID)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	csServePDF(w, "smdo-request.pdf", pdf)
}

// ---- files

// csServePDF sends a PDF as a download named name.
func csServePDF(w http.ResponseWriter, name string, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

// document serves one of the case's documents: the receipt, notices and
// decisions, drafts included. A draft decision downloads as decision.pdf,
// the name the signing instructions use.
func (c *caseWork) document(w http.ResponseWriter, r *http.Request) {
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
	d, err := c.Cases.Document(r.Context(), actor, id, r.PathValue("code"))
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	pdf, _, err := c.s.Docs.PDF(r.Context(), d.Code)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	csServePDF(w, d.Purpose+".pdf", pdf)
}

func (c *caseWork) attachment(w http.ResponseWriter, r *http.Request) {
	id, err := csPathID(r, "id")
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	aid, err := csPathID(r, "aid")
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	_, actor, err := c.actor(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	a, body, err := c.Cases.OpenAttachment(r.Context(), actor, id, aid)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	defer body.Close()
	h := w.Header()
	h.Set("Content-Type", a.ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
	h.Set("Cache-Control", "no-store")
	_, _ = io.Copy(w, body)
}

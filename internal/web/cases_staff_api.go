package web

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"odnookno/internal/cases"
	"odnookno/internal/fault"
	"odnookno/internal/interop"
	"odnookno/internal/web/ui"
)

// The staff JSON API: the same queue, case, assignment, requests, decision
// and signature as the pages, for a body's own systems. Authentication is
// the staff session (cookie or bearer token); every rule is the cases
// package's, so the API refuses exactly what the pages refuse.

func (c *caseWork) apiRoutes(mux *http.ServeMux, staff func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("GET /api/v1/staff/cases", staff(c.apiQueue))
	mux.HandleFunc("GET /api/v1/staff/cases/{id}", staff(c.apiCase))
	mux.HandleFunc("POST /api/v1/staff/cases/{id}/assign", staff(c.apiAssign))
	mux.HandleFunc("POST /api/v1/staff/cases/{id}/requests", staff(c.apiRequest))
	mux.HandleFunc("POST /api/v1/staff/cases/{id}/decision", staff(c.apiDecision))
	mux.HandleFunc("POST /api/v1/staff/cases/{id}/signature", staff(c.apiSign))
	mux.HandleFunc("GET /api/v1/staff/cases/{id}/documents/{code}", staff(c.document))
	mux.HandleFunc("GET /api/v1/staff/complaints", staff(c.apiComplaints))
	mux.HandleFunc("GET /api/v1/staff/complaints/{id}", staff(c.apiComplaint))
	mux.HandleFunc("POST /api/v1/staff/complaints/{id}/decision", staff(c.apiComplaintDecision))
	mux.HandleFunc("POST /api/v1/staff/complaints/{id}/signature", staff(c.apiComplaintSign))
	mux.HandleFunc("GET /api/v1/staff/complaints/{id}/documents/{code}", staff(c.complaintDocument))
}

// csDecode reads a JSON body into v; unknown fields are refused so a
// typo does not pass silently.
func csDecode(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 2<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fault.New(fault.Invalid, "error.invalid", nil)
	}
	return nil
}

type csCaseSummaryJSON struct {
	ID              int64        `json:"id"`
	Version         int          `json:"version"`
	Number          string       `json:"number"`
	Status          cases.Status `json:"status"`
	StatusText      string       `json:"status_text"`
	Channel         string       `json:"channel"`
	ProcedureID     int64        `json:"procedure_id"`
	ProcedureNumber string       `json:"procedure_number"`
	ProcedureName   string       `json:"procedure_name"`
	BodyCode        string       `json:"body_code"`
	ApplicantName   string       `json:"applicant_name"`
	DueDate         string       `json:"due_date,omitempty"`
	DueSoon         bool         `json:"due_soon"`
	Overdue         bool         `json:"overdue"`
	AssigneeID      int64        `json:"assignee_id,omitempty"`
	AssigneeName    string       `json:"assignee_name,omitempty"`
	RegisteredAt    *time.Time   `json:"registered_at,omitempty"`
	DecisionCode    string       `json:"decision_code,omitempty"`
}

func csTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (c *caseWork) summaryJSON(r *http.Request, a cases.Application) csCaseSummaryJSON {
	return csCaseSummaryJSON{ID: a.ID, Version: a.Version, Number: a.Number(), Status: a.Status, StatusText: c.s.T(r, "case.status."+string(a.Status)),
		Channel: a.Channel, ProcedureID: a.ProcedureID, ProcedureNumber: a.ProcedureNumber, ProcedureName: a.ProcedureName,
		BodyCode: a.BodyCode, ApplicantName: a.Applicant.FullName(), DueDate: a.DueDate, DueSoon: a.DueSoon, Overdue: a.Overdue,
		AssigneeID: a.AssigneeID, AssigneeName: a.AssigneeName, RegisteredAt: csTime(a.RegisteredAt), DecisionCode: a.DecisionCode}
}

func (c *caseWork) apiQueue(w http.ResponseWriter, r *http.Request) {
	st, actor, err := c.actor(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	f, _ := csQueueFilter(r, st)
	q := r.URL.Query()
	f.Limit, _ = strconv.Atoi(q.Get("limit"))
	f.Offset, _ = strconv.Atoi(q.Get("offset"))
	list, err := c.Cases.List(r.Context(), actor, f)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	out := struct {
		Items []csCaseSummaryJSON `json:"items"`
		Total int                 `json:"total"`
	}{Items: []csCaseSummaryJSON{}, Total: list.Total}
	for _, a := range list.Items {
		out.Items = append(out.Items, c.summaryJSON(r, a))
	}
	writeJSON(w, http.StatusOK, out)
}

type csEventJSON struct {
	At       time.Time      `json:"at"`
	Action   cases.Action   `json:"action"`
	Actor    string         `json:"actor,omitempty"`
	Role     string         `json:"role,omitempty"`
	From     cases.Status   `json:"from,omitempty"`
	To       cases.Status   `json:"to,omitempty"`
	Comment  string         `json:"comment,omitempty"`
	Internal bool           `json:"internal"`
	Details  map[string]any `json:"details,omitempty"`
}

func csEventsJSON(evs []cases.Event) []csEventJSON {
	out := []csEventJSON{}
	for _, e := range evs {
		out = append(out, csEventJSON{At: e.At, Action: e.Action, Actor: e.ActorName, Role: e.ActorRole, From: e.From, To: e.To,
			Comment: e.Comment, Internal: e.Internal, Details: e.Details})
	}
	return out
}

type csDocumentJSON struct {
	Code     string    `json:"code"`
	Kind     string    `json:"kind"`
	Purpose  string    `json:"purpose"`
	Title    string    `json:"title"`
	Status   string    `json:"status"`
	IssuedAt time.Time `json:"issued_at"`
	PDFURL   string    `json:"pdf_url"`
}

type csDecisionJSON struct {
	ID           int64                 `json:"id"`
	Outcome      string                `json:"outcome"`
	Grounds      []cases.Ground        `json:"grounds"`
	Reasoning    string                `json:"reasoning,omitempty"`
	Issued       *cases.IssuedDocument `json:"issued,omitempty"`
	DocumentCode string                `json:"document_code"`
	Status       string                `json:"status"`
	DraftedAt    time.Time             `json:"drafted_at"`
	Signer       string                `json:"signer,omitempty"`
	SignedAt     *time.Time            `json:"signed_at,omitempty"`
}

func csDecisionsJSON(ds []cases.Decision) []csDecisionJSON {
	out := []csDecisionJSON{}
	for _, d := range ds {
		g := d.Grounds
		if g == nil {
			g = []cases.Ground{}
		}
		out = append(out, csDecisionJSON{ID: d.ID, Outcome: d.Outcome, Grounds: g, Reasoning: d.Reasoning, Issued: d.Issued,
			DocumentCode: d.DocumentCode, Status: d.Status, DraftedAt: d.DraftedAt, Signer: d.Signer, SignedAt: csTime(d.SignedAt)})
	}
	return out
}

type csRequestJSON struct {
	ID            int64      `json:"id"`
	Addressee     string     `json:"addressee"`
	Subject       string     `json:"subject"`
	Channel       string     `json:"channel"`
	CorrelationID string     `json:"correlation_id,omitempty"`
	State         string     `json:"state,omitempty"`
	SentAt        time.Time  `json:"sent_at"`
	AnsweredAt    *time.Time `json:"answered_at,omitempty"`
	Answer        string     `json:"answer,omitempty"`
}

type csCaseJSON struct {
	csCaseSummaryJSON
	Applicant  cases.Applicant  `json:"applicant"`
	Form       json.RawMessage  `json:"form"`
	DueExplain []string         `json:"due_explanation"`
	Actions    []cases.Action   `json:"actions"`
	Requests   []csRequestJSON  `json:"requests"`
	Documents  []csDocumentJSON `json:"documents"`
	Decisions  []csDecisionJSON `json:"decisions"`
	History    []csEventJSON    `json:"history"`
	Complaints []map[string]any `json:"complaints"`
}

// apiCase is the case with the applicant's data: an audited read.
func (c *caseWork) apiCase(w http.ResponseWriter, r *http.Request) {
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
	v, err := c.Cases.Get(r.Context(), actor, id)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	c.writeCase(w, r, v)
}

func (c *caseWork) writeCase(w http.ResponseWriter, r *http.Request, v cases.CaseView) {
	app := v.Application
	out := csCaseJSON{csCaseSummaryJSON: c.summaryJSON(r, app), Applicant: app.Applicant, Form: app.Form, DueExplain: []string{},
		Actions: v.Actions, Requests: []csRequestJSON{}, Documents: []csDocumentJSON{}, Decisions: csDecisionsJSON(v.Decisions),
		History: csEventsJSON(v.Events), Complaints: []map[string]any{}}
	if out.Actions == nil {
		out.Actions = []cases.Action{}
	}
	if app.DueDate != "" {
		if lines, err := c.Cases.Explain(r.Context(), app.Deadline, ui.Lang(r)); err == nil {
			out.DueExplain = lines
		}
	}
	irs, _ := c.Interop.Requests(r.Context(), interop.RequestQuery{CaseID: app.ID, BodyCode: app.BodyCode, Limit: 200})
	state := map[string]string{}
	for _, ir := range irs {
		state[ir.CorrelationID] = ir.State
	}
	for _, q := range v.Requests {
		out.Requests = append(out.Requests, csRequestJSON{ID: q.ID, Addressee: q.Addressee, Subject: q.Subject, Channel: q.Channel,
			CorrelationID: q.ExternalRef, State: state[q.ExternalRef], SentAt: q.SentAt, AnsweredAt: csTime(q.AnsweredAt), Answer: q.Answer})
	}
	for _, d := range v.Documents {
		out.Documents = append(out.Documents, csDocumentJSON{Code: d.Code, Kind: d.Kind, Purpose: d.Purpose, Title: d.Title, Status: d.Status,
			IssuedAt: d.IssuedAt, PDFURL: "/api/v1/staff/cases/" + strconv.FormatInt(app.ID, 10) + "/documents/" + d.Code})
	}
	for _, x := range v.Complaints {
		out.Complaints = append(out.Complaints, map[string]any{"id": x.ID, "number": x.Number(), "status": x.Status, "body_code": x.BodyCode})
	}
	writeJSON(w, http.StatusOK, out)
}

// apiStep runs one step and answers with the case as it now is.
func (c *caseWork) apiStep(w http.ResponseWriter, r *http.Request, fn func(actor cases.Actor, id int64) error) {
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
	if err := fn(actor, id); err != nil {
		c.s.Fail(w, r, err)
		return
	}
	v, err := c.Cases.Get(r.Context(), actor, id)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	c.writeCase(w, r, v)
}

func (c *caseWork) apiAssign(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Version    int   `json:"version"`
		AssigneeID int64 `json:"assignee_id"`
	}
	c.apiStep(w, r, func(actor cases.Actor, id int64) error {
		if err := csDecode(r, &in); err != nil {
			return err
		}
		var err error
		if in.AssigneeID != 0 && in.AssigneeID != actor.StaffID {
			v, gerr := c.Cases.Get(r.Context(), actor, id)
			if gerr != nil {
				return gerr
			}
			if v.Application.AssigneeID != 0 {
				_, err = c.Cases.Reassign(r.Context(), actor, id, in.Version, in.AssigneeID)
				return err
			}
		}
		_, err = c.Cases.Assign(r.Context(), actor, id, in.Version, in.AssigneeID)
		return err
	})
}

func (c *caseWork) apiRequest(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Version  int    `json:"version"`
		Resource string `json:"resource"`
		Service  string `json:"service"`
		Channel  string `json:"channel"`
	}
	c.apiStep(w, r, func(actor cases.Actor, id int64) error {
		if err := csDecode(r, &in); err != nil {
			return err
		}
		if in.Channel == "" {
			in.Channel = interop.ChannelHTTP
		}
		st, _ := StaffFrom(r.Context())
		_, err := c.Requests.Send(r.Context(), st, actor, id, in.Version, in.Resource, in.Service, in.Channel)
		return err
	})
}

func (c *caseWork) apiDecision(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Version   int                   `json:"version"`
		Outcome   string                `json:"outcome"`
		Grounds   []string              `json:"grounds"`
		Reasoning string                `json:"reasoning"`
		Issued    *cases.IssuedDocument `json:"issued"`
	}
	c.apiStep(w, r, func(actor cases.Actor, id int64) error {
		if err := csDecode(r, &in); err != nil {
			return err
		}
		_, err := c.Cases.DraftDecision(r.Context(), actor, id, in.Version, cases.DecisionDraft{Outcome: in.Outcome,
			Grounds: in.Grounds, Reasoning: in.Reasoning, Issued: in.Issued})
		return err
	})
}

// csSignatureIn is a detached CMS signature sent as JSON: base64 of the DER,
// or the PEM text itself.
type csSignatureIn struct {
	Version   int    `json:"version"`
	Signature string `json:"signature"`
}

func (in csSignatureIn) bytes() ([]byte, error) {
	s := strings.TrimSpace(in.Signature)
	if strings.HasPrefix(s, "-----BEGIN ") {
		return []byte(s), nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		return nil, fault.Fields(fault.Field{Field: "signature", Code: "case_staff.signature_required"})
	}
	return b, nil
}

func (c *caseWork) apiSign(w http.ResponseWriter, r *http.Request) {
	var in csSignatureIn
	c.apiStep(w, r, func(actor cases.Actor, id int64) error {
		if err := csDecode(r, &in); err != nil {
			return err
		}
		sig, err := in.bytes()
		if err != nil {
			return err
		}
		_, err = c.Cases.SignDecision(r.Context(), actor, id, in.Version, sig)
		return err
	})
}

// ---- complaints

type complaintJSON struct {
	ID            int64            `json:"id"`
	Version       int              `json:"version"`
	Number        string           `json:"number"`
	Status        cases.Status     `json:"status"`
	StatusText    string           `json:"status_text"`
	About         string           `json:"about"`
	CaseID        int64            `json:"case_id"`
	CaseBodyCode  string           `json:"case_body_code"`
	BodyCode      string           `json:"body_code"`
	ApplicantName string           `json:"applicant_name"`
	Text          string           `json:"text,omitempty"`
	DueDate       string           `json:"due_date,omitempty"`
	Overdue       bool             `json:"overdue"`
	DecisionCode  string           `json:"decision_code,omitempty"`
	Actions       []cases.Action   `json:"actions,omitempty"`
	Documents     []csDocumentJSON `json:"documents,omitempty"`
	Decisions     []csDecisionJSON `json:"decisions,omitempty"`
	History       []csEventJSON    `json:"history,omitempty"`
}

func (c *caseWork) complaintJSON(r *http.Request, x cases.Complaint) complaintJSON {
	return complaintJSON{ID: x.ID, Version: x.Version, Number: x.Number(), Status: x.Status, StatusText: c.s.T(r, "complaint.status."+string(x.Status)),
		About: x.About, CaseID: x.CaseID, CaseBodyCode: x.CaseBodyCode, BodyCode: x.BodyCode, ApplicantName: x.ApplicantName,
		DueDate: x.DueDate, Overdue: x.Overdue, DecisionCode: x.DecisionCode}
}

func (c *caseWork) apiComplaints(w http.ResponseWriter, r *http.Request) {
	_, actor, err := c.actor(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	q := r.URL.Query()
	f := cases.ComplaintFilter{Overdue: q.Get("overdue") == "true"}
	f.Limit, _ = strconv.Atoi(q.Get("limit"))
	f.Offset, _ = strconv.Atoi(q.Get("offset"))
	if s := q.Get("status"); s != "" {
		f.Statuses = []cases.Status{cases.Status(s)}
	}
	list, total, err := c.Cases.ListComplaints(r.Context(), actor, f)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	out := struct {
		Items []complaintJSON `json:"items"`
		Total int             `json:"total"`
	}{Items: []complaintJSON{}, Total: total}
	for _, x := range list {
		out.Items = append(out.Items, c.complaintJSON(r, x))
	}
	writeJSON(w, http.StatusOK, out)
}

func (c *caseWork) writeComplaint(w http.ResponseWriter, r *http.Request, actor cases.Actor, id int64) {
	v, err := c.Cases.GetComplaint(r.Context(), actor, id)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	out := c.complaintJSON(r, v.Complaint)
	out.Text, out.Actions, out.Decisions, out.History = v.Complaint.Text, v.Actions, csDecisionsJSON(v.Decisions), csEventsJSON(v.Events)
	if out.Actions == nil {
		out.Actions = []cases.Action{}
	}
	out.Documents = []csDocumentJSON{}
	for _, d := range v.Documents {
		out.Documents = append(out.Documents, csDocumentJSON{Code: d.Code, Kind: d.Kind, Purpose: d.Purpose, Title: d.Title, Status: d.Status,
			IssuedAt: d.IssuedAt, PDFURL: "/api/v1/staff/complaints/" + strconv.FormatInt(id, 10) + "/documents/" + d.Code})
	}
	writeJSON(w, http.StatusOK, out)
}

func (c *caseWork) apiComplaint(w http.ResponseWriter, r *http.Request) {
	c.apiComplaintStep(w, r, nil)
}

func (c *caseWork) apiComplaintStep(w http.ResponseWriter, r *http.Request, fn func(actor cases.Actor, id int64) error) {
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
	if fn != nil {
		if err := fn(actor, id); err != nil {
			c.s.Fail(w, r, err)
			return
		}
	}
	c.writeComplaint(w, r, actor, id)
}

func (c *caseWork) apiComplaintDecision(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Version int    `json:"version"`
		Outcome string `json:"outcome"`
		Text    string `json:"text"`
	}
	c.apiComplaintStep(w, r, func(actor cases.Actor, id int64) error {
		if err := csDecode(r, &in); err != nil {
			return err
		}
		_, err := c.Cases.DraftComplaintDecision(r.Context(), actor, id, in.Version, cases.ComplaintDecisionDraft{Outcome: in.Outcome, Text: in.Text})
		return err
	})
}

func (c *caseWork) apiComplaintSign(w http.ResponseWriter, r *http.Request) {
	var in csSignatureIn
	c.apiComplaintStep(w, r, func(actor cases.Actor, id int64) error {
		if err := csDecode(r, &in); err != nil {
			return err
		}
		sig, err := in.bytes()
		if err != nil {
			return err
		}
		_, err = c.Cases.SignComplaintDecision(r.Context(), actor, id, in.Version, sig)
		return err
	})
}

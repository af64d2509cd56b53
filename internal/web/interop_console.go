package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/interop"
	"odnookno/internal/org"
	"odnookno/internal/web/ui"
)

// InteropConsole is the inter-agency side of the operator's console
// (/staff/interop: connected resources, request statistics, the СМДО
// queue, the message archive, access requests after checking a user's
// certificate, P3.3) and the resource owner's access decisions
// (/staff/interop/grants), with their JSON API.
type InteropConsole struct {
	Interop *interop.Service
}

type interopConsole struct {
	s   *Server
	svc *interop.Service
}

// Routes lists every route of the area.
func (a *InteropConsole) Routes(s *Server, mux *http.ServeMux) {
	c := &interopConsole{s: s, svc: a.Interop}
	operator := func(h http.HandlerFunc) http.HandlerFunc { return s.RequireStaff(h, org.RoleOperator) }
	owner := func(h http.HandlerFunc) http.HandlerFunc { return s.RequireStaff(h, org.RoleIROwner, org.RoleOperator) }
	reader := func(h http.HandlerFunc) http.HandlerFunc {
		return s.RequireStaff(h, org.RoleOperator, org.RoleOfficer, org.RoleHead)
	}

	mux.HandleFunc("GET /staff/interop", operator(c.console))
	mux.HandleFunc("POST /staff/interop/grants", operator(c.requestGrant))
	mux.HandleFunc("POST /staff/interop/resources/{code}/status", operator(c.resourceStatus))
	mux.HandleFunc("GET /staff/interop/resources/{code}", operator(c.resourceForm))
	mux.HandleFunc("POST /staff/interop/resources/{code}", operator(c.resourceSave))
	mux.HandleFunc("POST /staff/interop/outgoing/{id}/sent", operator(c.outgoingSent))
	mux.HandleFunc("GET /staff/interop/grants", owner(c.grants))
	mux.HandleFunc("POST /staff/interop/grants/{id}/{decision}", owner(c.decide))

	mux.HandleFunc("GET /api/v1/staff/interop/requests", reader(c.apiRequests))
	mux.HandleFunc("GET /api/v1/staff/interop/archive", operator(c.apiArchive))
	mux.HandleFunc("GET /api/v1/staff/interop/stats", operator(c.apiStats))

	s.AddStaffLink(StaffLink{Href: "/staff/interop", Title: "interop_web.link.console", Hint: "interop_web.link.console_hint", Roles: []string{org.RoleOperator}})
	s.AddStaffLink(StaffLink{Href: "/staff/interop/grants", Title: "interop_web.link.grants", Hint: "interop_web.link.grants_hint", Roles: []string{org.RoleIROwner}})
}

// ---- one-off notices

const interopFlashCookie = "odk_interop_flash"

var interopFlashKeys = map[string]bool{
	"interop_web.flash.grant_requested": true,
	"interop_web.flash.grant_decided":   true,
	"interop_web.flash.status_changed":  true,
	"interop_web.flash.smdo_sent":       true,
	"interop_web.flash.resource_saved":  true,
}

func interopSetFlash(w http.ResponseWriter, r *http.Request, key string) {
	http.SetCookie(w, &http.Cookie{Name: interopFlashCookie, Value: url.QueryEscape(key), Path: "/", MaxAge: 60, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

func (c *interopConsole) popFlash(w http.ResponseWriter, r *http.Request) *http.Request {
	ck, err := r.Cookie(interopFlashCookie)
	if err != nil {
		return r
	}
	http.SetCookie(w, &http.Cookie{Name: interopFlashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	key, err := url.QueryUnescape(ck.Value)
	if err != nil || !interopFlashKeys[key] {
		return r
	}
	return r.WithContext(ui.WithFlash(r.Context(), ui.Notice{Kind: "success", Text: c.s.T(r, key)}))
}

// ---- the operator's console

type ioResourceRow struct {
	Code       string
	Name       string
	Owner      string
	Endpoint   string
	Status     string // catalogue key
	Active     bool
	AnswerDays int
	Services   []string
}

type ioStatRow struct {
	Resource    string
	Service     string
	Requests    int
	Answered    int
	Failed      int
	Open        int
	Success     string
	P50         string
	P95         string
	Late        int
	LastError   string
	LastErrorAt time.Time
}

type ioMessageRow struct {
	ID        int64
	At        time.Time
	Corr      string
	Case      string
	Service   string
	Direction string // catalogue key
	Channel   string // catalogue key
	Verified  bool
	Intact    bool
	Signer    string
	Problem   string
	Size      int
	Body      string // shown for text messages
	MediaType string
}

type ioGrantRow struct {
	ID           int64
	Staff        string
	StaffBody    string
	Resource     string
	Service      string
	State        string // catalogue key
	CertSerial   string
	CertNotAfter time.Time
	RequestedAt  time.Time
	DecidedAt    time.Time
	Reason       string
	Tag          string // the state tag's colour class
	CanDecide    bool
	CanRevoke    bool
}

type ioOutgoingRow struct {
	interop.Outgoing
	Recipient string
	Service   string
}

type ioConsolePage struct {
	ui.Errors
	Resources []ioResourceRow
	Stats     []ioStatRow
	Days      int
	Outgoing  []ioOutgoingRow
	Corr      string
	Case      string
	Searched  bool
	Messages  []ioMessageRow
	Grants    []ioGrantRow
	Services  []csOption
	Login     string
}

// names resolves resource and service codes to names in lang.
type ioNames struct {
	res  map[string]interop.Resource
	lang string
}

func (n ioNames) resource(code string) string {
	if r, ok := n.res[code]; ok {
		return r.Name(n.lang)
	}
	return code
}

func (n ioNames) service(res, code string) string {
	if r, ok := n.res[res]; ok {
		if s, ok := r.Service(code); ok {
			return s.Name(n.lang)
		}
	}
	return code
}

func (c *interopConsole) names(r *http.Request) (ioNames, []interop.Resource, error) {
	rs, err := c.svc.Resources(r.Context())
	if err != nil {
		return ioNames{}, nil, err
	}
	n := ioNames{res: map[string]interop.Resource{}, lang: ui.Lang(r)}
	for _, x := range rs {
		n.res[x.Code] = x
	}
	return n, rs, nil
}

func (c *interopConsole) bodyName(r *http.Request, code string) string {
	if b, err := c.s.Org.BodyByCode(r.Context(), code); err == nil {
		return b.Name(ui.Lang(r))
	}
	return code
}

// latency words a duration for the statistics table.
func (c *interopConsole) latency(r *http.Request, d time.Duration) string {
	if d <= 0 {
		return "—"
	}
	if d < time.Second {
		return c.s.T(r, "interop_web.ms", "N", d.Milliseconds())
	}
	return c.s.T(r, "interop_web.s", "N", strconv.FormatFloat(d.Seconds(), 'f', 1, 64))
}

func (c *interopConsole) console(w http.ResponseWriter, r *http.Request) {
	r = c.popFlash(w, r)
	p, err := c.consoleData(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	c.s.Render(w, r, http.StatusOK, "interop_console", p)
}

func (c *interopConsole) consoleData(r *http.Request) (*ioConsolePage, error) {
	ctx := r.Context()
	n, rs, err := c.names(r)
	if err != nil {
		return nil, err
	}
	p := &ioConsolePage{Days: 30, Corr: strings.TrimSpace(r.URL.Query().Get("correlation_id")), Case: strings.TrimSpace(r.URL.Query().Get("case"))}
	for _, x := range rs {
		row := ioResourceRow{Code: x.Code, Name: x.Name(n.lang), Owner: c.bodyName(r, x.OwnerBody), Endpoint: x.Endpoint,
			Status: "interop.resource_status." + x.Status, Active: x.Status == interop.ResourceActive, AnswerDays: x.AnswerDays}
		for _, sv := range x.Services {
			row.Services = append(row.Services, sv.Name(n.lang))
			p.Services = append(p.Services, csOption{Value: x.Code + "/" + sv.Code, Label: x.Name(n.lang) + " — " + sv.Name(n.lang)})
		}
		p.Resources = append(p.Resources, row)
	}
	stats, err := c.svc.Stats(ctx, time.Now().AddDate(0, 0, -p.Days))
	if err != nil {
		return nil, err
	}
	for _, st := range stats {
		row := ioStatRow{Resource: n.resource(st.Resource), Service: n.service(st.Resource, st.Service), Requests: st.Requests,
			Answered: st.Answered, Failed: st.Failed, Open: st.Open, Success: "—", P50: c.latency(r, st.P50), P95: c.latency(r, st.P95),
			Late: st.Late, LastError: st.LastError, LastErrorAt: st.LastErrorAt}
		if !math.IsNaN(st.SuccessRate) {
			row.Success = strings.Replace(strconv.FormatFloat(st.SuccessRate*100, 'f', 1, 64), ".", ",", 1) + "\u00a0%"
		}
		p.Stats = append(p.Stats, row)
	}
	out, err := c.svc.OutgoingQueue(ctx, interop.OutgoingWaiting)
	if err != nil {
		return nil, err
	}
	for _, o := range out {
		p.Outgoing = append(p.Outgoing, ioOutgoingRow{Outgoing: o, Recipient: c.bodyName(r, o.RecipientBody),
			Service: n.resource(o.Resource) + " — " + n.service(o.Resource, o.Service)})
	}
	if p.Corr != "" || p.Case != "" {
		p.Searched = true
		msgs, err := c.archive(r, interop.Query{CorrelationID: p.Corr, CaseNumber: p.Case, Limit: 200})
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			p.Messages = append(p.Messages, ioMessageRowOf(m, n))
		}
	}
	gs, err := c.svc.Grants(ctx, interop.GrantQuery{})
	if err != nil {
		return nil, err
	}
	st, _ := StaffFrom(ctx)
	p.Grants = c.grantRows(r, gs, n, st)
	return p, nil
}

// archive searches the message log; the messages carry citizens' data, so
// the search is audited.
func (c *interopConsole) archive(r *http.Request, q interop.Query) ([]interop.Message, error) {
	msgs, err := c.svc.Archive(r.Context(), q)
	if err != nil {
		return nil, err
	}
	err = c.s.Audit.Record(r.Context(), audit.Entry{Action: "interop.archive_read", CaseNumber: q.CaseNumber, ObjectType: "interop_archive",
		ObjectID: q.CorrelationID, Details: map[string]any{"correlation_id": q.CorrelationID, "case": q.CaseNumber, "messages": len(msgs)}})
	return msgs, err
}

func ioMessageRowOf(m interop.Message, n ioNames) ioMessageRow {
	row := ioMessageRow{ID: m.ID, At: m.CreatedAt, Corr: m.CorrelationID, Case: m.CaseNumber,
		Service: n.resource(m.Resource) + " — " + n.service(m.Resource, m.Service), Direction: "interop_web.direction." + m.Direction,
		Channel: "interop.channel." + m.Channel, Verified: m.Verified, Intact: m.Intact(), Signer: m.Signer, Problem: m.Problem,
		Size: len(m.Body), MediaType: m.MediaType}
	if strings.Contains(m.MediaType, "json") {
		var buf bytes.Buffer
		if json.Indent(&buf, m.Body, "", "  ") == nil {
			row.Body = buf.String()
		} else {
			row.Body = string(m.Body)
		}
	}
	return row
}

func (c *interopConsole) grantRows(r *http.Request, gs []interop.Grant, n ioNames, viewer org.Staff) []ioGrantRow {
	var out []ioGrantRow
	staffNames := map[int64]string{}
	for _, g := range gs {
		name, ok := staffNames[g.StaffID]
		if !ok {
			name = fmt.Sprintf("#%d", g.StaffID)
			if st, err := c.s.Org.StaffByID(r.Context(), g.StaffID); err == nil {
				name = st.FullName + " (" + st.Login + ")"
			}
			staffNames[g.StaffID] = name
		}
		row := ioGrantRow{ID: g.ID, Staff: name, StaffBody: c.bodyName(r, g.StaffBody), Resource: n.resource(g.Resource),
			Service: n.service(g.Resource, g.Service), State: "interop.grant_state." + g.State, CertSerial: g.CertSerial,
			CertNotAfter: g.CertNotAfter, RequestedAt: g.RequestedAt, DecidedAt: g.DecidedAt, Reason: g.Reason}
		switch g.State {
		case interop.GrantApproved:
			row.Tag = "govuk-tag--green"
		case interop.GrantRequested:
			row.Tag = "govuk-tag--yellow"
		default:
			row.Tag = "govuk-tag--red"
		}
		owner := false
		if res, ok := n.res[g.Resource]; ok {
			owner = viewer.Has(org.RoleIROwner) && viewer.Body.Code == res.OwnerBody
		}
		row.CanDecide = owner && g.State == interop.GrantRequested
		row.CanRevoke = (owner || viewer.Has(org.RoleOperator)) && (g.State == interop.GrantApproved || g.State == interop.GrantRequested)
		out = append(out, row)
	}
	return out
}

// requestGrant is the operator asking a resource owner to let a staff user
// query a service, after checking the user's certificate (P3.3).
func (c *interopConsole) requestGrant(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 2<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
		c.s.Error(w, r, http.StatusBadRequest)
		return
	}
	operator, _ := StaffFrom(r.Context())
	login := strings.TrimSpace(r.PostFormValue("login"))
	resource, service, _ := strings.Cut(r.PostFormValue("resource_service"), "/")
	var errs ui.Errors
	var cert []byte
	if f, _, err := r.FormFile("certificate"); err == nil {
		cert, _ = io.ReadAll(io.LimitReader(f, 256<<10))
		f.Close()
	}
	st, err := c.s.Org.StaffByLogin(r.Context(), login)
	switch {
	case login == "":
		errs.Add("grant-login", c.s.T(r, "interop_web.login_required"))
	case err != nil:
		errs.Add("grant-login", c.s.T(r, "interop_web.staff_unknown"))
	default:
		_, err = c.svc.RequestGrant(r.Context(), operator, interop.GrantRequest{StaffID: st.ID, Resource: resource, Service: service,
			Evidence: interop.CertEvidence{Certificate: cert}})
		if err == nil {
			interopSetFlash(w, r, "interop_web.flash.grant_requested")
			http.Redirect(w, r, "/staff/interop#grants", http.StatusSeeOther)
			return
		}
		fe := c.s.FormErrors(r, err, "grant-certificate")
		if fe == nil || StatusOf(err) >= 500 {
			c.s.Fail(w, r, err)
			return
		}
		for _, e := range fe {
			ctl := "grant-certificate"
			switch e.Field {
			case "staff":
				ctl = "grant-login"
			case "resource", "service", "query":
				ctl = "grant-service"
			}
			errs.Add(ctl, e.Message)
		}
	}
	p, err := c.consoleData(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	p.Errors, p.Login = errs, login
	for i := range p.Services {
		p.Services[i].Selected = p.Services[i].Value == resource+"/"+service
	}
	c.s.Render(w, r, http.StatusUnprocessableEntity, "interop_console", p)
}

func (c *interopConsole) resourceStatus(w http.ResponseWriter, r *http.Request) {
	status := r.PostFormValue("status")
	if status != interop.ResourceActive && status != interop.ResourceSuspended {
		c.s.Error(w, r, http.StatusBadRequest)
		return
	}
	if err := c.svc.SetResourceStatus(r.Context(), r.PathValue("code"), status, audit.ActorFrom(r.Context())); err != nil {
		c.s.Fail(w, r, err)
		return
	}
	interopSetFlash(w, r, "interop_web.flash.status_changed")
	http.Redirect(w, r, "/staff/interop#resources", http.StatusSeeOther)
}

func (c *interopConsole) outgoingSent(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		c.s.Error(w, r, http.StatusNotFound)
		return
	}
	st, _ := StaffFrom(r.Context())
	if _, err := c.svc.MarkSMDOSent(r.Context(), st, id); err != nil {
		c.s.Fail(w, r, err)
		return
	}
	interopSetFlash(w, r, "interop_web.flash.smdo_sent")
	http.Redirect(w, r, "/staff/interop#smdo", http.StatusSeeOther)
}

// ---- the resource owner's decisions

type ioGrantsPage struct {
	ui.Errors
	Body   string
	Grants []ioGrantRow
	Input  map[string]string
}

func (c *interopConsole) grantsData(r *http.Request) (*ioGrantsPage, error) {
	st, _ := StaffFrom(r.Context())
	n, _, err := c.names(r)
	if err != nil {
		return nil, err
	}
	q := interop.GrantQuery{Owner: st.Body.Code}
	if !st.Has(org.RoleIROwner) {
		q = interop.GrantQuery{} // the operator sees every grant
	}
	gs, err := c.svc.Grants(r.Context(), q)
	if err != nil {
		return nil, err
	}
	return &ioGrantsPage{Body: st.Body.Name(ui.Lang(r)), Grants: c.grantRows(r, gs, n, st), Input: map[string]string{}}, nil
}

func (c *interopConsole) grants(w http.ResponseWriter, r *http.Request) {
	r = c.popFlash(w, r)
	p, err := c.grantsData(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	c.s.Render(w, r, http.StatusOK, "interop_grants", p)
}

// decide approves, refuses (with a reason) or revokes (with a reason) a
// grant; the interop package checks that the viewer owns the resource.
func (c *interopConsole) decide(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		c.s.Error(w, r, http.StatusNotFound)
		return
	}
	st, _ := StaffFrom(r.Context())
	reason := r.PostFormValue("reason")
	switch r.PathValue("decision") {
	case "approve":
		_, err = c.svc.ApproveGrant(r.Context(), st, id)
	case "refuse":
		_, err = c.svc.RefuseGrant(r.Context(), st, id, reason)
	case "revoke":
		_, err = c.svc.RevokeGrant(r.Context(), st, id, reason)
	default:
		c.s.Error(w, r, http.StatusNotFound)
		return
	}
	back := "/staff/interop/grants"
	if !st.Has(org.RoleIROwner) {
		back = "/staff/interop#grants"
	}
	if err == nil {
		interopSetFlash(w, r, "interop_web.flash.grant_decided")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	fe := c.s.FormErrors(r, err, fmt.Sprintf("reason-%d", id))
	if fe == nil || StatusOf(err) >= 500 || ioNotFound(err) {
		c.s.Fail(w, r, err)
		return
	}
	p, lerr := c.grantsData(r)
	if lerr != nil {
		c.s.Fail(w, r, lerr)
		return
	}
	for _, e := range fe {
		p.Errors.Add(fmt.Sprintf("reason-%d", id), e.Message)
	}
	c.s.Render(w, r, StatusOf(err), "interop_grants", p)
}

func ioNotFound(err error) bool {
	return StatusOf(err) == http.StatusNotFound
}

// ---- JSON API

type ioRequestJSON struct {
	CorrelationID string         `json:"correlation_id"`
	CaseNumber    string         `json:"case_number"`
	CaseID        int64          `json:"case_id"`
	BodyCode      string         `json:"body_code"`
	StaffID       int64          `json:"staff_id"`
	Resource      string         `json:"resource"`
	Service       string         `json:"service"`
	Channel       string         `json:"channel"`
	State         string         `json:"state"`
	Attempts      int            `json:"attempts"`
	CreatedAt     time.Time      `json:"created_at"`
	SentAt        *time.Time     `json:"sent_at,omitempty"`
	AnsweredAt    *time.Time     `json:"answered_at,omitempty"`
	DueAt         time.Time      `json:"due_at"`
	Late          bool           `json:"late"`
	LastError     string         `json:"last_error,omitempty"`
	AnswerStatus  string         `json:"answer_status,omitempty"`
	AnswerPayload map[string]any `json:"answer_payload,omitempty"`
	DocumentCode  string         `json:"document_code,omitempty"`
}

// apiRequests lists inter-agency requests: the operator sees all of them,
// a body's staff their body's.
func (c *interopConsole) apiRequests(w http.ResponseWriter, r *http.Request) {
	st, _ := StaffFrom(r.Context())
	q := r.URL.Query()
	rq := interop.RequestQuery{CaseNumber: q.Get("case"), Resource: q.Get("resource"), Service: q.Get("service"), State: q.Get("state")}
	rq.CaseID, _ = strconv.ParseInt(q.Get("case_id"), 10, 64)
	rq.Limit, _ = strconv.Atoi(q.Get("limit"))
	if !st.Has(org.RoleOperator) {
		rq.BodyCode = st.Body.Code
	}
	list, err := c.svc.Requests(r.Context(), rq)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	out := struct {
		Items []ioRequestJSON `json:"items"`
	}{Items: []ioRequestJSON{}}
	for _, x := range list {
		out.Items = append(out.Items, ioRequestJSON{CorrelationID: x.CorrelationID, CaseNumber: x.CaseNumber, CaseID: x.CaseID,
			BodyCode: x.BodyCode, StaffID: x.StaffID, Resource: x.Resource, Service: x.Service, Channel: x.Channel, State: x.State,
			Attempts: x.Attempts, CreatedAt: x.CreatedAt, SentAt: csTime(x.SentAt), AnsweredAt: csTime(x.AnsweredAt), DueAt: x.DueAt,
			Late: x.WasLate, LastError: x.LastError, AnswerStatus: x.AnswerStatus, AnswerPayload: x.AnswerPayload, DocumentCode: x.DocumentCode})
	}
	writeJSON(w, http.StatusOK, out)
}

type ioArchiveJSON struct {
	ID            int64     `json:"id"`
	CorrelationID string    `json:"correlation_id"`
	CaseNumber    string    `json:"case_number"`
	Resource      string    `json:"resource"`
	Service       string    `json:"service"`
	Direction     string    `json:"direction"`
	Channel       string    `json:"channel"`
	MediaType     string    `json:"media_type"`
	Body          []byte    `json:"body"`
	Signature     []byte    `json:"signature,omitempty"`
	SHA256        string    `json:"sha256"`
	Intact        bool      `json:"intact"`
	Verified      bool      `json:"verified"`
	Signer        string    `json:"signer,omitempty"`
	Problem       string    `json:"problem,omitempty"`
	HTTPStatus    int       `json:"http_status,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
}

// apiArchive returns archived messages byte for byte (base64 in JSON).
func (c *interopConsole) apiArchive(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	iq := interop.Query{CorrelationID: q.Get("correlation_id"), CaseNumber: q.Get("case"), Direction: q.Get("direction")}
	iq.BeforeID, _ = strconv.ParseInt(q.Get("before_id"), 10, 64)
	iq.Limit, _ = strconv.Atoi(q.Get("limit"))
	msgs, err := c.archive(r, iq)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	out := struct {
		Items []ioArchiveJSON `json:"items"`
	}{Items: []ioArchiveJSON{}}
	for _, m := range msgs {
		out.Items = append(out.Items, ioArchiveJSON{ID: m.ID, CorrelationID: m.CorrelationID, CaseNumber: m.CaseNumber, Resource: m.Resource,
			Service: m.Service, Direction: m.Direction, Channel: m.Channel, MediaType: m.MediaType, Body: m.Body, Signature: m.Signature,
			SHA256: m.SHA256, Intact: m.Intact(), Verified: m.Verified, Signer: m.Signer, Problem: m.Problem, HTTPStatus: m.HTTPStatus,
			CreatedAt: m.CreatedAt})
	}
	writeJSON(w, http.StatusOK, out)
}

// apiStats is the per-service statistics of the last days (default 30).
func (c *interopConsole) apiStats(w http.ResponseWriter, r *http.Request) {
	days, err := strconv.Atoi(r.URL.Query().Get("days"))
	if err != nil || days <= 0 || days > 366 {
		days = 30
	}
	stats, err := c.svc.Stats(r.Context(), time.Now().AddDate(0, 0, -days))
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	type item struct {
		Resource    string     `json:"resource"`
		Service     string     `json:"service"`
		Requests    int        `json:"requests"`
		Answered    int        `json:"answered"`
		Failed      int        `json:"failed"`
		Open        int        `json:"open"`
		SuccessRate *float64   `json:"success_rate"`
		P50Millis   int64      `json:"latency_p50_ms"`
		P95Millis   int64      `json:"latency_p95_ms"`
		Late        int        `json:"late"`
		LastError   string     `json:"last_error,omitempty"`
		LastErrorAt *time.Time `json:"last_error_at,omitempty"`
	}
	out := struct {
		Days  int    `json:"days"`
		Items []item `json:"items"`
	}{Days: days, Items: []item{}}
	for _, s := range stats {
		it := item{Resource: s.Resource, Service: s.Service, Requests: s.Requests, Answered: s.Answered, Failed: s.Failed, Open: s.Open,
			P50Millis: s.P50.Milliseconds(), P95Millis: s.P95.Milliseconds(), Late: s.Late, LastError: s.LastError, LastErrorAt: csTime(s.LastErrorAt)}
		if !math.IsNaN(s.SuccessRate) {
			v := s.SuccessRate
			it.SuccessRate = &v
		}
		out.Items = append(out.Items, it)
	}
	writeJSON(w, http.StatusOK, out)
}

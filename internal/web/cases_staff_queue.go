package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"odnookno/internal/cases"
	"odnookno/internal/org"
	"odnookno/internal/web/ui"
)

const csPageSize = 25

// csQueueRow is one application in the queue.
type csQueueRow struct {
	ID        int64
	Number    string
	Procedure string
	Applicant string
	Status    string // catalogue key
	StatusRaw cases.Status
	Due       time.Time
	DueSoon   bool
	Overdue   bool
	Assignee  string
	Channel   string // catalogue key
}

type csOption struct {
	Value    string
	Label    string
	Selected bool
}

type csQueuePage struct {
	Body       string
	Rows       []csQueueRow
	Total      int
	Page       int
	Pages      int
	PrevURL    string
	NextURL    string
	Procedures []csOption
	Statuses   []csOption
	Due        []csOption
	Assignees  []csOption
	Number     string
	Filtered   bool
}

// csQueueFilter reads the queue's filters from the query: procedure, status
// ("open" by default, "all", or a state), due ("soon", "overdue"),
// assignee ("me", "none" or a staff id), number (a prefix).
func csQueueFilter(r *http.Request, st org.Staff) (cases.Filter, map[string]string) {
	q := r.URL.Query()
	var f cases.Filter
	sel := map[string]string{"status": "open"}
	if p, err := strconv.ParseInt(q.Get("procedure"), 10, 64); err == nil && p > 0 {
		f.ProcedureID = p
		sel["procedure"] = q.Get("procedure")
	}
	switch status := q.Get("status"); {
	case status == "all":
		sel["status"] = "all"
	case status == "" || status == "open":
		f.OpenOnly = true
	case slices.Contains(cases.Applications.States(), cases.Status(status)):
		f.Statuses = []cases.Status{cases.Status(status)}
		sel["status"] = status
	default:
		f.OpenOnly = true
	}
	switch q.Get("due") {
	case "soon":
		f.DueSoon = true
		sel["due"] = "soon"
	case "overdue":
		f.Overdue = true
		sel["due"] = "overdue"
	}
	switch a := q.Get("assignee"); a {
	case "":
	case "me":
		f.AssigneeID = st.ID
		sel["assignee"] = a
	case "none":
		f.Unassigned = true
		sel["assignee"] = a
	default:
		if id, err := strconv.ParseInt(a, 10, 64); err == nil && id > 0 {
			f.AssigneeID = id
			sel["assignee"] = a
		}
	}
	f.Number = strings.TrimSpace(q.Get("number"))
	return f, sel
}

func (c *caseWork) queue(w http.ResponseWriter, r *http.Request) {
	r = c.popFlash(w, r)
	st, actor, err := c.actor(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	f, sel := csQueueFilter(r, st)
	page := csPage(r)
	f.Limit, f.Offset = csPageSize, (page-1)*csPageSize
	list, err := c.Cases.List(r.Context(), actor, f)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	lang := ui.Lang(r)
	p := csQueuePage{Body: st.Body.Name(lang), Total: list.Total, Page: page, Number: f.Number,
		Filtered: len(sel) > 1 || sel["status"] != "open" || f.Number != ""}
	p.Pages = max(1, (list.Total+csPageSize-1)/csPageSize)
	if page > 1 {
		p.PrevURL = csPageURL(r, page-1)
	}
	if page < p.Pages {
		p.NextURL = csPageURL(r, page+1)
	}
	procs, err := c.served(r.Context(), st.Body.Code)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	procName := map[int64]string{}
	for _, pr := range procs {
		procName[pr.ID] = pr.Number + " " + pr.Name(lang)
	}
	for _, a := range list.Items {
		name := procName[a.ProcedureID]
		if name == "" {
			name = strings.TrimSpace(a.ProcedureNumber + " " + a.ProcedureName)
		}
		p.Rows = append(p.Rows, csQueueRow{ID: a.ID, Number: a.Number(), Procedure: name,
			Applicant: a.Applicant.FullName(), Status: "case.status." + string(a.Status), StatusRaw: a.Status, Due: csDate(a.DueDate),
			DueSoon: a.DueSoon, Overdue: a.Overdue, Assignee: a.AssigneeName, Channel: "case.channel." + a.Channel})
	}
	p.Procedures = []csOption{{Value: "", Label: c.s.T(r, "case_staff.filter.any_procedure")}}
	for _, pr := range procs {
		v := strconv.FormatInt(pr.ID, 10)
		p.Procedures = append(p.Procedures, csOption{Value: v, Label: pr.Number + " " + pr.Name(lang), Selected: sel["procedure"] == v})
	}
	p.Statuses = []csOption{
		{Value: "open", Label: c.s.T(r, "case_staff.filter.open"), Selected: sel["status"] == "open"},
		{Value: "all", Label: c.s.T(r, "case_staff.filter.all"), Selected: sel["status"] == "all"},
	}
	for _, s := range cases.Applications.States() {
		if s == cases.Draft || s == cases.Discarded {
			continue
		}
		p.Statuses = append(p.Statuses, csOption{Value: string(s), Label: c.s.T(r, "case.status."+string(s)), Selected: sel["status"] == string(s)})
	}
	p.Due = []csOption{
		{Value: "", Label: c.s.T(r, "case_staff.filter.any_due")},
		{Value: "soon", Label: c.s.T(r, "case.flag.due_soon"), Selected: sel["due"] == "soon"},
		{Value: "overdue", Label: c.s.T(r, "case.flag.overdue"), Selected: sel["due"] == "overdue"},
	}
	p.Assignees = []csOption{
		{Value: "", Label: c.s.T(r, "case_staff.filter.anyone")},
		{Value: "me", Label: c.s.T(r, "case_staff.filter.me"), Selected: sel["assignee"] == "me"},
		{Value: "none", Label: c.s.T(r, "case_staff.filter.unassigned"), Selected: sel["assignee"] == "none"},
	}
	if staff, err := c.s.Org.StaffOfBody(r.Context(), st.Body.Code); err == nil {
		for _, m := range staff {
			if m.ID == st.ID || !m.Has(org.RoleOfficer) && !m.Has(org.RoleHead) {
				continue
			}
			v := strconv.FormatInt(m.ID, 10)
			p.Assignees = append(p.Assignees, csOption{Value: v, Label: m.FullName, Selected: sel["assignee"] == v})
		}
	}
	c.s.Render(w, r, http.StatusOK, "cases_staff_queue", p)
}

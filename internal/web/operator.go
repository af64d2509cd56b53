package web

import (
	"net/http"
	"strconv"

	"odnookno/internal/audit"
	"odnookno/internal/notify"
	"odnookno/internal/org"
)

// The operator's view of the platform's own health: the outbox (every
// SMS, e-mail and cabinet message with its delivery status) and the audit
// chain. Recipients are masked and secrets never shown.
func (s *Server) operatorRoutes(mux *http.ServeMux) {
	if s.Notify == nil {
		return
	}
	mux.HandleFunc("GET /staff/operator/messages", s.RequireStaff(s.operatorMessages, org.RoleOperator))
	mux.HandleFunc("GET /staff/operator/messages/{id}", s.RequireStaff(s.operatorMessage, org.RoleOperator))
	mux.HandleFunc("GET /api/v1/operator/messages", s.RequireStaff(s.operatorMessagesAPI, org.RoleOperator))
	mux.HandleFunc("GET /staff/operator/audit", s.RequireStaff(s.operatorAudit, org.RoleOperator))
	s.AddStaffLink(StaffLink{Href: "/staff/operator/messages", Title: "operator.messages.title", Hint: "operator.messages.hint", Roles: []string{org.RoleOperator}})
	s.AddStaffLink(StaffLink{Href: "/staff/operator/audit", Title: "operator.audit.title", Hint: "operator.audit.hint", Roles: []string{org.RoleOperator}})
}

type operatorMessagesPage struct {
	Filter   notify.Filter
	Stats    []notify.Stat
	Messages []notify.Record
	Channels []string
	Statuses []string
	Kinds    []string
	NextID   int64
}

func (s *Server) messageFilter(r *http.Request) notify.Filter {
	q := r.URL.Query()
	f := notify.Filter{Status: q.Get("status"), Channel: q.Get("channel"), Kind: q.Get("kind"), Limit: 50}
	f.BeforeID, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	return f
}

func (s *Server) operatorMessages(w http.ResponseWriter, r *http.Request) {
	f := s.messageFilter(r)
	list, err := s.Notify.List(r.Context(), f)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	stats, err := s.Notify.Stats(r.Context())
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p := operatorMessagesPage{Filter: f, Stats: stats, Messages: list,
		Channels: []string{notify.ChannelSMS, notify.ChannelEmail, notify.ChannelInbox},
		Statuses: []string{"queued", "sent", "failed"}, Kinds: notify.Kinds}
	if len(list) == f.Limit {
		p.NextID = list[len(list)-1].ID
	}
	s.Render(w, r, http.StatusOK, "operator_messages", p)
}

func (s *Server) operatorMessage(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.Error(w, r, http.StatusNotFound)
		return
	}
	m, err := s.Notify.Get(r.Context(), id)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "operator_message", m)
}

func (s *Server) operatorMessagesAPI(w http.ResponseWriter, r *http.Request) {
	list, err := s.Notify.List(r.Context(), s.messageFilter(r))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	out := make([]map[string]any, 0, len(list))
	for _, m := range list {
		out = append(out, map[string]any{"id": m.ID, "channel": m.Channel, "to": m.To, "kind": m.Kind, "status": m.Status,
			"attempts": m.Attempts, "last_error": m.LastError, "created_at": m.CreatedAt, "sent_at": m.SentAt})
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": out})
}

type operatorAuditPage struct {
	Records  []audit.Record
	Checked  int64
	Problem  string
	Subject  string
	Case     string
	Verified bool
}

// operatorAudit lists recent audit records (filtered by citizen or case)
// and, on request, verifies the whole chain.
func (s *Server) operatorAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := operatorAuditPage{Subject: q.Get("subject"), Case: q.Get("case")}
	recs, err := s.Audit.List(r.Context(), audit.Query{SubjectUID: p.Subject, CaseNumber: p.Case, Limit: 100})
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p.Records = recs
	if q.Get("verify") == "1" {
		p.Verified = true
		n, err := s.Audit.Verify(r.Context())
		p.Checked = n
		if err != nil {
			p.Problem = err.Error()
		}
	}
	s.Render(w, r, http.StatusOK, "operator_audit", p)
}

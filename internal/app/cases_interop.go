package app

import (
	"context"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"odnookno/internal/audit"
	"odnookno/internal/cases"
	"odnookno/internal/catalog"
	"odnookno/internal/fault"
	"odnookno/internal/i18n"
	"odnookno/internal/interop"
	"odnookno/internal/org"
	"odnookno/internal/signature"
	"odnookno/internal/web"
)

// caseInterop joins applications and inter-agency requests (R637 ch. 3):
// the requests a regulation lists go out when an application is
// registered, an officer sends more from the case page, and every accepted
// answer is recorded on its case in the transaction that accepts it, which
// moves the case on.
type caseInterop struct {
	cases   *cases.Service
	interop *interop.Service
	catalog *catalog.Service
	org     *org.Service
	text    *i18n.Catalog
	log     *slog.Logger
}

// buildCaseInterop closes the loop between cases and interop: answers go
// to cases, registrations to interop. It runs before the job runner starts.
func (s *System) buildCaseInterop() *caseInterop {
	ci := &caseInterop{cases: s.Cases, interop: s.Interop, catalog: s.Procedures, org: s.Org, text: s.Messages,
		log: s.Log.With("component", "case_interop")}
	s.Interop.SetSink(ci)
	s.Cases.SetOnRegistered(ci.onRegistered)
	return ci
}

// caseAreas are the staff workspace for applications and complaints and
// the inter-agency consoles.
func (s *System) caseAreas(ci *caseInterop) []web.Area {
	return []web.Area{
		&web.CaseWork{Cases: s.Cases, Procedures: s.Procedures, Interop: s.Interop, Requests: ci, PKIDir: s.PKI.Dir, Demo: s.Config.Demo},
		&web.InteropConsole{Interop: s.Interop},
	}
}

// AnswerReceived records an accepted answer on its case, in interop's
// transaction. A case that takes no more answers (withdrawn, decided) keeps
// its history: the answer stays in the message archive and the request
// list, and interop's transaction goes on.
func (ci *caseInterop) AnswerReceived(ctx context.Context, tx *sql.Tx, a interop.Answer) error {
	if a.CaseID == 0 {
		return nil
	}
	addressee, subject := ci.names(ctx, a.Resource, a.Service)
	_, err := ci.cases.RecordResourceAnswer(ctx, tx, a.CaseID, cases.ResourceAnswer{
		Ref: a.CorrelationID, Addressee: addressee, Subject: subject, Channel: caseChannel(a.Channel),
		Text: ci.answerText(ctx, a), AnswerRef: fmt.Sprintf("%s#%d", a.CorrelationID, a.MessageID),
	})
	if errors.Is(err, fault.Conflict) || errors.Is(err, fault.NotFound) {
		ci.log.WarnContext(ctx, "answer not recorded on the case", "case", a.CaseNumber, "correlation_id", a.CorrelationID, "err", err)
		return nil
	}
	return err
}

// caseChannel names an interop channel as cases records it.
func caseChannel(ch string) string {
	switch ch {
	case interop.ChannelSMDO:
		return cases.RequestSMDO
	case interop.ChannelManual:
		return cases.RequestManual
	}
	return cases.RequestResource
}

// answerText words an answer for the case's request list: the verdict and
// the facts the resource returned, in Russian (the case's working language),
// under the service's output labels where the registry has them. The
// person's number that the request carried is not repeated, and a
// structured value with a worded twin ("address" beside "address_text")
// gives way to the words.
func (ci *caseInterop) answerText(ctx context.Context, a interop.Answer) string {
	var b strings.Builder
	b.WriteString(ci.text.T(i18n.Default, "interop.answer_status."+a.Status))
	if a.Error != "" {
		b.WriteString(": " + a.Error)
	}
	labels := map[string]string{}
	if res, err := ci.interop.Resource(ctx, a.Resource); err == nil {
		if sv, ok := res.Service(a.Service); ok {
			for _, f := range sv.Output {
				if f.LabelRU != "" {
					labels[f.Name] = f.LabelRU
				}
			}
		}
	}
	keys := make([]string, 0, len(a.Payload))
	for k := range a.Payload {
		if _, worded := a.Payload[k+"_text"]; worded || k == "pin" {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		v := flatValue(a.Payload[k])
		if v == "" {
			continue
		}
		label := labels[k]
		if label == "" {
			label = strings.ReplaceAll(strings.TrimSuffix(k, "_text"), "_", " ")
		}
		parts = append(parts, label+": "+v)
	}
	if len(parts) > 0 {
		b.WriteString(". ")
		b.WriteString(strings.Join(parts, "; "))
	}
	out := b.String()
	if r := []rune(out); len(r) > 2000 {
		out = string(r[:2000]) + "…"
	}
	return out
}

// flatValue words a JSON value: lists joined by "; ", objects by ", " in
// key order (personal numbers of other people left out).
func flatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if x {
			return "да"
		}
		return "нет"
	case []any:
		var out []string
		for _, e := range x {
			if s := flatValue(e); s != "" {
				out = append(out, s)
			}
		}
		return strings.Join(out, "; ")
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			if _, worded := x[k+"_text"]; worded || k == "pin" {
				continue
			}
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var out []string
		for _, k := range keys {
			if s := flatValue(x[k]); s != "" {
				out = append(out, s)
			}
		}
		return strings.Join(out, ", ")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// names are the registry's names of a resource and its service, for the
// case's record of a request.
func (ci *caseInterop) names(ctx context.Context, resource, service string) (string, string) {
	res, err := ci.interop.Resource(ctx, resource)
	if err != nil {
		return resource, service
	}
	sv, ok := res.Service(service)
	if !ok {
		return res.NameRU, service
	}
	return res.NameRU, sv.NameRU
}

// payload fills a request from the application as the regulation maps it
// (request field ← form field or the applicant's UID). A service with a
// "pin" input and no mapping gets the applicant's UID. It reports false
// when a mapped value is missing.
func payload(app cases.Application, q *catalog.ResourceQuery) (map[string]any, bool) {
	var form map[string]any
	_ = json.Unmarshal(app.Form, &form)
	out := map[string]any{}
	if q == nil || len(q.Mapping) == 0 {
		if app.Applicant.UID == "" {
			return out, false
		}
		out["pin"] = app.Applicant.UID
		return out, true
	}
	for _, m := range q.Mapping {
		var v string
		if m.Form == catalog.ApplicantUID {
			v = app.Applicant.UID
		} else if x, ok := form[m.Form]; ok && x != nil {
			v = strings.TrimSpace(fmt.Sprint(x))
		}
		if v == "" {
			return out, false
		}
		out[m.Request] = v
	}
	return out, true
}

// query finds the regulation's request to resource/service, if it lists one.
func (ci *caseInterop) query(ctx context.Context, app cases.Application, resource, service string) (*catalog.ResourceQuery, error) {
	reg, err := ci.catalog.Version(ctx, app.ProcedureID, app.RegulationVersion)
	if err != nil {
		return nil, err
	}
	for i, q := range reg.Resources {
		if q.Resource == resource && q.Service == service {
			return &reg.Resources[i], nil
		}
	}
	return nil, nil
}

// grantHolder picks the staff member of body on whose behalf an automatic
// request goes: an active account holding an approved grant for the
// service (P3.3); 0 when there is none.
func (ci *caseInterop) grantHolder(ctx context.Context, body, resource, service string) (int64, error) {
	gs, err := ci.interop.Grants(ctx, interop.GrantQuery{Resource: resource, State: interop.GrantApproved})
	if err != nil {
		return 0, err
	}
	slices.SortFunc(gs, func(a, b interop.Grant) int { return int(a.ID - b.ID) })
	for _, g := range gs {
		if g.StaffBody != body || g.Service != service {
			continue
		}
		st, err := ci.org.StaffByID(ctx, g.StaffID)
		if err != nil || st.Status != "active" || st.Body.Code != body {
			continue
		}
		return st.ID, nil
	}
	return 0, nil
}

// onRegistered sends the requests the application's regulation lists,
// over the integration, in the registering transaction. A request that
// cannot go automatically (nobody of the body holds a grant, the resource
// is not connected or suspended, a mapped form value is missing) is left
// for the officer, who sees it on the case page with the СМДО route.
func (ci *caseInterop) onRegistered(ctx context.Context, tx *sql.Tx, app cases.Application) ([]cases.InfoRequest, error) {
	reg, err := ci.catalog.Version(ctx, app.ProcedureID, app.RegulationVersion)
	if err != nil {
		return nil, err
	}
	if len(reg.Resources) == 0 {
		return nil, nil
	}
	ctx = audit.WithActor(ctx, audit.System)
	var out []cases.InfoRequest
	for i, q := range reg.Resources {
		log := ci.log.With("case", app.Number(), "service", q.Resource+"/"+q.Service)
		p, ok := payload(app, &reg.Resources[i])
		if !ok {
			log.InfoContext(ctx, "automatic request not sent: a mapped value is missing")
			continue
		}
		staff, err := ci.grantHolder(ctx, app.BodyCode, q.Resource, q.Service)
		if err != nil {
			return nil, err
		}
		if staff == 0 {
			log.InfoContext(ctx, "automatic request not sent: nobody of the body holds a grant")
			continue
		}
		r, err := ci.interop.RequestForCase(ctx, tx, interop.RequestSpec{CaseNumber: app.Number(), CaseID: app.ID,
			SubjectUID: app.Applicant.UID, BodyCode: app.BodyCode, StaffID: staff, Resource: q.Resource, Service: q.Service,
			Payload: p, Channel: interop.ChannelHTTP})
		var fe *fault.Error
		if errors.As(err, &fe) {
			log.InfoContext(ctx, "automatic request not sent", "reason", fe.Code)
			continue
		}
		if err != nil {
			return nil, err
		}
		addressee, subject := ci.names(ctx, q.Resource, q.Service)
		out = append(out, cases.InfoRequest{Addressee: addressee, Subject: subject, Channel: cases.RequestResource, ExternalRef: r.CorrelationID})
	}
	return out, nil
}

// Send is an officer sending a request from the case: the inter-agency
// request and the case's request_info step commit together. Over the
// integration without a grant, the refusal is committed in the audit trail
// (interop.Send) and returned: the page then offers СМДО.
func (ci *caseInterop) Send(ctx context.Context, officer org.Staff, actor cases.Actor, caseID int64, version int, resource, service, channel string) (cases.Application, error) {
	var spec interop.RequestSpec
	app, err := ci.cases.RequestInfoWith(ctx, actor, caseID, version, func(ctx context.Context, tx *sql.Tx, app cases.Application) ([]cases.InfoRequest, error) {
		q, err := ci.query(ctx, app, resource, service)
		if err != nil {
			return nil, err
		}
		p, _ := payload(app, q)
		spec = interop.RequestSpec{CaseNumber: app.Number(), CaseID: app.ID, SubjectUID: app.Applicant.UID,
			BodyCode: officer.Body.Code, StaffID: officer.ID, Resource: resource, Service: service, Payload: p, Channel: channel}
		r, err := ci.interop.RequestForCase(ctx, tx, spec)
		if err != nil {
			return nil, err
		}
		addressee, subject := ci.names(ctx, resource, service)
		return []cases.InfoRequest{{Addressee: addressee, Subject: subject, Channel: caseChannel(channel), ExternalRef: r.CorrelationID}}, nil
	})
	var fe *fault.Error
	if errors.As(err, &fe) && fe.Code == interop.CodeNoGrant && spec.Resource != "" {
		// Keep the refusal: interop.Send audits it in a transaction of its own.
		if _, serr := ci.interop.Send(ctx, officer, spec); serr != nil {
			return cases.Application{}, serr
		}
	}
	return app, err
}

// ---- demo

// demoSigners are the demo accounts that sign: the heads sign decisions,
// the officers' certificates are checked for access to resources (P3.3).
var demoSigners = []string{"rukovoditel", "ispolnitel", "mgik-rukovoditel", "mgik-ispolnitel"}

// demoGrants are the services the demo officer may query.
var demoGrants = []struct{ login, resource, service string }{
	{"ispolnitel", "mvd", "person"},
	{"ispolnitel", "residence", "address"},
	{"ispolnitel", "property", "realty"},
}

// loadDemoSigning gives the demo's signing staff a development certificate
// in the PKI folder (<login>.crt and .key, so that a head can sign with
// openssl, and the demo's "sign with the demo key" finds it), records its
// serial on the account, and has the demo officer's access to the
// simulated resources requested by the operator and approved by their
// owners. Running it again changes nothing.
func loadDemoSigning(ctx context.Context, sys *System) error {
	for _, login := range demoSigners {
		st, err := sys.Org.StaffByLogin(ctx, login)
		if errors.Is(err, fault.NotFound) {
			continue
		}
		if err != nil {
			return err
		}
		serial, err := demoCertificate(sys.PKI.Dir, st)
		if err != nil {
			return fmt.Errorf("demo certificate of %s: %w", login, err)
		}
		if _, err := sys.Org.SetCertSerial(ctx, st.ID, serial, audit.System); err != nil {
			return err
		}
	}
	if sys.IRURL == "" {
		return nil
	}
	operator, err := sys.Org.StaffByLogin(ctx, "operator")
	if err != nil {
		return err
	}
	for _, g := range demoGrants {
		st, err := sys.Org.StaffByLogin(ctx, g.login)
		if err != nil {
			return err
		}
		have, err := sys.Interop.Grants(ctx, interop.GrantQuery{StaffID: st.ID, Resource: g.resource})
		if err != nil {
			return err
		}
		if slices.ContainsFunc(have, func(x interop.Grant) bool { return x.Service == g.service }) {
			continue
		}
		pemBytes, err := os.ReadFile(filepath.Join(sys.PKI.Dir, g.login+".crt"))
		if err != nil {
			return err
		}
		gr, err := sys.Interop.RequestGrant(ctx, operator, interop.GrantRequest{StaffID: st.ID, Resource: g.resource, Service: g.service,
			Evidence: interop.CertEvidence{Certificate: pemBytes}})
		if err != nil {
			return fmt.Errorf("demo grant %s/%s: %w", g.resource, g.service, err)
		}
		res, err := sys.Interop.Resource(ctx, g.resource)
		if err != nil {
			return err
		}
		owner, err := demoOwner(ctx, sys, res.OwnerBody)
		if err != nil {
			return err
		}
		if _, err := sys.Interop.ApproveGrant(ctx, owner, gr.ID); err != nil {
			return fmt.Errorf("demo grant %s/%s: %w", g.resource, g.service, err)
		}
	}
	return nil
}

// demoOwner is a resource owner's account of body.
func demoOwner(ctx context.Context, sys *System, body string) (org.Staff, error) {
	staff, err := sys.Org.StaffOfBody(ctx, body)
	if err != nil {
		return org.Staff{}, err
	}
	for _, st := range staff {
		if st.Has(org.RoleIROwner) && st.Status == "active" {
			return st, nil
		}
	}
	return org.Staff{}, fmt.Errorf("no resource owner account in %s: %w", body, fault.NotFound)
}

// demoCertificate returns the serial of st's development certificate,
// issuing it first when the PKI folder has none.
func demoCertificate(dir string, st org.Staff) (string, error) {
	crt := filepath.Join(dir, st.Login+".crt")
	if _, err := os.Stat(crt); errors.Is(err, os.ErrNotExist) {
		if _, _, err := signature.Issue(dir, signature.IssueRequest{Name: st.FullName, Organization: st.Body.NameRU,
			Unit: st.Body.Code, Email: st.Email, FileBase: st.Login}); err != nil {
			return "", err
		}
	}
	b, err := os.ReadFile(crt)
	if err != nil {
		return "", err
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return "", fmt.Errorf("%s: no PEM certificate", crt)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%X", c.SerialNumber.Bytes()), nil
}

package web

import (
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"odnookno/internal/cases"
	"odnookno/internal/fault"
	"odnookno/internal/org"
	"odnookno/internal/signature"
	"odnookno/internal/web/ui"
)

// ---- drafting the decision on an application

type csDecisionPage struct {
	ui.Errors
	Stale      bool
	App        cases.Application
	Procedure  string
	Grounds    []csOption
	Outcome    string
	Title      string
	Number     string
	ValidUntil string
	Reasoning  string
}

// csDecisionFields are the form controls of the decision's fields.
var csDecisionFields = map[string]string{"issued.title": "issued_title", "issued.valid_until": "valid_until",
	"outcome": "outcome", "grounds": "grounds", "form": "outcome"}

func (c *caseWork) decisionData(r *http.Request, id int64) (*csDecisionPage, error) {
	_, actor, err := c.actor(r)
	if err != nil {
		return nil, err
	}
	v, err := c.Cases.Get(r.Context(), actor, id)
	if err != nil {
		return nil, err
	}
	p := &csDecisionPage{App: v.Application, Procedure: v.Application.ProcedureNumber + " " + v.Application.ProcedureName}
	if pr, err := c.Procedures.Procedure(r.Context(), v.Application.ProcedureID); err == nil {
		p.Procedure = pr.Number + " " + pr.Name(ui.Lang(r))
	}
	creg, err := c.Cases.RegulationOf(r.Context(), v.Application)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	if reg, err := c.Procedures.Version(r.Context(), v.Application.ProcedureID, v.Application.RegulationVersion); err == nil {
		for _, g := range reg.RefusalGrounds {
			names[g.Code] = g.Text.In(ui.Lang(r))
		}
	}
	for _, g := range creg.RefusalGrounds {
		label := names[g.Code]
		if label == "" {
			label = g.Text
		}
		p.Grounds = append(p.Grounds, csOption{Value: g.Code, Label: label})
	}
	return p, nil
}

func (c *caseWork) decisionForm(w http.ResponseWriter, r *http.Request) {
	id, err := csPathID(r, "id")
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	p, err := c.decisionData(r, id)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	c.s.Render(w, r, http.StatusOK, "cases_staff_decision", p)
}

func (c *caseWork) draftDecision(w http.ResponseWriter, r *http.Request) {
	id, _, actor, ok := c.postForm(w, r)
	if !ok {
		return
	}
	in := cases.DecisionDraft{Outcome: r.PostFormValue("outcome"), Grounds: r.PostForm["grounds"], Reasoning: r.PostFormValue("reasoning")}
	if in.Outcome == cases.OutcomeGrant {
		in.Issued = &cases.IssuedDocument{Title: strings.TrimSpace(r.PostFormValue("issued_title")),
			Number: strings.TrimSpace(r.PostFormValue("issued_number")), ValidUntil: csISODate(r.PostFormValue("valid_until"))}
		in.Grounds = nil
	}
	_, err := c.Cases.DraftDecision(r.Context(), actor, id, csFormVersion(r), in)
	if err == nil {
		casesSetFlash(w, r, "case_staff.flash.drafted", nil)
		http.Redirect(w, r, csCaseURL(id), http.StatusSeeOther)
		return
	}
	if c.message(r, err) == "" || errors.Is(err, fault.NotFound) {
		c.s.Fail(w, r, err)
		return
	}
	p, lerr := c.decisionData(r, id)
	if lerr != nil {
		c.s.Fail(w, r, lerr)
		return
	}
	p.Outcome, p.Reasoning = in.Outcome, in.Reasoning
	p.Title, p.Number, p.ValidUntil = r.PostFormValue("issued_title"), r.PostFormValue("issued_number"), r.PostFormValue("valid_until")
	for i := range p.Grounds {
		p.Grounds[i].Selected = slices.Contains(in.Grounds, p.Grounds[i].Value)
	}
	p.Stale = csStale(err)
	var fe *fault.Error
	if errors.As(err, &fe) && len(fe.Fields) > 0 {
		for _, f := range fe.Fields {
			ctl := csDecisionFields[f.Field]
			if ctl == "" {
				ctl = "outcome"
			}
			p.Errors.Add(ctl, c.s.T(r, f.Code, c.params(r, f.Params, "")))
		}
	} else {
		ctl := "outcome"
		if p.Stale {
			ctl = "stale"
		}
		p.Errors.Add(ctl, c.message(r, err))
	}
	c.s.Render(w, r, StatusOf(err), "cases_staff_decision", p)
}

// csISODate reads a date typed as ДД.ММ.ГГГГ (or already ISO) and gives
// it as YYYY-MM-DD; anything else is passed on for cases to refuse.
func csISODate(s string) string {
	s = strings.TrimSpace(s)
	if t, err := time.Parse("02.01.2006", s); err == nil {
		return t.Format("2006-01-02")
	}
	return s
}

// ---- the head's signature

// csSignCommand is how a head signs the draft with OpenSSL: a detached CMS
// signature over the exact bytes of the PDF, in DER.
const csSignCommand = "openssl cms -sign -binary -in decision.pdf -signer head.crt -inkey head.key -outform DER -out decision.p7s"

type csSignPage struct {
	ui.Errors
	Stale      bool
	Complaint  bool
	ID         int64
	Number     string
	Version    int
	Status     string // catalogue key
	Draft      *cases.Decision
	OutcomeKey string
	Grounds    []string
	PDFURL     string
	SHA256     string
	Command    string
	Demo       bool
	DemoKey    bool
	BackURL    string
	Action     string // where the upload goes
	DemoAction string
}

// demoKeyFiles are the development key and certificate of the signing
// staff member in the PKI folder.
func (c *caseWork) demoKeyFiles(st org.Staff) (crt, key string, ok bool) {
	if !c.Demo || c.PKIDir == "" || filepath.Base(st.Login) != st.Login || strings.HasPrefix(st.Login, ".") {
		return "", "", false
	}
	crt, key = filepath.Join(c.PKIDir, st.Login+".crt"), filepath.Join(c.PKIDir, st.Login+".key")
	for _, f := range []string{crt, key} {
		if _, err := os.Stat(f); err != nil {
			return "", "", false
		}
	}
	return crt, key, true
}

func (c *caseWork) caseSignData(r *http.Request, id int64) (*csSignPage, error) {
	st, actor, err := c.actor(r)
	if err != nil {
		return nil, err
	}
	v, err := c.Cases.Get(r.Context(), actor, id)
	if err != nil {
		return nil, err
	}
	app := v.Application
	p := &csSignPage{ID: id, Number: app.Number(), Version: app.Version, Status: "case.status." + string(app.Status),
		Command: csSignCommand, Demo: c.Demo, BackURL: csCaseURL(id), Action: csCaseURL(id) + "/sign", DemoAction: csCaseURL(id) + "/sign-demo"}
	_, _, p.DemoKey = c.demoKeyFiles(st)
	names := map[string]string{}
	if reg, err := c.Procedures.Version(r.Context(), app.ProcedureID, app.RegulationVersion); err == nil {
		for _, g := range reg.RefusalGrounds {
			names[g.Code] = g.Text.In(ui.Lang(r))
		}
	}
	for i, d := range v.Decisions {
		if d.Status != "draft" {
			continue
		}
		p.Draft = &v.Decisions[i]
		p.OutcomeKey = "case_staff.outcome." + d.Outcome
		for _, g := range d.Grounds {
			if n := names[g.Code]; n != "" {
				p.Grounds = append(p.Grounds, n)
			} else {
				p.Grounds = append(p.Grounds, g.Text)
			}
		}
		p.PDFURL = csCaseURL(id) + "/documents/" + d.DocumentCode
		if is, err := c.s.Docs.ByCode(r.Context(), d.DocumentCode); err == nil {
			p.SHA256 = is.SHA256
		}
	}
	return p, nil
}

func (c *caseWork) signForm(w http.ResponseWriter, r *http.Request) {
	id, err := csPathID(r, "id")
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	p, err := c.caseSignData(r, id)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	c.s.Render(w, r, http.StatusOK, "cases_staff_sign", p)
}

// csUploadedSignature reads the .p7s the head made (DER or PEM).
func csUploadedSignature(r *http.Request) ([]byte, error) {
	f, _, err := r.FormFile("signature")
	if err != nil {
		return nil, fault.Fields(fault.Field{Field: "signature", Code: "case_staff.signature_required"})
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, fault.Fields(fault.Field{Field: "signature", Code: "case_staff.signature_required"})
	}
	return b, nil
}

func (c *caseWork) signUpload(w http.ResponseWriter, r *http.Request) {
	c.sign(w, r, false, csUploadedSignature)
}

// signDemo signs the draft on the server with the head's development key,
// after the head types their password again. It exists only in the demo:
// a real head's key never leaves their token.
func (c *caseWork) signDemo(w http.ResponseWriter, r *http.Request) {
	c.sign(w, r, false, c.demoSignature(false))
}

// demoSignature signs the drafted decision's PDF with the demo key of the
// request's head after checking their password.
func (c *caseWork) demoSignature(complaint bool) func(*http.Request) ([]byte, error) {
	return func(r *http.Request) ([]byte, error) {
		st, actor, err := c.actor(r)
		if err != nil {
			return nil, err
		}
		crt, key, ok := c.demoKeyFiles(st)
		if !ok {
			return nil, fault.New(fault.NotFound, "case_staff.demo_key_missing", nil)
		}
		if _, err := c.s.Org.Authenticate(r.Context(), st.Login, r.PostFormValue("password")); err != nil {
			if errors.Is(err, fault.Unauthorized) {
				return nil, fault.Fields(fault.Field{Field: "password", Code: "staff.login_failed"})
			}
			return nil, err
		}
		id, err := csPathID(r, "id")
		if err != nil {
			return nil, err
		}
		var code string
		if complaint {
			v, err := c.Cases.GetComplaint(r.Context(), actor, id)
			if err != nil {
				return nil, err
			}
			code = csDraftCode(v.Decisions)
		} else {
			v, err := c.Cases.Get(r.Context(), actor, id)
			if err != nil {
				return nil, err
			}
			code = csDraftCode(v.Decisions)
		}
		if code == "" {
			return nil, fault.New(fault.NotFound, cases.CodeDocumentNotFound, nil)
		}
		pdf, _, err := c.s.Docs.PDF(r.Context(), code)
		if err != nil {
			return nil, err
		}
		signer, err := signature.LoadSigner(crt, key)
		if err != nil {
			return nil, err
		}
		return signer.Sign(pdf)
	}
}

func csDraftCode(ds []cases.Decision) string {
	for _, d := range ds {
		if d.Status == "draft" {
			return d.DocumentCode
		}
	}
	return ""
}

// sign takes the signature from get and signs the application's or the
// complaint's drafted decision with it.
func (c *caseWork) sign(w http.ResponseWriter, r *http.Request, complaint bool, get func(*http.Request) ([]byte, error)) {
	id, _, actor, ok := c.postForm(w, r)
	if !ok {
		return
	}
	demo := strings.HasSuffix(r.URL.Path, "/sign-demo")
	if demo && !c.Demo {
		c.s.Error(w, r, http.StatusNotFound)
		return
	}
	sig, err := get(r)
	if err == nil {
		if complaint {
			_, err = c.Cases.SignComplaintDecision(r.Context(), actor, id, csFormVersion(r), sig)
		} else {
			_, err = c.Cases.SignDecision(r.Context(), actor, id, csFormVersion(r), sig)
		}
	}
	if err == nil {
		casesSetFlash(w, r, "case_staff.flash.signed", nil)
		if complaint {
			http.Redirect(w, r, csComplaintURL(id), http.StatusSeeOther)
		} else {
			http.Redirect(w, r, csCaseURL(id), http.StatusSeeOther)
		}
		return
	}
	msg := c.message(r, err)
	if msg == "" || errors.Is(err, fault.NotFound) && !csIsCode(err, "case_staff.demo_key_missing") {
		c.s.Fail(w, r, err)
		return
	}
	var p *csSignPage
	var lerr error
	if complaint {
		p, lerr = c.complaintSignData(r, id)
	} else {
		p, lerr = c.caseSignData(r, id)
	}
	if lerr != nil {
		c.s.Fail(w, r, lerr)
		return
	}
	ctl := "signature"
	if demo {
		ctl = "password"
	}
	if p.Stale = csStale(err); p.Stale {
		ctl = "stale"
	}
	p.Errors.Add(ctl, msg)
	c.s.Render(w, r, StatusOf(err), "cases_staff_sign", p)
}

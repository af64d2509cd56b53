package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/cases"
	"odnookno/internal/catalog"
	"odnookno/internal/fault"
	"odnookno/internal/identity"
	"odnookno/internal/org"
	"odnookno/internal/web/ui"
)

// The front office (служба «одно окно», P1.2): a registrar takes a written
// or oral application in person for a procedure their body carries out,
// identifies the applicant by UID (a read of the citizen's data, audited)
// or by name, birth date and identity document, fills the regulation's
// form, attaches scans and registers it — number, due date and a receipt
// to print in one step — or refuses to accept it with grounds from the
// regulation (or the statutory list) and a written notice.

// intakeServed is a procedure the staff member's body carries out
// under the regulation in force today.
type intakeServed struct {
	P   catalog.Procedure
	Reg *catalog.Regulation
}

// served lists the procedures whose regulation in force names body among
// the authorized bodies.
func (f *filing) served(ctx context.Context, body string) ([]intakeServed, error) {
	ps, err := f.cat.Procedures(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []intakeServed
	for _, p := range ps {
		reg, err := f.cat.Current(ctx, p.ID)
		if errors.Is(err, fault.NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if slices.Contains(reg.AuthorizedBodies, body) {
			out = append(out, intakeServed{P: p, Reg: reg})
		}
	}
	return out, nil
}

// desk is the staff member as cases knows them: their body, roles and the
// procedures the body carries out.
func (f *filing) desk(r *http.Request) (cases.Actor, org.Staff, []intakeServed, error) {
	st, _ := StaffFrom(r.Context())
	served, err := f.served(r.Context(), st.Body.Code)
	if err != nil {
		return cases.Actor{}, st, nil, err
	}
	ids := make([]int64, len(served))
	for i, sp := range served {
		ids[i] = sp.P.ID
	}
	return cases.Staff(st.ID, st.FullName, cases.StaffScope{BodyCode: st.Body.Code, Roles: st.Roles, ProcedureIDs: ids}), st, served, nil
}

func intakeURL(id int64) string { return "/staff/intake/" + strconv.FormatInt(id, 10) }

type intakeHomePage struct {
	Body       string
	Procedures []filingOption
	Queue      []filingRow
	Total      int
}

// intakeHome: choose the procedure of a new application; the body's
// applications awaiting acceptance.
func (f *filing) intakeHome(w http.ResponseWriter, r *http.Request) {
	r = f.popFlash(w, r)
	actor, st, served, err := f.desk(r)
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	lang := ui.Lang(r)
	p := intakeHomePage{Body: st.Body.Name(lang), Procedures: intakeProcedureOptions(lang, served, 0)}
	if len(served) > 0 {
		l, err := f.cs.List(r.Context(), actor, cases.Filter{Statuses: []cases.Status{cases.Submitted, cases.Registered}, Limit: 50})
		if err != nil {
			f.s.Fail(w, r, err)
			return
		}
		p.Total = l.Total
		for _, a := range l.Items {
			p.Queue = append(p.Queue, f.row(r, lang, a, intakeURL(a.ID)))
		}
	}
	f.s.Render(w, r, http.StatusOK, "intake_home", p)
}

func intakeProcedureOptions(lang string, served []intakeServed, chosen int64) []filingOption {
	out := make([]filingOption, 0, len(served))
	for _, sp := range served {
		out = append(out, filingOption{Value: strconv.FormatInt(sp.P.ID, 10), Label: sp.P.Number + " " + sp.P.Name(lang), Checked: sp.P.ID == chosen})
	}
	return out
}

// intakeInput is the applicant as the registrar typed them.
type intakeInput struct {
	UID        string
	Surname    string
	Name       string
	Patronymic string
	BirthDate  string
	IDDocType  string
	IDDocNo    string
	Address    string
	Phone      string
	Email      string
}

// intakeFound is the UID holder found in the register of identifiers.
type intakeFound struct {
	FullName  string
	BirthDate time.Time
	UID       string
	Phone     string
}

type intakeFormPage struct {
	ui.Errors
	ProcedureID int64
	Procedure   string
	Term        string
	Body        string
	In          intakeInput
	Found       *intakeFound
	Channel     string
	DocLang     string
	Comment     string
	Fields      []filingField
	Docs        []filingDocReq
	IDDocTypes  []filingOption
}

// intakeIDDocTypes are the identity documents a person presents.
var intakeIDDocTypes = []string{"passport", "id_card", "residence_permit", "foreign_passport", "refugee"}

func (f *filing) intakeProcedure(w http.ResponseWriter, r *http.Request, id string) (cases.Actor, org.Staff, intakeServed, bool) {
	actor, st, served, err := f.desk(r)
	if err != nil {
		f.s.Fail(w, r, err)
		return actor, st, intakeServed{}, false
	}
	pid, _ := strconv.ParseInt(id, 10, 64)
	for _, sp := range served {
		if sp.P.ID == pid {
			return actor, st, sp, true
		}
	}
	if id == "" {
		http.Redirect(w, r, "/staff/intake", http.StatusSeeOther)
		return actor, st, intakeServed{}, false
	}
	f.s.Fail(w, r, fault.New(fault.NotFound, cases.CodeProcedureNotServed, nil))
	return actor, st, intakeServed{}, false
}

func (f *filing) intakePage(r *http.Request, st org.Staff, sp intakeServed, in intakeInput, values map[string]string, errs ui.Errors) *intakeFormPage {
	lang := ui.Lang(r)
	p := &intakeFormPage{Errors: errs, ProcedureID: sp.P.ID, Procedure: sp.P.Number + " " + sp.P.Name(lang), Term: f.term(lang, sp.Reg.Term),
		Body: st.Body.Name(lang), In: in, Channel: r.FormValue("channel"), DocLang: r.FormValue("doc_lang"), Comment: r.FormValue("comment"),
		Fields: f.formFields(lang, sp.Reg, values, errs, nil), Docs: f.docReqs(lang, filingOtherDocs(sp.Reg), nil, errs)}
	if p.Channel == "" {
		p.Channel = cases.ChannelWritten
	}
	if p.DocLang == "" {
		p.DocLang = lang
	}
	for _, t := range intakeIDDocTypes {
		p.IDDocTypes = append(p.IDDocTypes, filingOption{Value: t, Label: f.s.T(r, "cases_web.id_doc."+t), Checked: t == in.IDDocType})
	}
	return p
}

func (f *filing) intakeForm(w http.ResponseWriter, r *http.Request) {
	_, st, sp, ok := f.intakeProcedure(w, r, r.URL.Query().Get("procedure"))
	if !ok {
		return
	}
	f.s.Render(w, r, http.StatusOK, "intake_form", f.intakePage(r, st, sp, intakeInput{}, nil, nil))
}

func intakeReadInput(r *http.Request) intakeInput {
	v := func(k string) string { return strings.TrimSpace(r.FormValue("applicant." + k)) }
	return intakeInput{UID: v("uid"), Surname: v("surname"), Name: v("name"), Patronymic: v("patronymic"), BirthDate: v("birth_date"),
		IDDocType: v("id_doc_type"), IDDocNo: v("id_doc_number"), Address: v("address"), Phone: v("phone"), Email: v("email")}
}

// intakeBirthDate takes "31.12.1980" (as people type it) or ISO.
func intakeBirthDate(s string) string {
	if t, err := time.Parse("02.01.2006", s); err == nil {
		return t.Format("2006-01-02")
	}
	return s
}

// lookupCitizen finds the holder of the typed UID, recording the read of
// their personal data in the audit trail; errors are the form's.
func (f *filing) lookupCitizen(r *http.Request, uid, reason string) (identity.Citizen, ui.Errors, error) {
	var errs ui.Errors
	pin, _, err := identity.ParsePIN(uid)
	if err != nil {
		var ie *identity.Error
		if errors.As(err, &ie) {
			errs.Add("applicant.uid", f.s.T(r, ie.Code, ie.Params))
			return identity.Citizen{}, errs, nil
		}
		return identity.Citizen{}, nil, err
	}
	c, err := f.ids.CitizenByUID(r.Context(), pin)
	if errors.Is(err, fault.NotFound) {
		errs.Add("applicant.uid", f.s.T(r, "cases_web.intake.uid_not_found"))
		return identity.Citizen{}, errs, nil
	}
	if err != nil {
		return identity.Citizen{}, nil, err
	}
	err = f.s.Audit.Record(r.Context(), audit.Entry{Action: "intake.citizen_read", SubjectUID: string(c.UID), ObjectType: "citizen",
		ObjectID: strconv.FormatInt(c.ID, 10), Reason: reason})
	if err != nil {
		return identity.Citizen{}, nil, err
	}
	if !c.Active() {
		errs.Add("applicant.uid", f.s.T(r, "cases_web.intake.uid_blocked"))
	}
	return c, errs, nil
}

// intakeRegister looks the applicant up by UID (action "lookup") or
// registers the application (action "register").
func (f *filing) intakeRegister(w http.ResponseWriter, r *http.Request) {
	if err := filingParseMultipart(w, r); err != nil {
		f.s.Fail(w, r, err)
		return
	}
	actor, st, sp, ok := f.intakeProcedure(w, r, r.FormValue("procedure"))
	if !ok {
		return
	}
	in := intakeReadInput(r)
	values := filingFormValues(r, sp.Reg)
	reason := "intake " + sp.P.Number
	var found *identity.Citizen
	if in.UID != "" {
		c, errs, err := f.lookupCitizen(r, in.UID, reason)
		if err != nil {
			f.s.Fail(w, r, err)
			return
		}
		if errs != nil {
			f.s.Render(w, r, http.StatusUnprocessableEntity, "intake_form", f.intakePage(r, st, sp, in, values, errs))
			return
		}
		found = &c
	}
	if r.FormValue("action") == "lookup" {
		var errs ui.Errors
		if found == nil {
			errs.Add("applicant.uid", f.s.T(r, "cases_web.intake.uid_required"))
		}
		page := f.intakePage(r, st, sp, in, values, errs)
		status := http.StatusUnprocessableEntity
		if found != nil {
			page.Found = &intakeFound{FullName: found.FullName(), BirthDate: filingDay(found.BirthDate), UID: string(found.UID), Phone: found.Phone.Display()}
			status = http.StatusOK
		}
		f.s.Render(w, r, status, "intake_form", page)
		return
	}
	stored, problems := filingCheckValues(sp.Reg, values)
	if len(problems) > 0 {
		page := f.intakePage(r, st, sp, in, values, f.messages(r, problems, sp.Reg, "form"))
		f.foundInto(page, found)
		f.s.Render(w, r, http.StatusUnprocessableEntity, "intake_form", page)
		return
	}
	docLang := r.FormValue("doc_lang")
	if docLang != "be" {
		docLang = "ru"
	}
	ap := cases.Applicant{Surname: in.Surname, Name: in.Name, Patronymic: in.Patronymic, BirthDate: intakeBirthDate(in.BirthDate),
		IDDocNo: in.IDDocNo, Address: in.Address, Phone: in.Phone, Email: in.Email}
	if in.IDDocType != "" {
		ap.IDDocType = f.s.Catalog.T(docLang, "cases_web.id_doc."+in.IDDocType)
	}
	if found != nil {
		ap.CitizenID, ap.UID = strconv.FormatInt(found.ID, 10), string(found.UID)
		ap.Surname, ap.Name, ap.Patronymic, ap.BirthDate = found.Surname, found.Name, found.Patronymic, found.BirthDate
		if ap.Phone == "" {
			ap.Phone = string(found.Phone)
		}
	}
	var ups []cases.Upload
	closers := []func(){}
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	add := func(name, doc string) error {
		u, c, err := filingUploads(r, name, doc)
		closers = append(closers, c)
		ups = append(ups, u...)
		return err
	}
	for _, fl := range sp.Reg.Form {
		if fl.Type == catalog.FieldFile {
			if err := add(filingFormID(fl.Code), fl.Document); err != nil {
				f.s.Fail(w, r, err)
				return
			}
		}
	}
	for _, d := range filingOtherDocs(sp.Reg) {
		if err := add("doc."+d.Code, d.Code); err != nil {
			f.s.Fail(w, r, err)
			return
		}
	}
	if err := add("scan", ""); err != nil {
		f.s.Fail(w, r, err)
		return
	}
	form, _ := json.Marshal(stored)
	app, err := f.cs.RegisterIntake(r.Context(), actor, cases.Intake{ProcedureID: sp.P.ID, Channel: r.FormValue("channel"),
		Applicant: ap, Form: form, Lang: docLang, Comment: r.FormValue("comment"), Files: ups})
	if err != nil {
		errs := f.fieldErrors(r, err, sp.Reg, "scan")
		if errs == nil {
			f.s.Fail(w, r, err)
			return
		}
		for i := range errs {
			switch errs[i].Field {
			case "file", "doc_code":
				errs[i].Field = "scan"
			case "applicant":
				errs[i].Field = "applicant.surname"
			}
		}
		page := f.intakePage(r, st, sp, in, values, errs)
		f.foundInto(page, found)
		f.s.Render(w, r, StatusOf(err), "intake_form", page)
		return
	}
	filingSetFlash(w, r, "cases_web.flash.registered", map[string]string{"number": app.RegNumber})
	http.Redirect(w, r, intakeURL(app.ID), http.StatusSeeOther)
}

func (f *filing) foundInto(p *intakeFormPage, c *identity.Citizen) {
	if c != nil {
		p.Found = &intakeFound{FullName: c.FullName(), BirthDate: filingDay(c.BirthDate), UID: string(c.UID), Phone: c.Phone.Display()}
	}
}

// intakeShowPage is an application as the front office sees it: the
// receipt to print and, while possible, the refusal to accept.
type intakeShowPage struct {
	ID        int64
	Number    string
	Status    string
	Procedure string
	Channel   string
	Applicant string
	UID       string
	BirthDate time.Time
	IDDoc     string
	RegDate   time.Time
	DueDate   time.Time
	Term      string
	Explain   []string
	Receipt   *filingDoc
	Notice    *filingDoc
	Documents []filingDoc
	Files     []filingFile
	Events    []filingEvent
	CanRefuse bool
}

func (f *filing) intakeCase(w http.ResponseWriter, r *http.Request) (cases.Actor, cases.CaseView, bool) {
	actor, _, _, err := f.desk(r)
	if err != nil {
		f.s.Fail(w, r, err)
		return actor, cases.CaseView{}, false
	}
	id, err := filingPathID(r, "id")
	if err != nil {
		f.s.Fail(w, r, err)
		return actor, cases.CaseView{}, false
	}
	v, err := f.cs.Get(r.Context(), actor, id)
	if err != nil {
		f.s.Fail(w, r, err)
		return actor, v, false
	}
	return actor, v, true
}

func (f *filing) intakeShow(w http.ResponseWriter, r *http.Request) {
	r = f.popFlash(w, r)
	_, v, ok := f.intakeCase(w, r)
	if !ok {
		return
	}
	lang := ui.Lang(r)
	app := v.Application
	base := intakeURL(app.ID)
	p := intakeShowPage{ID: app.ID, Number: app.Number(), Status: f.statusText(lang, app.Status),
		Procedure: app.ProcedureNumber + " " + f.procedureName(r.Context(), lang, app), Channel: f.s.Catalog.T(lang, "case.channel."+app.Channel),
		Applicant: app.Applicant.FullName(), UID: app.Applicant.UID, BirthDate: filingDay(app.Applicant.BirthDate),
		IDDoc:   strings.TrimSpace(app.Applicant.IDDocType + " " + app.Applicant.IDDocNo),
		RegDate: filingDay(app.RegDate), DueDate: filingDay(app.DueDate), Documents: f.documents(r.Context(), lang, v.Documents, base),
		Files: f.files(lang, v.Attachments, base), Events: f.events(lang, "case", v.Events),
		CanRefuse: slices.Contains(v.Actions, cases.ActRefuseToAccept)}
	if _, reg, err := f.regulationOf(r.Context(), app); err == nil {
		p.Term = f.term(lang, reg.Term)
	}
	if app.Deadline.Valid() && app.Open() {
		var err error
		if p.Explain, err = f.cs.Explain(r.Context(), app.Deadline, lang); err != nil {
			f.s.Fail(w, r, err)
			return
		}
	}
	for i, d := range p.Documents {
		switch d.Purpose {
		case "receipt":
			p.Receipt = &p.Documents[i]
		case "notice":
			p.Notice = &p.Documents[i]
		}
	}
	f.s.Render(w, r, http.StatusOK, "intake_show", p)
}

type intakeRefusePage struct {
	ui.Errors
	ID        int64
	Version   int
	Number    string
	Procedure string
	Applicant string
	Grounds   []filingOption
	Comment   string
}

// acceptGroundText is a ground in the page's language: the statutory ones
// are worded in the catalogue; a regulation's own as it gives them.
func (f *filing) acceptGroundText(lang string, g cases.Ground) string {
	if key := "cases_web.accept_ground." + g.Code; f.s.Catalog.Has(lang, key) && slices.ContainsFunc(cases.StatutoryAcceptRefusal,
		func(s cases.Ground) bool { return s == g }) {
		return f.s.Catalog.T(lang, key)
	}
	return g.Text
}

func (f *filing) refusePage(r *http.Request, actor cases.Actor, v cases.CaseView, errs ui.Errors) (intakeRefusePage, error) {
	lang := ui.Lang(r)
	app := v.Application
	gs, err := f.cs.AcceptGrounds(r.Context(), actor, app.ID)
	if err != nil {
		return intakeRefusePage{}, err
	}
	p := intakeRefusePage{Errors: errs, ID: app.ID, Version: app.Version, Number: app.Number(),
		Procedure: app.ProcedureNumber + " " + f.procedureName(r.Context(), lang, app), Applicant: app.Applicant.FullName(),
		Comment: r.FormValue("comment")}
	chosen := r.Form["grounds"]
	for _, g := range gs {
		p.Grounds = append(p.Grounds, filingOption{Value: g.Code, Label: f.acceptGroundText(lang, g), Checked: slices.Contains(chosen, g.Code)})
	}
	return p, nil
}

func (f *filing) intakeRefuseForm(w http.ResponseWriter, r *http.Request) {
	actor, v, ok := f.intakeCase(w, r)
	if !ok {
		return
	}
	if !slices.Contains(v.Actions, cases.ActRefuseToAccept) {
		http.Redirect(w, r, intakeURL(v.Application.ID), http.StatusSeeOther)
		return
	}
	p, err := f.refusePage(r, actor, v, nil)
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	f.s.Render(w, r, http.StatusOK, "intake_refuse", p)
}

// intakeRefuse refuses to accept the application: only grounds from the
// list are accepted, and the written notice is issued.
func (f *filing) intakeRefuse(w http.ResponseWriter, r *http.Request) {
	actor, v, ok := f.intakeCase(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		f.s.Fail(w, r, err)
		return
	}
	app, err := f.cs.RefuseToAccept(r.Context(), actor, v.Application.ID, filingVersion(r), r.PostForm["grounds"], r.PostFormValue("comment"))
	if err != nil {
		errs := f.fieldErrors(r, err, nil, "grounds")
		if errs == nil {
			f.s.Fail(w, r, err)
			return
		}
		if fresh, gerr := f.cs.Get(r.Context(), actor, v.Application.ID); gerr == nil {
			v = fresh
		}
		p, perr := f.refusePage(r, actor, v, errs)
		if perr != nil {
			f.s.Fail(w, r, perr)
			return
		}
		f.s.Render(w, r, StatusOf(err), "intake_refuse", p)
		return
	}
	filingSetFlash(w, r, "cases_web.flash.refused", map[string]string{"number": app.Number()})
	http.Redirect(w, r, intakeURL(app.ID), http.StatusSeeOther)
}

func (f *filing) intakeDocument(w http.ResponseWriter, r *http.Request) {
	actor, _, _, err := f.desk(r)
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
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

func (f *filing) intakeFile(w http.ResponseWriter, r *http.Request) {
	actor, _, _, err := f.desk(r)
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	id, err := filingPathID(r, "id")
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	fileID, err := filingPathID(r, "file")
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	a, rc, err := f.cs.OpenAttachment(r.Context(), actor, id, fileID)
	if err != nil {
		f.s.Fail(w, r, err)
		return
	}
	defer rc.Close()
	filingServeFile(w, a, rc)
}

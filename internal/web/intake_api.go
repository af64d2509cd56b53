package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"odnookno/internal/cases"
	"odnookno/internal/catalog"
	"odnookno/internal/fault"
	"odnookno/internal/web/ui"
)

// The front office's API, for the bodies' own systems as much as for
// scripts: the procedures the body carries out, registering an application
// taken in person, its state, and refusing to accept it. The staff session
// (cookie, or bearer token) authenticates; the registrar's role (or the
// case officer's) is required.

func (f *filing) intakeAPIRoutes(mux *http.ServeMux, desk func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("GET /api/v1/intake/procedures", desk(f.apiIntakeProcedures))
	mux.HandleFunc("GET /api/v1/intake/applications", desk(f.apiIntakeList))
	mux.HandleFunc("POST /api/v1/intake/applications", desk(f.apiIntakeRegister))
	mux.HandleFunc("GET /api/v1/intake/applications/{id}", desk(f.apiIntakeGet))
	mux.HandleFunc("POST /api/v1/intake/applications/{id}/refusal", desk(f.apiIntakeRefuse))
	mux.HandleFunc("GET /api/v1/intake/applications/{id}/documents/{code}", desk(f.intakeDocument))
}

type intakeFieldJSON struct {
	Code       string   `json:"code"`
	Type       string   `json:"type"`
	Label      string   `json:"label"`
	Required   bool     `json:"required"`
	RequiredIf any      `json:"required_if,omitempty"`
	Options    []string `json:"options,omitempty"`
	Document   string   `json:"document,omitempty"`
}

type intakeDocJSON struct {
	Code      string   `json:"code"`
	Name      string   `json:"name"`
	Required  string   `json:"required"`
	FileTypes []string `json:"file_types"`
	MaxSize   int64    `json:"max_size"`
}

type intakeProcedureJSON struct {
	ID                int64             `json:"procedure_id"`
	List              string            `json:"list"`
	Number            string            `json:"number"`
	Name              string            `json:"name"`
	RegulationVersion int               `json:"regulation_version"`
	Term              string            `json:"term"`
	Form              []intakeFieldJSON `json:"form"`
	Documents         []intakeDocJSON   `json:"documents"`
	AcceptGrounds     []cases.Ground    `json:"accept_refusal_grounds"`
}

func (f *filing) apiIntakeProcedures(w http.ResponseWriter, r *http.Request) {
	_, _, served, err := f.desk(r)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	lang := ui.Lang(r)
	out := struct {
		Items []intakeProcedureJSON `json:"items"`
	}{Items: []intakeProcedureJSON{}}
	for _, sp := range served {
		p := intakeProcedureJSON{ID: sp.P.ID, List: string(sp.P.List), Number: sp.P.Number, Name: sp.P.Name(lang),
			RegulationVersion: sp.Reg.Version, Term: f.term(lang, sp.Reg.Term), Form: []intakeFieldJSON{}, Documents: []intakeDocJSON{},
			AcceptGrounds: cases.StatutoryAcceptRefusal}
		for _, fl := range sp.Reg.Form {
			j := intakeFieldJSON{Code: fl.Code, Type: string(fl.Type), Label: fl.Label(lang), Required: fl.Required, Document: fl.Document}
			if fl.RequiredIf != nil {
				j.RequiredIf = fl.RequiredIf
			}
			for _, o := range fl.Options {
				j.Options = append(j.Options, o.Value)
			}
			p.Form = append(p.Form, j)
		}
		for _, d := range sp.Reg.Documents {
			p.Documents = append(p.Documents, intakeDocJSON{Code: d.Code, Name: d.Name(lang), Required: string(d.Required),
				FileTypes: d.FileTypes, MaxSize: d.MaxSize})
		}
		out.Items = append(out.Items, p)
	}
	writeJSON(w, http.StatusOK, out)
}

func (f *filing) apiIntakeList(w http.ResponseWriter, r *http.Request) {
	actor, _, _, err := f.desk(r)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	flt := cases.Filter{Limit: limit, Offset: offset, Number: q.Get("number")}
	for _, st := range q["status"] {
		flt.Statuses = append(flt.Statuses, cases.Status(st))
	}
	l, err := f.cs.List(r.Context(), actor, flt)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	out := struct {
		Items []filingAppJSON `json:"items"`
		Total int             `json:"total"`
	}{Items: []filingAppJSON{}, Total: l.Total}
	for _, a := range l.Items {
		out.Items = append(out.Items, f.appJSON(r, a))
	}
	writeJSON(w, http.StatusOK, out)
}

func (f *filing) apiIntakeView(w http.ResponseWriter, r *http.Request, status int, actor cases.Actor, id int64) {
	v, err := f.cs.Get(r.Context(), actor, id)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	out, err := f.viewJSON(r, v, "/api/v1/intake/applications/"+strconv.FormatInt(id, 10))
	if err != nil {
		f.fail(w, r, err)
		return
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", "/api/v1/intake/applications/"+strconv.FormatInt(id, 10))
	}
	writeJSON(w, status, out)
}

func (f *filing) apiIntakeGet(w http.ResponseWriter, r *http.Request) {
	actor, _, _, err := f.desk(r)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	id, err := filingPathID(r, "id")
	if err != nil {
		f.fail(w, r, err)
		return
	}
	f.apiIntakeView(w, r, http.StatusOK, actor, id)
}

// intakeApplicantJSON is the applicant: a UID holder by "uid" alone, or
// anyone by name, birth date and identity document.
type intakeApplicantJSON struct {
	UID        string `json:"uid"`
	Surname    string `json:"surname"`
	Name       string `json:"name"`
	Patronymic string `json:"patronymic"`
	BirthDate  string `json:"birth_date"`
	IDDocType  string `json:"id_doc_type"`
	IDDocNo    string `json:"id_doc_number"`
	Address    string `json:"address"`
	Phone      string `json:"phone"`
	Email      string `json:"email"`
}

type intakeFileJSON struct {
	DocCode string `json:"doc_code"`
	Name    string `json:"name"`
	Content string `json:"content_base64"`
}

// apiIntakeRegister registers an application taken in person.
func (f *filing) apiIntakeRegister(w http.ResponseWriter, r *http.Request) {
	var in struct {
		filingProcRef
		Channel   string              `json:"channel"`
		Lang      string              `json:"lang"`
		Comment   string              `json:"comment"`
		Applicant intakeApplicantJSON `json:"applicant"`
		Form      map[string]string   `json:"form"`
		Files     []intakeFileJSON    `json:"files"`
	}
	if err := filingDecode(r, &in); err != nil {
		f.fail(w, r, err)
		return
	}
	actor, _, served, err := f.desk(r)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	p, err := f.procedureOf(r.Context(), in.filingProcRef)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	var reg *catalog.Regulation
	for _, sp := range served {
		if sp.P.ID == p.ID {
			reg = sp.Reg
		}
	}
	if reg == nil {
		f.fail(w, r, fault.New(fault.Forbidden, cases.CodeProcedureNotServed, nil))
		return
	}
	if in.Channel == "" {
		in.Channel = cases.ChannelWritten
	}
	a := in.Applicant
	ap := cases.Applicant{Surname: a.Surname, Name: a.Name, Patronymic: a.Patronymic, BirthDate: intakeBirthDate(strings.TrimSpace(a.BirthDate)),
		IDDocType: a.IDDocType, IDDocNo: a.IDDocNo, Address: a.Address, Phone: a.Phone, Email: a.Email}
	if strings.TrimSpace(a.UID) != "" {
		c, errs, err := f.lookupCitizen(r, strings.TrimSpace(a.UID), "intake "+p.Number)
		if err != nil {
			f.fail(w, r, err)
			return
		}
		if errs != nil {
			f.fail(w, r, fault.Fields(fault.Field{Field: "applicant.uid", Code: "cases_web.intake.uid_not_found"}))
			return
		}
		ap.CitizenID, ap.UID = strconv.FormatInt(c.ID, 10), string(c.UID)
		ap.Surname, ap.Name, ap.Patronymic, ap.BirthDate = c.Surname, c.Name, c.Patronymic, c.BirthDate
		if ap.Phone == "" {
			ap.Phone = string(c.Phone)
		}
	}
	stored, problems := filingCheckValues(reg, in.Form)
	if len(problems) > 0 {
		f.fail(w, r, fault.Fields(problems...))
		return
	}
	var ups []cases.Upload
	for i, fj := range in.Files {
		b, err := base64.StdEncoding.DecodeString(fj.Content)
		if err != nil {
			f.fail(w, r, fault.Fields(fault.Field{Field: "files." + strconv.Itoa(i), Code: "error.invalid"}))
			return
		}
		ups = append(ups, cases.Upload{DocCode: fj.DocCode, Name: fj.Name, Body: bytes.NewReader(b)})
	}
	form, _ := json.Marshal(stored)
	app, err := f.cs.RegisterIntake(r.Context(), actor, cases.Intake{ProcedureID: p.ID, Channel: in.Channel, Applicant: ap, Form: form,
		Lang: in.Lang, Comment: in.Comment, Files: ups})
	if err != nil {
		f.fail(w, r, err)
		return
	}
	f.apiIntakeView(w, r, http.StatusCreated, actor, app.ID)
}

// apiIntakeRefuse refuses to accept an application on grounds from the
// list, issuing the written notice.
func (f *filing) apiIntakeRefuse(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Version *int     `json:"version"`
		Grounds []string `json:"grounds"`
		Comment string   `json:"comment"`
	}
	if err := filingDecode(r, &in); err != nil {
		f.fail(w, r, err)
		return
	}
	actor, _, _, err := f.desk(r)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	id, err := filingPathID(r, "id")
	if err != nil {
		f.fail(w, r, err)
		return
	}
	version, err := f.versionOr(r.Context(), actor, id, in.Version)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	if _, err := f.cs.RefuseToAccept(r.Context(), actor, id, version, in.Grounds, in.Comment); err != nil {
		f.fail(w, r, err)
		return
	}
	f.apiIntakeView(w, r, http.StatusOK, actor, id)
}

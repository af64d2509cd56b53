package web

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"time"

	"odnookno/internal/fault"
	"odnookno/internal/identity"
)

type uidConditionJSON struct {
	Name   string `json:"name"`
	Status string `json:"status"`
}

type uidRefusalJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type uidApplicationJSON struct {
	ID                int64              `json:"id"`
	Number            string             `json:"number"`
	Kind              identity.Kind      `json:"kind"`
	State             identity.State     `json:"state"`
	NextStep          string             `json:"next_step,omitempty"`
	Surname           string             `json:"surname"`
	Name              string             `json:"name"`
	Patronymic        string             `json:"patronymic,omitempty"`
	BirthDate         string             `json:"birth_date"`
	PIN               string             `json:"pin"`
	Phone             string             `json:"phone,omitempty"`
	Lang              string             `json:"lang"`
	DocumentPresented bool               `json:"document_presented"`
	Conditions        []uidConditionJSON `json:"conditions"`
	Refusal           *uidRefusalJSON    `json:"refusal,omitempty"`
	PaperURL          string             `json:"paper_url"`
	CreatedAt         time.Time          `json:"created_at"`
	CompletedAt       *time.Time         `json:"completed_at,omitempty"`
	// Warnings are codes of findings that do not block the application
	// (pin.check_digit_warning).
	Warnings []string `json:"warnings,omitempty"`
}

func (i *uidIssuance) out(r *http.Request, a identity.Application) uidApplicationJSON {
	o := uidApplicationJSON{ID: a.ID, Number: a.Number(), Kind: a.Kind, State: a.State, NextStep: a.NextStep(),
		Surname: a.Surname, Name: a.Name, Patronymic: a.Patronymic, BirthDate: a.BirthDate, PIN: string(a.PIN),
		Phone: string(a.Phone), Lang: a.Lang, DocumentPresented: a.DocumentPresented, Conditions: []uidConditionJSON{},
		PaperURL: "/api/v1/uid-applications/" + strconv.FormatInt(a.ID, 10) + "/paper", CreatedAt: a.CreatedAt, CompletedAt: a.CompletedAt}
	for _, c := range a.Conditions() {
		o.Conditions = append(o.Conditions, uidConditionJSON{Name: c.Name, Status: c.Status})
	}
	for _, w := range a.PINWarnings() {
		o.Warnings = append(o.Warnings, w.Code)
	}
	if a.RefusalCode != "" {
		o.Refusal = &uidRefusalJSON{Code: a.RefusalCode, Message: i.s.uidMessage(r, a.RefusalCode, a.RefusalParams)}
	}
	return o
}

func (i *uidIssuance) apiList(w http.ResponseWriter, r *http.Request) {
	items, err := i.id.Applications(r.Context(), i.officeCode(r), 50)
	if err != nil {
		i.s.Fail(w, r, err)
		return
	}
	type item struct {
		ID        int64          `json:"id"`
		Number    string         `json:"number"`
		Kind      identity.Kind  `json:"kind"`
		State     identity.State `json:"state"`
		PIN       string         `json:"pin_masked"`
		CreatedAt time.Time      `json:"created_at"`
	}
	out := struct {
		Items []item `json:"items"`
	}{Items: []item{}}
	for _, a := range items {
		out.Items = append(out.Items, item{a.ID, a.Number, a.Kind, a.State, a.PINMasked, a.CreatedAt})
	}
	writeJSON(w, http.StatusOK, out)
}

func (i *uidIssuance) apiCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Kind              string `json:"kind"`
		Surname           string `json:"surname"`
		Name              string `json:"name"`
		Patronymic        string `json:"patronymic"`
		BirthDate         string `json:"birth_date"`
		PIN               string `json:"pin"`
		Phone             string `json:"phone"`
		Lang              string `json:"lang"`
		DocumentPresented bool   `json:"document_presented"`
	}
	if err := uidDecode(r, &in); err != nil {
		i.s.Fail(w, r, err)
		return
	}
	ai := identity.ApplicationInput(in)
	a, err := i.id.CreateApplication(r.Context(), i.office(r, ai.Lang), ai)
	if err != nil {
		i.s.uidFail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/uid-applications/"+strconv.FormatInt(a.ID, 10))
	writeJSON(w, http.StatusCreated, i.out(r, a))
}

func (i *uidIssuance) apiShow(w http.ResponseWriter, r *http.Request) {
	a, err := i.id.ReadApplication(r.Context(), i.officeCode(r), appID(r))
	if err != nil {
		i.s.Fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, i.out(r, a))
}

// apiStep answers a step with the application as it stands; a refusal is
// an error (409) that carries the stored reason.
func (i *uidIssuance) apiStep(step string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Code string `json:"code"`
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		if err != nil {
			i.s.Fail(w, r, fault.New(fault.Invalid, "error.invalid", nil))
			return
		}
		if len(bytes.TrimSpace(body)) > 0 {
			r.Body = io.NopCloser(bytes.NewReader(body))
			if err := uidDecode(r, &in); err != nil {
				i.s.Fail(w, r, err)
				return
			}
		}
		a, err := i.run(r, step, in.Code)
		if err != nil {
			i.s.uidFail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, i.out(r, a))
	}
}

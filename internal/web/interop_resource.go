package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"odnookno/internal/audit"
	"odnookno/internal/interop"
	"odnookno/internal/web/ui"
)

// The operator's settings of one information resource: where it answers
// and within how many working days (R637 ch. 3; the answer term drives the
// late alert and the СМДО offer). Services and the owner stay as registered.

type interopResourcePage struct {
	ui.Errors
	Resource   interop.Resource
	Endpoint   string
	AnswerDays string
	NameRU     string
	NameBE     string
}

func (c *interopConsole) resourceForm(w http.ResponseWriter, r *http.Request) {
	res, err := c.svc.Resource(r.Context(), r.PathValue("code"))
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	c.s.Render(w, r, http.StatusOK, "interop_resource", interopResourcePage{Resource: res, Endpoint: res.Endpoint,
		AnswerDays: strconv.Itoa(res.AnswerDays), NameRU: res.NameRU, NameBE: res.NameBE})
}

func (c *interopConsole) resourceSave(w http.ResponseWriter, r *http.Request) {
	res, err := c.svc.Resource(r.Context(), r.PathValue("code"))
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	p := interopResourcePage{Resource: res, Endpoint: strings.TrimSpace(r.PostFormValue("endpoint")),
		AnswerDays: strings.TrimSpace(r.PostFormValue("answer_days")),
		NameRU:     strings.TrimSpace(r.PostFormValue("name_ru")), NameBE: strings.TrimSpace(r.PostFormValue("name_be"))}
	days, err := strconv.Atoi(p.AnswerDays)
	if err != nil || days < 1 || days > 60 {
		p.Errors.Add("answer_days", c.s.T(r, "interop_web.resource.answer_days_invalid"))
	}
	if p.Endpoint != "" {
		if u, err := url.Parse(p.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			p.Errors.Add("endpoint", c.s.T(r, "interop_web.resource.endpoint_invalid"))
		}
	}
	if p.NameRU == "" {
		p.Errors.Add("name_ru", c.s.T(r, "interop_web.resource.name_required"))
	}
	if len(p.Errors) > 0 {
		c.s.Render(w, r, http.StatusUnprocessableEntity, "interop_resource", p)
		return
	}
	res.Endpoint, res.AnswerDays, res.NameRU, res.NameBE = p.Endpoint, days, p.NameRU, p.NameBE
	if _, err := c.svc.SaveResource(r.Context(), res, audit.ActorFrom(r.Context())); err != nil {
		if fe := c.s.FormErrors(r, err, "endpoint"); fe != nil {
			p.Errors = fe
			c.s.Render(w, r, StatusOf(err), "interop_resource", p)
			return
		}
		c.s.Fail(w, r, err)
		return
	}
	interopSetFlash(w, r, "interop_web.flash.resource_saved")
	http.Redirect(w, r, "/staff/interop#resources", http.StatusSeeOther)
}

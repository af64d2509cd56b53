package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"odnookno/internal/catalog"
	"odnookno/internal/fault"
	"odnookno/internal/web/ui"
)

// The JSON API of the catalogue (/api/v1/catalog): the public search and
// procedure, and for staff the versions, their content, history and
// differences, and the same steps as the pages, with the same rules.

type apiHit struct {
	List        catalog.List    `json:"list"`
	Number      string          `json:"number"`
	Name        string          `json:"name"`
	NameRU      string          `json:"name_ru"`
	NameBE      string          `json:"name_be"`
	Chapter     catalog.Chapter `json:"chapter"`
	Regulator   string          `json:"regulator"`
	Version     int             `json:"version,omitempty"`
	Online      bool            `json:"online"`
	NumberMatch int             `json:"number_match"`
	Words       int             `json:"words"`
	URL         string          `json:"url"`
}

// apiSearch: ?q= (numbers and words in any form), ?list=, ?in_force=false
// to include procedures with no regulation in force, ?limit=.
func (c *catalogArea) apiSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	list := catalog.List(q.Get("list"))
	if list != "" && !list.Valid() {
		c.s.Fail(w, r, fault.Fields(fault.Field{Field: "list", Code: catalog.CodeUnknownValue, Params: map[string]any{"value": string(list)}}))
		return
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	hits, err := c.svc.Search(r.Context(), catalog.Query{Text: q.Get("q"), List: list, InForce: q.Get("in_force") != "false", Limit: limit})
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	lang := ui.Lang(r)
	items := make([]apiHit, 0, len(hits))
	for _, h := range hits {
		p := h.Procedure
		items = append(items, apiHit{List: p.List, Number: p.Number, Name: p.Name(lang), NameRU: p.NameRU, NameBE: p.NameBE, Chapter: p.Chapter,
			Regulator: p.Regulator, Version: h.Version, Online: h.Online, NumberMatch: h.NumberMatch, Words: h.Words, URL: procedurePath(p)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "count": len(items)})
}

type apiRegulation struct {
	Version       int                 `json:"version"`
	State         catalog.State       `json:"state"`
	EffectiveDate string              `json:"effective_date"`
	Online        bool                `json:"online"`
	Imported      bool                `json:"imported"`
	UpdatedAt     time.Time           `json:"updated_at"`
	Content       *catalog.Regulation `json:"regulation"`
}

func regulationJSON(reg *catalog.Regulation) *apiRegulation {
	if reg == nil {
		return nil
	}
	return &apiRegulation{Version: reg.Version, State: reg.State, EffectiveDate: reg.EffectiveDate.String(), Online: reg.Online(),
		Imported: reg.Imported, UpdatedAt: reg.UpdatedAt, Content: reg}
}

// apiProcedure is a procedure with the regulation in force today (null
// when none is).
func (c *catalogArea) apiProcedure(w http.ResponseWriter, r *http.Request) {
	p, err := c.procedureFromPath(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	reg, err := c.svc.Current(r.Context(), p.ID)
	if err != nil && !errors.Is(err, fault.NotFound) {
		c.s.Fail(w, r, err)
		return
	}
	out := map[string]any{"procedure": p, "in_force": regulationJSON(reg), "url": procedurePath(p)}
	if reg != nil && reg.Online() {
		out["apply_url"] = "/cabinet/apply/" + string(p.List) + "/" + p.Number
	}
	writeJSON(w, http.StatusOK, out)
}

// apiAccess reads the procedure of the path for a staff request and
// checks the viewer may read version v of it (0: its list of versions).
func (c *catalogArea) apiAccess(w http.ResponseWriter, r *http.Request, v int) (catalog.Procedure, bool) {
	p, err := c.procedureFromPath(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return p, false
	}
	st, _ := StaffFrom(r.Context())
	acc, err := c.accessTo(r.Context(), st, p, v)
	if err != nil {
		c.s.Fail(w, r, err)
		return p, false
	}
	if acc == noAccess {
		c.s.Fail(w, r, errCatalogForbidden)
		return p, false
	}
	return p, true
}

func (c *catalogArea) apiVersions(w http.ResponseWriter, r *http.Request) {
	p, ok := c.apiAccess(w, r, 0)
	if !ok {
		return
	}
	vs, err := c.svc.Versions(r.Context(), p.ID)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	items := make([]map[string]any, 0, len(vs))
	for _, v := range vs {
		items = append(items, map[string]any{"version": v.Version, "state": v.State, "effective_date": v.EffectiveDate.String(),
			"online": v.Online, "demo": v.Demo, "imported": v.Imported, "updated_at": v.UpdatedAt})
	}
	writeJSON(w, http.StatusOK, map[string]any{"procedure": p, "items": items})
}

// versionOut is a version with its history, the owners' decisions and the
// actions the caller may take.
func (c *catalogArea) versionOut(w http.ResponseWriter, r *http.Request, status int, p catalog.Procedure, n int) {
	ctx := r.Context()
	reg, err := c.svc.Version(ctx, p.ID, n)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	events, err := c.svc.History(ctx, p.ID, n)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	approvals, err := c.svc.Approvals(ctx, p.ID, n)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	st, _ := StaffFrom(ctx)
	actions, err := c.allowed(ctx, st, p, n)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	history := make([]map[string]any, 0, len(events))
	for _, e := range events {
		history = append(history, map[string]any{"at": e.At, "action": e.Action, "from": e.From, "to": e.To,
			"actor": map[string]any{"id": e.Actor.ID, "role": e.Actor.Role, "body": e.Actor.Body}, "reason": e.Reason})
	}
	apps := make([]map[string]any, 0, len(approvals))
	for _, a := range approvals {
		m := map[string]any{"round": a.Round, "owner": a.Owner, "resources": a.Resources, "decision": a.Decision, "reason": a.Reason}
		if !a.DecidedAt.IsZero() {
			m["decided_at"] = a.DecidedAt
		}
		apps = append(apps, m)
	}
	if actions == nil {
		actions = []catalog.Action{}
	}
	writeJSON(w, status, map[string]any{"procedure": p, "version": regulationJSON(reg), "history": history, "approvals": apps, "allowed": actions})
}

func (c *catalogArea) apiVersion(w http.ResponseWriter, r *http.Request) {
	n, err := versionFromPath(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	p, ok := c.apiAccess(w, r, n)
	if !ok {
		return
	}
	c.versionOut(w, r, http.StatusOK, p, n)
}

// decodeRegulation reads a regulation from a JSON body; unknown fields are
// refused so a misspelt item is not silently dropped.
func decodeRegulation(r *http.Request, into any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 4<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil && !errors.Is(err, io.EOF) {
		return fault.New(fault.Invalid, "catalog_web.api.bad_json", map[string]any{"detail": err.Error()})
	}
	return nil
}

// apiNewDraft starts the next version: a copy of the latest, or the
// content in the body ({"regulation": {...}}).
func (c *catalogArea) apiNewDraft(w http.ResponseWriter, r *http.Request) {
	p, err := c.procedureFromPath(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	var body struct {
		Regulation *catalog.Regulation `json:"regulation"`
	}
	if err := decodeRegulation(r, &body); err != nil {
		c.s.Fail(w, r, err)
		return
	}
	st, _ := StaffFrom(r.Context())
	reg, err := c.svc.NewDraft(r.Context(), actorFor(st, catalog.ActCreate), p.ID, body.Regulation)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	c.versionOut(w, r, http.StatusCreated, p, reg.Version)
}

// apiSaveDraft replaces a draft's content with the body (a regulation).
func (c *catalogArea) apiSaveDraft(w http.ResponseWriter, r *http.Request) {
	p, err := c.procedureFromPath(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	n, err := versionFromPath(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	var reg catalog.Regulation
	if err := decodeRegulation(r, &reg); err != nil {
		c.s.Fail(w, r, err)
		return
	}
	st, _ := StaffFrom(r.Context())
	if _, err := c.svc.SaveDraft(r.Context(), actorFor(st, catalog.ActSave), p.ID, n, &reg); err != nil {
		c.s.Fail(w, r, err)
		return
	}
	c.versionOut(w, r, http.StatusOK, p, n)
}

// apiAction takes a step: {"action": "submit" | "recall" |
// "operator_approve" | "operator_reject" | "owner_approve" |
// "owner_reject", "reason": "…"}.
func (c *catalogArea) apiAction(w http.ResponseWriter, r *http.Request) {
	p, err := c.procedureFromPath(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	n, err := versionFromPath(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	var body struct {
		Action catalog.Action `json:"action"`
		Reason string         `json:"reason"`
	}
	if err := decodeRegulation(r, &body); err != nil {
		c.s.Fail(w, r, err)
		return
	}
	if !validAction(body.Action) {
		c.s.Fail(w, r, fault.Fields(fault.Field{Field: "action", Code: catalog.CodeUnknownValue, Params: map[string]any{"value": string(body.Action)}}))
		return
	}
	st, _ := StaffFrom(r.Context())
	if err := c.svc.Do(r.Context(), actorFor(st, body.Action), p.ID, n, body.Action, body.Reason); err != nil {
		c.s.Fail(w, r, err)
		return
	}
	// Taking a step may end the caller's access (a rejected owner round).
	if acc, err := c.accessTo(r.Context(), st, p, n); err == nil && acc == noAccess {
		writeJSON(w, http.StatusOK, map[string]any{"procedure": p, "version": map[string]any{"version": n}})
		return
	}
	c.versionOut(w, r, http.StatusOK, p, n)
}

// apiDiff: ?from=&to= (version numbers; 0 or none is an empty
// regulation).
func (c *catalogArea) apiDiff(w http.ResponseWriter, r *http.Request) {
	p, err := c.procedureFromPath(r)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	from, _ := strconv.Atoi(r.URL.Query().Get("from"))
	to, err := strconv.Atoi(r.URL.Query().Get("to"))
	if err != nil || to < 1 || from < 0 {
		c.s.Fail(w, r, fault.Fields(fault.Field{Field: "to", Code: catalog.CodeRequired}))
		return
	}
	st, _ := StaffFrom(r.Context())
	ok, err := c.mayCompare(r.Context(), st, p, from, to)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	if !ok {
		c.s.Fail(w, r, errCatalogForbidden)
		return
	}
	a, b, err := c.pair(r.Context(), p, from, to)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	changes := catalog.Diff(a, b)
	if changes == nil {
		changes = []catalog.Change{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"procedure": p, "from": from, "to": to, "changes": changes})
}

// apiInbox lists what waits for the caller in each catalogue role.
func (c *catalogArea) apiInbox(w http.ResponseWriter, r *http.Request) {
	st, _ := StaffFrom(r.Context())
	items := []map[string]any{}
	for _, role := range catalogRoles {
		if !st.Has(role) {
			continue
		}
		pending, err := c.svc.Inbox(r.Context(), st.Actor(role))
		if err != nil {
			c.s.Fail(w, r, err)
			return
		}
		for _, x := range pending {
			items = append(items, map[string]any{"role": role, "procedure": x.Procedure, "version": x.Version, "state": x.State,
				"effective_date": x.EffectiveDate.String(), "updated_at": x.UpdatedAt,
				"url": "/api/v1/catalog/procedures/" + string(x.Procedure.List) + "/" + x.Procedure.Number + "/versions/" + strconv.Itoa(x.Version)})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// apiImport imports uploaded files (multipart, field "files"); the error
// names every problem as «file:line: path».
func (c *catalogArea) apiImport(w http.ResponseWriter, r *http.Request) {
	rep, err := c.runImport(w, r)
	if err != nil {
		var ue *errUpload
		if errors.As(err, &ue) {
			err = fault.New(fault.Invalid, ue.code, ue.params)
		}
		c.s.Fail(w, r, err)
		return
	}
	files := make([]map[string]any, 0, len(rep.Files))
	for _, f := range rep.Files {
		files = append(files, map[string]any{"file": f.File, "list": f.List, "number": f.Number, "version": f.Version,
			"state": f.State, "outcome": f.Outcome})
	}
	writeJSON(w, http.StatusOK, map[string]any{"files": files, "created": rep.Created, "new_versions": rep.NewVersions,
		"updated": rep.Updated, "unchanged": rep.Unchanged})
}

// apiExport is every procedure with its regulation in force, as one list
// of the files Import reads.
func (c *catalogArea) apiExport(w http.ResponseWriter, r *http.Request) {
	files, err := c.svc.ExportFiles(r.Context())
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	writeFiles(w, files)
}

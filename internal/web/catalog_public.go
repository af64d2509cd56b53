package web

import (
	"errors"
	"net/http"
	"strings"

	"odnookno/internal/calendar"
	"odnookno/internal/catalog"
	"odnookno/internal/fault"
	"odnookno/internal/web/ui"
)

// The public catalogue: search by number or by words in any form, and a
// procedure's page as a citizen needs it, built from the regulation in
// force today.

type catalogSearchPage struct {
	Q      string
	List   string
	Lists  []catalog.List
	Asked  bool // a query or a list filter was given
	Hits   []catalogHit
	Total  int
	Capped bool
}

type catalogHit struct {
	List    catalog.List
	Number  string
	Name    string
	Chapter string
	Online  bool
	URL     string
}

const catalogSearchLimit = 500

func (c *catalogArea) search(w http.ResponseWriter, r *http.Request) {
	lang := ui.Lang(r)
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	list := catalog.List(r.URL.Query().Get("list"))
	if !list.Valid() {
		list = ""
	}
	hits, err := c.svc.Search(r.Context(), catalog.Query{Text: q, List: list, InForce: true, Limit: catalogSearchLimit})
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	p := catalogSearchPage{Q: q, List: string(list), Lists: catalog.Lists, Asked: q != "" || list != "", Total: len(hits),
		Capped: len(hits) == catalogSearchLimit}
	for _, h := range hits {
		p.Hits = append(p.Hits, catalogHit{List: h.Procedure.List, Number: h.Procedure.Number, Name: h.Procedure.Name(lang),
			Chapter: h.Procedure.Chapter.Name(lang), Online: h.Online, URL: procedurePath(h.Procedure)})
	}
	c.s.Render(w, r, http.StatusOK, "catalog_search", p)
}

// procedureView is a regulation as the procedure page shows it, every
// text already in the page's language.
type procedureView struct {
	Procedure catalog.Procedure
	Name      string
	Chapter   string
	Regulator string
	InForce   bool
	Version   int
	Effective catalog.Date

	Bodies       []bodyView
	Documents    []documentView
	Term         string
	ExtendedTerm string
	Fee          string
	FeeNote      string
	Validity     string
	Channels     []catalog.Channel
	Submission   string
	Withdrawal   string
	Access       []catalog.AccessMethod

	ComplaintBody       string
	ComplaintTerm       string
	ComplaintSubmission string
	ComplaintWithdrawal string

	Cabinet     []string
	Information string
	Resources   []string
	Grounds     []string

	Online   bool
	ApplyURL string
	Demo     bool
	Notes    string
}

type bodyView struct {
	Name    string
	Address string
}

type documentView struct {
	Name      string
	Always    bool
	Condition string
}

func (c *catalogArea) procedure(w http.ResponseWriter, r *http.Request) {
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
	names, err := c.bodies(r.Context())
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	c.s.Render(w, r, http.StatusOK, "catalog_procedure", c.procedureView(ui.Lang(r), p, reg, names))
}

func (c *catalogArea) procedureView(lang string, p catalog.Procedure, reg *catalog.Regulation, names bodyNames) procedureView {
	v := procedureView{Procedure: p, Name: p.Name(lang), Chapter: p.Chapter.Name(lang), Regulator: names.name(lang, p.Regulator)}
	if reg == nil {
		return v
	}
	v.InForce, v.Version, v.Effective = true, reg.Version, reg.EffectiveDate
	for _, b := range reg.AuthorizedBodies {
		v.Bodies = append(v.Bodies, bodyView{Name: names.name(lang, b), Address: names.byCode[b].Address})
	}
	for _, d := range reg.Documents {
		v.Documents = append(v.Documents, documentView{Name: d.Name(lang), Always: d.Required == catalog.Always, Condition: d.Condition.In(lang)})
	}
	v.Term = c.term(lang, reg.Term)
	if reg.ExtendedTerm != (calendar.Term{}) {
		v.ExtendedTerm = c.term(lang, reg.ExtendedTerm)
	}
	v.Fee, v.FeeNote = c.fee(lang, reg.Fee), reg.Fee.Note.In(lang)
	v.Validity = c.validity(lang, reg.Validity)
	v.Channels, v.Access = reg.Submission.Channels, reg.AccessMethods
	v.Submission, v.Withdrawal = reg.Submission.Text.In(lang), reg.Submission.Withdrawal.In(lang)
	v.ComplaintBody = names.name(lang, reg.Complaints.Body)
	v.ComplaintTerm = c.term(lang, reg.Complaints.Term)
	v.ComplaintSubmission, v.ComplaintWithdrawal = reg.Complaints.Submission.In(lang), reg.Complaints.Withdrawal.In(lang)
	v.Cabinet = reg.Cabinet
	v.Information = reg.Information.In(lang)
	for _, q := range reg.Resources {
		what := q.Purpose.In(lang)
		if what == "" {
			what = q.Resource + ": " + q.Service
		}
		v.Resources = append(v.Resources, what)
	}
	for _, g := range reg.RefusalGrounds {
		v.Grounds = append(v.Grounds, g.Text.In(lang))
	}
	v.Online = reg.Online()
	if v.Online {
		v.ApplyURL = "/cabinet/apply/" + string(p.List) + "/" + p.Number
	}
	v.Demo, v.Notes = reg.Demo, reg.Notes.In(lang)
	return v
}

package catalog

import (
	"context"
	"slices"
	"testing"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/calendar"
	"odnookno/internal/fault"
)

func newProcedure(t *testing.T, f fixture) Procedure {
	t.Helper()
	p, err := f.svc.CreateProcedure(context.Background(), regulatorActor, testProcedure())
	mustNoErr(t, err)
	return p
}

func draft(t *testing.T, f fixture, p Procedure, r *Regulation) *Regulation {
	t.Helper()
	d, err := f.svc.NewDraft(context.Background(), regulatorActor, p.ID, r)
	mustNoErr(t, err)
	return d
}

func wantState(t *testing.T, f fixture, p Procedure, version int, want State) *Regulation {
	t.Helper()
	r, err := f.svc.Version(context.Background(), p.ID, version)
	mustNoErr(t, err)
	if r.State != want {
		t.Fatalf("version %d is %s, want %s", version, r.State, want)
	}
	return r
}

func historyActions(t *testing.T, f fixture, p Procedure, version int) []string {
	t.Helper()
	h, err := f.svc.History(context.Background(), p.ID, version)
	mustNoErr(t, err)
	var out []string
	for _, e := range h {
		out = append(out, string(e.Action))
	}
	return out
}

func TestLifecycleToActive(t *testing.T) {
	each(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		p := newProcedure(t, f)
		d := draft(t, f, p, validRegulation(t))
		if d.Version != 1 || d.State != Draft {
			t.Fatalf("first draft: version %d state %s", d.Version, d.State)
		}
		mustNoErr(t, f.svc.Submit(ctx, regulatorActor, p.ID, 1))
		wantState(t, f, p, 1, Submitted)
		if in, _ := f.svc.Inbox(ctx, operatorActor); len(in) != 1 || in[0].Procedure.ID != p.ID {
			t.Fatalf("operator inbox: %+v", in)
		}
		mustNoErr(t, f.svc.OperatorApprove(ctx, operatorActor, p.ID, 1))
		wantState(t, f, p, 1, OperatorApproved)

		// Both owners (residence → mvd, property → nka) are asked.
		apps, err := f.svc.Approvals(ctx, p.ID, 1)
		mustNoErr(t, err)
		if len(apps) != 2 || apps[0].Owner != "mvd" || apps[1].Owner != "nka" || apps[0].Decision != "pending" {
			t.Fatalf("approvals: %+v", apps)
		}
		if in, _ := f.svc.Inbox(ctx, mvdOwner); len(in) != 1 {
			t.Fatalf("mvd inbox: %+v", in)
		}
		acts, err := f.svc.Allowed(ctx, mvdOwner, p.ID, 1)
		mustNoErr(t, err)
		if !slices.Equal(acts, []Action{ActOwnerApprove, ActOwnerReject}) {
			t.Fatalf("mvd may %v", acts)
		}
		mustNoErr(t, f.svc.OwnerApprove(ctx, mvdOwner, p.ID, 1))
		wantState(t, f, p, 1, OperatorApproved) // nka still owes
		wantKind(t, f.svc.OwnerApprove(ctx, mvdOwner, p.ID, 1), fault.Conflict, CodeAlreadyDecided)
		if in, _ := f.svc.Inbox(ctx, mvdOwner); len(in) != 0 {
			t.Fatalf("mvd inbox after approving: %+v", in)
		}
		mustNoErr(t, f.svc.OwnerApprove(ctx, nkaOwner, p.ID, 1))
		// Effective 2026-01-01, today 2026-03-02: in force at once.
		wantState(t, f, p, 1, Active)

		cur, err := f.svc.Current(ctx, p.ID)
		mustNoErr(t, err)
		if cur.Version != 1 {
			t.Fatalf("current version %d", cur.Version)
		}
		_, err = f.svc.ActiveFor(ctx, p.ID, time.Date(2025, 12, 31, 12, 0, 0, 0, time.UTC))
		wantKind(t, err, fault.NotFound, CodeNotInForce)

		want := []string{"create", "submit", "operator_approve", "owner_approve", "owner_approve", "owners_approved", "activate"}
		if got := historyActions(t, f, p, 1); !slices.Equal(got, want) {
			t.Fatalf("history %v, want %v", got, want)
		}
		if got := auditActions(t, f, "catalog.regulation."); !slices.Equal(got, want) {
			t.Fatalf("audit %v, want %v", got, want)
		}

		// Version 2, effective later: approved ahead, in force from its date.
		d2 := draft(t, f, p, nil)
		if d2.Version != 2 || len(Diff(cur, d2)) != 0 {
			t.Fatalf("second draft should copy version 1: v%d, diff %v", d2.Version, Diff(cur, d2))
		}
		d2.Term = term(t, "5 рабочих дней")
		d2.EffectiveDate = MustDate("2026-04-01")
		d2.Resources = []ResourceQuery{}
		_, err = f.svc.SaveDraft(ctx, regulatorActor, p.ID, 2, d2)
		mustNoErr(t, err)
		mustNoErr(t, f.svc.Submit(ctx, regulatorActor, p.ID, 2))
		mustNoErr(t, f.svc.OperatorApprove(ctx, operatorActor, p.ID, 2))
		wantState(t, f, p, 2, OwnersApproved) // no resource: owners' step passed by itself
		if cur, _ := f.svc.Current(ctx, p.ID); cur.Version != 1 {
			t.Fatalf("before its date version 2 must not be current, got %d", cur.Version)
		}
		on, err := f.svc.ActiveFor(ctx, p.ID, time.Date(2026, 4, 1, 0, 30, 0, 0, time.UTC))
		mustNoErr(t, err)
		if on.Version != 2 || on.Term.String() != "5 рабочих дней" {
			t.Fatalf("in force on 1 April: v%d %s", on.Version, on.Term)
		}

		f.clock.t = time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)
		n, err := f.svc.ActivateDue(ctx)
		mustNoErr(t, err)
		if n != 1 {
			t.Fatalf("activated %d", n)
		}
		wantState(t, f, p, 2, Active)
		old := wantState(t, f, p, 1, Superseded)
		if old.Term.String() != "в день обращения" {
			t.Fatalf("version 1 content changed: %s", old.Term)
		}
		if n, _ := f.svc.ActivateDue(ctx); n != 0 {
			t.Fatalf("second ActivateDue activated %d", n)
		}
		vs, err := f.svc.Versions(ctx, p.ID)
		mustNoErr(t, err)
		if len(vs) != 2 || vs[0].Version != 2 || vs[0].State != Active || vs[1].State != Superseded {
			t.Fatalf("versions %+v", vs)
		}
		if _, err := f.log.Verify(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRejectionReturnsToDraft(t *testing.T) {
	each(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		p := newProcedure(t, f)
		r := validRegulation(t)
		r.EffectiveDate = MustDate("2026-06-01") // so owners_approved waits
		draft(t, f, p, r)

		toSubmitted := func() { mustNoErr(t, f.svc.Submit(ctx, regulatorActor, p.ID, 1)) }
		toOperatorApproved := func() { toSubmitted(); mustNoErr(t, f.svc.OperatorApprove(ctx, operatorActor, p.ID, 1)) }
		toOwnersApproved := func() {
			toOperatorApproved()
			mustNoErr(t, f.svc.OwnerApprove(ctx, mvdOwner, p.ID, 1))
			mustNoErr(t, f.svc.OwnerApprove(ctx, nkaOwner, p.ID, 1))
		}
		steps := []struct {
			name   string
			reach  func()
			state  State
			who    audit.Actor
			reject func(who audit.Actor, reason string) error
			action Action
		}{
			{"operator at submitted", toSubmitted, Submitted, operatorActor,
				func(w audit.Actor, s string) error { return f.svc.OperatorReject(ctx, w, p.ID, 1, s) }, ActOperatorReject},
			{"owner at operator_approved", toOperatorApproved, OperatorApproved, mvdOwner,
				func(w audit.Actor, s string) error { return f.svc.OwnerReject(ctx, w, p.ID, 1, s) }, ActOwnerReject},
			{"operator at operator_approved", toOperatorApproved, OperatorApproved, operatorActor,
				func(w audit.Actor, s string) error { return f.svc.OperatorReject(ctx, w, p.ID, 1, s) }, ActOperatorReject},
			{"operator at owners_approved", toOwnersApproved, OwnersApproved, operatorActor,
				func(w audit.Actor, s string) error { return f.svc.OperatorReject(ctx, w, p.ID, 1, s) }, ActOperatorReject},
			{"regulator recalls at submitted", toSubmitted, Submitted, regulatorActor,
				func(w audit.Actor, _ string) error { return f.svc.Recall(ctx, w, p.ID, 1) }, ActRecall},
		}
		for i, st := range steps {
			st.reach()
			wantState(t, f, p, 1, st.state)
			if st.action != ActRecall {
				wantKind(t, st.reject(st.who, "  "), fault.Invalid, "invalid")
				wantState(t, f, p, 1, st.state)
			}
			reason := "замечание " + st.name
			mustNoErr(t, st.reject(st.who, reason))
			wantState(t, f, p, 1, Draft)
			h, err := f.svc.History(ctx, p.ID, 1)
			mustNoErr(t, err)
			last := h[len(h)-1]
			if last.Action != st.action || last.From != st.state || last.To != Draft || last.Actor != st.who {
				t.Fatalf("step %d: last event %+v", i, last)
			}
			if st.action != ActRecall && last.Reason != reason {
				t.Fatalf("step %d: reason %q", i, last.Reason)
			}
			recs, err := f.log.List(ctx, audit.Query{ActionLike: "catalog.regulation." + string(st.action), Limit: 1})
			mustNoErr(t, err)
			if len(recs) == 0 || (st.action != ActRecall && recs[0].Reason != reason) || recs[0].Actor.ID != st.who.ID {
				t.Fatalf("step %d: audit %+v", i, recs)
			}
		}
		// The owner's rejection is on its approval; the other owner's
		// pending approval of that round was cancelled.
		apps, err := f.svc.Approvals(ctx, p.ID, 1)
		mustNoErr(t, err)
		decisions := map[int]map[string]string{}
		for _, a := range apps {
			if decisions[a.Round] == nil {
				decisions[a.Round] = map[string]string{}
			}
			decisions[a.Round][a.Owner] = a.Decision
		}
		if decisions[2]["mvd"] != "rejected" || decisions[2]["nka"] != "cancelled" {
			t.Fatalf("round 2 decisions %v", decisions)
		}
		if decisions[4]["mvd"] != "approved" || decisions[4]["nka"] != "approved" {
			t.Fatalf("round 4 decisions %v", decisions)
		}
		if _, err := f.log.Verify(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestForbiddenTransitions(t *testing.T) {
	each(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		p := newProcedure(t, f)
		draft(t, f, p, validRegulation(t))
		conflict := func(err error) { t.Helper(); wantKind(t, err, fault.Conflict, CodeTransition) }

		conflict(f.svc.OperatorApprove(ctx, operatorActor, p.ID, 1))
		conflict(f.svc.OperatorReject(ctx, operatorActor, p.ID, 1, "нет"))
		conflict(f.svc.Recall(ctx, regulatorActor, p.ID, 1))
		_, err := f.svc.NewDraft(ctx, regulatorActor, p.ID, nil)
		wantKind(t, err, fault.Conflict, CodeInProgress)

		mustNoErr(t, f.svc.Submit(ctx, regulatorActor, p.ID, 1))
		conflict(f.svc.Submit(ctx, regulatorActor, p.ID, 1))
		_, err = f.svc.SaveDraft(ctx, regulatorActor, p.ID, 1, validRegulation(t))
		conflict(err)
		_, err = f.svc.NewDraft(ctx, regulatorActor, p.ID, nil)
		wantKind(t, err, fault.Conflict, CodeInProgress)

		mustNoErr(t, f.svc.OperatorApprove(ctx, operatorActor, p.ID, 1))
		conflict(f.svc.OperatorApprove(ctx, operatorActor, p.ID, 1))
		conflict(f.svc.Recall(ctx, regulatorActor, p.ID, 1))
		mustNoErr(t, f.svc.OwnerApprove(ctx, mvdOwner, p.ID, 1))
		mustNoErr(t, f.svc.OwnerApprove(ctx, nkaOwner, p.ID, 1))
		wantState(t, f, p, 1, Active)
		conflict(f.svc.OperatorReject(ctx, operatorActor, p.ID, 1, "поздно"))
		wantKind(t, f.svc.OwnerReject(ctx, mvdOwner, p.ID, 1, "поздно"), fault.Conflict, "")
		conflict(f.svc.Submit(ctx, regulatorActor, p.ID, 1))
		conflict(f.svc.Do(ctx, operatorActor, p.ID, 1, ActActivate, ""))
		wantState(t, f, p, 1, Active)

		// A draft that lacks p. 6 items cannot be submitted.
		d2 := draft(t, f, p, nil)
		d2.Duties = Text{}
		d2.EffectiveDate = MustDate("2025-12-01") // before version 1's
		_, err = f.svc.SaveDraft(ctx, regulatorActor, p.ID, 2, d2)
		mustNoErr(t, err)
		wantField(t, f.svc.Submit(ctx, regulatorActor, p.ID, 2), "duties", CodeRequired)
		d2.Duties = T("Соблюдать.", "")
		_, err = f.svc.SaveDraft(ctx, regulatorActor, p.ID, 2, d2)
		mustNoErr(t, err)
		wantField(t, f.svc.Submit(ctx, regulatorActor, p.ID, 2), "effective_date", CodeEffectiveBeforeIn)
		wantState(t, f, p, 2, Draft)

		if got := Transitions(); len(got) != len(transitions) {
			t.Fatal("Transitions must list the whole table")
		}
	})
}

func TestRoles(t *testing.T) {
	each(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		forbidden := func(err error, code string) { t.Helper(); wantKind(t, err, fault.Forbidden, code) }

		_, err := f.svc.CreateProcedure(ctx, otherRegulator, testProcedure())
		forbidden(err, CodeNotRegulator)
		_, err = f.svc.CreateProcedure(ctx, officerActor, testProcedure())
		forbidden(err, CodeNotRegulator)
		p := newProcedure(t, f)

		_, err = f.svc.NewDraft(ctx, otherRegulator, p.ID, validRegulation(t))
		forbidden(err, CodeNotRegulator)
		_, err = f.svc.NewDraft(ctx, operatorActor, p.ID, validRegulation(t))
		forbidden(err, CodeNotRegulator)
		r := validRegulation(t)
		r.Resources = r.Resources[:1] // residence only: mvd owns it
		draft(t, f, p, r)
		_, err = f.svc.SaveDraft(ctx, otherRegulator, p.ID, 1, r)
		forbidden(err, CodeNotRegulator)
		forbidden(f.svc.Submit(ctx, otherRegulator, p.ID, 1), CodeNotRegulator)
		forbidden(f.svc.Submit(ctx, operatorActor, p.ID, 1), CodeNotRegulator)
		mustNoErr(t, f.svc.Submit(ctx, regulatorActor, p.ID, 1))

		forbidden(f.svc.OperatorApprove(ctx, regulatorActor, p.ID, 1), CodeNotOperator)
		forbidden(f.svc.OperatorApprove(ctx, mvdOwner, p.ID, 1), CodeNotOperator)
		forbidden(f.svc.OperatorReject(ctx, officerActor, p.ID, 1, "нет"), CodeNotOperator)
		forbidden(f.svc.OwnerApprove(ctx, mvdOwner, p.ID, 1), CodeNotOwner) // not asked yet
		mustNoErr(t, f.svc.OperatorApprove(ctx, operatorActor, p.ID, 1))

		forbidden(f.svc.OwnerApprove(ctx, nkaOwner, p.ID, 1), CodeNotOwner)
		forbidden(f.svc.OwnerReject(ctx, nkaOwner, p.ID, 1, "не наш ресурс"), CodeNotOwner)
		forbidden(f.svc.OwnerApprove(ctx, operatorActor, p.ID, 1), CodeNotOwner)
		forbidden(f.svc.OwnerApprove(ctx, audit.Actor{ID: "x", Role: audit.RoleRegulator, Body: "mvd"}, p.ID, 1), CodeNotOwner)
		if acts, _ := f.svc.Allowed(ctx, nkaOwner, p.ID, 1); len(acts) != 0 {
			t.Fatalf("nka may %v", acts)
		}
		if acts, _ := f.svc.Allowed(ctx, operatorActor, p.ID, 1); !slices.Equal(acts, []Action{ActOperatorReject}) {
			t.Fatalf("operator may %v", acts)
		}
		mustNoErr(t, f.svc.OwnerApprove(ctx, mvdOwner, p.ID, 1))
		wantState(t, f, p, 1, Active)

		// Nothing was recorded for the refused attempts.
		want := []string{"create", "submit", "operator_approve", "owner_approve", "owners_approved", "activate"}
		if got := auditActions(t, f, "catalog.regulation."); !slices.Equal(got, want) {
			t.Fatalf("audit %v, want %v", got, want)
		}
	})
}

func TestUnknownResourceOwner(t *testing.T) {
	each(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		p := newProcedure(t, f)
		r := validRegulation(t)
		r.Resources = append(r.Resources, ResourceQuery{Resource: "weather", Service: "today", Mapping: []Mapping{{Request: "city", Form: "address"}}})
		draft(t, f, p, r)
		mustNoErr(t, f.svc.Submit(ctx, regulatorActor, p.ID, 1))
		wantKind(t, f.svc.OperatorApprove(ctx, operatorActor, p.ID, 1), fault.Conflict, CodeOwnerUnknown)
		wantState(t, f, p, 1, Submitted)
	})
}

func TestProcedures(t *testing.T) {
	each(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		p := newProcedure(t, f)
		_, err := f.svc.CreateProcedure(ctx, operatorActor, testProcedure())
		wantField(t, err, "number", CodeProcedureExists)
		got, err := f.svc.ProcedureByNumber(ctx, Citizens, "1.3.4")
		mustNoErr(t, err)
		if got != p {
			t.Fatalf("by number %+v, want %+v", got, p)
		}
		_, err = f.svc.Procedure(ctx, p.ID+100)
		wantKind(t, err, fault.NotFound, CodeProcedureNotFound)
		_, err = f.svc.Version(ctx, p.ID, 7)
		wantKind(t, err, fault.NotFound, CodeVersionNotFound)

		p.NameRU = "Выдача справки о месте жительства и составе семьи"
		_, err = f.svc.UpdateProcedure(ctx, regulatorActor, p)
		mustNoErr(t, err)
		hits, err := f.svc.Search(ctx, Query{Text: "составе семьи"})
		mustNoErr(t, err)
		if len(hits) != 1 || hits[0].Words != 2 {
			t.Fatalf("renamed procedure not found by its new words: %+v", hits)
		}
		_, err = f.svc.UpdateProcedure(ctx, otherRegulator, p)
		wantKind(t, err, fault.Forbidden, CodeNotRegulator)
		p2 := p
		p2.Regulator = "mintrud"
		_, err = f.svc.UpdateProcedure(ctx, regulatorActor, p2)
		wantKind(t, err, fault.Forbidden, CodeNotRegulator) // cannot give it away
		if got := auditActions(t, f, "catalog.procedure."); !slices.Equal(got, []string{"create", "update"}) {
			t.Fatalf("audit %v", got)
		}
	})
}

func TestDraftsAreStorableOnly(t *testing.T) {
	each(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		p := newProcedure(t, f)
		// An incomplete draft is fine to keep…
		d := draft(t, f, p, &Regulation{Information: T("Черновик", "")})
		if d.Version != 1 {
			t.Fatalf("version %d", d.Version)
		}
		// …a term that is not a term is not.
		bad := d.Clone()
		bad.ExtendedTerm = calendar.Term{Kind: calendar.Months, N: -1}
		_, err := f.svc.SaveDraft(ctx, regulatorActor, p.ID, 1, bad)
		wantField(t, err, "extended_term", CodeInvalidTerm)
		// Submitting the incomplete draft names what is missing.
		err = f.svc.Submit(ctx, regulatorActor, p.ID, 1)
		wantField(t, err, "authorized_bodies", CodeRequired)
		wantField(t, err, "documents", CodeRequired)
		wantState(t, f, p, 1, Draft)
	})
}

// Two owners approving at the same moment: the version moves on exactly
// once.
func TestConcurrentOwnerApprovals(t *testing.T) {
	each(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		p := newProcedure(t, f)
		draft(t, f, p, validRegulation(t))
		mustNoErr(t, f.svc.Submit(ctx, regulatorActor, p.ID, 1))
		mustNoErr(t, f.svc.OperatorApprove(ctx, operatorActor, p.ID, 1))
		errs := make(chan error, 2)
		for _, o := range []audit.Actor{mvdOwner, nkaOwner} {
			go func() { errs <- f.svc.OwnerApprove(ctx, o, p.ID, 1) }()
		}
		mustNoErr(t, <-errs)
		mustNoErr(t, <-errs)
		wantState(t, f, p, 1, Active)
		got := historyActions(t, f, p, 1)
		if n := len(slices.DeleteFunc(got, func(a string) bool { return a != string(ActOwnersApproved) })); n != 1 {
			t.Fatalf("owners_approved taken %d times", n)
		}
	})
}

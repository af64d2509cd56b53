package cases_test

import (
	"testing"

	"odnookno/internal/cases"
	"odnookno/internal/fault"
)

// TestSignDecision: only a signature that verifies against the trusted
// roots and is the head's own certificate decides the application; a bad
// one changes nothing. The signed decision reaches the citizen's cabinet
// with a notice on every channel.
func TestSignDecision(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		app := f.reach(cases.DecisionDrafted, false)
		v, _ := f.svc.Get(ctx, head, app.ID)
		code := v.Decisions[0].DocumentCode

		for name, tc := range map[string]struct {
			actor cases.Actor
			sig   []byte
			kind  error
			code  string
		}{
			"another CA":          {head, f.signCode(code, testPKI.stranger), fault.Invalid, "document.bad_signature"},
			"garbage":             {head, []byte("garbage"), fault.Invalid, "document.bad_signature"},
			"another head's cert": {head, f.signCode(code, testPKI.head2), fault.Forbidden, cases.CodeSignerMismatch},
		} {
			_, err := f.svc.SignDecision(ctx, tc.actor, app.ID, app.Version, tc.sig)
			if err == nil {
				t.Fatalf("%s: accepted", name)
			}
			wantFault(t, err, tc.kind, tc.code)
			chk, err := f.reg.Verify(ctx, code)
			if err != nil || chk.Signed {
				t.Fatalf("%s: the document was signed anyway (%v)", name, err)
			}
			if got, _ := f.svc.Get(ctx, cases.System(), app.ID); got.Application.Status != cases.DecisionDrafted || got.Application.Version != app.Version {
				t.Fatalf("%s: the application changed", name)
			}
		}
		if n := f.notices(cases.KindDecision); len(n) != 0 {
			t.Fatalf("a refused signature sent notices %v", n)
		}

		app = f.must(f.svc.SignDecision(ctx, head, app.ID, app.Version, f.signCode(code, testPKI.head)))
		if app.Status != cases.DecidedGranted || app.DecisionCode != code || app.ClosedAt.IsZero() {
			t.Fatalf("%+v", app)
		}
		chk, err := f.reg.Verify(ctx, code)
		if err != nil || !chk.Valid || chk.Identity.CommonName != "Руководитель Главный" {
			t.Fatalf("registry check %+v %v", chk, err)
		}
		d, err := f.svc.Document(ctx, citizen, app.ID, code)
		if err != nil || d.Status != "signed" || d.Purpose != "decision" {
			t.Fatalf("citizen's decision %+v %v", d, err)
		}
		if n := f.notices(cases.KindDecision); len(n) != 3 || n[0] != "inbox:42" {
			t.Fatalf("decision notices %v", n)
		}
		// A head without a registered certificate may sign with any trusted one.
		other := f.reach(cases.DecisionDrafted, true)
		other = f.must(f.svc.SignDecision(ctx, head2, other.ID, other.Version, f.sign(other.ID, testPKI.head2)))
		if other.Status != cases.DecidedRefused {
			t.Fatalf("refusal signed into %s", other.Status)
		}
	})
}

// TestRefusalGrounds: a refusal, and a refusal to accept, must rest on
// grounds the regulation lists.
func TestRefusalGrounds(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		app := f.reach(cases.InProgress, false)
		_, err := f.svc.DraftDecision(ctx, officer, app.ID, app.Version, cases.DecisionDraft{Outcome: cases.OutcomeRefuse, Grounds: []string{"no_passport"}})
		fe := wantFault(t, err, fault.Invalid, cases.CodeGroundUnknown)
		if fe.Fields[0].Params["ground"] != "no_passport" {
			t.Fatalf("%+v", fe)
		}
		_, err = f.svc.DraftDecision(ctx, officer, app.ID, app.Version, cases.DecisionDraft{Outcome: cases.OutcomeRefuse})
		wantFault(t, err, fault.Invalid, cases.CodeGroundsRequired)
		_, err = f.svc.DraftDecision(ctx, officer, app.ID, app.Version, cases.DecisionDraft{Outcome: cases.OutcomeGrant})
		wantFault(t, err, fault.Invalid, cases.CodeIssuedRequired)
		_, err = f.svc.DraftDecision(ctx, officer, app.ID, app.Version, cases.DecisionDraft{Outcome: "maybe"})
		wantFault(t, err, fault.Invalid, cases.CodeOutcomeInvalid)

		reg := f.submitted(true)
		_, err = f.svc.RefuseToAccept(ctx, registrar, reg.ID, reg.Version, []string{"no_right"}, "")
		wantFault(t, err, fault.Invalid, cases.CodeGroundUnknown)
		_, err = f.svc.RefuseToAccept(ctx, registrar, reg.ID, reg.Version, nil, "")
		wantFault(t, err, fault.Invalid, cases.CodeGroundsRequired)
		refused := f.must(f.svc.RefuseToAccept(ctx, registrar, reg.ID, reg.Version, []string{"no_passport", "missing_docs"}, "Не предъявлен"))
		d, err := f.svc.Document(ctx, citizen, refused.ID, refused.DecisionCode)
		if err != nil || d.Purpose != "notice" {
			t.Fatalf("notice %+v %v", d, err)
		}

		// Refused before registration: registered as incoming in the same
		// step, so the notice carries a number; no term runs.
		sub := f.submitted(false)
		sub = f.must(f.manual.RefuseToAccept(ctx, registrar, sub.ID, sub.Version, []string{"missing_docs"}, ""))
		if sub.RegNumber == "" || sub.DueDate != "" || sub.DecisionCode == "" {
			t.Fatalf("%+v", sub)
		}
		// A regulation without its own list gets the statutory grounds.
		p, err := f.svc.RegisterIntake(ctx, registrar, cases.Intake{ProcedureID: procPaper, Channel: cases.ChannelOral,
			Applicant: cases.Applicant{CitizenID: "42", Surname: "Иванов", Name: "Иван"}})
		if err != nil {
			t.Fatal(err)
		}
		f.must(f.svc.RefuseToAccept(ctx, registrar, p.ID, p.Version, []string{cases.StatutoryAcceptRefusal[0].Code}, ""))
	})
}

// TestAnswers: answers are recorded against their requests; the last one
// returns the application to the officer.
func TestAnswers(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		app := f.reach(cases.AwaitingAnswers, false) // two requests
		v, _ := f.svc.Get(ctx, officer, app.ID)
		if len(v.Requests) != 2 {
			t.Fatalf("requests %+v", v.Requests)
		}
		app = f.must(f.svc.RecordAnswer(ctx, cases.System(), app.ID, app.Version, cases.Answer{RequestID: v.Requests[0].ID, Text: "Зарегистрирован"}))
		if app.Status != cases.AwaitingAnswers {
			t.Fatalf("one of two answers moved to %s", app.Status)
		}
		_, err := f.svc.RecordAnswer(ctx, officer, app.ID, app.Version, cases.Answer{RequestID: v.Requests[0].ID, Text: "ещё раз"})
		wantFault(t, err, fault.Conflict, cases.CodeRequestAnswered)
		_, err = f.svc.RecordAnswer(ctx, officer, app.ID, app.Version, cases.Answer{RequestID: 999999, Text: "чужой"})
		wantFault(t, err, fault.Invalid, cases.CodeRequestUnknown)
		app = f.must(f.svc.RecordAnswer(ctx, cases.System(), app.ID, app.Version, cases.Answer{RequestID: v.Requests[1].ID, Text: "Нет недвижимости"}))
		if app.Status != cases.InProgress {
			t.Fatalf("all answers in: %s", app.Status)
		}
		v, _ = f.svc.Get(ctx, officer, app.ID)
		if v.Requests[1].Answer != "Нет недвижимости" || v.Requests[1].AnsweredAt.IsZero() {
			t.Fatalf("%+v", v.Requests[1])
		}
		if last := v.Events[len(v.Events)-1]; last.Action != cases.ActAnswersReceived || last.ActorRole != cases.RoleSystem {
			t.Fatalf("last event %+v", last)
		}
	})
}

package cases_test

import (
	"bytes"
	"testing"
	"time"

	"odnookno/internal/cases"
	"odnookno/internal/fault"
)

// TestComplaintFlow: a complaint about a refusal goes to the complaint body
// named by the regulation with its own number and term, is decided there
// with the head's signature and lands in the citizen's cabinet.
func TestComplaintFlow(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		app := f.reach(cases.DecidedRefused, false)
		f.clock.Set(at(2026, time.March, 4))
		c, err := f.svc.FileComplaint(ctx, citizen, cases.NewComplaint{CaseID: app.ID, About: cases.AboutDecision,
			Text: "Не согласен с отказом", Files: []cases.Upload{{Name: "довод.pdf", Body: bytes.NewReader(pdfBytes("довод"))}}})
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != cases.ComplaintRegistered || c.BodyCode != "MINSK-GIK" || c.CaseBodyCode != "MINSK-OO" ||
			c.RegNumber != "MINSK-GIK-2026-C000001" || c.DueDate != "2026-03-19" {
			t.Fatalf("%+v", c)
		}
		if n := f.notices(cases.KindComplaintRegistered); len(n) != 3 {
			t.Fatalf("registration notices %v", n)
		}
		if js := f.deadlineJobs("complaint", c.ID); len(js) != 2 {
			t.Fatalf("complaint deadline jobs %+v", js)
		}
		// The body complained about does not see it; the complaint body does.
		if _, err := f.svc.GetComplaint(ctx, head, c.ID); !isNotFound(err) {
			t.Fatalf("the body complained about reads the complaint: %v", err)
		}
		if _, err := f.svc.GetComplaint(ctx, stranger, c.ID); !isNotFound(err) {
			t.Fatalf("another citizen reads the complaint: %v", err)
		}
		list, total, err := f.svc.ListComplaints(ctx, gikOff, cases.ComplaintFilter{})
		if err != nil || total != 1 || list[0].ID != c.ID {
			t.Fatalf("complaint body's queue %v %d %v", list, total, err)
		}
		cv, _ := f.svc.Get(ctx, citizen, app.ID)
		if len(cv.Complaints) != 1 {
			t.Fatal("the application does not show its complaint")
		}

		_, err = f.svc.DraftComplaintDecision(ctx, gikOff, c.ID, c.Version, cases.ComplaintDecisionDraft{Outcome: "maybe", Text: "x"})
		wantFault(t, err, fault.Invalid, cases.CodeComplaintOutcomeInvalid)
		c = f.mustC(f.svc.DraftComplaintDecision(ctx, gikOff, c.ID, c.Version, cases.ComplaintDecisionDraft{Outcome: cases.OutcomePartly, Text: "Отказ частично необоснован"}))
		code := f.complaintDraftCode(c.ID)
		if v, _ := f.svc.GetComplaint(ctx, citizen, c.ID); len(v.Documents) != 0 {
			t.Fatalf("citizen sees the unsigned complaint decision %+v", v.Documents)
		}
		_, err = f.svc.SignComplaintDecision(ctx, gikHead, c.ID, c.Version, f.signCode(code, testPKI.stranger))
		wantFault(t, err, fault.Invalid, "document.bad_signature")
		c = f.mustC(f.svc.SignComplaintDecision(ctx, gikHead, c.ID, c.Version, f.signCode(code, testPKI.head)))
		if c.Status != cases.ComplaintPartly || c.DecisionCode != code {
			t.Fatalf("%+v", c)
		}
		if _, err := f.svc.ComplaintDocument(ctx, citizen, c.ID, code); err != nil {
			t.Fatalf("citizen cannot open the decision on the complaint: %v", err)
		}
		if n := f.notices(cases.KindComplaintDecision); len(n) != 3 || n[0] != "inbox:42" {
			t.Fatalf("decision notices %v", n)
		}
		_, err = f.svc.WithdrawComplaint(ctx, citizen, c.ID, c.Version, "")
		wantFault(t, err, fault.Conflict, cases.CodeTransitionForbidden)
	})
}

// TestComplaintSubject: a complaint about a decision needs a decision; one
// about inaction needs an undecided application; a procedure without a
// complaint body cannot be complained about here.
func TestComplaintSubject(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		open := f.submitted(true)
		_, err := f.svc.FileComplaint(ctx, citizen, cases.NewComplaint{CaseID: open.ID, About: cases.AboutDecision, Text: "x"})
		wantFault(t, err, fault.Invalid, cases.CodeComplaintNotDecided)
		decided := f.reach(cases.DecidedGranted, false)
		_, err = f.svc.FileComplaint(ctx, citizen, cases.NewComplaint{CaseID: decided.ID, About: cases.AboutInaction, Text: "x"})
		wantFault(t, err, fault.Invalid, cases.CodeComplaintDecided)
		_, err = f.svc.FileComplaint(ctx, citizen, cases.NewComplaint{CaseID: open.ID, About: "weather", Text: ""})
		wantFault(t, err, fault.Invalid, cases.CodeComplaintAboutInvalid)
		_, err = f.svc.FileComplaint(ctx, stranger, cases.NewComplaint{CaseID: open.ID, About: cases.AboutInaction, Text: "x"})
		if !isNotFound(err) {
			t.Fatalf("a stranger complained about someone else's application: %v", err)
		}
		c := f.mustC(f.svc.FileComplaint(ctx, citizen, cases.NewComplaint{CaseID: open.ID, About: cases.AboutInaction, Text: "Тянут время"}))
		if c.Status != cases.ComplaintRegistered || c.CaseStatus != cases.Registered {
			t.Fatalf("%+v", c)
		}
		c = f.mustC(f.svc.WithdrawComplaint(ctx, citizen, c.ID, c.Version, "Вопрос решён"))
		if c.Status != cases.ComplaintWithdrawn {
			t.Fatal(c.Status)
		}
		p, err := f.svc.RegisterIntake(ctx, registrar, cases.Intake{ProcedureID: procPaper, Channel: cases.ChannelOral,
			Applicant: cases.Applicant{CitizenID: "42", Surname: "Иванов", Name: "Иван"}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.FileComplaint(ctx, citizen, cases.NewComplaint{CaseID: p.ID, About: cases.AboutInaction, Text: "x"})
		wantFault(t, err, fault.Invalid, cases.CodeComplaintNoBody)
	})
}

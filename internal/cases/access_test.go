package cases_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"odnookno/internal/audit"
	"odnookno/internal/cases"
	"odnookno/internal/fault"
)

// TestAccess: staff see only their body's cases for the procedures assigned
// to it, citizens only their own; anything else is NotFound, for reads and
// actions alike. Every staff read is audited with the case number.
func TestAccess(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		app := f.submitted(true)
		for name, a := range map[string]cases.Actor{"other body": grodno, "procedure not assigned": unserved, "other citizen": stranger,
			"complaint body": gikHead, "nobody": {}} {
			if _, err := f.svc.Get(ctx, a, app.ID); !isNotFound(err) {
				t.Errorf("%s reads the case: %v", name, err)
			}
			if _, err := f.svc.AddNote(ctx, a, app.ID, app.Version, "x"); !isNotFound(err) {
				t.Errorf("%s acts on the case: %v", name, err)
			}
		}
		if l, err := f.svc.List(ctx, grodno, cases.Filter{}); err != nil || l.Total != 0 {
			t.Fatalf("another body's queue lists %d: %v", l.Total, err)
		}
		if l, err := f.svc.List(ctx, stranger, cases.Filter{}); err != nil || l.Total != 0 {
			t.Fatalf("another citizen lists %d: %v", l.Total, err)
		}
		// Staff never see drafts.
		d := f.draft(procOnline)
		if _, err := f.svc.Get(ctx, officer, d.ID); !isNotFound(err) {
			t.Fatalf("staff read a draft: %v", err)
		}

		before, _ := f.audit.List(ctx, audit.Query{CaseNumber: app.RegNumber, ActionLike: "case.read"})
		v, err := f.svc.Get(ctx, officer, app.ID)
		if err != nil {
			t.Fatal(err)
		}
		recs, _ := f.audit.List(ctx, audit.Query{CaseNumber: app.RegNumber, ActionLike: "case.read"})
		if len(recs) != len(before)+1 || recs[0].Reason != app.RegNumber || recs[0].Actor.ID != "staff:1" || recs[0].SubjectUID != "3140583A001PB1" {
			t.Fatalf("staff read not audited: %+v", recs)
		}
		if _, err := f.svc.Get(ctx, citizen, app.ID); err != nil {
			t.Fatal(err)
		}
		if recs2, _ := f.audit.List(ctx, audit.Query{CaseNumber: app.RegNumber, ActionLike: "case.read"}); len(recs2) != len(recs) {
			t.Fatal("a citizen reading their own case is not a staff read")
		}
		if !containsAction(v.Actions, cases.ActAssign) || containsAction(v.Actions, cases.ActSignGrant) {
			t.Fatalf("officer's actions %v", v.Actions)
		}
		// The queue shows the case and its listing is audited.
		l, err := f.svc.List(ctx, officer, cases.Filter{Statuses: []cases.Status{cases.Registered}, Unassigned: true})
		if err != nil || l.Total != 1 || l.Items[0].ID != app.ID {
			t.Fatalf("queue %+v %v", l, err)
		}
		if recs, _ := f.audit.List(ctx, audit.Query{ActionLike: "case.list"}); len(recs) == 0 {
			t.Fatal("queue listing not audited")
		}
		// Every state change is audited too.
		if recs, _ := f.audit.List(ctx, audit.Query{CaseNumber: app.RegNumber, ActionLike: "case.register"}); len(recs) != 1 || recs[0].Actor.Role != audit.RoleSystem {
			t.Fatalf("registration audit %+v", recs)
		}
		if n, err := f.audit.Verify(ctx); err != nil || n == 0 {
			t.Fatalf("audit chain: %d %v", n, err)
		}
	})
}

func isNotFound(err error) bool { return errors.Is(err, fault.NotFound) }

func containsAction(list []cases.Action, a cases.Action) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

// TestHistoryForCitizen: the citizen's history leaves out internal notes
// and drafts, and staff names; the staff view has everything.
func TestHistoryForCitizen(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		app := f.submitted(true)
		app = f.must(f.svc.Assign(ctx, officer, app.ID, app.Version, 0))
		app = f.must(f.svc.AddNote(ctx, officer, app.ID, app.Version, "Заявитель грубил по телефону"))
		app = f.must(f.svc.DraftDecision(ctx, officer, app.ID, app.Version, f.decision(false)))
		cv, err := f.svc.Get(ctx, citizen, app.ID)
		if err != nil {
			t.Fatal(err)
		}
		sv, err := f.svc.Get(ctx, officer, app.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range cv.Events {
			if e.Internal || strings.Contains(e.Comment, "грубил") || e.Action == cases.ActDraftDecision {
				t.Fatalf("citizen sees internal event %+v", e)
			}
			if e.Action == cases.ActAssign && (e.ActorName != "" || e.ActorID != "") {
				t.Fatalf("citizen sees the official's account: %+v", e)
			}
		}
		if len(sv.Events) != len(cv.Events)+2 {
			t.Fatalf("staff see %d events, citizen %d", len(sv.Events), len(cv.Events))
		}
		// The drafted decision is not the citizen's to open yet.
		for _, d := range cv.Documents {
			if d.Purpose == "decision" {
				t.Fatalf("citizen sees the unsigned draft %+v", d)
			}
		}
		if len(sv.Decisions) != 1 || sv.Decisions[0].Status != "draft" {
			t.Fatalf("staff decisions %+v", sv.Decisions)
		}
		_, err = f.svc.Document(ctx, citizen, app.ID, sv.Decisions[0].DocumentCode)
		wantFault(t, err, fault.NotFound, cases.CodeDocumentNotFound)
		// Withdrawn before signing: the draft stays, superseded; nothing is deleted.
		app = f.must(f.svc.Withdraw(ctx, citizen, app.ID, app.Version, ""))
		if f.count("SELECT COUNT(*) FROM case_documents WHERE subject_id = $1 AND status = 'superseded'", app.ID) != 1 {
			t.Fatal("the draft of a withdrawn application is not kept as superseded")
		}
		_, err = f.svc.Withdraw(ctx, citizen, app.ID, app.Version, "")
		wantFault(t, err, fault.Conflict, cases.CodeTransitionForbidden)
	})
}

// TestWithdrawAfterDecision: once decided, an application cannot be
// withdrawn.
func TestWithdrawAfterDecision(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		for _, st := range []cases.Status{cases.DecidedGranted, cases.DecidedRefused, cases.RefusedToAccept} {
			app := f.reach(st, false)
			_, err := f.svc.Withdraw(ctx, citizen, app.ID, app.Version, "")
			fe := wantFault(t, err, fault.Conflict, cases.CodeTransitionForbidden)
			if fe.Params["from"] != string(st) || fe.Params["to"] != string(cases.Withdrawn) {
				t.Fatalf("params %v", fe.Params)
			}
		}
	})
}

// TestSubmit: a draft goes in only with the required documents, a form the
// schema accepts and for a procedure that may be applied for online; the
// citizen then has a number, a receipt and a notice.
func TestSubmit(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		d := f.draft(procOnline)
		_, err := f.svc.Submit(ctx, citizen, d.ID, d.Version)
		wantFault(t, err, fault.Invalid, cases.CodeDocumentMissing)
		// A document of a type the regulation does not accept for it.
		_, err = f.svc.Attach(ctx, citizen, d.ID, d.Version, cases.Upload{DocCode: "passport", Name: "p.png",
			Body: bytes.NewReader([]byte("\x89PNG\r\n\x1a\nxxxx"))})
		wantFault(t, err, fault.Invalid, cases.CodeDocumentType)
		_, err = f.svc.Attach(ctx, citizen, d.ID, d.Version, cases.Upload{DocCode: "diploma", Name: "d.pdf", Body: bytes.NewReader(pdfBytes("d"))})
		wantFault(t, err, fault.Invalid, cases.CodeDocumentUnknown)
		d = f.must(f.svc.Attach(ctx, citizen, d.ID, d.Version, cases.Upload{DocCode: "passport", Name: "p.pdf", Body: bytes.NewReader(pdfBytes("p"))}))
		app := f.must(f.svc.Submit(ctx, citizen, d.ID, d.Version))
		if app.Status != cases.Registered || app.RegNumber == "" || app.ReceiptCode == "" || app.SubmittedAt.IsZero() {
			t.Fatalf("submitted %+v", app)
		}
		if n := f.notices(cases.KindRegistered); len(n) != 3 {
			t.Fatalf("registration notices %v: want inbox, SMS and e-mail", n)
		}
		pdf, _, err := f.reg.PDF(ctx, app.ReceiptCode)
		if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) {
			t.Fatalf("receipt: %v", err)
		}
		if _, err := f.svc.Document(ctx, citizen, app.ID, app.ReceiptCode); err != nil {
			t.Fatalf("citizen cannot open their receipt: %v", err)
		}
		// The attachment reads back.
		v, _ := f.svc.Get(ctx, citizen, app.ID)
		a, r, err := f.svc.OpenAttachment(ctx, citizen, app.ID, v.Attachments[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil || !bytes.Equal(b, pdfBytes("p")) || a.ContentType != "application/pdf" {
			t.Fatalf("attachment %+v %v", a, err)
		}

		// Offline-only procedures cannot be drafted online.
		_, err = f.svc.CreateDraft(ctx, citizen, cases.NewDraft{ProcedureID: procPaper, BodyCode: "MINSK-OO",
			Applicant: cases.Applicant{Surname: "И", Name: "И"}})
		wantFault(t, err, fault.Invalid, cases.CodeOnlineNotAllowed)
		_, err = f.svc.CreateDraft(ctx, citizen, cases.NewDraft{ProcedureID: procOnline, BodyCode: "BREST-OO",
			Applicant: cases.Applicant{Surname: "И", Name: "И"}})
		wantFault(t, err, fault.Invalid, cases.CodeBodyNotAuthorized)
		_, err = f.svc.CreateDraft(ctx, citizen, cases.NewDraft{ProcedureID: procOnline, BodyCode: "MINSK-OO", Form: json.RawMessage(`[1]`),
			Applicant: cases.Applicant{Surname: "И", Name: "И"}})
		wantFault(t, err, fault.Invalid, cases.CodeFormInvalid)
		// A front-office applicant without a UID must be identified.
		_, err = f.svc.RegisterIntake(ctx, registrar, cases.Intake{ProcedureID: procPaper, Channel: cases.ChannelWritten,
			Applicant: cases.Applicant{Surname: "Петрова", Name: "Мария"}})
		wantFault(t, err, fault.Invalid, cases.CodeApplicantRequired)
		// Contacts are normalised for the SMS and e-mail channels, or refused.
		p, err := f.svc.RegisterIntake(ctx, registrar, cases.Intake{ProcedureID: procPaper, Channel: cases.ChannelWritten,
			Applicant: cases.Applicant{CitizenID: "42", Surname: "Иванов", Name: "Иван", Phone: "8 (029) 765-43-21", Email: " ivanov@example.by "}})
		if err != nil || p.Applicant.Phone != "+375297654321" || p.Applicant.Email != "ivanov@example.by" {
			t.Fatalf("contacts %+v %v", p.Applicant, err)
		}
		_, err = f.svc.RegisterIntake(ctx, registrar, cases.Intake{ProcedureID: procPaper, Channel: cases.ChannelWritten,
			Applicant: cases.Applicant{CitizenID: "42", Surname: "Иванов", Name: "Иван", Phone: "12345", Email: "не почта"}})
		wantFault(t, err, fault.Invalid, cases.CodeApplicantInvalid)
		// The front office of a body not assigned the procedure cannot take it.
		_, err = f.svc.RegisterIntake(ctx, grodno, cases.Intake{ProcedureID: procPaper, Channel: cases.ChannelWritten,
			Applicant: cases.Applicant{CitizenID: "42", Surname: "Иванов", Name: "Иван"}})
		wantFault(t, err, fault.Forbidden, cases.CodeProcedureNotServed)
	})
}

// TestManualRegistration: with manual registration the application waits
// in "submitted", visible to the body, until registered.
func TestManualRegistration(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		app := f.submitted(false)
		if app.Status != cases.Submitted || app.RegNumber != "" || app.DueDate != "" {
			t.Fatalf("%+v", app)
		}
		l, err := f.svc.List(ctx, registrar, cases.Filter{Statuses: []cases.Status{cases.Submitted}})
		if err != nil || l.Total != 1 {
			t.Fatalf("registrar's queue %+v %v", l, err)
		}
		app = f.must(f.svc.Register(ctx, registrar, app.ID, app.Version))
		if app.RegNumber == "" || app.DueDate != "2026-03-17" {
			t.Fatalf("%+v", app)
		}
	})
}

package cases_test

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"odnookno/internal/cases"
	"odnookno/internal/fault"
	"odnookno/internal/i18n/i18ntest"
)

// appActor is who takes an application action in role.
func appActor(role string) cases.Actor {
	switch role {
	case cases.RoleCitizen:
		return citizen
	case cases.RoleRegistrar:
		return registrar
	case cases.RoleOfficer:
		return officer
	case cases.RoleHead:
		return head
	case cases.RoleSystem:
		return cases.System()
	}
	panic("no actor for role " + role)
}

// complaintActor is who takes a complaint action in role: the complaint
// body's staff, except that a complaint is filed at the front office of
// the body complained about.
func complaintActor(role string, a cases.Action) cases.Actor {
	switch role {
	case cases.RoleCitizen:
		return citizen
	case cases.RoleRegistrar:
		if a == cases.ActFile {
			return registrar
		}
		return gikReg
	case cases.RoleOfficer:
		return gikOff
	case cases.RoleHead:
		return gikHead
	case cases.RoleSystem:
		return cases.System()
	}
	panic("no actor for role " + role)
}

// doApp takes action on app as actor with valid input, so that only the
// state machine can say no.
func (f *fixture) doApp(app cases.Application, a cases.Action, actor cases.Actor) (cases.Application, error) {
	s := f.svc
	id, v := app.ID, app.Version
	switch a {
	case cases.ActCreateDraft:
		return s.CreateDraft(ctx, actor, cases.NewDraft{ProcedureID: procOnline, BodyCode: "MINSK-OO",
			Applicant: cases.Applicant{Surname: "Иванов", Name: "Иван"}})
	case cases.ActIntake:
		return s.RegisterIntake(ctx, actor, cases.Intake{ProcedureID: procPaper, Channel: cases.ChannelWritten,
			Applicant: cases.Applicant{Surname: "Петрова", Name: "Мария", BirthDate: "1980-05-01", IDDocType: "паспорт", IDDocNo: "MP1234567"},
			Files:     []cases.Upload{{Name: "скан.pdf", Body: bytes.NewReader(pdfBytes("intake"))}}})
	case cases.ActEditDraft:
		return s.UpdateDraft(ctx, actor, id, v, []byte(`{"address":"Минск, пр. Независимости, 2"}`))
	case cases.ActAttach:
		return s.Attach(ctx, actor, id, v, cases.Upload{DocCode: "photo", Name: "фото.jpg", Body: bytes.NewReader(jpegBytes(fmt.Sprint(id)))})
	case cases.ActSubmit:
		return f.manual.Submit(ctx, actor, id, v)
	case cases.ActDiscard:
		return s.Discard(ctx, actor, id, v)
	case cases.ActRegister:
		return s.Register(ctx, actor, id, v)
	case cases.ActRefuseToAccept:
		return s.RefuseToAccept(ctx, actor, id, v, []string{"no_passport"}, "Паспорт не предъявлен")
	case cases.ActAssign:
		assignee := int64(0) // an officer takes the case for themselves
		if slices.Contains(actor.Scope.Roles, cases.RoleHead) {
			assignee = officer.StaffID
		}
		return s.Assign(ctx, actor, id, v, assignee)
	case cases.ActReassign:
		return s.Reassign(ctx, actor, id, v, officer2.StaffID)
	case cases.ActSuspend:
		return s.Suspend(ctx, actor, id, v, "Ожидается документ от заявителя")
	case cases.ActResume:
		return s.Resume(ctx, actor, id, v, "")
	case cases.ActRequestInfo:
		return s.RequestInfo(ctx, actor, id, v, []cases.InfoRequest{{Addressee: "ГАИ", Subject: "Сведения о транспорте"}})
	case cases.ActRecordAnswer:
		var req int64
		_ = f.db.R.QueryRow("SELECT COALESCE(MIN(id), 0) FROM case_requests WHERE case_id = $1 AND answered_at IS NULL", id).Scan(&req)
		if req == 0 && app.Status == cases.Registered {
			// A registered case has only the requests sent automatically at
			// registration (see autorequest_test.go); record one as that would.
			if err := f.db.W.QueryRow(`INSERT INTO case_requests (case_id, addressee, subject, channel, external_ref, sent_at, sent_by)
				VALUES ($1, 'residence', 'address', 'resource', 'auto', $2, 'system') RETURNING id`, id, time.Now().UTC()).Scan(&req); err != nil {
				f.t.Fatal(err)
			}
		}
		return s.RecordAnswer(ctx, actor, id, v, cases.Answer{RequestID: req, Text: "Зарегистрирован по адресу"})
	case cases.ActAnswersReceived:
		return s.AnswersReceived(ctx, actor, id, v, "")
	case cases.ActDraftDecision:
		return s.DraftDecision(ctx, actor, id, v, f.decision(false))
	case cases.ActReturnDraft:
		return s.ReturnDraft(ctx, actor, id, v, "Уточните срок действия")
	case cases.ActSignGrant, cases.ActSignRefusal:
		sig := []byte("not a signature")
		if app.Status == cases.DecisionDrafted {
			sig = f.sign(id, testPKI.head)
		}
		return s.SignDecision(ctx, actor, id, v, sig)
	case cases.ActWithdraw:
		return s.Withdraw(ctx, actor, id, v, "Передумал")
	case cases.ActAddNote:
		return s.AddNote(ctx, actor, id, v, "Позвонить заявителю")
	}
	f.t.Fatalf("no call for action %q", a)
	return cases.Application{}, nil
}

func (f *fixture) lastEvent(subject string, id int64) (string, string, string) {
	f.t.Helper()
	var a, from, to string
	err := f.db.R.QueryRow(`SELECT action, from_status, to_status FROM case_events WHERE subject_kind = $1 AND subject_id = $2
		AND action NOT IN ('deadline_warning', 'overdue') ORDER BY id DESC LIMIT 1`, subject, id).Scan(&a, &from, &to)
	if err != nil {
		f.t.Fatal(err)
	}
	return a, from, to
}

// TestMachineCheck checks the tables themselves: for every state and every
// action, a listed rule is allowed to exactly its roles, and anything not
// listed is transition_forbidden whoever asks.
func TestMachineCheck(t *testing.T) {
	roles := []string{cases.RoleCitizen, cases.RoleRegistrar, cases.RoleOfficer, cases.RoleHead, cases.RoleSystem}
	for _, m := range []*cases.Machine{cases.Applications, cases.Complaints} {
		for _, st := range append([]cases.Status{cases.StatusNone}, m.States()...) {
			for _, a := range m.Actions() {
				rule, listed := m.Find(st, a)
				for _, role := range roles {
					r, by, err := m.Check(st, a, []string{role})
					switch {
					case !listed:
						fe := wantFault(t, err, fault.Conflict, cases.CodeTransitionForbidden)
						if fe.Params["from"] != string(st) || fe.Params["action"] != string(a) || fe.Params["to"] == "" {
							t.Fatalf("%s %s --%s-->: params %v", m.Name, st, a, fe.Params)
						}
					case slices.Contains(rule.Roles, role):
						if err != nil || r.To != rule.To || by != role {
							t.Fatalf("%s %s --%s--> by %s: %v", m.Name, st, a, role, err)
						}
					default:
						wantFault(t, err, fault.Forbidden, cases.CodeRoleForbidden)
					}
				}
			}
		}
		for _, st := range m.States() {
			if m.Final(st) {
				for _, a := range m.Available(st, roles) {
					if a != cases.ActAddNote {
						t.Errorf("%s: final state %s allows %s", m.Name, st, a)
					}
				}
			}
		}
	}
}

// TestApplicationTransitions takes every allowed transition of the
// application table, once for each role that may take it, on a real
// application in the rule's from-state.
func TestApplicationTransitions(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		for _, r := range cases.Applications.Rules() {
			for _, role := range r.Roles {
				t.Run(fmt.Sprintf("%s--%s-->%s/%s", orNone(r.From), r.Action, r.To, role), func(t *testing.T) {
					f.t = t
					var app cases.Application
					if r.From != cases.StatusNone {
						app = f.reach(r.From, r.Action == cases.ActSignRefusal)
					}
					got, err := f.doApp(app, r.Action, appActor(role))
					if err != nil {
						t.Fatalf("allowed transition refused: %v", err)
					}
					if got.Status != r.To {
						t.Fatalf("status %s, want %s", got.Status, r.To)
					}
					if r.From != cases.StatusNone && got.Version != app.Version+1 {
						t.Fatalf("version %d → %d, want +1", app.Version, got.Version)
					}
					a, from, to := f.lastEvent("application", got.ID)
					if a != string(r.Action) || from != string(r.From) || to != string(r.To) {
						t.Fatalf("history records %s %s→%s", a, from, to)
					}
				})
			}
		}
	})
}

// signing reports whether a is one of the sign actions, which one API call
// takes (the draft's outcome picks the action, so without a draft the
// refusal names the first of them).
func signing(a cases.Action) bool {
	return a == cases.ActSignGrant || a == cases.ActSignRefusal || signOutcome[a] != ""
}

func orNone(s cases.Status) string {
	if s == cases.StatusNone {
		return "none"
	}
	return string(s)
}

// TestApplicationForbiddenTransitions tries every action the table does
// not allow in every state, on a real application in that state, and
// checks each is refused as transition_forbidden and changes nothing.
func TestApplicationForbiddenTransitions(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		for _, st := range cases.Applications.States() {
			t.Run(string(st), func(t *testing.T) {
				f.t = t
				app := f.reach(st, false)
				for _, a := range cases.Applications.Actions() {
					if a == cases.ActCreateDraft || a == cases.ActIntake {
						continue // they create an application; there is no "from" to refuse
					}
					if _, ok := cases.Applications.Find(st, a); ok {
						continue
					}
					_, err := f.doApp(app, a, cases.System())
					fe := wantFault(t, err, fault.Conflict, cases.CodeTransitionForbidden)
					if fe.Params["from"] != string(st) || fe.Params["action"] != string(a) && !signing(a) {
						t.Fatalf("%s in %s: params %v", a, st, fe.Params)
					}
				}
				v, err := f.svc.Get(ctx, cases.System(), app.ID)
				if err != nil {
					t.Fatal(err)
				}
				if v.Application.Status != st || v.Application.Version != app.Version {
					t.Fatalf("refused actions changed the application: %s v%d → %s v%d", st, app.Version, v.Application.Status, v.Application.Version)
				}
			})
		}
	})
}

// TestRoleForbidden: a state that allows an action does not allow it to
// every role.
func TestRoleForbidden(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		app := f.submitted(true)
		_, err := f.svc.Assign(ctx, citizen, app.ID, app.Version, officer.StaffID)
		wantFault(t, err, fault.Forbidden, cases.CodeRoleForbidden)
		_, err = f.svc.Withdraw(ctx, officer, app.ID, app.Version, "")
		wantFault(t, err, fault.Forbidden, cases.CodeRoleForbidden)
		app = f.must(f.svc.Assign(ctx, officer, app.ID, app.Version, 0))
		_, err = f.svc.Reassign(ctx, officer, app.ID, app.Version, officer2.StaffID)
		wantFault(t, err, fault.Forbidden, cases.CodeRoleForbidden)
		app = f.must(f.svc.DraftDecision(ctx, officer, app.ID, app.Version, f.decision(false)))
		_, err = f.svc.SignDecision(ctx, officer, app.ID, app.Version, f.sign(app.ID, testPKI.head))
		wantFault(t, err, fault.Forbidden, cases.CodeRoleForbidden)
		// An officer may take a case only for themselves.
		other := f.submitted(true)
		_, err = f.svc.Assign(ctx, officer, other.ID, other.Version, officer2.StaffID)
		wantFault(t, err, fault.Forbidden, cases.CodeAssigneeInvalid)
		// The head may assign only staff of the body who work on cases.
		_, err = f.svc.Assign(ctx, head, other.ID, other.Version, grodno.StaffID)
		wantFault(t, err, fault.Invalid, cases.CodeAssigneeInvalid)
		_, err = f.svc.Assign(ctx, head, other.ID, other.Version, registrar.StaffID)
		wantFault(t, err, fault.Invalid, cases.CodeAssigneeInvalid)
		// Staff cannot create drafts; citizens cannot register at the front office.
		_, err = f.svc.CreateDraft(ctx, officer, cases.NewDraft{ProcedureID: procOnline, BodyCode: "MINSK-OO"})
		wantFault(t, err, fault.Forbidden, cases.CodeRoleForbidden)
		_, err = f.svc.RegisterIntake(ctx, citizen, cases.Intake{ProcedureID: procPaper, Channel: cases.ChannelOral})
		wantFault(t, err, fault.Forbidden, cases.CodeRoleForbidden)
	})
}

// doComplaint takes action on c as actor with valid input.
func (f *fixture) doComplaint(c cases.Complaint, a cases.Action, actor cases.Actor, caseID int64) (cases.Complaint, error) {
	s := f.svc
	id, v := c.ID, c.Version
	switch a {
	case cases.ActFile:
		return f.manual.FileComplaint(ctx, actor, cases.NewComplaint{CaseID: caseID, About: cases.AboutInaction, Text: "Заявление не рассматривается"})
	case cases.ActRegister:
		return s.RegisterComplaint(ctx, actor, id, v)
	case cases.ActAttach:
		return s.AttachToComplaint(ctx, actor, id, v, cases.Upload{Name: "довод.pdf", Body: bytes.NewReader(pdfBytes(fmt.Sprint("c", id)))})
	case cases.ActLeaveUnconsidered:
		return s.LeaveUnconsidered(ctx, actor, id, v, "Жалоба не подписана")
	case cases.ActDraftDecision:
		return s.DraftComplaintDecision(ctx, actor, id, v, cases.ComplaintDecisionDraft{Outcome: cases.OutcomeUpheld, Text: "Доводы обоснованны"})
	case cases.ActReturnDraft:
		return s.ReturnComplaintDraft(ctx, actor, id, v, "")
	case cases.ActSignUpheld, cases.ActSignPartly, cases.ActSignRejected:
		sig := []byte("not a signature")
		if c.Status == cases.ComplaintDecisionDrafted {
			sig = f.signCode(f.complaintDraftCode(id), testPKI.head)
		}
		return s.SignComplaintDecision(ctx, actor, id, v, sig)
	case cases.ActWithdraw:
		return s.WithdrawComplaint(ctx, actor, id, v, "")
	case cases.ActAddNote:
		return s.AddComplaintNote(ctx, actor, id, v, "Запросить материалы")
	}
	f.t.Fatalf("no call for complaint action %q", a)
	return cases.Complaint{}, nil
}

func (f *fixture) complaintDraftCode(id int64) string {
	f.t.Helper()
	var code string
	if err := f.db.R.QueryRow("SELECT document_code FROM case_decisions WHERE subject_kind = 'complaint' AND subject_id = $1 AND status = 'draft'", id).Scan(&code); err != nil {
		f.t.Fatal(err)
	}
	return code
}

var signOutcome = map[cases.Action]string{cases.ActSignUpheld: cases.OutcomeUpheld, cases.ActSignPartly: cases.OutcomePartly,
	cases.ActSignRejected: cases.OutcomeRejected}

// reachComplaint files an inaction complaint about a fresh registered
// application and drives it into st.
func (f *fixture) reachComplaint(st cases.Status, outcome string) (cases.Complaint, int64) {
	f.t.Helper()
	app := f.submitted(true)
	in := cases.NewComplaint{CaseID: app.ID, About: cases.AboutInaction, Text: "Заявление не рассматривается"}
	if st == cases.ComplaintFiled {
		return f.mustC(f.manual.FileComplaint(ctx, citizen, in)), app.ID
	}
	c := f.mustC(f.svc.FileComplaint(ctx, citizen, in))
	switch st {
	case cases.ComplaintRegistered:
	case cases.ComplaintWithdrawn:
		c = f.mustC(f.svc.WithdrawComplaint(ctx, citizen, c.ID, c.Version, ""))
	case cases.ComplaintUnconsidered:
		c = f.mustC(f.svc.LeaveUnconsidered(ctx, gikOff, c.ID, c.Version, "Пропущен срок"))
	case cases.ComplaintDecisionDrafted, cases.ComplaintUpheld, cases.ComplaintPartly, cases.ComplaintRejected:
		if outcome == "" {
			outcome = map[cases.Status]string{cases.ComplaintUpheld: cases.OutcomeUpheld, cases.ComplaintPartly: cases.OutcomePartly,
				cases.ComplaintRejected: cases.OutcomeRejected, cases.ComplaintDecisionDrafted: cases.OutcomeRejected}[st]
		}
		c = f.mustC(f.svc.DraftComplaintDecision(ctx, gikOff, c.ID, c.Version, cases.ComplaintDecisionDraft{Outcome: outcome, Text: "Мотивы"}))
		if st != cases.ComplaintDecisionDrafted {
			c = f.mustC(f.svc.SignComplaintDecision(ctx, gikHead, c.ID, c.Version, f.signCode(f.complaintDraftCode(c.ID), testPKI.head)))
		}
	default:
		f.t.Fatalf("cannot reach complaint state %q", st)
	}
	if c.Status != st {
		f.t.Fatalf("reached %s, want %s", c.Status, st)
	}
	return c, app.ID
}

// TestComplaintTransitions takes every allowed complaint transition for
// each role that may take it.
func TestComplaintTransitions(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		for _, r := range cases.Complaints.Rules() {
			for _, role := range r.Roles {
				t.Run(fmt.Sprintf("%s--%s-->%s/%s", orNone(r.From), r.Action, r.To, role), func(t *testing.T) {
					f.t = t
					var c cases.Complaint
					var caseID int64
					if r.From == cases.StatusNone {
						caseID = f.submitted(true).ID
					} else {
						c, caseID = f.reachComplaint(r.From, signOutcome[r.Action])
					}
					got, err := f.doComplaint(c, r.Action, complaintActor(role, r.Action), caseID)
					if err != nil {
						t.Fatalf("allowed transition refused: %v", err)
					}
					if got.Status != r.To {
						t.Fatalf("status %s, want %s", got.Status, r.To)
					}
					a, from, to := f.lastEvent("complaint", got.ID)
					if a != string(r.Action) || from != string(r.From) || to != string(r.To) {
						t.Fatalf("history records %s %s→%s", a, from, to)
					}
				})
			}
		}
	})
}

// TestComplaintForbiddenTransitions tries every action not allowed in each
// complaint state.
func TestComplaintForbiddenTransitions(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		for _, st := range cases.Complaints.States() {
			t.Run(string(st), func(t *testing.T) {
				f.t = t
				c, caseID := f.reachComplaint(st, "")
				for _, a := range cases.Complaints.Actions() {
					if a == cases.ActFile {
						continue
					}
					if _, ok := cases.Complaints.Find(st, a); ok {
						continue
					}
					_, err := f.doComplaint(c, a, cases.System(), caseID)
					fe := wantFault(t, err, fault.Conflict, cases.CodeTransitionForbidden)
					if fe.Params["from"] != string(st) {
						t.Fatalf("%s in %s: params %v", a, st, fe.Params)
					}
				}
				v, err := f.svc.GetComplaint(ctx, cases.System(), c.ID)
				if err != nil {
					t.Fatal(err)
				}
				if v.Complaint.Status != st || v.Complaint.Version != c.Version {
					t.Fatalf("refused actions changed the complaint")
				}
			})
		}
	})
}

// TestCatalogueKeys: every state, action and error code has words in both
// languages.
func TestCatalogueKeys(t *testing.T) {
	var keys []string
	for _, st := range cases.Applications.States() {
		keys = append(keys, "case.status."+string(st))
	}
	for _, a := range cases.Applications.Actions() {
		keys = append(keys, "case.action."+string(a))
	}
	for _, st := range cases.Complaints.States() {
		keys = append(keys, "complaint.status."+string(st))
	}
	for _, a := range cases.Complaints.Actions() {
		keys = append(keys, "complaint.action."+string(a))
	}
	for _, e := range []string{cases.EventWarning, cases.EventOverdue} {
		keys = append(keys, "case.action."+e, "complaint.action."+e)
	}
	for _, ch := range []string{cases.ChannelOnline, cases.ChannelWritten, cases.ChannelOral} {
		keys = append(keys, "case.channel."+ch)
	}
	for _, o := range []string{cases.OutcomeUpheld, cases.OutcomePartly, cases.OutcomeRejected} {
		keys = append(keys, "complaint.outcome."+o)
	}
	keys = append(keys, "complaint.about."+cases.AboutDecision, "complaint.about."+cases.AboutInaction)
	keys = append(keys, cases.CodeTransitionForbidden, cases.CodeRoleForbidden, cases.CodeStale, cases.CodeNotFound,
		cases.CodeOnlineNotAllowed, cases.CodeBodyNotAuthorized, cases.CodeProcedureNotServed, cases.CodeNoTerm,
		cases.CodeFormInvalid, cases.CodeFormTooLarge, cases.CodeDocumentMissing, cases.CodeDocumentUnknown,
		cases.CodeDocumentType, cases.CodeDocumentSize, cases.CodeGroundsRequired, cases.CodeGroundUnknown,
		cases.CodeSuspensionForbidden, cases.CodeReasonRequired, cases.CodeTextRequired, cases.CodeAssigneeInvalid,
		cases.CodeApplicantRequired, cases.CodeApplicantInvalid, cases.CodeRequestsRequired, cases.CodeRequestUnknown,
		cases.CodeRequestAnswered, cases.CodeOutcomeInvalid, cases.CodeIssuedRequired, cases.CodeSignerMismatch,
		cases.CodeCalendar, cases.CodeDocumentNotFound, cases.CodeComplaintNoBody, cases.CodeComplaintNotDecided,
		cases.CodeComplaintDecided, cases.CodeComplaintAboutInvalid, cases.CodeComplaintNotFound,
		cases.CodeComplaintOutcomeInvalid, cases.CodeFileEmpty, cases.CodeFileTooLarge, cases.CodeFileType,
		cases.CodeFileRefused, cases.CodeFileName)
	i18ntest.MustHave(t, keys...)
}

package cases

import (
	"fmt"
	"slices"

	"odnookno/internal/audit"
	"odnookno/internal/fault"
)

// Status is the state of an application or a complaint.
type Status string

// Action is something an actor does to an application or a complaint. Every
// action, even one that leaves the state as it is (attaching a file, adding
// a note), goes through the transition table, so what may be done in which
// state by whom is written down in one place.
type Action string

// Roles that may take an action. Staff roles are those of internal/org.
const (
	RoleCitizen   = audit.RoleCitizen
	RoleRegistrar = audit.RoleRegistrar
	RoleOfficer   = audit.RoleOfficer
	RoleHead      = audit.RoleHead
	RoleSystem    = audit.RoleSystem
)

// StatusNone is the "state" before an application or complaint exists: the
// actions that create one start from it.
const StatusNone Status = ""

// Application states. The first four are "before registration", the last
// five are final: nothing but notes happens after them.
const (
	// Draft is being filled in the cabinet; not yet an application in law,
	// visible only to the citizen.
	Draft Status = "draft"
	// Submitted online and awaiting registration by the body (only when the
	// body registers online applications by hand, see Options).
	Submitted Status = "submitted"
	// Registered with a number, a due date and a receipt; awaiting an officer.
	Registered Status = "registered"
	// InProgress is assigned to a case officer who works on it.
	InProgress Status = "in_progress"
	// Suspended: the term does not run (Law No. 433-З on the fundamentals of
	// administrative procedures: the term of a procedure is suspended for the
	// period of suspension). Only where the regulation allows it.
	Suspended Status = "suspended"
	// AwaitingAnswers: requests to other bodies or information resources were
	// sent (R637 ch. 3); the regulation's extended term applies when it has one.
	AwaitingAnswers Status = "awaiting_answers"
	// DecisionDrafted: an officer drafted the decision; the head signs it or
	// returns it.
	DecisionDrafted Status = "decision_drafted"
	// DecidedGranted: the head signed a decision to carry out the procedure
	// (issue the certificate, permit, …).
	DecidedGranted Status = "decided_granted"
	// DecidedRefused: the head signed a refusal, with grounds from the
	// regulation.
	DecidedRefused Status = "decided_refused"
	// RefusedToAccept: the application was not accepted (Law No. 433-З,
	// art. 15), with grounds and a written notice.
	RefusedToAccept Status = "refused_to_accept"
	// Withdrawn by the citizen before a decision.
	Withdrawn Status = "withdrawn"
	// Discarded: a draft the citizen dropped without submitting it. It is
	// kept (nothing is deleted) but was never an application.
	Discarded Status = "discarded"
)

// Application actions.
const (
	ActCreateDraft     Action = "create_draft"
	ActEditDraft       Action = "edit_draft"
	ActSubmit          Action = "submit"
	ActDiscard         Action = "discard"
	ActIntake          Action = "intake" // front office registers a written or oral application
	ActRegister        Action = "register"
	ActRefuseToAccept  Action = "refuse_to_accept"
	ActAttach          Action = "attach"
	ActAssign          Action = "assign"
	ActReassign        Action = "reassign"
	ActSuspend         Action = "suspend"
	ActResume          Action = "resume"
	ActRequestInfo     Action = "request_info"
	ActRecordAnswer    Action = "record_answer"
	ActAnswersReceived Action = "answers_received"
	ActDraftDecision   Action = "draft_decision"
	ActReturnDraft     Action = "return_draft"
	ActSignGrant       Action = "sign_grant"
	ActSignRefusal     Action = "sign_refusal"
	ActWithdraw        Action = "withdraw"
	ActAddNote         Action = "add_note"
)

// Complaint states.
const (
	// ComplaintFiled by the citizen, awaiting registration by the body that
	// decides complaints (only when that body registers them by hand).
	ComplaintFiled Status = "filed"
	// ComplaintRegistered with a number and its own term at the complaint body.
	ComplaintRegistered Status = "registered"
	// ComplaintDecisionDrafted: a decision on the complaint awaits the head's
	// signature.
	ComplaintDecisionDrafted Status = "decision_drafted"
	ComplaintUpheld          Status = "decided_upheld"
	ComplaintPartly          Status = "decided_partly"
	ComplaintRejected        Status = "decided_rejected"
	// ComplaintUnconsidered: left without consideration (оставлена без
	// рассмотрения) for a reason the law gives, e.g. filed by someone not
	// entitled or past the time limit; the citizen is told why.
	ComplaintUnconsidered Status = "left_unconsidered"
	ComplaintWithdrawn    Status = "withdrawn"
)

// Complaint actions (ActWithdraw, ActAttach, ActRegister, ActDraftDecision,
// ActReturnDraft and ActAddNote are shared with applications).
const (
	ActFile              Action = "file"
	ActLeaveUnconsidered Action = "leave_unconsidered"
	ActSignUpheld        Action = "sign_upheld"
	ActSignPartly        Action = "sign_partly"
	ActSignRejected      Action = "sign_rejected"
)

// Rule is one allowed transition: From --Action--> To, by any of Roles.
type Rule struct {
	From   Status
	Action Action
	To     Status
	Roles  []string
}

// Machine is a transition table. At most one rule exists for a (from,
// action) pair, so an action always has one outcome.
type Machine struct {
	Name   string // "application" or "complaint"
	rules  []Rule
	states []Status
	final  []Status
}

func newMachine(name string, states, final []Status, rules []Rule) *Machine {
	seen := map[[2]string]bool{}
	for _, r := range rules {
		k := [2]string{string(r.From), string(r.Action)}
		if seen[k] {
			panic(fmt.Sprintf("cases: %s machine: two rules for %s --%s-->", name, r.From, r.Action))
		}
		seen[k] = true
		if r.From != StatusNone && !slices.Contains(states, r.From) || !slices.Contains(states, r.To) {
			panic(fmt.Sprintf("cases: %s machine: rule %s --%s--> %s names an unknown state", name, r.From, r.Action, r.To))
		}
	}
	return &Machine{Name: name, rules: rules, states: states, final: final}
}

var (
	registrarOfficerHead = []string{RoleRegistrar, RoleOfficer, RoleHead}
	officerHead          = []string{RoleOfficer, RoleHead}
	staffRoles           = []string{RoleRegistrar, RoleOfficer, RoleHead}
	citizenOrRegistrar   = []string{RoleCitizen, RoleRegistrar}
)

// Applications is the state machine of an application. Self-transitions
// (attach, notes, reassignment, more requests) are listed too: they are
// allowed only in the states named here.
var Applications = newMachine("application",
	[]Status{Draft, Submitted, Registered, InProgress, Suspended, AwaitingAnswers, DecisionDrafted,
		DecidedGranted, DecidedRefused, RefusedToAccept, Withdrawn, Discarded},
	[]Status{DecidedGranted, DecidedRefused, RefusedToAccept, Withdrawn, Discarded},
	[]Rule{
		// The citizen prepares an application in the cabinet.
		{StatusNone, ActCreateDraft, Draft, []string{RoleCitizen}},
		{Draft, ActEditDraft, Draft, []string{RoleCitizen}},
		{Draft, ActAttach, Draft, []string{RoleCitizen}},
		{Draft, ActSubmit, Submitted, []string{RoleCitizen}},
		{Draft, ActDiscard, Discarded, []string{RoleCitizen}},
		// The front office takes a written or oral application (P1.2).
		{StatusNone, ActIntake, Registered, []string{RoleRegistrar, RoleOfficer}},
		// Registration of an online application: at once by the system, or by
		// the body's staff.
		{Submitted, ActRegister, Registered, []string{RoleRegistrar, RoleOfficer, RoleHead, RoleSystem}},
		// Refusal to accept (Law No. 433-З, art. 15) comes at acceptance,
		// before anyone works on the case.
		{Submitted, ActRefuseToAccept, RefusedToAccept, registrarOfficerHead},
		{Registered, ActRefuseToAccept, RefusedToAccept, registrarOfficerHead},
		// Scans and documents added by staff while the case is open.
		{Submitted, ActAttach, Submitted, registrarOfficerHead},
		{Registered, ActAttach, Registered, registrarOfficerHead},
		{InProgress, ActAttach, InProgress, officerHead},
		{Suspended, ActAttach, Suspended, officerHead},
		{AwaitingAnswers, ActAttach, AwaitingAnswers, officerHead},
		// An officer takes the case, or the head assigns it.
		{Registered, ActAssign, InProgress, officerHead},
		{InProgress, ActReassign, InProgress, []string{RoleHead}},
		{Suspended, ActReassign, Suspended, []string{RoleHead}},
		{AwaitingAnswers, ActReassign, AwaitingAnswers, []string{RoleHead}},
		{DecisionDrafted, ActReassign, DecisionDrafted, []string{RoleHead}},
		// Suspension, where the regulation allows it.
		{InProgress, ActSuspend, Suspended, officerHead},
		{Suspended, ActResume, InProgress, officerHead},
		// Requests to other bodies (R637 ch. 3) and their answers.
		{InProgress, ActRequestInfo, AwaitingAnswers, officerHead},
		{AwaitingAnswers, ActRequestInfo, AwaitingAnswers, officerHead},
		// Requests the regulation sends automatically at registration can be
		// answered before an officer takes the case.
		{Registered, ActRecordAnswer, Registered, []string{RoleOfficer, RoleHead, RoleSystem}},
		{AwaitingAnswers, ActRecordAnswer, AwaitingAnswers, []string{RoleOfficer, RoleHead, RoleSystem}},
		{InProgress, ActRecordAnswer, InProgress, []string{RoleOfficer, RoleHead, RoleSystem}},
		{Suspended, ActRecordAnswer, Suspended, []string{RoleOfficer, RoleHead, RoleSystem}},
		{DecisionDrafted, ActRecordAnswer, DecisionDrafted, []string{RoleOfficer, RoleHead, RoleSystem}},
		{AwaitingAnswers, ActAnswersReceived, InProgress, []string{RoleOfficer, RoleHead, RoleSystem}},
		// The decision: drafted by the officer, signed (or returned) by the head.
		{InProgress, ActDraftDecision, DecisionDrafted, officerHead},
		{DecisionDrafted, ActReturnDraft, InProgress, officerHead},
		{DecisionDrafted, ActSignGrant, DecidedGranted, []string{RoleHead}},
		{DecisionDrafted, ActSignRefusal, DecidedRefused, []string{RoleHead}},
		// The citizen may withdraw the application until a decision is taken;
		// the front office records a withdrawal made in writing.
		{Submitted, ActWithdraw, Withdrawn, citizenOrRegistrar},
		{Registered, ActWithdraw, Withdrawn, citizenOrRegistrar},
		{InProgress, ActWithdraw, Withdrawn, citizenOrRegistrar},
		{Suspended, ActWithdraw, Withdrawn, citizenOrRegistrar},
		{AwaitingAnswers, ActWithdraw, Withdrawn, citizenOrRegistrar},
		{DecisionDrafted, ActWithdraw, Withdrawn, citizenOrRegistrar},
		// Internal notes, in every state of a real application.
		{Submitted, ActAddNote, Submitted, staffRoles},
		{Registered, ActAddNote, Registered, staffRoles},
		{InProgress, ActAddNote, InProgress, staffRoles},
		{Suspended, ActAddNote, Suspended, staffRoles},
		{AwaitingAnswers, ActAddNote, AwaitingAnswers, staffRoles},
		{DecisionDrafted, ActAddNote, DecisionDrafted, staffRoles},
		{DecidedGranted, ActAddNote, DecidedGranted, staffRoles},
		{DecidedRefused, ActAddNote, DecidedRefused, staffRoles},
		{RefusedToAccept, ActAddNote, RefusedToAccept, staffRoles},
		{Withdrawn, ActAddNote, Withdrawn, staffRoles},
	})

// Complaints is the state machine of an administrative complaint.
var Complaints = newMachine("complaint",
	[]Status{ComplaintFiled, ComplaintRegistered, ComplaintDecisionDrafted, ComplaintUpheld, ComplaintPartly,
		ComplaintRejected, ComplaintUnconsidered, ComplaintWithdrawn},
	[]Status{ComplaintUpheld, ComplaintPartly, ComplaintRejected, ComplaintUnconsidered, ComplaintWithdrawn},
	[]Rule{
		{StatusNone, ActFile, ComplaintFiled, citizenOrRegistrar},
		{ComplaintFiled, ActRegister, ComplaintRegistered, []string{RoleRegistrar, RoleOfficer, RoleHead, RoleSystem}},
		{ComplaintFiled, ActAttach, ComplaintFiled, citizenOrRegistrar},
		{ComplaintRegistered, ActAttach, ComplaintRegistered, []string{RoleCitizen, RoleRegistrar, RoleOfficer, RoleHead}},
		{ComplaintRegistered, ActLeaveUnconsidered, ComplaintUnconsidered, officerHead},
		{ComplaintRegistered, ActDraftDecision, ComplaintDecisionDrafted, officerHead},
		{ComplaintDecisionDrafted, ActReturnDraft, ComplaintRegistered, officerHead},
		{ComplaintDecisionDrafted, ActSignUpheld, ComplaintUpheld, []string{RoleHead}},
		{ComplaintDecisionDrafted, ActSignPartly, ComplaintPartly, []string{RoleHead}},
		{ComplaintDecisionDrafted, ActSignRejected, ComplaintRejected, []string{RoleHead}},
		{ComplaintFiled, ActWithdraw, ComplaintWithdrawn, citizenOrRegistrar},
		{ComplaintRegistered, ActWithdraw, ComplaintWithdrawn, citizenOrRegistrar},
		{ComplaintDecisionDrafted, ActWithdraw, ComplaintWithdrawn, citizenOrRegistrar},
		{ComplaintFiled, ActAddNote, ComplaintFiled, staffRoles},
		{ComplaintRegistered, ActAddNote, ComplaintRegistered, staffRoles},
		{ComplaintDecisionDrafted, ActAddNote, ComplaintDecisionDrafted, staffRoles},
		{ComplaintUpheld, ActAddNote, ComplaintUpheld, staffRoles},
		{ComplaintPartly, ActAddNote, ComplaintPartly, staffRoles},
		{ComplaintRejected, ActAddNote, ComplaintRejected, staffRoles},
		{ComplaintUnconsidered, ActAddNote, ComplaintUnconsidered, staffRoles},
		{ComplaintWithdrawn, ActAddNote, ComplaintWithdrawn, staffRoles},
	})

// Rules lists every allowed transition, in table order.
func (m *Machine) Rules() []Rule { return slices.Clone(m.rules) }

// States lists every state.
func (m *Machine) States() []Status { return slices.Clone(m.states) }

// Actions lists every action in table order, each once.
func (m *Machine) Actions() []Action {
	var out []Action
	for _, r := range m.rules {
		if !slices.Contains(out, r.Action) {
			out = append(out, r.Action)
		}
	}
	return out
}

// Final reports whether nothing but notes can happen in s any more.
func (m *Machine) Final(s Status) bool { return slices.Contains(m.final, s) }

// Find returns the rule for action a in state from.
func (m *Machine) Find(from Status, a Action) (Rule, bool) {
	for _, r := range m.rules {
		if r.From == from && r.Action == a {
			return r, true
		}
	}
	return Rule{}, false
}

// Check decides whether someone holding roles may take action a in state
// from. It returns the rule and the role under which the action is taken
// (recorded in history and the audit trail). A state that does not allow
// the action is a fault.Conflict "case.transition_forbidden" naming the
// state, the action and where the action would lead; a state that allows it
// but not for these roles is a fault.Forbidden "case.role_forbidden".
func (m *Machine) Check(from Status, a Action, roles []string) (Rule, string, error) {
	r, ok := m.Find(from, a)
	if !ok {
		params := map[string]any{"subject": m.Name, "from": string(from), "action": string(a), "to": ""}
		for _, other := range m.rules {
			if other.Action == a {
				params["to"] = string(other.To)
				break
			}
		}
		return Rule{}, "", fault.New(fault.Conflict, CodeTransitionForbidden, params)
	}
	for _, role := range r.Roles {
		if slices.Contains(roles, role) {
			return r, role, nil
		}
	}
	return Rule{}, "", fault.New(fault.Forbidden, CodeRoleForbidden,
		map[string]any{"subject": m.Name, "from": string(from), "action": string(a)})
}

// Available lists the actions that someone holding roles may take in state
// from, for pages that show only the buttons that will work.
func (m *Machine) Available(from Status, roles []string) []Action {
	var out []Action
	for _, r := range m.rules {
		if r.From != from {
			continue
		}
		for _, role := range r.Roles {
			if slices.Contains(roles, role) {
				out = append(out, r.Action)
				break
			}
		}
	}
	return out
}

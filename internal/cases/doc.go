// Package cases carries applications for administrative procedures and
// administrative complaints from submission to decision (P1.2, P1.8):
// explicit state machines, registration numbers, deadlines on the national
// calendar, decisions signed by the head, complaints, attachments, and who
// may see what.
//
// # State machines
//
// Applications and Complaints are transition tables: every allowed
// (state, action) pair with its target state and the roles that may take
// it. Every action — creating, attaching, noting, deciding — is checked
// against the table by Machine.Check, and anything not listed is refused
// with fault.Conflict "case.transition_forbidden" (naming from, action and
// to) or, when the state allows it but not for the actor's roles,
// fault.Forbidden "case.role_forbidden". Machine.Available tells a page
// which buttons to show.
//
// States beyond the obvious ones, and why:
//
//   - draft: the cabinet's form and attachments are saved step by step and
//     reviewed before submission; a draft is not an application in law and
//     is seen only by the citizen. A dropped draft becomes discarded (kept,
//     never deleted).
//   - submitted: an online application awaiting registration. By default
//     the system registers it in the submitting transaction (the citizen
//     gets the number, due date and receipt at once); with
//     Options.ManualOnlineRegistration the body's staff register it or
//     refuse to accept it.
//   - awaiting_answers: requests went to other bodies or information
//     resources (R637 ch. 3); the regulation's extended term applies.
//   - decision_drafted: the decision exists as an unsigned PDF hidden from
//     the citizen until the head signs it (or returns it for rework).
//   - refused_to_accept (Law No. 433-З, art. 15): from submitted or
//     registered, with grounds from the regulation (or the statutory ones)
//     and a written notice.
//   - complaints have left_unconsidered (оставлена без рассмотрения) beside
//     the three outcomes, and decision_drafted for the head's signature.
//
// # Concurrency
//
// Every application and complaint row has a version. Callers pass the
// version they showed; a mismatch is fault.Conflict "case.stale". The row
// is locked (SELECT … FOR UPDATE on PostgreSQL; the single writer on
// SQLite) and the update is guarded by the version, so of two officers
// acting at once one wins and the other is told to reload.
//
// # Deadlines
//
// The due date is computed at registration from the registration date and
// the regulation's term on the national calendar (calendar.Calendar.Due);
// it switches to the extended term when requests are sent and the
// regulation has one; suspension stops the clock and resumption moves the
// date by the working days suspended. Deadline keeps the inputs, so a due
// date explains itself (Service.Explain). Warning and overdue timers are
// River jobs inserted in the transaction that sets the date (see
// DeadlineArgs).
//
// # Access
//
// Citizens see their own applications and complaints; staff see their
// body's applications for the procedures assigned to it (StaffScope) and
// the complaints their body decides. Anything else is NotFound. Every
// staff read is audited ("case.read", "complaint.read", "case.list"). Rows
// are never deleted; history (case_events) is append-only, and the citizen's
// view of it leaves out internal entries (notes, drafts, answers).
//
// # Adapters
//
// The package names the small interfaces it needs (Regulations, Directory,
// Notifier, Documents, Calendars, FormValidator, Translator) so that the
// catalogue, org, notify, document and caldb packages plug in without this
// package importing them.
package cases

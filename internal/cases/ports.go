package cases

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"

	"odnookno/internal/calendar"
	"odnookno/internal/document"
	"odnookno/internal/signature"
)

// Error codes: keys of the message catalogue (locales/*/cases.json).
const (
	CodeTransitionForbidden = "case.transition_forbidden" // from, action, to, subject
	CodeRoleForbidden       = "case.role_forbidden"       // from, action, subject
	CodeStale               = "case.stale"
	CodeNotFound            = "case.not_found"
	CodeOnlineNotAllowed    = "case.online_not_allowed"
	CodeBodyNotAuthorized   = "case.body_not_authorized" // body
	CodeProcedureNotServed  = "case.procedure_not_served"
	CodeNoTerm              = "case.regulation_no_term"
	CodeFormInvalid         = "case.form_invalid"
	CodeFormTooLarge        = "case.form_too_large"
	CodeDocumentMissing     = "case.document_missing" // document
	CodeDocumentUnknown     = "case.document_unknown" // document
	CodeDocumentType        = "case.document_type"    // document, type
	CodeDocumentSize        = "case.document_size"    // document, max
	CodeGroundsRequired     = "case.grounds_required"
	CodeGroundUnknown       = "case.ground_unknown" // ground
	CodeSuspensionForbidden = "case.suspension_not_allowed"
	CodeReasonRequired      = "case.reason_required"
	CodeTextRequired        = "case.text_required"
	CodeAssigneeInvalid     = "case.assignee_invalid"
	CodeApplicantRequired   = "case.applicant_required"
	CodeApplicantInvalid    = "case.applicant_invalid"
	CodeRequestsRequired    = "case.requests_required"
	CodeRequestUnknown      = "case.request_unknown"
	CodeRequestAnswered     = "case.request_answered"
	CodeOutcomeInvalid      = "case.outcome_invalid"
	CodeIssuedRequired      = "case.issued_document_required"
	CodeSignerMismatch      = "case.signer_mismatch"
	CodeCalendar            = "case.calendar_missing" // date
	CodeDocumentNotFound    = "case.document_not_found"

	CodeComplaintNoBody         = "complaint.no_body"
	CodeComplaintNotDecided     = "complaint.case_not_decided"
	CodeComplaintDecided        = "complaint.case_decided"
	CodeComplaintAboutInvalid   = "complaint.about_invalid"
	CodeComplaintNotFound       = "complaint.not_found"
	CodeComplaintOutcomeInvalid = "complaint.outcome_invalid"

	CodeFileEmpty    = "file.empty"
	CodeFileTooLarge = "file.too_large" // max
	CodeFileType     = "file.type_not_allowed"
	CodeFileRefused  = "file.refused"
	CodeFileName     = "file.name_invalid"
)

// Ground is a ground for refusal as the regulation words it; Code is what
// a decision stores, Text what the citizen reads.
type Ground struct {
	Code string `json:"code"`
	Text string `json:"text"`
}

// DocumentRequirement is a document the citizen presents (R637 6: the list
// of documents and information the applicant submits).
type DocumentRequirement struct {
	Code     string
	Name     string
	Required bool
	// MaxSize limits one file in bytes; 0 takes the file store's limit.
	MaxSize int64
	// Types are the MIME types accepted; empty accepts every type the file
	// store accepts.
	Types []string
}

// Regulation is what this package needs from a procedure's electronic
// regulation (R637 6) in the version an application was filed under. The
// catalogue's adapter fills it; the application keeps the version, so a
// later change of the regulation does not change a case under way.
type Regulation struct {
	ProcedureID int64
	Version     int
	Number      string // the procedure's number in the list, e.g. "1.1.5"
	Name        string
	// Bodies are the codes of the authorized bodies (R637 6: "перечень
	// уполномоченных органов").
	Bodies []string
	// Term is the term of the procedure; ExtendedTerm, when set, applies
	// once requests are sent to other bodies ("10 дней, а в случае запроса
	// документов … — 1 месяц").
	Term         calendar.Term
	ExtendedTerm calendar.Term
	// SuspensionAllowed: the procedure may be suspended (default false).
	SuspensionAllowed bool
	// RefusalGrounds are the grounds to refuse the procedure.
	RefusalGrounds []Ground
	// AcceptRefusalGrounds are the grounds to refuse to accept the
	// application; empty means the statutory ones (StatutoryAcceptRefusal).
	AcceptRefusalGrounds []Ground
	// OnlineAllowed: the procedure may be applied for through the portal.
	OnlineAllowed bool
	Documents     []DocumentRequirement
	// ComplaintBody is the code of the body that decides complaints;
	// ComplaintTerm its term (zero: DefaultComplaintTerm).
	ComplaintBody string
	ComplaintTerm calendar.Term
}

// Authorizes reports whether body may carry out the procedure.
func (r Regulation) Authorizes(body string) bool { return slices.Contains(r.Bodies, body) }

func (r Regulation) document(code string) (DocumentRequirement, bool) {
	for _, d := range r.Documents {
		if d.Code == code {
			return d, true
		}
	}
	return DocumentRequirement{}, false
}

func (r Regulation) acceptGrounds() []Ground {
	if len(r.AcceptRefusalGrounds) > 0 {
		return r.AcceptRefusalGrounds
	}
	return StatutoryAcceptRefusal
}

// StatutoryAcceptRefusal are the grounds for refusing to accept an
// application that the Law on the fundamentals of administrative procedures
// gives for every procedure; a regulation that lists none gets these.
var StatutoryAcceptRefusal = []Ground{
	{Code: "no_identity_document", Text: "Не представлен документ, удостоверяющий личность"},
	{Code: "documents_missing", Text: "Не представлены документы и (или) сведения, включённые в перечень документов и (или) сведений, представляемых для осуществления административной процедуры"},
	{Code: "form_not_complied", Text: "Заявление не соответствует установленным требованиям к его форме и содержанию"},
	{Code: "not_competent", Text: "Заявление подано в орган, к компетенции которого не относится осуществление административной процедуры"},
}

// DefaultComplaintTerm is used when the regulation names none: fifteen days
// from the day after the complaint is received.
var DefaultComplaintTerm = calendar.Term{Kind: calendar.CalendarDays, N: 15}

// Regulations gives a procedure's electronic regulation.
type Regulations interface {
	// Get returns the regulation of procedureID in the given version.
	Get(ctx context.Context, procedureID int64, version int) (Regulation, error)
	// Active returns the version in force now, under which new applications
	// are filed; fault.NotFound when the procedure has none.
	Active(ctx context.Context, procedureID int64) (Regulation, error)
}

// FormValidator checks an application form against the procedure's schema
// (the catalogue owns the schemas). It returns a fault.Invalid with the
// fields at fault.
type FormValidator interface {
	ValidateForm(ctx context.Context, reg Regulation, form json.RawMessage) error
}

// Calendars gives the national calendar in force (caldb.Provider).
type Calendars interface {
	Calendar(ctx context.Context) (*calendar.Calendar, error)
}

// FixedCalendar is a Calendars that always gives c, for tools and tests.
type FixedCalendar struct{ C *calendar.Calendar }

// Calendar returns c.
func (f FixedCalendar) Calendar(context.Context) (*calendar.Calendar, error) { return f.C, nil }

// Documents issues and signs official documents (document.Registry).
type Documents interface {
	Issue(ctx context.Context, tx *sql.Tx, d document.Document, m document.Meta) (document.Issued, []byte, error)
	Sign(ctx context.Context, tx *sql.Tx, code string, sig []byte) (signature.Identity, error)
}

// StaffMember is what this package needs to know of a staff account.
type StaffMember struct {
	ID       int64
	BodyCode string
	Name     string
	Email    string
	Roles    []string
	Active   bool
	// CertSerial, when set, must match the certificate of a signature the
	// member makes (its serial number or its subject serialNumber).
	CertSerial string
}

// Body is a body's code and names.
type Body struct {
	Code   string
	NameRU string
	NameBE string
}

func (b Body) name(lang string) string {
	if lang == "be" && b.NameBE != "" {
		return b.NameBE
	}
	if b.NameRU != "" {
		return b.NameRU
	}
	return b.Code
}

// Directory looks up staff and bodies (internal/org).
type Directory interface {
	StaffMember(ctx context.Context, id int64) (StaffMember, error)
	Body(ctx context.Context, code string) (Body, error)
}

// Notice is one message to send, in the transaction of the change that
// causes it. The adapter to internal/notify maps it one to one onto
// notify.Message; a notice to a staff member has StaffID set and To their
// e-mail.
type Notice struct {
	Channel   string // "inbox", "sms" or "email"
	To        string // citizen id (inbox), phone (sms), address (email)
	CitizenID string
	StaffID   int64
	Kind      string // one of the Kind* constants
	Lang      string
	Params    map[string]any
	Link      string
}

// Notice channels.
const (
	ChannelInbox = "inbox"
	ChannelSMS   = "sms"
	ChannelEmail = "email"
)

// Notice kinds; they are internal/notify's kinds.
const (
	KindRegistered          = "case.registered"       // number, due
	KindDecision            = "case.decision"         // number
	KindDeadlineWarning     = "case.deadline_warning" // number, due
	KindOverdue             = "case.overdue"          // number, due
	KindComplaintRegistered = "complaint.registered"  // number, due
	KindComplaintDecision   = "complaint.decision"    // number
)

// Notifier enqueues notices in the caller's transaction (notify.Service).
// An error wrapping fault.Unavailable (a channel that is not configured) is
// logged and skipped; any other error fails the change.
type Notifier interface {
	EnqueueTx(ctx context.Context, tx *sql.Tx, n Notice) error
}

// Translator renders catalogue messages (i18n.Catalog); documents and
// deadline explanations are worded through it.
type Translator interface {
	T(lang, key string, args ...any) string
}

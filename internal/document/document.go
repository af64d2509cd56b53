// Package document renders the official papers that the One Window system
// hands to citizens: decisions, notices, receipts, contracts, acts, printed
// applications and decisions on complaints.
//
// Every document is a PDF with an embedded Cyrillic font, so that it prints
// and archives the same everywhere, and carries a verification code on every
// page, so that anyone holding a single page can check it against the
// register.
package document

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind tells which official form a document takes; it chooses the default
// title and how the other party is named on the page.
type Kind string

// The kinds of documents the system issues.
const (
	// Decision is the body's decision on an administrative procedure.
	Decision Kind = "decision"
	// Notice informs the citizen of something the body did, such as a
	// refusal to accept an application.
	Notice Kind = "notice"
	// Receipt confirms that an application was accepted.
	Receipt Kind = "receipt"
	// Contract is a connection contract with a service provider.
	Contract Kind = "contract"
	// Act records completed work or a completed connection.
	Act Kind = "act"
	// UIDApplication is an application about a unique identifier (issue,
	// block, unblock, change of phone number) printed for the citizen to
	// sign by hand.
	UIDApplication Kind = "uid-application"
	// ComplaintDecision is the decision on a complaint about a body's
	// decision or action.
	ComplaintDecision Kind = "complaint-decision"
)

// Languages a document can be issued in; both are official in Belarus and a
// citizen may ask for either.
const (
	Russian    = "ru"
	Belarusian = "be"
)

type kindInfo struct {
	title     [2]string // ru, be
	recipient [2]string // how the other party is labelled
}

var kinds = map[Kind]kindInfo{
	Decision:          {[2]string{"РЕШЕНИЕ", "РАШЭННЕ"}, [2]string{"Кому", "Каму"}},
	Notice:            {[2]string{"ИЗВЕЩЕНИЕ", "ПАВЕДАМЛЕННЕ"}, [2]string{"Кому", "Каму"}},
	Receipt:           {[2]string{"РАСПИСКА", "РАСПІСКА"}, [2]string{"Заявитель", "Заяўнік"}},
	Contract:          {[2]string{"ДОГОВОР", "ДАГАВОР"}, [2]string{"Заказчик", "Заказчык"}},
	Act:               {[2]string{"АКТ", "АКТ"}, [2]string{"Заказчик", "Заказчык"}},
	UIDApplication:    {[2]string{"ЗАЯВЛЕНИЕ", "ЗАЯВА"}, [2]string{"Заявитель", "Заяўнік"}},
	ComplaintDecision: {[2]string{"РЕШЕНИЕ ПО ЖАЛОБЕ", "РАШЭННЕ ПА СКАРЗЕ"}, [2]string{"Кому", "Каму"}},
}

// Kinds lists every kind in a stable order, for pickers and for tests that
// must cover each one.
func Kinds() []Kind {
	return []Kind{Decision, Notice, Receipt, Contract, Act, UIDApplication, ComplaintDecision}
}

// Valid reports whether k is a kind this package can render, so that callers
// can reject a stored kind before they assemble a whole document.
func (k Kind) Valid() bool {
	_, ok := kinds[k]
	return ok
}

// Title is the heading printed when a document does not override it; lists
// of a citizen's documents use it too, so both read the same. It is empty
// for an unknown kind; any language other than Belarusian gets Russian.
func (k Kind) Title(lang string) string {
	return kinds[k].title[langIndex(lang)]
}

func langIndex(lang string) int {
	if lang == Belarusian {
		return 1
	}
	return 0
}

// Field is one labelled line of the document's data table (address, case
// number, fee and the like).
type Field struct {
	Label string
	Value string
}

// Checkbox is one printed option; the UID application uses them so that the
// citizen's choice of request type is visible on paper.
type Checkbox struct {
	Label   string
	Checked bool
}

// Document is everything printed on an official paper. The domain that
// issues the document fills it; this package decides only how it looks.
type Document struct {
	Kind Kind
	// Lang is Russian or Belarusian; the fixed wording of the page follows it.
	Lang             string
	RegNumber        string
	VerificationCode string
	// Date is the registration date; it is printed in Minsk time and is
	// also the PDF's creation date, so the same document renders to the
	// same bytes.
	Date time.Time
	// Issuer is the body that issues the document, printed as its letterhead.
	Issuer string
	// Title overrides Kind.Title, e.g. "РЕШЕНИЕ об отказе в ...".
	Title     string
	Recipient string
	Fields    []Field
	// Paragraphs are printed justified, each starting on a new line.
	Paragraphs     []string
	Signatory      string
	SignatoryTitle string
	// VerifyURL is where the code can be checked, e.g.
	// https://host/verify/CODE; printed in every footer when set.
	VerifyURL  string
	Checkboxes []Checkbox
	// SignatureLines are blanks to sign by hand on paper, such as
	// "Подпись заявителя" and "Дата".
	SignatureLines []string
}

// ErrInvalid is matched (errors.Is) by every validation failure, so the web
// layer can answer "bad request" without knowing which field failed.
var ErrInvalid = errors.New("document: invalid")

// FieldError names the document field that failed validation, so a caller
// can say what was missing.
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("document: %s: %s", e.Field, e.Problem)
}

// Unwrap makes every FieldError match ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// Validate checks what a document must have to be an official paper at all.
// It returns every problem at once (joined *FieldError values).
func (d Document) Validate() error {
	var errs []error
	if !d.Kind.Valid() {
		errs = append(errs, &FieldError{"Kind", fmt.Sprintf("unknown kind %q", d.Kind)})
	}
	if d.Lang != Russian && d.Lang != Belarusian {
		errs = append(errs, &FieldError{"Lang", fmt.Sprintf("language %q is neither %q nor %q", d.Lang, Russian, Belarusian)})
	}
	if strings.TrimSpace(d.RegNumber) == "" {
		errs = append(errs, &FieldError{"RegNumber", "registration number is required"})
	}
	if strings.TrimSpace(d.VerificationCode) == "" {
		errs = append(errs, &FieldError{"VerificationCode", "verification code is required"})
	}
	if d.Date.IsZero() {
		errs = append(errs, &FieldError{"Date", "registration date is required"})
	}
	return errors.Join(errs...)
}

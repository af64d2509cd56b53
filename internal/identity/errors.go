// Package identity holds the rules for the unique identifier (уникальный
// идентификатор) of the One Window portal: the personal identification
// number that serves as the login, the mobile phone it is bound to, the
// static and temporary passwords and the SMS codes (Council of Ministers
// resolution No. 637 of 22.08.2017, Regulation on obtaining the unique
// identifier).
package identity

import (
	"errors"

	"odnookno/internal/fault"
)

// ErrInvalid lets callers treat every validation failure of this package
// alike (errors.Is) without knowing its codes; the web layer maps it to a
// form error and takes the details from *Error.
var ErrInvalid = errors.New("identity: invalid input")

// Error codes are part of the contract with the message catalogue and the
// web layer, so they never change once released; add new ones instead.
const (
	CodePINFormat     = "pin.format"
	CodePINCheckDigit = "pin.check_digit"

	CodePhoneFormat   = "phone.format"
	CodePhoneOperator = "phone.operator"

	CodePasswordTooShort    = "password.too_short"
	CodePasswordTooLong     = "password.too_long"
	CodePasswordEncoding    = "password.encoding"
	CodePasswordCommon      = "password.common"
	CodePasswordEqualsUID   = "password.equals_uid"
	CodePasswordEqualsPhone = "password.equals_phone"

	CodeCodeFormat = "code.format"
)

// Warning codes mark input that is accepted but deserves a second look by
// the operator of the issuing service.
const (
	CodePINCheckDigitWarning = "pin.check_digit_warning"
)

// Field names match the form fields, so the web layer can put a message
// next to the field that caused it.
const (
	FieldPIN      = "pin"
	FieldPhone    = "phone"
	FieldPassword = "password"
	FieldCode     = "code"
)

// Error carries a machine code instead of a sentence because the text is
// chosen later, in the citizen's language, from the message catalogue;
// Params fill the placeholders of that text.
type Error struct {
	Code   string
	Field  string
	Params map[string]any
}

func (e *Error) Error() string {
	return "identity: invalid " + e.Field + " (" + e.Code + ")"
}

// Is makes every *Error match ErrInvalid, and an *Error with the same Code
// (and Field, if set) match another, so tests and callers need not unpack.
func (e *Error) Is(target error) bool {
	if target == ErrInvalid {
		return true
	}
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return t.Code == e.Code && (t.Field == "" || t.Field == e.Field)
}

// Unwrap makes every *Error a fault.Invalid, so the web layer's single
// mapping of error kinds to statuses covers it.
func (e *Error) Unwrap() error { return fault.Invalid }

// As lets errors.As find a *fault.Error in an *Error: the web layer shows
// form and API errors from *fault.Error alone, and the codes are the same.
func (e *Error) As(target any) bool {
	p, ok := target.(**fault.Error)
	if !ok {
		return false
	}
	*p = e.Fault()
	return true
}

// Fault is e as a *fault.Error of kind Invalid, with e's code both as the
// error's code (the API's message) and as its one field.
func (e *Error) Fault() *fault.Error {
	return &fault.Error{Kind: fault.Invalid, Code: e.Code, Params: e.Params,
		Fields: []fault.Field{{Field: e.Field, Code: e.Code, Params: e.Params}}}
}

func invalid(field, code string, params map[string]any) *Error {
	return &Error{Code: code, Field: field, Params: params}
}

// Warning is a finding that does not block the operation: the decision
// belongs to someone else (for old identification numbers, the interior
// ministry's register), but the operator should see it.
type Warning struct {
	Code   string
	Field  string
	Params map[string]any
}

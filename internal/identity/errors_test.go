package identity_test

import (
	"errors"
	"fmt"
	"testing"

	"odnookno/internal/fault"
	"odnookno/internal/identity"
)

func TestErrorMatching(t *testing.T) {
	t.Parallel()
	_, err := identity.ParsePhone("+375 17 123-45-67")
	wrapped := errors.Join(errors.New("context"), err)
	if !errors.Is(wrapped, identity.ErrInvalid) {
		t.Error("wrapped *Error is not ErrInvalid")
	}
	if !errors.Is(wrapped, &identity.Error{Code: identity.CodePhoneOperator}) {
		t.Error("code match ignoring field failed")
	}
	if errors.Is(wrapped, &identity.Error{Code: identity.CodePhoneOperator, Field: identity.FieldPIN}) {
		t.Error("matched a different field")
	}
	if errors.Is(wrapped, &identity.Error{Code: identity.CodePhoneFormat}) {
		t.Error("matched a different code")
	}
	if errors.Is(identity.ErrHashFormat, identity.ErrInvalid) {
		t.Error("a broken stored hash must not look like the citizen's input error")
	}
	if msg := err.Error(); msg != "identity: invalid phone (phone.operator)" {
		t.Errorf("Error() = %q", msg)
	}
}

// The web layer knows only fault: an *Error must read as fault.Invalid with
// the same code, field and parameters.
func TestErrorIsFault(t *testing.T) {
	t.Parallel()
	_, _, err := identity.ParsePIN("123")
	wrapped := fmt.Errorf("form: %w", err)
	if !errors.Is(wrapped, fault.Invalid) {
		t.Fatal("*Error is not fault.Invalid")
	}
	var fe *fault.Error
	if !errors.As(wrapped, &fe) {
		t.Fatal("errors.As found no *fault.Error")
	}
	if fe.Code != identity.CodePINFormat || len(fe.Fields) != 1 || fe.Fields[0].Field != identity.FieldPIN || fe.Fields[0].Code != identity.CodePINFormat {
		t.Errorf("fault = %+v", fe)
	}
	var c fault.Check
	c.AddErr("uid", err)
	var got *fault.Error
	if !errors.As(c.Err(), &got) || got.Fields[0].Field != identity.FieldPIN {
		t.Errorf("Check.AddErr = %+v", got)
	}
	var ie *identity.Error
	if !errors.As(wrapped, &ie) || ie.Code != identity.CodePINFormat {
		t.Error("errors.As to *identity.Error still works")
	}
}

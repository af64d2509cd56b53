package identity_test

import (
	"errors"
	"testing"

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

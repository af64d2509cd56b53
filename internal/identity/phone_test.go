package identity_test

import (
	"errors"
	"testing"

	"odnookno/internal/identity"
)

func TestParsePhoneAccepted(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"+375 29 123-45-67", "+375291234567"},
		{"375291234567", "+375291234567"},
		{"80291234567", "+375291234567"},
		{"8 (029) 123 45 67", "+375291234567"},
		{"+375(44)1234567", "+375441234567"},
		{"(029) 123-45-67", "+375291234567"},
		{"29 123 45 67", "+375291234567"},
		{"  +375 29 123 45 67\t", "+375291234567"},
		{"+375\u00a029\u00a0123\u00a045\u00a067", "+375291234567"},
		{"8.029.123.45.67", "+375291234567"},
		// Every mobile operator code.
		{"+375 25 765-43-21", "+375257654321"},
		{"+375 29 765-43-21", "+375297654321"},
		{"+375 33 765-43-21", "+375337654321"},
		{"+375 44 765-43-21", "+375447654321"},
		{"80 33 999 99 99", "+375339999999"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := identity.ParsePhone(tt.in)
			if err != nil {
				t.Fatalf("ParsePhone(%q) error: %v", tt.in, err)
			}
			if got.String() != tt.want {
				t.Errorf("ParsePhone(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParsePhoneRejected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, code string
	}{
		{"empty", "", identity.CodePhoneFormat},
		{"letters", "+375 29 ABC-45-67", identity.CodePhoneFormat},
		{"too short", "+375 29 123-45-6", identity.CodePhoneFormat},
		{"too long", "+375 29 123-45-678", identity.CodePhoneFormat},
		{"other country", "+7 912 345-67-89", identity.CodePhoneFormat},
		{"plus before 80", "+80291234567", identity.CodePhoneFormat},
		{"plus in the middle", "375+291234567", identity.CodePhoneFormat},
		{"double plus", "++375291234567", identity.CodePhoneFormat},
		{"8 without 0", "8291234567", identity.CodePhoneFormat},
		{"subscriber starts with 0", "+375 29 012-34-56", identity.CodePhoneFormat},
		{"subscriber starts with 0, domestic", "8 029 012 34 56", identity.CodePhoneFormat},
		{"slash", "8029/1234567", identity.CodePhoneFormat},
		{"Minsk landline", "+375 17 123-45-67", identity.CodePhoneOperator},
		{"Gomel landline, domestic", "8 0232 12-34-56", identity.CodePhoneOperator},
		{"code 24", "+375 24 123-45-67", identity.CodePhoneOperator},
		{"code 30", "+375 30 123-45-67", identity.CodePhoneOperator},
		{"code 45", "+375 45 123-45-67", identity.CodePhoneOperator},
		{"code 26", "80261234567", identity.CodePhoneOperator},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := identity.ParsePhone(tt.in)
			var e *identity.Error
			if !errors.As(err, &e) || e.Code != tt.code || e.Field != identity.FieldPhone {
				t.Fatalf("ParsePhone(%q) = %q, %v; want %s", tt.in, got, err, tt.code)
			}
			if !errors.Is(err, identity.ErrInvalid) {
				t.Errorf("error %v is not ErrInvalid", err)
			}
			if got != "" {
				t.Errorf("returned %q together with an error", got)
			}
		})
	}
}

func TestParsePhoneOperatorParam(t *testing.T) {
	t.Parallel()
	_, err := identity.ParsePhone("+375 17 123-45-67")
	var e *identity.Error
	if !errors.As(err, &e) || e.Params["code"] != "17" {
		t.Fatalf("err = %#v; want Params[code] = 17", err)
	}
}

func TestPhoneForms(t *testing.T) {
	t.Parallel()
	p, err := identity.ParsePhone("80291234567")
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Display(); got != "+375 29 123-45-67" {
		t.Errorf("Display() = %q", got)
	}
	if got := p.Masked(); got != "+375 29 ***-**-67" {
		t.Errorf("Masked() = %q", got)
	}
	if got := identity.Phone("junk").Masked(); got != "***" {
		t.Errorf("Masked() of a junk Phone = %q, want ***", got)
	}
}

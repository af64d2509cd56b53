package identity_test

import (
	"errors"
	"strings"
	"testing"

	"odnookno/internal/identity"
)

func TestNewSMSCodeDistribution(t *testing.T) {
	t.Parallel()
	const n = 20000
	var counts [identity.SMSCodeLen][10]int
	leadingZero := false
	for range n {
		c := identity.NewSMSCode()
		if len(c) != identity.SMSCodeLen {
			t.Fatalf("code %q has length %d", c, len(c))
		}
		for i := 0; i < len(c); i++ {
			d := c[i]
			if d < '0' || d > '9' {
				t.Fatalf("code %q has a non-digit", c)
			}
			counts[i][d-'0']++
		}
		if _, err := identity.ParseSMSCode(c); err != nil {
			t.Fatalf("generated code %q does not parse: %v", c, err)
		}
		leadingZero = leadingZero || c[0] == '0'
	}
	if !leadingZero {
		t.Error("no code out of many started with 0; leading zeros are being lost")
	}
	// Each digit is expected n/10 = 2000 times per position with a
	// standard deviation of about 42; ±300 is over 7 sigma, so this only
	// fails for a real bias, never by bad luck.
	for pos, row := range counts {
		for d, got := range row {
			if got < 1700 || got > 2300 {
				t.Errorf("digit %d at position %d appeared %d times in %d codes; want about 2000", d, pos, got, n)
			}
		}
	}
}

func TestNewTemporaryPassword(t *testing.T) {
	t.Parallel()
	seen := map[rune]bool{}
	for range 2000 {
		pw := identity.NewTemporaryPassword()
		if len(pw) != identity.TemporaryPasswordLen {
			t.Fatalf("password %q has length %d", pw, len(pw))
		}
		if strings.ContainsAny(pw, "0O1lIo") {
			t.Fatalf("password %q has an ambiguous character", pw)
		}
		for _, r := range pw {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '2' && r <= '9') {
				t.Fatalf("password %q has character %q outside the alphabet", pw, r)
			}
			seen[r] = true
		}
		if err := identity.CheckPassword(pw, "", ""); err != nil {
			t.Fatalf("temporary password %q fails the password policy: %v", pw, err)
		}
	}
	// 20 000 draws over 56 symbols: every one must have come up.
	if len(seen) != 56 {
		t.Errorf("saw %d distinct characters; want all 56 of the alphabet", len(seen))
	}
}

func TestParseSMSCode(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"123456", "123456"},
		{"012345", "012345"},
		{" 123 456 ", "123456"},
		{"123-456", "123456"},
		{"12345", ""},
		{"1234567", ""},
		{"12a456", ""},
		{"１２３４５６", ""}, // full-width digits
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := identity.ParseSMSCode(tt.in)
			if tt.want == "" {
				if !errors.Is(err, &identity.Error{Code: identity.CodeCodeFormat, Field: identity.FieldCode}) {
					t.Errorf("ParseSMSCode(%q) = %q, %v; want %s", tt.in, got, err, identity.CodeCodeFormat)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseSMSCode(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestHashCodeBinding(t *testing.T) {
	t.Parallel()
	key := []byte("0123456789abcdef0123456789abcdef")
	base := identity.HashCode(key, "phone.confirm", "+375291234567", "123456")
	if len(base) != 64 {
		t.Fatalf("hash %q; want 64 hex characters", base)
	}
	if again := identity.HashCode(key, "phone.confirm", "+375291234567", "123456"); !identity.EqualCode(base, again) {
		t.Error("same inputs gave different hashes")
	}
	if strings.Contains(base, "123456") {
		t.Error("hash contains the code")
	}
	tests := []struct {
		name                   string
		key                    []byte
		purpose, subject, code string
	}{
		{"other purpose", key, "password.reset", "+375291234567", "123456"},
		{"other subject", key, "phone.confirm", "+375291234568", "123456"},
		{"other code", key, "phone.confirm", "+375291234567", "123457"},
		{"other key", []byte("another key of thirty-two bytes!"), "phone.confirm", "+375291234567", "123456"},
		// Same concatenation, different split: the length prefixes keep
		// them apart.
		{"shifted boundary", key, "phone.confirm+", "375291234567", "123456"},
		{"shifted boundary 2", key, "phone.confirm", "+375291234567123", "456"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if h := identity.HashCode(tt.key, tt.purpose, tt.subject, tt.code); identity.EqualCode(base, h) {
				t.Errorf("hash equals the base hash; %s is not bound", tt.name)
			}
		})
	}
}

func TestHashCodeEmptyKeyPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("HashCode with an empty key did not panic")
		}
	}()
	identity.HashCode(nil, "phone.confirm", "+375291234567", "123456")
}

func TestEqualCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want bool
	}{
		{"abc", "abc", true},
		{"abc", "abd", false},
		{"abc", "abcd", false},
		{"", "", true},
	}
	for _, tt := range tests {
		if got := identity.EqualCode(tt.a, tt.b); got != tt.want {
			t.Errorf("EqualCode(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

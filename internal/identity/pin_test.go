package identity_test

import (
	"errors"
	"testing"

	"odnookno/internal/identity"
)

// Check digits computed by hand. Weights 7,3,1 repeat from the left over
// the first 13 characters; letters count A=10, B=11, … (E=14, G=16, M=22,
// P=25); the check digit is the sum mod 10.
//
// 3270287A012PB2 (the example from the brief, older shape):
//
//	3·7 + 2·3 + 7·1 + 0·7 + 2·3 + 8·1 + 7·7 + A(10)·3 + 0·1 + 1·7 + 2·3 + P(25)·1 + B(11)·7
//	= 21 + 6 + 7 + 0 + 6 + 8 + 49 + 30 + 0 + 7 + 6 + 25 + 77 = 242 → 2
//
// 7010190A001PB7 (central shape):
//
//	7·7 + 0·3 + 1·1 + 0·7 + 1·3 + 9·1 + 0·7 + A(10)·3 + 0·1 + 0·7 + 1·3 + P(25)·1 + B(11)·7
//	= 49 + 0 + 1 + 0 + 3 + 9 + 0 + 30 + 0 + 0 + 3 + 25 + 77 = 197 → 7
//
// 7221199A123PB5 (central shape):
//
//	7·7 + 2·3 + 2·1 + 1·7 + 1·3 + 9·1 + 9·7 + A(10)·3 + 1·1 + 2·7 + 3·3 + P(25)·1 + B(11)·7
//	= 49 + 6 + 2 + 7 + 3 + 9 + 63 + 30 + 1 + 14 + 9 + 25 + 77 = 295 → 5
//
// 4150385M013PB2 (older shape):
//
//	4·7 + 1·3 + 5·1 + 0·7 + 3·3 + 8·1 + 5·7 + M(22)·3 + 0·1 + 1·7 + 3·3 + P(25)·1 + B(11)·7
//	= 28 + 3 + 5 + 0 + 9 + 8 + 35 + 66 + 0 + 7 + 9 + 25 + 77 = 272 → 2
//
// 3010170E055GB7 (older shape, other country code):
//
//	3·7 + 0·3 + 1·1 + 0·7 + 1·3 + 7·1 + 0·7 + E(14)·3 + 0·1 + 5·7 + 5·3 + G(16)·1 + B(11)·7
//	= 21 + 0 + 1 + 0 + 3 + 7 + 0 + 42 + 0 + 35 + 15 + 16 + 77 = 217 → 7
var validPINs = []string{
	"3270287A012PB2",
	"7010190A001PB7",
	"7221199A123PB5",
	"4150385M013PB2",
	"3010170E055GB7",
}

func TestNormalizePIN(t *testing.T) {
	t.Parallel()
	// Every Cyrillic look-alike, in both cases, put where the number has
	// a letter. Written out rather than generated so a typo in the
	// mapping table cannot hide in the test.
	lookalikes := []struct{ cyr, latin string }{
		{"А", "A"}, {"а", "A"},
		{"В", "B"}, {"в", "B"},
		{"Е", "E"}, {"е", "E"},
		{"К", "K"}, {"к", "K"},
		{"М", "M"}, {"м", "M"},
		{"Н", "H"}, {"н", "H"},
		{"О", "O"}, {"о", "O"},
		{"Р", "P"}, {"р", "P"},
		{"С", "C"}, {"с", "C"},
		{"Т", "T"}, {"т", "T"},
		{"Х", "X"}, {"х", "X"},
		{"І", "I"}, {"і", "I"},
	}
	for _, l := range lookalikes {
		t.Run("cyrillic "+l.cyr, func(t *testing.T) {
			t.Parallel()
			in := "3270287" + l.cyr + "012" + l.cyr + l.cyr + "2"
			want := "3270287" + l.latin + "012" + l.latin + l.latin + "2"
			if got := identity.NormalizePIN(in); got != want {
				t.Errorf("NormalizePIN(%q) = %q, want %q", in, got, want)
			}
		})
	}

	tests := []struct{ name, in, want string }{
		{"canonical", "3270287A012PB2", "3270287A012PB2"},
		{"lower case", "3270287a012pb2", "3270287A012PB2"},
		{"surrounding space", "  3270287A012PB2\t\n", "3270287A012PB2"},
		{"inner spaces", "3270287 A 012 PB 2", "3270287A012PB2"},
		{"no-break space", "3270287A\u00a0012PB2", "3270287A012PB2"},
		{"mixed scripts", "3270287а012Рв2", "3270287A012PB2"},
		{"non look-alike kept", "3270287Ж012PB2", "3270287Ж012PB2"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := identity.NormalizePIN(tt.in); got != tt.want {
				t.Errorf("NormalizePIN(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParsePINValid(t *testing.T) {
	t.Parallel()
	for _, s := range validPINs {
		t.Run(s, func(t *testing.T) {
			t.Parallel()
			pin, warns, err := identity.ParsePIN(s)
			if err != nil {
				t.Fatalf("ParsePIN(%q) error: %v", s, err)
			}
			if len(warns) != 0 {
				t.Errorf("ParsePIN(%q) warnings: %v", s, warns)
			}
			if pin.String() != s {
				t.Errorf("ParsePIN(%q) = %q", s, pin)
			}
		})
	}

	t.Run("typed sloppily", func(t *testing.T) {
		t.Parallel()
		pin, warns, err := identity.ParsePIN(" 7010190а 001 рв7 ")
		if err != nil || len(warns) != 0 || pin != "7010190A001PB7" {
			t.Errorf("got %q, %v, %v; want 7010190A001PB7", pin, warns, err)
		}
	})
}

func TestParsePINFormat(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"13 characters", "3270287A012PB"},
		{"15 characters", "3270287A012PB22"},
		{"digit instead of letter at 8", "32702870012PB2"},
		{"letter instead of digit at 9", "3270287AA12PB2"},
		{"digit in country code", "3270287A012P12"},
		{"letter as check digit", "3270287A012PBX"},
		{"letter in first block", "327028XA012PB2"},
		{"hyphen", "3270287-A012PB2"},
		{"non look-alike Cyrillic", "3270287Ж012PB2"},
		{"non-ASCII Latin", "3270287Ä012PB2"},
		{"full-width digit", "３270287A012PB2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pin, _, err := identity.ParsePIN(tt.in)
			if !errors.Is(err, &identity.Error{Code: identity.CodePINFormat, Field: identity.FieldPIN}) {
				t.Fatalf("ParsePIN(%q) = %q, %v; want %s", tt.in, pin, err, identity.CodePINFormat)
			}
			if pin != "" {
				t.Errorf("ParsePIN(%q) returned %q with an error", tt.in, pin)
			}
		})
	}
}

func TestParsePINCheckDigit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		in        string
		wantError bool // else a warning and the number is accepted
	}{
		// 7010190A001PB: correct check digit 7 (see above).
		{"central shape", "7010190A001PB8", true},
		{"central shape, typed in Cyrillic", "7010190а001рв0", true},
		// 7221199A123PB: correct check digit 5.
		{"central shape 2", "7221199A123PB4", true},
		// 3270287A012PB: correct check digit 2.
		{"older shape, first digit 3", "3270287A012PB3", false},
		// Only one of the three marks of the central shape missing.
		// 6010190A001PB → 0, 7010190B001PB → 0, 7010190A001GB → 8.
		{"first digit not 7", "6010190A001PB1", false},
		{"8th character not A", "7010190B001PB1", false},
		{"country code not PB", "7010190A001GB9", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pin, warns, err := identity.ParsePIN(tt.in)
			if tt.wantError {
				var e *identity.Error
				if !errors.As(err, &e) || e.Code != identity.CodePINCheckDigit || e.Field != identity.FieldPIN {
					t.Fatalf("ParsePIN(%q) = %q, %v, %v; want error %s", tt.in, pin, warns, err, identity.CodePINCheckDigit)
				}
				if !errors.Is(err, identity.ErrInvalid) {
					t.Errorf("error %v is not ErrInvalid", err)
				}
				if pin != "" {
					t.Errorf("returned %q together with an error", pin)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePIN(%q) error %v; want a warning", tt.in, err)
			}
			if pin != identity.PIN(identity.NormalizePIN(tt.in)) {
				t.Errorf("ParsePIN(%q) = %q", tt.in, pin)
			}
			if len(warns) != 1 || warns[0].Code != identity.CodePINCheckDigitWarning || warns[0].Field != identity.FieldPIN {
				t.Errorf("warnings = %+v; want one %s", warns, identity.CodePINCheckDigitWarning)
			}
		})
	}
}

// Weights 7, 3 and 1 are all coprime with 10, so changing any single digit
// must change the check digit; for a central-shape number that is an error.
func TestParsePINDetectsSingleDigitChange(t *testing.T) {
	t.Parallel()
	const base = "7221199A123PB5"
	for i := 1; i < 11; i++ { // digit positions; 0 is kept at 7 to stay central
		if i == 7 {
			continue
		}
		for d := byte('0'); d <= '9'; d++ {
			if d == base[i] {
				continue
			}
			s := base[:i] + string(d) + base[i+1:]
			if _, _, err := identity.ParsePIN(s); !errors.Is(err, &identity.Error{Code: identity.CodePINCheckDigit}) {
				t.Errorf("ParsePIN(%q) = %v; want %s", s, err, identity.CodePINCheckDigit)
			}
		}
	}
}

func TestPINMasked(t *testing.T) {
	t.Parallel()
	pin, _, err := identity.ParsePIN("3270287A012PB2")
	if err != nil {
		t.Fatal(err)
	}
	if got := pin.Masked(); got != "3270***PB2" {
		t.Errorf("Masked() = %q, want 3270***PB2", got)
	}
	if got := identity.PIN("").Masked(); got != "***" {
		t.Errorf("empty PIN Masked() = %q, want ***", got)
	}
}

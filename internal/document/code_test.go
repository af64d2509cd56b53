package document

import (
	"errors"
	"regexp"
	"testing"
)

var codeShape = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$`)

func TestNewVerificationCode(t *testing.T) {
	t.Parallel()
	seen := make(map[string]bool)
	for range 2000 {
		c := NewVerificationCode()
		if !codeShape.MatchString(c) {
			t.Fatalf("code %q is not XXXX-XXXX-XXXX in Crockford base32", c)
		}
		if n, err := NormalizeVerificationCode(c); err != nil || n != c {
			t.Fatalf("NormalizeVerificationCode(%q) = %q, %v; want it unchanged", c, n, err)
		}
		if seen[c] {
			t.Fatalf("code %q repeated within 2000 draws", c)
		}
		seen[c] = true
	}
}

func TestNewVerificationCodeUsesWholeAlphabet(t *testing.T) {
	t.Parallel()
	// With 60 random bits every symbol turns up in every position soon; a
	// bit-shifting mistake shows as a position stuck on a few symbols.
	counts := make([]map[byte]bool, 14)
	for i := range counts {
		counts[i] = make(map[byte]bool)
	}
	for range 3000 {
		c := NewVerificationCode()
		for i := range len(c) {
			counts[i][c[i]] = true
		}
	}
	for i, m := range counts {
		if i == 4 || i == 9 {
			continue // dashes
		}
		if len(m) != 32 {
			t.Errorf("position %d used %d of 32 symbols", i, len(m))
		}
	}
}

func TestNormalizeVerificationCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"canonical", "7K2M-Q9XD-4HBR", "7K2M-Q9XD-4HBR"},
		{"lower case", "7k2m-q9xd-4hbr", "7K2M-Q9XD-4HBR"},
		{"no dashes", "7K2MQ9XD4HBR", "7K2M-Q9XD-4HBR"},
		{"spaces", " 7K2M Q9XD 4HBR ", "7K2M-Q9XD-4HBR"},
		{"odd grouping", "7K-2MQ9-XD4H-BR", "7K2M-Q9XD-4HBR"},
		{"tab and newline", "7K2M\tQ9XD\n4HBR", "7K2M-Q9XD-4HBR"},
		{"O is zero", "O0oO-1111-2222", "0000-1111-2222"},
		{"I and L are one", "iIlL-0000-2222", "1111-0000-2222"},
		{"all letters", "abcd-efgh-jkmn", "ABCD-EFGH-JKMN"},
		{"last letters", "PQRS-TVWX-YZ00", "PQRS-TVWX-YZ00"},
		{"U is excluded", "U000-0000-0000", ""},
		{"punctuation", "7K2M.Q9XD.4HBR", ""},
		{"underscore", "7K2M_Q9XD_4HBR", ""},
		{"cyrillic look-alike", "7К2М-Q9XD-4HBR", ""},
		{"too short", "7K2M-Q9XD-4HB", ""},
		{"too long", "7K2M-Q9XD-4HBRR", ""},
		{"empty", "", ""},
		{"only dashes", "----", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := NormalizeVerificationCode(tt.in)
			if tt.want == "" {
				if !errors.Is(err, ErrInvalidCode) {
					t.Fatalf("NormalizeVerificationCode(%q) = %q, %v; want ErrInvalidCode", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NormalizeVerificationCode(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

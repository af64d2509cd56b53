package identity

import (
	"strings"
	"unicode"
)

// PIN is the personal identification number (идентификационный номер)
// printed in the identity document. The regulation (p. 3) makes the unique
// identifier identical to it, so it is the citizen's login. It is a
// distinct type so that it is only built by ParsePIN and never logged
// unmasked by accident.
//
// Deliberately there is no way here to read a birth date or sex out of the
// number: the structure is not guaranteed for every issued number, and the
// facts belong to the interior ministry's register, not to our guesswork.
type PIN string

// PINLen is fixed by the document format; inputs of any other length are
// rejected before anything else is looked at.
const PINLen = 14

func (p PIN) String() string { return string(p) }

// Masked keeps enough of the number to tell two citizens apart in a log or
// a support conversation without writing the whole personal number down.
func (p PIN) Masked() string {
	if len(p) != PINLen {
		return "***"
	}
	return string(p[:4]) + "***" + string(p[len(p)-3:])
}

// cyrillicLookalikes maps the Cyrillic capitals that look like Latin ones:
// people type the number from the document on a keyboard left in the
// Russian or Belarusian layout, and the two are indistinguishable on paper.
// Belarusian І is included because it sits where Latin I is expected on a
// Belarusian keyboard.
var cyrillicLookalikes = map[rune]rune{
	'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H',
	'О': 'O', 'Р': 'P', 'С': 'C', 'Т': 'T', 'Х': 'X', 'І': 'I',
}

// NormalizePIN forgives what a citizen cannot see: spaces, letter case and
// Cyrillic look-alike letters. It does not validate; ParsePIN does.
func NormalizePIN(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.IsSpace(r) {
			continue
		}
		if l, ok := cyrillicLookalikes[r]; ok {
			r = l
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ParsePIN accepts the number as typed and returns it in canonical form.
//
// The check digit is enforced only for numbers of the shape issued by the
// central generator (first digit 7, 8th character A, country code PB),
// where it is known to hold. For numbers of older shapes it is not known to
// hold for every number actually issued, and refusing a real citizen is
// worse than a second look, so there a mismatch is only a warning: the
// interior ministry's register, consulted during issue (p. 6), decides
// whether the number exists.
func ParsePIN(s string) (PIN, []Warning, error) {
	n := NormalizePIN(s)
	if !pinFormatOK(n) {
		return "", nil, invalid(FieldPIN, CodePINFormat, nil)
	}
	want := pinCheckDigit(n[:PINLen-1])
	if n[PINLen-1] == want {
		return PIN(n), nil, nil
	}
	params := map[string]any{"expected": string(want), "actual": string(n[PINLen-1])}
	if pinCentralShape(n) {
		return "", nil, invalid(FieldPIN, CodePINCheckDigit, params)
	}
	w := Warning{Code: CodePINCheckDigitWarning, Field: FieldPIN, Params: params}
	return PIN(n), []Warning{w}, nil
}

// pinFormatOK checks ^[0-9]{7}[A-Z][0-9]{3}[A-Z]{2}[0-9]$ without the
// regexp machinery, since it runs on every login.
func pinFormatOK(s string) bool {
	if len(s) != PINLen {
		return false
	}
	for i := 0; i < PINLen; i++ {
		c := s[i]
		letter := i == 7 || i == 11 || i == 12
		if letter && (c < 'A' || c > 'Z') {
			return false
		}
		if !letter && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func pinCentralShape(s string) bool {
	return s[0] == '7' && s[7] == 'A' && s[11:13] == "PB"
}

// pinCheckDigit expects 13 characters already known to match the format:
// weights 7, 3, 1 repeat from the left, digits count as themselves and
// letters A..Z as 10..35, and the check digit is the sum modulo 10.
func pinCheckDigit(first13 string) byte {
	weights := [3]int{7, 3, 1}
	sum := 0
	for i := 0; i < len(first13); i++ {
		c := first13[i]
		v := int(c - '0')
		if c >= 'A' && c <= 'Z' {
			v = int(c-'A') + 10
		}
		sum += v * weights[i%3]
	}
	return byte('0' + sum%10)
}

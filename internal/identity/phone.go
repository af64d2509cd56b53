package identity

import "strings"

// Phone is a Belarusian mobile number in E.164 form ("+375291234567"). The
// regulation (p. 6, p. 7) binds each unique identifier to one number of a
// Belarusian cellular operator and forbids sharing it between identifiers,
// so numbers must compare equal however they were typed: that is why only
// ParsePhone builds one.
type Phone string

// mobileOperatorCodes are the codes of Belarusian cellular operators (A1,
// MTS, life:). Landline and other codes cannot receive the SMS code that
// proves the citizen uses the number, so they are refused up front.
var mobileOperatorCodes = map[string]bool{"25": true, "29": true, "33": true, "44": true}

const (
	phoneCountry     = "+375"
	phoneNationalLen = 9 // operator code (2) + subscriber number (7)
)

func (p Phone) String() string { return string(p) }

// national returns the nine digits after +375, or "" for a Phone that did
// not come from ParsePhone.
func (p Phone) national() string {
	s := string(p)
	if len(s) != len(phoneCountry)+phoneNationalLen || !strings.HasPrefix(s, phoneCountry) {
		return ""
	}
	return s[len(phoneCountry):]
}

// Display is the form people read back over the counter and recognise.
func (p Phone) Display() string {
	n := p.national()
	if n == "" {
		return string(p)
	}
	return phoneCountry + " " + n[:2] + " " + n[2:5] + "-" + n[5:7] + "-" + n[7:]
}

// Masked leaves the operator and the last two digits, which is what a
// citizen needs to recognise "the code went to my number" and little more.
func (p Phone) Masked() string {
	n := p.national()
	if n == "" {
		return "***"
	}
	return phoneCountry + " " + n[:2] + " ***-**-" + n[7:]
}

// ParsePhone accepts the ways Belarusians write their number: international
// (+375 29 …, 375 29 …), domestic long-distance (8 029 …, 80 29 …), the
// operator code alone in brackets ((029) …) and the bare nine digits, with spaces, hyphens, dots and parentheses anywhere.
// A well-formed number of a non-mobile code gets its own error code, so the
// form can say "this is not a mobile number" rather than "bad format".
func ParsePhone(s string) (Phone, error) {
	formatErr := invalid(FieldPhone, CodePhoneFormat, nil)
	s = strings.TrimSpace(s)
	plus := strings.HasPrefix(s, "+")
	if plus {
		s = s[1:]
	}
	var digits strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == ' ' || r == '\u00a0' || r == '-' || r == '(' || r == ')' || r == '.':
		default:
			return "", formatErr
		}
	}
	d := digits.String()
	var n string
	switch {
	case strings.HasPrefix(d, "375") && len(d) == 3+phoneNationalLen:
		n = d[3:]
	case plus:
		return "", formatErr
	case strings.HasPrefix(d, "80") && len(d) == 2+phoneNationalLen:
		n = d[2:]
	case strings.HasPrefix(d, "0") && len(d) == 1+phoneNationalLen:
		n = d[1:]
	case len(d) == phoneNationalLen:
		n = d
	default:
		return "", formatErr
	}
	if code := n[:2]; !mobileOperatorCodes[code] {
		return "", invalid(FieldPhone, CodePhoneOperator, map[string]any{"code": code})
	}
	if n[2] == '0' {
		return "", formatErr
	}
	return Phone(phoneCountry + n), nil
}

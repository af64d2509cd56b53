package document

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// crockford is Crockford's base32 alphabet: it leaves out I, L, O and U, so
// a code read aloud or copied from paper has no look-alike symbols.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

const (
	codeSymbols = 12 // 60 bits: not guessable, still short enough to type
	codeGroup   = 4
)

// ErrInvalidCode is returned for input that cannot be a verification code,
// so the verification page can say "check the code" rather than "not found".
var ErrInvalidCode = errors.New("document: malformed verification code")

// NewVerificationCode returns a fresh random code such as "7K2M-Q9XD-4HBR".
// The code is printed on the document and is what lets a third party check
// it, so it comes from crypto/rand rather than from anything sequential.
func NewVerificationCode() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails; it crashes the program instead
	v := binary.BigEndian.Uint64(b[:]) >> (64 - 5*codeSymbols)
	var sym [codeSymbols]byte
	for i := codeSymbols - 1; i >= 0; i-- {
		sym[i] = crockford[v&31]
		v >>= 5
	}
	return format(sym[:])
}

// NormalizeVerificationCode turns what a person typed or scanned into the
// printed form, so that the register can be searched by exact match. It is
// forgiving the way Crockford's base32 intends: case, spaces and dashes do
// not matter, O reads as 0 and I or L as 1. Anything else is ErrInvalidCode.
func NormalizeVerificationCode(s string) (string, error) {
	sym := make([]byte, 0, codeSymbols)
	for _, r := range s {
		switch {
		case r == '-' || unicode.IsSpace(r):
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		switch r {
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		if r > unicode.MaxASCII || strings.IndexByte(crockford, byte(r)) < 0 {
			return "", fmt.Errorf("%w: unexpected symbol %q", ErrInvalidCode, r)
		}
		if len(sym) == codeSymbols {
			return "", fmt.Errorf("%w: longer than %d symbols", ErrInvalidCode, codeSymbols)
		}
		sym = append(sym, byte(r))
	}
	if len(sym) != codeSymbols {
		return "", fmt.Errorf("%w: %d symbols instead of %d", ErrInvalidCode, len(sym), codeSymbols)
	}
	return format(sym), nil
}

func format(sym []byte) string {
	var b strings.Builder
	for i, c := range sym {
		if i > 0 && i%codeGroup == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(c)
	}
	return b.String()
}

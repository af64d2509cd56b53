package identity

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"strings"
)

// SMSCodeLen digits is the usual length for a code typed from an SMS;
// with attempt limits it leaves an online guesser no real chance.
const SMSCodeLen = 6

// TemporaryPasswordLen characters from temporaryPasswordAlphabet give
// about 58 bits, while still fitting comfortably in an SMS (p. 8) and being
// typed once, on first login (p. 9).
const TemporaryPasswordLen = 10

// temporaryPasswordAlphabet leaves out 0/O/o, 1/l/I: the citizen copies
// the password from a phone screen, and a misread character means a
// second trip to the issuing service.
const temporaryPasswordAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"

// randUint32n returns a uniform value in [0, n) from crypto/rand. Values
// from the incomplete last block of 2^32 are drawn again, because taking
// them modulo n would favour small results.
func randUint32n(n uint32) uint32 {
	limit := (uint64(1) << 32) - (uint64(1)<<32)%uint64(n)
	var b [4]byte
	for {
		rand.Read(b[:]) // never fails since Go 1.24; it aborts the program instead
		if v := binary.BigEndian.Uint32(b[:]); uint64(v) < limit {
			return v % n
		}
	}
}

// NewSMSCode returns the code that proves the citizen uses the phone number
// (p. 6, p. 15). Leading zeros are kept: dropping them would make some
// codes shorter and the rest more likely.
func NewSMSCode() string {
	var b [SMSCodeLen]byte
	for i := range b {
		b[i] = byte('0' + randUint32n(10))
	}
	return string(b[:])
}

// NewTemporaryPassword returns the password generated at issue or unblock
// (p. 7, p. 13) and sent by SMS; the citizen must replace it on first login.
func NewTemporaryPassword() string {
	var b [TemporaryPasswordLen]byte
	n := uint32(len(temporaryPasswordAlphabet))
	for i := range b {
		b[i] = temporaryPasswordAlphabet[randUint32n(n)]
	}
	return string(b[:])
}

// ParseSMSCode forgives the spaces and hyphens people type or paste with a
// code, so that a correct code is never refused for its formatting.
func ParseSMSCode(s string) (string, error) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '\u00a0' || r == '-' || r == '\t':
		default:
			return "", invalid(FieldCode, CodeCodeFormat, map[string]any{"len": SMSCodeLen})
		}
	}
	if b.Len() != SMSCodeLen {
		return "", invalid(FieldCode, CodeCodeFormat, map[string]any{"len": SMSCodeLen})
	}
	return b.String(), nil
}

// HashCode lets one-time codes be stored like passwords: a leaked table of
// pending codes is useless without the key. A plain hash would not do, since a
// six-digit code is found by trying all million values; the keyed HMAC
// prevents that. Binding purpose (e.g. "phone.confirm") and subject (e.g.
// the phone number) into the MAC means a code sent for one action or one
// person can never be replayed for another. Each field is length-prefixed
// so no two different triples produce the same input.
//
// key must be a secret of at least 32 random bytes from configuration; an
// empty key is a deployment error and panics.
func HashCode(key []byte, purpose, subject, code string) string {
	if len(key) == 0 {
		panic("identity: HashCode called with an empty key")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("odnookno/identity/code/v1"))
	for _, f := range []string{purpose, subject, code} {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(f)))
		mac.Write(n[:])
		mac.Write([]byte(f))
	}
	return hex.EncodeToString(mac.Sum(nil))
}

// EqualCode compares stored and computed code hashes in constant time, so
// the timing of a wrong guess does not reveal how much of it matched.
func EqualCode(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

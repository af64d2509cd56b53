package identity

import (
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// The static password (p. 2, p. 9) follows NIST SP 800-63B §5.1.1.2: a
// length range, a blocklist and the context-specific values, and no
// composition rules, which push people to predictable patterns.
const (
	// MinPasswordLen is NIST's floor for a memorized secret chosen by
	// the subscriber.
	MinPasswordLen = 8
	// MaxPasswordLen is the least NIST allows a verifier to cap at: long
	// enough for passphrases, short enough that nobody feeds megabytes
	// into the hash function on every login attempt.
	MaxPasswordLen = 64
)

//go:embed data/common-passwords.txt
var commonPasswordsFile string

// commonPasswords is built on first use: the set costs a few megabytes and
// is needed only by processes that accept new passwords.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, strings.Count(commonPasswordsFile, "\n"))
	for line := range strings.Lines(commonPasswordsFile) {
		if w := strings.TrimRight(line, "\r\n"); w != "" {
			set[w] = struct{}{}
		}
	}
	return set
})

// IsCommonPassword tells whether pw is on the shipped blocklist. Matching
// ignores case because "Password1" is guessed as early as "password1".
func IsCommonPassword(pw string) bool {
	_, ok := commonPasswords()[strings.ToLower(pw)]
	return ok
}

// CheckPassword applies the static password policy. uid and phone are the
// values an attacker who targets this citizen knows first (the login and
// the number the SMS goes to), so a password equal to either is refused in
// any of the forms people write them; either may be empty when unknown.
// Length is counted in Unicode code points, as NIST asks, so Cyrillic
// letters count as one each.
func CheckPassword(pw string, uid PIN, phone Phone) error {
	if !utf8.ValidString(pw) {
		return invalid(FieldPassword, CodePasswordEncoding, nil)
	}
	limits := map[string]any{"min": MinPasswordLen, "max": MaxPasswordLen}
	switch n := utf8.RuneCountInString(pw); {
	case n < MinPasswordLen:
		return invalid(FieldPassword, CodePasswordTooShort, limits)
	case n > MaxPasswordLen:
		return invalid(FieldPassword, CodePasswordTooLong, limits)
	}
	if uid != "" && NormalizePIN(pw) == string(uid) {
		return invalid(FieldPassword, CodePasswordEqualsUID, nil)
	}
	if phone != "" {
		if p, err := ParsePhone(pw); err == nil && p == phone {
			return invalid(FieldPassword, CodePasswordEqualsPhone, nil)
		}
	}
	if IsCommonPassword(pw) {
		return invalid(FieldPassword, CodePasswordCommon, nil)
	}
	return nil
}

// HashParams are the Argon2id cost parameters. They are stored inside
// every hash, so they can be raised later without invalidating old hashes:
// VerifyPassword reports when a hash should be recomputed.
type HashParams struct {
	Memory      uint32 // KiB
	Iterations  uint32
	Parallelism uint8
	SaltLen     uint32 // bytes
	KeyLen      uint32 // bytes
}

// DefaultHashParams is RFC 9106 §4's second recommended option, meant for
// machines where memory is the constraint: t=3, p=4, m=64 MiB, a 128-bit
// salt and a 256-bit tag. Treat it as a constant.
var DefaultHashParams = HashParams{
	Memory:      64 * 1024,
	Iterations:  3,
	Parallelism: 4,
	SaltLen:     16,
	KeyLen:      32,
}

// TestHashParams keep tests fast; they are far too weak for real use.
var TestHashParams = HashParams{
	Memory:      64,
	Iterations:  1,
	Parallelism: 1,
	SaltLen:     16,
	KeyLen:      32,
}

// ErrHashFormat means a stored hash cannot be used at all. That is never
// the citizen's fault, so it is an internal error, not a validation one.
var ErrHashFormat = errors.New("identity: malformed password hash")

// Bounds on parameters read back from a stored hash: a hash string edited
// to ask for terabytes of memory must not take the server down.
const (
	maxHashMemory     = 1 << 20 // KiB, 1 GiB
	maxHashIterations = 64
	minSaltLen        = 8
	maxSaltLen        = 64
	minKeyLen         = 16
	maxKeyLen         = 128
)

func (p HashParams) validate() error {
	switch {
	case p.Iterations < 1 || p.Iterations > maxHashIterations:
		return fmt.Errorf("iterations %d out of range", p.Iterations)
	case p.Parallelism < 1:
		return errors.New("parallelism must be at least 1")
	case p.Memory < 8*uint32(p.Parallelism) || p.Memory > maxHashMemory:
		return fmt.Errorf("memory %d KiB out of range", p.Memory)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt length %d out of range", p.SaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("key length %d out of range", p.KeyLen)
	}
	return nil
}

// HashPassword produces a PHC string, the format other Argon2
// implementations read, so the hashes outlive this code.
func HashPassword(pw string, p HashParams) (string, error) {
	if err := p.validate(); err != nil {
		return "", fmt.Errorf("identity: hash password: %w", err)
	}
	salt := make([]byte, p.SaltLen)
	rand.Read(salt) // never fails since Go 1.24; it aborts the program instead
	key := argon2.IDKey([]byte(pw), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Iterations, p.Parallelism,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword compares in constant time so the response time tells an
// attacker nothing about how close a guess was. needsRehash is true when
// the password matched but the hash was made with parameters other than
// DefaultHashParams: the caller should then store a fresh hash while it
// still has the plain password.
func VerifyPassword(pw, encoded string) (ok, needsRehash bool, err error) {
	p, salt, want, err := decodeHash(encoded)
	if err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLen)
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false, nil
	}
	return true, p != DefaultHashParams, nil
}

func decodeHash(encoded string) (p HashParams, salt, key []byte, err error) {
	fail := func(what string) (HashParams, []byte, []byte, error) {
		return HashParams{}, nil, nil, fmt.Errorf("%w: %s", ErrHashFormat, what)
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" {
		return fail("not a PHC string")
	}
	if parts[1] != "argon2id" {
		return fail("algorithm is not argon2id")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return fail("unsupported version")
	}
	var m, t, par uint64
	fields := []struct {
		name string
		dst  *uint64
		bits int
	}{{"m", &m, 32}, {"t", &t, 32}, {"p", &par, 8}}
	kv := strings.Split(parts[3], ",")
	if len(kv) != len(fields) {
		return fail("parameters")
	}
	for i, f := range fields {
		v, ok := strings.CutPrefix(kv[i], f.name+"=")
		if !ok {
			return fail("parameters")
		}
		n, err := strconv.ParseUint(v, 10, f.bits)
		if err != nil {
			return fail("parameter " + f.name)
		}
		*f.dst = n
	}
	b64 := base64.RawStdEncoding.Strict()
	salt, err = b64.DecodeString(parts[4])
	if err != nil {
		return fail("salt encoding")
	}
	key, err = b64.DecodeString(parts[5])
	if err != nil {
		return fail("hash encoding")
	}
	p = HashParams{
		Memory:      uint32(m),
		Iterations:  uint32(t),
		Parallelism: uint8(par),
		SaltLen:     uint32(len(salt)),
		KeyLen:      uint32(len(key)),
	}
	if err := p.validate(); err != nil {
		return fail(err.Error())
	}
	return p, salt, key, nil
}

package identity_test

import (
	"errors"
	"strings"
	"testing"

	"odnookno/internal/identity"
)

func TestCheckPassword(t *testing.T) {
	t.Parallel()
	const uid = identity.PIN("3270287A012PB2")
	const phone = identity.Phone("+375291234567")
	tests := []struct {
		name string
		pw   string
		code string // "" when accepted
	}{
		// Length, in code points.
		{"empty", "", identity.CodePasswordTooShort},
		{"7 ASCII", "xk7#Qv2", identity.CodePasswordTooShort},
		{"7 Cyrillic runes, 13 bytes", "ёжик7ту", identity.CodePasswordTooShort},
		{"8 ASCII", "xk7#Qv2m", ""},
		{"8 Cyrillic runes", "ёжиквту7", ""},
		{"64 runes", strings.Repeat("ж", 63) + "7", ""},
		{"65 runes", strings.Repeat("ж", 64) + "7", identity.CodePasswordTooLong},
		{"invalid UTF-8", "xk7#Qv2m\xff", identity.CodePasswordEncoding},
		// No composition rules.
		{"lower-case passphrase", "кот василий любит рыбу", ""},
		{"only digits, not common", "90715338", ""},
		// Blocklist, case-insensitive; each part of the shipped list.
		{"common, zxcvbn", "password", identity.CodePasswordCommon},
		{"common, upper case", "PASSWORD1", identity.CodePasswordCommon},
		{"common, digits", "12345678", identity.CodePasswordCommon},
		{"common, keyboard walk", "qwertyuiop", identity.CodePasswordCommon},
		{"common, john list", "Jennifer", identity.CodePasswordCommon},
		{"common, Cyrillic walk", "ЙЦУКЕНГШЩЗ", identity.CodePasswordCommon},
		{"common, Belarusian walk", "йцукенгшўз", identity.CodePasswordCommon},
		{"common, Russian", "Пароль123", identity.CodePasswordCommon},
		{"common, Russian in Latin layout", "gfhjkm123", identity.CodePasswordCommon},
		{"common, transliterated", "belarus1", identity.CodePasswordCommon},
		// The login.
		{"uid", "3270287A012PB2", identity.CodePasswordEqualsUID},
		{"uid lower case", "3270287a012pb2", identity.CodePasswordEqualsUID},
		{"uid with Cyrillic letters", "3270287А012РВ2", identity.CodePasswordEqualsUID},
		{"uid spaced", "3270287 A 012 PB 2", identity.CodePasswordEqualsUID},
		{"other uid", "7010190A001PB7", ""},
		// The phone, in every form people write it.
		{"phone E.164", "+375291234567", identity.CodePasswordEqualsPhone},
		{"phone 375", "375291234567", identity.CodePasswordEqualsPhone},
		{"phone 80", "80291234567", identity.CodePasswordEqualsPhone},
		{"phone national", "291234567", identity.CodePasswordEqualsPhone},
		{"phone with 0", "0291234567", identity.CodePasswordEqualsPhone},
		{"phone display", "+375 29 123-45-67", identity.CodePasswordEqualsPhone},
		{"phone domestic display", "8 (029) 123 45 67", identity.CodePasswordEqualsPhone},
		{"other phone", "+375291234568", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := identity.CheckPassword(tt.pw, uid, phone)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("CheckPassword(%q) = %v; want nil", tt.pw, err)
				}
				return
			}
			var e *identity.Error
			if !errors.As(err, &e) || e.Code != tt.code || e.Field != identity.FieldPassword {
				t.Fatalf("CheckPassword(%q) = %v; want %s", tt.pw, err, tt.code)
			}
			if !errors.Is(err, identity.ErrInvalid) {
				t.Errorf("error %v is not ErrInvalid", err)
			}
		})
	}
}

func TestCheckPasswordLengthParams(t *testing.T) {
	t.Parallel()
	var e *identity.Error
	if err := identity.CheckPassword("short", "", ""); !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	if e.Params["min"] != identity.MinPasswordLen || e.Params["max"] != identity.MaxPasswordLen {
		t.Errorf("Params = %v; want min and max for the message", e.Params)
	}
}

// Without a uid or phone (e.g. before they are known) only the general
// rules apply.
func TestCheckPasswordWithoutContext(t *testing.T) {
	t.Parallel()
	for _, pw := range []string{"3270287A012PB2", "+375291234567"} {
		if err := identity.CheckPassword(pw, "", ""); err != nil {
			t.Errorf("CheckPassword(%q) without context = %v; want nil", pw, err)
		}
	}
}

func TestHashPasswordRoundTrip(t *testing.T) {
	t.Parallel()
	const pw = "кот василий любит рыбу"
	enc, err := identity.HashPassword(pw, identity.TestHashParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("encoded = %q; want a PHC argon2id string", enc)
	}
	ok, rehash, err := identity.VerifyPassword(pw, enc)
	if err != nil || !ok {
		t.Fatalf("VerifyPassword(right) = %v, %v, %v", ok, rehash, err)
	}
	if !rehash {
		t.Error("needsRehash = false for test params; want true (they differ from the defaults)")
	}

	for _, wrong := range []string{"", "кот василий любит рыбу ", "Кот василий любит рыбу", "password"} {
		ok, rehash, err := identity.VerifyPassword(wrong, enc)
		if err != nil || ok || rehash {
			t.Errorf("VerifyPassword(%q) = %v, %v, %v; want false, false, nil", wrong, ok, rehash, err)
		}
	}

	again, err := identity.HashPassword(pw, identity.TestHashParams)
	if err != nil {
		t.Fatal(err)
	}
	if again == enc {
		t.Error("two hashes of one password are equal; the salt is not random")
	}
}

func TestHashPasswordDefault(t *testing.T) {
	t.Parallel()
	const pw = "xk7#Qv2m"
	enc, err := identity.HashPassword(pw, identity.DefaultHashParams)
	if err != nil {
		t.Fatal(err)
	}
	// RFC 9106 §4, second option: 64 MiB, 3 passes, 4 lanes; a 16-byte
	// salt and a 32-byte tag take 22 and 43 unpadded base64 characters.
	parts := strings.Split(enc, "$")
	if len(parts) != 6 || parts[3] != "m=65536,t=3,p=4" || len(parts[4]) != 22 || len(parts[5]) != 43 {
		t.Fatalf("encoded = %q", enc)
	}
	ok, rehash, err := identity.VerifyPassword(pw, enc)
	if err != nil || !ok || rehash {
		t.Errorf("VerifyPassword = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
}

func TestVerifyPasswordNeedsRehash(t *testing.T) {
	t.Parallel()
	weaker := identity.DefaultHashParams
	weaker.Iterations = 1
	longerSalt := identity.TestHashParams
	longerSalt.SaltLen = 32
	tests := []struct {
		name string
		p    identity.HashParams
	}{
		{"fewer iterations", weaker},
		{"test params", identity.TestHashParams},
		{"other salt length", longerSalt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			enc, err := identity.HashPassword("xk7#Qv2m", tt.p)
			if err != nil {
				t.Fatal(err)
			}
			ok, rehash, err := identity.VerifyPassword("xk7#Qv2m", enc)
			if err != nil || !ok || !rehash {
				t.Errorf("VerifyPassword = %v, %v, %v; want true, true, nil", ok, rehash, err)
			}
		})
	}
}

func TestVerifyPasswordTampered(t *testing.T) {
	t.Parallel()
	const pw = "xk7#Qv2m"
	enc, err := identity.HashPassword(pw, identity.TestHashParams)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(enc, "$") // "", alg, version, params, salt, hash
	join := func(p ...string) string { return strings.Join(p, "$") }
	tests := []struct{ name, enc string }{
		{"empty", ""},
		{"not PHC", "argon2id:" + enc},
		{"argon2i", join("", "argon2i", parts[2], parts[3], parts[4], parts[5])},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"old version", join("", "argon2id", "v=16", parts[3], parts[4], parts[5])},
		{"no version", join("", "argon2id", parts[3], parts[4], parts[5])},
		{"params reordered", join("", "argon2id", parts[2], "t=1,m=64,p=1", parts[4], parts[5])},
		{"param not a number", join("", "argon2id", parts[2], "m=6x,t=1,p=1", parts[4], parts[5])},
		{"extra param", join("", "argon2id", parts[2], parts[3]+",k=1", parts[4], parts[5])},
		{"zero iterations", join("", "argon2id", parts[2], "m=64,t=0,p=1", parts[4], parts[5])},
		{"zero lanes", join("", "argon2id", parts[2], "m=64,t=1,p=0", parts[4], parts[5])},
		{"lanes over 255", join("", "argon2id", parts[2], "m=64,t=1,p=256", parts[4], parts[5])},
		{"huge memory", join("", "argon2id", parts[2], "m=4294967295,t=1,p=1", parts[4], parts[5])},
		{"huge iterations", join("", "argon2id", parts[2], "m=64,t=100000,p=1", parts[4], parts[5])},
		{"salt not base64", join("", "argon2id", parts[2], parts[3], "!!!!", parts[5])},
		{"salt padded", join("", "argon2id", parts[2], parts[3], parts[4]+"==", parts[5])},
		{"salt too short", join("", "argon2id", parts[2], parts[3], "AAAA", parts[5])},
		{"hash truncated", join("", "argon2id", parts[2], parts[3], parts[4], parts[5][:8])},
		{"trailing field", enc + "$"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, rehash, err := identity.VerifyPassword(pw, tt.enc)
			if !errors.Is(err, identity.ErrHashFormat) || ok || rehash {
				t.Errorf("VerifyPassword(%q) = %v, %v, %v; want ErrHashFormat", tt.enc, ok, rehash, err)
			}
		})
	}

	// Well-formed but altered salt or hash: no error, just no match.
	flip := func(s string) string {
		c := "A"
		if s[0] == 'A' {
			c = "B"
		}
		return c + s[1:]
	}
	for name, e := range map[string]string{
		"salt altered": join("", "argon2id", parts[2], parts[3], flip(parts[4]), parts[5]),
		"hash altered": join("", "argon2id", parts[2], parts[3], parts[4], flip(parts[5])),
		"cost altered": join("", "argon2id", parts[2], "m=128,t=1,p=1", parts[4], parts[5]),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ok, _, err := identity.VerifyPassword(pw, e)
			if err != nil || ok {
				t.Errorf("VerifyPassword(%q) = %v, %v; want false, nil", e, ok, err)
			}
		})
	}
}

func TestHashPasswordBadParams(t *testing.T) {
	t.Parallel()
	mod := func(f func(*identity.HashParams)) identity.HashParams {
		p := identity.TestHashParams
		f(&p)
		return p
	}
	for name, p := range map[string]identity.HashParams{
		"zero":             {},
		"no iterations":    mod(func(p *identity.HashParams) { p.Iterations = 0 }),
		"no lanes":         mod(func(p *identity.HashParams) { p.Parallelism = 0 }),
		"memory too small": mod(func(p *identity.HashParams) { p.Memory = 7 }),
		"short salt":       mod(func(p *identity.HashParams) { p.SaltLen = 4 }),
		"short key":        mod(func(p *identity.HashParams) { p.KeyLen = 8 }),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if enc, err := identity.HashPassword("xk7#Qv2m", p); err == nil {
				t.Errorf("HashPassword(%+v) = %q; want an error", p, enc)
			}
		})
	}
}

func BenchmarkHashPasswordDefault(b *testing.B) {
	for b.Loop() {
		if _, err := identity.HashPassword("xk7#Qv2m", identity.DefaultHashParams); err != nil {
			b.Fatal(err)
		}
	}
}

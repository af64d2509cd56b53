package signature

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"testing"
	"time"
)

var doc = []byte("Заява аб выдачы даведкі аб месцы жыхарства\n")

func TestSignVerify(t *testing.T) {
	t.Parallel()
	f := newFixture(t, t0.AddDate(-3, 0, 0))

	type setup struct {
		signer   Signer
		verifier *Verifier
		encode   func([]byte) []byte // how the signature reaches Verify
		signedAt time.Time
	}
	tests := []struct {
		name  string
		setup func(t *testing.T) setup
		want  Identity // the subject fields checked; the rest come from the certificate
	}{
		{
			name: "ECDSA certificate from Issue, DER",
			setup: func(t *testing.T) setup {
				s := f.issue(t, IssueRequest{Name: "Ivan Petrov", Organization: "Minsk City Executive Committee",
					Unit: "One Window", SerialNumber: "3140682A001PB3", NotBefore: t0.AddDate(0, -1, 0)},
					WithSigningClock(clock(t0)))
				return setup{signer: s, verifier: f.verifier(t, t0), signedAt: t0}
			},
			want: Identity{CommonName: "Ivan Petrov", Organization: "Minsk City Executive Committee",
				OrganizationalUnit: "One Window", SerialNumber: "3140682A001PB3", IssuerCommonName: DevCAName},
		},
		{
			name: "Cyrillic identity survives",
			setup: func(t *testing.T) setup {
				s := f.issue(t, IssueRequest{Name: "Іваноў Іван Іванавіч", Organization: "Мінскі гарвыканкам",
					Unit: "Служба «Адно акно»", SerialNumber: "3140682A001PB4", NotBefore: t0.AddDate(0, -1, 0)},
					WithSigningClock(clock(t0)))
				return setup{signer: s, verifier: f.verifier(t, t0), signedAt: t0}
			},
			want: Identity{CommonName: "Іваноў Іван Іванавіч", Organization: "Мінскі гарвыканкам",
				OrganizationalUnit: "Служба «Адно акно»", SerialNumber: "3140682A001PB4", IssuerCommonName: DevCAName},
		},
		{
			name: "RSA key",
			setup: func(t *testing.T) setup {
				key := rsaKey(t)
				c := leaf(t, "Rsa Signer", t0.AddDate(0, -1, 0), t0.AddDate(1, 0, 0), key.Public(), f.caCert, f.caKey)
				s := newSigner(t, key, []*x509.Certificate{c}, WithSigningClock(clock(t0)))
				return setup{signer: s, verifier: f.verifier(t, t0), signedAt: t0}
			},
			want: Identity{CommonName: "Rsa Signer", Organization: "Test", IssuerCommonName: DevCAName},
		},
		{
			name: "PEM CMS",
			setup: func(t *testing.T) setup {
				s := f.issue(t, IssueRequest{Name: "Pem Cms", NotBefore: t0.AddDate(0, -1, 0)}, WithSigningClock(clock(t0)))
				return setup{signer: s, verifier: f.verifier(t, t0), encode: toPEM("CMS"), signedAt: t0}
			},
			want: Identity{CommonName: "Pem Cms", IssuerCommonName: DevCAName},
		},
		{
			name: "PEM PKCS7 with surrounding whitespace",
			setup: func(t *testing.T) setup {
				s := f.issue(t, IssueRequest{Name: "Pem Pkcs7", NotBefore: t0.AddDate(0, -1, 0)}, WithSigningClock(clock(t0)))
				enc := func(der []byte) []byte { return append(append([]byte("\n\n"), toPEM("PKCS7")(der)...), "\r\n"...) }
				return setup{signer: s, verifier: f.verifier(t, t0), encode: enc, signedAt: t0}
			},
			want: Identity{CommonName: "Pem Pkcs7", IssuerCommonName: DevCAName},
		},
		{
			name: "intermediate carried in the signature",
			setup: func(t *testing.T) setup {
				rootKey, interKey, key := ecKey(t), ecKey(t), ecKey(t)
				root := ca(t, "Root", t0.AddDate(-5, 0, 0), t0.AddDate(5, 0, 0), rootKey, nil, nil)
				inter := ca(t, "Intermediate", t0.AddDate(-4, 0, 0), t0.AddDate(4, 0, 0), interKey, root, rootKey)
				c := leaf(t, "Chained", t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0), key.Public(), inter, interKey)
				s := newSigner(t, key, []*x509.Certificate{c, inter}, WithSigningClock(clock(t0)))
				v, err := NewVerifier([]*x509.Certificate{root}, nil, clock(t0))
				if err != nil {
					t.Fatal(err)
				}
				return setup{signer: s, verifier: v, signedAt: t0}
			},
			want: Identity{CommonName: "Chained", Organization: "Test", IssuerCommonName: "Intermediate"},
		},
		{
			name: "intermediate known only to the verifier",
			setup: func(t *testing.T) setup {
				rootKey, interKey, key := ecKey(t), ecKey(t), ecKey(t)
				root := ca(t, "Root", t0.AddDate(-5, 0, 0), t0.AddDate(5, 0, 0), rootKey, nil, nil)
				inter := ca(t, "Intermediate", t0.AddDate(-4, 0, 0), t0.AddDate(4, 0, 0), interKey, root, rootKey)
				c := leaf(t, "Chained", t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0), key.Public(), inter, interKey)
				s := newSigner(t, key, []*x509.Certificate{c}, WithSigningClock(clock(t0)))
				v, err := NewVerifier([]*x509.Certificate{root}, []*x509.Certificate{inter}, clock(t0))
				if err != nil {
					t.Fatal(err)
				}
				return setup{signer: s, verifier: v, signedAt: t0}
			},
			want: Identity{CommonName: "Chained", Organization: "Test", IssuerCommonName: "Intermediate"},
		},
		{
			// The rule: a signature made while the certificate was valid
			// stays valid after the certificate expires.
			name: "signed while valid, verified after expiry",
			setup: func(t *testing.T) setup {
				signedAt := t0.AddDate(-2, 0, 0)
				s := f.issue(t, IssueRequest{Name: "Long Expired", NotBefore: t0.AddDate(-2, -6, 0), ValidFor: 365 * 24 * time.Hour},
					WithSigningClock(clock(signedAt)))
				return setup{signer: s, verifier: f.verifier(t, t0), signedAt: signedAt}
			},
			want: Identity{CommonName: "Long Expired", IssuerCommonName: DevCAName},
		},
		{
			name: "signing clock slightly ahead, within skew",
			setup: func(t *testing.T) setup {
				s := f.issue(t, IssueRequest{Name: "Fast Clock", NotBefore: t0.AddDate(0, -1, 0)},
					WithSigningClock(clock(t0.Add(DefaultClockSkew-time.Second))))
				return setup{signer: s, verifier: f.verifier(t, t0), signedAt: t0.Add(DefaultClockSkew - time.Second)}
			},
			want: Identity{CommonName: "Fast Clock", IssuerCommonName: DevCAName},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			su := tt.setup(t)
			sig := sign(t, su.signer, doc)
			if su.encode != nil {
				sig = su.encode(sig)
			}
			got, err := su.verifier.Verify(doc, sig)
			checkErr(t, err, nil)

			c := su.signer.Certificate()
			fp := sha256.Sum256(c.Raw)
			want := tt.want
			want.CertificateSerial = fmt.Sprintf("%X", c.SerialNumber.Bytes())
			want.NotBefore, want.NotAfter = c.NotBefore, c.NotAfter
			want.Fingerprint = fmt.Sprintf("%X", fp)
			want.SigningTime = su.signedAt
			if !got.SigningTime.Equal(want.SigningTime) {
				t.Errorf("SigningTime = %v, want %v", got.SigningTime, want.SigningTime)
			}
			got.SigningTime = want.SigningTime
			if got != want {
				t.Errorf("identity\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	f := newFixture(t, t0.AddDate(-5, 0, 0))
	valid := IssueRequest{Name: "Valid Signer", NotBefore: t0.AddDate(0, -1, 0)}

	tests := []struct {
		name string
		// sig returns the signature and data to verify with f's verifier at t0.
		sig  func(t *testing.T) (data, sig []byte)
		want error
	}{
		{
			name: "tampered data",
			sig: func(t *testing.T) ([]byte, []byte) {
				s := f.issue(t, valid, WithSigningClock(clock(t0)))
				return append(bytes.Clone(doc), '!'), sign(t, s, doc)
			},
			want: ErrBadSignature,
		},
		{
			name: "tampered signature value",
			sig: func(t *testing.T) ([]byte, []byte) {
				s := f.issue(t, valid, WithSigningClock(clock(t0)))
				sig := sign(t, s, doc)
				sig[len(sig)-1] ^= 0x01 // the signature value is the last field
				return doc, sig
			},
			want: ErrBadSignature,
		},
		{
			name: "tampered signed attribute",
			sig: func(t *testing.T) ([]byte, []byte) {
				s := f.issue(t, valid, WithSigningClock(clock(t0)))
				sig := sign(t, s, doc)
				// Move the signing time by a minute: still well-formed,
				// no longer what was signed.
				old := []byte(t0.UTC().Format("060102150405Z"))
				i := bytes.Index(sig, old)
				if i < 0 {
					t.Fatal("signing time not found in signature")
				}
				copy(sig[i:], t0.Add(-time.Minute).UTC().Format("060102150405Z"))
				return doc, sig
			},
			want: ErrBadSignature,
		},
		{
			name: "certificate from another CA",
			sig: func(t *testing.T) ([]byte, []byte) {
				other := newFixture(t, t0.AddDate(-1, 0, 0))
				s := other.issue(t, valid, WithSigningClock(clock(t0)))
				return doc, sign(t, s, doc)
			},
			want: ErrUntrusted,
		},
		{
			name: "expired certificate from another CA reads as untrusted",
			sig: func(t *testing.T) ([]byte, []byte) {
				other := newFixture(t, t0.AddDate(-5, 0, 0))
				s := other.issue(t, IssueRequest{Name: "Stranger", NotBefore: t0.AddDate(-3, 0, 0), ValidFor: 24 * time.Hour},
					WithSigningClock(clock(t0)))
				return doc, sign(t, s, doc)
			},
			want: ErrUntrusted,
		},
		{
			name: "self-signed certificate",
			sig: func(t *testing.T) ([]byte, []byte) {
				key := ecKey(t)
				tmpl := &x509.Certificate{Subject: pkix.Name{CommonName: "Self"}, NotBefore: t0.AddDate(-1, 0, 0),
					NotAfter: t0.AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
				c := mustCert(t, tmpl, key.Public(), tmpl, key)
				return doc, sign(t, newSigner(t, key, []*x509.Certificate{c}, WithSigningClock(clock(t0))), doc)
			},
			want: ErrUntrusted,
		},
		{
			name: "expired at signing time",
			sig: func(t *testing.T) ([]byte, []byte) {
				s := f.issue(t, IssueRequest{Name: "Expired", NotBefore: t0.AddDate(-3, 0, 0), ValidFor: 2 * 365 * 24 * time.Hour},
					WithSigningClock(clock(t0)))
				return doc, sign(t, s, doc)
			},
			want: ErrExpired,
		},
		{
			name: "not yet valid at signing time",
			sig: func(t *testing.T) ([]byte, []byte) {
				s := f.issue(t, IssueRequest{Name: "Early", NotBefore: t0.AddDate(0, 0, 1)}, WithSigningClock(clock(t0)))
				return doc, sign(t, s, doc)
			},
			want: ErrExpired,
		},
		{
			name: "issuing CA expired at signing time",
			sig: func(t *testing.T) ([]byte, []byte) {
				interKey, key := ecKey(t), ecKey(t)
				inter := ca(t, "Short-lived CA", t0.AddDate(-2, 0, 0), t0.AddDate(0, 0, -1), interKey, f.caCert, f.caKey)
				c := leaf(t, "Outlives CA", t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0), key.Public(), inter, interKey)
				return doc, sign(t, newSigner(t, key, []*x509.Certificate{c, inter}, WithSigningClock(clock(t0))), doc)
			},
			want: ErrExpired,
		},
		{
			name: "signing time in the future",
			sig: func(t *testing.T) ([]byte, []byte) {
				s := f.issue(t, valid, WithSigningClock(clock(t0.Add(DefaultClockSkew+time.Minute))))
				return doc, sign(t, s, doc)
			},
			want: ErrExpired,
		},
		{
			name: "key usage forbids signing",
			sig: func(t *testing.T) ([]byte, []byte) {
				key := ecKey(t)
				c := mustCert(t, &x509.Certificate{
					NotBefore: t0.AddDate(-1, 0, 0), NotAfter: t0.AddDate(1, 0, 0),
					KeyUsage: x509.KeyUsageKeyAgreement,
				}, key.Public(), f.caCert, f.caKey)
				// NewSigner refuses this certificate, so assemble the
				// signer directly: the verifier must refuse it on its own.
				digest, alg, err := StandardSuite().Algorithms(key.Public())
				if err != nil {
					t.Fatal(err)
				}
				s := &signer{key: key, certs: []*x509.Certificate{c}, suite: StandardSuite(), digest: digest, sig: alg, now: clock(t0)}
				return doc, sign(t, s, doc)
			},
			want: ErrUntrusted,
		},
		{
			name: "garbage",
			sig:  func(t *testing.T) ([]byte, []byte) { return doc, []byte("not a signature") },
			want: ErrMalformed,
		},
		{
			name: "empty",
			sig:  func(t *testing.T) ([]byte, []byte) { return doc, nil },
			want: ErrMalformed,
		},
		{
			name: "PEM certificate instead of a signature",
			sig: func(t *testing.T) ([]byte, []byte) {
				return doc, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.caCert.Raw})
			},
			want: ErrMalformed,
		},
		{
			name: "truncated",
			sig: func(t *testing.T) ([]byte, []byte) {
				s := f.issue(t, valid, WithSigningClock(clock(t0)))
				sig := sign(t, s, doc)
				return doc, sig[:len(sig)/2]
			},
			want: ErrMalformed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data, sig := tt.sig(t)
			_, err := f.verifier(t, t0).Verify(data, sig)
			checkErr(t, err, tt.want)
		})
	}
}

func TestNewSignerRefuses(t *testing.T) {
	t.Parallel()
	f := newFixture(t, t0.AddDate(-1, 0, 0))
	key := ecKey(t)
	good := leaf(t, "Good", t0.AddDate(0, -1, 0), t0.AddDate(1, 0, 0), key.Public(), f.caCert, f.caKey)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384Cert := leaf(t, "P-384", t0.AddDate(0, -1, 0), t0.AddDate(1, 0, 0), p384.Public(), f.caCert, f.caKey)

	tests := []struct {
		name  string
		key   crypto.Signer
		certs []*x509.Certificate
	}{
		{"no certificate", key, nil},
		{"key does not match certificate", ecKey(t), []*x509.Certificate{good}},
		{"CA certificate cannot sign documents", f.caKey, []*x509.Certificate{f.caCert}},
		{"unsupported curve", p384, []*x509.Certificate{p384Cert}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if s, err := NewSigner(tt.key, tt.certs); err == nil {
				t.Fatalf("NewSigner = %v, want error", s)
			}
		})
	}
}

func TestLoadSignerPEM(t *testing.T) {
	t.Parallel()
	f := newFixture(t, t0.AddDate(-1, 0, 0))
	ec := ecKey(t).(*ecdsa.PrivateKey)
	c := leaf(t, "Loaded", t0.AddDate(0, -1, 0), t0.AddDate(1, 0, 0), ec.Public(), f.caCert, f.caKey)
	sec1, err := x509.MarshalECPrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.caCert.Raw})
	tests := []struct {
		name    string
		cert    []byte
		key     []byte
		wantErr bool
	}{
		{"PKCS#8", certPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), false},
		{"SEC 1 after EC PARAMETERS, as openssl ecparam writes it",
			certPEM, append(pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{6, 8, 42, 134, 72, 206, 61, 3, 1, 7}}),
				pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})...), false},
		{"signer certificate after its chain", append(bytes.Clone(caPEM), certPEM...),
			pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), false},
		{"encrypted key", certPEM, pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}}), true},
		{"no matching certificate", caPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), true},
		{"no key", certPEM, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := LoadSignerPEM(tt.cert, tt.key, WithSigningClock(clock(t0)))
			if tt.wantErr {
				if err == nil {
					t.Fatal("want error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !s.Certificate().Equal(c) {
				t.Fatalf("Certificate() = %q, want the key's certificate", s.Certificate().Subject.CommonName)
			}
			_, err = f.verifier(t, t0).Verify(doc, sign(t, s, doc))
			checkErr(t, err, nil)
		})
	}
}

func TestNewVerifierAndLoadPool(t *testing.T) {
	t.Parallel()
	f := newFixture(t, t0)
	if _, err := NewVerifier(nil, nil, clock(t0)); err == nil {
		t.Error("NewVerifier without roots: want error")
	}
	if _, err := NewVerifier([]*x509.Certificate{f.caCert}, nil, nil); err == nil {
		t.Error("NewVerifier without clock: want error")
	}

	roots, err := LoadPool(f.caPath())
	if err != nil {
		t.Fatal(err)
	}
	if len(roots) != 1 || !roots[0].Equal(f.caCert) {
		t.Fatalf("LoadPool = %d certificates, want the CA", len(roots))
	}
	for _, p := range []string{filepath.Join(f.dir, "missing.crt"), filepath.Join(f.dir, caKeyFile)} {
		if _, err := LoadPool(p); err == nil {
			t.Errorf("LoadPool(%s): want error", filepath.Base(p))
		}
	}
}

// The signature must really be detached and carry what verifiers rely on.
func TestSignatureShape(t *testing.T) {
	t.Parallel()
	f := newFixture(t, t0.AddDate(-1, 0, 0))
	s := f.issue(t, IssueRequest{Name: "Shape", NotBefore: t0.AddDate(0, -1, 0)}, WithSigningClock(clock(t0)))
	sig := sign(t, s, doc)
	if bytes.Contains(sig, doc) {
		t.Error("signature embeds the document")
	}
	ps, err := parseSignature(sig)
	if err != nil {
		t.Fatal(err)
	}
	if !ps.digest.Algorithm.Equal(oidSHA256) {
		t.Errorf("digest algorithm %s, want SHA-256", ps.digest.Algorithm)
	}
	if !ps.signingTime.Equal(t0) {
		t.Errorf("signingTime %v, want %v", ps.signingTime, t0)
	}
	if len(ps.certs) != 1 || !ps.cert.Equal(s.Certificate()) {
		t.Errorf("certificates: %d, signer included: %v", len(ps.certs), ps.cert.Equal(s.Certificate()))
	}
}

func TestLoadSignerMissingFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := LoadSigner(filepath.Join(dir, "none.crt"), filepath.Join(dir, "none.key"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("LoadSigner(missing) = %v, want fs.ErrNotExist", err)
	}
}

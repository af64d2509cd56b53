package signature

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// t0 is "now" for tests that do not involve openssl, which checks against
// the real clock.
var t0 = time.Date(2026, time.March, 2, 10, 30, 0, 0, time.UTC)

func clock(at time.Time) func() time.Time { return func() time.Time { return at } }

// fixture is a development CA in its own temporary directory.
type fixture struct {
	dir    string
	caCert *x509.Certificate
	caKey  crypto.Signer
}

func newFixture(t *testing.T, now time.Time) *fixture {
	t.Helper()
	dir := t.TempDir()
	if err := DevCA(dir, now); err != nil {
		t.Fatalf("DevCA: %v", err)
	}
	cert, key, err := loadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{dir: dir, caCert: cert, caKey: key}
}

func (f *fixture) caPath() string { return filepath.Join(f.dir, caCertFile) }

// issue runs Issue and loads the result the way production code would.
func (f *fixture) issue(t *testing.T, req IssueRequest, opts ...Option) Signer {
	t.Helper()
	if req.FileBase == "" {
		req.FileBase = t.Name() // parallel subtests share the CA directory
	}
	certPath, keyPath, err := Issue(f.dir, req)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	s, err := LoadSigner(certPath, keyPath, opts...)
	if err != nil {
		t.Fatalf("LoadSigner: %v", err)
	}
	return s
}

func (f *fixture) verifier(t *testing.T, now time.Time, intermediates ...*x509.Certificate) *Verifier {
	t.Helper()
	v, err := NewVerifier([]*x509.Certificate{f.caCert}, intermediates, clock(now))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// leaf makes a signing certificate like Issue's, but for any key and issuer,
// so tests can reach shapes Issue deliberately does not produce.
func leaf(t *testing.T, cn string, notBefore, notAfter time.Time, pub crypto.PublicKey, parent *x509.Certificate, parentKey crypto.Signer) *x509.Certificate {
	t.Helper()
	return mustCert(t, &x509.Certificate{
		Subject:     pkix.Name{CommonName: cn, Organization: []string{"Test"}},
		NotBefore:   notBefore,
		NotAfter:    notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
	}, pub, parent, parentKey)
}

// ca makes a CA certificate; with a nil parent it is self-signed.
func ca(t *testing.T, cn string, notBefore, notAfter time.Time, key crypto.Signer, parent *x509.Certificate, parentKey crypto.Signer) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	return mustCert(t, tmpl, key.Public(), parent, parentKey)
}

func mustCert(t *testing.T, tmpl *x509.Certificate, pub crypto.PublicKey, parent *x509.Certificate, parentKey crypto.Signer) *x509.Certificate {
	t.Helper()
	serial, err := randomSerial()
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = serial
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		t.Fatalf("create certificate %q: %v", tmpl.Subject.CommonName, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ecKey(t *testing.T) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func rsaKey(t *testing.T) crypto.Signer {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newSigner(t *testing.T, key crypto.Signer, certs []*x509.Certificate, opts ...Option) Signer {
	t.Helper()
	s, err := NewSigner(key, certs, opts...)
	if err != nil {
		t.Fatalf("NewSigner: %v", err)
	}
	return s
}

func sign(t *testing.T, s Signer, data []byte) []byte {
	t.Helper()
	sig, err := s.Sign(data)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return sig
}

// writeCerts and writeKey put material where openssl can read it.
func writeCerts(t *testing.T, path string, certs ...*x509.Certificate) string {
	t.Helper()
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeKey(t *testing.T, path string, key crypto.Signer) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func toPEM(typ string) func([]byte) []byte {
	return func(der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }
}

var sentinels = []error{ErrBadSignature, ErrUntrusted, ErrExpired, ErrMalformed}

// checkErr insists on exactly the wanted sentinel, so a check that fires the
// wrong error (say, expired instead of untrusted) fails the test.
func checkErr(t *testing.T, err, want error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("got no error, want %v", want)
	}
	for _, s := range sentinels {
		if got := errors.Is(err, s); got != (s == want) {
			t.Fatalf("errors.Is(%q, %v) = %v", err, s, got)
		}
	}
}

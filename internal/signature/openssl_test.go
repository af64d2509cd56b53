package signature

import (
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// These tests hold us to the promise that citizens and other agencies can
// check our signatures with stock OpenSSL, and that we accept theirs. They
// run against the real clock because openssl does.

// opensslBin finds openssl. Missing it is fine on a laptop but not in CI,
// where a skipped interop test would hide a broken promise.
func opensslBin(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("openssl is required in CI: %v", err)
		}
		t.Skipf("openssl not on PATH: %v", err)
	}
	return p
}

func openssl(t *testing.T, bin string, args ...string) ([]byte, error) {
	t.Helper()
	return exec.CommandContext(t.Context(), bin, args...).CombinedOutput()
}

// interopSigner is a certificate and key on disk plus what Go makes of them.
type interopSigner struct {
	certPath, keyPath string
	chainPath         string // extra certificates for openssl -certfile, if any
	roots             []*x509.Certificate
	caPath            string // what openssl trusts (-CAfile)
	want              Identity
}

func interopSigners(t *testing.T) map[string]func(t *testing.T) interopSigner {
	now := time.Now()
	return map[string]func(t *testing.T) interopSigner{
		"ECDSA from Issue": func(t *testing.T) interopSigner {
			f := newFixture(t, now)
			cert, key, err := Issue(f.dir, IssueRequest{Name: "Іваноў Іван", Organization: "Мінскі гарвыканкам",
				Unit: "Адно акно", SerialNumber: "3140682A001PB3", Email: "ivanou@example.by"})
			if err != nil {
				t.Fatal(err)
			}
			return interopSigner{certPath: cert, keyPath: key, roots: []*x509.Certificate{f.caCert}, caPath: f.caPath(),
				want: Identity{CommonName: "Іваноў Іван", Organization: "Мінскі гарвыканкам", OrganizationalUnit: "Адно акно",
					SerialNumber: "3140682A001PB3", IssuerCommonName: DevCAName}}
		},
		"RSA": func(t *testing.T) interopSigner {
			f := newFixture(t, now)
			key := rsaKey(t)
			c := leaf(t, "Rsa Signer", now.Add(-time.Hour), now.AddDate(1, 0, 0), key.Public(), f.caCert, f.caKey)
			dir := t.TempDir()
			return interopSigner{certPath: writeCerts(t, filepath.Join(dir, "rsa.crt"), c), keyPath: writeKey(t, filepath.Join(dir, "rsa.key"), key),
				roots: []*x509.Certificate{f.caCert}, caPath: f.caPath(),
				want: Identity{CommonName: "Rsa Signer", Organization: "Test", IssuerCommonName: DevCAName}}
		},
		"ECDSA under an intermediate": func(t *testing.T) interopSigner {
			rootKey, interKey, key := ecKey(t), ecKey(t), ecKey(t)
			root := ca(t, "Interop Root", now.AddDate(-1, 0, 0), now.AddDate(5, 0, 0), rootKey, nil, nil)
			inter := ca(t, "Interop Intermediate", now.AddDate(-1, 0, 0), now.AddDate(4, 0, 0), interKey, root, rootKey)
			c := leaf(t, "Chained Signer", now.Add(-time.Hour), now.AddDate(1, 0, 0), key.Public(), inter, interKey)
			dir := t.TempDir()
			return interopSigner{
				certPath:  writeCerts(t, filepath.Join(dir, "leaf.crt"), c, inter),
				keyPath:   writeKey(t, filepath.Join(dir, "leaf.key"), key),
				chainPath: writeCerts(t, filepath.Join(dir, "chain.crt"), inter),
				roots:     []*x509.Certificate{root},
				caPath:    writeCerts(t, filepath.Join(dir, "root.crt"), root),
				want:      Identity{CommonName: "Chained Signer", Organization: "Test", IssuerCommonName: "Interop Intermediate"},
			}
		},
	}
}

func checkIdentity(t *testing.T, got, want Identity) {
	t.Helper()
	if got.CommonName != want.CommonName || got.Organization != want.Organization ||
		got.OrganizationalUnit != want.OrganizationalUnit || got.SerialNumber != want.SerialNumber ||
		got.IssuerCommonName != want.IssuerCommonName {
		t.Errorf("identity\n got %+v\nwant %+v", got, want)
	}
	if d := time.Since(got.SigningTime); d < -time.Minute || d > time.Minute {
		t.Errorf("SigningTime %v is not about now", got.SigningTime)
	}
}

func TestOpenSSLSignsGoVerifies(t *testing.T) {
	t.Parallel()
	bin := opensslBin(t)
	for name, mk := range interopSigners(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			is := mk(t)
			dir := t.TempDir()
			data := filepath.Join(dir, "data.txt")
			if err := os.WriteFile(data, doc, 0o644); err != nil {
				t.Fatal(err)
			}
			v, err := NewVerifier(is.roots, nil, time.Now)
			if err != nil {
				t.Fatal(err)
			}
			signWith := func(t *testing.T, extra ...string) []byte {
				t.Helper()
				out := filepath.Join(t.TempDir(), "sig")
				args := []string{"cms", "-sign", "-binary", "-in", data, "-signer", is.certPath, "-inkey", is.keyPath, "-out", out}
				if is.chainPath != "" {
					args = append(args, "-certfile", is.chainPath)
				}
				if b, err := openssl(t, bin, append(args, extra...)...); err != nil {
					t.Fatalf("openssl cms -sign: %v\n%s", err, b)
				}
				sig, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				return sig
			}

			tests := []struct {
				name  string
				extra []string
				data  []byte
				want  error
			}{
				{name: "DER", extra: []string{"-outform", "DER"}, data: doc},
				{name: "PEM", extra: []string{"-outform", "PEM"}, data: doc},
				{name: "tampered data", extra: []string{"-outform", "DER"}, data: append([]byte("X"), doc...), want: ErrBadSignature},
				{name: "certificates left out", extra: []string{"-outform", "DER", "-nocerts"}, data: doc, want: ErrMalformed},
				{name: "no signed attributes", extra: []string{"-outform", "DER", "-noattr"}, data: doc, want: ErrMalformed},
				{name: "SHA-1", extra: []string{"-outform", "DER", "-md", "sha1"}, data: doc, want: ErrMalformed},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					got, err := v.Verify(tt.data, signWith(t, tt.extra...))
					checkErr(t, err, tt.want)
					if tt.want == nil {
						checkIdentity(t, got, is.want)
					}
				})
			}
		})
	}
}

func TestGoSignsOpenSSLVerifies(t *testing.T) {
	t.Parallel()
	bin := opensslBin(t)
	for name, mk := range interopSigners(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			is := mk(t)
			s, err := LoadSigner(is.certPath, is.keyPath)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			sigPath := filepath.Join(dir, "sig.der")
			if err := os.WriteFile(sigPath, sign(t, s, doc), 0o644); err != nil {
				t.Fatal(err)
			}
			good := filepath.Join(dir, "data.txt")
			bad := filepath.Join(dir, "tampered.txt")
			if err := os.WriteFile(good, doc, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(bad, append([]byte("X"), doc...), 0o644); err != nil {
				t.Fatal(err)
			}
			// No -purpose any: the certificates must satisfy openssl's
			// default S/MIME signing checks as they are.
			verify := func(content string) ([]byte, error) {
				return openssl(t, bin, "cms", "-verify", "-binary", "-inform", "DER", "-in", sigPath,
					"-content", content, "-CAfile", is.caPath, "-out", os.DevNull)
			}
			if out, err := verify(good); err != nil {
				t.Errorf("openssl cms -verify rejected our signature: %v\n%s", err, out)
			}
			if out, err := verify(bad); err == nil {
				t.Errorf("openssl cms -verify accepted tampered content:\n%s", out)
			}

			// The signer certificate openssl reports is the one we loaded.
			certOut := filepath.Join(dir, "signer.pem")
			if out, err := openssl(t, bin, "cms", "-verify", "-binary", "-inform", "DER", "-in", sigPath,
				"-content", good, "-CAfile", is.caPath, "-out", os.DevNull, "-signer", certOut); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			got, err := LoadPool(certOut)
			if err != nil {
				t.Fatal(err)
			}
			if !got[0].Equal(s.Certificate()) {
				t.Errorf("openssl reports signer %q", got[0].Subject.CommonName)
			}
		})
	}
}

// A key openssl generated in its own formats must load and sign.
func TestOpenSSLKeyLoads(t *testing.T) {
	t.Parallel()
	bin := opensslBin(t)
	f := newFixture(t, time.Now())
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "ec.key")
	if out, err := openssl(t, bin, "ecparam", "-name", "prime256v1", "-genkey", "-out", keyPath); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	key, err := parsePrivateKey(keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	c := leaf(t, "Openssl Key", time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0), key.Public(), f.caCert, f.caKey)
	s, err := LoadSigner(writeCerts(t, filepath.Join(dir, "ec.crt"), c), keyPath)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier([]*x509.Certificate{f.caCert}, nil, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(doc, sign(t, s, doc))
	checkErr(t, err, nil)
}

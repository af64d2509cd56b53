package signature

import (
	"bytes"
	"crypto/x509"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDevCA(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "pki")
	if err := DevCA(dir, t0); err != nil {
		t.Fatal(err)
	}
	keyPath, certPath := filepath.Join(dir, caKeyFile), filepath.Join(dir, caCertFile)
	st, err := os.Stat(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if perm := st.Mode().Perm(); perm != 0o600 {
		t.Errorf("ca.key mode %o, want 600", perm)
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(keyPEM, []byte("-----BEGIN PRIVATE KEY-----")) {
		t.Errorf("ca.key is not PKCS#8 PEM: %.40q", keyPEM)
	}
	cert, _, err := loadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != DevCAName || !cert.IsCA {
		t.Errorf("CA subject %q, IsCA %v", cert.Subject.CommonName, cert.IsCA)
	}
	if err := cert.CheckSignatureFrom(cert); err != nil {
		t.Errorf("not self-signed: %v", err)
	}
	if want := cert.NotBefore.AddDate(10, 0, 0); !cert.NotAfter.Equal(want) {
		t.Errorf("NotAfter %v, want ten years after %v", cert.NotAfter, cert.NotBefore)
	}
	if cert.NotBefore.After(t0) {
		t.Errorf("NotBefore %v is after creation time %v", cert.NotBefore, t0)
	}

	certBefore, _ := os.ReadFile(certPath)
	err = DevCA(dir, t0.Add(time.Hour))
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second DevCA = %v, want fs.ErrExist", err)
	}
	keyAfter, _ := os.ReadFile(keyPath)
	certAfter, _ := os.ReadFile(certPath)
	if !bytes.Equal(keyPEM, keyAfter) || !bytes.Equal(certBefore, certAfter) {
		t.Error("second DevCA changed the existing CA")
	}

	// Even half a CA (say, a lost certificate) must not be replaced silently.
	half := t.TempDir()
	if err := os.WriteFile(filepath.Join(half, caKeyFile), []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := DevCA(half, t0); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("DevCA over an existing key = %v, want fs.ErrExist", err)
	}
}

func TestIssue(t *testing.T) {
	t.Parallel()
	f := newFixture(t, t0.AddDate(-1, 0, 0))
	certPath, keyPath, err := Issue(f.dir, IssueRequest{
		Name:         "Іваноў Іван Іванавіч",
		Organization: "Мінскі гарвыканкам",
		Unit:         "Служба «Адно акно»",
		SerialNumber: "3140682A001PB3",
		Email:        "ivanou@example.by",
		NotBefore:    t0,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := filepath.Base(certPath), "ivanou-ivan-ivanavich.crt"; got != want {
		t.Errorf("cert file %q, want %q", got, want)
	}
	if filepath.Dir(certPath) != f.dir || filepath.Dir(keyPath) != f.dir {
		t.Errorf("files outside the CA directory: %s, %s", certPath, keyPath)
	}
	if st, err := os.Stat(keyPath); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, %v", st, err)
	}
	certs, err := LoadPool(certPath)
	if err != nil {
		t.Fatal(err)
	}
	c := certs[0]
	if err := c.CheckSignatureFrom(f.caCert); err != nil {
		t.Errorf("not issued by the CA: %v", err)
	}
	if c.Subject.CommonName != "Іваноў Іван Іванавіч" || c.Subject.SerialNumber != "3140682A001PB3" ||
		!slices.Equal(c.Subject.Organization, []string{"Мінскі гарвыканкам"}) ||
		!slices.Equal(c.Subject.OrganizationalUnit, []string{"Служба «Адно акно»"}) ||
		!slices.Equal(c.EmailAddresses, []string{"ivanou@example.by"}) {
		t.Errorf("subject %v, email %v", c.Subject, c.EmailAddresses)
	}
	// UTF8String (tag 12) is the only string type that holds Cyrillic.
	for _, s := range []string{"Іваноў Іван Іванавіч", "Мінскі гарвыканкам"} {
		enc := append([]byte{12, byte(len(s))}, s...)
		if !bytes.Contains(c.RawSubject, enc) {
			t.Errorf("%q is not a UTF8String in the subject", s)
		}
	}
	if want := x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment; c.KeyUsage != want {
		t.Errorf("key usage %b, want %b", c.KeyUsage, want)
	}
	if !slices.Equal(c.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}) || c.IsCA {
		t.Errorf("ext key usage %v, IsCA %v", c.ExtKeyUsage, c.IsCA)
	}
	if !c.NotBefore.Equal(t0) || !c.NotAfter.Equal(t0.AddDate(2, 0, 0)) {
		t.Errorf("validity %v – %v, want two years from %v", c.NotBefore, c.NotAfter, t0)
	}

	if _, _, err := Issue(f.dir, IssueRequest{Name: "Іваноў Іван Іванавіч", NotBefore: t0}); !errors.Is(err, fs.ErrExist) {
		t.Errorf("issuing over existing files = %v, want fs.ErrExist", err)
	}
}

func TestIssueRefuses(t *testing.T) {
	t.Parallel()
	f := newFixture(t, t0)
	tests := []struct {
		name string
		req  IssueRequest
	}{
		{"no name", IssueRequest{Name: "  "}},
		{"negative validity", IssueRequest{Name: "X", ValidFor: -time.Hour}},
		{"file base collides with the CA", IssueRequest{Name: "X", FileBase: "CA"}},
		{"starts after the CA expires", IssueRequest{Name: "X", NotBefore: t0.AddDate(11, 0, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, _, err := Issue(f.dir, tt.req); err == nil {
				t.Fatal("want error")
			}
		})
	}
	if _, _, err := Issue(t.TempDir(), IssueRequest{Name: "No CA"}); err == nil {
		t.Error("Issue without a CA: want error")
	}
}

func TestIssueNeverOutlivesCA(t *testing.T) {
	t.Parallel()
	f := newFixture(t, t0.AddDate(-10, 0, 0).Add(DefaultClockSkew).Add(24*time.Hour))
	certPath, _, err := Issue(f.dir, IssueRequest{Name: "Late", NotBefore: t0})
	if err != nil {
		t.Fatal(err)
	}
	certs, err := LoadPool(certPath)
	if err != nil {
		t.Fatal(err)
	}
	if !certs[0].NotAfter.Equal(f.caCert.NotAfter) {
		t.Errorf("NotAfter %v, want the CA's %v", certs[0].NotAfter, f.caCert.NotAfter)
	}
}

func TestFileBase(t *testing.T) {
	t.Parallel()
	safe := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	tests := []struct {
		in   string
		want string // empty: only check that the result is safe
	}{
		{"Іваноў Іван Іванавіч", "ivanou-ivan-ivanavich"},
		{"Петров Пётр Щукин", "petrov-pyotr-shchukin"},
		{"Ivan Petrov", "ivan-petrov"},
		{"Д'ябла Ўладзімір", "dyabla-uladzimir"},
		{"../../etc/passwd", "etc-passwd"},
		{".hidden", "hidden"},
		{"a/b\\c:d*e?f\"g<h>i|j\x00k", "a-b-c-d-e-f-g-h-i-j-k"},
		{"   ", ""},
		{"李小龙", ""},
		{"Jürgen Müller", ""},
		{strings.Repeat("Ђорђе ", 40), ""},
		{strings.Repeat("Аляксандр ", 20), ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got := fileBase(tt.in)
			if !safe.MatchString(got) || len(got) > maxFileBase {
				t.Fatalf("fileBase(%q) = %q, not a safe file name", tt.in, got)
			}
			if tt.want != "" && got != tt.want {
				t.Errorf("fileBase(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	// Names that differ only in letters we cannot spell must not share files.
	if a, b := fileBase("李小龙"), fileBase("李小明"); a == b {
		t.Errorf("fileBase collides: %q", a)
	}
	if a, b := fileBase("Jürgen"), fileBase("Jörgen"); a == b {
		t.Errorf("fileBase collides: %q", a)
	}
}

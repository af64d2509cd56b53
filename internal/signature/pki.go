package signature

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
)

// The development PKI exists so the demo, tests and staff laptops can sign
// and verify end to end without a real CA. It is not for production: keys are
// unencrypted files and the CA never revokes anything.

const (
	caKeyFile  = "ca.key"
	caCertFile = "ca.crt"
	// DevCAName is the development CA's common name, recognisable in any
	// certificate viewer so nobody mistakes it for a real CA.
	DevCAName = "Odnookno Development CA"
	// backdate tolerates clocks that lag the issuing machine's, matching the
	// verifier's default skew.
	backdate = DefaultClockSkew
)

// DevCA creates a self-signed development CA (ECDSA P-256, ten years) in dir
// as ca.key (PKCS#8, mode 0600) and ca.crt. It refuses to overwrite an
// existing CA, since that would orphan every certificate it issued.
func DevCA(dir string, now time.Time) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("signature: dev CA: %w", err)
	}
	keyPath, certPath := filepath.Join(dir, caKeyFile), filepath.Join(dir, caCertFile)
	if err := refuseExisting(keyPath, certPath); err != nil {
		return fmt.Errorf("signature: dev CA: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("signature: dev CA: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return fmt.Errorf("signature: dev CA: %w", err)
	}
	notBefore := now.Add(-backdate)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: DevCAName, Organization: []string{"Odnookno"}, Country: []string{"BY"}},
		NotBefore:             notBefore,
		NotAfter:              notBefore.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		// The development CA signs end-entity certificates only.
		MaxPathLenZero: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return fmt.Errorf("signature: dev CA: %w", err)
	}
	if err := writeKeyPair(keyPath, certPath, key, der); err != nil {
		return fmt.Errorf("signature: dev CA: %w", err)
	}
	return nil
}

// IssueRequest describes a development certificate for a citizen or staff
// member.
type IssueRequest struct {
	Name         string // subject CN, e.g. "Іваноў Іван Іванавіч"; required
	Organization string // subject O
	Unit         string // subject OU
	// SerialNumber is the subject serialNumber attribute: the personal
	// identification number of a citizen or a staff id. Optional.
	SerialNumber string
	Email        string
	// ValidFor defaults to two years. The certificate never outlives the CA.
	ValidFor time.Duration
	// NotBefore defaults to a few minutes before now; tests set it in the
	// past to make certificates that have already expired.
	NotBefore time.Time
	// FileBase names the files <FileBase>.crt and <FileBase>.key. It is
	// sanitised to lower-case ASCII; empty means derived from Name.
	FileBase string
}

// Issue signs a leaf certificate with the development CA in dir and writes
// its certificate and PKCS#8 key (mode 0600) next to the CA files. Key usage
// is digitalSignature plus nonRepudiation and extended key usage
// emailProtection, which is what `openssl cms -verify` demands of an S/MIME
// signer by default. Existing files are never overwritten.
func Issue(dir string, req IssueRequest) (certPath, keyPath string, err error) {
	name := strings.TrimSpace(req.Name)
	if name == "" {
		return "", "", errors.New("signature: issue: name is required")
	}
	if req.ValidFor < 0 {
		return "", "", errors.New("signature: issue: negative validity")
	}
	base := req.FileBase
	if strings.TrimSpace(base) == "" {
		base = name
	}
	base = fileBase(base)
	if base == "ca" {
		return "", "", errors.New(`signature: issue: file base "ca" would collide with the CA`)
	}
	certPath, keyPath = filepath.Join(dir, base+".crt"), filepath.Join(dir, base+".key")
	if err := refuseExisting(keyPath, certPath); err != nil {
		return "", "", fmt.Errorf("signature: issue: %w", err)
	}

	caCert, caKey, err := loadCA(dir)
	if err != nil {
		return "", "", fmt.Errorf("signature: issue: %w", err)
	}
	notBefore := req.NotBefore
	if notBefore.IsZero() {
		notBefore = time.Now().Add(-backdate)
	}
	notAfter := notBefore.AddDate(2, 0, 0)
	if req.ValidFor > 0 {
		notAfter = notBefore.Add(req.ValidFor)
	}
	if notAfter.After(caCert.NotAfter) {
		notAfter = caCert.NotAfter
	}
	if !notAfter.After(notBefore) {
		return "", "", errors.New("signature: issue: the CA expires before the certificate would start")
	}

	subject := pkix.Name{CommonName: name, SerialNumber: strings.TrimSpace(req.SerialNumber)}
	if o := strings.TrimSpace(req.Organization); o != "" {
		subject.Organization = []string{o}
	}
	if u := strings.TrimSpace(req.Unit); u != "" {
		subject.OrganizationalUnit = []string{u}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", fmt.Errorf("signature: issue: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return "", "", fmt.Errorf("signature: issue: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               subject,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
		BasicConstraintsValid: true,
	}
	if e := strings.TrimSpace(req.Email); e != "" {
		tmpl.EmailAddresses = []string{e}
	}
	// crypto/x509 writes strings that PrintableString cannot hold (Cyrillic)
	// as UTF8String, so names survive as typed.
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, key.Public(), caKey)
	if err != nil {
		return "", "", fmt.Errorf("signature: issue: %w", err)
	}
	if err := writeKeyPair(keyPath, certPath, key, der); err != nil {
		return "", "", fmt.Errorf("signature: issue: %w", err)
	}
	return certPath, keyPath, nil
}

func loadCA(dir string) (*x509.Certificate, crypto.Signer, error) {
	certPEM, err := os.ReadFile(filepath.Join(dir, caCertFile))
	if err != nil {
		return nil, nil, fmt.Errorf("load CA: %w", err)
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, caKeyFile))
	if err != nil {
		return nil, nil, fmt.Errorf("load CA: %w", err)
	}
	certs, err := parseCertificates(certPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("load CA: %w", err)
	}
	key, err := parsePrivateKey(keyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("load CA: %w", err)
	}
	return certs[0], key, nil
}

func refuseExisting(paths ...string) error {
	for _, p := range paths {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%s: %w", p, fs.ErrExist)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// writeKeyPair writes the key first with O_EXCL and mode 0600 so it is never
// readable by others even briefly, and removes it again if the certificate
// cannot be written, leaving no half-issued pair behind.
func writeKeyPair(keyPath, certPath string, key crypto.Signer, certDER []byte) error {
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
	if err := writeNew(keyPath, keyPEM, 0o600); err != nil {
		return err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER})
	if err := writeNew(certPath, certPEM, 0o644); err != nil {
		return errors.Join(err, os.Remove(keyPath))
	}
	return nil
}

func writeNew(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return errors.Join(err, os.Remove(path))
	}
	if err := f.Close(); err != nil {
		return errors.Join(err, os.Remove(path))
	}
	return nil
}

func randomSerial() (*big.Int, error) {
	// 128 random bits: unpredictable serials are what RFC 5280 CAs use since
	// the MD5 collision attacks, and collisions stay out of reach.
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, err
	}
	return n.Add(n, big.NewInt(1)), nil
}

// translit spells Belarusian and Russian letters in ASCII, so files for
// "Іваноў Іван" are called ivanou-ivan.crt rather than something a shell,
// a zip archive or a Windows share would mangle.
var translit = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'ґ': "g", 'д': "d", 'е': "e", 'ё': "yo",
	'ж': "zh", 'з': "z", 'и': "i", 'і': "i", 'й': "y", 'к': "k", 'л': "l", 'м': "m",
	'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ў': "u",
	'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y",
	'ь': "", 'э': "e", 'ю': "yu", 'я': "ya", 'є': "ye", 'ї': "yi",
	'\'': "", '’': "", 'ʼ': "",
}

const maxFileBase = 64

// fileBase turns a name into [a-z0-9-]+, at most 64 bytes. Letters it cannot
// spell make it append a short hash of the original, so that two names
// differing only in such letters still get different files; a name with
// nothing spellable becomes "cert-<hash>".
func fileBase(s string) string {
	var b strings.Builder
	lost := false
	dash := false
	for _, r := range strings.ToLower(s) {
		var out string
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			out = string(r)
		default:
			if t, ok := translit[r]; ok {
				out = t
			} else if unicode.IsLetter(r) || unicode.IsDigit(r) {
				lost = true
			}
		}
		if out == "" {
			if _, ok := translit[r]; !ok {
				dash = b.Len() > 0 // separators and unknown letters split words
			}
			continue
		}
		if dash {
			b.WriteByte('-')
			dash = false
		}
		b.WriteString(out)
	}
	base := b.String()
	if len(base) > maxFileBase {
		base = strings.TrimRight(base[:maxFileBase], "-")
	}
	sum := sha256.Sum256([]byte(s))
	tag := hex.EncodeToString(sum[:4])
	switch {
	case base == "":
		return "cert-" + tag
	case lost:
		if len(base) > maxFileBase-len(tag)-1 {
			base = strings.TrimRight(base[:maxFileBase-len(tag)-1], "-")
		}
		return base + "-" + tag
	}
	return base
}

package signature

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// Sentinel errors let the web layer explain a refusal without parsing text.
// Verify wraps exactly one of them, with detail for logs.
var (
	// ErrBadSignature: the document or the signature was altered, or the
	// signature was made with a different key than the certificate's.
	ErrBadSignature = errors.New("signature: signature does not match the document")
	// ErrUntrusted: the certificate does not chain to a configured root, or
	// it is not allowed to make signatures.
	ErrUntrusted = errors.New("signature: certificate is not trusted for signing")
	// ErrExpired: a certificate in the chain was not valid at the signing
	// time, or the claimed signing time lies in the future of our clock
	// (so validity at that time cannot be accepted either).
	ErrExpired = errors.New("signature: certificate not valid at signing time")
	// ErrMalformed: the input is not a single-signer CMS signature we can
	// read, or it uses algorithms no configured Suite supports.
	ErrMalformed = errors.New("signature: unreadable signature")
)

// Identity is who signed, as the certificate states it, and when they claim
// to have signed. Hex values are upper case, as openssl prints them without
// colons, so an operator can compare them by eye.
type Identity struct {
	CommonName         string
	Organization       string // multiple values joined with ", "
	OrganizationalUnit string // multiple values joined with ", "
	// SerialNumber is the subject's serialNumber attribute: the citizen's
	// personal identification number or an employee's staff id.
	SerialNumber      string
	CertificateSerial string // the certificate's own serial number, hex
	IssuerCommonName  string
	NotBefore         time.Time
	NotAfter          time.Time
	Fingerprint       string // SHA-256 of the certificate DER, hex
	// SigningTime is the signer's signingTime attribute, or the verifier's
	// clock when the signature carries none.
	SigningTime time.Time
}

// Verifier decides whether a signature was made by someone our roots vouch
// for. It holds no mutable state and is safe for concurrent use.
type Verifier struct {
	roots         *x509.CertPool
	intermediates *x509.CertPool
	now           func() time.Time
	skew          time.Duration
	suites        []Suite
}

// NewVerifier trusts roots, and uses intermediates to complete chains whose
// signatures leave them out. now is the clock against which signing times are
// judged; it is injected so tests can stand anywhere in a certificate's life.
// A verifier without roots would reject everything, so that is an error.
func NewVerifier(roots, intermediates []*x509.Certificate, now func() time.Time, opts ...Option) (*Verifier, error) {
	if len(roots) == 0 {
		return nil, errors.New("signature: new verifier: no trusted roots")
	}
	if now == nil {
		return nil, errors.New("signature: new verifier: no clock")
	}
	st := newSettings(opts)
	v := &Verifier{roots: x509.NewCertPool(), intermediates: x509.NewCertPool(), now: now, skew: st.skew, suites: st.suites}
	for _, c := range roots {
		v.roots.AddCert(c)
	}
	for _, c := range intermediates {
		v.intermediates.AddCert(c)
	}
	return v, nil
}

// LoadPool reads every certificate from the given PEM files, for NewVerifier.
// A file without certificates is an error: it is almost always a wrong path
// or a key file given by mistake.
func LoadPool(pemPaths ...string) ([]*x509.Certificate, error) {
	var all []*x509.Certificate
	for _, p := range pemPaths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("signature: load pool: %w", err)
		}
		certs, err := parseCertificates(b)
		if err != nil {
			return nil, fmt.Errorf("signature: load pool: %s: %w", p, err)
		}
		all = append(all, certs...)
	}
	return all, nil
}

// Verify checks sig, a detached CMS signature in DER or PEM ("CMS" or
// "PKCS7"), over data and reports who made it. Checks run from the most to
// the least fundamental — readable, intact, trusted, in time, allowed to
// sign — and the first failure decides the sentinel error.
func (v *Verifier) Verify(data, sig []byte) (Identity, error) {
	der, err := decodeSignature(sig)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	ps, err := parseSignature(der)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	var suite Suite
	for _, s := range v.suites {
		if s.Accepts(ps.digest, ps.sig) {
			suite = s
			break
		}
	}
	if suite == nil {
		return Identity{}, fmt.Errorf("%w: no suite supports digest %s with signature %s", ErrMalformed, ps.digest.Algorithm, ps.sig.Algorithm)
	}

	digest, err := suite.Digest(ps.digest, data)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if !bytes.Equal(digest, ps.msgDigest) {
		return Identity{}, fmt.Errorf("%w: document digest differs from the signed one", ErrBadSignature)
	}
	if err := suite.Verify(ps.cert, ps.digest, ps.sig, ps.signedAttrs, ps.signature); err != nil {
		return Identity{}, fmt.Errorf("%w: %w", ErrBadSignature, err)
	}

	now := v.now()
	signedAt := ps.signingTime
	if signedAt.IsZero() {
		signedAt = now
	}
	if err := v.verifyChain(ps.cert, ps.certs, signedAt); err != nil {
		return Identity{}, err
	}
	if limit := now.Add(v.skew); signedAt.After(limit) {
		return Identity{}, fmt.Errorf("%w: signing time %s is in the future (now %s)", ErrExpired, signedAt.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if err := checkKeyUsage(ps.cert); err != nil {
		return Identity{}, err
	}
	return identityOf(ps.cert, signedAt), nil
}

// verifyChain builds a path from leaf to a root as of the signing time.
// When a path exists but some certificate on it was out of date, it checks
// once more at a moment the leaf was valid, so that a stranger's expired
// certificate is reported as untrusted rather than expired.
func (v *Verifier) verifyChain(leaf *x509.Certificate, carried []*x509.Certificate, at time.Time) error {
	inter := v.intermediates.Clone()
	for _, c := range carried {
		if !c.Equal(leaf) {
			inter.AddCert(c)
		}
	}
	opts := x509.VerifyOptions{
		Roots:         v.roots,
		Intermediates: inter,
		CurrentTime:   at,
		// Extended key usage is not ours to police: national CAs mark
		// signing certificates in different ways. Key usage is checked
		// separately.
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}
	_, err := leaf.Verify(opts)
	if err == nil {
		return nil
	}
	if !isExpired(err) {
		return fmt.Errorf("%w: %w", ErrUntrusted, err)
	}
	opts.CurrentTime = clamp(at, leaf.NotBefore, leaf.NotAfter)
	if _, err2 := leaf.Verify(opts); err2 != nil && !isExpired(err2) {
		return fmt.Errorf("%w: %w", ErrUntrusted, err2)
	}
	if at.Before(leaf.NotBefore) || at.After(leaf.NotAfter) {
		return fmt.Errorf("%w: signed at %s, certificate valid from %s to %s", ErrExpired,
			at.UTC().Format(time.RFC3339), leaf.NotBefore.UTC().Format(time.RFC3339), leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	return fmt.Errorf("%w: an issuing certificate was not valid at %s: %w", ErrExpired, at.UTC().Format(time.RFC3339), err)
}

func isExpired(err error) bool {
	var inv x509.CertificateInvalidError
	return errors.As(err, &inv) && inv.Reason == x509.Expired
}

func clamp(t, lo, hi time.Time) time.Time {
	if t.Before(lo) {
		return lo
	}
	if t.After(hi) {
		return hi
	}
	return t
}

// checkKeyUsage accepts digitalSignature or nonRepudiation (contentCommitment):
// CAs issue document-signing certificates with either or both. A certificate
// without the extension is unrestricted (RFC 5280, 4.2.1.3).
func checkKeyUsage(c *x509.Certificate) error {
	if c.KeyUsage == 0 {
		return nil
	}
	if c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return fmt.Errorf("%w: key usage of %q does not allow signing", ErrUntrusted, c.Subject.CommonName)
	}
	return nil
}

// decodeSignature accepts PEM as produced by openssl (-outform PEM writes
// "CMS", openssl smime and older tools "PKCS7") and otherwise assumes DER.
func decodeSignature(sig []byte) ([]byte, error) {
	trimmed := bytes.TrimSpace(sig)
	if len(trimmed) == 0 {
		return nil, errors.New("empty signature")
	}
	if !bytes.HasPrefix(trimmed, []byte("-----BEGIN ")) {
		return sig, nil
	}
	block, _ := pem.Decode(trimmed)
	if block == nil {
		return nil, errors.New("broken PEM")
	}
	switch block.Type {
	case "CMS", "PKCS7", "PKCS #7 SIGNED DATA":
		return block.Bytes, nil
	}
	return nil, fmt.Errorf("PEM block %q is not a signature", block.Type)
}

func identityOf(c *x509.Certificate, signedAt time.Time) Identity {
	fp := sha256.Sum256(c.Raw)
	return Identity{
		CommonName:         c.Subject.CommonName,
		Organization:       strings.Join(c.Subject.Organization, ", "),
		OrganizationalUnit: strings.Join(c.Subject.OrganizationalUnit, ", "),
		SerialNumber:       c.Subject.SerialNumber,
		CertificateSerial:  fmt.Sprintf("%X", c.SerialNumber.Bytes()),
		IssuerCommonName:   c.Issuer.CommonName,
		NotBefore:          c.NotBefore,
		NotAfter:           c.NotAfter,
		Fingerprint:        fmt.Sprintf("%X", fp[:]),
		SigningTime:        signedAt,
	}
}

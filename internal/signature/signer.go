package signature

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"time"
)

// Signer signs documents on behalf of one certificate holder. Callers hand it
// bytes and get back a detached DER CMS signature; algorithms, chain and
// signing time are its business.
type Signer interface {
	// Sign returns a detached CMS SignedData over data.
	Sign(data []byte) ([]byte, error)
	// Certificate is the signer's own certificate, e.g. to show who will
	// sign before asking for confirmation.
	Certificate() *x509.Certificate
}

// Option adjusts a Signer or a Verifier. Options that do not apply to the
// constructor they are passed to are ignored.
type Option func(*settings)

type settings struct {
	suites []Suite
	now    func() time.Time
	skew   time.Duration
}

// DefaultClockSkew is how far in the future of the verifier's clock a signing
// time may lie, because signers' clocks are never quite in step with ours.
const DefaultClockSkew = 5 * time.Minute

func newSettings(opts []Option) settings {
	s := settings{suites: DefaultSuites(), now: time.Now, skew: DefaultClockSkew}
	for _, o := range opts {
		o(&s)
	}
	return s
}

// WithSuites replaces the algorithm suites, e.g. to put an STB 34.101 suite
// first. Signers use the first suite that accepts their key; verifiers the
// first that accepts a signature's algorithm identifiers.
func WithSuites(suites ...Suite) Option {
	return func(s *settings) { s.suites = suites }
}

// WithSigningClock sets where a Signer takes the signingTime attribute from,
// so tests can produce signatures dated inside or outside a certificate's
// validity. Signers default to time.Now.
func WithSigningClock(now func() time.Time) Option {
	return func(s *settings) { s.now = now }
}

// WithClockSkew sets how far in the future a signing time a Verifier
// tolerates (DefaultClockSkew otherwise).
func WithClockSkew(d time.Duration) Option {
	return func(s *settings) { s.skew = d }
}

type signer struct {
	key         crypto.Signer
	certs       []*x509.Certificate // certs[0] is the signer
	suite       Suite
	digest, sig pkix.AlgorithmIdentifier
	now         func() time.Time
}

// NewSigner binds a key to its certificate. certs[0] must be the key's
// certificate; any further certificates (intermediates) are embedded in every
// signature so verifiers that only know our roots can still build the chain.
// It refuses certificates whose key usage forbids signing, because every
// signature they made would be rejected later.
func NewSigner(key crypto.Signer, certs []*x509.Certificate, opts ...Option) (Signer, error) {
	if key == nil || len(certs) == 0 || certs[0] == nil {
		return nil, errors.New("signature: new signer: key and certificate are required")
	}
	leaf := certs[0]
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(leaf.PublicKey) {
		return nil, errors.New("signature: new signer: private key does not match the certificate")
	}
	if err := checkKeyUsage(leaf); err != nil {
		return nil, fmt.Errorf("signature: new signer: %w", err)
	}
	st := newSettings(opts)
	var reasons []error
	for _, su := range st.suites {
		digest, sig, err := su.Algorithms(key.Public())
		if err != nil {
			reasons = append(reasons, fmt.Errorf("%s: %w", su.Name(), err))
			continue
		}
		return &signer{key: key, certs: certs, suite: su, digest: digest, sig: sig, now: st.now}, nil
	}
	return nil, fmt.Errorf("signature: new signer: no suite accepts the key: %w", errors.Join(reasons...))
}

func (s *signer) Certificate() *x509.Certificate { return s.certs[0] }

func (s *signer) Sign(data []byte) ([]byte, error) {
	digest, err := s.suite.Digest(s.digest, data)
	if err != nil {
		return nil, fmt.Errorf("signature: sign: %w", err)
	}
	attrs, err := signedAttributes(digest, s.now())
	if err != nil {
		return nil, fmt.Errorf("signature: sign: %w", err)
	}
	set, err := asnSet(attrs)
	if err != nil {
		return nil, fmt.Errorf("signature: sign: %w", err)
	}
	sig, err := s.suite.Sign(s.key, s.digest, s.sig, set)
	if err != nil {
		return nil, fmt.Errorf("signature: sign: %w", err)
	}
	out, err := encodeSignedData(s.certs, s.digest, s.sig, attrs, sig)
	if err != nil {
		return nil, fmt.Errorf("signature: sign: %w", err)
	}
	return out, nil
}

// LoadSigner reads a certificate file (signer first or anywhere, plus any
// intermediates) and an unencrypted private key file, both PEM.
func LoadSigner(certPEMPath, keyPEMPath string, opts ...Option) (Signer, error) {
	certPEM, err := os.ReadFile(certPEMPath)
	if err != nil {
		return nil, fmt.Errorf("signature: load signer: %w", err)
	}
	keyPEM, err := os.ReadFile(keyPEMPath)
	if err != nil {
		return nil, fmt.Errorf("signature: load signer: %w", err)
	}
	return LoadSignerPEM(certPEM, keyPEM, opts...)
}

// LoadSignerPEM is LoadSigner for keys and certificates that do not live in
// files (secrets stores, tests). The key may be PKCS#8, SEC 1 or PKCS#1; the
// certificate matching it becomes the signer, the others its chain.
func LoadSignerPEM(certPEM, keyPEM []byte, opts ...Option) (Signer, error) {
	key, err := parsePrivateKey(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("signature: load signer: %w", err)
	}
	certs, err := parseCertificates(certPEM)
	if err != nil {
		return nil, fmt.Errorf("signature: load signer: %w", err)
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok {
		return nil, fmt.Errorf("signature: load signer: unsupported key type %T", key)
	}
	for i, c := range certs {
		if pub.Equal(c.PublicKey) {
			ordered := append([]*x509.Certificate{c}, certs[:i]...)
			ordered = append(ordered, certs[i+1:]...)
			return NewSigner(key, ordered, opts...)
		}
	}
	return nil, errors.New("signature: load signer: no certificate matches the private key")
}

func parsePrivateKey(keyPEM []byte) (crypto.Signer, error) {
	for rest := keyPEM; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("no PEM private key found")
		}
		var (
			key any
			err error
		)
		switch block.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("encrypted private keys are not supported")
		default:
			continue // e.g. "EC PARAMETERS" written by openssl ecparam
		}
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", block.Type, err)
		}
		s, ok := key.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("%T cannot sign", key)
		}
		return s, nil
	}
}

func parseCertificates(certPEM []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for rest := certPEM; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse certificate: %w", err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("no PEM certificate found")
	}
	return certs, nil
}

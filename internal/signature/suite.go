package signature

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"

	"github.com/digitorus/pkcs7"
)

// Suite is the seam between CMS structure and cryptography, so that adding the
// national STB 34.101 algorithms does not touch callers or the envelope code
// (see the package documentation for what such a suite must do).
//
// Implementations must be safe for concurrent use.
type Suite interface {
	// Name identifies the suite in error messages so an operator can tell
	// which family refused a key.
	Name() string
	// Algorithms returns the digest and signature algorithm identifiers to
	// write when signing with pub, or an error saying why this suite cannot
	// sign with it.
	Algorithms(pub crypto.PublicKey) (digest, sig pkix.AlgorithmIdentifier, err error)
	// Accepts reports whether the suite understands a SignerInfo carrying
	// these identifiers; the first suite that does verifies it.
	Accepts(digest, sig pkix.AlgorithmIdentifier) bool
	// Digest hashes the signed content with the given digest algorithm.
	Digest(digest pkix.AlgorithmIdentifier, data []byte) ([]byte, error)
	// Sign signs the DER encoding of the signed attributes.
	Sign(key crypto.Signer, digest, sig pkix.AlgorithmIdentifier, signedAttrs []byte) ([]byte, error)
	// Verify checks signature over the DER signed attributes with cert's key.
	Verify(cert *x509.Certificate, digest, sig pkix.AlgorithmIdentifier, signedAttrs, signature []byte) error
}

// StandardSuite signs with ECDSA P-256 or RSA (2048 bits and more) over
// SHA-256, and verifies those plus SHA-384/512 variants, because that is what
// both crypto/x509 and a stock OpenSSL can check today. SHA-1 is refused.
func StandardSuite() Suite { return standardSuite{} }

// DefaultSuites is what signers and verifiers use unless WithSuites says
// otherwise. It is a function so no caller can mutate a shared list.
func DefaultSuites() []Suite { return []Suite{StandardSuite()} }

var (
	oidSHA256 = pkcs7.OIDDigestAlgorithmSHA256
	oidSHA384 = pkcs7.OIDDigestAlgorithmSHA384
	oidSHA512 = pkcs7.OIDDigestAlgorithmSHA512

	oidRSA          = pkcs7.OIDEncryptionAlgorithmRSA
	oidRSASHA256    = pkcs7.OIDEncryptionAlgorithmRSASHA256
	oidRSASHA384    = pkcs7.OIDEncryptionAlgorithmRSASHA384
	oidRSASHA512    = pkcs7.OIDEncryptionAlgorithmRSASHA512
	oidECPublicKey  = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidECDSASHA256  = pkcs7.OIDDigestAlgorithmECDSASHA256
	oidECDSASHA384  = pkcs7.OIDDigestAlgorithmECDSASHA384
	oidECDSASHA512  = pkcs7.OIDDigestAlgorithmECDSASHA512
	errUnknownAlgID = errors.New("unsupported algorithm")
)

const minRSAKeyBits = 2048

type standardSuite struct{}

func (standardSuite) Name() string { return "standard (ECDSA/RSA, SHA-2)" }

func (standardSuite) Algorithms(pub crypto.PublicKey) (digest, sig pkix.AlgorithmIdentifier, err error) {
	digest = pkix.AlgorithmIdentifier{Algorithm: oidSHA256}
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return digest, sig, fmt.Errorf("ECDSA curve %s is not supported, use P-256", k.Curve.Params().Name)
		}
		return digest, pkix.AlgorithmIdentifier{Algorithm: oidECDSASHA256}, nil
	case *rsa.PublicKey:
		if k.N.BitLen() < minRSAKeyBits {
			return digest, sig, fmt.Errorf("RSA key of %d bits is too short, need %d", k.N.BitLen(), minRSAKeyBits)
		}
		// rsaEncryption with NULL parameters is what OpenSSL writes, so it is
		// what every CMS verifier we will meet expects.
		return digest, pkix.AlgorithmIdentifier{Algorithm: oidRSA, Parameters: asn1.NullRawValue}, nil
	default:
		return digest, sig, fmt.Errorf("%T keys are not supported", pub)
	}
}

func (s standardSuite) Accepts(digest, sig pkix.AlgorithmIdentifier) bool {
	_, err := s.x509Algorithm(digest, sig)
	return err == nil
}

func (standardSuite) Digest(digest pkix.AlgorithmIdentifier, data []byte) ([]byte, error) {
	h, err := hashFor(digest.Algorithm)
	if err != nil {
		return nil, err
	}
	w := h.New()
	w.Write(data)
	return w.Sum(nil), nil
}

func (standardSuite) Sign(key crypto.Signer, digest, _ pkix.AlgorithmIdentifier, signedAttrs []byte) ([]byte, error) {
	h, err := hashFor(digest.Algorithm)
	if err != nil {
		return nil, err
	}
	w := h.New()
	w.Write(signedAttrs)
	return key.Sign(rand.Reader, w.Sum(nil), h)
}

func (s standardSuite) Verify(cert *x509.Certificate, digest, sig pkix.AlgorithmIdentifier, signedAttrs, signature []byte) error {
	alg, err := s.x509Algorithm(digest, sig)
	if err != nil {
		return err
	}
	// CheckSignature also enforces that the certificate's key type matches
	// the claimed algorithm and rejects keys Go considers too weak.
	return cert.CheckSignature(alg, signedAttrs, signature)
}

// x509Algorithm maps the CMS pair (digest, signature) onto Go's single
// algorithm value. A signature OID that names a hash must agree with the
// digest algorithm; otherwise a verifier could be talked into a weaker hash.
func (standardSuite) x509Algorithm(digest, sig pkix.AlgorithmIdentifier) (x509.SignatureAlgorithm, error) {
	h, err := hashFor(digest.Algorithm)
	if err != nil {
		return x509.UnknownSignatureAlgorithm, err
	}
	type pair struct {
		rsa, ecdsa x509.SignatureAlgorithm
		rsaOID     asn1.ObjectIdentifier // shaNNNWithRSAEncryption
		ecdsaOID   asn1.ObjectIdentifier // ecdsa-with-SHANNN
	}
	p := map[crypto.Hash]pair{
		crypto.SHA256: {x509.SHA256WithRSA, x509.ECDSAWithSHA256, oidRSASHA256, oidECDSASHA256},
		crypto.SHA384: {x509.SHA384WithRSA, x509.ECDSAWithSHA384, oidRSASHA384, oidECDSASHA384},
		crypto.SHA512: {x509.SHA512WithRSA, x509.ECDSAWithSHA512, oidRSASHA512, oidECDSASHA512},
	}[h]
	switch s := sig.Algorithm; {
	case s.Equal(oidRSA), s.Equal(p.rsaOID):
		return p.rsa, nil
	case s.Equal(oidECPublicKey), s.Equal(p.ecdsaOID):
		return p.ecdsa, nil
	}
	return x509.UnknownSignatureAlgorithm, fmt.Errorf("%w: signature %s with digest %s", errUnknownAlgID, sig.Algorithm, digest.Algorithm)
}

func hashFor(oid asn1.ObjectIdentifier) (crypto.Hash, error) {
	switch {
	case oid.Equal(oidSHA256):
		return crypto.SHA256, nil
	case oid.Equal(oidSHA384):
		return crypto.SHA384, nil
	case oid.Equal(oidSHA512):
		return crypto.SHA512, nil
	}
	return 0, fmt.Errorf("%w: digest %s", errUnknownAlgID, oid)
}

package signature

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/digitorus/pkcs7"
)

// The structures below follow RFC 5652 for the one shape we write: a
// detached SignedData with one signer identified by issuer and serial number.
// asn1.RawValue ignores struct tags when marshalled, so implicit and explicit
// context tags are built by hand where they appear.

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue // [0] EXPLICIT SignedData
}

type encapContentInfo struct {
	EContentType asn1.ObjectIdentifier // no eContent: the signature is detached
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type signerInfo struct {
	Version            int
	SID                issuerAndSerial
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue // [0] IMPLICIT SET OF Attribute
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
}

type signedData struct {
	Version          int
	DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
	EncapContentInfo encapContentInfo
	Certificates     asn1.RawValue // [0] IMPLICIT SET OF Certificate
	SignerInfos      []signerInfo  `asn1:"set"`
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue // SET OF AttributeValue
}

// signedAttributes encodes contentType, signingTime and messageDigest in DER
// order and returns the members' encodings concatenated, ready to be wrapped
// as SET (for signing) or [0] (for the SignerInfo).
func signedAttributes(digest []byte, signingTime time.Time) ([]byte, error) {
	values := []struct {
		oid asn1.ObjectIdentifier
		v   any
	}{
		{pkcs7.OIDAttributeContentType, pkcs7.OIDData},
		// UTC matters: asn1 would otherwise write a local offset, which
		// RFC 5652 forbids, and UTCTime already truncates to seconds.
		{pkcs7.OIDAttributeSigningTime, signingTime.UTC()},
		{pkcs7.OIDAttributeMessageDigest, digest},
	}
	encoded := make([][]byte, 0, len(values))
	for _, a := range values {
		v, err := asn1.Marshal(a.v)
		if err != nil {
			return nil, err
		}
		b, err := asn1.Marshal(attribute{Type: a.oid, Values: setOf(v)})
		if err != nil {
			return nil, err
		}
		encoded = append(encoded, b)
	}
	// DER sorts SET OF members by their encodings.
	slices.SortFunc(encoded, bytes.Compare)
	return bytes.Join(encoded, nil), nil
}

func setOf(members []byte) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: members}
}

// asnSet wraps concatenated members in a universal SET, the form in which
// signed attributes are hashed and signed.
func asnSet(members []byte) ([]byte, error) {
	return asn1.Marshal(setOf(members))
}

func contextTag0(content []byte) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: content}
}

// encodeSignedData assembles the detached SignedData around a finished
// signature. certs[0] is the signer.
func encodeSignedData(certs []*x509.Certificate, digest, sig pkix.AlgorithmIdentifier, attrs, signature []byte) ([]byte, error) {
	var raw bytes.Buffer
	for _, c := range certs {
		raw.Write(c.Raw)
	}
	sd := signedData{
		Version:          1,
		DigestAlgorithms: []pkix.AlgorithmIdentifier{digest},
		EncapContentInfo: encapContentInfo{EContentType: pkcs7.OIDData},
		Certificates:     contextTag0(raw.Bytes()),
		SignerInfos: []signerInfo{{
			Version:            1,
			SID:                issuerAndSerial{Issuer: asn1.RawValue{FullBytes: certs[0].RawIssuer}, Serial: certs[0].SerialNumber},
			DigestAlgorithm:    digest,
			SignedAttrs:        contextTag0(attrs),
			SignatureAlgorithm: sig,
			Signature:          signature,
		}},
	}
	inner, err := asn1.Marshal(sd)
	if err != nil {
		return nil, fmt.Errorf("encode SignedData: %w", err)
	}
	return asn1.Marshal(contentInfo{ContentType: pkcs7.OIDSignedData, Content: contextTag0(inner)})
}

// parsedSigner is the part of an incoming signature that verification needs,
// independent of the library that parsed it.
type parsedSigner struct {
	cert        *x509.Certificate   // the signer's certificate
	certs       []*x509.Certificate // everything the signature carried
	digest, sig pkix.AlgorithmIdentifier
	signedAttrs []byte // DER SET OF Attribute, exactly what was signed
	signature   []byte
	msgDigest   []byte
	signingTime time.Time // zero when the attribute is absent
}

// parseSignature reads a DER (or BER) ContentInfo holding SignedData with
// exactly one signer. Errors are plain; the caller wraps them in ErrMalformed.
func parseSignature(der []byte) (*parsedSigner, error) {
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return nil, err
	}
	if n := len(p7.Signers); n != 1 {
		return nil, fmt.Errorf("want exactly one signer, found %d", n)
	}
	si := p7.Signers[0]
	cert := p7.GetOnlySigner()
	if cert == nil {
		return nil, fmt.Errorf("the signer's certificate is not included")
	}
	if len(si.AuthenticatedAttributes) == 0 {
		// Without signed attributes there is no signing time and nothing
		// binds the content type; we do not accept such signatures.
		return nil, fmt.Errorf("no signed attributes")
	}
	ps := &parsedSigner{
		cert:      cert,
		certs:     p7.Certificates,
		digest:    si.DigestAlgorithm,
		sig:       si.DigestEncryptionAlgorithm,
		signature: si.EncryptedDigest,
	}
	seen := map[string]bool{}
	var members [][]byte
	for _, a := range si.AuthenticatedAttributes {
		key := a.Type.String()
		if seen[key] {
			return nil, fmt.Errorf("signed attribute %s appears twice", key)
		}
		seen[key] = true
		// Re-encoding keeps the signer's order and the values' original
		// bytes (RawValue.FullBytes), so this reproduces what was signed.
		b, err := asn1.Marshal(attribute{Type: a.Type, Values: a.Value})
		if err != nil {
			return nil, err
		}
		members = append(members, b)

		switch {
		case a.Type.Equal(pkcs7.OIDAttributeContentType):
			var ct asn1.ObjectIdentifier
			if err := singleValue(a.Value, &ct); err != nil {
				return nil, fmt.Errorf("contentType: %w", err)
			}
			if !ct.Equal(pkcs7.OIDData) {
				return nil, fmt.Errorf("content type %s is not id-data", ct)
			}
		case a.Type.Equal(pkcs7.OIDAttributeMessageDigest):
			if err := singleValue(a.Value, &ps.msgDigest); err != nil {
				return nil, fmt.Errorf("messageDigest: %w", err)
			}
		case a.Type.Equal(pkcs7.OIDAttributeSigningTime):
			if err := singleValue(a.Value, &ps.signingTime); err != nil {
				return nil, fmt.Errorf("signingTime: %w", err)
			}
		}
	}
	if !seen[pkcs7.OIDAttributeContentType.String()] || ps.msgDigest == nil {
		return nil, fmt.Errorf("contentType or messageDigest attribute missing")
	}
	ps.signedAttrs, err = asnSet(bytes.Join(members, nil))
	if err != nil {
		return nil, err
	}
	return ps, nil
}

// singleValue decodes the one value an attribute's SET may hold; CMS allows
// exactly one for the attributes we read.
func singleValue(set asn1.RawValue, out any) error {
	rest, err := asn1.Unmarshal(set.Bytes, out)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fmt.Errorf("more than one value")
	}
	return nil
}

// Package signature makes and checks electronic signatures (ЭЦП) on documents
// and applications.
//
// A signature is a detached CMS SignedData (RFC 5652) in DER: the document
// travels and is stored on its own, the signature beside it, and anyone with
// OpenSSL and our CA certificate can check it without this program. The
// signer's certificate (and any intermediates) ride inside the signature so a
// verifier only needs the trusted roots.
//
// # Why a Verifier is more than a signature check
//
// A valid signature alone proves nothing about who signed. Verify therefore
// answers "who signed this, and could they sign it at the time?": the
// certificate must chain to a root we configured, must have been valid at the
// claimed signing time (a signature made before the certificate expired stays
// good afterwards), must allow digital signatures, and the claimed signing time
// must not be in the future of our clock. Each kind of refusal has its own
// sentinel error so the web layer can tell a tampered document (ErrBadSignature)
// from an unknown issuer (ErrUntrusted), an out-of-date certificate (ErrExpired)
// or a file that is not a signature at all (ErrMalformed).
//
// The signing time is the signer's own claim (a signed attribute), not a
// trusted timestamp. That is the usual CMS trade-off; adding RFC 3161 tokens
// later would only tighten what SigningTime means.
//
// # Algorithms and STB 34.101
//
// Callers never choose algorithms: a Suite maps a key to the algorithm
// identifiers written into the SignerInfo and checks signatures whose
// identifiers it recognises. StandardSuite covers ECDSA P-256 and RSA with
// SHA-2, which Go and OpenSSL both implement. The national algorithms plug in
// as another Suite passed with WithSuites:
//
//   - Algorithms returns belt-hash (STB 34.101.31, OID 1.2.112.0.2.0.34.101.31.81)
//     as the digest and bign-with-hbelt (STB 34.101.45, OID 1.2.112.0.2.0.34.101.45.12)
//     as the signature algorithm when handed a bign public key;
//   - Digest computes belt-hash; Sign passes that digest to the key, which is
//     any crypto.Signer (a software key or a token such as AvToken behind
//     PKCS#11);
//   - Verify parses the bign key from cert.RawSubjectPublicKeyInfo itself,
//     because crypto/x509 leaves PublicKey nil for algorithms it does not know.
//
// The CMS envelope is written by this package rather than by the pkcs7 library
// precisely so the suite's identifiers and the injected clock reach the
// output; pkcs7 still parses incoming signatures. One gap remains and is
// deliberate until the first bign-issued CA arrives: certificate chains are
// built with crypto/x509, which cannot check bign signatures on certificates.
// At that point the Verifier needs a path builder that asks the Suite to check
// each certificate's signature.
package signature

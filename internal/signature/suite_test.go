package signature

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"testing"
)

func TestStandardSuiteAccepts(t *testing.T) {
	t.Parallel()
	oidSHA1 := asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	tests := []struct {
		name        string
		digest, sig asn1.ObjectIdentifier
		want        bool
	}{
		{"ECDSA SHA-256", oidSHA256, oidECDSASHA256, true},
		{"ECDSA by key OID", oidSHA384, oidECPublicKey, true},
		{"RSA as OpenSSL writes it", oidSHA256, oidRSA, true},
		{"RSA SHA-512", oidSHA512, oidRSASHA512, true},
		{"signature hash disagrees with digest", oidSHA256, oidECDSASHA384, false},
		{"RSA hash disagrees with digest", oidSHA384, oidRSASHA256, false},
		{"SHA-1 refused", oidSHA1, oidRSA, false},
		{"unknown signature algorithm (bign)", oidSHA256, asn1.ObjectIdentifier{1, 2, 112, 0, 2, 0, 34, 101, 45, 12}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := StandardSuite().Accepts(pkix.AlgorithmIdentifier{Algorithm: tt.digest}, pkix.AlgorithmIdentifier{Algorithm: tt.sig})
			if got != tt.want {
				t.Errorf("Accepts = %v, want %v", got, tt.want)
			}
		})
	}
}

// refusingSuite stands in for a national suite that does not handle the key
// or signature at hand.
type refusingSuite struct{ Suite }

func (refusingSuite) Name() string { return "refusing" }
func (refusingSuite) Algorithms(crypto.PublicKey) (d, s pkix.AlgorithmIdentifier, err error) {
	return d, s, errors.New("not mine")
}
func (refusingSuite) Accepts(_, _ pkix.AlgorithmIdentifier) bool { return false }

// Suites are consulted in order and the first that fits is used, so an
// STB 34.101 suite can be put in front without disturbing ECDSA and RSA.
func TestWithSuites(t *testing.T) {
	t.Parallel()
	f := newFixture(t, t0.AddDate(-1, 0, 0))
	key := ecKey(t)
	c := leaf(t, "Suites", t0.AddDate(0, -1, 0), t0.AddDate(1, 0, 0), key.Public(), f.caCert, f.caKey)
	certs := []*x509.Certificate{c}

	if _, err := NewSigner(key, certs, WithSuites(refusingSuite{})); err == nil {
		t.Fatal("NewSigner with only a refusing suite: want error")
	}
	s := newSigner(t, key, certs, WithSuites(refusingSuite{}, StandardSuite()), WithSigningClock(clock(t0)))
	sig := sign(t, s, doc)

	v, err := NewVerifier([]*x509.Certificate{f.caCert}, nil, clock(t0), WithSuites(refusingSuite{}, StandardSuite()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(doc, sig)
	checkErr(t, err, nil)

	only, err := NewVerifier([]*x509.Certificate{f.caCert}, nil, clock(t0), WithSuites(refusingSuite{}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = only.Verify(doc, sig)
	checkErr(t, err, ErrMalformed)
}

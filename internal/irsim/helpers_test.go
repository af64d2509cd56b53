package irsim

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"odnookno/internal/interop/envelope"
	"odnookno/internal/signature"
)

// devKeys is one DevKeys directory for the whole test binary: issuing keys
// is the slow part, and nothing writes to them afterwards.
var devKeys Keys

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "irsim-keys-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	devKeys, err = DevKeys(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// fixture is a simulator behind a real HTTP server and a platform client
// that trusts it.
type fixture struct {
	srv      *Server
	http     *httptest.Server
	client   *envelope.Client
	platform signature.Signer
	verifier *signature.Verifier
}

func setup(t *testing.T, tweak func(*Config)) *fixture {
	t.Helper()
	cfg, err := devKeys.ServerConfig()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Seed = 1
	if tweak != nil {
		tweak(&cfg)
	}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	platform, err := devKeys.PlatformSigner()
	if err != nil {
		t.Fatal(err)
	}
	roots, err := devKeys.Roots()
	if err != nil {
		t.Fatal(err)
	}
	v, err := signature.NewVerifier(roots, nil, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{
		srv: srv, http: hs, platform: platform, verifier: v,
		client: &envelope.Client{Signer: platform, Verifier: v, Timeout: 10 * time.Second},
	}
}

func query(service, pin string) envelope.Request {
	return envelope.Request{
		Sender: "odnookno", User: "staff-1", Case: "2026-000001", Service: service,
		Payload: []byte(fmt.Sprintf(`{"pin":%q}`, pin)),
	}
}

func (f *fixture) call(t *testing.T, service, pin string) *envelope.Exchange {
	t.Helper()
	ex, err := f.client.Call(context.Background(), f.http.URL, query(service, pin))
	if err != nil {
		t.Fatalf("%s %s: %v", service, pin, err)
	}
	return ex
}

// withCheckDigit completes 13 characters with the check digit identity
// expects: weights 7, 3, 1 from the left, letters A..Z as 10..35, mod 10.
func withCheckDigit(first13 string) string {
	w := [3]int{7, 3, 1}
	sum := 0
	for i := 0; i < len(first13); i++ {
		c := first13[i]
		v := int(c - '0')
		if c >= 'A' && c <= 'Z' {
			v = int(c-'A') + 10
		}
		sum += v * w[i%3]
	}
	return first13 + string(rune('0'+sum%10))
}

package envelope_test

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"odnookno/internal/interop/envelope"
	"odnookno/internal/signature"
)

// pki is a development CA with a platform and a resource key, created once
// per test binary: key generation is the slow part and the keys are
// read-only afterwards.
type pki struct {
	platform, resource signature.Signer
	verifier           *signature.Verifier
	roots              []*x509.Certificate
}

var (
	pkiOnce sync.Once
	pkiVal  *pki
	pkiErr  error
)

func keys(t *testing.T) *pki {
	t.Helper()
	pkiOnce.Do(func() { pkiVal, pkiErr = newPKI(t.TempDir()) })
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return pkiVal
}

// newPKI builds a CA in dir. The directory of the first test that asks
// outlives it only as long as needed: signers and verifier are in memory.
func newPKI(dir string) (*pki, error) {
	if err := signature.DevCA(dir, time.Now()); err != nil {
		return nil, err
	}
	load := func(name, base string) (signature.Signer, error) {
		cert, key, err := signature.Issue(dir, signature.IssueRequest{Name: name, FileBase: base})
		if err != nil {
			return nil, err
		}
		return signature.LoadSigner(cert, key)
	}
	p := &pki{}
	var err error
	if p.platform, err = load("Odnookno platform", "platform"); err != nil {
		return nil, err
	}
	if p.resource, err = load("MVD person register", "mvd"); err != nil {
		return nil, err
	}
	if p.roots, err = signature.LoadPool(filepath.Join(dir, "ca.crt")); err != nil {
		return nil, err
	}
	if p.verifier, err = signature.NewVerifier(p.roots, nil, time.Now); err != nil {
		return nil, err
	}
	return p, nil
}

// strangerSigner has a key from a CA nobody trusts.
func strangerSigner(t *testing.T) signature.Signer {
	t.Helper()
	dir := t.TempDir()
	if err := signature.DevCA(dir, time.Now()); err != nil {
		t.Fatal(err)
	}
	cert, key, err := signature.Issue(dir, signature.IssueRequest{Name: "Stranger"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := signature.LoadSigner(cert, key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func request() envelope.Request {
	return envelope.Request{
		Sender:  "odnookno",
		User:    "staff-17",
		Case:    "2026-000123",
		Service: "mvd/person",
		Payload: json.RawMessage(`{"pin":"3270287A012PB2"}`),
	}
}

func sealed(t *testing.T, p *pki) ([]byte, []byte) {
	t.Helper()
	body, sig, err := envelope.Seal(p.platform, request())
	if err != nil {
		t.Fatal(err)
	}
	return body, sig
}

func answer(t *testing.T, p *pki, reqBody []byte) ([]byte, []byte) {
	t.Helper()
	body, sig, err := envelope.SealAnswer(p.resource, reqBody, envelope.Answer{
		Resource: "mvd",
		Status:   envelope.StatusOK,
		Payload:  json.RawMessage(`{"surname":"Иванов"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	return body, sig
}

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	p := keys(t)
	body, sig := sealed(t, p)

	got, who, err := envelope.Open(p.verifier, body, sig)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if who.CommonName != "Odnookno platform" {
		t.Errorf("signer %q", who.CommonName)
	}
	want := request()
	if got.Version != envelope.Version || got.Sender != want.Sender || got.User != want.User ||
		got.Case != want.Case || got.Service != want.Service || got.Resource() != "mvd" {
		t.Errorf("opened %+v", got)
	}
	if !strings.Contains(string(got.Payload), "3270287A012PB2") {
		t.Errorf("payload %s", got.Payload)
	}
	if got.Time.IsZero() || got.Time.Location() != time.UTC {
		t.Errorf("time %v", got.Time)
	}
	if len(got.ID) != 36 || got.ID[14] != '4' {
		t.Errorf("id %q is not a v4 UUID", got.ID)
	}

	// The wire form is the documented one, field for field.
	var wire map[string]any
	if err := json.Unmarshal(body, &wire); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"version", "id", "sender", "user", "case", "service", "time", "payload"} {
		if _, ok := wire[k]; !ok {
			t.Errorf("wire form lacks %q: %s", k, body)
		}
	}
	if _, err := time.Parse(time.RFC3339, wire["time"].(string)); err != nil {
		t.Errorf("time is not RFC 3339: %v", err)
	}
}

func TestSealKeepsGivenIDAndFillsPayload(t *testing.T) {
	t.Parallel()
	p := keys(t)
	r := request()
	r.ID = envelope.NewID()
	r.Payload = nil
	r.Time = time.Date(2026, 3, 2, 13, 30, 0, 0, time.FixedZone("MSK", 3*3600))
	body, sig, err := envelope.Seal(p.platform, r)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := envelope.Open(p.verifier, body, sig)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != r.ID || string(got.Payload) != "{}" || !got.Time.Equal(r.Time) {
		t.Errorf("opened %+v", got)
	}
	if !bytes.Contains(body, []byte(`"time":"2026-03-02T10:30:00Z"`)) {
		t.Errorf("time not in UTC: %s", body)
	}
}

func TestSealRefusesIncompleteRequests(t *testing.T) {
	t.Parallel()
	p := keys(t)
	cases := map[string]func(*envelope.Request){
		"no sender":          func(r *envelope.Request) { r.Sender = "" },
		"no service":         func(r *envelope.Request) { r.Service = "" },
		"service no slash":   func(r *envelope.Request) { r.Service = "mvd" },
		"service upper case": func(r *envelope.Request) { r.Service = "MVD/person" },
		"id not a UUID":      func(r *envelope.Request) { r.ID = "42" },
		"payload array":      func(r *envelope.Request) { r.Payload = json.RawMessage(`[1]`) },
		"payload broken":     func(r *envelope.Request) { r.Payload = json.RawMessage(`{"pin":`) },
		"version 2":          func(r *envelope.Request) { r.Version = 2 },
		"control char user":  func(r *envelope.Request) { r.User = "a\nb" },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			r := request()
			mutate(&r)
			_, _, err := envelope.Seal(p.platform, r)
			if err == nil {
				t.Fatal("sealed")
			}
			// A broken payload fails inside json.Marshal; everything else in
			// validation. Both are the caller's malformed message.
			if !errors.Is(err, envelope.ErrMalformed) {
				t.Errorf("err = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestOpenRefusesBadSignatures(t *testing.T) {
	t.Parallel()
	p := keys(t)
	body, sig := sealed(t, p)
	tampered := bytes.Replace(body, []byte("3270287A012PB2"), []byte("3270287A012PB3"), 1)
	strangerBody, strangerSig, err := envelope.Seal(strangerSigner(t), request())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		body, sig []byte
		also      error
	}{
		{"tampered body", tampered, sig, signature.ErrBadSignature},
		{"no signature", body, nil, signature.ErrMalformed},
		{"garbage signature", body, []byte("not a signature"), signature.ErrMalformed},
		{"untrusted signer", strangerBody, strangerSig, signature.ErrUntrusted},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := envelope.Open(p.verifier, tc.body, tc.sig)
			if !errors.Is(err, envelope.ErrSignature) || !errors.Is(err, tc.also) {
				t.Errorf("err = %v, want ErrSignature and %v", err, tc.also)
			}
		})
	}
}

func TestOpenRefusesMalformedButSignedMessages(t *testing.T) {
	t.Parallel()
	p := keys(t)
	id := envelope.NewID()
	cases := map[string]string{
		"duplicate key": `{"version":1,"id":"` + id + `","sender":"odnookno","service":"mvd/person","time":"2026-03-02T10:30:00Z","payload":{},"service":"property/realty"}`,
		"version 2":     `{"version":2,"id":"` + id + `","sender":"odnookno","service":"mvd/person","time":"2026-03-02T10:30:00Z","payload":{}}`,
		"no payload":    `{"version":1,"id":"` + id + `","sender":"odnookno","service":"mvd/person","time":"2026-03-02T10:30:00Z"}`,
		"trailing data": `{"version":1,"id":"` + id + `","sender":"odnookno","service":"mvd/person","time":"2026-03-02T10:30:00Z","payload":{}} {}`,
		"not an object": `[1,2,3]`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			sig, err := p.platform.Sign([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = envelope.Open(p.verifier, []byte(body), sig)
			if !errors.Is(err, envelope.ErrMalformed) {
				t.Errorf("err = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestAnswerRoundTrip(t *testing.T) {
	t.Parallel()
	p := keys(t)
	reqBody, _ := sealed(t, p)
	body, sig := answer(t, p, reqBody)

	a, who, err := envelope.OpenAnswer(p.verifier, reqBody, body, sig)
	if err != nil {
		t.Fatalf("OpenAnswer: %v", err)
	}
	req, _ := envelope.Peek(reqBody)
	if a.RequestID != req.ID || a.RequestHash != envelope.Hash(reqBody) || a.Status != envelope.StatusOK || a.Resource != "mvd" {
		t.Errorf("answer %+v", a)
	}
	if a.ID == req.ID {
		t.Error("answer reuses the request's id")
	}
	if who.CommonName != "MVD person register" {
		t.Errorf("signer %q", who.CommonName)
	}
	var wire map[string]any
	if err := json.Unmarshal(body, &wire); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"version", "id", "request_id", "request_hash", "resource", "time", "status", "payload"} {
		if _, ok := wire[k]; !ok {
			t.Errorf("wire form lacks %q: %s", k, body)
		}
	}
}

func TestOpenAnswerRefusals(t *testing.T) {
	t.Parallel()
	p := keys(t)
	reqBody, _ := sealed(t, p)
	otherReq, _ := sealed(t, p)
	body, sig := answer(t, p, reqBody)
	req, _ := envelope.Peek(reqBody)

	// signedJSON signs a hand-written answer: the only way to produce one
	// that SealAnswer would refuse to make.
	signedJSON := func(fields map[string]any) ([]byte, []byte) {
		base := map[string]any{
			"version": 1, "id": envelope.NewID(), "request_id": req.ID,
			"request_hash": envelope.Hash(reqBody), "resource": "mvd",
			"time": "2026-03-02T10:30:00Z", "status": "ok", "payload": map[string]any{},
		}
		for k, v := range fields {
			if v == nil {
				delete(base, k)
			} else {
				base[k] = v
			}
		}
		b, err := json.Marshal(base)
		if err != nil {
			t.Fatal(err)
		}
		s, err := p.resource.Sign(b)
		if err != nil {
			t.Fatal(err)
		}
		return b, s
	}

	tampered := bytes.Replace(body, []byte("Иванов"), []byte("Петров"), 1)
	wrongIDBody, wrongIDSig := signedJSON(map[string]any{"request_id": envelope.NewID()})
	wrongResBody, wrongResSig := signedJSON(map[string]any{"resource": "property"})
	badStatusBody, badStatusSig := signedJSON(map[string]any{"status": "maybe"})
	noHashBody, noHashSig := signedJSON(map[string]any{"request_hash": nil})

	cases := []struct {
		name      string
		reqBody   []byte
		body, sig []byte
		want      error
	}{
		{"tampered answer", reqBody, tampered, sig, envelope.ErrSignature},
		{"unsigned answer", reqBody, body, nil, envelope.ErrSignature},
		{"answer for another request", otherReq, body, sig, envelope.ErrMismatch},
		{"other request_id, right hash", reqBody, wrongIDBody, wrongIDSig, envelope.ErrMismatch},
		{"other resource", reqBody, wrongResBody, wrongResSig, envelope.ErrMismatch},
		{"unknown status", reqBody, badStatusBody, badStatusSig, envelope.ErrMalformed},
		{"no request_hash", reqBody, noHashBody, noHashSig, envelope.ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := envelope.OpenAnswer(p.verifier, tc.reqBody, tc.body, tc.sig)
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			for _, other := range []error{envelope.ErrSignature, envelope.ErrMismatch, envelope.ErrMalformed} {
				if other != tc.want && errors.Is(err, other) {
					t.Errorf("err = %v is also %v", err, other)
				}
			}
		})
	}
}

func TestSealAnswerBindsToTheRequest(t *testing.T) {
	t.Parallel()
	p := keys(t)
	reqBody, _ := sealed(t, p)

	t.Run("request_id disagreeing with the body is refused", func(t *testing.T) {
		_, _, err := envelope.SealAnswer(p.resource, reqBody, envelope.Answer{
			RequestID: envelope.NewID(), Resource: "mvd", Status: envelope.StatusOK,
		})
		if !errors.Is(err, envelope.ErrMismatch) {
			t.Errorf("err = %v, want ErrMismatch", err)
		}
	})
	t.Run("a refusal of an unreadable request still carries its hash", func(t *testing.T) {
		garbage := []byte("not json at all")
		body, _, err := envelope.SealAnswer(p.resource, garbage, envelope.Answer{
			Resource: "mvd", Status: envelope.StatusError, Error: "unreadable request",
		})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(body, []byte(envelope.Hash(garbage))) || !bytes.Contains(body, []byte(`"request_id":""`)) {
			t.Errorf("answer %s", body)
		}
	})
	t.Run("only a refusal may lack the request_id", func(t *testing.T) {
		_, _, err := envelope.SealAnswer(p.resource, []byte("garbage"), envelope.Answer{Resource: "mvd", Status: envelope.StatusOK})
		if !errors.Is(err, envelope.ErrMalformed) {
			t.Errorf("err = %v, want ErrMalformed", err)
		}
	})
}

func TestNewIDIsRandomUUID(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		id := envelope.NewID()
		if len(id) != 36 || id[8] != '-' || id[14] != '4' || !strings.ContainsRune("89ab", rune(id[19])) {
			t.Fatalf("id %q is not a v4 UUID", id)
		}
		if seen[id] {
			t.Fatalf("id %q repeated", id)
		}
		seen[id] = true
	}
}

func TestSplitService(t *testing.T) {
	t.Parallel()
	for in, ok := range map[string]bool{
		"mvd/person": true, "property/realty": true, "residence/address": true, "a-b/c_d": true,
		"": false, "mvd": false, "/person": false, "mvd/": false, "mvd/person/x": false, "mvd/Person": false, "мвд/person": false,
	} {
		if _, _, got := envelope.SplitService(in); got != ok {
			t.Errorf("SplitService(%q) ok = %v, want %v", in, got, ok)
		}
	}
}

package envelope_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"odnookno/internal/fault"
	"odnookno/internal/interop/envelope"
)

// resource is a minimal information resource built only from this
// package's server-side helpers, answering with code and status.
func resource(t *testing.T, p *pki, code int, status envelope.Status) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(resourceHandler(p, code, status))
	t.Cleanup(srv.Close)
	return srv
}

func resourceHandler(p *pki, code int, status envelope.Status) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := envelope.Receive(p.verifier, r, 0)
		if err != nil {
			body, sig, serr := envelope.SealAnswer(p.resource, in.Body, envelope.Answer{Resource: "mvd", Status: envelope.StatusError, Error: err.Error()})
			if serr != nil {
				http.Error(w, serr.Error(), http.StatusInternalServerError)
				return
			}
			envelope.WriteAnswer(w, http.StatusUnauthorized, body, sig)
			return
		}
		body, sig, err := envelope.SealAnswer(p.resource, in.Body, envelope.Answer{
			Resource: in.Request.Resource(), Status: status,
			Payload: json.RawMessage(`{"echo":` + string(in.Request.Payload) + `}`),
			Error:   map[bool]string{true: "maintenance window"}[status == envelope.StatusError],
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		envelope.WriteAnswer(w, code, body, sig)
	})
}

func client(p *pki) *envelope.Client {
	return &envelope.Client{Signer: p.platform, Verifier: p.verifier, Timeout: 5 * time.Second}
}

func TestClientRoundTrip(t *testing.T) {
	t.Parallel()
	p := keys(t)
	srv := resource(t, p, http.StatusOK, envelope.StatusOK)

	ex, err := client(p).Call(context.Background(), srv.URL, request())
	if err != nil {
		t.Fatalf("Call: %v", err)
	}
	if ex.HTTPStatus != 200 || ex.Answer.Status != envelope.StatusOK || ex.Resource.CommonName != "MVD person register" {
		t.Errorf("exchange %+v", ex)
	}
	if ex.Answer.RequestID != ex.Request.ID || ex.Answer.RequestHash != envelope.Hash(ex.RequestBody) {
		t.Error("answer not bound to the request")
	}
	if !strings.Contains(string(ex.Answer.Payload), "3270287A012PB2") {
		t.Errorf("payload %s", ex.Answer.Payload)
	}
	// The archived bytes verify on their own, years later, without the client.
	if _, _, err := envelope.Open(p.verifier, ex.RequestBody, ex.RequestSig); err != nil {
		t.Errorf("archived request: %v", err)
	}
	if _, _, err := envelope.OpenAnswer(p.verifier, ex.RequestBody, ex.AnswerBody, ex.AnswerSig); err != nil {
		t.Errorf("archived answer: %v", err)
	}
}

func TestClientSendResendsArchivedBytes(t *testing.T) {
	t.Parallel()
	p := keys(t)
	var (
		mu  sync.Mutex
		ids []string
	)
	inner := resourceHandler(p, http.StatusOK, envelope.StatusNotFound)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ids = append(ids, r.Header.Get(envelope.HeaderCorrelationID))
		mu.Unlock()
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	body, sig := sealed(t, p)
	c := client(p)
	for range 2 {
		ex, err := c.Send(context.Background(), srv.URL, body, sig)
		if err != nil {
			t.Fatal(err)
		}
		if ex.Answer.Status != envelope.StatusNotFound {
			t.Errorf("status %q", ex.Answer.Status)
		}
	}
	req, _ := envelope.Peek(body)
	mu.Lock()
	defer mu.Unlock()
	if len(ids) != 2 || ids[0] != req.ID || ids[1] != req.ID {
		t.Errorf("correlation ids %v, want twice %s", ids, req.ID)
	}
}

func TestClientErrorKinds(t *testing.T) {
	t.Parallel()
	p := keys(t)

	unsignedOK := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", envelope.MediaType)
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	}))
	t.Cleanup(unsignedOK.Close)
	redirect := httptest.NewServer(http.RedirectHandler("http://example.invalid/", http.StatusTemporaryRedirect))
	t.Cleanup(redirect.Close)
	throttled := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "slow down", http.StatusTooManyRequests)
	}))
	t.Cleanup(throttled.Close)
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(make([]byte, 2048))
	}))
	t.Cleanup(huge.Close)
	// A closed server's port may be reused by a parallel test, so a dropped
	// connection stands in for an unreachable resource.
	dropped := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(dropped.Close)

	cases := []struct {
		name     string
		url      string
		c        *envelope.Client
		want     error
		answered bool // a signed answer came with the refusal
	}{
		{"503 is retryable", resource(t, p, http.StatusServiceUnavailable, envelope.StatusError).URL, client(p), envelope.ErrUnavailable, true},
		{"500 is retryable", resource(t, p, http.StatusInternalServerError, envelope.StatusError).URL, client(p), envelope.ErrUnavailable, true},
		{"429 is retryable", throttled.URL, client(p), envelope.ErrUnavailable, false},
		{"400 is not", resource(t, p, http.StatusBadRequest, envelope.StatusError).URL, client(p), envelope.ErrRejected, true},
		{"redirect is not followed", redirect.URL, client(p), envelope.ErrRejected, false},
		{"connection dropped", dropped.URL, client(p), envelope.ErrUnavailable, false},
		{"unsigned 200", unsignedOK.URL, client(p), envelope.ErrSignature, false},
		{"answer too large", huge.URL, &envelope.Client{Signer: p.platform, Verifier: p.verifier, MaxAnswerBytes: 1024}, envelope.ErrMalformed, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ex, err := tc.c.Call(context.Background(), tc.url, request())
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if ex == nil || len(ex.RequestBody) == 0 || len(ex.RequestSig) == 0 {
				t.Fatal("no archived request with the error")
			}
			if tc.answered && (ex.Answer.Status != envelope.StatusError || ex.Answer.Error == "" || !strings.Contains(err.Error(), ex.Answer.Error)) {
				t.Errorf("refusal answer %+v not kept or not quoted in %v", ex.Answer, err)
			}
			if errors.Is(err, envelope.ErrUnavailable) != errors.Is(err, fault.Unavailable) {
				t.Error("ErrUnavailable and fault.Unavailable disagree")
			}
		})
	}
}

func TestClientTimeoutIsRetryable(t *testing.T) {
	t.Parallel()
	p := keys(t)
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // so the server notices the client leaving
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) }) // runs first: never hang Close
	c := &envelope.Client{Signer: p.platform, Verifier: p.verifier, Timeout: 100 * time.Millisecond}
	start := time.Now()
	ex, err := c.Call(context.Background(), slow.URL, request())
	if !errors.Is(err, envelope.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrUnavailable wrapping the deadline", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("gave up after %v", time.Since(start))
	}
	// Under load the client may give up before the request even arrives;
	// either way no HTTP answer came.
	if ex.HTTPStatus != 0 || len(ex.AnswerBody) != 0 {
		t.Errorf("status %d, answer %q", ex.HTTPStatus, ex.AnswerBody)
	}
}

func TestReceiveRefusals(t *testing.T) {
	t.Parallel()
	p := keys(t)
	body, sig := sealed(t, p)
	req, _ := envelope.Peek(body)
	post := func(sigHeader, corr string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
		if sigHeader != "" {
			r.Header.Set(envelope.HeaderSignature, sigHeader)
		}
		if corr != "" {
			r.Header.Set(envelope.HeaderCorrelationID, corr)
		}
		return r
	}
	good := encode(sig)
	cases := []struct {
		name string
		r    *http.Request
		want error
	}{
		{"unsigned", post("", req.ID), envelope.ErrSignature},
		{"signature not base64", post("!!!", req.ID), envelope.ErrSignature},
		{"correlation header differs", post(good, envelope.NewID()), envelope.ErrMalformed},
		{"correlation header missing", post(good, ""), envelope.ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in, err := envelope.Receive(p.verifier, tc.r, 0)
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			if string(in.Body) != string(body) {
				t.Error("body not kept for binding the refusal")
			}
		})
	}
	in, err := envelope.Receive(p.verifier, post(good, req.ID), 0)
	if err != nil || in.Request.ID != req.ID || in.Signer.CommonName != "Odnookno platform" {
		t.Errorf("good request: %+v, %v", in.Request, err)
	}
	if _, err := envelope.Receive(p.verifier, post(good, req.ID), 10); !errors.Is(err, envelope.ErrTooLarge) {
		t.Errorf("over the limit: err = %v, want ErrTooLarge", err)
	}
}

func encode(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

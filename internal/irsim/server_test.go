package irsim

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"odnookno/internal/fault"
	"odnookno/internal/interop/envelope"
	"odnookno/internal/signature"
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	ex := f.call(t, ServicePerson, "3270287A012PB2")

	if ex.Answer.Status != envelope.StatusOK || ex.HTTPStatus != http.StatusOK {
		t.Fatalf("answer %+v", ex.Answer)
	}
	// Signed by the mvd key, not just by someone the CA knows.
	if ex.Resource.OrganizationalUnit != ResourceMVD || ex.Resource.Organization != "Odnookno IR simulator" {
		t.Errorf("signed by %+v", ex.Resource)
	}
	if ex.Answer.RequestHash != envelope.Hash(ex.RequestBody) || ex.Answer.RequestID != ex.Request.ID {
		t.Error("answer not bound to the request")
	}
	var p PersonAnswer
	if err := json.Unmarshal(ex.Answer.Payload, &p); err != nil {
		t.Fatal(err)
	}
	if p.Surname != "Иванов" || p.Name != "Иван" || p.Patronymic != "Иванович" || p.BirthDate != "1987-02-27" ||
		p.Document.Type != "passport" || p.Document.Series != "AB" || p.Document.Number != "2345671" {
		t.Errorf("person %+v", p)
	}
	// The archived pair verifies on its own.
	if _, _, err := envelope.OpenAnswer(f.verifier, ex.RequestBody, ex.AnswerBody, ex.AnswerSig); err != nil {
		t.Errorf("archived answer: %v", err)
	}
	st := f.srv.Stats()
	if st.Received != 1 || st.Unique != 1 || st.Services[ServicePerson] != (ServiceStats{Received: 1, Unique: 1}) {
		t.Errorf("stats %+v", st)
	}
}

func TestTamperedAnswerIsRefused(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	ex := f.call(t, ServicePerson, "3270287A012PB2")
	tampered := bytes.Replace(ex.AnswerBody, []byte("Иванов"), []byte("Петров"), 1)
	if bytes.Equal(tampered, ex.AnswerBody) {
		t.Fatal("nothing to tamper with")
	}
	if _, _, err := envelope.OpenAnswer(f.verifier, ex.RequestBody, tampered, ex.AnswerSig); !errors.Is(err, envelope.ErrSignature) {
		t.Errorf("err = %v, want ErrSignature", err)
	}
}

func TestAnswerForAnotherRequestIsRefused(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	a := f.call(t, ServicePerson, "3270287A012PB2")
	b := f.call(t, ServicePerson, "3270287A012PB2") // same question, another request
	if _, _, err := envelope.OpenAnswer(f.verifier, a.RequestBody, b.AnswerBody, b.AnswerSig); !errors.Is(err, envelope.ErrMismatch) {
		t.Errorf("err = %v, want ErrMismatch", err)
	}
}

func TestUnsignedAndForgedRequestsAreRefused(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	body, sig, err := envelope.Seal(f.platform, query(ServicePerson, "3270287A012PB2"))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := envelope.Peek(body)

	// A resource key chains to the same dev CA, but the platform's own
	// key is what signs requests; a stranger's CA is not trusted at all.
	stranger := t.TempDir()
	if err := signature.DevCA(stranger, time.Now()); err != nil {
		t.Fatal(err)
	}
	cert, key, err := signature.Issue(stranger, signature.IssueRequest{Name: "Mallory"})
	if err != nil {
		t.Fatal(err)
	}
	mallory, err := signature.LoadSigner(cert, key)
	if err != nil {
		t.Fatal(err)
	}
	forgedSig, err := mallory.Sign(body)
	if err != nil {
		t.Fatal(err)
	}
	tamperedBody := bytes.Replace(body, []byte("3270287A012PB2"), []byte("4110489A020PB1"), 1)

	cases := []struct {
		name      string
		body, sig []byte
	}{
		{"unsigned", body, nil},
		{"signed by an untrusted CA", body, forgedSig},
		{"body changed after signing", tamperedBody, sig},
	}
	for _, tc := range cases {
		hr, _ := http.NewRequest(http.MethodPost, f.http.URL, bytes.NewReader(tc.body))
		hr.Header.Set(envelope.HeaderCorrelationID, req.ID)
		if tc.sig != nil {
			hr.Header.Set(envelope.HeaderSignature, base64.StdEncoding.EncodeToString(tc.sig))
		}
		resp, err := http.DefaultClient.Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		ansBody := readAll(t, resp)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: HTTP %d, want 401", tc.name, resp.StatusCode)
			continue
		}
		// The refusal itself is signed and bound to what was sent.
		ansSig, _ := base64.StdEncoding.DecodeString(resp.Header.Get(envelope.HeaderSignature))
		a, _, err := envelope.OpenAnswer(f.verifier, tc.body, ansBody, ansSig)
		if err != nil {
			t.Errorf("%s: refusal does not open: %v", tc.name, err)
			continue
		}
		if a.Status != envelope.StatusError || !strings.Contains(a.Error, "signature") {
			t.Errorf("%s: refusal %+v", tc.name, a)
		}
	}
	st := f.srv.Stats()
	if st.Received != 3 || st.Refused != 3 || st.Unique != 0 {
		t.Errorf("stats %+v", st)
	}

	// Through the client the same refusal is not retryable.
	c := &envelope.Client{Signer: mallory, Verifier: f.verifier}
	if _, err := c.Call(context.Background(), f.http.URL, query(ServicePerson, "3270287A012PB2")); !errors.Is(err, envelope.ErrRejected) {
		t.Errorf("client: err = %v, want ErrRejected", err)
	}
}

func readAll(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestRetryIsAnsweredOnceWithTheSameAnswer(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	body, sig, err := envelope.Seal(f.platform, query(ServiceRealty, "3270287A012PB2"))
	if err != nil {
		t.Fatal(err)
	}
	first, err := f.client.Send(context.Background(), f.http.URL, body, sig)
	if err != nil {
		t.Fatal(err)
	}
	// Retries, some of them racing each other.
	var wg sync.WaitGroup
	answers := make([]*envelope.Exchange, 8)
	errs := make([]error, len(answers))
	for i := range answers {
		wg.Go(func() { answers[i], errs[i] = f.client.Send(context.Background(), f.http.URL, body, sig) })
	}
	wg.Wait()
	for i, ex := range answers {
		if errs[i] != nil {
			t.Fatalf("retry %d: %v", i, errs[i])
		}
		if !bytes.Equal(ex.AnswerBody, first.AnswerBody) || !bytes.Equal(ex.AnswerSig, first.AnswerSig) {
			t.Errorf("retry %d got a different answer", i)
		}
	}
	st := f.srv.Stats()
	if st.Received != 9 || st.Unique != 1 || st.Duplicates != 8 {
		t.Errorf("stats %+v", st)
	}
	if ss := st.Services[ServiceRealty]; ss.Unique != 1 || ss.Received != 9 {
		t.Errorf("realty stats %+v", ss)
	}
}

func TestConcurrentFirstAttemptsAreProcessedOnce(t *testing.T) {
	t.Parallel()
	// With latency, a retry can arrive while the first attempt is still
	// being processed; it must wait for that answer, not make its own.
	f := setup(t, func(c *Config) { c.Latency = 20 * time.Millisecond })
	body, sig, err := envelope.Seal(f.platform, query(ServiceAddress, "4110489A020PB1"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	answers := make([][]byte, 6)
	for i := range answers {
		wg.Go(func() {
			ex, err := f.client.Send(context.Background(), f.http.URL, body, sig)
			if err != nil {
				t.Error(err)
				return
			}
			answers[i] = ex.AnswerBody
		})
	}
	wg.Wait()
	for i := range answers {
		if !bytes.Equal(answers[i], answers[0]) {
			t.Errorf("attempt %d got a different answer", i)
		}
	}
	if st := f.srv.Stats(); st.Unique != 1 || st.Duplicates != 5 {
		t.Errorf("stats %+v", st)
	}
}

func TestReusedCorrelationIDForAnotherRequestIsRefused(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	r := query(ServicePerson, "3270287A012PB2")
	r.ID = envelope.NewID()
	if _, err := f.client.Call(context.Background(), f.http.URL, r); err != nil {
		t.Fatal(err)
	}
	r.Payload = []byte(`{"pin":"4110489A020PB1"}`)
	ex, err := f.client.Call(context.Background(), f.http.URL, r)
	if !errors.Is(err, envelope.ErrRejected) || ex.HTTPStatus != http.StatusConflict {
		t.Fatalf("err = %v (HTTP %d), want ErrRejected with 409", err, ex.HTTPStatus)
	}
	if st := f.srv.Stats(); st.Unique != 1 || st.Refused != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestFailureRateOneIsUnavailable(t *testing.T) {
	t.Parallel()
	f := setup(t, func(c *Config) { c.FailureRate = 1 })
	ex, err := f.client.Call(context.Background(), f.http.URL, query(ServicePerson, "3270287A012PB2"))
	if !errors.Is(err, envelope.ErrUnavailable) || !errors.Is(err, fault.Unavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if ex.HTTPStatus != http.StatusServiceUnavailable || ex.Answer.Status != envelope.StatusError {
		t.Errorf("HTTP %d, answer %+v", ex.HTTPStatus, ex.Answer)
	}
	if st := f.srv.Stats(); st.Received != 1 || st.Failed != 1 || st.Unique != 0 {
		t.Errorf("stats %+v: a failed attempt must not count as processed", st)
	}
}

func TestFailureRateIsAShareAndRepeatable(t *testing.T) {
	t.Parallel()
	run := func() []bool {
		f := setup(t, func(c *Config) { c.FailureRate = 0.3; c.Seed = 42 })
		out := make([]bool, 100)
		for i := range out {
			out[i] = f.srv.failNow()
		}
		return out
	}
	a, b := run(), run()
	failed := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("the same seed gave different failures")
		}
		if a[i] {
			failed++
		}
	}
	if failed < 15 || failed > 45 {
		t.Errorf("%d of 100 failed at rate 0.3", failed)
	}
}

func TestDownAndBackUp(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	body, sig, err := envelope.Seal(f.platform, query(ServicePerson, "7123456A001PB9"))
	if err != nil {
		t.Fatal(err)
	}
	f.srv.SetDown(true)
	if _, err := f.client.Send(context.Background(), f.http.URL, body, sig); !errors.Is(err, envelope.ErrUnavailable) {
		t.Fatalf("down: err = %v, want ErrUnavailable", err)
	}
	if code := get(t, f.http.URL+"/health"); code != http.StatusServiceUnavailable {
		t.Errorf("health while down: %d", code)
	}
	f.srv.SetDown(false)
	ex, err := f.client.Send(context.Background(), f.http.URL, body, sig) // the retry
	if err != nil || ex.Answer.Status != envelope.StatusOK {
		t.Fatalf("after coming back: %v", err)
	}
	if code := get(t, f.http.URL+"/health"); code != http.StatusOK {
		t.Errorf("health: %d", code)
	}
	if st := f.srv.Stats(); st.Received != 2 || st.Failed != 1 || st.Unique != 1 {
		t.Errorf("stats %+v", st)
	}
}

func get(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestLatencyAndJitter(t *testing.T) {
	t.Parallel()
	const latency, jitter = 300 * time.Millisecond, 200 * time.Millisecond
	f := setup(t, func(c *Config) { c.Latency, c.Jitter = latency, jitter })
	var (
		mu     sync.Mutex
		delays []time.Duration
	)
	f.srv.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		delays = append(delays, d)
		mu.Unlock()
		return nil
	}
	for range 20 {
		f.call(t, ServicePerson, "3270287A012PB2")
	}
	mu.Lock()
	defer mu.Unlock()
	distinct := map[time.Duration]bool{}
	for _, d := range delays {
		if d < latency || d >= latency+jitter {
			t.Errorf("delay %v outside [%v, %v)", d, latency, latency+jitter)
		}
		distinct[d] = true
	}
	if len(delays) != 20 || len(distinct) < 10 {
		t.Errorf("%d delays, %d distinct: jitter not applied", len(delays), len(distinct))
	}
}

func TestLatencyIsReallyWaited(t *testing.T) {
	t.Parallel()
	f := setup(t, func(c *Config) { c.Latency = 150 * time.Millisecond })
	start := time.Now()
	f.call(t, ServicePerson, "3270287A012PB2")
	if el := time.Since(start); el < 150*time.Millisecond {
		t.Errorf("answered after %v", el)
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	cases := []struct {
		name    string
		path    string
		req     envelope.Request
		code    int
		wantErr error
	}{
		{"unknown service", "/", query("tax/debts", "3270287A012PB2"), http.StatusNotFound, envelope.ErrRejected},
		{"no pin", "/", envelope.Request{Sender: "odnookno", Service: ServicePerson, Payload: []byte(`{}`)}, http.StatusBadRequest, envelope.ErrRejected},
		{"pin not a string", "/", envelope.Request{Sender: "odnookno", Service: ServicePerson, Payload: []byte(`{"pin":42}`)}, http.StatusBadRequest, envelope.ErrRejected},
		{"path disagrees with the signed service", "/property/realty", query(ServicePerson, "3270287A012PB2"), http.StatusBadRequest, envelope.ErrRejected},
		{"path agrees", "/mvd/person", query(ServicePerson, "3270287A012PB2"), http.StatusOK, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ex, err := f.client.Call(context.Background(), f.http.URL+tc.path, tc.req)
			if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if ex.HTTPStatus != tc.code {
				t.Errorf("HTTP %d, want %d", ex.HTTPStatus, tc.code)
			}
		})
	}
}

func TestRunServesUntilCancelled(t *testing.T) {
	t.Parallel()
	cfg, err := devKeys.ServerConfig()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.serve(ctx, ln) }()

	platform, _ := devKeys.PlatformSigner()
	roots, _ := devKeys.Roots()
	v, _ := signature.NewVerifier(roots, nil, time.Now)
	c := &envelope.Client{Signer: platform, Verifier: v}
	ex, err := c.Call(context.Background(), "http://"+ln.Addr().String()+"/", query(ServiceAddress, "3270287A012PB2"))
	if err != nil || ex.Answer.Status != envelope.StatusOK {
		t.Fatalf("call: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}

	// Run itself refuses a configuration without roots before listening.
	if err := Run(context.Background(), Config{}); err == nil {
		t.Error("Run without roots started")
	}
}

func TestShutdownCutsSlowAnswersWith503(t *testing.T) {
	t.Parallel()
	cfg, err := devKeys.ServerConfig()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Latency = time.Hour
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan struct{})
	srv.sleep = func(ctx context.Context, d time.Duration) error {
		close(waiting)
		<-ctx.Done()
		return ctx.Err()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.serve(ctx, ln) }()

	platform, _ := devKeys.PlatformSigner()
	roots, _ := devKeys.Roots()
	v, _ := signature.NewVerifier(roots, nil, time.Now)
	c := &envelope.Client{Signer: platform, Verifier: v}
	calls := make(chan error, 1)
	go func() {
		_, err := c.Call(context.Background(), "http://"+ln.Addr().String()+"/", query(ServicePerson, "3270287A012PB2"))
		calls <- err
	}()
	<-waiting
	cancel()
	if err := <-calls; !errors.Is(err, envelope.ErrUnavailable) {
		t.Errorf("slow call during shutdown: err = %v, want ErrUnavailable", err)
	}
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}

func TestNewServerChecksConfig(t *testing.T) {
	t.Parallel()
	good, err := devKeys.ServerConfig()
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(*Config){
		"no roots":           func(c *Config) { c.PlatformRoots = nil },
		"failure rate above": func(c *Config) { c.FailureRate = 1.5 },
		"negative latency":   func(c *Config) { c.Latency = -time.Second },
		"no signer":          func(c *Config) { c.ResourceSigners = nil },
	}
	for name, mutate := range cases {
		cfg := good
		mutate(&cfg)
		if _, err := NewServer(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// One Signer for everything is enough.
	cfg := good
	cfg.Signer, cfg.ResourceSigners = good.ResourceSigners[ResourceMVD], nil
	if _, err := NewServer(cfg); err != nil {
		t.Errorf("single signer: %v", err)
	}
}

// handlerDirect exercises the handler without a network, for checks that
// need many requests.
func TestHandlerWithoutNetwork(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	body, sig, err := envelope.Seal(f.platform, query(ServicePerson, "3270287A012PB2"))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := envelope.Peek(body)
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	r.Header.Set(envelope.HeaderSignature, base64.StdEncoding.EncodeToString(sig))
	r.Header.Set(envelope.HeaderCorrelationID, req.ID)
	w := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(w, r)
	if w.Code != http.StatusOK || w.Header().Get(envelope.HeaderCorrelationID) != req.ID || w.Header().Get("Content-Type") != envelope.MediaType {
		t.Errorf("HTTP %d, headers %v", w.Code, w.Header())
	}
}

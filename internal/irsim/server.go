package irsim

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"odnookno/internal/interop/envelope"
	"odnookno/internal/signature"
)

// Config describes one simulator instance. Everything that makes it behave
// like a real, imperfect register is here so a test states the conditions it
// runs under.
type Config struct {
	// Addr is where Run listens, e.g. "127.0.0.1:8095".
	Addr string
	// Latency is added to every request, plus a uniform random share of
	// Jitter, before anything is answered — including refusals, since the
	// network and the register's front end are slow for everyone.
	Latency time.Duration
	Jitter  time.Duration
	// FailureRate in [0, 1] is the share of requests answered 503 without
	// being processed, so the platform's retries meet real failures.
	FailureRate float64
	// Seed makes jitter and failures repeatable. It does not touch the
	// people: a PIN is the same person whatever the seed.
	Seed uint64
	// PlatformRoots are the roots the platform's signing certificate must
	// chain to; requests signed by anything else are refused.
	PlatformRoots []*x509.Certificate
	// Signer signs answers of every resource without its own entry in
	// ResourceSigners, and refusals not addressed to a known resource.
	Signer signature.Signer
	// ResourceSigners gives each resource ("mvd", "residence", "property")
	// its own key, as separate owners would have (see DevKeys).
	ResourceSigners map[string]signature.Signer
	// Now is the simulator's clock (time.Now when nil): answer times,
	// document validity and signature checks.
	Now    func() time.Time
	Logger *slog.Logger
}

// Stats counts what reached the simulator. Its point is Unique: compared
// with the number of questions the platform meant to ask, it proves that
// retries did not make the register answer anything twice.
type Stats struct {
	Received   int // every request that arrived, however it ended
	Unique     int // distinct correlation IDs processed
	Duplicates int // repeats of a processed request, answered from memory
	Failed     int // answered 503: down or an injected failure
	Refused    int // 4xx: unsigned, malformed, unknown service, reused ID
	// Services holds the same counts per known service.
	Services map[string]ServiceStats
}

// ServiceStats is Stats for one service.
type ServiceStats struct {
	Received   int
	Unique     int
	Duplicates int
}

// maxRemembered bounds the de-duplication memory of a long-running demo.
// A retry older than the last maxRemembered requests is processed again,
// which only a test running that many requests could notice.
const maxRemembered = 100_000

// gateway names refusals that no single resource can be said to give
// (a request too broken to name its service, or naming an unknown one).
const gateway = "irsim"

// Server is a running simulator: the registers, their keys, and the memory
// of requests already answered. It is safe for concurrent use.
type Server struct {
	cfg      Config
	verifier *signature.Verifier
	signers  map[string]signature.Signer
	fallback signature.Signer
	now      func() time.Time
	log      *slog.Logger
	handler  http.Handler
	// sleep waits d or until ctx ends; tests replace it to observe delays.
	sleep func(ctx context.Context, d time.Duration) error

	down atomic.Bool

	rngMu sync.Mutex
	rng   *rand.Rand

	mu    sync.Mutex
	stats Stats
	seen  map[string]*entry
	order []string // correlation IDs in arrival order, for eviction
}

// entry is the memory of one correlation ID: the hash of the body that
// first used it and, once processed, the exact answer sent.
type entry struct {
	hash string

	mu        sync.Mutex // held while the answer is computed
	done      bool
	code      int
	body, sig []byte
}

// NewServer checks cfg and prepares the registers.
func NewServer(cfg Config) (*Server, error) {
	if len(cfg.PlatformRoots) == 0 {
		return nil, errors.New("irsim: no platform roots: every request would be refused")
	}
	if cfg.FailureRate < 0 || cfg.FailureRate > 1 {
		return nil, fmt.Errorf("irsim: failure rate %v is not in [0, 1]", cfg.FailureRate)
	}
	if cfg.Latency < 0 || cfg.Jitter < 0 {
		return nil, errors.New("irsim: negative latency or jitter")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	v, err := signature.NewVerifier(cfg.PlatformRoots, nil, now)
	if err != nil {
		return nil, fmt.Errorf("irsim: %w", err)
	}
	s := &Server{
		cfg: cfg, verifier: v, now: now, log: cfg.Logger,
		signers: make(map[string]signature.Signer),
		sleep:   sleepCtx,
		rng:     rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x6f646e6f6f6b6e6f)),
		seen:    make(map[string]*entry),
		stats:   Stats{Services: make(map[string]ServiceStats)},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, res := range Resources() {
		sg := cfg.ResourceSigners[res]
		if sg == nil {
			sg = cfg.Signer
		}
		if sg == nil {
			return nil, fmt.Errorf("irsim: no signer for resource %q", res)
		}
		s.signers[res] = sg
	}
	s.fallback = cfg.Signer
	if s.fallback == nil {
		s.fallback = s.signers[ResourceMVD]
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /{$}", s.serveRequest)
	mux.HandleFunc("POST /{resource}/{service}", s.serveRequest)
	mux.HandleFunc("GET /health", s.serveHealth)
	s.handler = mux
	return s, nil
}

// Handler serves all three resources: POST / routes by the signed service
// name, POST /<resource>/<service> additionally insists the path and the
// signed name agree. GET /health reports whether the simulator is down.
func (s *Server) Handler() http.Handler { return s.handler }

// SetDown switches the whole simulator into (or out of) a maintenance
// outage: every request is answered 503 until it is switched back.
func (s *Server) SetDown(down bool) { s.down.Store(down) }

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Services = make(map[string]ServiceStats, len(s.stats.Services))
	for k, v := range s.stats.Services {
		st.Services[k] = v
	}
	return st
}

func (s *Server) serveHealth(w http.ResponseWriter, _ *http.Request) {
	if s.down.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

func (s *Server) serveRequest(w http.ResponseWriter, r *http.Request) {
	in, err := envelope.Receive(s.verifier, r, 0)
	service := in.Request.Service
	if err != nil {
		// Only for counting and choosing the refusing key; nothing is
		// done on behalf of an unverified request.
		if peeked, perr := envelope.Peek(in.Body); perr == nil {
			service = peeked.Service
		}
	}
	if !slices.Contains(Services(), service) {
		service = "" // never let unverified input create counters
	}
	s.count(service, func(st *Stats, ss *ServiceStats) { st.Received++; ss.Received++ })

	if err := s.sleep(r.Context(), s.delay()); err != nil {
		// The platform gave up, or the simulator is shutting down. Never
		// return without an answer: net/http would send an empty 200.
		s.count("", func(st *Stats, _ *ServiceStats) { st.Failed++ })
		s.refuse(w, in.Body, service, http.StatusServiceUnavailable, "the register is shutting down")
		return
	}
	if s.down.Load() {
		w.Header().Set("Retry-After", "60")
		s.count("", func(st *Stats, _ *ServiceStats) { st.Failed++ })
		s.refuse(w, in.Body, service, http.StatusServiceUnavailable, "the register is down for maintenance")
		return
	}
	if s.failNow() {
		s.count("", func(st *Stats, _ *ServiceStats) { st.Failed++ })
		s.refuse(w, in.Body, service, http.StatusServiceUnavailable, "temporary failure, try again later")
		return
	}
	if err != nil {
		code := http.StatusBadRequest
		switch {
		case errors.Is(err, envelope.ErrSignature):
			code = http.StatusUnauthorized
		case errors.Is(err, envelope.ErrTooLarge):
			code = http.StatusRequestEntityTooLarge
		}
		s.count("", func(st *Stats, _ *ServiceStats) { st.Refused++ })
		s.log.Warn("irsim: refused request", "code", code, "err", err)
		s.refuse(w, in.Body, service, code, refusalText(err))
		return
	}
	if res, svc := r.PathValue("resource"), r.PathValue("service"); res != "" && res+"/"+svc != in.Request.Service {
		s.count("", func(st *Stats, _ *ServiceStats) { st.Refused++ })
		s.refuse(w, in.Body, service, http.StatusBadRequest, fmt.Sprintf("posted to /%s/%s but signed for %s", res, svc, in.Request.Service))
		return
	}
	if service == "" {
		s.count("", func(st *Stats, _ *ServiceStats) { st.Refused++ })
		s.refuse(w, in.Body, "", http.StatusNotFound, fmt.Sprintf("no service %q here", in.Request.Service))
		return
	}
	s.answer(w, in)
}

// answer processes a verified request once per correlation ID and replays
// the very same signed answer to any retry of it.
func (s *Server) answer(w http.ResponseWriter, in envelope.Incoming) {
	id, service, hash := in.Request.ID, in.Request.Service, envelope.Hash(in.Body)
	s.mu.Lock()
	e, seen := s.seen[id]
	switch {
	case !seen:
		e = &entry{hash: hash}
		s.remember(id, e)
		s.bump(service, func(st *Stats, ss *ServiceStats) { st.Unique++; ss.Unique++ })
	case e.hash == hash:
		s.bump(service, func(st *Stats, ss *ServiceStats) { st.Duplicates++; ss.Duplicates++ })
	default:
		s.bump("", func(st *Stats, _ *ServiceStats) { st.Refused++ })
	}
	s.mu.Unlock()
	if e.hash != hash {
		// A retry must resend the archived bytes; a different body under a
		// used ID is a platform bug or a replay, and answering it would
		// make the register's log ambiguous.
		s.refuse(w, in.Body, service, http.StatusConflict, "correlation id "+id+" was already used for a different request")
		return
	}

	e.mu.Lock()
	if !e.done {
		code, body, sig, err := s.process(in)
		if err != nil {
			e.mu.Unlock()
			s.log.Error("irsim: cannot answer", "id", id, "err", err)
			http.Error(w, "cannot sign the answer", http.StatusInternalServerError)
			return
		}
		e.code, e.body, e.sig, e.done = code, body, sig, true
	}
	code, body, sig := e.code, e.body, e.sig
	e.mu.Unlock()
	s.log.Info("irsim: answered", "service", service, "id", id, "code", code, "repeat", seen)
	envelope.WriteAnswer(w, code, body, sig)
}

// process asks the register: every service takes {"pin"}.
func (s *Server) process(in envelope.Incoming) (code int, body, sig []byte, err error) {
	req := in.Request
	res := req.Resource()
	a := envelope.Answer{Resource: res, Time: s.now()}
	var q PersonQuery
	code = http.StatusOK
	switch err := json.Unmarshal(req.Payload, &q); {
	case err != nil:
		code, a.Status, a.Error = http.StatusBadRequest, envelope.StatusError, "payload is not {\"pin\": string}"
	case strings.TrimSpace(q.PIN) == "":
		code, a.Status, a.Error = http.StatusBadRequest, envelope.StatusError, "payload.pin is required"
	default:
		p, ok := Lookup(q.PIN)
		if !ok {
			a.Status, a.Error = envelope.StatusNotFound, "no person with this identification number"
			break
		}
		payload, err := json.Marshal(answerFor(req.Service, p, a.Time))
		if err != nil {
			return 0, nil, nil, err
		}
		a.Status, a.Payload = envelope.StatusOK, payload
	}
	body, sig, err = envelope.SealAnswer(s.signers[res], in.Body, a)
	return code, body, sig, err
}

// refuse answers with a signed error bound to whatever body arrived, so
// even a refusal is evidence of what was refused; only when signing itself
// fails does it fall back to plain text.
func (s *Server) refuse(w http.ResponseWriter, reqBody []byte, service string, code int, msg string) {
	res, _, _ := envelope.SplitService(service)
	signer := s.signers[res]
	if service == "" || signer == nil {
		res, signer = gateway, s.fallback
	}
	body, sig, err := envelope.SealAnswer(signer, reqBody, envelope.Answer{
		Resource: res, Time: s.now(), Status: envelope.StatusError, Error: msg,
	})
	if err != nil {
		s.log.Error("irsim: cannot sign a refusal", "err", err)
		http.Error(w, msg, code)
		return
	}
	envelope.WriteAnswer(w, code, body, sig)
}

// refusalText tells the platform's engineer what to fix without echoing
// the whole chain of internal errors.
func refusalText(err error) string {
	switch {
	case errors.Is(err, envelope.ErrSignature):
		return "request signature not valid: " + err.Error()
	case errors.Is(err, envelope.ErrTooLarge):
		return "request too large"
	}
	return "malformed request: " + err.Error()
}

func (s *Server) count(service string, f func(*Stats, *ServiceStats)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bump(service, f)
}

// bump expects s.mu held. Counts for the empty service go to the totals only.
func (s *Server) bump(service string, f func(*Stats, *ServiceStats)) {
	ss := s.stats.Services[service]
	f(&s.stats, &ss)
	if service != "" {
		s.stats.Services[service] = ss
	}
}

// remember expects s.mu held.
func (s *Server) remember(id string, e *entry) {
	s.seen[id] = e
	s.order = append(s.order, id)
	if len(s.order) > maxRemembered {
		delete(s.seen, s.order[0])
		s.order = s.order[1:] // append reallocates, so the head is freed
	}
}

func (s *Server) delay() time.Duration {
	d := s.cfg.Latency
	if s.cfg.Jitter > 0 {
		s.rngMu.Lock()
		d += time.Duration(s.rng.Int64N(int64(s.cfg.Jitter)))
		s.rngMu.Unlock()
	}
	return d
}

func (s *Server) failNow() bool {
	if s.cfg.FailureRate <= 0 {
		return false
	}
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	return s.rng.Float64() < s.cfg.FailureRate
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

package interop_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"odnookno/internal/audit"
	"odnookno/internal/fault"
	"odnookno/internal/interop"
	"odnookno/internal/interop/envelope"
	"odnookno/internal/store"
)

// serve starts h as the resource's endpoint.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

func TestRequestWithoutGrantRefused(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		sim, url := f.sim(t, nil)
		f.seed(t, url)

		_, err := f.svc.Send(ctx, f.officer, f.spec("mvd", "2026-0001", "3270287A012PB2"))
		if !errors.Is(err, fault.Forbidden) || code(err) != interop.CodeNoGrant {
			t.Fatalf("a request without a grant: %v", err)
		}
		// Refused and audited, and nothing was sent or queued.
		recs, err := f.audit.List(ctx, audit.Query{ActionLike: "interop.request_refused"})
		if err != nil || len(recs) != 1 || recs[0].CaseNumber != "2026-0001" || recs[0].ObjectID != "mvd/person" ||
			recs[0].Actor.ID != fmt.Sprintf("staff:%d", f.officer.ID) {
			t.Fatalf("refusal audit: %+v %v", recs, err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM interop_requests"); n != 0 {
			t.Fatalf("%d requests stored", n)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM river_job"); n != 0 {
			t.Fatalf("%d jobs queued", n)
		}
		if st := sim.Stats(); st.Received != 0 {
			t.Fatal("the resource was asked")
		}

		// From a case's registration: the refusal is audited in the caller's
		// transaction, which commits it.
		err = db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := f.svc.RequestForCase(audit.WithActor(ctx, audit.System), tx, f.spec("mvd", "2026-0002", "3270287A012PB2"))
			if code(err) != interop.CodeNoGrant {
				return fmt.Errorf("want no_grant, got %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if recs, _ := f.audit.List(ctx, audit.Query{CaseNumber: "2026-0002"}); len(recs) != 1 || recs[0].Action != "interop.request_refused" {
			t.Fatalf("refusal in the case's transaction: %+v", recs)
		}

		// The same user may still send it as an СМДО document.
		spec := f.spec("mvd", "2026-0001", "3270287A012PB2")
		spec.Channel = interop.ChannelSMDO
		r, err := f.svc.Send(ctx, f.officer, spec)
		if err != nil || r.State != interop.StateSMDOPending || r.DocumentCode == "" {
			t.Fatalf("СМДО without a grant: %+v %v", r, err)
		}
		// A revoked grant refuses again.
		g := f.grant(t, "mvd", "person")
		if _, err := f.svc.RevokeGrant(ctx, f.owner, g.ID, "отозван"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Send(ctx, f.officer, f.spec("mvd", "2026-0003", "3270287A012PB2")); code(err) != interop.CodeNoGrant {
			t.Fatalf("after revocation: %v", err)
		}
	})
}

func TestRequestValidation(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		f.seed(t, "http://127.0.0.1:1")
		f.grant(t, "mvd", "person")
		for _, tc := range []struct {
			name string
			edit func(*interop.RequestSpec)
			want string
		}{
			{"unknown resource", func(s *interop.RequestSpec) { s.Resource = "nope" }, interop.CodeResourceUnknown},
			{"unknown service", func(s *interop.RequestSpec) { s.Service = "nope" }, interop.CodeServiceUnknown},
			{"missing field", func(s *interop.RequestSpec) { s.Payload = map[string]any{} }, interop.CodeFieldRequired},
			{"unknown field", func(s *interop.RequestSpec) { s.Payload["password"] = "x" }, interop.CodeFieldUnknown},
			{"another body", func(s *interop.RequestSpec) { s.BodyCode = "mvd" }, interop.CodeNotYourBody},
			{"bad channel", func(s *interop.RequestSpec) { s.Channel = "pigeon" }, interop.CodeChannel},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := f.spec("mvd", "2026-0001", "3270287A012PB2")
				tc.edit(&s)
				if _, err := f.svc.Send(ctx, f.officer, s); code(err) != tc.want {
					t.Fatalf("got %v, want %s", err, tc.want)
				}
			})
		}
		if err := f.svc.SetResourceStatus(ctx, "mvd", interop.ResourceSuspended, f.operator.Actor("operator")); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Send(ctx, f.officer, f.spec("mvd", "2026-0001", "3270287A012PB2")); code(err) != interop.CodeResourceSuspended {
			t.Fatalf("suspended resource: %v", err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM interop_requests"); n != 0 {
			t.Fatalf("%d requests stored", n)
		}
	})
}

func TestHTTPRoundTrip(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		var seen []envelope.Request
		var mu sync.Mutex
		sim, url := f.sim(t, func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if req, err := envelope.Peek(body); err == nil {
					mu.Lock()
					seen = append(seen, req)
					mu.Unlock()
				}
				r.Body = io.NopCloser(bytes.NewReader(body))
				h.ServeHTTP(w, r)
			})
		})
		f.seed(t, url)
		f.grant(t, "mvd", "person")
		events := f.runner(t)

		// Sent automatically when the case is registered: in its transaction.
		var r interop.Request
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			r, err = f.svc.RequestForCase(ctx, tx, f.spec("mvd", "2026-0042", "3270287A012PB2"))
			return err
		})
		if err != nil || r.State != interop.StateQueued || r.CorrelationID == "" || !r.DueAt.After(r.CreatedAt) {
			t.Fatalf("request: %+v %v", r, err)
		}
		waitEvents(t, events, 30*time.Second, func(ev *river.Event) bool {
			if ev.Kind != river.EventKindJobCompleted {
				t.Fatalf("attempt %s: %v", ev.Kind, ev.Job.Errors)
			}
			return true
		})
		got, err := f.svc.Request(ctx, r.CorrelationID)
		if err != nil || got.State != interop.StateAnswered || got.AnswerStatus != "ok" || got.AnswerPayload["surname"] != "Иванов" ||
			got.Attempts != 1 || got.SentAt.IsZero() || got.AnsweredAt.Before(got.SentAt) || got.WasLate {
			t.Fatalf("answered request: %+v %v", got, err)
		}
		// Attached to the case once, in the answer's transaction.
		var payload string
		var late bool
		if err := db.R.QueryRow("SELECT payload, late FROM test_answers WHERE correlation_id = $1 AND case_number = $2 AND channel = 'http' AND status = 'ok'",
			r.CorrelationID, "2026-0042").Scan(&payload, &late); err != nil {
			t.Fatalf("answer not attached: %v", err)
		}
		if !bytes.Contains([]byte(payload), []byte("Иванов")) || late {
			t.Fatalf("attached %s late=%v", payload, late)
		}
		// The resource saw, signed, who asked and about which case, once.
		mu.Lock()
		if len(seen) != 1 || seen[0].ID != r.CorrelationID || seen[0].Case != "2026-0042" || seen[0].User != "ivanova@minsk-oo" ||
			seen[0].Sender != "odnookno" || seen[0].Service != "mvd/person" {
			t.Fatalf("the resource saw %+v", seen)
		}
		mu.Unlock()
		if st := sim.Stats(); st.Unique != 1 || st.Received != 1 {
			t.Fatalf("simulator: %+v", st)
		}
		// Both messages are archived unchanged and bound to each other.
		msgs, err := f.svc.Archive(ctx, interop.Query{CorrelationID: r.CorrelationID})
		if err != nil || len(msgs) != 2 || msgs[0].Direction != interop.DirectionRequest || msgs[1].Direction != interop.DirectionAnswer {
			t.Fatalf("archive: %+v %v", msgs, err)
		}
		for _, m := range msgs {
			if !m.Verified || !m.Intact() || len(m.Signature) == 0 || m.Problem != "" {
				t.Fatalf("archived %s: %+v", m.Direction, m)
			}
		}
		if _, _, err := envelope.OpenAnswer(f.pki.verifier, msgs[0].Body, msgs[1].Body, msgs[1].Signature); err != nil {
			t.Fatalf("the archived pair is not evidence on its own: %v", err)
		}
		if recs, _ := f.audit.List(ctx, audit.Query{CaseNumber: "2026-0042"}); len(recs) != 2 ||
			recs[0].Action != "interop.answer_received" || recs[1].Action != "interop.request" || recs[0].SubjectUID != "3270287A012PB2" {
			t.Fatalf("audit: %+v", recs)
		}
	})
}

// tamper passes the resource's answer on with one byte of its payload
// flipped, as a man in the middle editing a surname would.
func tamper(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if i := bytes.Index(body, []byte(`"payload":{"pin":"`)); i >= 0 {
			body[i+len(`"payload":{"pin":"`)] ^= 0x01 // "3270287A…" → "2270287A…"
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}

func TestTamperedAnswerRejected(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		sim, url := f.sim(t, tamper)
		f.seed(t, url)
		f.grant(t, "mvd", "person")
		events := f.runner(t)
		r, err := f.svc.Send(ctx, f.officer, f.spec("mvd", "2026-0007", "3270287A012PB2"))
		if err != nil {
			t.Fatal(err)
		}
		waitEvents(t, events, 30*time.Second, func(ev *river.Event) bool {
			if ev.Kind != river.EventKindJobCancelled {
				t.Fatalf("a tampered answer must end the job at once, got %s", ev.Kind)
			}
			return true
		})
		got, _ := f.svc.Request(ctx, r.CorrelationID)
		if got.State != interop.StateFailed || got.LastError == "" || got.Attempts != 1 {
			t.Fatalf("request after a tampered answer: %+v", got)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM test_answers"); n != 0 {
			t.Fatal("a tampered answer was attached to the case")
		}
		// Kept as evidence, marked as not verified.
		msgs, _ := f.svc.Archive(ctx, interop.Query{CorrelationID: r.CorrelationID, Direction: interop.DirectionAnswer})
		if len(msgs) != 1 || msgs[0].Verified || msgs[0].Problem == "" || !msgs[0].Intact() || len(msgs[0].Signature) == 0 {
			t.Fatalf("archived tampered answer: %+v", msgs)
		}
		// Alerted: audit record and metric.
		recs, _ := f.audit.List(ctx, audit.Query{ActionLike: "interop.answer_rejected"})
		if len(recs) != 1 || recs[0].ObjectID != r.CorrelationID || recs[0].Details["kind"] != "signature" {
			t.Fatalf("alert audit: %+v", recs)
		}
		if v := counterValue(t, f.svc, "odnookno_interop_answers_rejected_total"); v != 1 {
			t.Fatalf("alert metric = %v", v)
		}
		if st := sim.Stats(); st.Received != 1 {
			t.Fatalf("a rejected answer is not retried: %+v", st)
		}
	})
}

// TestMismatchedAnswerRejected: a genuine signed answer of the resource, but
// to another request, is not accepted for this one.
func TestMismatchedAnswerRejected(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		mvd := f.pki.resourceSigner(t, "mvd")
		// A genuine, signed answer — to another request.
		other, _, err := envelope.Seal(f.pki.platform, envelope.Request{Sender: "odnookno", Service: "mvd/person", Payload: json.RawMessage(`{"pin":"x"}`)})
		if err != nil {
			t.Fatal(err)
		}
		replay, replaySig, err := envelope.SealAnswer(mvd, other, envelope.Answer{Resource: "mvd", Status: envelope.StatusOK})
		if err != nil {
			t.Fatal(err)
		}
		f.seed(t, serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			envelope.WriteAnswer(w, http.StatusOK, replay, replaySig)
		})))
		f.grant(t, "mvd", "person")
		events := f.runner(t)
		r, err := f.svc.Send(ctx, f.officer, f.spec("mvd", "2026-0008", "3270287A012PB2"))
		if err != nil {
			t.Fatal(err)
		}
		waitEvents(t, events, 30*time.Second, func(ev *river.Event) bool { return true })
		got, _ := f.svc.Request(ctx, r.CorrelationID)
		recs, _ := f.audit.List(ctx, audit.Query{ActionLike: "interop.answer_rejected"})
		if got.State != interop.StateFailed || len(recs) != 1 || recs[0].Details["kind"] != "mismatch" {
			t.Fatalf("a replayed answer: %+v %+v", got, recs)
		}
	})
}

// TestResourceDownLosesNothing: a resource down for a while gets every
// request once it is back and answers each once; the platform attaches
// each answer once; retries carry the same correlation ID.
func TestResourceDownLosesNothing(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		sim, url := f.sim(t, nil)
		f.seed(t, url)
		f.grant(t, "mvd", "person")
		sim.SetDown(true)
		const n = 6
		ids := map[string]bool{}
		for i := range n {
			r, err := f.svc.Send(ctx, f.officer, f.spec("mvd", fmt.Sprintf("2026-%04d", i), "3270287A012PB2"))
			if err != nil {
				t.Fatal(err)
			}
			ids[r.CorrelationID] = true
		}
		events := f.runner(t)
		// Every request meets the outage at least twice.
		failed := map[int64]int{}
		waitEvents(t, events, 60*time.Second, func(ev *river.Event) bool {
			if ev.Kind != river.EventKindJobFailed {
				t.Fatalf("while down: %s", ev.Kind)
			}
			failed[ev.Job.ID]++
			for _, c := range failed {
				if c < 2 {
					return false
				}
			}
			return len(failed) == n
		})
		rs, _ := f.svc.Requests(ctx, interop.RequestQuery{Resource: "mvd"})
		for _, r := range rs {
			if r.State != interop.StateSent || r.LastError == "" || r.Attempts < 2 {
				t.Fatalf("while down: %+v", r)
			}
		}
		sim.SetDown(false)
		done := map[int64]bool{}
		waitEvents(t, events, 60*time.Second, func(ev *river.Event) bool {
			if ev.Kind == river.EventKindJobCompleted {
				done[ev.Job.ID] = true
			}
			return len(done) == n
		})
		rs, _ = f.svc.Requests(ctx, interop.RequestQuery{Resource: "mvd"})
		for _, r := range rs {
			if r.State != interop.StateAnswered || !ids[r.CorrelationID] {
				t.Fatalf("after the outage: %+v", r)
			}
		}
		if got := count(t, db, "SELECT COUNT(*) FROM test_answers"); got != n {
			t.Fatalf("%d answers attached, want %d", got, n)
		}
		if got := count(t, db, "SELECT COUNT(DISTINCT correlation_id) FROM test_answers"); got != n {
			t.Fatalf("%d distinct answers attached, want %d", got, n)
		}
		// The resource processed each request once; every retry reached
		// it, and the ones after the outage were answered from its memory
		// by correlation ID, not asked again.
		st := sim.Stats()
		if st.Unique != n || st.Received < 3*n || st.Failed < 2*n || st.Received != st.Unique+st.Duplicates+st.Failed+st.Refused {
			t.Fatalf("simulator: %+v; want %d unique and every retry received", st, n)
		}
		attempts := 0
		for _, r := range rs {
			attempts += r.Attempts
		}
		if attempts != st.Received {
			t.Fatalf("the platform counted %d attempts, the resource received %d", attempts, st.Received)
		}
	})
}

// TestAnswerFromAnotherResourceRejected: an answer signed by another
// resource's key (trusted by the same CA) does not speak for this one.
func TestAnswerFromAnotherResourceRejected(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		impostor := f.pki.resourceSigner(t, "residence")
		f.seed(t, serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			in, err := envelope.Receive(f.pki.verifier, r, 0)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body, sig, _ := envelope.SealAnswer(impostor, in.Body, envelope.Answer{Resource: "mvd", Status: envelope.StatusOK,
				Payload: json.RawMessage(`{"surname":"Подложный"}`)})
			envelope.WriteAnswer(w, http.StatusOK, body, sig)
		})))
		f.grant(t, "mvd", "person")
		events := f.runner(t)
		r, err := f.svc.Send(ctx, f.officer, f.spec("mvd", "2026-0009", "3270287A012PB2"))
		if err != nil {
			t.Fatal(err)
		}
		waitEvents(t, events, 30*time.Second, func(ev *river.Event) bool { return true })
		got, _ := f.svc.Request(ctx, r.CorrelationID)
		if got.State != interop.StateFailed || count(t, db, "SELECT COUNT(*) FROM test_answers") != 0 {
			t.Fatalf("an impostor's answer: %+v", got)
		}
	})
}

// TestSinkFailureRetries: when the case cannot take the answer, nothing of
// it is recorded and the request is tried again; the resource answers the
// repeat from its memory, and the case gets the answer once.
func TestSinkFailureRetries(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		sim, url := f.sim(t, nil)
		f.seed(t, url)
		f.grant(t, "mvd", "person")
		f.sink.failing.Store(true)
		events := f.runner(t)
		r, err := f.svc.Send(ctx, f.officer, f.spec("mvd", "2026-0010", "3270287A012PB2"))
		if err != nil {
			t.Fatal(err)
		}
		failures := 0
		waitEvents(t, events, 30*time.Second, func(ev *river.Event) bool {
			if ev.Kind == river.EventKindJobFailed {
				failures++
			}
			return failures == 2
		})
		if got, _ := f.svc.Request(ctx, r.CorrelationID); got.State != interop.StateSent {
			t.Fatalf("a refused attachment changed the request: %+v", got)
		}
		if msgs, _ := f.svc.Archive(ctx, interop.Query{CorrelationID: r.CorrelationID, Direction: interop.DirectionAnswer}); len(msgs) != 0 {
			t.Fatalf("an answer the case did not take was archived as accepted: %+v", msgs)
		}
		f.sink.failing.Store(false)
		waitEvents(t, events, 30*time.Second, func(ev *river.Event) bool { return ev.Kind == river.EventKindJobCompleted })
		if got := count(t, db, "SELECT COUNT(*) FROM test_answers WHERE correlation_id = $1", r.CorrelationID); got != 1 {
			t.Fatalf("attached %d times", got)
		}
		if st := sim.Stats(); st.Unique != 1 || st.Duplicates < 2 {
			t.Fatalf("simulator: %+v", st)
		}
	})
}

// TestRolledBackCaseSendsNothing: a request formed in a case's transaction
// that rolls back leaves no request, message or job.
func TestRolledBackCaseSendsNothing(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		f.seed(t, "http://127.0.0.1:1")
		f.grant(t, "mvd", "person")
		boom := errors.New("registration failed")
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := f.svc.RequestForCase(ctx, tx, f.spec("mvd", "2026-0011", "3270287A012PB2")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		for _, table := range []string{"interop_requests", "interop_messages", "river_job"} {
			if got := count(t, db, "SELECT COUNT(*) FROM "+table); got != 0 {
				t.Fatalf("%s: %d rows after a rollback", table, got)
			}
		}
	})
}

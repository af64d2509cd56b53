package interop_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"odnookno/internal/audit"
	"odnookno/internal/fault"
	"odnookno/internal/interop"
	"odnookno/internal/interop/envelope"
	"odnookno/internal/signature"
	"odnookno/internal/store"
)

func TestSMDOChannel(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		f.seed(t, "") // not integrated: СМДО only
		spec := f.spec("mvd", "2026-0100", "3270287A012PB2")
		if _, err := f.svc.Send(ctx, f.officer, spec); code(err) != interop.CodeNoEndpoint {
			t.Fatalf("HTTP to a resource without an endpoint: %v", err)
		}
		spec.Channel = interop.ChannelSMDO
		r, err := f.svc.Send(ctx, f.officer, spec)
		if err != nil || r.State != interop.StateSMDOPending || r.Channel != interop.ChannelSMDO || r.DocumentCode == "" {
			t.Fatalf("СМДО request: %+v %v", r, err)
		}
		// A signed PDF, registered and verifiable like any issued document.
		pdf, sig, err := f.svc.SMDODocument(ctx, r.CorrelationID)
		if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) {
			t.Fatalf("document: %v", err)
		}
		who, err := f.pki.verifier.Verify(pdf, sig)
		if err != nil || who.CommonName != "Odnookno platform" {
			t.Fatalf("document signature: %+v %v", who, err)
		}
		chk, err := f.docs.Verify(ctx, r.DocumentCode)
		if err != nil || !chk.Intact || !chk.Valid || chk.Issued.CaseNumber != "2026-0100" {
			t.Fatalf("registry check: %+v %v", chk, err)
		}
		// In the outgoing queue until the operator sends it.
		q, err := f.svc.OutgoingQueue(ctx, interop.OutgoingWaiting)
		if err != nil || len(q) != 1 || q[0].CorrelationID != r.CorrelationID || q[0].RecipientBody != "mvd" || q[0].CaseNumber != "2026-0100" {
			t.Fatalf("queue: %+v %v", q, err)
		}
		if _, err := f.svc.MarkSMDOSent(ctx, f.outsider, q[0].ID); !errors.Is(err, fault.Forbidden) {
			t.Fatalf("an outsider sent it: %v", err)
		}
		o, err := f.svc.MarkSMDOSent(ctx, f.operator, q[0].ID)
		if err != nil || o.State != interop.OutgoingSent || o.SentAt.IsZero() {
			t.Fatalf("sent: %+v %v", o, err)
		}
		if _, err := f.svc.MarkSMDOSent(ctx, f.operator, q[0].ID); !errors.Is(err, fault.Conflict) {
			t.Fatalf("sent twice: %v", err)
		}
		if q, _ := f.svc.OutgoingQueue(ctx, interop.OutgoingWaiting); len(q) != 0 {
			t.Fatalf("still waiting: %+v", q)
		}

		// The answer document comes back signed by the owner.
		ownerKey, _ := f.pki.issue(t, signature.IssueRequest{Name: "МВД: ответственный", Organization: "МВД", FileBase: "mvd-owner"})
		answer := []byte("%PDF-1.7 ответ на запрос " + r.CorrelationID)
		good, err := ownerKey.Sign(answer)
		if err != nil {
			t.Fatal(err)
		}
		bad, _ := ownerKey.Sign([]byte("another document"))
		if _, err := f.svc.RecordSMDOAnswer(ctx, f.outsider, interop.DocumentAnswer{CorrelationID: r.CorrelationID, File: answer}); !errors.Is(err, fault.Forbidden) {
			t.Fatalf("another body attached an answer: %v", err)
		}
		if _, err := f.svc.RecordSMDOAnswer(ctx, f.officer, interop.DocumentAnswer{CorrelationID: r.CorrelationID}); code(err) != interop.CodeAnswerEmpty {
			t.Fatalf("empty answer: %v", err)
		}
		if _, err := f.svc.RecordSMDOAnswer(ctx, f.officer, interop.DocumentAnswer{CorrelationID: r.CorrelationID, File: answer, Signature: bad}); code(err) != interop.CodeAnswerBadSignature {
			t.Fatalf("a signature over another document: %v", err)
		}
		if got, _ := f.svc.Request(ctx, r.CorrelationID); got.State != interop.StateSMDOPending {
			t.Fatalf("a refused answer changed the request: %+v", got)
		}
		if recs, _ := f.audit.List(ctx, audit.Query{ActionLike: "interop.answer_rejected"}); len(recs) != 1 {
			t.Fatalf("rejected document not audited: %+v", recs)
		}
		got, err := f.svc.RecordSMDOAnswer(ctx, f.officer, interop.DocumentAnswer{CorrelationID: r.CorrelationID, File: answer, Signature: good,
			Payload: map[string]any{"surname": "Иванов"}})
		if err != nil || got.State != interop.StateAnswered || got.AnswerStatus != interop.AnswerDocument || got.AnswerPayload["surname"] != "Иванов" {
			t.Fatalf("answer: %+v %v", got, err)
		}
		if _, err := f.svc.RecordSMDOAnswer(ctx, f.officer, interop.DocumentAnswer{CorrelationID: r.CorrelationID, File: answer}); !errors.Is(err, fault.Conflict) {
			t.Fatalf("answered twice: %v", err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM test_answers WHERE correlation_id = $1 AND channel = 'smdo' AND status = 'document'", r.CorrelationID); n != 1 {
			t.Fatalf("attached %d times", n)
		}
		msgs, _ := f.svc.Archive(ctx, interop.Query{CorrelationID: r.CorrelationID})
		if len(msgs) != 3 {
			t.Fatalf("archive: %d messages", len(msgs))
		}
		req, rejected, accepted := msgs[0], msgs[1], msgs[2]
		if req.MediaType != "application/pdf" || !req.Verified || !bytes.Equal(req.Body, pdf) ||
			rejected.Verified || rejected.Problem == "" ||
			!accepted.Verified || accepted.Signer != "МВД: ответственный" || !bytes.Equal(accepted.Body, answer) {
			t.Fatalf("archive: %+v", msgs)
		}
	})
}

func TestManualChannel(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		f.seed(t, "")
		spec := f.spec("mvd", "2026-0200", "3270287A012PB2")
		spec.Channel = interop.ChannelManual
		r, err := f.svc.Send(ctx, f.officer, spec)
		if err != nil || r.State != interop.StateSent {
			t.Fatalf("manual request: %+v %v", r, err)
		}
		if _, err := f.svc.RecordManual(ctx, f.officer, interop.ManualAnswer{CorrelationID: r.CorrelationID, Text: " "}); code(err) != interop.CodeAnswerEmpty {
			t.Fatalf("empty manual answer: %v", err)
		}
		if _, err := f.svc.RecordManual(ctx, f.outsider, interop.ManualAnswer{CorrelationID: r.CorrelationID, Text: "x"}); !errors.Is(err, fault.Forbidden) {
			t.Fatalf("another body answered: %v", err)
		}
		got, err := f.svc.RecordManual(ctx, f.officer, interop.ManualAnswer{CorrelationID: r.CorrelationID,
			Text: "Сведения получены через подсистему ОАИС", Payload: map[string]any{"surname": "Иванов"}})
		if err != nil || got.State != interop.StateAnswered || got.AnswerStatus != interop.AnswerManual {
			t.Fatalf("manual answer: %+v %v", got, err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM test_answers WHERE correlation_id = $1 AND channel = 'manual'", r.CorrelationID); n != 1 {
			t.Fatalf("attached %d times", n)
		}
		msgs, _ := f.svc.Archive(ctx, interop.Query{CorrelationID: r.CorrelationID})
		if len(msgs) != 1 || !strings.Contains(string(msgs[0].Body), "подсистему ОАИС") || msgs[0].Direction != interop.DirectionAnswer {
			t.Fatalf("archive: %+v", msgs)
		}
		if recs, _ := f.audit.List(ctx, audit.Query{CaseNumber: "2026-0200"}); len(recs) != 2 || recs[0].Action != "interop.answer_manual" {
			t.Fatalf("audit: %+v", recs)
		}
	})
}

// TestRefusedThenRecordedByHand: a resource that refuses the request (4xx)
// fails it without retrying; the officer then records what they learnt.
func TestRefusedThenRecordedByHand(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		mvd := f.pki.resourceSigner(t, "mvd")
		refuse := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			in, _ := envelope.Receive(f.pki.verifier, r, 0)
			body, sig, _ := envelope.SealAnswer(mvd, in.Body, envelope.Answer{Resource: "mvd", Status: envelope.StatusError, Error: "запрос не по регламенту"})
			envelope.WriteAnswer(w, http.StatusUnprocessableEntity, body, sig)
		})
		f.seed(t, serve(t, refuse))
		f.grant(t, "mvd", "person")
		events := f.runner(t)
		r, err := f.svc.Send(ctx, f.officer, f.spec("mvd", "2026-0300", "3270287A012PB2"))
		if err != nil {
			t.Fatal(err)
		}
		waitEvents(t, events, 30*time.Second, func(ev *river.Event) bool {
			if ev.Kind != river.EventKindJobCancelled {
				t.Fatalf("a refusal must not be retried: %s", ev.Kind)
			}
			return true
		})
		got, _ := f.svc.Request(ctx, r.CorrelationID)
		if got.State != interop.StateFailed || !strings.Contains(got.LastError, "запрос не по регламенту") || got.Attempts != 1 {
			t.Fatalf("refused: %+v", got)
		}
		msgs, _ := f.svc.Archive(ctx, interop.Query{CorrelationID: r.CorrelationID, Direction: interop.DirectionAnswer})
		if len(msgs) != 1 || !msgs[0].Verified || msgs[0].HTTPStatus != http.StatusUnprocessableEntity {
			t.Fatalf("the signed refusal is evidence: %+v", msgs)
		}
		got, err = f.svc.RecordManual(ctx, f.officer, interop.ManualAnswer{CorrelationID: r.CorrelationID, Text: "Справка получена по телефону"})
		if err != nil || got.State != interop.StateAnswered {
			t.Fatalf("recorded by hand: %+v %v", got, err)
		}
	})
}

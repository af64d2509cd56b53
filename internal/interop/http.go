package interop

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"

	"odnookno/internal/audit"
	"odnookno/internal/fault"
	"odnookno/internal/interop/envelope"
)

// sendArgs is the durable job of one HTTP request. It carries no personal
// data: the signed bytes are in the archive, and every attempt resends them.
type sendArgs struct {
	RequestID     int64  `json:"request_id"`
	CorrelationID string `json:"correlation_id"`
}

func (sendArgs) Kind() string { return "interop_send" }

type sendWorker struct {
	river.WorkerDefaults[sendArgs]
	s *Service
}

func (w *sendWorker) Work(ctx context.Context, j *river.Job[sendArgs]) error {
	return w.s.attempt(ctx, j.Args.RequestID, j.Attempt, j.MaxAttempts)
}

// NextRetry replaces River's schedule with the configured backoff. It uses
// the real clock because River compares the result with its own.
func (w *sendWorker) NextRetry(j *river.Job[sendArgs]) time.Time {
	return time.Now().Add(w.s.retryDelay(j.Attempt))
}

// retryDelay is RetryBase doubled per failed attempt, capped at RetryMax,
// less up to a tenth at random, so that requests queued during an outage do
// not all hit the resource at the same moment when it comes back.
func (s *Service) retryDelay(attempt int) time.Duration {
	d := s.retryBase
	for i := 1; i < attempt && d < s.retryMax; i++ {
		d *= 2
	}
	d = min(d, s.retryMax)
	return d - rand.N(d/10+1)
}

// Register adds this package's workers; every process that runs jobs must
// call it.
func (s *Service) Register(workers *river.Workers) {
	river.AddWorker(workers, &sendWorker{s: s})
	river.AddWorker(workers, &lateWorker{s: s})
}

// attempt sends an HTTP request once and records the outcome.
func (s *Service) attempt(ctx context.Context, id int64, attempt, maxAttempts int) error {
	r, err := s.requestBy(ctx, s.db.R, "id", id)
	if errors.Is(err, fault.NotFound) {
		return river.JobCancel(fmt.Errorf("interop: request %d does not exist", id))
	}
	if err != nil {
		return err
	}
	log := s.log.With("correlation_id", r.CorrelationID, "service", r.Resource+"/"+r.Service, "attempt", attempt)
	if !r.Open() || r.Channel != ChannelHTTP {
		// Answered, failed, or rerouted to СМДО meanwhile: nothing to send.
		log.InfoContext(ctx, "request no longer waits for the integration", "state", r.State, "channel", r.Channel)
		return nil
	}
	res, err := s.resource(ctx, s.db.R, r.Resource)
	if err != nil {
		return err
	}
	body, sig, err := s.requestMessage(ctx, r.CorrelationID)
	if err != nil {
		return river.JobCancel(err)
	}
	if _, err := s.db.W.ExecContext(ctx, `UPDATE interop_requests SET attempts = attempts + 1,
		state = CASE WHEN state = 'queued' THEN 'sent' ELSE state END, sent_at = COALESCE(sent_at, $1), updated_at = $1
		WHERE id = $2 AND state IN `+openStates, s.clock(), r.ID); err != nil {
		return fmt.Errorf("interop: note attempt: %w", err)
	}
	if r.SentAt.IsZero() {
		r.SentAt = s.clock()
	}

	var ex *envelope.Exchange
	switch {
	case res.Status != ResourceActive:
		err = fmt.Errorf("%w: resource %s is suspended", envelope.ErrUnavailable, res.Code)
	case res.Endpoint == "":
		err = fmt.Errorf("%w: resource %s has no endpoint", envelope.ErrUnavailable, res.Code)
	default:
		ex, err = s.transport.Send(ctx, res.Endpoint, body, sig)
		if err == nil {
			err = res.checkSigner(ex.Resource)
		}
	}
	switch {
	case err == nil:
		if err := s.accept(ctx, r, ex); err != nil {
			return err
		}
		log.InfoContext(ctx, "answer accepted", "status", ex.Answer.Status, "elapsed", ex.Elapsed)
		return nil
	case errors.Is(err, envelope.ErrSignature), errors.Is(err, envelope.ErrMismatch), errors.Is(err, envelope.ErrMalformed):
		log.ErrorContext(ctx, "answer rejected: it cannot be trusted", "error", err)
		if rerr := s.reject(ctx, r, ex, err); rerr != nil {
			return rerr
		}
		return river.JobCancel(err)
	case errors.Is(err, envelope.ErrRejected):
		log.WarnContext(ctx, "the resource refused the request", "error", err)
		if ferr := s.fail(ctx, r, ex, err, "interop.request_failed"); ferr != nil {
			return ferr
		}
		return river.JobCancel(err)
	}
	// Unavailable, or anything else unexpected: the sender owns the retry.
	s.metrics.attemptErrors.WithLabelValues(r.Resource).Inc()
	if attempt >= maxAttempts {
		log.ErrorContext(ctx, "request failed: attempts exhausted", "error", err, "max_attempts", maxAttempts)
		if ferr := s.fail(ctx, r, ex, fmt.Errorf("attempts exhausted (%d): %w", attempt, err), "interop.request_failed"); ferr != nil {
			return ferr
		}
		return err
	}
	next := time.Now().Add(s.retryDelay(attempt))
	log.WarnContext(ctx, "resource unavailable; will retry", "error", err, "next_retry", next)
	if _, uerr := s.db.W.ExecContext(context.WithoutCancel(ctx), `UPDATE interop_requests SET last_error = $1, last_error_at = $2,
		next_retry = $3, updated_at = $2 WHERE id = $4`, clip(err.Error()), s.clock(), next.UTC(), r.ID); uerr != nil {
		log.ErrorContext(ctx, "could not record a failed attempt", "error", uerr)
	}
	return err
}

func clip(s string) string {
	if len(s) > 1000 {
		return s[:1000] + "…"
	}
	return s
}

// accept records a verified answer, archives it and attaches it to the case,
// in one transaction.
func (s *Service) accept(ctx context.Context, r Request, ex *envelope.Exchange) error {
	var payload map[string]any
	if err := json.Unmarshal(ex.Answer.Payload, &payload); err != nil {
		return s.reject(ctx, r, ex, fmt.Errorf("%w: answer payload: %v", envelope.ErrMalformed, err))
	}
	ctx = context.WithoutCancel(ctx) // the answer is here; storing it must not be cut short
	now := s.clock()
	var attached bool
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		attached, err = s.closeAnswered(ctx, tx, r, string(ex.Answer.Status), payload, now, false)
		if err != nil {
			return err
		}
		m := message{request: r, direction: DirectionAnswer, channel: ChannelHTTP, mediaType: envelope.MediaType,
			body: ex.AnswerBody, sig: ex.AnswerSig, verified: true, signer: ex.Resource.CommonName, httpStatus: ex.HTTPStatus}
		if !attached {
			m.problem = errAlreadyClosed
		}
		msgID, err := s.archive(ctx, tx, m)
		if err != nil || !attached {
			return err
		}
		err = s.attach(ctx, tx, r, Answer{Channel: ChannelHTTP, Status: string(ex.Answer.Status), Payload: payload,
			Error: ex.Answer.Error, MessageID: msgID, AnsweredAt: now})
		if err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, tx, audit.Entry{Actor: audit.System, Action: "interop.answer_received",
			SubjectUID: r.SubjectUID, CaseNumber: r.CaseNumber, ObjectType: "interop_request", ObjectID: r.CorrelationID,
			Details: map[string]any{"service": r.Resource + "/" + r.Service, "status": string(ex.Answer.Status),
				"channel": ChannelHTTP, "signer": ex.Resource.CommonName}})
		return err
	})
	if err != nil {
		return err
	}
	if attached {
		s.metrics.answers.WithLabelValues(r.Resource, r.Service, "answered").Inc()
		s.metrics.latency.WithLabelValues(r.Resource, r.Service).Observe(now.Sub(r.SentAt).Seconds())
	}
	return nil
}

// reject keeps an answer that cannot be trusted as evidence, fails the
// request and raises the alert: an audit record, a metric, last_error. The
// answer is never attached to the case.
func (s *Service) reject(ctx context.Context, r Request, ex *envelope.Exchange, cause error) error {
	ctx = context.WithoutCancel(ctx)
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if ex != nil && len(ex.AnswerBody) > 0 {
			if _, err := s.archive(ctx, tx, message{request: r, direction: DirectionAnswer, channel: ChannelHTTP,
				mediaType: envelope.MediaType, body: ex.AnswerBody, sig: ex.AnswerSig, problem: cause.Error(),
				httpStatus: ex.HTTPStatus}); err != nil {
				return err
			}
		}
		if err := s.closeFailed(ctx, tx, r, cause); err != nil {
			return err
		}
		_, err := s.audit.Append(ctx, tx, audit.Entry{Actor: audit.System, Action: "interop.answer_rejected",
			SubjectUID: r.SubjectUID, CaseNumber: r.CaseNumber, ObjectType: "interop_request", ObjectID: r.CorrelationID,
			Reason: clip(cause.Error()), Details: map[string]any{"service": r.Resource + "/" + r.Service, "kind": rejectKind(cause)}})
		return err
	})
	if err != nil {
		return err
	}
	s.metrics.rejected.WithLabelValues(r.Resource, rejectKind(cause)).Inc()
	s.metrics.answers.WithLabelValues(r.Resource, r.Service, "rejected").Inc()
	s.log.Error("ALERT: answer from an information resource rejected", slog.String("correlation_id", r.CorrelationID),
		slog.String("resource", r.Resource), slog.String("kind", rejectKind(cause)), slog.String("error", cause.Error()))
	return nil
}

func rejectKind(err error) string {
	switch {
	case errors.Is(err, envelope.ErrSignature):
		return "signature"
	case errors.Is(err, envelope.ErrMismatch):
		return "mismatch"
	case errors.Is(err, envelope.ErrMalformed):
		return "malformed"
	}
	return "other"
}

// fail ends a request that will get no answer over HTTP: the resource
// refused it, or the attempts ran out. A signed refusal is archived.
func (s *Service) fail(ctx context.Context, r Request, ex *envelope.Exchange, cause error, action string) error {
	ctx = context.WithoutCancel(ctx)
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if ex != nil && len(ex.AnswerBody) > 0 {
			m := message{request: r, direction: DirectionAnswer, channel: ChannelHTTP, mediaType: envelope.MediaType,
				body: ex.AnswerBody, sig: ex.AnswerSig, httpStatus: ex.HTTPStatus}
			if ex.Answer.ID != "" {
				m.verified, m.signer = true, ex.Resource.CommonName
			} else {
				m.problem = "refusal not signed by a trusted resource"
			}
			if _, err := s.archive(ctx, tx, m); err != nil {
				return err
			}
		}
		if err := s.closeFailed(ctx, tx, r, cause); err != nil {
			return err
		}
		_, err := s.audit.Append(ctx, tx, audit.Entry{Actor: audit.System, Action: action,
			SubjectUID: r.SubjectUID, CaseNumber: r.CaseNumber, ObjectType: "interop_request", ObjectID: r.CorrelationID,
			Reason: clip(cause.Error()), Details: map[string]any{"service": r.Resource + "/" + r.Service}})
		return err
	})
	if err != nil {
		return err
	}
	s.metrics.answers.WithLabelValues(r.Resource, r.Service, "failed").Inc()
	return nil
}

func (s *Service) closeFailed(ctx context.Context, tx *sql.Tx, r Request, cause error) error {
	now := s.clock()
	_, err := tx.ExecContext(ctx, `UPDATE interop_requests SET state = 'failed', last_error = $1, last_error_at = $2,
		next_retry = NULL, updated_at = $2 WHERE id = $3 AND state IN `+openStates, clip(cause.Error()), now, r.ID)
	if err != nil {
		return fmt.Errorf("interop: fail request: %w", err)
	}
	return nil
}

package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"odnookno/internal/identity"
)

// deliverArgs is the job: only the id, so the queue's own tables (and the
// job logs) never hold a recipient, a text or a secret.
type deliverArgs struct {
	MessageID int64 `json:"message_id"`
}

func (deliverArgs) Kind() string { return "notify_deliver" }

type worker struct {
	river.WorkerDefaults[deliverArgs]
	s *Service
}

func (w *worker) Work(ctx context.Context, j *river.Job[deliverArgs]) error {
	return w.s.deliver(ctx, j.Args.MessageID, j.Attempt, j.MaxAttempts)
}

// NextRetry replaces River's default schedule (attempt⁴ seconds) with the
// configured one. It uses the real clock because River compares the result
// with its own.
func (w *worker) NextRetry(j *river.Job[deliverArgs]) time.Time {
	return time.Now().Add(w.s.retryDelay(j.Attempt))
}

// retryDelay is RetryBase doubled for each failed attempt, capped at
// RetryMax, less up to a tenth at random: after an outage the queued
// messages come back spread out instead of hitting the gateway at once.
func (s *Service) retryDelay(attempt int) time.Duration {
	d := s.o.RetryBase
	for i := 1; i < attempt && d < s.o.RetryMax; i++ {
		d *= 2
	}
	d = min(d, s.o.RetryMax)
	return d - rand.N(d/10+1)
}

// pending is an outbox row as the worker needs it.
type pending struct {
	id                            int64
	channel, to, kind, lang, link string
	params, sealed, status        string
}

var errMissing = errors.New("notify: the job's message does not exist")

func (s *Service) deliver(ctx context.Context, id int64, attempt, maxAttempts int) error {
	var m pending
	err := s.db.R.QueryRowContext(ctx, `SELECT id, channel, recipient, kind, lang, link, params, secrets, status
		FROM notify_messages WHERE id = $1`, id).
		Scan(&m.id, &m.channel, &m.to, &m.kind, &m.lang, &m.link, &m.params, &m.sealed, &m.status)
	if errors.Is(err, sql.ErrNoRows) {
		s.log.ErrorContext(ctx, "delivery job for a missing message", "id", id)
		return river.JobCancel(errMissing)
	}
	if err != nil {
		return fmt.Errorf("notify: load message %d: %w", id, err)
	}
	log := s.log.With("id", id, "channel", m.channel, "kind", m.kind,
		"to", maskRecipient(m.channel, m.to), "attempt", attempt)
	if m.status != StatusQueued {
		// The job ran again (a retry after a crash between sending and
		// completing the job): the row says it is done, so it is.
		log.InfoContext(ctx, "message already delivered or given up; not sending again", "status", m.status)
		return nil
	}
	secrets, err := open(s.aead, secretAD(m.channel, m.to, m.kind), m.sealed)
	if err != nil {
		return s.failed(ctx, log, m, attempt, maxAttempts, Permanent(err), scrubber(m.channel, m.to, nil))
	}
	scrub := scrubber(m.channel, m.to, secrets)
	full, err := decodeParams([]byte(m.params))
	if err != nil {
		return s.failed(ctx, log, m, attempt, maxAttempts, Permanent(fmt.Errorf("notify: params: %w", err)), scrub)
	}
	masked := make(map[string]any, len(full)+len(secrets))
	for k, v := range full {
		masked[k] = v
	}
	for k, v := range secrets {
		full[k], masked[k] = v, Mask
	}
	text, err := s.tmpl.render(m.lang, m.kind, full)
	if err != nil {
		return s.failed(ctx, log, m, attempt, maxAttempts, Permanent(err), scrub)
	}
	maskedText, err := s.tmpl.render(m.lang, m.kind, masked)
	if err != nil {
		return s.failed(ctx, log, m, attempt, maxAttempts, Permanent(err), scrub)
	}
	if err := s.send(ctx, m, text, maskedText); err != nil {
		return s.failed(ctx, log, m, attempt, maxAttempts, err, scrub)
	}
	if err := s.markSent(ctx, m.id); err != nil {
		// The message left but the row still says queued: the retry
		// will send it again. Rare (the database failed right after the
		// gateway answered) and better than losing it.
		log.ErrorContext(ctx, "message sent but its status was not saved", "error", err)
		return fmt.Errorf("notify: mark message %d sent: %w", m.id, err)
	}
	s.metrics.messages.WithLabelValues(m.channel, StatusSent).Inc()
	log.InfoContext(ctx, "message sent")
	return nil
}

func (s *Service) send(ctx context.Context, m pending, text, masked rendered) error {
	switch m.channel {
	case ChannelSMS:
		if s.o.SMS == nil {
			// Not permanent: another instance, or this one after a
			// configuration fix, can still deliver it.
			return errors.New("the SMS channel is disabled in this process")
		}
		return s.o.SMS.SendSMS(ctx, SMS{ID: m.id, To: identity.Phone(m.to), Text: text.Body, Masked: masked.Body})
	case ChannelEmail:
		if s.o.Email == nil {
			return errors.New("the e-mail channel is disabled in this process")
		}
		return s.o.Email.SendEmail(ctx, Email{ID: m.id, To: m.to, Subject: text.Subject, Text: s.emailText(m, text.Body)})
	}
	return Permanent(fmt.Errorf("channel %q is not delivered by jobs", m.channel))
}

// emailText is the body with the link (made absolute: a mail client has no
// base address) and the footer that tells people not to reply.
func (s *Service) emailText(m pending, body string) string {
	var b strings.Builder
	b.WriteString(body)
	if m.link != "" {
		b.WriteString("\n\n")
		b.WriteString(s.absolute(m.link))
	}
	if f := s.tmpl.footer[m.lang]; f != "" {
		b.WriteString("\n\n-- \n")
		b.WriteString(f)
	}
	b.WriteString("\n")
	return b.String()
}

func (s *Service) absolute(link string) string {
	if s.o.BaseURL == "" {
		return link
	}
	base, err := url.Parse(s.o.BaseURL)
	if err != nil {
		return link
	}
	ref, err := url.Parse(link)
	if err != nil {
		return link
	}
	return base.ResolveReference(ref).String()
}

// failed records a failed attempt. The error is scrubbed before it goes
// anywhere (row, log, the queue's job errors), since a gateway may quote
// the text it refused. A permanent error or the last attempt fails the
// message and wipes its secrets.
func (s *Service) failed(ctx context.Context, log *slog.Logger, m pending, attempt, maxAttempts int, err error, scrub *strings.Replacer) error {
	msg := scrub.Replace(err.Error())
	if len(msg) > 1000 {
		msg = strings.ToValidUTF8(msg[:1000], "") + "…"
	}
	final := IsPermanent(err) || attempt >= maxAttempts
	status := StatusQueued
	if final {
		status = StatusFailed
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_, dbErr := s.db.W.ExecContext(ctx, `UPDATE notify_messages
		SET attempts = attempts + 1, last_error = $1, last_attempt_at = $2, status = $3,
		    secrets = CASE WHEN $3 = 'failed' AND secrets <> '' THEN $4 ELSE secrets END
		WHERE id = $5 AND status = 'queued'`,
		msg, s.o.Now().UTC(), status, Wiped, m.id)
	if dbErr != nil {
		log.ErrorContext(ctx, "could not record a failed attempt", "error", dbErr)
	}
	s.metrics.errors.WithLabelValues(m.channel).Inc()
	out := fmt.Errorf("notify: deliver message %d: %s", m.id, msg)
	if !final {
		log.WarnContext(ctx, "delivery failed; will retry", "error", msg, "max_attempts", maxAttempts)
		return out
	}
	s.metrics.messages.WithLabelValues(m.channel, StatusFailed).Inc()
	log.ErrorContext(ctx, "message failed for good", "error", msg, "permanent", IsPermanent(err))
	if IsPermanent(err) {
		return river.JobCancel(out)
	}
	return out
}

func (s *Service) markSent(ctx context.Context, id int64) error {
	// Not the job's context: the message has left, and a job timeout
	// arriving now must not stop us from saying so.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	now := s.o.Now().UTC()
	_, err := s.db.W.ExecContext(ctx, `UPDATE notify_messages
		SET status = 'sent', attempts = attempts + 1, last_attempt_at = $1, sent_at = $1,
		    secrets = CASE WHEN secrets <> '' THEN $2 ELSE secrets END
		WHERE id = $3 AND status = 'queued'`, now, Wiped, id)
	return err
}

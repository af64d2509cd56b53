package notify

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/wneessen/go-mail"
)

// Email is one letter to one address. Text is the plain UTF-8 body every
// client can show; HTML, when set, is offered as the alternative.
type Email struct {
	// ID is the outbox message id; it becomes the Message-ID, so a letter
	// delivered twice after a crash is recognisably the same letter.
	ID      int64
	To      string
	Subject string
	Text    string
	HTML    string
}

// EmailSender hands a letter to a mail server. An error means "try again
// later" unless it is marked Permanent.
type EmailSender interface {
	SendEmail(ctx context.Context, e Email) error
}

// EmailFunc adapts a function to EmailSender.
type EmailFunc func(ctx context.Context, e Email) error

func (f EmailFunc) SendEmail(ctx context.Context, e Email) error { return f(ctx, e) }

// TLSPolicy says how SMTPSender protects the connection.
type TLSPolicy string

const (
	// TLSMandatory requires STARTTLS: the default, because a relay that
	// cannot encrypt would see citizens' addresses and, with
	// authentication, our password.
	TLSMandatory TLSPolicy = "mandatory"
	// TLSOpportunistic uses STARTTLS when offered.
	TLSOpportunistic TLSPolicy = "opportunistic"
	// TLSNone sends in clear: only for a relay on the same host or
	// network, and for tests.
	TLSNone TLSPolicy = "none"
	// TLSImplicit speaks TLS from the first byte (SMTPS, port 465).
	TLSImplicit TLSPolicy = "implicit"
)

// DefaultFromName is the display name of outgoing mail.
const DefaultFromName = "Одно окно"

// SMTPSender delivers through an SMTP relay with one connection per letter:
// the outbox already spreads letters over workers, and a fresh connection
// cannot be left broken by the previous letter.
type SMTPSender struct {
	Host     string
	Port     int // default 587 (25 with TLSNone, 465 with TLSImplicit)
	Username string
	Password string
	// From is the sender address; FromName its display name (default
	// DefaultFromName), encoded as RFC 2047 since it is Cyrillic.
	From     string
	FromName string
	TLS      TLSPolicy
	// TLSConfig overrides certificate checks (a private relay's CA).
	TLSConfig *tls.Config
	// Timeout bounds connecting and each command; default 30s.
	Timeout time.Duration
	// HELO is the name announced to the relay; default the host name.
	HELO string
}

func (s *SMTPSender) options() ([]mail.Option, error) {
	if s.Host == "" || s.From == "" {
		return nil, errors.New("smtp: host and from address are required")
	}
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	opts := []mail.Option{mail.WithTimeout(timeout)}
	port := s.Port
	switch s.TLS {
	case "", TLSMandatory:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
		port = cmp.Or(port, 587)
	case TLSOpportunistic:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
		port = cmp.Or(port, 587)
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
		port = cmp.Or(port, 25)
	case TLSImplicit:
		opts = append(opts, mail.WithSSL())
		port = cmp.Or(port, 465)
	default:
		return nil, fmt.Errorf("smtp: unknown TLS policy %q (want mandatory, opportunistic, none or implicit)", s.TLS)
	}
	opts = append(opts, mail.WithPort(port))
	if s.TLSConfig != nil {
		opts = append(opts, mail.WithTLSConfig(s.TLSConfig))
	}
	if s.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(s.Username), mail.WithPassword(s.Password))
	}
	if s.HELO != "" {
		opts = append(opts, mail.WithHELO(s.HELO))
	}
	return opts, nil
}

// Check reports a configuration mistake at start-up.
func (s *SMTPSender) Check() error {
	_, err := s.options()
	return err
}

// SendEmail delivers e. A 5xx answer to the envelope or the data is
// permanent (the address or the letter is refused); everything else, from a
// refused connection to a 4xx, is retried.
func (s *SMTPSender) SendEmail(ctx context.Context, e Email) error {
	opts, err := s.options()
	if err != nil {
		return Permanent(err)
	}
	m := mail.NewMsg()
	if err := m.FromFormat(cmp.Or(s.FromName, DefaultFromName), s.From); err != nil {
		return Permanent(fmt.Errorf("smtp: from: %w", err))
	}
	if err := m.To(e.To); err != nil {
		return Permanent(fmt.Errorf("smtp: recipient: %w", err))
	}
	m.Subject(e.Subject)
	m.SetDate()
	domain := s.From[strings.LastIndexByte(s.From, '@')+1:]
	m.SetMessageIDWithValue(fmt.Sprintf("notify-%d@%s", e.ID, domain))
	// RFC 3834: tells auto-responders (vacation replies) not to answer.
	m.SetGenHeader(mail.Header("Auto-Submitted"), "auto-generated")
	m.SetBodyString(mail.TypeTextPlain, e.Text)
	if e.HTML != "" {
		m.AddAlternativeString(mail.TypeTextHTML, e.HTML)
	}
	c, err := mail.NewClient(s.Host, opts...)
	if err != nil {
		return Permanent(fmt.Errorf("smtp: %w", err))
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		err = fmt.Errorf("smtp %s: %w", s.Host, err)
		if smtpPermanent(err) {
			return Permanent(err)
		}
		return err
	}
	return nil
}

// smtpReply5xx finds a server's permanent-failure reply in go-mail's error
// text. go-mail's own temporary/permanent flag is not used because it calls
// every non-4xx failure permanent, including a connection dropped mid-way.
var smtpReply5xx = regexp.MustCompile(`(?:^|[:,] )5\d\d[ -]`)

func smtpPermanent(err error) bool {
	var se *mail.SendError
	if !errors.As(err, &se) {
		return false
	}
	switch se.Reason {
	case mail.ErrSMTPMailFrom, mail.ErrSMTPRcptTo, mail.ErrSMTPData, mail.ErrSMTPDataClose:
		return smtpReply5xx.MatchString(se.Error())
	}
	return false
}

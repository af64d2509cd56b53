package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"text/template"
	"time"
	"unicode/utf8"

	"odnookno/internal/identity"
)

// SMS is one text to one phone. Text is what the citizen must receive;
// Masked is the same text with the secrets replaced by Mask. A sender gets
// both so that it can log or show what it sent without being able to leak
// a code: it never has to find the secrets itself.
type SMS struct {
	// ID is the outbox message id; gateways that deduplicate can use it as
	// the client message reference, which makes a repeated delivery harmless.
	ID     int64
	To     identity.Phone
	Text   string
	Masked string
}

// SMSSender hands an SMS to whatever reaches phones. An error means "not
// delivered, try again later" unless it is marked Permanent.
type SMSSender interface {
	SendSMS(ctx context.Context, m SMS) error
}

// SMSFunc adapts a function to SMSSender (tests, benchmarks, wiring).
type SMSFunc func(ctx context.Context, m SMS) error

func (f SMSFunc) SendSMS(ctx context.Context, m SMS) error { return f(ctx, m) }

// permanentError marks a failure that repeating cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying (a refused recipient, a
// malformed request): the message fails at once instead of occupying the
// queue for the whole retry schedule.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err was marked by Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// HTTPGateway sends SMS through an aggregator's HTTP API, the usual way to
// reach Belarusian operators without an SMPP link. The request is shaped by
// BodyTemplate so that one type fits most aggregators.
type HTTPGateway struct {
	URL   string
	Token string
	// Method defaults to POST.
	Method string
	// ContentType defaults to application/json.
	ContentType string
	// BodyTemplate is a text/template over .To (E.164), .Text, .Token and
	// .ID; the function json writes a value as a JSON literal (quoted and
	// escaped), urlquery escapes for a form body. Default:
	// {"to":{{json .To}},"text":{{json .Text}}}
	BodyTemplate string
	// Header carries the token: empty sends "Authorization: Bearer
	// <token>", a name (e.g. "X-API-Key") sends "<name>: <token>". No
	// token, no header.
	Header string
	// Timeout bounds one request; default 10s.
	Timeout time.Duration
	// Client defaults to a client with Timeout.
	Client *http.Client

	once sync.Once
	tmpl *template.Template
	err  error
}

const defaultGatewayBody = `{"to":{{json .To}},"text":{{json .Text}}}`

func (g *HTTPGateway) prepare() error {
	g.once.Do(func() {
		body := g.BodyTemplate
		if body == "" {
			body = defaultGatewayBody
		}
		g.tmpl, g.err = template.New("sms").Option("missingkey=error").Funcs(template.FuncMap{
			"json": func(v any) (string, error) {
				b, err := json.Marshal(v)
				return string(b), err
			},
		}).Parse(body)
		if g.err != nil {
			g.err = fmt.Errorf("sms gateway: body template: %w", g.err)
		}
		if _, err := url.ParseRequestURI(g.URL); err != nil && g.err == nil {
			g.err = errors.New("sms gateway: bad URL")
		}
	})
	return g.err
}

// Check reports a configuration mistake at start-up rather than at the
// first SMS.
func (g *HTTPGateway) Check() error { return g.prepare() }

// SendSMS posts one message. Non-2xx answers and network failures are
// errors; the error carries the start of the gateway's answer (with the
// text and number cut out) because that is what an operator needs to talk
// to the aggregator, but never the request itself.
func (g *HTTPGateway) SendSMS(ctx context.Context, m SMS) error {
	if err := g.prepare(); err != nil {
		return Permanent(err)
	}
	var body bytes.Buffer
	data := struct {
		ID    int64
		To    string
		Text  string
		Token string
	}{m.ID, string(m.To), m.Text, g.Token}
	if err := g.tmpl.Execute(&body, data); err != nil {
		return Permanent(fmt.Errorf("sms gateway: body template: %w", errors.New(scrubTemplateError(err.Error(), m))))
	}
	timeout := g.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	method := g.Method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(ctx, method, g.URL, &body)
	if err != nil {
		return Permanent(fmt.Errorf("sms gateway: request: %w", err))
	}
	ct := g.ContentType
	if ct == "" {
		ct = "application/json"
	}
	req.Header.Set("Content-Type", ct)
	if g.Token != "" {
		if g.Header == "" {
			req.Header.Set("Authorization", "Bearer "+g.Token)
		} else {
			req.Header.Set(g.Header, g.Token)
		}
	}
	client := g.Client
	if client == nil {
		client = &http.Client{Timeout: timeout}
	}
	resp, err := client.Do(req)
	if err != nil {
		// *url.Error prints the whole URL, which may carry a token in
		// its query; keep only the host and the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("sms gateway %s: %w", req.URL.Host, err)
	}
	defer resp.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("sms gateway %s: HTTP %d: %s", req.URL.Host, resp.StatusCode, cleanExcerpt(excerpt, m, g.Token))
	switch {
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooManyRequests,
		resp.StatusCode == http.StatusConflict, resp.StatusCode == http.StatusTooEarly:
		return err
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		// The request itself is wrong (bad number, bad token, bad
		// template): the same request will be refused again.
		return Permanent(err)
	}
	return err
}

// cleanExcerpt prepares a gateway's answer for an error message: one line,
// valid UTF-8, without the text, the number or the token it may echo.
func cleanExcerpt(b []byte, m SMS, token string) string {
	s := strings.ToValidUTF8(string(b), "?")
	pairs := []string{"\n", " ", "\r", " "}
	for _, v := range []string{m.Text, jsonInner(m.Text), token} {
		if v != "" {
			pairs = append(pairs, v, "[…]")
		}
	}
	pairs = append(pairs, string(m.To), m.To.Masked(), strings.TrimPrefix(string(m.To), "+"), m.To.Masked())
	s = strings.NewReplacer(pairs...).Replace(s)
	if utf8.RuneCountInString(s) > 200 {
		s = string([]rune(s)[:200]) + "…"
	}
	return strings.TrimSpace(s)
}

// jsonInner is s as it appears inside a JSON string, for gateways that echo
// the request body.
func jsonInner(s string) string {
	b, _ := json.Marshal(s)
	return strings.Trim(string(b), `"`)
}

// scrubTemplateError keeps a failing body template's message useful without
// quoting the values it was given.
func scrubTemplateError(s string, m SMS) string {
	return strings.NewReplacer(m.Text, "[…]", string(m.To), m.To.Masked()).Replace(s)
}

// FileSender is the demonstration sender: the file stands in for the
// citizen's phone, so demo users read their codes from it. Because it
// holds every code in clear it is created readable by its owner only, and
// it must never be configured in production.
type FileSender struct {
	Path string
	// Logger gets one line per SMS with the masked number and text.
	Logger *slog.Logger
	// Now stamps the lines; default time.Now.
	Now func() time.Time

	mu sync.Mutex
}

// SendSMS appends "time<TAB>phone<TAB>text" as one line.
func (f *FileSender) SendSMS(ctx context.Context, m SMS) error {
	now := time.Now
	if f.Now != nil {
		now = f.Now
	}
	line := now().In(minsk).Format(time.RFC3339) + "\t" + string(m.To) + "\t" +
		strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(m.Text) + "\n"
	f.mu.Lock()
	defer f.mu.Unlock()
	file, err := os.OpenFile(f.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sms file: %w", err)
	}
	if _, err := file.WriteString(line); err != nil {
		file.Close()
		return fmt.Errorf("sms file: %w", err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("sms file: %w", err)
	}
	log := f.Logger
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "sms written to the demo file", "to", m.To.Masked(), "text", m.Masked, "file", f.Path)
	return nil
}

package envelope

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"odnookno/internal/signature"
)

// DefaultTimeout bounds one exchange (connect, send, wait, read) when
// Client.Timeout is zero. An officer is waiting for the answer or a durable
// job will retry; neither is served by a connection that hangs for minutes.
const DefaultTimeout = 30 * time.Second

// Client sends signed requests to information resources and accepts only
// answers that are signed by a trusted resource and bound to the request.
// It does not retry: retries are durable jobs (DESIGN, background work), and
// the job decides from the error whether another attempt makes sense.
type Client struct {
	Signer   signature.Signer    // the platform's key; required by Call
	Verifier *signature.Verifier // roots the resources' certificates chain to; required
	// HTTP defaults to a client on http.DefaultTransport. Redirects are
	// never followed whatever it says: a signed request goes only to the
	// endpoint the registry names.
	HTTP *http.Client
	// Timeout bounds each exchange; DefaultTimeout when zero. A shorter
	// deadline on the context passed in wins.
	Timeout time.Duration
	// MaxAnswerBytes bounds the answer body; MaxMessageBytes when zero.
	MaxAnswerBytes int64
}

// Exchange is one request and what came back, raw and opened, for the
// message archive. Calls return it even with an error once the request was
// sealed, so failed attempts are archived with whatever the resource sent.
type Exchange struct {
	Request     Request
	RequestBody []byte
	RequestSig  []byte
	// HTTPStatus is 0 when no HTTP answer arrived (timeout, refused
	// connection).
	HTTPStatus int
	AnswerBody []byte
	AnswerSig  []byte
	// Answer and Resource are set only when the answer opened: signed by a
	// trusted key and bound to this request.
	Answer   Answer
	Resource signature.Identity
	Elapsed  time.Duration
}

// Call seals req with the platform's key and sends it (see Send). The
// returned error is nil only for a verified answer bound to the request;
// its Status ("ok", "not_found", "error") is the resource's verdict.
func (c *Client) Call(ctx context.Context, endpoint string, req Request) (*Exchange, error) {
	if c.Signer == nil {
		return nil, errors.New("envelope: call: client has no signer")
	}
	body, sig, err := Seal(c.Signer, req)
	if err != nil {
		return nil, err
	}
	return c.Send(ctx, endpoint, body, sig)
}

// Send posts an already sealed request — the way to retry: the same bytes
// and correlation ID let the resource recognise the repeat and answer it
// once. Errors: ErrUnavailable (timeout, no connection, HTTP 5xx, 408, 429:
// try again later), ErrRejected (other HTTP 4xx and unexpected statuses:
// do not repeat unchanged), ErrSignature, ErrMalformed, ErrMismatch (the
// answer cannot be trusted or does not belong to the request).
func (c *Client) Send(ctx context.Context, endpoint string, body, sig []byte) (*Exchange, error) {
	if c.Verifier == nil {
		return nil, errors.New("envelope: send: client has no verifier")
	}
	req, err := parseRequest(body)
	if err != nil {
		return nil, fmt.Errorf("envelope: send: %w", err)
	}
	ex := &Exchange{Request: req, RequestBody: body, RequestSig: sig}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return ex, fmt.Errorf("envelope: send %s: %w", req.Service, err)
	}
	hreq.Header.Set("Content-Type", MediaType)
	hreq.Header.Set("Accept", MediaType)
	hreq.Header.Set(HeaderSignature, encodeSig(sig))
	hreq.Header.Set(HeaderCorrelationID, req.ID)

	start := time.Now()
	resp, err := c.httpClient().Do(hreq)
	if err != nil {
		ex.Elapsed = time.Since(start)
		return ex, fmt.Errorf("%w: %s: %w", ErrUnavailable, req.Service, err)
	}
	defer resp.Body.Close()
	ex.HTTPStatus = resp.StatusCode
	limit := c.MaxAnswerBytes
	if limit <= 0 {
		limit = MaxMessageBytes
	}
	ex.AnswerBody, err = readLimited(resp.Body, limit)
	ex.Elapsed = time.Since(start)
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return ex, fmt.Errorf("%w: %s: answer: %w", ErrMalformed, req.Service, err)
		}
		return ex, fmt.Errorf("%w: %s: reading the answer: %w", ErrUnavailable, req.Service, err)
	}
	var sigErr error
	ex.AnswerSig, sigErr = decodeSignatureHeader(resp.Header.Get(HeaderSignature))

	code := resp.StatusCode
	if code >= 200 && code < 300 {
		if sigErr != nil {
			return ex, fmt.Errorf("%w: %s: answer: %w", ErrSignature, req.Service, sigErr)
		}
		a, who, err := OpenAnswer(c.Verifier, body, ex.AnswerBody, ex.AnswerSig)
		if err != nil {
			return ex, fmt.Errorf("%s: %w", req.Service, err)
		}
		ex.Answer, ex.Resource = a, who
		return ex, nil
	}

	// A refusal is usually a signed error answer; when it opens, keep it and
	// quote its reason, but the status code alone decides the error kind.
	reason := ""
	if sigErr == nil {
		if a, who, err := OpenAnswer(c.Verifier, body, ex.AnswerBody, ex.AnswerSig); err == nil {
			ex.Answer, ex.Resource = a, who
			reason = a.Error
		}
	}
	kind := ErrRejected
	// 408 and 429 are 4xx by number but say "not now", not "never".
	if code >= 500 || code == http.StatusRequestTimeout || code == http.StatusTooManyRequests {
		kind = ErrUnavailable
	}
	if reason == "" {
		reason = http.StatusText(code)
	}
	return ex, fmt.Errorf("%w: %s: HTTP %d: %s", kind, req.Service, code, reason)
}

func (c *Client) httpClient() *http.Client {
	var hc http.Client
	if c.HTTP != nil {
		hc = *c.HTTP
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &hc
}

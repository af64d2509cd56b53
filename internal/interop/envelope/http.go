package envelope

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"odnookno/internal/signature"
)

// HTTP transport names. They are part of the contract with every connected
// resource, so they never change within a Version.
const (
	HeaderSignature     = "X-Odnookno-Signature"
	HeaderCorrelationID = "X-Odnookno-Correlation-Id"
	MediaType           = "application/json"
	// MaxMessageBytes bounds a request or answer body. Registers answer
	// about one person or object at a time; anything bigger is a fault or
	// an attack, and reading it whole would let one resource exhaust the
	// platform's memory.
	MaxMessageBytes = 4 << 20
)

// Incoming is a request as a resource received it.
type Incoming struct {
	// Body and Sig are exactly what arrived; Body is set even when Receive
	// fails, so the refusal can be bound to it (SealAnswer).
	Body, Sig []byte
	Request   Request
	Signer    signature.Identity
}

// Receive reads and opens a request sent by Client: the body (at most limit
// bytes, MaxMessageBytes when limit <= 0), the signature header, the
// signature itself, and that the correlation header names the signed ID —
// a proxy or log that routes by the header must not be told a different
// story than the signed body. Errors wrap ErrSignature (unsigned, forged)
// or ErrMalformed (unreadable, too large, header disagreeing).
func Receive(v *signature.Verifier, r *http.Request, limit int64) (Incoming, error) {
	if limit <= 0 {
		limit = MaxMessageBytes
	}
	var in Incoming
	body, err := readLimited(r.Body, limit)
	in.Body = body
	if err != nil {
		return in, fmt.Errorf("%w: request body: %w", ErrMalformed, err)
	}
	sig, err := decodeSignatureHeader(r.Header.Get(HeaderSignature))
	if err != nil {
		return in, fmt.Errorf("%w: request: %w", ErrSignature, err)
	}
	in.Sig = sig
	req, who, err := Open(v, body, sig)
	if err != nil {
		return in, err
	}
	if got := r.Header.Get(HeaderCorrelationID); got != req.ID {
		return in, fmt.Errorf("%w: header %s %q differs from the signed id %q", ErrMalformed, HeaderCorrelationID, got, req.ID)
	}
	in.Request, in.Signer = req, who
	return in, nil
}

// WriteAnswer sends a sealed answer with the HTTP status code that tells
// the platform whether to retry (5xx) or give up (4xx).
func WriteAnswer(w http.ResponseWriter, code int, body, sig []byte) {
	h := w.Header()
	h.Set("Content-Type", MediaType)
	h.Set(HeaderSignature, encodeSig(sig))
	var ids struct {
		RequestID string `json:"request_id"`
	}
	if json.Unmarshal(body, &ids) == nil && isUUID(ids.RequestID) {
		h.Set(HeaderCorrelationID, ids.RequestID)
	}
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

// ErrTooLarge is wrapped (inside ErrMalformed) when a body exceeds the
// limit, so a resource can answer 413 rather than 400.
var ErrTooLarge = errors.New("envelope: message larger than the limit")

func readLimited(r io.Reader, limit int64) ([]byte, error) {
	if r == nil {
		return nil, errors.New("no body")
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return b, err
	}
	if int64(len(b)) > limit {
		return b[:limit], fmt.Errorf("%w (%d bytes)", ErrTooLarge, limit)
	}
	return b, nil
}

func decodeSignatureHeader(v string) ([]byte, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, fmt.Errorf("no %s header: the message is unsigned", HeaderSignature)
	}
	sig, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return nil, fmt.Errorf("%s is not base64: %w", HeaderSignature, err)
	}
	return sig, nil
}

func encodeSig(sig []byte) string { return base64.StdEncoding.EncodeToString(sig) }

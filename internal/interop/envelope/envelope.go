package envelope

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"odnookno/internal/fault"
	"odnookno/internal/signature"
)

// Version is the only envelope version this package writes and reads. A
// message of another version is refused rather than guessed at, because a
// field whose meaning changed would be misread silently.
const Version = 1

// Status is the resource's verdict on a request. Transport and integrity
// failures are errors, never a Status: an answer that says "not_found" is a
// fact the resource signed, not a failure to get an answer.
type Status string

const (
	// StatusOK: the resource found the data; Payload holds it.
	StatusOK Status = "ok"
	// StatusNotFound: the resource holds no record for the request (for a
	// person register, no person with that identification number).
	StatusNotFound Status = "not_found"
	// StatusError: the resource could not process the request; Error says
	// why.
	StatusError Status = "error"
)

func (s Status) valid() bool {
	return s == StatusOK || s == StatusNotFound || s == StatusError
}

// Sentinel errors tell the caller what to do next without parsing text:
// ErrUnavailable may be retried later; the others will fail again the same
// way and must be investigated (and the raw messages kept as evidence).
var (
	// ErrSignature: a message is unsigned, or its signature does not verify
	// against the trusted roots (tampered, unknown signer, expired
	// certificate). The wrapped signature error says which.
	ErrSignature = errors.New("envelope: signature not valid")
	// ErrMismatch: a correctly signed answer does not belong to the request
	// it came back for (other request_id, request_hash or resource).
	ErrMismatch = errors.New("envelope: answer does not belong to the request")
	// ErrMalformed: a message is not an envelope this version understands,
	// or a message to be sealed lacks a required field.
	ErrMalformed = errors.New("envelope: malformed message")
	// ErrUnavailable: the resource did not answer in time, could not be
	// reached, or answered with a server error (HTTP 5xx). It wraps
	// fault.Unavailable so the web layer maps it without knowing this
	// package.
	ErrUnavailable = fmt.Errorf("envelope: information resource unavailable: %w", fault.Unavailable)
	// ErrRejected: the resource refused the request itself (HTTP 4xx):
	// sending it again unchanged will be refused again.
	ErrRejected = errors.New("envelope: information resource rejected the request")
)

// Request asks one service of one information resource for data. The
// sender, user and case are inside the signed body because the resource
// owner must be able to tell, from its own logs, which official of which
// body asked about whom and why (P3.3, R637 ch. 3).
type Request struct {
	Version int    `json:"version"`
	ID      string `json:"id"` // correlation ID; NewID when empty at Seal
	Sender  string `json:"sender"`
	User    string `json:"user,omitempty"`
	Case    string `json:"case,omitempty"`
	// Service is "<resource>/<service>", e.g. "mvd/person".
	Service string          `json:"service"`
	Time    time.Time       `json:"time"`
	Payload json.RawMessage `json:"payload"`
}

// Resource is the resource part of Service ("mvd" for "mvd/person"), the
// name the answer must carry.
func (r Request) Resource() string {
	res, _, _ := SplitService(r.Service)
	return res
}

// Answer is a resource's signed reply to exactly one request.
type Answer struct {
	Version     int             `json:"version"`
	ID          string          `json:"id"`
	RequestID   string          `json:"request_id"`
	RequestHash string          `json:"request_hash"` // hex SHA-256 of the request body
	Resource    string          `json:"resource"`
	Time        time.Time       `json:"time"`
	Status      Status          `json:"status"`
	Payload     json.RawMessage `json:"payload"`
	Error       string          `json:"error,omitempty"`
}

// NewID returns a random version 4 UUID. Correlation IDs are random rather
// than sequential so they reveal nothing about the platform's volume and
// cannot be guessed to forge a retry.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails since Go 1.24
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Hash is the request_hash of a request body: hex SHA-256 of its bytes.
func Hash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// SplitService splits "<resource>/<service>". Both parts are lower-case
// ASCII letters, digits, '-' or '_', so they can appear in URLs, metrics
// labels and file names unchanged.
func SplitService(s string) (resource, service string, ok bool) {
	resource, service, found := strings.Cut(s, "/")
	if !found || !isToken(resource) || !isToken(service) {
		return "", "", false
	}
	return resource, service, true
}

func isToken(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// isUUID accepts the canonical 8-4-4-4-12 lower- or upper-case hex form.
// Correlation IDs travel in HTTP headers, logs and database keys; a fixed
// shape keeps them safe in all three.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// isLabel accepts a short identifier of a system, user or case: printable,
// no control characters, at most 200 bytes.
func isLabel(s string) bool {
	if len(s) > 200 {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

func isObject(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) >= 2 && t[0] == '{' && json.Valid(t)
}

func (r *Request) validate() error {
	switch {
	case r.Version != Version:
		return fmt.Errorf("version %d, want %d", r.Version, Version)
	case !isUUID(r.ID):
		return fmt.Errorf("id %q is not a UUID", r.ID)
	case strings.TrimSpace(r.Sender) == "" || !isLabel(r.Sender):
		return errors.New("sender is missing or not printable")
	case !isLabel(r.User):
		return errors.New("user is not printable")
	case !isLabel(r.Case):
		return errors.New("case is not printable")
	case r.Time.IsZero():
		return errors.New("time is missing")
	case !isObject(r.Payload):
		return errors.New("payload is not a JSON object")
	}
	if _, _, ok := SplitService(r.Service); !ok {
		return fmt.Errorf("service %q is not <resource>/<service>", r.Service)
	}
	return nil
}

func (a *Answer) validate() error {
	switch {
	case a.Version != Version:
		return fmt.Errorf("version %d, want %d", a.Version, Version)
	case !isUUID(a.ID):
		return fmt.Errorf("id %q is not a UUID", a.ID)
	case a.RequestID != "" && !isUUID(a.RequestID):
		return fmt.Errorf("request_id %q is not a UUID", a.RequestID)
	case a.RequestID == "" && a.Status != StatusError:
		// Only a refusal of a request too broken to name itself may leave
		// request_id empty.
		return errors.New("request_id is missing")
	case len(a.RequestHash) != sha256.Size*2 || !isLowerHex(a.RequestHash):
		return errors.New("request_hash is not a hex SHA-256")
	case !isToken(a.Resource):
		return fmt.Errorf("resource %q is not a resource name", a.Resource)
	case a.Time.IsZero():
		return errors.New("time is missing")
	case !a.Status.valid():
		return fmt.Errorf("status %q is unknown", a.Status)
	case !isObject(a.Payload):
		return errors.New("payload is not a JSON object")
	}
	return nil
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

var emptyObject = json.RawMessage(`{}`)

// Seal completes r (version; a new ID and the current time when empty; an
// empty payload object when none), checks it, and returns the exact body
// to send and the detached signature over it. The caller archives both: they
// are what a retry resends and what an auditor checks.
func Seal(signer signature.Signer, r Request) (body, sig []byte, err error) {
	if signer == nil {
		return nil, nil, errors.New("envelope: seal: no signer")
	}
	if r.Version == 0 {
		r.Version = Version
	}
	if r.ID == "" {
		r.ID = NewID()
	}
	if r.Time.IsZero() {
		r.Time = time.Now()
	}
	r.Time = r.Time.UTC()
	if len(r.Payload) == 0 {
		r.Payload = emptyObject
	}
	if err := r.validate(); err != nil {
		return nil, nil, fmt.Errorf("%w: seal request: %v", ErrMalformed, err)
	}
	body, err = json.Marshal(r)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: seal request: %v", ErrMalformed, err)
	}
	sig, err = signer.Sign(body)
	if err != nil {
		return nil, nil, fmt.Errorf("envelope: seal request: %w", err)
	}
	return body, sig, nil
}

// Open verifies sig over body and only then reads the request. It does not
// decide whether the signer may speak for r.Sender; the caller compares the
// returned identity with its registry.
func Open(v *signature.Verifier, body, sig []byte) (Request, signature.Identity, error) {
	if v == nil {
		return Request{}, signature.Identity{}, errors.New("envelope: open request: no verifier")
	}
	who, err := v.Verify(body, sig)
	if err != nil {
		return Request{}, signature.Identity{}, fmt.Errorf("%w: request: %w", ErrSignature, err)
	}
	r, err := parseRequest(body)
	if err != nil {
		return Request{}, signature.Identity{}, err
	}
	return r, who, nil
}

// Peek reads a request without verifying anything. It exists so a resource
// can bind its refusal of an unsigned or forged request to that request's
// ID; never act on what it returns.
func Peek(body []byte) (Request, error) {
	return parseRequest(body)
}

func parseRequest(body []byte) (Request, error) {
	var r Request
	if err := decodeStrict(body, &r); err != nil {
		return Request{}, fmt.Errorf("%w: request: %v", ErrMalformed, err)
	}
	if err := r.validate(); err != nil {
		return Request{}, fmt.Errorf("%w: request: %v", ErrMalformed, err)
	}
	return r, nil
}

// SealAnswer binds a to the request body it answers — request_hash is
// always computed from reqBody, and request_id is taken from it when a
// leaves it empty — completes version, ID, time and payload like Seal, and
// signs the result. reqBody may be a request too broken to read; the answer
// must then be a StatusError refusal and still carries its hash.
func SealAnswer(signer signature.Signer, reqBody []byte, a Answer) (body, sig []byte, err error) {
	if signer == nil {
		return nil, nil, errors.New("envelope: seal answer: no signer")
	}
	if a.Version == 0 {
		a.Version = Version
	}
	if a.ID == "" {
		a.ID = NewID()
	}
	if a.Time.IsZero() {
		a.Time = time.Now()
	}
	a.Time = a.Time.UTC()
	if len(a.Payload) == 0 {
		a.Payload = emptyObject
	}
	if id := peekID(reqBody); a.RequestID == "" {
		a.RequestID = id
	} else if id != "" && id != a.RequestID {
		return nil, nil, fmt.Errorf("%w: seal answer: request_id %q but the request is %q", ErrMismatch, a.RequestID, id)
	}
	a.RequestHash = Hash(reqBody)
	if err := a.validate(); err != nil {
		return nil, nil, fmt.Errorf("%w: seal answer: %v", ErrMalformed, err)
	}
	body, err = json.Marshal(a)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: seal answer: %v", ErrMalformed, err)
	}
	sig, err = signer.Sign(body)
	if err != nil {
		return nil, nil, fmt.Errorf("envelope: seal answer: %w", err)
	}
	return body, sig, nil
}

// peekID is the request's id if the body is a readable request, else "".
func peekID(reqBody []byte) string {
	r, err := parseRequest(reqBody)
	if err != nil {
		return ""
	}
	return r.ID
}

// OpenAnswer accepts an answer only if its signature verifies (ErrSignature),
// it is a well-formed answer (ErrMalformed), and it answers exactly reqBody:
// same request_hash, request_id and resource (ErrMismatch). The checks run in
// that order so that an unsigned message is never parsed for meaning.
func OpenAnswer(v *signature.Verifier, reqBody, body, sig []byte) (Answer, signature.Identity, error) {
	if v == nil {
		return Answer{}, signature.Identity{}, errors.New("envelope: open answer: no verifier")
	}
	who, err := v.Verify(body, sig)
	if err != nil {
		return Answer{}, signature.Identity{}, fmt.Errorf("%w: answer: %w", ErrSignature, err)
	}
	a, err := parseAnswer(body)
	if err != nil {
		return Answer{}, signature.Identity{}, err
	}
	if want := Hash(reqBody); a.RequestHash != want {
		return Answer{}, signature.Identity{}, fmt.Errorf("%w: request_hash %s, the request's is %s", ErrMismatch, a.RequestHash, want)
	}
	req, err := parseRequest(reqBody)
	if err != nil {
		return Answer{}, signature.Identity{}, fmt.Errorf("open answer: the request itself: %w", err)
	}
	if a.RequestID != req.ID {
		return Answer{}, signature.Identity{}, fmt.Errorf("%w: request_id %q, the request's is %q", ErrMismatch, a.RequestID, req.ID)
	}
	if a.Resource != req.Resource() {
		return Answer{}, signature.Identity{}, fmt.Errorf("%w: answered by resource %q, the request went to %q", ErrMismatch, a.Resource, req.Resource())
	}
	return a, who, nil
}

func parseAnswer(body []byte) (Answer, error) {
	var a Answer
	if err := decodeStrict(body, &a); err != nil {
		return Answer{}, fmt.Errorf("%w: answer: %v", ErrMalformed, err)
	}
	if err := a.validate(); err != nil {
		return Answer{}, fmt.Errorf("%w: answer: %v", ErrMalformed, err)
	}
	return a, nil
}

// decodeStrict decodes a single JSON object with no repeated top-level keys
// and nothing after it. Unknown fields are tolerated: Version guards
// meaning, and a newer sender may add informative fields.
func decodeStrict(body []byte, out any) error {
	if err := noDuplicateKeys(body); err != nil {
		return err
	}
	return json.Unmarshal(body, out)
}

func noDuplicateKeys(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errors.New("not a JSON object")
	}
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if seen[key] {
			return fmt.Errorf("key %q appears twice", key)
		}
		seen[key] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON object")
	}
	return nil
}

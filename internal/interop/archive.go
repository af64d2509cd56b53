package interop

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"odnookno/internal/fault"
)

// Directions of an archived message.
const (
	DirectionRequest = "request"
	DirectionAnswer  = "answer"
)

// message is a row about to be archived.
type message struct {
	request    Request
	direction  string
	channel    string
	mediaType  string
	body, sig  []byte
	verified   bool
	signer     string
	problem    string
	httpStatus int
}

// archive appends m to the message log in tx and returns its id. The body
// and signature are stored exactly as given; the table refuses updates and
// deletes.
func (s *Service) archive(ctx context.Context, tx *sql.Tx, m message) (int64, error) {
	sum := sha256.Sum256(m.body)
	var sig any
	if len(m.sig) > 0 {
		sig = m.sig
	}
	body := m.body
	if body == nil {
		body = []byte{}
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO interop_messages (correlation_id, case_number, resource, service, direction,
		channel, media_type, body, signature, sha256, verified, signer, problem, http_status, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15) RETURNING id`,
		m.request.CorrelationID, m.request.CaseNumber, m.request.Resource, m.request.Service, m.direction, m.channel,
		m.mediaType, body, sig, hex.EncodeToString(sum[:]), m.verified, m.signer, clip(m.problem), m.httpStatus, s.clock()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("interop: archive %s: %w", m.direction, err)
	}
	return id, nil
}

// requestMessage returns the signed request as first archived: what every
// attempt sends again.
func (s *Service) requestMessage(ctx context.Context, correlationID string) (body, sig []byte, err error) {
	err = s.db.R.QueryRowContext(ctx, `SELECT body, signature FROM interop_messages
		WHERE correlation_id = $1 AND direction = 'request' AND channel = 'http' ORDER BY id LIMIT 1`, correlationID).Scan(&body, &sig)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, fmt.Errorf("interop: request %s has no archived message", correlationID)
	}
	return body, sig, err
}

// Message is one archived request or answer.
type Message struct {
	ID            int64
	CorrelationID string
	CaseNumber    string
	Resource      string
	Service       string
	Direction     string // DirectionRequest or DirectionAnswer
	Channel       string
	MediaType     string
	Body          []byte // exactly as sent or received
	Signature     []byte // detached CMS; nil when there was none
	SHA256        string // of Body, recorded when archived
	// Verified: the signature was checked and held (for requests, the
	// platform signed it). A rejected answer has Verified false and a
	// Problem.
	Verified   bool
	Signer     string
	Problem    string
	HTTPStatus int
	CreatedAt  time.Time
}

// Intact reports whether Body still hashes to the hash recorded when it was
// archived.
func (m Message) Intact() bool {
	sum := sha256.Sum256(m.Body)
	return hex.EncodeToString(sum[:]) == m.SHA256
}

// Query selects archived messages; at least one of CorrelationID and
// CaseNumber is required.
type Query struct {
	CorrelationID string
	CaseNumber    string
	Direction     string
	BeforeID      int64 // paging backwards; 0 = from the newest
	Limit         int   // default 100, at most 1000
}

// Archive searches the message log, oldest first within the page.
func (s *Service) Archive(ctx context.Context, q Query) ([]Message, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if q.CorrelationID == "" && q.CaseNumber == "" {
		return nil, fault.Fields(fault.Field{Field: "query", Code: CodeInvalid})
	}
	if q.CorrelationID != "" {
		add("correlation_id = $%d", strings.ToLower(strings.TrimSpace(q.CorrelationID)))
	}
	if q.CaseNumber != "" {
		add("case_number = $%d", strings.TrimSpace(q.CaseNumber))
	}
	if q.Direction != "" {
		add("direction = $%d", q.Direction)
	}
	if q.BeforeID > 0 {
		add("id < $%d", q.BeforeID)
	}
	if q.Limit <= 0 {
		q.Limit = 100
	}
	query := fmt.Sprintf(`SELECT id, correlation_id, case_number, resource, service, direction, channel, media_type, body,
		signature, sha256, verified, signer, problem, http_status, created_at FROM interop_messages WHERE %s
		ORDER BY id DESC LIMIT %d`, strings.Join(where, " AND "), min(q.Limit, 1000))
	rows, err := s.db.R.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("interop: archive: %w", err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		if err := rows.Scan(&m.ID, &m.CorrelationID, &m.CaseNumber, &m.Resource, &m.Service, &m.Direction, &m.Channel,
			&m.MediaType, &m.Body, &m.Signature, &m.SHA256, &m.Verified, &m.Signer, &m.Problem, &m.HTTPStatus, &m.CreatedAt); err != nil {
			return nil, err
		}
		m.CreatedAt = m.CreatedAt.UTC()
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// canonicalJSON is v encoded with sorted map keys (encoding/json sorts
// them), so the archived bytes of a manual answer are the same however the
// map was built.
func canonicalJSON(v any) ([]byte, error) { return json.Marshal(v) }

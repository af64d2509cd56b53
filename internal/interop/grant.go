package interop

import (
	"bytes"
	"context"
	"crypto/x509"
	"database/sql"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/fault"
	"odnookno/internal/org"
	"odnookno/internal/store"
)

// States of a grant: requested by the operator, then approved or refused by
// the resource's owner; an approved grant can be revoked. Refused and
// revoked grants stay as history; access can be asked for again.
const (
	GrantRequested = "requested"
	GrantApproved  = "approved"
	GrantRefused   = "refused"
	GrantRevoked   = "revoked"
)

// Grant is a staff user's access to one service of a resource (P3.3).
type Grant struct {
	ID           int64
	StaffID      int64
	StaffBody    string
	Resource     string
	Service      string
	State        string
	CertSerial   string    // the certificate the operator checked
	CertNotAfter time.Time // and when it expires
	RequestedBy  string
	RequestedAt  time.Time
	DecidedBy    string
	DecidedAt    time.Time
	Reason       string // why refused or revoked
	RevokedBy    string
	RevokedAt    time.Time
}

// CertEvidence is what the operator checks before asking for access
// (P3.3: «Оператор проверяет наличие личного ключа ЭЦП у Пользователя»):
// either the user's signing certificate, checked against the trusted
// roots, or — stronger, it proves the key is at hand — a signature the user
// made over Data, checked by the Verifier. Either way the certificate must
// be the one recorded for the user and must not have expired.
type CertEvidence struct {
	Certificate []byte // PEM or DER
	Data        []byte
	Signature   []byte // detached CMS over Data
}

// GrantRequest asks for a staff user's access to a service.
type GrantRequest struct {
	StaffID  int64
	Resource string
	Service  string
	Evidence CertEvidence
}

// certificate is what the check learnt about the user's certificate.
type certificate struct {
	serial   string
	notAfter time.Time
}

// normSerial makes certificate serials comparable however they were typed:
// upper-case hex without separators or leading zeros.
func normSerial(s string) string {
	s = strings.ToUpper(strings.NewReplacer(":", "", " ", "", "-", "").Replace(strings.TrimSpace(s)))
	return strings.TrimLeft(s, "0")
}

// checkCertificate checks the evidence against the certificate recorded for
// st and the clock.
func (s *Service) checkCertificate(st org.Staff, ev CertEvidence) (certificate, error) {
	if strings.TrimSpace(st.CertSerial) == "" {
		return certificate{}, fault.Fields(fault.Field{Field: "certificate", Code: CodeNoCertificate})
	}
	now := s.clock()
	var c certificate
	switch {
	case len(ev.Signature) > 0:
		id, err := s.verifier.Verify(ev.Data, ev.Signature)
		if err != nil {
			return certificate{}, fault.Fields(fault.Field{Field: "certificate", Code: CodeCertInvalid, Params: map[string]any{"reason": err.Error()}})
		}
		c = certificate{serial: id.CertificateSerial, notAfter: id.NotAfter}
		if now.Before(id.NotBefore) || now.After(id.NotAfter) {
			return certificate{}, fault.Fields(fault.Field{Field: "certificate", Code: CodeCertExpired, Params: map[string]any{"not_after": id.NotAfter}})
		}
	case len(ev.Certificate) > 0:
		cert, err := parseCertificate(ev.Certificate)
		if err != nil {
			return certificate{}, fault.Fields(fault.Field{Field: "certificate", Code: CodeCertInvalid, Params: map[string]any{"reason": err.Error()}})
		}
		if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
			return certificate{}, fault.Fields(fault.Field{Field: "certificate", Code: CodeCertExpired, Params: map[string]any{"not_after": cert.NotAfter}})
		}
		if s.roots == nil {
			return certificate{}, errors.New("interop: no trusted roots configured to check staff certificates")
		}
		_, err = cert.Verify(x509.VerifyOptions{Roots: s.roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		if err == nil && cert.KeyUsage != 0 && cert.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
			err = errors.New("the certificate does not allow signing")
		}
		if err != nil {
			return certificate{}, fault.Fields(fault.Field{Field: "certificate", Code: CodeCertInvalid, Params: map[string]any{"reason": err.Error()}})
		}
		c = certificate{serial: fmt.Sprintf("%X", cert.SerialNumber.Bytes()), notAfter: cert.NotAfter}
	default:
		return certificate{}, fault.Fields(fault.Field{Field: "certificate", Code: CodeCertRequired})
	}
	if normSerial(c.serial) != normSerial(st.CertSerial) {
		return certificate{}, fault.Fields(fault.Field{Field: "certificate", Code: CodeCertMismatch})
	}
	c.notAfter = c.notAfter.UTC().Truncate(time.Microsecond)
	return c, nil
}

func parseCertificate(b []byte) (*x509.Certificate, error) {
	if bytes.Contains(b, []byte("-----BEGIN")) {
		for rest := b; ; {
			var block *pem.Block
			block, rest = pem.Decode(rest)
			if block == nil {
				return nil, errors.New("no PEM certificate found")
			}
			if block.Type == "CERTIFICATE" {
				return x509.ParseCertificate(block.Bytes)
			}
		}
	}
	return x509.ParseCertificate(b)
}

func staffRef(st org.Staff) string { return fmt.Sprintf("staff:%d", st.ID) }

// RequestGrant is the operator asking the resource's owner to let a staff
// user query a service, after checking the user's certificate (P3.3).
func (s *Service) RequestGrant(ctx context.Context, operator org.Staff, req GrantRequest) (Grant, error) {
	if !operator.Has(org.RoleOperator) {
		return Grant{}, fault.New(fault.Forbidden, CodeNotOperator, nil)
	}
	if _, _, err := s.lookup(ctx, s.db.R, req.Resource, req.Service); err != nil {
		return Grant{}, err
	}
	st, err := s.dir.StaffByID(ctx, req.StaffID)
	if err != nil {
		return Grant{}, err
	}
	if st.Status != "active" {
		return Grant{}, fault.Fields(fault.Field{Field: "staff", Code: CodeInvalid})
	}
	cert, err := s.checkCertificate(st, req.Evidence)
	if err != nil {
		return Grant{}, err
	}
	now := s.clock()
	var id int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO interop_grants (staff_id, staff_body, resource, service, state,
			cert_serial, cert_not_after, requested_by, requested_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id`,
			st.ID, st.Body.Code, req.Resource, req.Service, GrantRequested, normSerial(cert.serial), cert.notAfter,
			staffRef(operator), now).Scan(&id)
		if store.IsUniqueViolation(err) {
			return fault.New(fault.Conflict, CodeGrantExists, nil)
		}
		if err != nil {
			return fmt.Errorf("interop: request grant: %w", err)
		}
		_, err = s.audit.Append(ctx, tx, audit.Entry{Actor: operator.Actor(org.RoleOperator), Action: "interop.grant.requested",
			ObjectType: "interop_grant", ObjectID: fmt.Sprint(id), Details: map[string]any{
				"staff": st.ID, "resource": req.Resource, "service": req.Service,
				"cert_serial": normSerial(cert.serial), "cert_not_after": cert.notAfter}})
		return err
	})
	if err != nil {
		return Grant{}, err
	}
	return s.Grant(ctx, id)
}

// ApproveGrant is the resource owner letting the user in; the user and
// their body are e-mailed (P3.3, last paragraph).
func (s *Service) ApproveGrant(ctx context.Context, owner org.Staff, id int64) (Grant, error) {
	return s.decide(ctx, owner, id, GrantApproved, "")
}

// RefuseGrant is the resource owner refusing access; the user can still
// send requests through СМДО. The reason is mailed to the user and body.
func (s *Service) RefuseGrant(ctx context.Context, owner org.Staff, id int64, reason string) (Grant, error) {
	if strings.TrimSpace(reason) == "" {
		return Grant{}, fault.Fields(fault.Field{Field: "reason", Code: CodeReasonRequired})
	}
	return s.decide(ctx, owner, id, GrantRefused, strings.TrimSpace(reason))
}

// mayDecide reports whether st speaks for the owner of resource.
func (s *Service) mayDecide(ctx context.Context, q queryer, st org.Staff, resource string) error {
	r, err := s.resource(ctx, q, resource)
	if err != nil {
		return err
	}
	if !st.Has(org.RoleIROwner) || st.Body.Code != r.OwnerBody {
		return fault.New(fault.Forbidden, CodeNotOwner, nil)
	}
	return nil
}

func (s *Service) decide(ctx context.Context, owner org.Staff, id int64, state, reason string) (Grant, error) {
	g, err := s.Grant(ctx, id)
	if err != nil {
		return Grant{}, err
	}
	if err := s.mayDecide(ctx, s.db.R, owner, g.Resource); err != nil {
		return Grant{}, err
	}
	st, err := s.dir.StaffByID(ctx, g.StaffID)
	if err != nil {
		return Grant{}, err
	}
	res, sv, err := s.lookup(ctx, s.db.R, g.Resource, g.Service)
	if err != nil {
		return Grant{}, err
	}
	now := s.clock()
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE interop_grants SET state = $1, decided_by = $2, decided_at = $3, reason = $4
			WHERE id = $5 AND state = $6`, state, staffRef(owner), now, reason, id, GrantRequested)
		if err != nil {
			return fmt.Errorf("interop: decide grant: %w", err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return fault.New(fault.Conflict, CodeGrantState, map[string]any{"state": g.State})
		}
		kind, params := MailGrantApproved, map[string]any{"resource": res.NameRU + " — " + sv.NameRU}
		if state == GrantRefused {
			kind = MailGrantRefused
			params["reason"] = reason
		}
		if err := s.mail(ctx, tx, []string{st.Email, st.Body.Email}, kind, params, ""); err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, tx, audit.Entry{Actor: owner.Actor(org.RoleIROwner), Action: "interop.grant." + state,
			ObjectType: "interop_grant", ObjectID: fmt.Sprint(id), Reason: reason,
			Details: map[string]any{"staff": g.StaffID, "resource": g.Resource, "service": g.Service}})
		return err
	})
	if err != nil {
		return Grant{}, err
	}
	return s.Grant(ctx, id)
}

// RevokeGrant ends an approved (or still requested) grant, by the owner or
// the operator.
func (s *Service) RevokeGrant(ctx context.Context, by org.Staff, id int64, reason string) (Grant, error) {
	g, err := s.Grant(ctx, id)
	if err != nil {
		return Grant{}, err
	}
	role := org.RoleOperator
	if !by.Has(org.RoleOperator) {
		if err := s.mayDecide(ctx, s.db.R, by, g.Resource); err != nil {
			return Grant{}, err
		}
		role = org.RoleIROwner
	}
	if strings.TrimSpace(reason) == "" {
		return Grant{}, fault.Fields(fault.Field{Field: "reason", Code: CodeReasonRequired})
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE interop_grants SET state = $1, revoked_by = $2, revoked_at = $3, reason = $4
			WHERE id = $5 AND state IN ($6, $7)`, GrantRevoked, staffRef(by), s.clock(), strings.TrimSpace(reason), id, GrantRequested, GrantApproved)
		if err != nil {
			return fmt.Errorf("interop: revoke grant: %w", err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return fault.New(fault.Conflict, CodeGrantState, map[string]any{"state": g.State})
		}
		_, err = s.audit.Append(ctx, tx, audit.Entry{Actor: by.Actor(role), Action: "interop.grant.revoked",
			ObjectType: "interop_grant", ObjectID: fmt.Sprint(id), Reason: strings.TrimSpace(reason),
			Details: map[string]any{"staff": g.StaffID, "resource": g.Resource, "service": g.Service}})
		return err
	})
	if err != nil {
		return Grant{}, err
	}
	return s.Grant(ctx, id)
}

// mail sends one e-mail of kind to each distinct non-empty address.
func (s *Service) mail(ctx context.Context, tx *sql.Tx, to []string, kind string, params map[string]any, link string) error {
	if s.mailer == nil {
		return nil
	}
	seen := map[string]bool{}
	for _, addr := range to {
		addr = strings.TrimSpace(addr)
		if addr == "" || seen[strings.ToLower(addr)] {
			continue
		}
		seen[strings.ToLower(addr)] = true
		if err := s.mailer.EnqueueTx(ctx, tx, Mail{To: addr, Kind: kind, Lang: "ru", Params: params, Link: link}); err != nil {
			return fmt.Errorf("interop: mail %s: %w", kind, err)
		}
	}
	return nil
}

const grantCols = `id, staff_id, staff_body, resource, service, state, cert_serial, cert_not_after, requested_by,
	requested_at, decided_by, decided_at, reason, revoked_by, revoked_at`

func scanGrant(row interface{ Scan(...any) error }) (Grant, error) {
	var g Grant
	var decided, revoked sql.NullTime
	err := row.Scan(&g.ID, &g.StaffID, &g.StaffBody, &g.Resource, &g.Service, &g.State, &g.CertSerial, &g.CertNotAfter,
		&g.RequestedBy, &g.RequestedAt, &g.DecidedBy, &decided, &g.Reason, &g.RevokedBy, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return g, notFound(CodeGrantNotFound)
	}
	g.CertNotAfter, g.RequestedAt = g.CertNotAfter.UTC(), g.RequestedAt.UTC()
	g.DecidedAt, g.RevokedAt = nullTime(decided), nullTime(revoked)
	return g, err
}

// Grant returns one grant.
func (s *Service) Grant(ctx context.Context, id int64) (Grant, error) {
	return scanGrant(s.db.R.QueryRowContext(ctx, "SELECT "+grantCols+" FROM interop_grants WHERE id = $1", id))
}

// GrantQuery selects grants; zero fields do not filter.
type GrantQuery struct {
	StaffID  int64
	Resource string
	// Owner selects grants to resources owned by this body: the owner's
	// console.
	Owner string
	State string
}

// Grants lists matching grants, newest first.
func (s *Service) Grants(ctx context.Context, q GrantQuery) ([]Grant, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if q.StaffID != 0 {
		add("staff_id = $%d", q.StaffID)
	}
	if q.Resource != "" {
		add("resource = $%d", q.Resource)
	}
	if q.Owner != "" {
		add("resource IN (SELECT code FROM interop_resources WHERE owner_body = $%d)", q.Owner)
	}
	if q.State != "" {
		add("state = $%d", q.State)
	}
	query := "SELECT " + grantCols + " FROM interop_grants"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.db.R.QueryContext(ctx, query+" ORDER BY id DESC LIMIT 500", args...)
	if err != nil {
		return nil, fmt.Errorf("interop: grants: %w", err)
	}
	defer rows.Close()
	var out []Grant
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// CanQuery reports whether the staff user holds an approved grant for the
// service: only then may they query it over the integration.
func (s *Service) CanQuery(ctx context.Context, staffID int64, resource, service string) (bool, error) {
	return s.canQuery(ctx, s.db.R, staffID, resource, service)
}

func (s *Service) canQuery(ctx context.Context, q queryer, staffID int64, resource, service string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM interop_grants
		WHERE staff_id = $1 AND resource = $2 AND service = $3 AND state = $4`,
		staffID, resource, service, GrantApproved).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("interop: can query: %w", err)
	}
	return n > 0, nil
}

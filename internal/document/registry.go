package document

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"odnookno/internal/fault"
	"odnookno/internal/signature"
	"odnookno/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Module is the registry's migrations.
var Module = store.NewModule("document", migrations)

// Registry keeps every issued document so that anyone holding a paper copy
// can check it at /verify/{code}: the stored bytes are the original, and
// the signature, when there is one, is verified against them.
type Registry struct {
	db       *store.DB
	verifier *signature.Verifier
	baseURL  string
	now      func() time.Time
}

// NewRegistry returns the registry. baseURL builds the verification link
// printed on documents.
func NewRegistry(db *store.DB, verifier *signature.Verifier, baseURL string, now func() time.Time) *Registry {
	if now == nil {
		now = time.Now
	}
	return &Registry{db: db, verifier: verifier, baseURL: baseURL, now: now}
}

// Issued is a stored document.
type Issued struct {
	ID           int64
	Code         string
	Kind         Kind
	RegNumber    string
	Title        string
	Issuer       string
	Lang         string
	SubjectUID   string
	CaseNumber   string
	IssuedAt     time.Time
	SHA256       string
	Signed       bool
	SignerName   string
	SignerOrg    string
	SignerSerial string
	SignedAt     time.Time
}

// Meta ties a document to its citizen and case for later lookups.
type Meta struct {
	SubjectUID string
	CaseNumber string
}

// Issue renders d with a fresh verification code and stores it in tx.
func (r *Registry) Issue(ctx context.Context, tx *sql.Tx, d Document, m Meta) (Issued, []byte, error) {
	d.VerificationCode = NewVerificationCode()
	d.VerifyURL = r.baseURL + "/verify/" + d.VerificationCode
	if d.Date.IsZero() {
		d.Date = r.now()
	}
	pdf, err := Render(d)
	if err != nil {
		return Issued{}, nil, err
	}
	sum := sha256.Sum256(pdf)
	is := Issued{Code: d.VerificationCode, Kind: d.Kind, RegNumber: d.RegNumber, Title: d.displayTitle(), Issuer: d.Issuer,
		Lang: d.Lang, SubjectUID: m.SubjectUID, CaseNumber: m.CaseNumber, IssuedAt: r.now().UTC().Truncate(time.Microsecond),
		SHA256: hex.EncodeToString(sum[:])}
	err = tx.QueryRowContext(ctx, `INSERT INTO documents (code, kind, reg_number, title, issuer, lang, subject_uid, case_number, issued_at, sha256, pdf)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) RETURNING id`,
		is.Code, string(is.Kind), is.RegNumber, is.Title, is.Issuer, is.Lang, is.SubjectUID, is.CaseNumber, is.IssuedAt, is.SHA256, pdf).Scan(&is.ID)
	if err != nil {
		return Issued{}, nil, fmt.Errorf("document: store: %w", err)
	}
	return is, pdf, nil
}

// Sign attaches a detached signature over the stored PDF after checking it;
// a signature that does not verify is refused and changes nothing.
func (r *Registry) Sign(ctx context.Context, tx *sql.Tx, code string, sig []byte) (signature.Identity, error) {
	var pdf []byte
	var signed []byte
	err := tx.QueryRowContext(ctx, "SELECT pdf, signature FROM documents WHERE code = $1", code).Scan(&pdf, &signed)
	if errors.Is(err, sql.ErrNoRows) {
		return signature.Identity{}, fmt.Errorf("document %s: %w", code, fault.NotFound)
	}
	if err != nil {
		return signature.Identity{}, err
	}
	if signed != nil {
		return signature.Identity{}, fault.New(fault.Conflict, "document.already_signed", nil)
	}
	id, err := r.verifier.Verify(pdf, sig)
	if err != nil {
		return signature.Identity{}, fault.New(fault.Invalid, "document.bad_signature", map[string]any{"reason": err.Error()})
	}
	_, err = tx.ExecContext(ctx, `UPDATE documents SET signature = $1, signer_name = $2, signer_org = $3, signer_serial = $4, signed_at = $5 WHERE code = $6`,
		sig, id.CommonName, id.Organization, id.SerialNumber, id.SigningTime.UTC(), code)
	if err != nil {
		return signature.Identity{}, fmt.Errorf("document: sign: %w", err)
	}
	return id, nil
}

const issuedCols = `id, code, kind, reg_number, title, issuer, lang, subject_uid, case_number, issued_at, sha256,
	signature IS NOT NULL, signer_name, signer_org, signer_serial, signed_at`

func scanIssued(row interface{ Scan(...any) error }) (Issued, error) {
	var is Issued
	var kind string
	var signedAt sql.NullTime
	err := row.Scan(&is.ID, &is.Code, &kind, &is.RegNumber, &is.Title, &is.Issuer, &is.Lang, &is.SubjectUID, &is.CaseNumber,
		&is.IssuedAt, &is.SHA256, &is.Signed, &is.SignerName, &is.SignerOrg, &is.SignerSerial, &signedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return is, fmt.Errorf("document: %w", fault.NotFound)
	}
	is.Kind = Kind(kind)
	if signedAt.Valid {
		is.SignedAt = signedAt.Time
	}
	return is, err
}

// ByCode finds a document by its verification code (any accepted spelling).
func (r *Registry) ByCode(ctx context.Context, code string) (Issued, error) {
	c, err := NormalizeVerificationCode(code)
	if err != nil {
		return Issued{}, fmt.Errorf("document: %w", fault.NotFound)
	}
	return scanIssued(r.db.R.QueryRowContext(ctx, "SELECT "+issuedCols+" FROM documents WHERE code = $1", c))
}

// PDF returns the stored bytes and the signature (nil when unsigned).
func (r *Registry) PDF(ctx context.Context, code string) ([]byte, []byte, error) {
	var pdf, sig []byte
	err := r.db.R.QueryRowContext(ctx, "SELECT pdf, signature FROM documents WHERE code = $1", code).Scan(&pdf, &sig)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, fmt.Errorf("document: %w", fault.NotFound)
	}
	return pdf, sig, err
}

// Check is the outcome of verifying a stored document now.
type Check struct {
	Issued   Issued
	Intact   bool // stored bytes still hash to the recorded hash
	Signed   bool
	Valid    bool // the signature verifies against trusted roots
	Identity signature.Identity
	Problem  string // why the signature does not verify
}

// Verify re-checks the stored document: its hash and its signature.
func (r *Registry) Verify(ctx context.Context, code string) (Check, error) {
	is, err := r.ByCode(ctx, code)
	if err != nil {
		return Check{}, err
	}
	pdf, sig, err := r.PDF(ctx, is.Code)
	if err != nil {
		return Check{}, err
	}
	sum := sha256.Sum256(pdf)
	c := Check{Issued: is, Intact: hex.EncodeToString(sum[:]) == is.SHA256, Signed: sig != nil}
	if sig != nil {
		id, err := r.verifier.Verify(pdf, sig)
		if err != nil {
			c.Problem = err.Error()
		} else {
			c.Valid, c.Identity = true, id
		}
	}
	return c, nil
}

// MatchesFile reports whether uploaded bytes are exactly the stored original.
func (c Check) MatchesFile(b []byte) bool {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]) == c.Issued.SHA256
}

// displayTitle is the title printed on the document.
func (d Document) displayTitle() string {
	if d.Title != "" {
		return d.Title
	}
	return d.Kind.Title(d.Lang)
}

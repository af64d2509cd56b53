// Package org holds the bodies connected to the complex (authorized bodies,
// issuance services, regulators, information-resource owners, the operator)
// and their staff accounts with roles.
package org

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/fault"
	"odnookno/internal/identity"
	"odnookno/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Module is this package's migrations.
var Module = store.NewModule("org", migrations)

// Body kinds; a body may have several.
const (
	KindAuthorized = "authorized" // уполномоченный орган
	KindIssuance   = "issuance"   // служба выдачи УИД / служба «одно окно»
	KindRegulator  = "regulator"
	KindIROwner    = "resource_owner"
	KindOperator   = "operator"
)

// Roles of staff, as in the audit trail.
const (
	RoleIssuance  = audit.RoleIssuance
	RoleRegistrar = audit.RoleRegistrar
	RoleOfficer   = audit.RoleOfficer
	RoleHead      = audit.RoleHead
	RoleBodyAdmin = audit.RoleBodyAdmin
	RoleRegulator = audit.RoleRegulator
	RoleIROwner   = audit.RoleIROwner
	RoleOperator  = audit.RoleOperator
)

// AllRoles lists every staff role.
var AllRoles = []string{RoleIssuance, RoleRegistrar, RoleOfficer, RoleHead, RoleBodyAdmin, RoleRegulator, RoleIROwner, RoleOperator}

// Body is a connected organisation.
type Body struct {
	ID      int64
	Code    string
	NameRU  string
	NameBE  string
	Kinds   []string
	Address string
	Email   string
	Status  string
}

// Name in lang.
func (b Body) Name(lang string) string {
	if lang == "be" && b.NameBE != "" {
		return b.NameBE
	}
	return b.NameRU
}

// Staff is a staff account.
type Staff struct {
	ID         int64
	BodyID     int64
	Body       Body
	Login      string
	FullName   string
	Position   string
	Email      string
	Roles      []string
	CertSerial string
	Status     string
}

// Has reports whether the account holds role.
func (s Staff) Has(role string) bool { return slices.Contains(s.Roles, role) }

// Actor is the account as an audit actor acting in role.
func (s Staff) Actor(role string) audit.Actor {
	return audit.Actor{ID: fmt.Sprintf("staff:%d", s.ID), Role: role, Body: s.Body.Code}
}

// Service manages bodies and staff.
type Service struct {
	db     *store.DB
	audit  *audit.Log
	now    func() time.Time
	params identity.HashParams

	dummyOnce sync.Once
	dummy     string
}

// New returns the service.
func New(db *store.DB, log *audit.Log, now func() time.Time, params identity.HashParams) *Service {
	return &Service{db: db, audit: log, now: now, params: params}
}

// EnsureBody creates the body with code unless it exists, and returns it.
func (s *Service) EnsureBody(ctx context.Context, b Body) (Body, error) {
	if got, err := s.BodyByCode(ctx, b.Code); err == nil {
		return got, nil
	} else if !errors.Is(err, fault.NotFound) {
		return Body{}, err
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO bodies (code, name_ru, name_be, kinds, address, email, status, created_at)
			VALUES ($1,$2,$3,$4,$5,$6,'active',$7) RETURNING id`,
			b.Code, b.NameRU, b.NameBE, strings.Join(b.Kinds, ","), b.Address, b.Email, s.now().UTC()).Scan(&b.ID)
		if err != nil {
			return fmt.Errorf("org: create body: %w", err)
		}
		_, err = s.audit.Append(ctx, tx, audit.Entry{Action: "body.create", ObjectType: "body", ObjectID: b.Code})
		return err
	})
	b.Status = "active"
	return b, err
}

const bodyCols = "id, code, name_ru, name_be, kinds, address, email, status"

func scanBody(row interface{ Scan(...any) error }) (Body, error) {
	var b Body
	var kinds string
	err := row.Scan(&b.ID, &b.Code, &b.NameRU, &b.NameBE, &kinds, &b.Address, &b.Email, &b.Status)
	if errors.Is(err, sql.ErrNoRows) {
		return b, fmt.Errorf("org: body: %w", fault.NotFound)
	}
	b.Kinds = splitList(kinds)
	return b, err
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// BodyByCode finds a body.
func (s *Service) BodyByCode(ctx context.Context, code string) (Body, error) {
	return scanBody(s.db.R.QueryRowContext(ctx, "SELECT "+bodyCols+" FROM bodies WHERE code = $1", code))
}

// Body finds a body by id.
func (s *Service) Body(ctx context.Context, id int64) (Body, error) {
	return scanBody(s.db.R.QueryRowContext(ctx, "SELECT "+bodyCols+" FROM bodies WHERE id = $1", id))
}

// Bodies lists bodies, optionally of one kind.
func (s *Service) Bodies(ctx context.Context, kind string) ([]Body, error) {
	rows, err := s.db.R.QueryContext(ctx, "SELECT "+bodyCols+" FROM bodies ORDER BY name_ru")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Body
	for rows.Next() {
		b, err := scanBody(rows)
		if err != nil {
			return nil, err
		}
		if kind == "" || slices.Contains(b.Kinds, kind) {
			out = append(out, b)
		}
	}
	return out, rows.Err()
}

// NewStaff is a request to create an account.
type NewStaff struct {
	BodyCode   string
	Login      string
	FullName   string
	Position   string
	Email      string
	Roles      []string
	Password   string
	CertSerial string
}

// EnsureStaff creates the account unless the login exists.
func (s *Service) EnsureStaff(ctx context.Context, n NewStaff) (Staff, error) {
	if st, err := s.StaffByLogin(ctx, n.Login); err == nil {
		return st, nil
	}
	var c fault.Check
	for _, r := range n.Roles {
		if !slices.Contains(AllRoles, r) {
			c.Add("roles", "staff.role_unknown", map[string]any{"role": r})
		}
	}
	if len(n.Roles) == 0 {
		c.Add("roles", "staff.roles_required", nil)
	}
	if err := identity.CheckPassword(n.Password, "", ""); err != nil {
		c.AddErr("password", err)
	}
	if err := c.Err(); err != nil {
		return Staff{}, err
	}
	b, err := s.BodyByCode(ctx, n.BodyCode)
	if err != nil {
		return Staff{}, err
	}
	h, err := identity.HashPassword(n.Password, s.params)
	if err != nil {
		return Staff{}, err
	}
	var id int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO staff (body_id, login, full_name, position, email, roles, password_hash, cert_serial, status, created_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,'active',$9) RETURNING id`,
			b.ID, n.Login, n.FullName, n.Position, n.Email, strings.Join(n.Roles, ","), h, n.CertSerial, s.now().UTC()).Scan(&id)
		if store.IsUniqueViolation(err) {
			return fault.New(fault.Conflict, "staff.login_taken", nil)
		}
		if err != nil {
			return fmt.Errorf("org: create staff: %w", err)
		}
		_, err = s.audit.Append(ctx, tx, audit.Entry{Action: "staff.create", ObjectType: "staff", ObjectID: n.Login,
			Details: map[string]any{"body": b.Code, "roles": n.Roles}})
		return err
	})
	if err != nil {
		return Staff{}, err
	}
	return s.StaffByID(ctx, id)
}

const staffCols = `s.id, s.body_id, s.login, s.full_name, s.position, s.email, s.roles, s.cert_serial, s.status,
	b.id, b.code, b.name_ru, b.name_be, b.kinds, b.address, b.email, b.status`

func scanStaff(row interface{ Scan(...any) error }) (Staff, string, error) {
	var st Staff
	var roles, kinds, hash string
	err := row.Scan(&st.ID, &st.BodyID, &st.Login, &st.FullName, &st.Position, &st.Email, &roles, &st.CertSerial, &st.Status,
		&st.Body.ID, &st.Body.Code, &st.Body.NameRU, &st.Body.NameBE, &kinds, &st.Body.Address, &st.Body.Email, &st.Body.Status, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return st, "", fmt.Errorf("org: staff: %w", fault.NotFound)
	}
	st.Roles = splitList(roles)
	st.Body.Kinds = splitList(kinds)
	return st, hash, err
}

// StaffByID finds an account.
func (s *Service) StaffByID(ctx context.Context, id int64) (Staff, error) {
	st, _, err := scanStaff(s.db.R.QueryRowContext(ctx, "SELECT "+staffCols+", s.password_hash FROM staff s JOIN bodies b ON b.id = s.body_id WHERE s.id = $1", id))
	return st, err
}

// StaffByLogin finds an account.
func (s *Service) StaffByLogin(ctx context.Context, login string) (Staff, error) {
	st, _, err := scanStaff(s.db.R.QueryRowContext(ctx, "SELECT "+staffCols+", s.password_hash FROM staff s JOIN bodies b ON b.id = s.body_id WHERE s.login = $1", login))
	return st, err
}

// lockout after repeated failures: staff accounts are targets too.
const (
	maxFailures = 5
	lockFor     = 15 * time.Minute
)

// Authenticate checks a staff login. Unknown login and wrong password give
// the same error so that logins cannot be enumerated.
func (s *Service) Authenticate(ctx context.Context, login, password string) (Staff, error) {
	bad := fault.New(fault.Unauthorized, "staff.login_failed", nil)
	st, hash, err := scanStaff(s.db.R.QueryRowContext(ctx, `SELECT `+staffCols+`, s.password_hash
		FROM staff s JOIN bodies b ON b.id = s.body_id WHERE s.login = $1`, strings.TrimSpace(login)))
	if errors.Is(err, fault.NotFound) {
		// Spend the same time as a real check.
		_, _, _ = identity.VerifyPassword(password, s.dummyHash())
		return Staff{}, bad
	}
	if err != nil {
		return Staff{}, err
	}
	var locked sql.NullTime
	if err := s.db.R.QueryRowContext(ctx, "SELECT locked_until FROM staff WHERE id = $1", st.ID).Scan(&locked); err != nil {
		return Staff{}, err
	}
	now := s.now().UTC()
	if locked.Valid && now.Before(locked.Time) {
		return Staff{}, fault.New(fault.TooMany, "staff.locked", map[string]any{"minutes": int(locked.Time.Sub(now).Minutes()) + 1})
	}
	ok, _, err := identity.VerifyPassword(password, hash)
	if err != nil {
		return Staff{}, err
	}
	if !ok || st.Status != "active" || st.Body.Status != "active" {
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE staff SET failed_logins = failed_logins + 1,
				locked_until = CASE WHEN failed_logins + 1 >= $1 THEN $2 ELSE locked_until END WHERE id = $3`,
				maxFailures, now.Add(lockFor), st.ID)
			if err != nil {
				return err
			}
			_, err = s.audit.Append(ctx, tx, audit.Entry{Actor: audit.Actor{ID: fmt.Sprintf("staff:%d", st.ID), Role: "staff", Body: st.Body.Code},
				Action: "staff.login_failed", ObjectType: "staff", ObjectID: st.Login})
			return err
		})
		if err != nil {
			return Staff{}, err
		}
		return Staff{}, bad
	}
	if _, err := s.db.W.ExecContext(ctx, "UPDATE staff SET failed_logins = 0, locked_until = NULL WHERE id = $1", st.ID); err != nil {
		return Staff{}, err
	}
	return st, nil
}

// dummyHash is verified for unknown logins so that they take as long as
// known ones; made on first use, not at start.
func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() { s.dummy, _ = identity.HashPassword("not-a-real-password", s.params) })
	return s.dummy
}

package catalog

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/calendar"
	"odnookno/internal/fault"
	"odnookno/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Module is this package's migrations.
var Module = store.NewModule("catalog", migrations)

// ResourceOwners names the body that owns an information resource; its
// resource-owner staff approve every regulation that queries the resource
// (R637 p. 6, last part). The interop package implements it over its
// register of resources; StaticOwners serves tests and the demo.
type ResourceOwners interface {
	OwnerOf(ctx context.Context, resource string) (bodyCode string, err error)
}

// StaticOwners maps resource codes to owner body codes.
type StaticOwners map[string]string

// OwnerOf implements ResourceOwners; an unknown resource is fault.NotFound.
func (m StaticOwners) OwnerOf(_ context.Context, resource string) (string, error) {
	if b, ok := m[resource]; ok {
		return b, nil
	}
	return "", fault.New(fault.NotFound, CodeOwnerUnknown, map[string]any{"resource": resource})
}

// Service keeps the catalogue.
type Service struct {
	db     *store.DB
	audit  *audit.Log
	owners ResourceOwners
	now    func() time.Time
}

// New returns the service. now is the clock: "today" (for effective dates)
// is its date in Minsk.
func New(db *store.DB, log *audit.Log, owners ResourceOwners, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	if owners == nil {
		owners = StaticOwners{}
	}
	return &Service{db: db, audit: log, owners: owners, now: now}
}

func (s *Service) today() Date { return DateOf(s.now()) }

// forUpdate locks the selected rows on PostgreSQL; SQLite has one writer
// and needs nothing.
func (s *Service) forUpdate() string {
	if s.db.Dialect == store.Postgres {
		return " FOR UPDATE"
	}
	return ""
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// ---- procedures

const procCols = "id, list, number, chapter_number, chapter_name_ru, chapter_name_be, name_ru, name_be, regulator"

func scanProcedure(row interface{ Scan(...any) error }) (Procedure, error) {
	var p Procedure
	err := row.Scan(&p.ID, &p.List, &p.Number, &p.Chapter.Number, &p.Chapter.NameRU, &p.Chapter.NameBE, &p.NameRU, &p.NameBE, &p.Regulator)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fault.New(fault.NotFound, CodeProcedureNotFound, nil)
	}
	if err != nil {
		return p, fmt.Errorf("catalog: read procedure: %w", err)
	}
	return p, nil
}

// Procedure returns the procedure with id.
func (s *Service) Procedure(ctx context.Context, id int64) (Procedure, error) {
	return s.procedure(ctx, s.db.R, id, "")
}

func (s *Service) procedure(ctx context.Context, q querier, id int64, lock string) (Procedure, error) {
	return scanProcedure(q.QueryRowContext(ctx, "SELECT "+procCols+" FROM catalog_procedures WHERE id = $1"+lock, id))
}

// ProcedureByNumber finds a procedure by its list and number.
func (s *Service) ProcedureByNumber(ctx context.Context, list List, number string) (Procedure, error) {
	return s.procedureByNumber(ctx, s.db.R, list, number)
}

func (s *Service) procedureByNumber(ctx context.Context, q querier, list List, number string) (Procedure, error) {
	return scanProcedure(q.QueryRowContext(ctx, "SELECT "+procCols+" FROM catalog_procedures WHERE list = $1 AND number = $2", list, number))
}

// Procedures lists the procedures of list (all lists when empty) in list
// order.
func (s *Service) Procedures(ctx context.Context, list List) ([]Procedure, error) {
	q := "SELECT " + procCols + " FROM catalog_procedures"
	var args []any
	if list != "" {
		q += " WHERE list = $1"
		args = append(args, list)
	}
	rows, err := s.db.R.QueryContext(ctx, q+" ORDER BY list, number_key", args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: list procedures: %w", err)
	}
	defer rows.Close()
	var out []Procedure
	for rows.Next() {
		p, err := scanProcedure(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// CreateProcedure adds a procedure to the catalogue. The operator, or a
// regulator of the procedure's regulator body, may.
func (s *Service) CreateProcedure(ctx context.Context, who audit.Actor, p Procedure) (Procedure, error) {
	if err := canEditProcedure(who, p.Regulator); err != nil {
		return Procedure{}, err
	}
	if err := p.Validate(); err != nil {
		return Procedure{}, err
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		p, err = s.insertProcedure(ctx, tx, p)
		if err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, tx, audit.Entry{Actor: who, Action: "catalog.procedure.create",
			ObjectType: "procedure", ObjectID: procedureRef(p), Details: map[string]any{"name": p.NameRU, "regulator": p.Regulator}})
		return err
	})
	return p, err
}

// UpdateProcedure changes a procedure's names, chapter, number or
// regulator; versions of its regulation are unaffected.
func (s *Service) UpdateProcedure(ctx context.Context, who audit.Actor, p Procedure) (Procedure, error) {
	if err := p.Validate(); err != nil {
		return Procedure{}, err
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		old, err := s.procedure(ctx, tx, p.ID, s.forUpdate())
		if err != nil {
			return err
		}
		if err := canEditProcedure(who, old.Regulator); err != nil {
			return err
		}
		if err := canEditProcedure(who, p.Regulator); err != nil {
			return err
		}
		return s.updateProcedure(ctx, tx, who, old, p, "")
	})
	return p, err
}

func canEditProcedure(who audit.Actor, regulator string) error {
	if who.Role == audit.RoleOperator || who.Role == audit.RoleSystem || (who.Role == audit.RoleRegulator && who.Body == regulator) {
		return nil
	}
	return fault.New(fault.Forbidden, CodeNotRegulator, nil)
}

func procedureRef(p Procedure) string { return string(p.List) + "/" + p.Number }

func (s *Service) insertProcedure(ctx context.Context, tx *sql.Tx, p Procedure) (Procedure, error) {
	now := s.now().UTC()
	err := tx.QueryRowContext(ctx, `INSERT INTO catalog_procedures (list, number, number_key, chapter_number,
		chapter_name_ru, chapter_name_be, name_ru, name_be, regulator, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10) RETURNING id`,
		p.List, p.Number, numberKey(p.Number), p.Chapter.Number, p.Chapter.NameRU, p.Chapter.NameBE,
		p.NameRU, p.NameBE, p.Regulator, now).Scan(&p.ID)
	if store.IsUniqueViolation(err) {
		return p, fault.Fields(fault.Field{Field: "number", Code: CodeProcedureExists, Params: map[string]any{"number": p.Number}})
	}
	if err != nil {
		return p, fmt.Errorf("catalog: create procedure: %w", err)
	}
	return p, s.writeTerms(ctx, tx, p)
}

func (s *Service) updateProcedure(ctx context.Context, tx *sql.Tx, who audit.Actor, old, p Procedure, file string) error {
	p.ID = old.ID
	if old == p {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE catalog_procedures SET list = $1, number = $2, number_key = $3,
		chapter_number = $4, chapter_name_ru = $5, chapter_name_be = $6, name_ru = $7, name_be = $8,
		regulator = $9, updated_at = $10 WHERE id = $11`,
		p.List, p.Number, numberKey(p.Number), p.Chapter.Number, p.Chapter.NameRU, p.Chapter.NameBE,
		p.NameRU, p.NameBE, p.Regulator, s.now().UTC(), p.ID)
	if store.IsUniqueViolation(err) {
		return fault.Fields(fault.Field{Field: "number", Code: CodeProcedureExists, Params: map[string]any{"number": p.Number}})
	}
	if err != nil {
		return fmt.Errorf("catalog: update procedure: %w", err)
	}
	if err := s.writeTerms(ctx, tx, p); err != nil {
		return err
	}
	details := map[string]any{"changes": changeList(diffProcedure(old, p))}
	if file != "" {
		details["file"] = file
	}
	_, err = s.audit.Append(ctx, tx, audit.Entry{Actor: who, Action: "catalog.procedure.update",
		ObjectType: "procedure", ObjectID: procedureRef(p), Details: details})
	return err
}

func changeList(cs []Change) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Path)
	}
	return out
}

func (s *Service) writeTerms(ctx context.Context, tx *sql.Tx, p Procedure) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM catalog_terms WHERE procedure_id = $1", p.ID); err != nil {
		return fmt.Errorf("catalog: index procedure: %w", err)
	}
	for _, t := range procedureTerms(p) {
		if _, err := tx.ExecContext(ctx, "INSERT INTO catalog_terms (procedure_id, term) VALUES ($1, $2)", p.ID, t); err != nil {
			return fmt.Errorf("catalog: index procedure: %w", err)
		}
	}
	return nil
}

// ---- versions

const regCols = "r.id, r.procedure_id, r.version, r.state, r.round, r.content, r.imported, r.created_at, r.updated_at"

type versionRow struct {
	id    int64
	round int
	reg   *Regulation
}

func scanVersion(row interface{ Scan(...any) error }) (versionRow, error) {
	var v versionRow
	var content string
	r := &Regulation{}
	err := row.Scan(&v.id, &r.ProcedureID, &r.Version, &r.State, &v.round, &content, &r.Imported, &r.CreatedAt, &r.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return v, fault.New(fault.NotFound, CodeVersionNotFound, nil)
	}
	if err != nil {
		return v, fmt.Errorf("catalog: read regulation: %w", err)
	}
	if err := json.Unmarshal([]byte(content), r); err != nil {
		return v, fmt.Errorf("catalog: decode regulation %d v%d: %w", r.ProcedureID, r.Version, err)
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	v.reg = r
	return v, nil
}

// Version returns one version of a procedure's regulation; applications
// keep the version they were filed under and read it back with this.
func (s *Service) Version(ctx context.Context, procedureID int64, version int) (*Regulation, error) {
	v, err := s.version(ctx, s.db.R, procedureID, version, "")
	return v.reg, err
}

func (s *Service) version(ctx context.Context, q querier, procedureID int64, version int, lock string) (versionRow, error) {
	return scanVersion(q.QueryRowContext(ctx, "SELECT "+regCols+" FROM catalog_regulations r WHERE r.procedure_id = $1 AND r.version = $2"+lock,
		procedureID, version))
}

// approvedStates are the states of a version approved for use; which of
// them is in force on a date is decided by effective dates alone, so a
// version whose date has come is in force even before ActivateDue marks it.
const approvedStates = "('owners_approved', 'active', 'superseded')"

// ActiveFor returns the version in force on date: of the approved versions
// whose effective date is not after date, the latest. fault.NotFound when
// none is.
func (s *Service) ActiveFor(ctx context.Context, procedureID int64, date time.Time) (*Regulation, error) {
	v, err := scanVersion(s.db.R.QueryRowContext(ctx, "SELECT "+regCols+` FROM catalog_regulations r
		WHERE r.procedure_id = $1 AND r.state IN `+approvedStates+` AND r.effective_date <> '' AND r.effective_date <= $2
		ORDER BY r.effective_date DESC, r.version DESC LIMIT 1`, procedureID, DateOf(date).String()))
	if errors.Is(err, fault.NotFound) {
		return nil, fault.New(fault.NotFound, CodeNotInForce, map[string]any{"date": DateOf(date).String()})
	}
	return v.reg, err
}

// Current is the version in force today.
func (s *Service) Current(ctx context.Context, procedureID int64) (*Regulation, error) {
	return s.ActiveFor(ctx, procedureID, s.now())
}

// latestApproved is the newest approved version (in force or waiting for
// its date), which a new version's effective date may not precede.
func (s *Service) latestApproved(ctx context.Context, q querier, procedureID int64) (versionRow, error) {
	return scanVersion(q.QueryRowContext(ctx, "SELECT "+regCols+` FROM catalog_regulations r
		WHERE r.procedure_id = $1 AND r.state IN `+approvedStates+`
		ORDER BY r.effective_date DESC, r.version DESC LIMIT 1`, procedureID))
}

// VersionInfo summarises a version for lists.
type VersionInfo struct {
	Version       int
	State         State
	EffectiveDate Date
	Online        bool
	Demo          bool
	Imported      bool
	UpdatedAt     time.Time
}

// Versions lists a procedure's versions, newest first.
func (s *Service) Versions(ctx context.Context, procedureID int64) ([]VersionInfo, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT version, state, effective_date, online, demo, imported, updated_at
		FROM catalog_regulations WHERE procedure_id = $1 ORDER BY version DESC`, procedureID)
	if err != nil {
		return nil, fmt.Errorf("catalog: versions: %w", err)
	}
	defer rows.Close()
	var out []VersionInfo
	for rows.Next() {
		var v VersionInfo
		var eff string
		if err := rows.Scan(&v.Version, &v.State, &eff, &v.Online, &v.Demo, &v.Imported, &v.UpdatedAt); err != nil {
			return nil, fmt.Errorf("catalog: versions: %w", err)
		}
		v.EffectiveDate, _ = ParseDate(eff)
		v.UpdatedAt = v.UpdatedAt.UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// NewDraft starts the next version of a procedure's regulation. With reg
// nil the draft starts as a copy of the latest version. Only the regulator
// drafts, and only one version is in progress at a time.
func (s *Service) NewDraft(ctx context.Context, who audit.Actor, procedureID int64, reg *Regulation) (*Regulation, error) {
	var out *Regulation
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		p, err := s.procedure(ctx, tx, procedureID, s.forUpdate())
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, who, p, 0, ActCreate); err != nil {
			return err
		}
		var inProgress int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM catalog_regulations WHERE procedure_id = $1
			AND state IN ('draft', 'submitted', 'operator_approved')`, procedureID).Scan(&inProgress); err != nil {
			return fmt.Errorf("catalog: new draft: %w", err)
		}
		if inProgress > 0 {
			return fault.New(fault.Conflict, CodeInProgress, nil)
		}
		var last int
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM catalog_regulations WHERE procedure_id = $1", procedureID).Scan(&last); err != nil {
			return fmt.Errorf("catalog: new draft: %w", err)
		}
		if reg == nil {
			reg = &Regulation{}
			if last > 0 {
				prev, err := s.version(ctx, tx, procedureID, last, "")
				if err != nil {
					return err
				}
				reg = prev.reg
			}
		}
		out = reg.Clone()
		if err := checkStorable(out); err != nil {
			return err
		}
		out.ProcedureID, out.Version, out.Imported = procedureID, last+1, false
		id, err := s.insertVersion(ctx, tx, out, Draft, 0)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, who, p, versionRow{id: id, reg: out}, ActCreate, "", Draft, "", nil)
	})
	return out, err
}

func (s *Service) insertVersion(ctx context.Context, tx *sql.Tx, r *Regulation, state State, round int) (int64, error) {
	content, err := r.content()
	if err != nil {
		return 0, err
	}
	now := s.now().UTC()
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO catalog_regulations (procedure_id, version, state, round, content,
		effective_date, online, demo, imported, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10) RETURNING id`,
		r.ProcedureID, r.Version, state, round, string(content), r.EffectiveDate.String(), r.Online(), r.Demo, r.Imported, now).Scan(&id)
	if store.IsUniqueViolation(err) {
		return 0, fault.New(fault.Conflict, CodeInProgress, nil)
	}
	if err != nil {
		return 0, fmt.Errorf("catalog: insert regulation: %w", err)
	}
	r.State, r.CreatedAt, r.UpdatedAt = state, now, now
	return id, nil
}

// SaveDraft replaces the content of a draft. Drafts may be incomplete;
// Submit validates.
func (s *Service) SaveDraft(ctx context.Context, who audit.Actor, procedureID int64, version int, reg *Regulation) (*Regulation, error) {
	var out *Regulation
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		p, v, err := s.lock(ctx, tx, procedureID, version)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, who, p, v.id, ActSave); err != nil {
			return err
		}
		next := reg.Clone()
		if err := checkStorable(next); err != nil {
			return err
		}
		next.ProcedureID, next.Version, next.State, next.Imported = procedureID, version, v.reg.State, false
		next.CreatedAt = v.reg.CreatedAt
		content, err := next.content()
		if err != nil {
			return err
		}
		changes := Diff(v.reg, next)
		if err := s.move(ctx, tx, who, p, &v, ActSave, "", map[string]any{"changes": changeList(changes)}); err != nil {
			return err
		}
		next.UpdatedAt = s.now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE catalog_regulations SET content = $1, effective_date = $2, online = $3,
			demo = $4, updated_at = $5 WHERE id = $6`,
			string(content), next.EffectiveDate.String(), next.Online(), next.Demo, next.UpdatedAt, v.id); err != nil {
			return fmt.Errorf("catalog: save draft: %w", err)
		}
		out = next
		return nil
	})
	return out, err
}

// checkStorable refuses what a draft cannot hold even incomplete: a term
// that is set but not a term (only Go code can build one).
func checkStorable(r *Regulation) error {
	var c fault.Check
	for path, t := range map[string]calendar.Term{"term": r.Term, "extended_term": r.ExtendedTerm,
		"complaints.term": r.Complaints.Term, "validity.term": r.Validity.Term} {
		if t != (calendar.Term{}) {
			checkTerm(&c, path, t)
		}
	}
	return c.Err()
}

// lock reads a procedure and one of its versions for a change, locking the
// version row on PostgreSQL so concurrent approvals serialise.
func (s *Service) lock(ctx context.Context, tx *sql.Tx, procedureID int64, version int) (Procedure, versionRow, error) {
	p, err := s.procedure(ctx, tx, procedureID, "")
	if err != nil {
		return p, versionRow{}, err
	}
	v, err := s.version(ctx, tx, procedureID, version, s.forUpdate())
	return p, v, err
}

// Event is one transition of a version.
type Event struct {
	At     time.Time
	Action Action
	From   State
	To     State
	Actor  audit.Actor
	Reason string
}

// History lists the transitions of a version, oldest first; a rejection's
// reason is on its event.
func (s *Service) History(ctx context.Context, procedureID int64, version int) ([]Event, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT e.at, e.action, e.from_state, e.to_state, e.actor_id, e.actor_role,
		e.actor_body, e.reason FROM catalog_events e JOIN catalog_regulations r ON r.id = e.regulation_id
		WHERE r.procedure_id = $1 AND r.version = $2 ORDER BY e.id`, procedureID, version)
	if err != nil {
		return nil, fmt.Errorf("catalog: history: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.At, &e.Action, &e.From, &e.To, &e.Actor.ID, &e.Actor.Role, &e.Actor.Body, &e.Reason); err != nil {
			return nil, fmt.Errorf("catalog: history: %w", err)
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// Approval is one owner's decision on a version in one submission round.
type Approval struct {
	Round     int
	Owner     string // body code
	Resources []string
	Decision  string // pending, approved, rejected
	ActorID   string
	Reason    string
	DecidedAt time.Time
}

// Approvals lists the owners' decisions on a version, latest round first.
func (s *Service) Approvals(ctx context.Context, procedureID int64, version int) ([]Approval, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT a.round, a.owner_body, a.resources, a.decision, a.actor_id, a.reason, a.decided_at
		FROM catalog_approvals a JOIN catalog_regulations r ON r.id = a.regulation_id
		WHERE r.procedure_id = $1 AND r.version = $2 ORDER BY a.round DESC, a.owner_body`, procedureID, version)
	if err != nil {
		return nil, fmt.Errorf("catalog: approvals: %w", err)
	}
	defer rows.Close()
	var out []Approval
	for rows.Next() {
		var a Approval
		var res string
		var at sql.NullTime
		if err := rows.Scan(&a.Round, &a.Owner, &res, &a.Decision, &a.ActorID, &a.Reason, &at); err != nil {
			return nil, fmt.Errorf("catalog: approvals: %w", err)
		}
		a.Resources = strings.Split(res, ",")
		if at.Valid {
			a.DecidedAt = at.Time.UTC()
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Pending is a version waiting for someone.
type Pending struct {
	Procedure     Procedure
	Version       int
	State         State
	EffectiveDate Date
	UpdatedAt     time.Time
}

// Inbox lists the versions waiting for who: drafts of the regulator's
// procedures, submissions for the operator, and the versions whose approval
// a resource owner's body still owes.
func (s *Service) Inbox(ctx context.Context, who audit.Actor) ([]Pending, error) {
	var where string
	var args []any
	switch who.Role {
	case audit.RoleRegulator:
		where, args = "r.state = 'draft' AND p.regulator = $1", []any{who.Body}
	case audit.RoleOperator:
		where = "r.state = 'submitted'"
	case audit.RoleIROwner:
		where, args = `r.state = 'operator_approved' AND EXISTS (SELECT 1 FROM catalog_approvals a
			WHERE a.regulation_id = r.id AND a.round = r.round AND a.owner_body = $1 AND a.decision = 'pending')`, []any{who.Body}
	default:
		return nil, nil
	}
	rows, err := s.db.R.QueryContext(ctx, `SELECT p.id, p.list, p.number, p.chapter_number, p.chapter_name_ru,
		p.chapter_name_be, p.name_ru, p.name_be, p.regulator, r.version, r.state, r.effective_date, r.updated_at
		FROM catalog_regulations r JOIN catalog_procedures p ON p.id = r.procedure_id
		WHERE `+where+` ORDER BY r.updated_at, p.list, p.number_key`, args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: inbox: %w", err)
	}
	defer rows.Close()
	var out []Pending
	for rows.Next() {
		var x Pending
		p := &x.Procedure
		var eff string
		if err := rows.Scan(&p.ID, &p.List, &p.Number, &p.Chapter.Number, &p.Chapter.NameRU, &p.Chapter.NameBE,
			&p.NameRU, &p.NameBE, &p.Regulator, &x.Version, &x.State, &eff, &x.UpdatedAt); err != nil {
			return nil, fmt.Errorf("catalog: inbox: %w", err)
		}
		x.EffectiveDate, _ = ParseDate(eff)
		x.UpdatedAt = x.UpdatedAt.UTC()
		out = append(out, x)
	}
	return out, rows.Err()
}

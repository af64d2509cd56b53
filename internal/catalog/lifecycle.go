package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"odnookno/internal/audit"
	"odnookno/internal/fault"
)

// State of a version of a regulation.
type State string

const (
	// Draft is being written by the regulator (R637 p. 5).
	Draft State = "draft"
	// Submitted waits for the OAIS operator's approval (p. 6, last part).
	Submitted State = "submitted"
	// OperatorApproved waits for the owners of the information resources it
	// queries.
	OperatorApproved State = "operator_approved"
	// OwnersApproved is fully approved and waits for its effective date.
	OwnersApproved State = "owners_approved"
	// Active is in force.
	Active State = "active"
	// Superseded was in force until a newer version took effect.
	Superseded State = "superseded"
)

// States in lifecycle order.
var States = []State{Draft, Submitted, OperatorApproved, OwnersApproved, Active, Superseded}

// Action moves a version from one state to another.
type Action string

const (
	ActCreate          Action = "create"
	ActSave            Action = "save"
	ActSubmit          Action = "submit"
	ActRecall          Action = "recall"
	ActOperatorApprove Action = "operator_approve"
	ActOperatorReject  Action = "operator_reject"
	ActOwnerApprove    Action = "owner_approve"
	ActOwnerReject     Action = "owner_reject"
	ActOwnersApproved  Action = "owners_approved"
	ActActivate        Action = "activate"
	ActSupersede       Action = "supersede"
	ActImport          Action = "import"
)

// Transition is one allowed move. From "" creates a version.
type Transition struct {
	From   State
	Action Action
	To     State
	Roles  []string // audit roles that may take it
}

var (
	regulator = []string{audit.RoleRegulator}
	operator  = []string{audit.RoleOperator}
	owner     = []string{audit.RoleIROwner}
	system    = []string{audit.RoleSystem}
)

// transitions is the whole lifecycle: anything not listed is refused with
// fault.Conflict (CodeTransition).
var transitions = []Transition{
	{"", ActCreate, Draft, regulator},
	{Draft, ActSave, Draft, regulator},
	{Draft, ActSubmit, Submitted, regulator},
	{Submitted, ActRecall, Draft, regulator},
	{Submitted, ActOperatorApprove, OperatorApproved, operator},
	{Submitted, ActOperatorReject, Draft, operator},
	{OperatorApproved, ActOwnerApprove, OperatorApproved, owner},
	{OperatorApproved, ActOwnerReject, Draft, owner},
	{OperatorApproved, ActOperatorReject, Draft, operator},
	// Taken by the system when the last owner approves, or at once when
	// the regulation queries no information resource.
	{OperatorApproved, ActOwnersApproved, OwnersApproved, system},
	{OwnersApproved, ActOperatorReject, Draft, operator},
	{OwnersApproved, ActActivate, Active, system},
	{Active, ActSupersede, Superseded, system},
	// The operator imports content approved outside the system.
	{"", ActImport, OwnersApproved, []string{audit.RoleOperator, audit.RoleSystem}},
}

// Transitions returns the lifecycle table, for documentation and pages.
func Transitions() []Transition { return slices.Clone(transitions) }

func find(from State, a Action) (Transition, bool) {
	for _, t := range transitions {
		if t.From == from && t.Action == a {
			return t, true
		}
	}
	return Transition{}, false
}

func rolesFor(a Action) []string {
	var out []string
	for _, t := range transitions {
		if t.Action == a {
			for _, r := range t.Roles {
				if !slices.Contains(out, r) {
					out = append(out, r)
				}
			}
		}
	}
	return out
}

// authorize checks who may take action on a version of p (regID 0: a new
// one): the role the table names, a regulator of p's own regulator body, an
// owner whose approval the version awaits. The actor's role is trusted: the
// caller has checked that the staff account holds it.
func (s *Service) authorize(ctx context.Context, q querier, who audit.Actor, p Procedure, regID int64, a Action) error {
	roles := rolesFor(a)
	if !slices.Contains(roles, who.Role) {
		switch roles[0] {
		case audit.RoleRegulator:
			return fault.New(fault.Forbidden, CodeNotRegulator, nil)
		case audit.RoleIROwner:
			return fault.New(fault.Forbidden, CodeNotOwner, nil)
		}
		return fault.New(fault.Forbidden, CodeNotOperator, nil)
	}
	switch who.Role {
	case audit.RoleRegulator:
		if who.Body == "" || who.Body != p.Regulator {
			return fault.New(fault.Forbidden, CodeNotRegulator, nil)
		}
	case audit.RoleIROwner:
		var n int
		err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM catalog_approvals a JOIN catalog_regulations r ON r.id = a.regulation_id
			WHERE a.regulation_id = $1 AND a.round = r.round AND a.owner_body = $2`, regID, who.Body).Scan(&n)
		if err != nil {
			return fmt.Errorf("catalog: check owner: %w", err)
		}
		if n == 0 {
			return fault.New(fault.Forbidden, CodeNotOwner, nil)
		}
	}
	return nil
}

// move takes the transition from v's state by action, recording it.
func (s *Service) move(ctx context.Context, tx *sql.Tx, who audit.Actor, p Procedure, v *versionRow, a Action, reason string, details map[string]any) error {
	t, ok := find(v.reg.State, a)
	if !ok {
		return fault.New(fault.Conflict, CodeTransition, map[string]any{"state": string(v.reg.State), "action": string(a)})
	}
	if t.To != t.From {
		res, err := tx.ExecContext(ctx, "UPDATE catalog_regulations SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4",
			t.To, s.now().UTC(), v.id, t.From)
		if err != nil {
			return fmt.Errorf("catalog: %s: %w", a, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fault.New(fault.Conflict, CodeTransition, map[string]any{"state": string(v.reg.State), "action": string(a)})
		}
	}
	if err := s.record(ctx, tx, who, p, *v, a, t.From, t.To, reason, details); err != nil {
		return err
	}
	v.reg.State = t.To
	return nil
}

// record writes the event and its audit record.
func (s *Service) record(ctx context.Context, tx *sql.Tx, who audit.Actor, p Procedure, v versionRow, a Action, from, to State, reason string, details map[string]any) error {
	if who.ID == "" {
		who = audit.ActorFrom(ctx)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_events (regulation_id, at, action, from_state, to_state,
		actor_id, actor_role, actor_body, reason) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
		v.id, s.now().UTC(), a, from, to, who.ID, who.Role, who.Body, reason); err != nil {
		return fmt.Errorf("catalog: record %s: %w", a, err)
	}
	d := map[string]any{"procedure": procedureRef(p), "version": v.reg.Version, "from": string(from), "to": string(to)}
	for k, x := range details {
		d[k] = x
	}
	_, err := s.audit.Append(ctx, tx, audit.Entry{Actor: who, Action: "catalog.regulation." + string(a),
		ObjectType: "regulation", ObjectID: fmt.Sprintf("%s@v%d", procedureRef(p), v.reg.Version), Reason: reason, Details: d})
	return err
}

// Submit sends a draft to the operator. It must hold everything p. 6
// requires (Validate), and take effect no earlier than the latest approved
// version.
func (s *Service) Submit(ctx context.Context, who audit.Actor, procedureID int64, version int) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		p, v, err := s.lock(ctx, tx, procedureID, version)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, who, p, v.id, ActSubmit); err != nil {
			return err
		}
		if _, ok := find(v.reg.State, ActSubmit); !ok {
			return fault.New(fault.Conflict, CodeTransition, map[string]any{"state": string(v.reg.State), "action": string(ActSubmit)})
		}
		if err := v.reg.Validate(); err != nil {
			return err
		}
		if err := s.checkEffectiveDate(ctx, tx, v.reg); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE catalog_regulations SET round = round + 1 WHERE id = $1", v.id); err != nil {
			return fmt.Errorf("catalog: submit: %w", err)
		}
		v.round++
		return s.move(ctx, tx, who, p, &v, ActSubmit, "", map[string]any{"round": v.round})
	})
}

func (s *Service) checkEffectiveDate(ctx context.Context, q querier, r *Regulation) error {
	prev, err := s.latestApproved(ctx, q, r.ProcedureID)
	if errors.Is(err, fault.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if r.EffectiveDate.Before(prev.reg.EffectiveDate) {
		return fault.Fields(fault.Field{Field: "effective_date", Code: CodeEffectiveBeforeIn,
			Params: map[string]any{"date": prev.reg.EffectiveDate.String(), "version": prev.reg.Version}})
	}
	return nil
}

// Recall takes a submitted version back to draft before the operator
// decides.
func (s *Service) Recall(ctx context.Context, who audit.Actor, procedureID int64, version int) error {
	return s.simple(ctx, who, procedureID, version, ActRecall, "")
}

func (s *Service) simple(ctx context.Context, who audit.Actor, procedureID int64, version int, a Action, reason string) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		p, v, err := s.lock(ctx, tx, procedureID, version)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, who, p, v.id, a); err != nil {
			return err
		}
		return s.move(ctx, tx, who, p, &v, a, reason, nil)
	})
}

// OperatorApprove approves a submitted version for the OAIS operator and
// asks the owner of every information resource it queries. With no
// resource to ask, the owners' step passes at once, and a version whose
// effective date has come takes effect.
func (s *Service) OperatorApprove(ctx context.Context, who audit.Actor, procedureID int64, version int) error {
	// Owners are resolved before the transaction: the resolver may read
	// another package's tables, and SQLite has one writer.
	pre, err := s.Version(ctx, procedureID, version)
	if err != nil {
		return err
	}
	owners, err := s.resolveOwners(ctx, pre)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		p, v, err := s.lock(ctx, tx, procedureID, version)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, who, p, v.id, ActOperatorApprove); err != nil {
			return err
		}
		if !slices.Equal(v.reg.ResourceCodes(), pre.ResourceCodes()) {
			return fault.New(fault.Conflict, CodeTransition, map[string]any{"state": string(v.reg.State), "action": string(ActOperatorApprove)})
		}
		bodies := make([]string, 0, len(owners))
		for b := range owners {
			bodies = append(bodies, b)
		}
		slices.Sort(bodies)
		if err := s.move(ctx, tx, who, p, &v, ActOperatorApprove, "", map[string]any{"owners": bodies}); err != nil {
			return err
		}
		for _, b := range bodies {
			if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_approvals (regulation_id, round, owner_body, resources)
				VALUES ($1,$2,$3,$4)`, v.id, v.round, b, strings.Join(owners[b], ",")); err != nil {
				return fmt.Errorf("catalog: ask owners: %w", err)
			}
		}
		if len(bodies) == 0 {
			if err := s.move(ctx, tx, audit.System, p, &v, ActOwnersApproved, "", map[string]any{"owners": "none queried"}); err != nil {
				return err
			}
		}
		return s.maybeActivate(ctx, tx, p, &v)
	})
}

// resolveOwners maps owner body → resources of r it owns.
func (s *Service) resolveOwners(ctx context.Context, r *Regulation) (map[string][]string, error) {
	out := map[string][]string{}
	for _, res := range r.ResourceCodes() {
		b, err := s.owners.OwnerOf(ctx, res)
		if errors.Is(err, fault.NotFound) {
			return nil, fault.New(fault.Conflict, CodeOwnerUnknown, map[string]any{"resource": res})
		}
		if err != nil {
			return nil, fmt.Errorf("catalog: owner of %s: %w", res, err)
		}
		out[b] = append(out[b], res)
	}
	return out, nil
}

// OperatorReject returns a version to draft at any approval step before it
// takes effect, with the reason.
func (s *Service) OperatorReject(ctx context.Context, who audit.Actor, procedureID int64, version int, reason string) error {
	return s.reject(ctx, who, procedureID, version, ActOperatorReject, reason)
}

// OwnerApprove records the approval of the owner body who acts for; the
// last owner's approval completes the step.
func (s *Service) OwnerApprove(ctx context.Context, who audit.Actor, procedureID int64, version int) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		p, v, err := s.lock(ctx, tx, procedureID, version)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, who, p, v.id, ActOwnerApprove); err != nil {
			return err
		}
		if err := s.decide(ctx, tx, who, v, "approved", ""); err != nil {
			return err
		}
		if err := s.move(ctx, tx, who, p, &v, ActOwnerApprove, "", map[string]any{"owner": who.Body}); err != nil {
			return err
		}
		var pending int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM catalog_approvals WHERE regulation_id = $1 AND round = $2
			AND decision = 'pending'`, v.id, v.round).Scan(&pending); err != nil {
			return fmt.Errorf("catalog: owner approve: %w", err)
		}
		if pending > 0 {
			return nil
		}
		if err := s.move(ctx, tx, audit.System, p, &v, ActOwnersApproved, "", nil); err != nil {
			return err
		}
		return s.maybeActivate(ctx, tx, p, &v)
	})
}

// OwnerReject returns the version to draft for the owner body who acts for.
func (s *Service) OwnerReject(ctx context.Context, who audit.Actor, procedureID int64, version int, reason string) error {
	return s.reject(ctx, who, procedureID, version, ActOwnerReject, reason)
}

func (s *Service) reject(ctx context.Context, who audit.Actor, procedureID int64, version int, a Action, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return fault.Fields(fault.Field{Field: "reason", Code: CodeReasonRequired})
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		p, v, err := s.lock(ctx, tx, procedureID, version)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, who, p, v.id, a); err != nil {
			return err
		}
		if a == ActOwnerReject && v.reg.State == OperatorApproved {
			if err := s.decide(ctx, tx, who, v, "rejected", reason); err != nil {
				return err
			}
		}
		if err := s.move(ctx, tx, who, p, &v, a, reason, nil); err != nil {
			return err
		}
		// The round is over: owners who have not decided need not.
		_, err = tx.ExecContext(ctx, `UPDATE catalog_approvals SET decision = 'cancelled' WHERE regulation_id = $1
			AND round = $2 AND decision = 'pending'`, v.id, v.round)
		return err
	})
}

// decide records an owner's decision in the current round.
func (s *Service) decide(ctx context.Context, tx *sql.Tx, who audit.Actor, v versionRow, decision, reason string) error {
	if v.reg.State != OperatorApproved {
		return fault.New(fault.Conflict, CodeTransition, map[string]any{"state": string(v.reg.State), "action": "owner_" + decision})
	}
	res, err := tx.ExecContext(ctx, `UPDATE catalog_approvals SET decision = $1, actor_id = $2, reason = $3, decided_at = $4
		WHERE regulation_id = $5 AND round = $6 AND owner_body = $7 AND decision = 'pending'`,
		decision, who.ID, reason, s.now().UTC(), v.id, v.round, who.Body)
	if err != nil {
		return fmt.Errorf("catalog: owner decision: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fault.New(fault.Conflict, CodeAlreadyDecided, nil)
	}
	return nil
}

// maybeActivate puts an approved version in force when its date has come,
// superseding the version in force before it.
func (s *Service) maybeActivate(ctx context.Context, tx *sql.Tx, p Procedure, v *versionRow) error {
	if v.reg.State != OwnersApproved || s.today().Before(v.reg.EffectiveDate) {
		return nil
	}
	if err := s.move(ctx, tx, audit.System, p, v, ActActivate, "", map[string]any{"effective_date": v.reg.EffectiveDate.String()}); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, "SELECT version FROM catalog_regulations WHERE procedure_id = $1 AND state = 'active' AND id <> $2 ORDER BY version",
		p.ID, v.id)
	if err != nil {
		return fmt.Errorf("catalog: supersede: %w", err)
	}
	var older []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return fmt.Errorf("catalog: supersede: %w", err)
		}
		older = append(older, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, n := range older {
		o, err := s.version(ctx, tx, p.ID, n, s.forUpdate())
		if err != nil {
			return err
		}
		if err := s.move(ctx, tx, audit.System, p, &o, ActSupersede, "", map[string]any{"by_version": v.reg.Version}); err != nil {
			return err
		}
	}
	return nil
}

// ActivateDue puts in force every approved version whose effective date has
// come. Run it daily (and at start): until it runs, ActiveFor already
// returns such a version, only its state still reads owners_approved.
func (s *Service) ActivateDue(ctx context.Context) (int, error) {
	type key struct {
		proc    int64
		version int
	}
	rows, err := s.db.R.QueryContext(ctx, `SELECT procedure_id, version FROM catalog_regulations
		WHERE state = 'owners_approved' AND effective_date <> '' AND effective_date <= $1 ORDER BY procedure_id, version`, s.today().String())
	if err != nil {
		return 0, fmt.Errorf("catalog: due versions: %w", err)
	}
	var due []key
	for rows.Next() {
		var k key
		if err := rows.Scan(&k.proc, &k.version); err != nil {
			rows.Close()
			return 0, err
		}
		due = append(due, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, k := range due {
			p, v, err := s.lock(ctx, tx, k.proc, k.version)
			if err != nil {
				return err
			}
			if err := s.maybeActivate(ctx, tx, p, &v); err != nil {
				return err
			}
			if v.reg.State == Active {
				n++
			}
		}
		return nil
	})
	return n, err
}

// Do takes action by name, for a page with one handler for every button.
// reason is used by rejections only.
func (s *Service) Do(ctx context.Context, who audit.Actor, procedureID int64, version int, a Action, reason string) error {
	switch a {
	case ActSubmit:
		return s.Submit(ctx, who, procedureID, version)
	case ActRecall:
		return s.Recall(ctx, who, procedureID, version)
	case ActOperatorApprove:
		return s.OperatorApprove(ctx, who, procedureID, version)
	case ActOperatorReject:
		return s.OperatorReject(ctx, who, procedureID, version, reason)
	case ActOwnerApprove:
		return s.OwnerApprove(ctx, who, procedureID, version)
	case ActOwnerReject:
		return s.OwnerReject(ctx, who, procedureID, version, reason)
	}
	return fault.New(fault.Conflict, CodeTransition, map[string]any{"state": "", "action": string(a)})
}

// Allowed lists the actions who may take on a version now (the buttons a
// page shows). Save means the draft may be edited.
func (s *Service) Allowed(ctx context.Context, who audit.Actor, procedureID int64, version int) ([]Action, error) {
	p, err := s.Procedure(ctx, procedureID)
	if err != nil {
		return nil, err
	}
	v, err := s.version(ctx, s.db.R, procedureID, version, "")
	if err != nil {
		return nil, err
	}
	var out []Action
	for _, t := range transitions {
		if t.From != v.reg.State || !slices.Contains(t.Roles, who.Role) || who.Role == audit.RoleSystem {
			continue
		}
		if s.authorize(ctx, s.db.R, who, p, v.id, t.Action) != nil {
			continue
		}
		if t.Action == ActOwnerApprove || t.Action == ActOwnerReject {
			var pending int
			if err := s.db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM catalog_approvals WHERE regulation_id = $1 AND round = $2
				AND owner_body = $3 AND decision = 'pending'`, v.id, v.round, who.Body).Scan(&pending); err != nil {
				return nil, fmt.Errorf("catalog: allowed: %w", err)
			}
			if pending == 0 {
				continue
			}
		}
		out = append(out, t.Action)
	}
	return out, nil
}

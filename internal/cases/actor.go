package cases

import (
	"fmt"
	"slices"

	"odnookno/internal/audit"
)

// StaffScope is what a staff member may see: their body's cases, and only
// for the procedures assigned to that body.
type StaffScope struct {
	BodyCode     string
	Roles        []string
	ProcedureIDs []int64
}

// Actor is who acts: a citizen, a staff member or the system itself.
// Build one with Citizen, Staff or System; the zero Actor can do nothing.
type Actor struct {
	kind      string // "citizen", "staff", "system"
	CitizenID string
	StaffID   int64
	Name      string
	Scope     StaffScope
}

// Citizen acts for the citizen with id (the identity service's id) and name.
func Citizen(id, name string) Actor { return Actor{kind: "citizen", CitizenID: id, Name: name} }

// Staff acts for staff member id with the given scope.
func Staff(id int64, name string, scope StaffScope) Actor {
	return Actor{kind: "staff", StaffID: id, Name: name, Scope: scope}
}

// System acts for the platform (auto-registration, deadline jobs, answers
// arriving from information resources).
func System() Actor { return Actor{kind: "system", Name: "system"} }

// IsCitizen reports whether a is a citizen.
func (a Actor) IsCitizen() bool { return a.kind == "citizen" && a.CitizenID != "" }

// IsStaff reports whether a is a staff member.
func (a Actor) IsStaff() bool { return a.kind == "staff" && a.StaffID != 0 }

func (a Actor) isSystem() bool { return a.kind == "system" }

// Roles are the roles a holds for the transition table.
func (a Actor) Roles() []string {
	switch {
	case a.IsCitizen():
		return []string{RoleCitizen}
	case a.IsStaff():
		return a.Scope.Roles
	case a.isSystem():
		return []string{RoleSystem}
	}
	return nil
}

// ID is how a is named in history and the audit trail.
func (a Actor) ID() string {
	switch {
	case a.IsCitizen():
		return "citizen:" + a.CitizenID
	case a.IsStaff():
		return fmt.Sprintf("staff:%d", a.StaffID)
	case a.isSystem():
		return audit.System.ID
	}
	return "anonymous"
}

func (a Actor) audit(role string) audit.Actor {
	if role == "" {
		if r := a.Roles(); len(r) > 0 {
			role = r[0]
		}
	}
	return audit.Actor{ID: a.ID(), Role: role, Body: a.Scope.BodyCode}
}

// sees reports whether a may see a case of body about procedure for
// citizen. Drafts are the citizen's own business.
func (a Actor) sees(body string, procedure int64, citizen string, status Status) bool {
	switch {
	case a.IsCitizen():
		return citizen != "" && citizen == a.CitizenID
	case a.IsStaff():
		return status != Draft && status != Discarded && body == a.Scope.BodyCode && slices.Contains(a.Scope.ProcedureIDs, procedure)
	case a.isSystem():
		return true
	}
	return false
}

// servesProcedure reports whether a staff actor's body is assigned procedure.
func (a Actor) servesProcedure(procedure int64) bool {
	return a.IsStaff() && slices.Contains(a.Scope.ProcedureIDs, procedure)
}

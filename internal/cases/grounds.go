package cases

import (
	"context"

	"odnookno/internal/fault"
)

// AcceptGrounds lists the grounds on which the application may be refused
// acceptance: those of the regulation it was filed under, or the statutory
// ones when the regulation lists none (the list RefuseToAccept checks), so
// that a page offers exactly the grounds the refusal will accept. Like Get,
// it answers NotFound for an application actor may not see.
func (s *Service) AcceptGrounds(ctx context.Context, actor Actor, id int64) ([]Ground, error) {
	app, err := scanApp(s.db.R.QueryRowContext(ctx, "SELECT "+appCols+appFrom+" WHERE c.id = $1", id))
	if err != nil {
		return nil, err
	}
	if !actor.sees(app.BodyCode, app.ProcedureID, app.Applicant.CitizenID, app.Status) {
		return nil, fault.New(fault.NotFound, CodeNotFound, nil)
	}
	reg, err := s.regulation(ctx, &app)
	if err != nil {
		return nil, err
	}
	return append([]Ground(nil), reg.acceptGrounds()...), nil
}

package cases

import (
	"context"
	"database/sql"
	"errors"
	"strings"
)

// Channels of a request recorded on a case (InfoRequest.Channel).
const (
	RequestResource = "resource" // to an integrated information resource, answered automatically
	RequestSMDO     = "smdo"     // an electronic document through СМДО
	RequestManual   = "manual"   // obtained by other means and recorded by the officer
)

// RegisteredHook sends the requests a procedure's regulation makes
// automatically when an application is registered (R637 ch. 3), in the
// registering transaction, and returns them to be recorded on the case.
// It runs once the application has its number and before its due date is
// computed, so the extended term applies from the start when requests go.
// Its error fails the registration: a request that cannot be sent (no
// grant, a suspended resource) is the hook's to skip, not an error.
type RegisteredHook func(ctx context.Context, tx *sql.Tx, app Application) ([]InfoRequest, error)

// SetOnRegistered sets the registration hook. The service that sends
// requests is wired after this one, so the composition root sets it here
// before serving.
func (s *Service) SetOnRegistered(h RegisteredHook) { s.o.OnRegistered = h }

// autoRequests runs the registration hook and records what it sent. It
// returns the ids of the recorded requests.
func (s *Service) autoRequests(ctx context.Context, c *change, reg Regulation) ([]int64, error) {
	if s.o.OnRegistered == nil {
		return nil, nil
	}
	reqs, err := s.o.OnRegistered(ctx, c.tx, *c.app)
	if err != nil || len(reqs) == 0 {
		return nil, err
	}
	if err := checkRequests(reqs); err != nil {
		return nil, err
	}
	ids, to, err := s.insertRequests(ctx, c.tx, c.app.ID, reqs, c.now, System())
	if err != nil {
		return nil, err
	}
	if reg.ExtendedTerm.Kind != 0 {
		s.extendTerm(c.app, reg, to, c.now)
	}
	return ids, nil
}

// Sender sends requests in the transaction of the request_info step (so a
// request exists exactly when the case records it) and returns what it sent.
type Sender func(ctx context.Context, tx *sql.Tx, app Application) ([]InfoRequest, error)

// RequestInfoWith is RequestInfo for requests that another service sends:
// the transition is checked first, then send runs in the step's
// transaction and what it returns is recorded, with the extended term as
// RequestInfo applies it. An error from send changes nothing.
func (s *Service) RequestInfoWith(ctx context.Context, actor Actor, id int64, version int, send Sender) (Application, error) {
	return s.withApp(ctx, actor, id, version, func(tx *sql.Tx, app *Application) error {
		if _, _, err := Applications.Check(app.Status, ActRequestInfo, actor.Roles()); err != nil {
			return err
		}
		reqs, err := send(ctx, tx, *app)
		if err != nil {
			return err
		}
		if err := checkRequests(reqs); err != nil {
			return err
		}
		return s.step(ctx, tx, app, actor, ActRequestInfo, func(c *change) error { return s.requestInfo(ctx, c, reqs) })
	})
}

// ResourceAnswer is an answer that came back for a request sent through
// another service: Ref is the request's ExternalRef (the inter-agency
// correlation ID).
type ResourceAnswer struct {
	Ref string
	// Addressee, Subject and Channel describe the request when the case
	// has no record of it (it was sent outside the case's steps).
	Addressee string
	Subject   string
	Channel   string
	Text      string // what the answer says, for the officer
	AnswerRef string // the answer's reference in the other system
}

// RecordResourceAnswer records an answer on case caseID in tx, the
// transaction in which the other service accepts it, so the case moves on
// exactly when the answer is stored: the record_answer step by the system
// and, when it was the last one outstanding on an application awaiting
// answers, answers_received. A request answered before is left as it is.
// A state that takes no answers (a final one) is the usual
// case.transition_forbidden conflict and changes nothing.
func (s *Service) RecordResourceAnswer(ctx context.Context, tx *sql.Tx, caseID int64, a ResourceAnswer) (Application, error) {
	a.Text = strings.TrimSpace(a.Text)
	if a.Text == "" {
		return Application{}, required("answer", CodeTextRequired)
	}
	app, err := scanApp(tx.QueryRowContext(ctx, "SELECT "+appCols+appFrom+" WHERE c.id = $1"+s.forUpdateOf("c"), caseID))
	if err != nil {
		return Application{}, err
	}
	actor := System()
	if _, _, err := Applications.Check(app.Status, ActRecordAnswer, actor.Roles()); err != nil {
		return app, err
	}
	var reqID int64
	var answered sql.NullTime
	err = tx.QueryRowContext(ctx, "SELECT id, answered_at FROM case_requests WHERE case_id = $1 AND external_ref = $2 ORDER BY id LIMIT 1",
		app.ID, a.Ref).Scan(&reqID, &answered)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		r := InfoRequest{Addressee: a.Addressee, Subject: a.Subject, Channel: a.Channel, ExternalRef: a.Ref}
		if strings.TrimSpace(r.Addressee) == "" {
			r.Addressee = a.Ref
		}
		if strings.TrimSpace(r.Subject) == "" {
			r.Subject = a.Ref
		}
		ids, _, err := s.insertRequests(ctx, tx, app.ID, []InfoRequest{r}, s.now(), actor)
		if err != nil {
			return app, err
		}
		reqID = ids[0]
	case err != nil:
		return app, err
	case answered.Valid:
		return app, nil
	}
	if err := s.recordAnswer(ctx, tx, &app, actor, Answer{RequestID: reqID, Text: a.Text, Ref: a.AnswerRef}); err != nil {
		return app, err
	}
	return app, s.flushAudit(ctx, tx, &app.audits)
}

// RegulationOf returns the regulation the application was filed under, as
// this package reads it: the staff pages offer only what it allows
// (suspension, the refusal grounds a decision may cite).
func (s *Service) RegulationOf(ctx context.Context, app Application) (Regulation, error) {
	return s.regulation(ctx, &app)
}

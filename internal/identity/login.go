package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/auth"
	"odnookno/internal/fault"
)

// FieldUID is the form field of the identifier on the citizen's pages.
const FieldUID = "uid"

// errLoginFailed is the one answer for an unknown UID and a wrong
// password, so that nobody can find out which identifiers exist.
var errLoginFailed = fault.New(fault.Unauthorized, "uid.login_failed", nil)

// Login is a successful login.
type Login struct {
	Token   string
	Citizen Citizen
	// Stage is auth.StageChangePassword after a temporary password: the
	// session may do nothing but set a static password (p. 9).
	Stage     string
	ExpiresAt time.Time
}

// parseUID reads the identifier as typed on a citizen's form.
func parseUID(s string) (PIN, error) {
	if strings.TrimSpace(s) == "" {
		return "", fieldErr(FieldUID, "uid.uid_required", nil)
	}
	pin, _, err := ParsePIN(s)
	if err != nil {
		return "", refield(err, FieldUID)
	}
	return pin, nil
}

// Login checks a UID and password and opens a session. Throttling is
// checked first, so a locked UID or address learns nothing from the
// password; a blocked UID or an expired temporary password is only
// reported to whoever knows the password.
func (s *Service) Login(ctx context.Context, uidInput, password string, cl Client) (Login, error) {
	var c fault.Check
	uid, err := parseUID(uidInput)
	if err != nil {
		c.AddErr(FieldUID, err)
	}
	if password == "" {
		c.Add(FieldPassword, "uid.password_required", nil)
	}
	if err := checkErr(&c); err != nil {
		return Login{}, err
	}
	if err := s.throttled(ctx, uidKey(uid), addrKey(cl.Addr)); err != nil {
		_ = s.audit.Record(ctx, audit.Entry{Action: "uid.login_throttled", SubjectUID: s.knownUID(ctx, uid), ClientAddr: cl.Addr})
		return Login{}, err
	}
	cit, err := s.citizenByUID(ctx, s.db.R, uid, false)
	if errors.Is(err, fault.NotFound) {
		_, _, _ = s.verify(ctx, password, s.dummyHash())
		return Login{}, s.failed(ctx, cl, nil, uid, "uid.login_failed", errLoginFailed)
	}
	if err != nil {
		return Login{}, err
	}
	ok, rehash, err := s.verify(ctx, password, cit.hash)
	if err != nil {
		return Login{}, err
	}
	if !ok {
		return Login{}, s.failed(ctx, cl, &cit, uid, "uid.login_failed", errLoginFailed)
	}
	now := s.clock()
	switch {
	case !cit.Active():
		_ = s.audit.Record(ctx, audit.Entry{Actor: cit.Actor(), Action: "uid.login_refused", SubjectUID: string(uid),
			ClientAddr: cl.Addr, Details: map[string]any{"reason": "blocked"}})
		return Login{}, fault.New(fault.Forbidden, "uid.blocked_login", nil)
	case cit.PasswordKind == PasswordTemporary && cit.PasswordExpiresAt != nil && !now.Before(*cit.PasswordExpiresAt):
		_ = s.audit.Record(ctx, audit.Entry{Actor: cit.Actor(), Action: "uid.login_refused", SubjectUID: string(uid),
			ClientAddr: cl.Addr, Details: map[string]any{"reason": "temporary_password_expired"}})
		return Login{}, fault.New(fault.Forbidden, "uid.temp_password_expired", nil)
	}
	stage := auth.StageFull
	if cit.PasswordKind == PasswordTemporary {
		stage = auth.StageChangePassword
	}
	var newHash string
	if rehash && cit.PasswordKind == PasswordStatic {
		newHash, _ = s.hash(ctx, password)
	}
	var out Login
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		token, sess, err := s.sessions.Create(ctx, tx, auth.Citizen, idString(cit.ID), stage, cl.Addr, cl.UserAgent)
		if err != nil {
			return err
		}
		out = Login{Token: token, Citizen: cit, Stage: stage, ExpiresAt: sess.ExpiresAt}
		if err := s.succeed(ctx, tx, uid); err != nil {
			return err
		}
		if newHash != "" {
			if _, err := tx.ExecContext(ctx, "UPDATE citizens SET password_hash = $1 WHERE id = $2", newHash, cit.ID); err != nil {
				return err
			}
		}
		if cl.Lang != "" && cl.Lang != cit.Lang {
			if _, err := tx.ExecContext(ctx, "UPDATE citizens SET lang = $1 WHERE id = $2", cl.Lang, cit.ID); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, audit.Entry{Actor: cit.Actor(), Action: "uid.login", SubjectUID: string(uid),
			ClientAddr: cl.Addr, Details: map[string]any{"stage": stage}})
	})
	return out, err
}

// knownUID is uid when it belongs to a citizen, for audit records that
// should appear in that citizen's history; "" otherwise.
func (s *Service) knownUID(ctx context.Context, uid PIN) string {
	if _, err := s.citizenByUID(ctx, s.db.R, uid, false); err == nil {
		return string(uid)
	}
	return ""
}

// failed records a failed attempt (wrong password or code) in a
// transaction of its own and then returns answer.
func (s *Service) failed(ctx context.Context, cl Client, cit *Citizen, uid PIN, action string, answer error) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error { return s.failTx(ctx, tx, cl, cit, uid, action) })
	if err != nil {
		return err
	}
	return answer
}

// failTx counts a failed attempt against the address and the UID, audits
// it and, when the delays begin, warns the owner by SMS, all in tx.
func (s *Service) failTx(ctx context.Context, tx *sql.Tx, cl Client, cit *Citizen, uid PIN, action string) error {
	f, err := s.fail(ctx, tx, cl.Addr, uid)
	if err != nil {
		return err
	}
	e := audit.Entry{Action: action, ClientAddr: cl.Addr, Details: map[string]any{"failures": f.uidFailures}}
	if cit != nil {
		e.SubjectUID = string(cit.UID)
		if f.warn && cit.Active() {
			if err := s.sms.SendTx(ctx, tx, cit.Phone, SMSAttackWarning, cit.Lang,
				map[string]any{"addr": cl.Addr, "count": f.uidFailures}); err != nil {
				return err
			}
			e.Details["warned"] = true
		}
	} else {
		e.ObjectType, e.ObjectID = "uid", uid.Masked()
	}
	return s.appendAudit(ctx, tx, e)
}

// Logout ends the session with token.
func (s *Service) Logout(ctx context.Context, token string, c Citizen) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.sessions.Revoke(ctx, tx, token, "logout"); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit.Entry{Actor: c.Actor(), Action: "uid.logout", SubjectUID: string(c.UID)})
	})
}

// SessionCitizen returns the citizen of a live session. A blocked UID has
// no access at all (p. 12, third part), whatever session it may hold.
func (s *Service) SessionCitizen(ctx context.Context, sess auth.Session) (Citizen, error) {
	if sess.Kind != auth.Citizen {
		return Citizen{}, auth.ErrNoSession
	}
	id, err := strconv.ParseInt(sess.SubjectID, 10, 64)
	if err != nil {
		return Citizen{}, auth.ErrNoSession
	}
	c, err := s.Citizen(ctx, id)
	if errors.Is(err, fault.NotFound) {
		return Citizen{}, auth.ErrNoSession
	}
	if err != nil {
		return Citizen{}, err
	}
	if !c.Active() {
		return Citizen{}, fmt.Errorf("identity: blocked: %w", auth.ErrNoSession)
	}
	return c, nil
}

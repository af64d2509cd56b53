package identity

import (
	"context"
	"database/sql"
	"errors"

	"odnookno/internal/audit"
	"odnookno/internal/auth"
	"odnookno/internal/fault"
)

// Field names of the citizen's password forms.
const (
	FieldCurrentPassword = "current_password"
	FieldNewPassword     = "new_password"
)

var errPasswordSame = fieldErr(FieldNewPassword, "uid.password_same", nil)

// checkCurrent verifies the password a logged-in citizen confirms an
// action with. Wrong ones count like failed logins, so a stolen session
// cannot be used to guess the password.
func (s *Service) checkCurrent(ctx context.Context, cl Client, c Citizen, pw string) error {
	if pw == "" {
		return fieldErr(FieldCurrentPassword, "uid.password_required", nil)
	}
	if err := s.throttled(ctx, uidKey(c.UID), addrKey(cl.Addr)); err != nil {
		return err
	}
	ok, _, err := s.verify(ctx, pw, c.hash)
	if err != nil {
		return err
	}
	if !ok {
		return s.failed(ctx, cl, &c, c.UID, "uid.password_check_failed", fieldErr(FieldCurrentPassword, "uid.password_wrong", nil))
	}
	return nil
}

func checkNew(pw string, uid PIN, phone Phone) error {
	if pw == "" {
		return fieldErr(FieldNewPassword, "uid.password_required", nil)
	}
	if err := CheckPassword(pw, uid, phone); err != nil {
		return refield(err, FieldNewPassword)
	}
	return nil
}

// newSession ends every session of c and opens a fresh one for the
// request that changed the password, in tx: whoever else held a session
// is out, the citizen is not.
func (s *Service) newSession(ctx context.Context, tx *sql.Tx, c Citizen, cl Client, reason string) (Login, error) {
	if err := s.endSessions(ctx, tx, c.ID, reason); err != nil {
		return Login{}, err
	}
	token, sess, err := s.sessions.Create(ctx, tx, auth.Citizen, idString(c.ID), auth.StageFull, cl.Addr, cl.UserAgent)
	if err != nil {
		return Login{}, err
	}
	return Login{Token: token, Citizen: c, Stage: auth.StageFull, ExpiresAt: sess.ExpiresAt}, nil
}

// active reloads an active citizen: what the caller holds may be stale.
func (s *Service) active(ctx context.Context, id int64) (Citizen, error) {
	c, err := s.Citizen(ctx, id)
	if err != nil {
		return c, err
	}
	if !c.Active() {
		return c, fault.New(fault.Forbidden, "uid.blocked_login", nil)
	}
	return c, nil
}

// SetStaticPassword replaces the temporary password at the first login
// (p. 9, p. 13) and returns the new session.
func (s *Service) SetStaticPassword(ctx context.Context, c Citizen, newPw string, cl Client) (Login, error) {
	c, err := s.Citizen(ctx, c.ID)
	if err != nil {
		return Login{}, err
	}
	if c.PasswordKind != PasswordTemporary {
		return Login{}, fault.New(fault.Conflict, "uid.password_already_set", nil)
	}
	now := s.clock()
	if c.PasswordExpiresAt != nil && !now.Before(*c.PasswordExpiresAt) {
		return Login{}, fault.New(fault.Forbidden, "uid.temp_password_expired", nil)
	}
	if err := checkNew(newPw, c.UID, c.Phone); err != nil {
		return Login{}, err
	}
	if same, _, err := s.verify(ctx, newPw, c.hash); err != nil {
		return Login{}, err
	} else if same {
		return Login{}, errPasswordSame
	}
	hash, err := s.hash(ctx, newPw)
	if err != nil {
		return Login{}, err
	}
	var out Login
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		// Only once, even from two tabs at the same moment.
		res, err := tx.ExecContext(ctx, `UPDATE citizens SET password_hash = $1, password_kind = 'static', password_expires_at = NULL,
			password_set_at = $2, updated_at = $2 WHERE id = $3 AND password_kind = 'temporary'`, hash, now, c.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fault.New(fault.Conflict, "uid.password_already_set", nil)
		}
		if out, err = s.newSession(ctx, tx, c, cl, "password_set"); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit.Entry{Actor: c.Actor(), Action: "uid.password_set", SubjectUID: string(c.UID), ClientAddr: cl.Addr})
	})
	return out, err
}

// ChangePassword sets a new static password, as often as the citizen
// likes (p. 9), ending every other session.
func (s *Service) ChangePassword(ctx context.Context, c Citizen, current, newPw string, cl Client) (Login, error) {
	c, err := s.active(ctx, c.ID)
	if err != nil {
		return Login{}, err
	}
	var chk fault.Check
	if current == "" {
		chk.Add(FieldCurrentPassword, "uid.password_required", nil)
	}
	if err := checkNew(newPw, c.UID, c.Phone); err != nil {
		chk.AddErr(FieldNewPassword, err)
	}
	if err := checkErr(&chk); err != nil {
		return Login{}, err
	}
	if current == newPw {
		return Login{}, errPasswordSame
	}
	if err := s.checkCurrent(ctx, cl, c, current); err != nil {
		return Login{}, err
	}
	hash, err := s.hash(ctx, newPw)
	if err != nil {
		return Login{}, err
	}
	now := s.clock()
	var out Login
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.setPassword(ctx, tx, c.ID, hash, PasswordStatic, now); err != nil {
			return err
		}
		var err error
		if out, err = s.newSession(ctx, tx, c, cl, "password_change"); err != nil {
			return err
		}
		if err := s.sms.SendTx(ctx, tx, c.Phone, SMSPasswordChanged, c.Lang, map[string]any{"at": now}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit.Entry{Actor: c.Actor(), Action: "uid.password_change", SubjectUID: string(c.UID), ClientAddr: cl.Addr})
	})
	return out, err
}

// requestCode is the first step of recovery and unblocking: a code to
// the registered phone of the UID typed, if it exists and is in the
// status wanted. The answer is the same whether it does or not, so the
// form cannot be used to find out who has a UID.
func (s *Service) requestCode(ctx context.Context, uidInput string, cl Client, purpose, kind, status string) error {
	uid, err := parseUID(uidInput)
	if err != nil {
		return err
	}
	if err := s.throttled(ctx, uidKey(uid), addrKey(cl.Addr)); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		c, err := s.citizenByUID(ctx, tx, uid, true)
		action := "uid." + purpose + ".code"
		if errors.Is(err, fault.NotFound) || (err == nil && c.Status != status) {
			e := audit.Entry{Action: action + "_ignored", ClientAddr: cl.Addr, ObjectType: "uid", ObjectID: uid.Masked()}
			if err == nil {
				e.SubjectUID, e.Details = string(uid), map[string]any{"status": c.Status}
			}
			return s.appendAudit(ctx, tx, e)
		}
		if err != nil {
			return err
		}
		code, err := s.issueCode(ctx, tx, purpose, citizenSubject(c.ID), c.Phone)
		if errors.Is(err, fault.TooMany) {
			var fe *fault.Error
			errors.As(err, &fe)
			return s.appendAudit(ctx, tx, audit.Entry{Action: action + "_refused", SubjectUID: string(uid), ClientAddr: cl.Addr,
				Details: map[string]any{"reason": fe.Code}})
		}
		if err != nil {
			return err
		}
		if err := s.sms.SendTx(ctx, tx, c.Phone, kind, c.Lang, map[string]any{"code": code, "minutes": s.codeMinutes()}, "code"); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit.Entry{Action: action + "_sent", SubjectUID: string(uid), ClientAddr: cl.Addr,
			Details: map[string]any{"phone": c.Phone.Masked()}})
	})
}

// RequestRecovery sends a recovery code to the registered phone (p. 10).
func (s *Service) RequestRecovery(ctx context.Context, uidInput string, cl Client) error {
	return s.requestCode(ctx, uidInput, cl, purposeRecovery, SMSRecoveryCode, StatusActive)
}

// codeInputs validates the fields of the second step of recovery and
// unblocking.
func codeInputs(uidInput, code string, newPw *string) (PIN, error) {
	var chk fault.Check
	uid, err := parseUID(uidInput)
	if err != nil {
		chk.AddErr(FieldUID, err)
	}
	if _, err := ParseSMSCode(code); err != nil {
		chk.AddErr(FieldCode, err)
	}
	if newPw != nil {
		// Without the phone: whether the new password equals the phone is
		// only said once the code proved the person owns it.
		if err := checkNew(*newPw, uid, ""); err != nil {
			chk.AddErr(FieldNewPassword, err)
		}
	}
	return uid, checkErr(&chk)
}

// Recover sets a new static password for a citizen who lost theirs, after
// the code sent to the registered phone (p. 10). The citizen then logs in
// with it.
func (s *Service) Recover(ctx context.Context, uidInput, code, newPw string, cl Client) error {
	uid, err := codeInputs(uidInput, code, &newPw)
	if err != nil {
		return err
	}
	if err := s.throttled(ctx, uidKey(uid), addrKey(cl.Addr)); err != nil {
		return err
	}
	c, err := s.citizenByUID(ctx, s.db.R, uid, false)
	if errors.Is(err, fault.NotFound) {
		return s.failed(ctx, cl, nil, uid, "uid.recovery.failed", errCodeInvalid)
	}
	if err != nil {
		return err
	}
	hash, err := s.hash(ctx, newPw)
	if err != nil {
		return err
	}
	var codeErr error
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		c, err := s.citizenByID(ctx, tx, c.ID, true)
		if err != nil {
			return err
		}
		_, err = s.checkCode(ctx, tx, purposeRecovery, citizenSubject(c.ID), code)
		if err == nil && !c.Active() {
			err = errCodeInvalid
		}
		if errors.Is(err, fault.Invalid) {
			codeErr = errCodeInvalid
			return s.failTx(ctx, tx, cl, &c, uid, "uid.recovery.failed")
		}
		if err != nil {
			return err
		}
		if err := checkNew(newPw, c.UID, c.Phone); err != nil {
			return err // rolls back: the code stays usable
		}
		now := s.clock()
		if err := s.setPassword(ctx, tx, c.ID, hash, PasswordStatic, now); err != nil {
			return err
		}
		if err := s.endSessions(ctx, tx, c.ID, "password_recovery"); err != nil {
			return err
		}
		if err := s.succeed(ctx, tx, uid); err != nil {
			return err
		}
		if err := s.sms.SendTx(ctx, tx, c.Phone, SMSPasswordChanged, c.Lang, map[string]any{"at": now}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit.Entry{Actor: c.Actor(), Action: "uid.password_recover", SubjectUID: string(uid), ClientAddr: cl.Addr})
	})
	if err != nil {
		return err
	}
	return codeErr
}

// RequestUnblock sends an unblock code to the phone registered with a
// blocked UID (p. 13, first way).
func (s *Service) RequestUnblock(ctx context.Context, uidInput string, cl Client) error {
	return s.requestCode(ctx, uidInput, cl, purposeUnblock, SMSUnblockCode, StatusBlocked)
}

// Unblock restores a blocked UID after the code sent to its phone and
// sends a temporary password there (p. 13); the citizen then replaces it
// at the first login. It returns the phone the password went to.
func (s *Service) Unblock(ctx context.Context, uidInput, code string, cl Client) (Phone, error) {
	uid, err := codeInputs(uidInput, code, nil)
	if err != nil {
		return "", err
	}
	if err := s.throttled(ctx, uidKey(uid), addrKey(cl.Addr)); err != nil {
		return "", err
	}
	c, err := s.citizenByUID(ctx, s.db.R, uid, false)
	if errors.Is(err, fault.NotFound) {
		return "", s.failed(ctx, cl, nil, uid, "uid.unblock.failed", errCodeInvalid)
	}
	if err != nil {
		return "", err
	}
	temp := NewTemporaryPassword()
	hash, err := s.hash(ctx, temp)
	if err != nil {
		return "", err
	}
	var codeErr error
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		c, err := s.citizenByID(ctx, tx, c.ID, true)
		if err != nil {
			return err
		}
		_, err = s.checkCode(ctx, tx, purposeUnblock, citizenSubject(c.ID), code)
		if err == nil && c.Active() {
			err = errCodeInvalid
		}
		if errors.Is(err, fault.Invalid) {
			codeErr = errCodeInvalid
			return s.failTx(ctx, tx, cl, &c, uid, "uid.unblock.failed")
		}
		if err != nil {
			return err
		}
		if used, err := s.phoneUsedByOther(ctx, tx, c.Phone, c.UID); err != nil {
			return err
		} else if used {
			// p. 7, fifth paragraph, which p. 13 applies: the number went
			// to someone else while this UID was blocked.
			return fault.New(fault.Conflict, "uid.unblock_phone_in_use", nil)
		}
		now := s.clock()
		if _, err := tx.ExecContext(ctx, "UPDATE citizens SET status = 'active', blocked_at = NULL, updated_at = $1 WHERE id = $2", now, c.ID); err != nil {
			return uniqueRefusal(err)
		}
		if err := s.setPassword(ctx, tx, c.ID, hash, PasswordTemporary, now); err != nil {
			return err
		}
		if err := s.endSessions(ctx, tx, c.ID, "unblock"); err != nil {
			return err
		}
		if err := s.succeed(ctx, tx, uid); err != nil {
			return err
		}
		if err := s.sendTempPassword(ctx, tx, c.Phone, c.Lang, temp, now); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit.Entry{Actor: c.Actor(), Action: "uid.unblock", SubjectUID: string(uid), ClientAddr: cl.Addr,
			Details: map[string]any{"via": "cabinet", "phone": c.Phone.Masked()}})
	})
	if err != nil {
		return "", err
	}
	if codeErr != nil {
		return "", codeErr
	}
	return c.Phone, nil
}

// RequestPhoneChange starts the citizen's own change of phone (p. 11,
// first way): the password confirms it is them, and a code goes to the
// new number to prove they use it.
func (s *Service) RequestPhoneChange(ctx context.Context, c Citizen, password, phoneInput string, cl Client) error {
	c, err := s.active(ctx, c.ID)
	if err != nil {
		return err
	}
	var chk fault.Check
	var phone Phone
	if phoneInput == "" {
		chk.Add(FieldPhone, "uid.phone_required", nil)
	} else if p, err := ParsePhone(phoneInput); err != nil {
		chk.AddErr(FieldPhone, err)
	} else if p == c.Phone {
		chk.Add(FieldPhone, "uid.phone_same", nil)
	} else {
		phone = p
	}
	if password == "" {
		chk.Add(FieldCurrentPassword, "uid.password_required", nil)
	}
	if err := checkErr(&chk); err != nil {
		return err
	}
	if err := s.checkCurrent(ctx, cl, c, password); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if used, err := s.phoneUsedByOther(ctx, tx, phone, c.UID); err != nil {
			return err
		} else if used {
			return fieldErr(FieldPhone, "uid.phone_in_use", nil)
		}
		code, err := s.issueCode(ctx, tx, purposePhoneChange, citizenSubject(c.ID), phone)
		if err != nil {
			return err
		}
		if err := s.sms.SendTx(ctx, tx, phone, SMSPhoneChangeCode, c.Lang, map[string]any{"code": code, "minutes": s.codeMinutes()}, "code"); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit.Entry{Actor: c.Actor(), Action: "uid.phone_change.code_sent", SubjectUID: string(c.UID),
			ClientAddr: cl.Addr, Details: map[string]any{"phone": phone.Masked()}})
	})
}

// PendingPhone is the new number a phone change is waiting to confirm.
func (s *Service) PendingPhone(ctx context.Context, c Citizen) (Phone, error) {
	_, p, err := s.openCode(ctx, s.db.R, purposePhoneChange, citizenSubject(c.ID))
	return p, err
}

// ChangePhone finishes the change of phone with the code sent to the new
// number and, as p. 11 requires, a new static password; every other
// session ends.
func (s *Service) ChangePhone(ctx context.Context, c Citizen, code, newPw string, cl Client) (Login, error) {
	c, err := s.active(ctx, c.ID)
	if err != nil {
		return Login{}, err
	}
	var chk fault.Check
	if _, err := ParseSMSCode(code); err != nil {
		chk.AddErr(FieldCode, err)
	}
	phone, perr := s.PendingPhone(ctx, c)
	if perr != nil && !errors.Is(perr, fault.Invalid) {
		return Login{}, perr
	}
	if perr != nil {
		chk.AddErr(FieldCode, perr)
	} else if err := checkNew(newPw, c.UID, phone); err != nil {
		chk.AddErr(FieldNewPassword, err)
	}
	if err := checkErr(&chk); err != nil {
		return Login{}, err
	}
	if same, _, err := s.verify(ctx, newPw, c.hash); err != nil {
		return Login{}, err
	} else if same {
		return Login{}, errPasswordSame
	}
	hash, err := s.hash(ctx, newPw)
	if err != nil {
		return Login{}, err
	}
	var out Login
	var codeErr error
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		newPhone, err := s.checkCode(ctx, tx, purposePhoneChange, citizenSubject(c.ID), code)
		if errors.Is(err, fault.Invalid) {
			codeErr = err
			return s.appendAudit(ctx, tx, audit.Entry{Actor: c.Actor(), Action: "uid.phone_change.failed", SubjectUID: string(c.UID), ClientAddr: cl.Addr})
		}
		if err != nil {
			return err
		}
		if used, err := s.phoneUsedByOther(ctx, tx, newPhone, c.UID); err != nil {
			return err
		} else if used {
			return fieldErr(FieldPhone, "uid.phone_in_use", nil)
		}
		now := s.clock()
		if _, err := tx.ExecContext(ctx, "UPDATE citizens SET phone = $1, updated_at = $2 WHERE id = $3", string(newPhone), now, c.ID); err != nil {
			return uniqueRefusal(err)
		}
		if err := s.setPassword(ctx, tx, c.ID, hash, PasswordStatic, now); err != nil {
			return err
		}
		if err := s.voidCodes(ctx, tx, "", citizenSubject(c.ID)); err != nil {
			return err
		}
		old := c.Phone
		c.Phone = newPhone
		if out, err = s.newSession(ctx, tx, c, cl, "phone_change"); err != nil {
			return err
		}
		if err := s.sms.SendTx(ctx, tx, newPhone, SMSPasswordChanged, c.Lang, map[string]any{"at": now}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit.Entry{Actor: c.Actor(), Action: "uid.phone_change", SubjectUID: string(c.UID), ClientAddr: cl.Addr,
			Details: map[string]any{"via": "cabinet", "old_phone": old.Masked(), "phone": newPhone.Masked()}})
	})
	if err != nil {
		return Login{}, err
	}
	if codeErr != nil {
		return Login{}, codeErr
	}
	return out, nil
}

// Block blocks the citizen's own UID (p. 12, first way) after the
// password confirms it; every session ends and an SMS tells the owner.
func (s *Service) Block(ctx context.Context, c Citizen, password string, cl Client) error {
	c, err := s.active(ctx, c.ID)
	if err != nil {
		return err
	}
	if err := s.checkCurrent(ctx, cl, c, password); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.block(ctx, tx, c, s.clock()); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit.Entry{Actor: c.Actor(), Action: "uid.block", SubjectUID: string(c.UID), ClientAddr: cl.Addr,
			Details: map[string]any{"via": "cabinet"}})
	})
}

// History is everything recorded about the citizen, newest first: it is
// kept through blocking, so after unblocking the cabinet shows it all
// again (p. 13, last part).
func (s *Service) History(ctx context.Context, c Citizen, beforeSeq int64, limit int) ([]audit.Record, error) {
	return s.audit.List(ctx, audit.Query{SubjectUID: string(c.UID), BeforeSeq: beforeSeq, Limit: limit})
}

package identity_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/auth"
	"odnookno/internal/fault"
	"odnookno/internal/identity"
)

var bg = context.Background()

// p. 9: the temporary password serves only to set a static one, at the
// first login.
func TestFirstLogin(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		p := person(t, "Иванов")
		temp := f.issue(t, p, "+375291234567")
		// The UID is typed as people type it.
		l, err := f.svc.Login(bg, " 3270287a012рв2 ", temp, f.client)
		if err != nil {
			t.Fatal(err)
		}
		if l.Stage != auth.StageChangePassword || l.Token == "" || l.Citizen.UID != p.PIN {
			t.Fatalf("login %+v", l)
		}
		sess, err := f.sessions.Lookup(bg, l.Token)
		if err != nil || sess.Stage != auth.StageChangePassword {
			t.Fatalf("session %v %+v", err, sess)
		}
		c := l.Citizen
		// The static password policy applies.
		_, err = f.svc.SetStaticPassword(bg, c, "qwerty123", f.client)
		wantField(t, err, identity.FieldNewPassword, identity.CodePasswordCommon)
		_, err = f.svc.SetStaticPassword(bg, c, "+375 29 123-45-67", f.client)
		wantField(t, err, identity.FieldNewPassword, identity.CodePasswordEqualsPhone)
		_, err = f.svc.SetStaticPassword(bg, c, temp, f.client)
		wantField(t, err, identity.FieldNewPassword, "uid.password_same")

		l2, err := f.svc.SetStaticPassword(bg, c, staticPassword, f.client)
		if err != nil || l2.Stage != auth.StageFull {
			t.Fatalf("set static: %v %+v", err, l2)
		}
		// The temporary session is over, the new one is full.
		if _, err := f.sessions.Lookup(bg, l.Token); !errors.Is(err, auth.ErrNoSession) {
			t.Error("temporary session still alive")
		}
		if sess, err := f.sessions.Lookup(bg, l2.Token); err != nil || sess.Stage != auth.StageFull {
			t.Errorf("new session %v %+v", err, sess)
		}
		// Only once: the password is static now.
		_, err = f.svc.SetStaticPassword(bg, c, "другой-пароль-2026", f.client)
		wantCode(t, err, "uid.password_already_set")
		// The temporary password no longer works; the static one does.
		_, err = f.svc.Login(bg, string(p.PIN), temp, f.client)
		wantCode(t, err, "uid.login_failed")
		l3, err := f.svc.Login(bg, string(p.PIN), staticPassword, f.client)
		if err != nil || l3.Stage != auth.StageFull {
			t.Fatalf("static login: %v %+v", err, l3)
		}
		if got := f.reload(t, c); got.PasswordKind != identity.PasswordStatic || got.PasswordExpiresAt != nil {
			t.Errorf("stored %+v", got)
		}
		want := []string{"uid.login", "uid.password_set", "uid.login_failed", "uid.login"}
		acts := f.actions(t, p.PIN)
		if got := acts[len(acts)-4:]; !slices.Equal(got, want) {
			t.Errorf("audit %v; want …%v", acts, want)
		}
	})
}

func TestTemporaryPasswordExpires(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		p := person(t, "Иванов")
		temp := f.issue(t, p, "+375291234567")
		f.clock.Advance(71*time.Hour + 59*time.Minute)
		l, err := f.svc.Login(bg, string(p.PIN), temp, f.client)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Minute)
		// Expired: not at login, and not for a session opened before.
		_, err = f.svc.Login(bg, string(p.PIN), temp, f.client)
		wantCode(t, err, "uid.temp_password_expired")
		_, err = f.svc.SetStaticPassword(bg, l.Citizen, staticPassword, f.client)
		wantCode(t, err, "uid.temp_password_expired")
		// Only whoever knows the password learns that it expired.
		_, err = f.svc.Login(bg, string(p.PIN), "wrong-password-1", f.client)
		wantCode(t, err, "uid.login_failed")
	})
}

// The lifetime of a temporary password is configurable.
func TestTemporaryPasswordLifetime(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		p := person(t, "Иванов")
		temp := f.issue(t, p, "+375291234567")
		f.clock.Advance(time.Hour)
		_, err := f.svc.Login(bg, string(p.PIN), temp, f.client)
		wantCode(t, err, "uid.temp_password_expired")
	}, func(o *identity.Options) { o.TempPasswordTTL = time.Hour })
}

// An unknown UID and a wrong password get the same answer.
func TestLoginFailures(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		c, _ := f.activate(t, person(t, "Иванов"), "+375291234567")
		_, unknown := f.svc.Login(bg, "4150590B001PB8", staticPassword, f.client)
		_, wrong := f.svc.Login(bg, string(c.UID), staticPassword+"!", f.client)
		a, b := wantCode(t, unknown, "uid.login_failed"), wantCode(t, wrong, "uid.login_failed")
		if a.Error() != b.Error() || !errors.Is(unknown, fault.Unauthorized) || !errors.Is(wrong, fault.Unauthorized) {
			t.Errorf("unknown %v, wrong %v", unknown, wrong)
		}
		_, err := f.svc.Login(bg, "", "", f.client)
		wantField(t, err, identity.FieldUID, "uid.uid_required")
		wantField(t, err, identity.FieldPassword, "uid.password_required")
		_, err = f.svc.Login(bg, "12345", "x", f.client)
		wantField(t, err, identity.FieldUID, identity.CodePINFormat)
	})
}

func TestChangePassword(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		c, token := f.activate(t, person(t, "Иванов"), "+375291234567")
		other, _ := f.svc.Login(bg, string(c.UID), staticPassword, f.client)

		_, err := f.svc.ChangePassword(bg, c, "wrong-password-1", "новый-пароль-2026", f.client)
		wantField(t, err, identity.FieldCurrentPassword, "uid.password_wrong")
		_, err = f.svc.ChangePassword(bg, c, staticPassword, "12345678", f.client)
		wantField(t, err, identity.FieldNewPassword, identity.CodePasswordCommon)
		_, err = f.svc.ChangePassword(bg, c, staticPassword, staticPassword, f.client)
		wantField(t, err, identity.FieldNewPassword, "uid.password_same")

		// Any number of times (p. 9).
		pw := staticPassword
		for _, next := range []string{"новый-пароль-2026", "третий-пароль-2026", "четвёртый-пароль-26"} {
			l, err := f.svc.ChangePassword(bg, f.reload(t, c), pw, next, f.client)
			if err != nil {
				t.Fatal(err)
			}
			f.sms.last(t, c.Phone, identity.SMSPasswordChanged)
			// Every earlier session has ended; the new one lives.
			for _, old := range []string{token, other.Token} {
				if _, err := f.sessions.Lookup(bg, old); !errors.Is(err, auth.ErrNoSession) {
					t.Error("a session survived the password change")
				}
			}
			if _, err := f.sessions.Lookup(bg, l.Token); err != nil {
				t.Fatal(err)
			}
			token, pw = l.Token, next
		}
		if _, err := f.svc.Login(bg, string(c.UID), pw, f.client); err != nil {
			t.Fatal(err)
		}
	})
}

// p. 10: a lost static password is replaced after a code to the
// registered phone.
func TestRecovery(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		c, token := f.activate(t, person(t, "Иванов"), "+375291234567")
		before := len(f.sms.all(t))
		// An unknown UID gets the same answer and no SMS goes anywhere.
		if err := f.svc.RequestRecovery(bg, "4150590B001PB8", f.client); err != nil {
			t.Fatal(err)
		}
		if n := len(f.sms.all(t)); n != before {
			t.Fatalf("%d SMS for an unknown UID", n-before)
		}
		err := f.svc.Recover(bg, "4150590B001PB8", "123456", "новый-пароль-2026", f.client)
		wantCode(t, err, "uid.code_invalid")

		if err := f.svc.RequestRecovery(bg, string(c.UID), f.client); err != nil {
			t.Fatal(err)
		}
		code := f.code(t, c.Phone, identity.SMSRecoveryCode)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		err = f.svc.Recover(bg, string(c.UID), wrong, "новый-пароль-2026", f.client)
		wantField(t, err, identity.FieldCode, "uid.code_invalid")
		// The policy applies, and the equal-to-phone rule is told only
		// with the right code; the code survives a refused password.
		err = f.svc.Recover(bg, string(c.UID), code, "password", f.client)
		wantField(t, err, identity.FieldNewPassword, identity.CodePasswordCommon)
		err = f.svc.Recover(bg, string(c.UID), code, "80291234567", f.client)
		wantField(t, err, identity.FieldNewPassword, identity.CodePasswordEqualsPhone)
		if err := f.svc.Recover(bg, string(c.UID), code, "новый-пароль-2026", f.client); err != nil {
			t.Fatal(err)
		}
		if _, err := f.sessions.Lookup(bg, token); !errors.Is(err, auth.ErrNoSession) {
			t.Error("session survived recovery")
		}
		f.sms.last(t, c.Phone, identity.SMSPasswordChanged)
		if _, err := f.svc.Login(bg, string(c.UID), "новый-пароль-2026", f.client); err != nil {
			t.Fatal(err)
		}
		// The code is used up.
		err = f.svc.Recover(bg, string(c.UID), code, "ещё-один-пароль-26", f.client)
		wantCode(t, err, "uid.code_invalid")
		acts := f.actions(t, c.UID)
		for _, want := range []string{"uid.recovery.code_sent", "uid.recovery.failed", "uid.password_recover"} {
			if !slices.Contains(acts, want) {
				t.Errorf("audit lacks %s: %v", want, acts)
			}
		}
	})
}

// p. 11, first way: the citizen changes the phone and the static password
// in the cabinet.
func TestChangePhoneInCabinet(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		c, token := f.activate(t, person(t, "Иванов"), "+375291234567")
		f.issue(t, person(t, "Петрова"), "+375297654321")

		err := f.svc.RequestPhoneChange(bg, c, "wrong-password-1", "+375441112233", f.client)
		wantField(t, err, identity.FieldCurrentPassword, "uid.password_wrong")
		err = f.svc.RequestPhoneChange(bg, c, staticPassword, "+375291234567", f.client)
		wantField(t, err, identity.FieldPhone, "uid.phone_same")
		err = f.svc.RequestPhoneChange(bg, c, staticPassword, "+375297654321", f.client)
		wantField(t, err, identity.FieldPhone, "uid.phone_in_use")
		err = f.svc.RequestPhoneChange(bg, c, staticPassword, "+375171234567", f.client)
		wantField(t, err, identity.FieldPhone, identity.CodePhoneOperator)

		if err := f.svc.RequestPhoneChange(bg, c, staticPassword, "+375 44 111-22-33", f.client); err != nil {
			t.Fatal(err)
		}
		// The code goes to the new number.
		code := f.code(t, "+375441112233", identity.SMSPhoneChangeCode)
		if p, err := f.svc.PendingPhone(bg, c); err != nil || p != "+375441112233" {
			t.Fatalf("pending %v %v", p, err)
		}
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		_, err = f.svc.ChangePhone(bg, c, wrong, "новый-пароль-2026", f.client)
		wantCode(t, err, "uid.code_wrong")
		_, err = f.svc.ChangePhone(bg, c, code, "+375441112233", f.client)
		wantField(t, err, identity.FieldNewPassword, identity.CodePasswordEqualsPhone)
		_, err = f.svc.ChangePhone(bg, c, code, staticPassword, f.client)
		wantField(t, err, identity.FieldNewPassword, "uid.password_same")
		l, err := f.svc.ChangePhone(bg, c, code, "новый-пароль-2026", f.client)
		if err != nil {
			t.Fatal(err)
		}
		got := f.reload(t, c)
		if got.Phone != "+375441112233" {
			t.Fatalf("phone %s", got.Phone)
		}
		if _, err := f.sessions.Lookup(bg, token); !errors.Is(err, auth.ErrNoSession) {
			t.Error("old session survived")
		}
		if _, err := f.sessions.Lookup(bg, l.Token); err != nil {
			t.Error(err)
		}
		if _, err := f.svc.Login(bg, string(c.UID), "новый-пароль-2026", f.client); err != nil {
			t.Error(err)
		}
		if _, err := f.svc.PendingPhone(bg, got); err == nil {
			t.Error("a phone change is still pending")
		}
	})
}

// p. 12–13: the citizen blocks the UID in the cabinet and unblocks it from
// the login page; everything recorded before comes back.
func TestBlockAndUnblockInCabinet(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		c, token := f.activate(t, person(t, "Иванов"), "+375291234567")
		histBefore, _ := f.svc.History(bg, c, 0, 100)

		err := f.svc.Block(bg, c, "wrong-password-1", f.client)
		wantField(t, err, identity.FieldCurrentPassword, "uid.password_wrong")
		if err := f.svc.Block(bg, c, staticPassword, f.client); err != nil {
			t.Fatal(err)
		}
		f.sms.last(t, c.Phone, identity.SMSBlocked)
		sess, err := f.sessions.Lookup(bg, token)
		if !errors.Is(err, auth.ErrNoSession) {
			t.Error("session survived the block")
		}
		// A blocked UID cannot log in, nor use a session it still holds.
		_, err = f.svc.Login(bg, string(c.UID), staticPassword, f.client)
		wantCode(t, err, "uid.blocked_login")
		if !errors.Is(err, fault.Forbidden) {
			t.Errorf("%v is not Forbidden", err)
		}
		sess = auth.Session{Kind: auth.Citizen, SubjectID: "1"}
		if _, err := f.svc.SessionCitizen(bg, auth.Session{Kind: auth.Citizen, SubjectID: itoa(c.ID)}); !errors.Is(err, auth.ErrNoSession) {
			t.Errorf("blocked citizen's session: %v", err)
		}
		_ = sess
		// Recovery does not work for a blocked UID.
		n := f.sms.count(t, identity.SMSRecoveryCode)
		f.svc.RequestRecovery(bg, string(c.UID), f.client)
		if f.sms.count(t, identity.SMSRecoveryCode) != n {
			t.Error("recovery code sent for a blocked UID")
		}
		// An active UID cannot be "unblocked" from the login page: nothing is sent.
		other, _ := f.activate(t, person(t, "Петрова"), "+375297654321")
		f.svc.RequestUnblock(bg, string(other.UID), f.client)
		if f.sms.count(t, identity.SMSUnblockCode) != 0 {
			t.Error("unblock code sent for an active UID")
		}

		if err := f.svc.RequestUnblock(bg, " "+string(c.UID), f.client); err != nil {
			t.Fatal(err)
		}
		code := f.code(t, c.Phone, identity.SMSUnblockCode)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		_, err = f.svc.Unblock(bg, string(c.UID), wrong, f.client)
		wantCode(t, err, "uid.code_invalid")
		phone, err := f.svc.Unblock(bg, string(c.UID), code, f.client)
		if err != nil || phone != c.Phone {
			t.Fatalf("unblock %v %v", phone, err)
		}
		// A temporary password by SMS, then a static password (p. 13).
		temp := f.sms.last(t, c.Phone, identity.SMSTempPassword).Params["password"].(string)
		_, err = f.svc.Login(bg, string(c.UID), staticPassword, f.client)
		wantCode(t, err, "uid.login_failed")
		l, err := f.svc.Login(bg, string(c.UID), temp, f.client)
		if err != nil || l.Stage != auth.StageChangePassword {
			t.Fatalf("login %v %+v", err, l)
		}
		l, err = f.svc.SetStaticPassword(bg, l.Citizen, "после-разблокировки-26", f.client)
		if err != nil {
			t.Fatal(err)
		}
		cit, err := f.svc.SessionCitizen(bg, auth.Session{Kind: auth.Citizen, SubjectID: itoa(c.ID)})
		if err != nil {
			t.Fatal(err)
		}
		// p. 13, last part: the history is back, all of it.
		hist, err := f.svc.History(bg, cit, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		seqs := map[int64]bool{}
		for _, r := range hist {
			seqs[r.Seq] = true
		}
		for _, r := range histBefore {
			if !seqs[r.Seq] {
				t.Errorf("record %d (%s) missing after unblock", r.Seq, r.Action)
			}
		}
		var acts []string
		for _, r := range hist {
			acts = append(acts, r.Action)
		}
		for _, want := range []string{"uid.issue", "uid.block", "uid.unblock.code_sent", "uid.unblock", "uid.password_set"} {
			if !slices.Contains(acts, want) {
				t.Errorf("history lacks %s: %v", want, acts)
			}
		}
	})
}

// While a UID is blocked its number may go to someone else (p. 7, fifth
// paragraph, applied by p. 13): then unblocking needs the office.
func TestUnblockPhoneTaken(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		c, _ := f.activate(t, person(t, "Иванов"), "+375291234567")
		if err := f.svc.Block(bg, c, staticPassword, f.client); err != nil {
			t.Fatal(err)
		}
		f.issue(t, person(t, "Петрова"), "+375291234567")
		if err := f.svc.RequestUnblock(bg, string(c.UID), f.client); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Unblock(bg, string(c.UID), f.code(t, c.Phone, identity.SMSUnblockCode), f.client)
		wantCode(t, err, "uid.unblock_phone_in_use")
		if got := f.reload(t, c); got.Status != identity.StatusBlocked {
			t.Error("unblocked onto a phone in use")
		}
	})
}

// Failed attempts slow down per UID and per address, and the owner is
// warned by SMS once.
func TestThrottle(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		c, _ := f.activate(t, person(t, "Иванов"), "+375291234567")
		for i := 1; i <= 4; i++ {
			_, err := f.svc.Login(bg, string(c.UID), "wrong-password-1", f.client)
			wantCode(t, err, "uid.login_failed")
		}
		if n := f.sms.count(t, identity.SMSAttackWarning); n != 0 {
			t.Fatalf("%d warnings after 4 failures", n)
		}
		_, err := f.svc.Login(bg, string(c.UID), "wrong-password-1", f.client)
		wantCode(t, err, "uid.login_failed")
		warn := f.sms.last(t, c.Phone, identity.SMSAttackWarning)
		if warn.Params["addr"] != f.client.Addr || warn.Params["count"] != float64(5) {
			t.Errorf("warning %+v", warn.Params)
		}
		// Locked for a minute, even with the right password, from any address.
		elsewhere := identity.Client{Addr: "198.51.100.7"}
		_, err = f.svc.Login(bg, string(c.UID), staticPassword, elsewhere)
		fe := wantCode(t, err, "uid.throttled")
		if !errors.Is(err, fault.TooMany) || fe.Params["minutes"] != 1 {
			t.Errorf("throttled %v %v", err, fe.Params)
		}
		f.clock.Advance(time.Minute)
		// The delay doubles with each further failure.
		for i, wantMin := range []int{2, 4, 8} {
			_, err = f.svc.Login(bg, string(c.UID), "wrong-password-1", elsewhere)
			wantCode(t, err, "uid.login_failed")
			_, err = f.svc.Login(bg, string(c.UID), staticPassword, elsewhere)
			if fe := wantCode(t, err, "uid.throttled"); fe.Params["minutes"] != wantMin {
				t.Errorf("failure %d: wait %v; want %d", 6+i, fe.Params["minutes"], wantMin)
			}
			f.clock.Advance(time.Duration(wantMin) * time.Minute)
		}
		if n := f.sms.count(t, identity.SMSAttackWarning); n != 1 {
			t.Errorf("%d warnings; want one per window", n)
		}
		// The right password, once allowed, clears the UID's count.
		if _, err := f.svc.Login(bg, string(c.UID), staticPassword, elsewhere); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 4; i++ {
			_, err = f.svc.Login(bg, string(c.UID), "wrong-password-1", elsewhere)
			wantCode(t, err, "uid.login_failed")
		}
		// Recovery codes are throttled with the same counter.
		err = f.svc.Recover(bg, string(c.UID), "123456", "новый-пароль-2026", elsewhere)
		wantCode(t, err, "uid.code_invalid")
		_, err = f.svc.Login(bg, string(c.UID), staticPassword, elsewhere)
		wantCode(t, err, "uid.throttled")

		// Per address: guessing many UIDs from one address is slowed too.
		guesser := identity.Client{Addr: "2001:db8:1:2::5"}
		for i := 0; i < 20; i++ {
			uid := fmt.Sprintf("3%06dA001PB1", 100000+i)
			_, err = f.svc.Login(bg, uid, "x-password", identity.Client{Addr: "2001:db8:1:2::" + itoa(int64(i+10))})
			wantCode(t, err, "uid.login_failed")
		}
		_, err = f.svc.Login(bg, "4220195E017PB5", "x-password", guesser)
		wantCode(t, err, "uid.throttled")
		// Quiet keys are forgotten after the window.
		f.clock.Advance(25 * time.Hour)
		f.svc.Login(bg, "4220195E017PB5", "x-password", identity.Client{Addr: "203.0.113.9"})
		var keys int
		f.db.R.QueryRow("SELECT COUNT(*) FROM uid_throttle").Scan(&keys)
		if keys != 2 {
			t.Errorf("%d throttle rows after the window; want the 2 new ones", keys)
		}
		// The audit trail has every attempt.
		recs, _ := f.audit.List(bg, audit.Query{ActionLike: "uid.login_failed", Limit: 500})
		if len(recs) < 30 {
			t.Errorf("%d failed logins audited", len(recs))
		}
	})
}

package identity_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/auth"
	"odnookno/internal/fault"
	"odnookno/internal/identity"
)

func TestIssue(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := f.officer
		p := person(t, "Иванов")
		a, err := f.svc.CreateApplication(ctx, f.office, input(p, identity.KindIssue, "8 (029) 123-45-67"))
		if err != nil {
			t.Fatal(err)
		}
		if a.State != identity.StateDraft || a.Phone != "+375291234567" || a.PaperCode == "" || a.Number() != "2026-000001" {
			t.Fatalf("created %+v", a)
		}
		if a.NextStep() != "registry_check" {
			t.Errorf("next step %q", a.NextStep())
		}
		a, err = f.svc.CheckRegistry(ctx, f.office.Code, a.ID)
		if err != nil || a.State != identity.StateRegistryChecked || a.NextStep() != "phone_code" {
			t.Fatalf("registry check: %v, %+v", err, a)
		}
		a, err = f.svc.SendPhoneCode(ctx, f.office.Code, a.ID)
		if err != nil || a.State != identity.StatePhoneCodeSent {
			t.Fatalf("phone code: %v %s", err, a.State)
		}
		code := f.code(t, a.Phone, identity.SMSVerifyPhone)
		a, err = f.svc.ConfirmPhone(ctx, f.office.Code, a.ID, code[:3]+" "+code[3:])
		if err != nil || a.State != identity.StatePhoneConfirmed {
			t.Fatalf("confirm: %v %s", err, a.State)
		}
		for _, c := range a.Conditions() {
			if c.Status != "ok" {
				t.Errorf("after the phone's confirmation condition %s is %s", c.Name, c.Status)
			}
		}
		a, err = f.svc.Complete(ctx, f.office.Code, a.ID)
		if err != nil || a.State != identity.StateCompleted || a.CitizenID == 0 {
			t.Fatalf("complete: %v %+v", err, a)
		}
		for _, c := range a.Conditions() {
			if c.Status != "ok" {
				t.Errorf("after issue condition %s is %s", c.Name, c.Status)
			}
		}
		// p. 8: the temporary password goes by SMS to the phone of the application.
		m := f.sms.last(t, "+375291234567", identity.SMSTempPassword)
		pw, _ := m.Params["password"].(string)
		if len(pw) != identity.TemporaryPasswordLen || m.Params["expires"] == nil {
			t.Fatalf("temporary password SMS %+v", m)
		}
		c, err := f.svc.CitizenByUID(context.Background(), p.PIN)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != identity.StatusActive || c.PasswordKind != identity.PasswordTemporary || c.Phone != "+375291234567" ||
			c.PasswordExpiresAt == nil || !c.PasswordExpiresAt.Equal(f.clock.Now().Add(72*time.Hour)) || c.IssuedBy != "minsk-oo" {
			t.Errorf("citizen %+v", c)
		}
		want := []string{"uid.application.create", "uid.application.registry_check", "uid.application.phone_code",
			"uid.application.phone_confirm", "uid.issue"}
		if got := f.actions(t, p.PIN); !slices.Equal(got, want) {
			t.Errorf("audit %v; want %v", got, want)
		}
		// Closed: no step may run again.
		if _, err := f.svc.Complete(ctx, f.office.Code, a.ID); err == nil {
			t.Error("completed twice")
		} else {
			wantCode(t, err, "uid.application_closed")
		}
		// The paper for the signature is on file.
		_, pdf, err := f.svc.ApplicationPaper(ctx, f.office.Code, a.ID)
		if err != nil || !strings.HasPrefix(string(pdf), "%PDF") {
			t.Fatalf("paper: %v", err)
		}
	})
}

func TestApplicationInput(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		p := person(t, "Иванов")
		tests := []struct {
			name        string
			edit        func(*identity.ApplicationInput)
			field, code string
		}{
			// p. 6, second paragraph: the officer compared the person with the document's photo.
			{"document not presented", func(in *identity.ApplicationInput) { in.DocumentPresented = false }, "document_presented", "uid.doc_not_presented"},
			{"no kind", func(in *identity.ApplicationInput) { in.Kind = "" }, "kind", "uid.kind_required"},
			{"no surname", func(in *identity.ApplicationInput) { in.Surname = " " }, "surname", "uid.surname_required"},
			{"no name", func(in *identity.ApplicationInput) { in.Name = "" }, "name", "uid.name_required"},
			{"digits in name", func(in *identity.ApplicationInput) { in.Name = "Иван2" }, "name", "uid.name_chars"},
			{"no birth date", func(in *identity.ApplicationInput) { in.BirthDate = "" }, "birth_date", "uid.birth_date_required"},
			{"bad birth date", func(in *identity.ApplicationInput) { in.BirthDate = "31.02.1990" }, "birth_date", "uid.birth_date_format"},
			{"future birth date", func(in *identity.ApplicationInput) { in.BirthDate = "2030-01-01" }, "birth_date", "uid.birth_date_range"},
			{"bad PIN", func(in *identity.ApplicationInput) { in.PIN = "123" }, "pin", identity.CodePINFormat},
			{"PIN check digit", func(in *identity.ApplicationInput) { in.PIN = "7010190A001PB1" }, "pin", identity.CodePINCheckDigit},
			{"no phone", func(in *identity.ApplicationInput) { in.Phone = "" }, "phone", "uid.phone_required"},
			{"landline", func(in *identity.ApplicationInput) { in.Phone = "+375 17 123-45-67" }, "phone", identity.CodePhoneOperator},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := input(p, identity.KindIssue, "+375291234567")
				tt.edit(&in)
				_, err := f.svc.CreateApplication(f.officer, f.office, in)
				wantField(t, err, tt.field, tt.code)
				if !errors.Is(err, fault.Invalid) {
					t.Errorf("%v is not Invalid", err)
				}
			})
		}
		// Every problem at once.
		_, err := f.svc.CreateApplication(f.officer, f.office, identity.ApplicationInput{})
		var fe *fault.Error
		if !errors.As(err, &fe) || len(fe.Fields) < 6 {
			t.Errorf("empty form: %v", err)
		}
		// Blocking needs no phone; a date typed the usual way is fine.
		in := input(p, identity.KindBlock, "")
		in.BirthDate = "27.02.1987"
		if a, err := f.svc.CreateApplication(f.officer, f.office, in); err != nil || a.BirthDate != "1987-02-27" {
			t.Errorf("block without phone: %v %+v", err, a)
		}
	})
}

// Each condition of p. 7 refuses an issue when it fails.
func TestIssueConditions(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := f.officer
		refused := func(t *testing.T, a identity.Application, err error, code string) {
			t.Helper()
			wantCode(t, err, code)
			stored, rerr := f.svc.ReadApplication(ctx, f.office.Code, a.ID)
			if rerr != nil {
				t.Fatal(rerr)
			}
			if stored.State != identity.StateRefused || stored.RefusalCode != code {
				t.Errorf("stored %s %s; want refused %s", stored.State, stored.RefusalCode, code)
			}
			if _, err := f.svc.CitizenByUID(context.Background(), stored.PIN); !errors.Is(err, fault.NotFound) && code != "uid.already_assigned" {
				t.Errorf("a UID was assigned: %v", err)
			}
		}

		t.Run("p7 document invalid", func(t *testing.T) {
			a, err := f.tryApply(t, input(person(t, "Сидоров"), identity.KindIssue, "+375291110001"))
			refused(t, a, err, "uid.doc_invalid")
		})
		t.Run("p7 document unknown to the register", func(t *testing.T) {
			in := input(person(t, "Иванов"), identity.KindIssue, "+375291110002")
			in.PIN = "3121262K006PB9"
			a, err := f.tryApply(t, in)
			refused(t, a, err, "uid.registry_not_found")
		})
		t.Run("p7 data do not match the register", func(t *testing.T) {
			in := input(person(t, "Петрова"), identity.KindIssue, "+375291110003")
			in.Surname, in.BirthDate = "Петренко", "1990-05-16"
			a, err := f.tryApply(t, in)
			refused(t, a, err, "uid.registry_mismatch")
			fe := wantCode(t, err, "uid.registry_mismatch")
			if got := fe.Params["fields"]; !slices.Equal(got.([]string), []string{"surname", "birth_date"}) {
				t.Errorf("mismatch fields %v", got)
			}
		})
		t.Run("names compare as people read them", func(t *testing.T) {
			in := input(person(t, "Новик"), identity.KindIssue, "+375291110004")
			in.Surname, in.Name, in.Patronymic = "НОВИК", "Ежи", " станиславович "
			if _, err := f.tryApply(t, in); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("p7 UID already assigned", func(t *testing.T) {
			p := person(t, "Ковальчук")
			f.issue(t, p, "+375291110005")
			a, err := f.tryApply(t, input(p, identity.KindIssue, "+375291110006"))
			refused(t, a, err, "uid.already_assigned")
		})
		t.Run("p7 phone used with another UID", func(t *testing.T) {
			f.issue(t, person(t, "Жукова"), "+375291110007")
			a, err := f.tryApply(t, input(person(t, "Гринкевич"), identity.KindIssue, "+375 29 111-00-07"))
			refused(t, a, err, "uid.phone_in_use")
		})
		t.Run("p7 phone not confirmed", func(t *testing.T) {
			p := person(t, "Лукашевич")
			a, err := f.svc.CreateApplication(ctx, f.office, input(p, identity.KindIssue, "+375291110008"))
			if err != nil {
				t.Fatal(err)
			}
			if a, err = f.svc.CheckRegistry(ctx, f.office.Code, a.ID); err != nil {
				t.Fatal(err)
			}
			// Completing without the code: the step is missing, the
			// application stays open.
			_, err = f.svc.Complete(ctx, f.office.Code, a.ID)
			wantCode(t, err, "uid.phone_not_confirmed")
			if _, err = f.svc.SendPhoneCode(ctx, f.office.Code, a.ID); err != nil {
				t.Fatal(err)
			}
			_, err = f.svc.Complete(ctx, f.office.Code, a.ID)
			wantCode(t, err, "uid.phone_not_confirmed")
			// A wrong code does not confirm it.
			right := f.code(t, a.Phone, identity.SMSVerifyPhone)
			wrong := "000000"
			if right == wrong {
				wrong = "111111"
			}
			_, err = f.svc.ConfirmPhone(ctx, f.office.Code, a.ID, wrong)
			fe := wantCode(t, err, "uid.code_wrong")
			if fe.Params["left"] != 4 {
				t.Errorf("attempts left %v", fe.Params["left"])
			}
			_, err = f.svc.Complete(ctx, f.office.Code, a.ID)
			wantCode(t, err, "uid.phone_not_confirmed")
			if _, err := f.svc.CitizenByUID(context.Background(), p.PIN); !errors.Is(err, fault.NotFound) {
				t.Errorf("UID assigned without a confirmed phone: %v", err)
			}
			if _, err := f.svc.ConfirmPhone(ctx, f.office.Code, a.ID, right); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Complete(ctx, f.office.Code, a.ID); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("phone taken between the steps", func(t *testing.T) {
			// A second officer issues with the same phone while the first
			// waits for the code: the last step checks again.
			p := person(t, "Петрова")
			a, err := f.svc.CreateApplication(ctx, f.office, input(p, identity.KindIssue, "+375331110009"))
			if err != nil {
				t.Fatal(err)
			}
			f.svc.CheckRegistry(ctx, f.office.Code, a.ID)
			f.svc.SendPhoneCode(ctx, f.office.Code, a.ID)
			if _, err := f.svc.ConfirmPhone(ctx, f.office.Code, a.ID, f.code(t, "+375331110009", identity.SMSVerifyPhone)); err != nil {
				t.Fatal(err)
			}
			f.reg.Set(identity.RegistryPerson{PIN: "5010105A021PB3", Surname: "Минич", Name: "Ян", BirthDate: "2005-01-01", DocumentValid: true})
			f.apply(t, identity.ApplicationInput{Kind: "issue", Surname: "Минич", Name: "Ян", BirthDate: "2005-01-01",
				PIN: "5010105A021PB3", Phone: "+375331110009", DocumentPresented: true})
			_, err = f.svc.Complete(ctx, f.office.Code, a.ID)
			refused(t, a, err, "uid.phone_in_use")
		})
	})
}

func TestRegistryUnavailable(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		a, err := f.svc.CreateApplication(f.officer, f.office, input(person(t, "Иванов"), identity.KindIssue, "+375291234567"))
		if err != nil {
			t.Fatal(err)
		}
		f.reg.SetDown(true)
		_, err = f.svc.CheckRegistry(f.officer, f.office.Code, a.ID)
		wantCode(t, err, "uid.registry_unavailable")
		if !errors.Is(err, fault.Unavailable) {
			t.Errorf("%v is not Unavailable", err)
		}
		f.reg.SetDown(false)
		if a, err = f.svc.CheckRegistry(f.officer, f.office.Code, a.ID); err != nil || a.State != identity.StateRegistryChecked {
			t.Fatalf("retry: %v %s", err, a.State)
		}
		// Steps out of order are refused without changing anything.
		_, err = f.svc.CheckRegistry(f.officer, f.office.Code, a.ID)
		wantCode(t, err, "uid.application_step")
		_, err = f.svc.ConfirmPhone(f.officer, f.office.Code, a.ID, "123456")
		wantCode(t, err, "uid.application_step")
	})
}

func TestApplicationCode(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := f.officer
		a, _ := f.svc.CreateApplication(ctx, f.office, input(person(t, "Иванов"), identity.KindIssue, "+375291234567"))
		f.svc.CheckRegistry(ctx, f.office.Code, a.ID)
		if _, err := f.svc.SendPhoneCode(ctx, f.office.Code, a.ID); err != nil {
			t.Fatal(err)
		}
		first := f.code(t, "+375291234567", identity.SMSVerifyPhone)
		// Not again within a minute.
		_, err := f.svc.SendPhoneCode(ctx, f.office.Code, a.ID)
		wantCode(t, err, "uid.code_too_soon")
		if !errors.Is(err, fault.TooMany) {
			t.Errorf("%v is not TooMany", err)
		}
		// The code is stored only as a keyed hash.
		var stored string
		f.db.R.QueryRow("SELECT code_hash FROM uid_codes ORDER BY id DESC LIMIT 1").Scan(&stored)
		if stored == first || strings.Contains(stored, first) || len(stored) != 64 {
			t.Errorf("stored code %q", stored)
		}
		// Five wrong entries void the code.
		wrong := "000000"
		if first == wrong {
			wrong = "111111"
		}
		for i := 1; i <= 5; i++ {
			_, err = f.svc.ConfirmPhone(ctx, f.office.Code, a.ID, wrong)
		}
		wantCode(t, err, "uid.code_exhausted")
		_, err = f.svc.ConfirmPhone(ctx, f.office.Code, a.ID, first)
		wantCode(t, err, "uid.code_missing")
		// A new code replaces it; it expires after ten minutes.
		f.clock.Advance(time.Minute)
		if _, err := f.svc.SendPhoneCode(ctx, f.office.Code, a.ID); err != nil {
			t.Fatal(err)
		}
		second := f.code(t, "+375291234567", identity.SMSVerifyPhone)
		f.clock.Advance(10 * time.Minute)
		_, err = f.svc.ConfirmPhone(ctx, f.office.Code, a.ID, second)
		wantCode(t, err, "uid.code_expired")
		_, err = f.svc.ConfirmPhone(ctx, f.office.Code, a.ID, "12a456")
		wantField(t, err, "code", identity.CodeCodeFormat)
		// The last good code works.
		f.svc.SendPhoneCode(ctx, f.office.Code, a.ID)
		if a, err = f.svc.ConfirmPhone(ctx, f.office.Code, a.ID, f.code(t, "+375291234567", identity.SMSVerifyPhone)); err != nil || a.State != identity.StatePhoneConfirmed {
			t.Fatalf("confirm: %v", err)
		}
		// The wrong entries are in the audit trail.
		n := 0
		for _, act := range f.actions(t, a.PIN) {
			if act == "uid.application.phone_confirm_failed" {
				n++
			}
		}
		if n != 8 {
			t.Errorf("%d failed confirmations audited; want 8", n)
		}
	})
}

func TestApplicationScope(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		a, err := f.svc.CreateApplication(f.officer, f.office, input(person(t, "Иванов"), identity.KindIssue, "+375291234567"))
		if err != nil {
			t.Fatal(err)
		}
		for name, fn := range map[string]func() error{
			"read":     func() error { _, err := f.svc.ReadApplication(f.officer, "other-oo", a.ID); return err },
			"registry": func() error { _, err := f.svc.CheckRegistry(f.officer, "other-oo", a.ID); return err },
			"paper":    func() error { _, _, err := f.svc.ApplicationPaper(f.officer, "other-oo", a.ID); return err },
		} {
			if err := fn(); !errors.Is(err, fault.NotFound) {
				t.Errorf("%s by another office: %v", name, err)
			}
		}
		// Every read by staff is audited with a reason.
		reads := func() (n int) {
			recs, _ := f.audit.List(context.Background(), auditQuery(a.PIN))
			for _, r := range recs {
				if r.Action == "uid.application.read" {
					n++
					if r.Reason == "" || r.ObjectID != a.Number() {
						t.Errorf("read record %+v", r)
					}
				}
			}
			return n
		}
		f.svc.ReadApplication(f.officer, f.office.Code, a.ID) // right after registering it
		if n := reads(); n != 1 {
			t.Errorf("%d reads recorded; want 1", n)
		}
		other := audit.WithActor(context.Background(), audit.Actor{ID: "staff:2", Role: audit.RoleIssuance, Body: "minsk-oo"})
		if _, err := f.svc.ReadApplication(other, f.office.Code, a.ID); err != nil {
			t.Fatal(err)
		}
		if n := reads(); n != 2 {
			t.Errorf("%d reads recorded; want 2 (another officer)", n)
		}
		if _, _, err := f.svc.ApplicationPaper(f.officer, f.office.Code, a.ID); err != nil {
			t.Fatal(err)
		}
		if n := reads(); n != 3 {
			t.Errorf("%d reads recorded; want 3 (the print)", n)
		}
		list, err := f.svc.Applications(context.Background(), f.office.Code, 10)
		if err != nil || len(list) != 1 || list[0].PINMasked != "3270***PB2" {
			t.Errorf("list %v %+v", err, list)
		}
	})
}

// p. 12: blocking at the office needs a valid document, matching data and
// an identifier that is not blocked.
func TestBlockAtOffice(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		p := person(t, "Иванов")
		c, token := f.activate(t, p, "+375291234567")

		t.Run("p12 no UID", func(t *testing.T) {
			_, err := f.tryApply(t, input(person(t, "Петрова"), identity.KindBlock, ""))
			wantCode(t, err, "uid.not_assigned")
		})
		t.Run("p12 data do not match", func(t *testing.T) {
			in := input(p, identity.KindBlock, "")
			in.Name = "Пётр"
			_, err := f.tryApply(t, in)
			wantCode(t, err, "uid.registry_mismatch")
		})
		t.Run("p12 document invalid", func(t *testing.T) {
			bad := p
			bad.DocumentValid = false
			f.reg.Set(bad)
			defer f.reg.Set(p)
			_, err := f.tryApply(t, input(p, identity.KindBlock, ""))
			wantCode(t, err, "uid.doc_invalid")
		})
		if got := f.reload(t, c); got.Status != identity.StatusActive {
			t.Fatal("blocked by a refused application")
		}
		a := f.apply(t, input(p, identity.KindBlock, ""))
		if a.State != identity.StateCompleted {
			t.Fatalf("state %s", a.State)
		}
		if got := f.reload(t, c); got.Status != identity.StatusBlocked || got.BlockedAt == nil {
			t.Fatalf("citizen %+v", got)
		}
		if _, err := f.sessions.Lookup(context.Background(), token); !errors.Is(err, auth.ErrNoSession) {
			t.Error("session survived the block")
		}
		f.sms.last(t, c.Phone, identity.SMSBlocked)
		t.Run("p12 already blocked", func(t *testing.T) {
			_, err := f.tryApply(t, input(p, identity.KindBlock, ""))
			wantCode(t, err, "uid.already_blocked")
		})
	})
}

// p. 13: unblocking at the office: valid document, confirmed phone not used
// with another UID, matching data, and a blocked identifier.
func TestUnblockAtOffice(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		p := person(t, "Иванов")
		c, _ := f.activate(t, p, "+375291234567")

		t.Run("p13 no UID", func(t *testing.T) {
			_, err := f.tryApply(t, input(person(t, "Петрова"), identity.KindUnblock, "+375291110001"))
			wantCode(t, err, "uid.not_assigned")
		})
		t.Run("p13 not blocked", func(t *testing.T) {
			_, err := f.tryApply(t, input(p, identity.KindUnblock, "+375291234567"))
			wantCode(t, err, "uid.not_blocked")
		})
		f.apply(t, input(p, identity.KindBlock, ""))
		t.Run("p13 document invalid", func(t *testing.T) {
			bad := p
			bad.DocumentValid = false
			f.reg.Set(bad)
			defer f.reg.Set(p)
			_, err := f.tryApply(t, input(p, identity.KindUnblock, "+375291234567"))
			wantCode(t, err, "uid.doc_invalid")
		})
		t.Run("p13 data do not match", func(t *testing.T) {
			in := input(p, identity.KindUnblock, "+375291234567")
			in.Patronymic = "Петрович"
			_, err := f.tryApply(t, in)
			wantCode(t, err, "uid.registry_mismatch")
		})
		t.Run("p13 phone used with another UID", func(t *testing.T) {
			f.issue(t, person(t, "Петрова"), "+375297654321")
			_, err := f.tryApply(t, input(p, identity.KindUnblock, "+375297654321"))
			wantCode(t, err, "uid.phone_in_use")
		})
		t.Run("p13 phone not confirmed", func(t *testing.T) {
			a, _ := f.svc.CreateApplication(f.officer, f.office, input(p, identity.KindUnblock, "+375291234567"))
			if _, err := f.svc.CheckRegistry(f.officer, f.office.Code, a.ID); err != nil {
				t.Fatal(err)
			}
			_, err := f.svc.Complete(f.officer, f.office.Code, a.ID)
			wantCode(t, err, "uid.phone_not_confirmed")
		})
		if got := f.reload(t, c); got.Status != identity.StatusBlocked {
			t.Fatal("unblocked by a refused application")
		}
		// Unblocked with a new confirmed number: the temporary password
		// goes there, and the history before the block is all there.
		f.clock.Advance(time.Minute)
		a := f.apply(t, input(p, identity.KindUnblock, "+375441234567"))
		got := f.reload(t, c)
		if a.State != identity.StateCompleted || got.Status != identity.StatusActive || got.Phone != "+375441234567" || got.PasswordKind != identity.PasswordTemporary {
			t.Fatalf("after unblock %+v", got)
		}
		temp := f.sms.last(t, "+375441234567", identity.SMSTempPassword).Params["password"].(string)
		l, err := f.svc.Login(context.Background(), string(p.PIN), temp, f.client)
		if err != nil || l.Stage != auth.StageChangePassword {
			t.Fatalf("login after unblock: %v %s", err, l.Stage)
		}
		acts := f.actions(t, p.PIN)
		for _, want := range []string{"uid.issue", "uid.password_set", "uid.block", "uid.unblock"} {
			if !slices.Contains(acts, want) {
				t.Errorf("history lacks %s: %v", want, acts)
			}
		}
	})
}

// p. 11: changing the phone at the office: valid document, confirmed phone
// not used with another UID, matching data, an identifier.
func TestChangePhoneAtOffice(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		p := person(t, "Иванов")
		c, token := f.activate(t, p, "+375291234567")

		t.Run("p11 no UID", func(t *testing.T) {
			_, err := f.tryApply(t, input(person(t, "Петрова"), identity.KindChangePhone, "+375291110001"))
			wantCode(t, err, "uid.not_assigned")
		})
		t.Run("p11 same phone", func(t *testing.T) {
			_, err := f.tryApply(t, input(p, identity.KindChangePhone, "+375291234567"))
			wantCode(t, err, "uid.phone_same")
		})
		t.Run("p11 document invalid", func(t *testing.T) {
			bad := p
			bad.DocumentValid = false
			f.reg.Set(bad)
			defer f.reg.Set(p)
			_, err := f.tryApply(t, input(p, identity.KindChangePhone, "+375291110002"))
			wantCode(t, err, "uid.doc_invalid")
		})
		t.Run("p11 data do not match", func(t *testing.T) {
			in := input(p, identity.KindChangePhone, "+375291110003")
			in.BirthDate = "1987-02-28"
			_, err := f.tryApply(t, in)
			wantCode(t, err, "uid.registry_mismatch")
		})
		t.Run("p11 phone used with another UID", func(t *testing.T) {
			f.issue(t, person(t, "Петрова"), "+375297654321")
			_, err := f.tryApply(t, input(p, identity.KindChangePhone, "+375297654321"))
			wantCode(t, err, "uid.phone_in_use")
		})
		t.Run("p11 phone not confirmed", func(t *testing.T) {
			a, _ := f.svc.CreateApplication(f.officer, f.office, input(p, identity.KindChangePhone, "+375291110004"))
			f.svc.CheckRegistry(f.officer, f.office.Code, a.ID)
			_, err := f.svc.Complete(f.officer, f.office.Code, a.ID)
			wantCode(t, err, "uid.phone_not_confirmed")
		})
		if got := f.reload(t, c); got.Phone != "+375291234567" {
			t.Fatal("phone changed by a refused application")
		}
		f.clock.Advance(time.Minute)
		f.apply(t, input(p, identity.KindChangePhone, "+375251234567"))
		if got := f.reload(t, c); got.Phone != "+375251234567" || got.PasswordKind != identity.PasswordStatic {
			t.Fatalf("after change %+v", got)
		}
		if _, err := f.sessions.Lookup(context.Background(), token); !errors.Is(err, auth.ErrNoSession) {
			t.Error("session survived the phone change")
		}
		// The old number is free for someone else now.
		f.issue(t, person(t, "Ковальчук"), "+375291234567")
	})
}

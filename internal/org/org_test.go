package org_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/fault"
	"odnookno/internal/identity"
	"odnookno/internal/org"
	"odnookno/internal/store"
	"odnookno/internal/store/storetest"
)

func TestStaffLogin(t *testing.T) {
	storetest.Each(t, []store.Module{audit.Module, org.Module}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		s := org.New(db, audit.New(db, clock), clock, identity.TestHashParams)
		if _, err := s.EnsureBody(ctx, org.Body{Code: "b1", NameRU: "Орган", NameBE: "Орган", Kinds: []string{org.KindAuthorized}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.EnsureStaff(ctx, org.NewStaff{BodyCode: "b1", Login: "x", FullName: "Х", Roles: []string{"wizard"}, Password: "short"}); !errors.Is(err, fault.Invalid) {
			t.Fatalf("unknown role and weak password accepted: %v", err)
		}
		st, err := s.EnsureStaff(ctx, org.NewStaff{BodyCode: "b1", Login: "ivanova", FullName: "Иванова", Roles: []string{org.RoleOfficer}, Password: "correct horse battery"})
		if err != nil || !st.Has(org.RoleOfficer) || st.Body.Code != "b1" {
			t.Fatalf("create: %+v %v", st, err)
		}
		if _, err := s.Authenticate(ctx, "ivanova", "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		_, errUnknown := s.Authenticate(ctx, "nobody", "correct horse battery")
		_, errWrong := s.Authenticate(ctx, "ivanova", "wrong password!")
		if !errors.Is(errUnknown, fault.Unauthorized) || errUnknown.Error() != errWrong.Error() {
			t.Fatalf("unknown login and wrong password must look the same: %v / %v", errUnknown, errWrong)
		}
		for range 4 {
			_, _ = s.Authenticate(ctx, "ivanova", "wrong password!")
		}
		if _, err := s.Authenticate(ctx, "ivanova", "correct horse battery"); !errors.Is(err, fault.TooMany) {
			t.Fatalf("five failures must lock the account: %v", err)
		}
		now = now.Add(16 * time.Minute)
		if _, err := s.Authenticate(ctx, "ivanova", "correct horse battery"); err != nil {
			t.Fatalf("the lock must expire: %v", err)
		}
		n, err := audit.New(db, clock).Verify(ctx)
		if err != nil || n < 7 {
			t.Fatalf("audit: %d records, %v", n, err)
		}
	})
}

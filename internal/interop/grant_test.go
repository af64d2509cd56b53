package interop_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/fault"
	"odnookno/internal/interop"
	"odnookno/internal/org"
	"odnookno/internal/signature"
	"odnookno/internal/store"
)

func TestGrantLifecycle(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		f.seed(t, "http://127.0.0.1:1")
		req := interop.GrantRequest{StaffID: f.officer.ID, Resource: "mvd", Service: "person",
			Evidence: interop.CertEvidence{Certificate: f.officerCert}}

		// Only the operator asks, and only with the user's certificate in hand.
		if _, err := f.svc.RequestGrant(ctx, f.officer, req); !errors.Is(err, fault.Forbidden) {
			t.Fatalf("an officer asked for access: %v", err)
		}
		if _, err := f.svc.RequestGrant(ctx, f.operator, interop.GrantRequest{StaffID: f.officer.ID, Resource: "mvd", Service: "person"}); code(err) != interop.CodeCertRequired {
			t.Fatalf("no certificate: %v", err)
		}
		if _, err := f.svc.RequestGrant(ctx, f.operator, interop.GrantRequest{StaffID: f.officer.ID, Resource: "mvd", Service: "nope",
			Evidence: req.Evidence}); !errors.Is(err, fault.NotFound) {
			t.Fatalf("unknown service: %v", err)
		}
		if ok, _ := f.svc.CanQuery(ctx, f.officer.ID, "mvd", "person"); ok {
			t.Fatal("access before any grant")
		}

		g, err := f.svc.RequestGrant(ctx, f.operator, req)
		if err != nil || g.State != interop.GrantRequested || g.CertSerial == "" || g.CertNotAfter.Before(time.Now()) {
			t.Fatalf("request: %+v %v", g, err)
		}
		if _, err := f.svc.RequestGrant(ctx, f.operator, req); !errors.Is(err, fault.Conflict) {
			t.Fatalf("a second open grant for the same service: %v", err)
		}
		if ok, _ := f.svc.CanQuery(ctx, f.officer.ID, "mvd", "person"); ok {
			t.Fatal("a requested grant is not access")
		}
		// Only the owner's resource_owner staff decide.
		for _, who := range []org.Staff{f.outsider, f.operator, f.officer} {
			if _, err := f.svc.ApproveGrant(ctx, who, g.ID); !errors.Is(err, fault.Forbidden) {
				t.Fatalf("%s approved: %v", who.Login, err)
			}
		}
		if n := count(t, db, "SELECT COUNT(*) FROM test_mails"); n != 0 {
			t.Fatalf("mails before a decision: %d", n)
		}
		g, err = f.svc.ApproveGrant(ctx, f.owner, g.ID)
		if err != nil || g.State != interop.GrantApproved || g.DecidedBy == "" {
			t.Fatalf("approve: %+v %v", g, err)
		}
		if ok, _ := f.svc.CanQuery(ctx, f.officer.ID, "mvd", "person"); !ok {
			t.Fatal("no access after approval")
		}
		// The user and their body are told (P3.3).
		for _, to := range []string{"ivanova@minsk.test", "oo@minsk.test"} {
			if n := count(t, db, "SELECT COUNT(*) FROM test_mails WHERE recipient = $1 AND kind = $2", to, interop.MailGrantApproved); n != 1 {
				t.Fatalf("%s got %d approval mails", to, n)
			}
		}
		if _, err := f.svc.ApproveGrant(ctx, f.owner, g.ID); !errors.Is(err, fault.Conflict) {
			t.Fatalf("approved twice: %v", err)
		}
		if _, err := f.svc.RevokeGrant(ctx, f.owner, g.ID, ""); code(err) != interop.CodeReasonRequired {
			t.Fatalf("revoked without reason: %v", err)
		}
		if _, err := f.svc.RevokeGrant(ctx, f.outsider, g.ID, "не ваш"); !errors.Is(err, fault.Forbidden) {
			t.Fatalf("an outsider revoked: %v", err)
		}
		g, err = f.svc.RevokeGrant(ctx, f.owner, g.ID, "сотрудник переведён")
		if err != nil || g.State != interop.GrantRevoked || g.RevokedAt.IsZero() {
			t.Fatalf("revoke: %+v %v", g, err)
		}
		if ok, _ := f.svc.CanQuery(ctx, f.officer.ID, "mvd", "person"); ok {
			t.Fatal("access after revocation")
		}

		// Asked again, refused: the reason reaches the user, access stays closed.
		g2, err := f.svc.RequestGrant(ctx, f.operator, req)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RefuseGrant(ctx, f.owner, g2.ID, "  "); code(err) != interop.CodeReasonRequired {
			t.Fatalf("refused without reason: %v", err)
		}
		g2, err = f.svc.RefuseGrant(ctx, f.owner, g2.ID, "нет соглашения")
		if err != nil || g2.State != interop.GrantRefused || g2.Reason != "нет соглашения" {
			t.Fatalf("refuse: %+v %v", g2, err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM test_mails WHERE kind = $1 AND params LIKE $2", interop.MailGrantRefused, "%нет соглашения%"); n != 2 {
			t.Fatalf("refusal mails: %d", n)
		}
		if ok, _ := f.svc.CanQuery(ctx, f.officer.ID, "mvd", "person"); ok {
			t.Fatal("access after refusal")
		}
		if _, err := f.svc.RevokeGrant(ctx, f.operator, g2.ID, "x"); !errors.Is(err, fault.Conflict) {
			t.Fatalf("revoked a refused grant: %v", err)
		}
		if gs, err := f.svc.Grants(ctx, interop.GrantQuery{Owner: "mvd"}); err != nil || len(gs) != 2 {
			t.Fatalf("owner's console: %d %v", len(gs), err)
		}
		if gs, _ := f.svc.Grants(ctx, interop.GrantQuery{Owner: "nka"}); len(gs) != 0 {
			t.Fatalf("another owner sees %d grants", len(gs))
		}

		// Every step is in the audit trail, which still verifies.
		recs, err := f.audit.List(ctx, audit.Query{ActionLike: "interop.grant."})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for i := len(recs) - 1; i >= 0; i-- {
			actions = append(actions, recs[i].Action)
		}
		want := []string{"interop.grant.requested", "interop.grant.approved", "interop.grant.revoked", "interop.grant.requested", "interop.grant.refused"}
		if len(actions) != len(want) {
			t.Fatalf("audited %v, want %v", actions, want)
		}
		for i := range want {
			if actions[i] != want[i] {
				t.Fatalf("audited %v, want %v", actions, want)
			}
		}
		if _, err := f.audit.Verify(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// TestGrantCertificateCheck: the operator asks for access only for a user
// with a current certificate of their own on record (P3.3).
func TestGrantCertificateCheck(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		f.seed(t, "")
		other := newPKI(t) // a CA we do not trust
		_, foreign := other.issue(t, signature.IssueRequest{Name: "Иванова Мария", FileBase: "foreign"})
		_, colleague := f.pki.issue(t, signature.IssueRequest{Name: "Коллега", FileBase: "colleague"})
		expiredKey, expired := f.pki.issue(t, signature.IssueRequest{Name: "Иванова Мария", FileBase: "expired",
			NotBefore: time.Now().Add(-72 * time.Hour), ValidFor: 24 * time.Hour})
		noCert, err := f.org.EnsureStaff(ctx, org.NewStaff{BodyCode: "minsk-oo", Login: "nocert", FullName: "Без ЭЦП",
			Roles: []string{org.RoleOfficer}, Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		expiredStaff, err := f.org.EnsureStaff(ctx, org.NewStaff{BodyCode: "minsk-oo", Login: "expired", FullName: "Просрочен",
			Roles: []string{org.RoleOfficer}, Password: "correct horse battery", CertSerial: serialOf(expiredKey)})
		if err != nil {
			t.Fatal(err)
		}
		signed, err := f.officerKey.Sign([]byte("access to mvd/person"))
		if err != nil {
			t.Fatal(err)
		}
		forged, _ := f.pki.platform.Sign([]byte("access to mvd/person"))

		for _, tc := range []struct {
			name  string
			staff int64
			ev    interop.CertEvidence
			want  string
		}{
			{"no certificate on record", noCert.ID, interop.CertEvidence{Certificate: f.officerCert}, interop.CodeNoCertificate},
			{"nothing presented", f.officer.ID, interop.CertEvidence{}, interop.CodeCertRequired},
			{"garbage", f.officer.ID, interop.CertEvidence{Certificate: []byte("not a certificate")}, interop.CodeCertInvalid},
			{"untrusted issuer", f.officer.ID, interop.CertEvidence{Certificate: foreign}, interop.CodeCertInvalid},
			{"someone else's certificate", f.officer.ID, interop.CertEvidence{Certificate: colleague}, interop.CodeCertMismatch},
			{"expired", expiredStaff.ID, interop.CertEvidence{Certificate: expired}, interop.CodeCertExpired},
			{"signature by someone else", f.officer.ID, interop.CertEvidence{Data: []byte("access to mvd/person"), Signature: forged}, interop.CodeCertMismatch},
			{"signature over other data", f.officer.ID, interop.CertEvidence{Data: []byte("tampered"), Signature: signed}, interop.CodeCertInvalid},
			{"the user's own signature", f.officer.ID, interop.CertEvidence{Data: []byte("access to mvd/person"), Signature: signed}, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				g, err := f.svc.RequestGrant(ctx, f.operator, interop.GrantRequest{StaffID: tc.staff, Resource: "mvd", Service: "person", Evidence: tc.ev})
				if code(err) != tc.want {
					t.Fatalf("got %q (%v), want %q", code(err), err, tc.want)
				}
				if tc.want == "" && g.CertSerial != serialOf(f.officerKey) {
					t.Fatalf("recorded serial %s", g.CertSerial)
				}
				if tc.want != "" && !errors.Is(err, fault.Invalid) {
					t.Fatalf("a certificate problem is invalid input: %v", err)
				}
			})
		}
		if n := count(t, db, "SELECT COUNT(*) FROM interop_grants"); n != 1 {
			t.Fatalf("%d grants; only the checked one may exist", n)
		}
	})
}

package document_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"odnookno/internal/document"
	"odnookno/internal/fault"
	"odnookno/internal/signature"
	"odnookno/internal/store"
	"odnookno/internal/store/storetest"
)

func devSigner(t *testing.T, dir, name string) (signature.Signer, *signature.Verifier) {
	t.Helper()
	if err := signature.DevCA(dir, time.Now()); err != nil {
		t.Fatal(err)
	}
	crt, key, err := signature.Issue(dir, signature.IssueRequest{Name: name, Organization: "Мингорисполком"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := signature.LoadSigner(crt, key)
	if err != nil {
		t.Fatal(err)
	}
	roots, err := signature.LoadPool(filepath.Join(dir, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := signature.NewVerifier(roots, nil, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

func TestRegistry(t *testing.T) {
	storetest.Each(t, []store.Module{document.Module}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		signer, verifier := devSigner(t, t.TempDir(), "Руководитель Иван Петрович")
		otherSigner, _ := devSigner(t, t.TempDir(), "Чужой")
		reg := document.NewRegistry(db, verifier, "https://oo.example", nil)
		d := document.Document{Kind: document.Decision, Lang: "ru", RegNumber: "MGI-2026-00042", Date: time.Now(),
			Issuer: "Мингорисполком", Recipient: "Иванов Иван Иванович", Title: "", Paragraphs: []string{"Выдать справку."}}

		var is document.Issued
		var pdf []byte
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			is, pdf, err = reg.Issue(ctx, tx, d, document.Meta{SubjectUID: "3270287A012PB2", CaseNumber: "MGI-2026-00042"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		c, err := reg.Verify(ctx, is.Code)
		if err != nil || !c.Intact || c.Signed || !c.MatchesFile(pdf) {
			t.Fatalf("unsigned check %+v %v", c, err)
		}

		// A signature by a certificate from another CA is refused.
		bad, _ := otherSigner.Sign(pdf)
		err = db.Tx(ctx, func(tx *sql.Tx) error { _, err := reg.Sign(ctx, tx, is.Code, bad); return err })
		if !errors.Is(err, fault.Invalid) {
			t.Fatalf("untrusted signature accepted: %v", err)
		}
		sig, _ := signer.Sign(pdf)
		err = db.Tx(ctx, func(tx *sql.Tx) error { _, err := reg.Sign(ctx, tx, is.Code, sig); return err })
		if err != nil {
			t.Fatal(err)
		}
		// Lower case and no dashes are accepted spellings of the code.
		c, err = reg.Verify(ctx, lowerNoDash(is.Code))
		if err != nil || !c.Valid || c.Identity.CommonName != "Руководитель Иван Петрович" {
			t.Fatalf("signed check %+v %v", c, err)
		}
		err = db.Tx(ctx, func(tx *sql.Tx) error { _, err := reg.Sign(ctx, tx, is.Code, sig); return err })
		if !errors.Is(err, fault.Conflict) {
			t.Fatalf("second signature: %v", err)
		}

		// Tampering with the stored bytes is found.
		tampered := append([]byte{}, pdf...)
		tampered[len(tampered)/2] ^= 1
		storetest.Exec(t, db, "UPDATE documents SET pdf = $1 WHERE code = $2", tampered, is.Code)
		c, err = reg.Verify(ctx, is.Code)
		if err != nil || c.Intact || c.Valid {
			t.Fatalf("tampered document passed: %+v %v", c, err)
		}
		if _, err := reg.ByCode(ctx, "ZZZZ-ZZZZ-ZZZZ"); !errors.Is(err, fault.NotFound) {
			t.Fatalf("unknown code: %v", err)
		}
	})
}

func lowerNoDash(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' {
			continue
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		out = append(out, c)
	}
	return string(out)
}

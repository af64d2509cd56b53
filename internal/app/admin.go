package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/signature"
)

func cmdAudit(ctx context.Context, args []string, io IO) error {
	if len(args) == 0 || args[0] != "verify" {
		return usageError{"usage: odnookno audit verify [--db …]"}
	}
	fs := newFlags("audit verify", io)
	get := bindConfig(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg, err := get()
	if err != nil {
		return err
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := audit.New(db, nil).Verify(ctx)
	var p *audit.Problem
	if errors.As(err, &p) {
		fmt.Fprintf(io.Out, "BROKEN at record %d: %s (%d records read)\n", p.Seq, p.Reason, n)
		return fmt.Errorf("audit chain broken at record %d", p.Seq)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(io.Out, "OK: %d records, chain intact\n", n)
	return nil
}

const pkiUsage = `usage:
  odnookno pki dev-ca --dir DIR
  odnookno pki issue --dir DIR --name NAME [--org ORG] [--unit UNIT] [--serial SERIAL] [--email EMAIL] [--days N] [--file BASE]`

func cmdPKI(ctx context.Context, args []string, io IO) error {
	if len(args) == 0 {
		return usageError{pkiUsage}
	}
	fs := newFlags("pki "+args[0], io)
	dir := fs.String("dir", "pki", "folder of the development CA")
	name := fs.String("name", "", "subject common name (a person or a system)")
	orgName := fs.String("org", "", "organization")
	unit := fs.String("unit", "", "organizational unit")
	serial := fs.String("serial", "", "subject serial number (personal identification number or staff id)")
	email := fs.String("email", "", "e-mail address")
	days := fs.Int("days", 730, "validity in days")
	file := fs.String("file", "", "base name of the .crt and .key files (default: derived from --name)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch args[0] {
	case "dev-ca":
		if err := signature.DevCA(*dir, time.Now()); err != nil {
			return err
		}
		fmt.Fprintf(io.Out, "development CA created: %s/ca.crt (key %s/ca.key)\n", *dir, *dir)
		return nil
	case "issue":
		if *name == "" {
			return usageError{pkiUsage}
		}
		crt, key, err := signature.Issue(*dir, signature.IssueRequest{
			Name: *name, Organization: *orgName, Unit: *unit, SerialNumber: *serial, Email: *email,
			ValidFor: time.Duration(*days) * 24 * time.Hour, FileBase: *file,
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(io.Out, "certificate %s\nkey         %s\n", crt, key)
		return nil
	}
	return usageError{pkiUsage}
}

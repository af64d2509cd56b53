package app

import (
	"context"
	"crypto/x509"
	"database/sql"
	"fmt"

	"odnookno/internal/audit"
	"odnookno/internal/catalog"
	"odnookno/internal/interop"
	"odnookno/internal/notify"
	"odnookno/internal/signature"
)

// mailAdapter sends interop's e-mails (grant decisions, late answers)
// through the outbox.
type mailAdapter struct{ n *notify.Service }

func (a mailAdapter) EnqueueTx(ctx context.Context, tx *sql.Tx, m interop.Mail) error {
	if m.To == "" {
		return nil // no address on record: the console shows the outcome
	}
	_, err := a.n.EnqueueTx(ctx, tx, notify.Message{Channel: notify.ChannelEmail, To: m.To, Kind: m.Kind, Lang: m.Lang, Params: m.Params, Link: m.Link})
	return err
}

// buildInterop wires the inter-agency request complex. Its answers reach
// cases through SetSink once the cases service exists.
func (s *System) buildInterop() error {
	roots, err := signature.LoadPool(s.PKI.Roots...)
	if err != nil {
		return err
	}
	var mailer interop.Mailer
	if s.Config.SMTPHost != "" {
		mailer = mailAdapter{s.Notify}
	}
	s.Interop, err = interop.New(interop.Config{
		DB: s.DB, Queue: s.Queue, Audit: s.Audit, Directory: s.Org, Calendar: s.Calendar,
		Signer: s.PKI.Platform, Verifier: s.PKI.Verifier, TrustedRoots: append([]*x509.Certificate(nil), roots...),
		Documents: s.Docs, Mailer: mailer, Logger: s.Log,
	})
	if err != nil {
		return fmt.Errorf("interop: %w", err)
	}
	s.Interop.Register(s.Workers)
	s.Periodic = append(s.Periodic, s.Interop.Periodic()...)
	return nil
}

// seedResources registers the simulated information resources at url.
func (s *System) seedResources(ctx context.Context, url string) error {
	_, err := s.Interop.Seed(ctx, interop.SeedConfig{BaseURL: url, BindSigners: true, Actor: audit.System})
	return err
}

// owners answers who owns an information resource: the interop registry,
// then the demo catalogue's list for resources the registry does not serve.
type owners struct {
	registry *interop.Service
	fallback catalog.ResourceOwners
}

func (o owners) OwnerOf(ctx context.Context, resource string) (string, error) {
	code, err := o.registry.OwnerOf(ctx, resource)
	if err == nil || o.fallback == nil {
		return code, err
	}
	if c, ferr := o.fallback.OwnerOf(ctx, resource); ferr == nil {
		return c, nil
	}
	return code, err
}

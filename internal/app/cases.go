package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"odnookno/internal/cases"
	"odnookno/internal/catalog"
	"odnookno/internal/fault"
	"odnookno/internal/notify"
	"odnookno/internal/org"
)

// regulations gives cases what it needs of a catalogue regulation.
type regulations struct {
	cat *catalog.Service
	now func() time.Time
}

func (r regulations) Get(ctx context.Context, procedureID int64, version int) (cases.Regulation, error) {
	reg, err := r.cat.Version(ctx, procedureID, version)
	if err != nil {
		return cases.Regulation{}, err
	}
	return r.convert(ctx, reg)
}

func (r regulations) Active(ctx context.Context, procedureID int64) (cases.Regulation, error) {
	reg, err := r.cat.ActiveFor(ctx, procedureID, r.now())
	if err != nil {
		return cases.Regulation{}, err
	}
	return r.convert(ctx, reg)
}

func (r regulations) convert(ctx context.Context, reg *catalog.Regulation) (cases.Regulation, error) {
	p, err := r.cat.Procedure(ctx, reg.ProcedureID)
	if err != nil {
		return cases.Regulation{}, err
	}
	out := cases.Regulation{
		ProcedureID: reg.ProcedureID, Version: reg.Version, Number: p.Number, Name: p.NameRU,
		Bodies: slices.Clone(reg.AuthorizedBodies), Term: reg.Term, ExtendedTerm: reg.ExtendedTerm,
		OnlineAllowed: reg.Online(), ComplaintBody: reg.Complaints.Body, ComplaintTerm: reg.Complaints.Term,
		SuspensionAllowed: reg.SuspensionAllowed,
	}
	for _, g := range reg.RefusalGrounds {
		out.RefusalGrounds = append(out.RefusalGrounds, cases.Ground{Code: g.Code, Text: g.Text.RU})
	}
	for _, d := range reg.Documents {
		out.Documents = append(out.Documents, cases.DocumentRequirement{Code: d.Code, Name: d.NameRU,
			Required: d.Required == catalog.Always, MaxSize: d.MaxSize, Types: slices.Clone(d.FileTypes)})
	}
	return out, nil
}

// forms validates an application's form against its regulation's schema.
type forms struct{ cat *catalog.Service }

func (f forms) ValidateForm(ctx context.Context, reg cases.Regulation, form json.RawMessage) error {
	r, err := f.cat.Version(ctx, reg.ProcedureID, reg.Version)
	if err != nil {
		return err
	}
	var values map[string]string
	if err := json.Unmarshal(form, &values); err != nil {
		return fault.New(fault.Invalid, cases.CodeFormInvalid, nil)
	}
	// Files are checked by cases against the regulation's documents.
	_, err = r.NormalizeApplication(values, nil)
	var fe *fault.Error
	if errors.As(err, &fe) {
		// Missing file fields are the attachments' business, not the form's.
		var kept []fault.Field
		for _, x := range fe.Fields {
			if fld, ok := r.Field(x.Field); ok && fld.Type == catalog.FieldFile {
				continue
			}
			kept = append(kept, x)
		}
		if len(kept) == 0 {
			return nil
		}
		return fault.Fields(kept...)
	}
	return err
}

// directory gives cases staff and bodies from org.
type directory struct{ org *org.Service }

func (d directory) StaffMember(ctx context.Context, id int64) (cases.StaffMember, error) {
	st, err := d.org.StaffByID(ctx, id)
	if err != nil {
		return cases.StaffMember{}, err
	}
	return cases.StaffMember{ID: st.ID, BodyCode: st.Body.Code, Name: st.FullName, Email: st.Email, Roles: st.Roles,
		Active: st.Status == "active" && st.Body.Status == "active", CertSerial: st.CertSerial}, nil
}

func (d directory) Body(ctx context.Context, code string) (cases.Body, error) {
	b, err := d.org.BodyByCode(ctx, code)
	if err != nil {
		return cases.Body{}, err
	}
	return cases.Body{Code: b.Code, NameRU: b.NameRU, NameBE: b.NameBE}, nil
}

// notices sends cases' notices through the outbox.
type notices struct{ n *notify.Service }

func (a notices) EnqueueTx(ctx context.Context, tx *sql.Tx, n cases.Notice) error {
	_, err := a.n.EnqueueTx(ctx, tx, notify.Message{Channel: n.Channel, To: n.To, CitizenID: n.CitizenID, Kind: n.Kind,
		Lang: n.Lang, Params: n.Params, Link: n.Link})
	return err
}

// buildCases wires applications and complaints.
func (s *System) buildCases() error {
	files, err := cases.NewFileStore(filepath.Join(s.Config.DataDir, "files"), 20<<20, cases.DefaultScanner{})
	if err != nil {
		return err
	}
	s.Cases, err = cases.New(cases.Deps{
		DB: s.DB, Audit: s.Audit, Queue: s.Queue, Documents: s.Docs, Calendars: s.Calendar,
		Regulations: regulations{cat: s.Procedures, now: time.Now}, Directory: directory{s.Org},
		Notifier: notices{s.Notify}, Forms: forms{s.Procedures}, Files: files, Text: s.Messages,
	}, cases.Options{Logger: s.Log, WarnDays: s.Config.WarnDays})
	if err != nil {
		return fmt.Errorf("cases: %w", err)
	}
	s.Cases.AddWorkers(s.Workers)
	return nil
}

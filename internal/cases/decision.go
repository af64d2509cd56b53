package cases

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"odnookno/internal/document"
	"odnookno/internal/fault"
	"odnookno/internal/signature"
)

// Decision outcomes of an application.
const (
	OutcomeGrant  = "grant"
	OutcomeRefuse = "refuse"
)

// IssuedDocument is the document a granted procedure results in (a
// certificate, permit, extract), printed in the decision.
type IssuedDocument struct {
	Title      string           `json:"title"`
	Number     string           `json:"number,omitempty"`
	ValidUntil string           `json:"valid_until,omitempty"` // YYYY-MM-DD
	Fields     []document.Field `json:"fields,omitempty"`
}

// DecisionDraft is what the officer decides.
type DecisionDraft struct {
	Outcome   string          // OutcomeGrant or OutcomeRefuse
	Grounds   []string        // refusal: codes from the regulation's RefusalGrounds
	Reasoning string          // the decision's own words
	Issued    *IssuedDocument // grant: the document issued
}

// Decision is a drafted (and perhaps signed) decision on an application or
// a complaint.
type Decision struct {
	ID           int64
	Outcome      string
	Grounds      []Ground
	Reasoning    string
	Issued       *IssuedDocument
	DocumentCode string
	Status       string // "draft", "returned", "signed"
	DraftedBy    string
	DraftedAt    time.Time
	SignedBy     string
	Signer       string // the certificate's common name
	SignedAt     time.Time
}

// DraftDecision drafts the decision and renders it as a PDF (unsigned,
// hidden from the citizen) for the head to sign. Refusal grounds must each
// be in the regulation's list.
func (s *Service) DraftDecision(ctx context.Context, actor Actor, id int64, version int, in DecisionDraft) (Application, error) {
	in.Reasoning = strings.TrimSpace(in.Reasoning)
	switch in.Outcome {
	case OutcomeGrant:
		if in.Issued == nil || strings.TrimSpace(in.Issued.Title) == "" {
			return Application{}, required("issued.title", CodeIssuedRequired)
		}
		if in.Issued.ValidUntil != "" {
			if _, err := parseDate(in.Issued.ValidUntil); err != nil {
				return Application{}, fault.Fields(fault.Field{Field: "issued.valid_until", Code: CodeFormInvalid})
			}
		}
	case OutcomeRefuse:
	default:
		return Application{}, fault.Fields(fault.Field{Field: "outcome", Code: CodeOutcomeInvalid})
	}
	return s.withApp(ctx, actor, id, version, func(tx *sql.Tx, app *Application) error {
		return s.step(ctx, tx, app, actor, ActDraftDecision, func(c *change) error {
			reg, err := s.regulation(ctx, app)
			if err != nil {
				return err
			}
			var grounds []Ground
			if in.Outcome == OutcomeRefuse {
				if grounds, err = pickGrounds(reg.RefusalGrounds, in.Grounds); err != nil {
					return err
				}
			}
			d := s.decisionDocument(ctx, app, reg, in, grounds, c.now)
			is, pd, err := s.issue(ctx, tx, d, document.Meta{SubjectUID: app.Applicant.UID, CaseNumber: app.RegNumber}, "decision", "draft")
			if err != nil {
				return err
			}
			c.docs = append(c.docs, pd)
			gj, _ := json.Marshal(grounds)
			ij := []byte("{}")
			if in.Issued != nil {
				ij, _ = json.Marshal(in.Issued)
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO case_decisions (subject_kind, subject_id, outcome, grounds, reasoning, issued,
				document_code, status, drafted_by, drafted_at) VALUES ($1,$2,$3,$4,$5,$6,$7,'draft',$8,$9)`,
				subjectApplication, app.ID, in.Outcome, string(gj), in.Reasoning, string(ij), is.Code, actor.ID(), c.now)
			if err != nil {
				return fmt.Errorf("cases: store decision: %w", err)
			}
			c.event.details = map[string]any{"outcome": in.Outcome, "grounds": codes(grounds), "document": is.Code}
			c.event.internal = true // the citizen learns of the decision once it is signed
			return nil
		})
	})
}

func (s *Service) decisionDocument(ctx context.Context, app *Application, reg Regulation, in DecisionDraft, grounds []Ground, now time.Time) document.Document {
	l := app.Lang
	fields := []document.Field{
		{Label: s.t(l, "case.doc.field.number"), Value: app.RegNumber},
		{Label: s.t(l, "case.doc.field.registered"), Value: dotDate(app.RegDate)},
		{Label: s.t(l, "case.doc.field.procedure"), Value: strings.TrimSpace(reg.Number + " " + reg.Name)},
	}
	var paras []string
	title := s.t(l, "case.doc.decision.grant_title")
	if in.Outcome == OutcomeGrant {
		paras = append(paras, s.t(l, "case.doc.decision.grant_text"))
		fields = append(fields, document.Field{Label: s.t(l, "case.doc.field.issued"), Value: in.Issued.Title})
		if in.Issued.Number != "" {
			fields = append(fields, document.Field{Label: s.t(l, "case.doc.field.issued_number"), Value: in.Issued.Number})
		}
		if in.Issued.ValidUntil != "" {
			fields = append(fields, document.Field{Label: s.t(l, "case.doc.field.valid_until"), Value: dotDate(in.Issued.ValidUntil)})
		}
		fields = append(fields, in.Issued.Fields...)
	} else {
		title = s.t(l, "case.doc.decision.refuse_title")
		paras = append(paras, s.t(l, "case.doc.decision.refuse_text"), s.t(l, "case.doc.grounds_heading"))
		for _, g := range grounds {
			paras = append(paras, "— "+g.Text)
		}
	}
	if in.Reasoning != "" {
		paras = append(paras, in.Reasoning)
	}
	paras = append(paras, s.t(l, "case.doc.appeal"))
	return document.Document{Kind: document.Decision, Lang: l, RegNumber: app.RegNumber, Date: now,
		Issuer: s.bodyName(ctx, app.BodyCode, l), Title: title, Recipient: app.Applicant.FullName(), Fields: fields,
		Paragraphs: paras, SignatoryTitle: s.t(l, "case.doc.signatory")}
}

// ReturnDraft sends the drafted decision back for rework (the head
// disagrees, or the officer wants to change it). The draft's PDF stays in
// the registry, marked superseded.
func (s *Service) ReturnDraft(ctx context.Context, actor Actor, id int64, version int, comment string) (Application, error) {
	return s.withApp(ctx, actor, id, version, func(tx *sql.Tx, app *Application) error {
		return s.step(ctx, tx, app, actor, ActReturnDraft, func(c *change) error {
			c.event.comment, c.event.internal = strings.TrimSpace(comment), true
			return s.supersedeDraft(ctx, tx, subjectApplication, app.ID)
		})
	})
}

func (s *Service) supersedeDraft(ctx context.Context, tx *sql.Tx, subject string, id int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE case_decisions SET status = 'returned' WHERE subject_kind = $1 AND subject_id = $2 AND status = 'draft'`,
		subject, id); err != nil {
		return fmt.Errorf("cases: return draft: %w", err)
	}
	_, err := tx.ExecContext(ctx, `UPDATE case_documents SET status = 'superseded' WHERE subject_kind = $1 AND subject_id = $2 AND status = 'draft'`,
		subject, id)
	return err
}

// draftDecision returns the decision awaiting signature.
func (s *Service) draftDecision(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, subject string, id int64) (Decision, error) {
	d, err := scanDecision(q.QueryRowContext(ctx, "SELECT "+decisionCols+` FROM case_decisions
		WHERE subject_kind = $1 AND subject_id = $2 AND status = 'draft' ORDER BY id DESC LIMIT 1`, subject, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, fault.New(fault.NotFound, CodeDocumentNotFound, nil)
	}
	return d, err
}

const decisionCols = `id, outcome, grounds, reasoning, issued, document_code, status, drafted_by, drafted_at, signed_by, signer, signed_at`

func scanDecision(row interface{ Scan(...any) error }) (Decision, error) {
	var d Decision
	var grounds, issued string
	var signed sql.NullTime
	err := row.Scan(&d.ID, &d.Outcome, &grounds, &d.Reasoning, &issued, &d.DocumentCode, &d.Status, &d.DraftedBy,
		&d.DraftedAt, &d.SignedBy, &d.Signer, &signed)
	if err != nil {
		return d, err
	}
	_ = json.Unmarshal([]byte(grounds), &d.Grounds)
	if issued != "" && issued != "{}" {
		var is IssuedDocument
		if json.Unmarshal([]byte(issued), &is) == nil && is.Title != "" {
			d.Issued = &is
		}
	}
	d.DraftedAt = d.DraftedAt.UTC()
	d.SignedAt = fromNull(signed)
	return d, nil
}

// SignDecision takes the head's detached CMS signature over the drafted
// decision's PDF (made with their own certificate), attaches it after the
// registry verifies it against the trusted roots, decides the application
// and tells the citizen, all in one transaction. A signature that does not
// verify, or is not the head's own certificate, changes nothing.
func (s *Service) SignDecision(ctx context.Context, actor Actor, id int64, version int, cms []byte) (Application, error) {
	return s.withApp(ctx, actor, id, version, func(tx *sql.Tx, app *Application) error {
		d, err := s.draftDecision(ctx, tx, subjectApplication, app.ID)
		if err != nil {
			if app.Status != DecisionDrafted {
				// No draft because the state is wrong: say so.
				_, _, cerr := Applications.Check(app.Status, ActSignGrant, actor.Roles())
				if cerr != nil {
					return cerr
				}
			}
			return err
		}
		action := ActSignGrant
		if d.Outcome == OutcomeRefuse {
			action = ActSignRefusal
		}
		return s.step(ctx, tx, app, actor, action, func(c *change) error {
			id, err := s.signDocument(ctx, tx, actor, d.DocumentCode, cms)
			if err != nil {
				return err
			}
			if err := s.markSigned(ctx, tx, d, actor, id, c.now); err != nil {
				return err
			}
			app.DecisionCode = d.DocumentCode
			app.DeadlineGen++
			c.event.details = map[string]any{"outcome": d.Outcome, "document": d.DocumentCode, "signer": id.CommonName}
			return s.notifyApplicant(ctx, tx, subjectApplication, app.ID, app.Applicant.CitizenID, app.Applicant.Phone,
				app.Applicant.Email, app.Lang, KindDecision, map[string]any{"number": app.RegNumber})
		})
	})
}

// signDocument verifies and attaches cms, checking that the certificate is
// the signing staff member's own when their account names one.
func (s *Service) signDocument(ctx context.Context, tx *sql.Tx, actor Actor, code string, cms []byte) (signature.Identity, error) {
	if len(cms) == 0 {
		return signature.Identity{}, fault.Fields(fault.Field{Field: "signature", Code: "document.bad_signature"})
	}
	id, err := s.docs.Sign(ctx, tx, code, cms)
	if err != nil {
		return id, err
	}
	m, err := s.dir.StaffMember(ctx, actor.StaffID)
	if err != nil {
		return id, err
	}
	if m.CertSerial != "" && !strings.EqualFold(m.CertSerial, id.CertificateSerial) && !strings.EqualFold(m.CertSerial, id.SerialNumber) {
		return id, fault.New(fault.Forbidden, CodeSignerMismatch, nil)
	}
	return id, nil
}

func (s *Service) markSigned(ctx context.Context, tx *sql.Tx, d Decision, actor Actor, id signature.Identity, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE case_decisions SET status = 'signed', signed_by = $1, signer = $2, signed_at = $3 WHERE id = $4`,
		actor.ID(), id.CommonName, now, d.ID); err != nil {
		return fmt.Errorf("cases: mark decision signed: %w", err)
	}
	_, err := tx.ExecContext(ctx, `UPDATE case_documents SET status = 'signed' WHERE code = $1`, d.DocumentCode)
	return err
}

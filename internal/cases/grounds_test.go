package cases_test

import (
	"slices"
	"testing"

	"odnookno/internal/cases"
)

// TestAcceptGrounds: a page offers the grounds RefuseToAccept accepts —
// the regulation's own list, or the statutory one when it has none — and
// only to those who may see the application.
func TestAcceptGrounds(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		app := f.submitted(true)
		gs, err := f.svc.AcceptGrounds(ctx, registrar, app.ID)
		if err != nil || len(gs) != 2 || gs[0].Code != "no_passport" {
			t.Fatalf("regulation's grounds: %+v %v", gs, err)
		}
		paper := f.must(f.svc.RegisterIntake(ctx, registrar, cases.Intake{ProcedureID: procPaper, Channel: cases.ChannelWritten,
			Applicant: cases.Applicant{Surname: "Петров", Name: "Пётр", BirthDate: "1980-01-02", IDDocType: "passport", IDDocNo: "MP1234567"}}))
		gs, err = f.svc.AcceptGrounds(ctx, registrar, paper.ID)
		if err != nil || !slices.Equal(gs, cases.StatutoryAcceptRefusal) {
			t.Fatalf("statutory grounds: %+v %v", gs, err)
		}
		if _, err := f.svc.AcceptGrounds(ctx, grodno, paper.ID); !isNotFound(err) {
			t.Fatalf("another body reads the grounds: %v", err)
		}
		if _, err := f.svc.AcceptGrounds(ctx, stranger, app.ID); !isNotFound(err) {
			t.Fatalf("another citizen reads the grounds: %v", err)
		}
	})
}

package app

import (
	"context"
	"testing"
	"time"

	"odnookno/internal/catalog"
	"odnookno/internal/store"
)

// TestRegulationAdapter checks that what cases needs of a catalogue
// regulation survives the translation: terms, bodies, documents, grounds,
// the complaint body and whether suspension is allowed.
func TestRegulationAdapter(t *testing.T) {
	sys, _ := testSystem(t, store.SQLite)
	ctx := context.Background()
	p, err := sys.Procedures.ProcedureByNumber(ctx, catalog.Citizens, "1.1.5")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := sys.Procedures.Current(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	a := regulations{cat: sys.Procedures, now: time.Now}
	for _, allowed := range []bool{false, true} {
		reg.SuspensionAllowed = allowed
		got, err := a.convert(ctx, reg)
		if err != nil {
			t.Fatal(err)
		}
		if got.SuspensionAllowed != allowed || got.Term != reg.Term || got.Number != "1.1.5" ||
			len(got.Bodies) == 0 || len(got.Documents) != len(reg.Documents) || got.ComplaintBody != reg.Complaints.Body {
			t.Fatalf("converted %+v", got)
		}
	}
}

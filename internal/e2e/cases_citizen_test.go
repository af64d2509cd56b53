package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"odnookno/internal/irsim"
	"odnookno/internal/store"
	"odnookno/internal/store/storetest"
)

// TestE2ECasesCitizen walks the applications journey of
// e2e/cases_citizen.spec.mjs: the front office registers a written
// application for a person without a UID and prints the receipt, and a
// citizen with a UID applies online and gets the number and due date; on
// SQLite and, when configured, on PostgreSQL.
func TestE2ECasesCitizen(t *testing.T) {
	root, bin := setup(t)
	// A person of the simulated interior-ministry register the demo serves.
	p, ok := irsim.Lookup("4220785C010PB5")
	if !ok {
		t.Fatal("the simulated register lost its test person")
	}
	person, _ := json.Marshal(map[string]string{"pin": string(p.PIN), "surname": p.Surname, "name": p.Name,
		"patronymic": p.Patronymic, "birth_date": p.BirthDate})
	for _, d := range storetest.Engines {
		t.Run(string(d), func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "odnookno.db")
			if d == store.Postgres {
				dsn = storetest.NewDSN(t, d)
			}
			s := serve(t, bin, dsn)
			node(t, root, "cases_citizen.spec.mjs", s, map[string]string{"PERSON": string(person), "PHONE": fmt.Sprintf("+37529%07d", 5550203)})
		})
	}
}

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

// TestE2ECasesStaff walks e2e/cases_staff.spec.mjs: a citizen applies
// online, the simulated registers answer the regulation's requests, the
// officer drafts the decision, the head signs it with openssl, the citizen
// sees it and its verification page, complains, and the complaint body
// decides; on SQLite and, when configured, on PostgreSQL.
func TestE2ECasesStaff(t *testing.T) {
	root, bin := setup(t)
	// Someone of the simulated registers' fixed cast, with a family and a
	// flat on record.
	p, ok := irsim.Lookup("4110489A020PB1")
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
			node(t, root, "cases_staff.spec.mjs", s, map[string]string{"PERSON": string(person),
				"PHONE": fmt.Sprintf("+37529%07d", 5550304), "PKI_DIR": filepath.Join(s.DataDir, "pki")})
		})
	}
}

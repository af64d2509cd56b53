package e2e

import (
	"path/filepath"
	"testing"

	"odnookno/internal/store"
	"odnookno/internal/store/storetest"
)

// TestE2ECatalog walks a regulation through the whole approval path in the
// browser (see e2e/catalog.spec.mjs): search by an inflected word, the
// regulator's draft with a precise error for a missing p. 6 item, the
// operator's review of the difference, approval, and the new term on the
// public page — on SQLite and, when configured, on PostgreSQL.
func TestE2ECatalog(t *testing.T) {
	root, bin := setup(t)
	for _, d := range storetest.Engines {
		t.Run(string(d), func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "odnookno.db")
			if d == store.Postgres {
				dsn = storetest.NewDSN(t, d)
			}
			s := serve(t, bin, dsn)
			node(t, root, "catalog.spec.mjs", s, nil)
		})
	}
}

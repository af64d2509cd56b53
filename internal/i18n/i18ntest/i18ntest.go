// Package i18ntest helps other packages' tests prove that the message keys
// their code builds at run time exist in every language. Keys written
// literally in templates are checked by the ui package's own tests.
package i18ntest

import (
	"strings"
	"sync"
	"testing"

	"odnookno/internal/i18n"
)

var catalogue = sync.OnceValues(i18n.New)

// Catalog returns the embedded catalogue, loaded once per test binary, and
// fails tb if it does not load.
func Catalog(tb testing.TB) *i18n.Catalog {
	tb.Helper()
	cat, err := catalogue()
	if err != nil {
		tb.Fatalf("i18n catalogue: %v", err)
	}
	return cat
}

// MustHave fails tb unless every key exists in every language, e.g.
//
//	i18ntest.MustHave(t, "cases.status.registered", "cases.status.decided")
func MustHave(tb testing.TB, keys ...string) {
	tb.Helper()
	if missing := Catalog(tb).Missing(keys...); len(missing) > 0 {
		tb.Errorf("message keys missing from the catalogue:\n  %s", strings.Join(missing, "\n  "))
	}
}

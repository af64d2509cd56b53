package catalog

import (
	"testing"

	"odnookno/internal/i18n/i18ntest"
)

// Every code the package returns, and every name a page shows for its
// enumerations, exists in Russian and Belarusian.
func TestMessages(t *testing.T) {
	keys := append([]string{}, Codes...)
	add := func(prefix string, vs ...string) {
		for _, v := range vs {
			keys = append(keys, prefix+v)
		}
	}
	for _, s := range States {
		add("catalog.state.", string(s))
	}
	for _, tr := range transitions {
		add("catalog.action.", string(tr.Action))
	}
	for _, l := range Lists {
		add("catalog.list.", string(l))
	}
	for _, m := range AccessMethods {
		add("catalog.access.", string(m))
	}
	for _, c := range Channels {
		add("catalog.channel.", string(c))
	}
	for _, ft := range FieldTypes {
		add("catalog.field_type.", string(ft))
	}
	add("catalog.subsystem.", Subsystems...)
	add("catalog.cabinet.", CabinetItems...)
	add("catalog.requirement.", string(Always), string(Conditional))
	add("catalog.approval.", "pending", "approved", "rejected", "cancelled")
	add("catalog.outcome.", OutcomeCreated, OutcomeNewVersion, OutcomeUpdated, OutcomeUnchanged)
	add("catalog.", "validity.unlimited", "fee.free", "fee.base_values", "online", "demo")
	for _, item := range P6 {
		keys = append(keys, item.Key())
	}
	i18ntest.MustHave(t, keys...)
	if err := i18ntest.Catalog(t).Check(); err != nil {
		t.Fatal(err)
	}
}

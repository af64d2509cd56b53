package catalog

import (
	"slices"
	"testing"
)

func TestDiff(t *testing.T) {
	t.Parallel()
	a := validRegulation(t)
	if d := Diff(a, a.Clone()); len(d) != 0 {
		t.Fatalf("a version differs from its copy: %v", d)
	}
	b := a.Clone()
	b.Form[9].RequiredIf.Equals = "changed" // a deep copy: a is untouched
	b.Documents[0].FileTypes[0] = "text/plain"
	if a.Form[9].RequiredIf.Equals != "rent" || a.Documents[0].FileTypes[0] != "application/pdf" {
		t.Fatal("Clone shares data with the original")
	}
	b = a.Clone()
	b.Term = term(t, "5 рабочих дней")
	b.ExtendedTerm = term(t, "1 месяц")
	b.Fee = Fee{BaseValues: MustDecimal("0.5")}
	b.AccessMethods = []AccessMethod{AccessUID}
	b.Documents[1].MaxSize = 20 << 20
	b.Documents = append([]Document{{Code: "photo", NameRU: "Фотография", NameBE: "Фатаграфія", Required: Always,
		FileTypes: []string{"image/jpeg"}, MaxSize: 1 << 20}}, b.Documents...) // inserted first: matched by code
	b.Form = slices.Delete(b.Form, 2, 3) // phone removed
	b.Form[0].LabelRU = "Фамилия, имя, отчество"
	b.Form[8].RequiredIf = nil // passport_file, now at 8
	b.Validity = Validity{Kind: Unlimited}
	b.EffectiveDate = MustDate("2026-07-01")

	want := []Change{
		{"access_methods[1]", "signature", ""},
		{"documents[lease].max_size", "10485760", "20971520"},
		{"documents[photo]", "", "photo — Фотография"},
		{"form[full_name].label_ru", "ФИО", "Фамилия, имя, отчество"},
		{"form[phone]", "phone — Телефон", ""},
		{"form[passport_file].required_if.field", "kind", ""},
		{"form[passport_file].required_if.equals", "rent", ""},
		{"term", "в день обращения", "5 рабочих дней"},
		{"extended_term", "", "1 месяц"},
		{"fee.free", "да", "нет"},
		{"fee.base_values", "", "0,5"},
		{"validity.kind", "term", "unlimited"},
		{"validity.term", "6 месяцев", ""},
		{"effective_date", "2026-01-01", "2026-07-01"},
	}
	got := Diff(a, b)
	if !slices.Equal(got, want) {
		t.Fatalf("diff:\n got %v\nwant %v", got, want)
	}
	// From nothing, every set field is new.
	for _, c := range Diff(nil, a) {
		if (c.Old != "" && c.Old != "нет") || c.New == "" {
			t.Fatalf("diff from nil: %+v", c)
		}
	}
}

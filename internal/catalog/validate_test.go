package catalog

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"odnookno/internal/calendar"
)

func TestValidRegulationPasses(t *testing.T) {
	t.Parallel()
	r := validRegulation(t)
	if err := r.Validate(); err != nil {
		t.Fatalf("valid regulation: %v", err)
	}
	if !r.Online() {
		t.Fatal("uid access and the online channel should allow online filing")
	}
}

// clearPath zeroes the field at a dotted JSON path.
func clearPath(t *testing.T, r *Regulation, path string) {
	t.Helper()
	v := reflect.ValueOf(r).Elem()
	for _, name := range strings.Split(path, ".") {
		found := false
		for i := range v.NumField() {
			if jsonName(v.Type().Field(i)) == name {
				v, found = v.Field(i), true
				break
			}
		}
		if !found {
			t.Fatalf("no field %q in %s", name, path)
		}
	}
	v.Set(reflect.Zero(v.Type()))
}

func hasPathUnder(err error, path string) bool {
	for p := range fieldErrs(err) {
		if p == path || strings.HasPrefix(p, path+".") || strings.HasPrefix(p, path+"[") {
			return true
		}
	}
	return false
}

// Every item R637 p. 6 demands of an electronic regulation is required:
// removing any one of them makes Validate name it.
func TestEveryP6ItemIsRequired(t *testing.T) {
	t.Parallel()
	if len(P6) != 12 {
		t.Fatalf("R637 p. 6 lists 12 items, P6 has %d", len(P6))
	}
	for _, item := range P6 {
		for _, path := range item.Paths {
			t.Run(path, func(t *testing.T) {
				t.Parallel()
				r := validRegulation(t)
				clearPath(t, r, path)
				err := r.Validate()
				if !hasPathUnder(err, path) {
					t.Fatalf("without %s (%s) Validate gave %v", path, item.Clause, err)
				}
			})
		}
	}
}

// The rest of the content is required too, except what is optional by
// nature.
func TestEveryOtherFieldIsRequired(t *testing.T) {
	t.Parallel()
	// suspension_allowed is a yes/no whose absence means "no".
	optional := []string{"extended_term", "demo", "sources", "notes", "suspension_allowed"}
	typ := reflect.TypeFor[Regulation]()
	for i := range typ.NumField() {
		name := jsonName(typ.Field(i))
		if name == "" || slices.Contains(optional, name) {
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := validRegulation(t)
			clearPath(t, r, name)
			if err := r.Validate(); !hasPathUnder(err, name) {
				t.Fatalf("without %s Validate gave %v", name, err)
			}
		})
	}
}

// "None" is said explicitly: an empty list of resources or documents is
// valid, a missing one is not.
func TestEmptyListsAreExplicit(t *testing.T) {
	t.Parallel()
	r := validRegulation(t)
	r.Resources = []ResourceQuery{}
	r.Documents = []Document{}
	r.Form = r.Form[:8] // drop the file fields
	if err := r.Validate(); err != nil {
		t.Fatalf("explicit empty lists: %v", err)
	}
}

func TestValidateRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(r *Regulation)
		path   string
		code   string
	}{
		{"unknown access method", func(r *Regulation) { r.AccessMethods = append(r.AccessMethods, "password") }, "access_methods[2]", CodeUnknownValue},
		{"duplicate access method", func(r *Regulation) { r.AccessMethods = []AccessMethod{AccessUID, AccessUID} }, "access_methods[1]", CodeDuplicate},
		{"bad body code", func(r *Regulation) { r.AuthorizedBodies = []string{"Минск"} }, "authorized_bodies[0]", CodeInvalidCode},
		{"unknown subsystem", func(r *Regulation) { r.Subsystems = []string{"mainframe"} }, "subsystems[0]", CodeUnknownValue},
		{"unknown channel", func(r *Regulation) { r.Submission.Channels = []Channel{"fax"} }, "submission.channels[0]", CodeUnknownValue},
		{"unknown cabinet item", func(r *Regulation) { r.Cabinet = []string{"gossip"} }, "cabinet[0]", CodeUnknownValue},
		{"text in Belarusian only", func(r *Regulation) { r.Duties = T("", "Выконваць тэрміны.") }, "duties.ru", CodeRequired},
		{"invalid complaint term", func(r *Regulation) { r.Complaints.Term = calendar.Term{Kind: calendar.Months} }, "complaints.term", CodeInvalidTerm},
		{"invalid term", func(r *Regulation) { r.Term = calendar.Term{Kind: 9, N: 1} }, "term", CodeInvalidTerm},
		{"extended not longer", func(r *Regulation) { r.Term, r.ExtendedTerm = term(t, "1 месяц"), term(t, "10 дней") }, "extended_term", CodeExtendedTerm},
		{"fee both free and paid", func(r *Regulation) { r.Fee.BaseValues = MustDecimal("0.5") }, "fee", CodeFeeAmbiguous},
		{"fee neither", func(r *Regulation) { r.Fee = Fee{} }, "fee", CodeRequired},
		{"validity term missing", func(r *Regulation) { r.Validity = Validity{Kind: ValidityTerm} }, "validity.term", CodeRequired},
		{"validity text missing", func(r *Regulation) { r.Validity = Validity{Kind: ValidityText} }, "validity.text", CodeRequired},
		{"validity unknown kind", func(r *Regulation) { r.Validity = Validity{Kind: "forever"} }, "validity.kind", CodeUnknownValue},
		{"unlimited with a term", func(r *Regulation) { r.Validity = Validity{Kind: Unlimited, Term: term(t, "1 месяц")} }, "validity.term", CodeNotAllowed},
		{"bad source url", func(r *Regulation) { r.Sources = []string{"pravo.by"} }, "sources[0]", CodeInvalidURL},
		{"duplicate ground", func(r *Regulation) { r.RefusalGrounds = append(r.RefusalGrounds, r.RefusalGrounds[0]) }, "refusal_grounds[1].code", CodeDuplicate},

		{"document without max size", func(r *Regulation) { r.Documents[1].MaxSize = 0 }, "documents[1].max_size", CodeRequired},
		{"document too large", func(r *Regulation) { r.Documents[1].MaxSize = MaxFileSize + 1 }, "documents[1].max_size", CodeMaxSize},
		{"document bad file type", func(r *Regulation) { r.Documents[1].FileTypes = []string{"pdf"} }, "documents[1].file_types[0]", CodeInvalidFileType},
		{"document without file types", func(r *Regulation) { r.Documents[1].FileTypes = nil }, "documents[1].file_types", CodeRequired},
		{"conditional document without condition", func(r *Regulation) { r.Documents[0].Condition = Text{} }, "documents[0].condition", CodeRequired},
		{"always document with condition", func(r *Regulation) { r.Documents[1].Condition = T("если", "") }, "documents[1].condition", CodeNotAllowed},
		{"unknown requirement", func(r *Regulation) { r.Documents[1].Required = "sometimes" }, "documents[1].required", CodeUnknownValue},
		{"duplicate document", func(r *Regulation) { r.Documents[1].Code = "passport" }, "documents[1].code", CodeDuplicate},
		{"always document not uploadable online", func(r *Regulation) { r.Form[8].Required = false }, "documents[1]", CodeDocNotInForm},

		{"duplicate field code", func(r *Regulation) { r.Form[1].Code = "full_name" }, "form[1].code", CodeDuplicate},
		{"bad field code", func(r *Regulation) { r.Form[0].Code = "Full Name" }, "form[0].code", CodeInvalidCode},
		{"unknown field type", func(r *Regulation) { r.Form[0].Type = "email" }, "form[0].type", CodeUnknownValue},
		{"missing field type", func(r *Regulation) { r.Form[0].Type = "" }, "form[0].type", CodeRequired},
		{"missing Belarusian label", func(r *Regulation) { r.Form[0].LabelBE = "" }, "form[0].label_be", CodeRequired},
		{"condition on unknown field", func(r *Regulation) { r.Form[9].RequiredIf.Field = "nope" }, "form[9].required_if.field", CodeUnknownField},
		{"condition on itself", func(r *Regulation) { r.Form[9].RequiredIf.Field = "passport_file" }, "form[9].required_if.field", CodeSelfReference},
		{"condition on unknown option", func(r *Regulation) { r.Form[9].RequiredIf.Equals = "buy" }, "form[9].required_if.equals", CodeUnknownOption},
		{"required and conditional", func(r *Regulation) { r.Form[9].Required = true }, "form[9].required_if", CodeBothRequired},
		{"choice without options", func(r *Regulation) { r.Form[6].Options = nil }, "form[6].options", CodeOptionsRequired},
		{"options on text", func(r *Regulation) { r.Form[0].Options = r.Form[6].Options }, "form[0].options", CodeNotAllowed},
		{"duplicate option", func(r *Regulation) { r.Form[6].Options[1].Value = "own" }, "form[6].options[1].value", CodeDuplicate},
		{"bad pattern", func(r *Regulation) { r.Form[7].Validation.Pattern = "[0-9" }, "form[7].validation.pattern", CodeInvalidPattern},
		{"pattern on a date", func(r *Regulation) { r.Form[4].Validation.Pattern = "x" }, "form[4].validation.pattern", CodeNotAllowed},
		{"min length above max", func(r *Regulation) { r.Form[0].Validation = Rules{MinLen: 10, MaxLen: 5} }, "form[0].validation.max_len", CodeInvalidRange},
		{"min above max", func(r *Regulation) { r.Form[5].Validation = Rules{Min: ptr(5), Max: ptr(1)} }, "form[5].validation.max", CodeInvalidRange},
		{"number range on text", func(r *Regulation) { r.Form[0].Validation.Min = ptr(1) }, "form[0].validation.min", CodeNotAllowed},
		{"file field without document", func(r *Regulation) { r.Form[8].Document = "" }, "form[8].document", CodeRequired},
		{"file field with unknown document", func(r *Regulation) { r.Form[8].Document = "diploma" }, "form[8].document", CodeUnknownDocument},
		{"document on a text field", func(r *Regulation) { r.Form[0].Document = "lease" }, "form[0].document", CodeNotAllowed},

		{"mapping to unknown form field", func(r *Regulation) { r.Resources[1].Mapping[0].Form = "street" }, "resources[1].mapping[0].form", CodeUnknownField},
		{"mapping from a file field", func(r *Regulation) { r.Resources[1].Mapping[0].Form = "lease_file" }, "resources[1].mapping[0].form", CodeMappingFile},
		{"query without mapping", func(r *Regulation) { r.Resources[0].Mapping = nil }, "resources[0].mapping", CodeRequired},
		{"query without service", func(r *Regulation) { r.Resources[0].Service = "" }, "resources[0].service", CodeRequired},
		{"duplicate query", func(r *Regulation) { r.Resources[1] = r.Resources[0] }, "resources[1]", CodeDuplicate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := validRegulation(t)
			tt.change(r)
			wantField(t, r.Validate(), tt.path, tt.code)
		})
	}
}

func TestProcedureValidate(t *testing.T) {
	t.Parallel()
	if err := (&Procedure{}).Validate(); err == nil {
		t.Fatal("empty procedure accepted")
	}
	p := testProcedure()
	mustNoErr(t, p.Validate())
	tests := []struct {
		name   string
		change func(p *Procedure)
		path   string
		code   string
	}{
		{"bad number", func(p *Procedure) { p.Number = "1..3" }, "number", CodeInvalidNumber},
		{"leading zero", func(p *Procedure) { p.Number = "01.3" }, "number", CodeInvalidNumber},
		{"letters", func(p *Procedure) { p.Number = "1.3a" }, "number", CodeInvalidNumber},
		{"chapter mismatch", func(p *Procedure) { p.Chapter.Number = 2 }, "chapter.number", CodeChapterMismatch},
		{"unknown list", func(p *Procedure) { p.List = "farmers" }, "list", CodeUnknownValue},
		{"no Belarusian name", func(p *Procedure) { p.NameBE = "" }, "name_be", CodeRequired},
		{"bad regulator", func(p *Procedure) { p.Regulator = "MZHKH" }, "regulator", CodeInvalidCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testProcedure()
			tt.change(&p)
			wantField(t, p.Validate(), tt.path, tt.code)
		})
	}
}

func TestNumbers(t *testing.T) {
	t.Parallel()
	for _, n := range []string{"1", "1.3", "1.3.4", "11.2.5", "1.1.5-1", "18.14.3.2"} {
		if !ValidNumber(n) {
			t.Errorf("%q rejected", n)
		}
	}
	for _, n := range []string{"", "0.1", "1.", ".1", "1.3.", "1-1.2", "1.2.3.4.5.6", "1,3"} {
		if ValidNumber(n) {
			t.Errorf("%q accepted", n)
		}
	}
	ordered := []string{"1.1.5", "1.1.5-1", "1.1.6", "1.3", "1.3.4", "1.10", "2.1", "11.1"}
	keys := make([]string, len(ordered))
	for i, n := range ordered {
		keys[i] = numberKey(n)
	}
	if !slices.IsSorted(keys) {
		t.Fatalf("number keys out of list order: %v", keys)
	}
}

func TestDecimal(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"0,5": "0.5", "0.50": "0.5", "2": "2", "0.0625": "0.0625", "10.1": "10.1"} {
		d, err := ParseDecimal(in)
		if err != nil || d.String() != want {
			t.Errorf("ParseDecimal(%q) = %v, %v; want %s", in, d, err, want)
		}
	}
	for _, in := range []string{"", "-1", "0.12345", "1e3", "abc"} {
		if _, err := ParseDecimal(in); err == nil {
			t.Errorf("ParseDecimal(%q) accepted", in)
		}
	}
	if got := MustDecimal("0.5").Format(); got != "0,5" {
		t.Errorf("Format = %q", got)
	}
}

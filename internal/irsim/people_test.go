package irsim

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"odnookno/internal/identity"
	"odnookno/internal/interop/envelope"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func TestPeopleHaveValidPINs(t *testing.T) {
	t.Parallel()
	people := People()
	if len(people) < 8 {
		t.Fatalf("%d people, want at least 8", len(people))
	}
	var expired, central, example bool
	seen := map[string]bool{}
	for _, p := range people {
		pin, warnings, err := identity.ParsePIN(p.PIN)
		if err != nil || len(warnings) > 0 || pin.String() != p.PIN {
			t.Errorf("%s: ParsePIN = %q, %v, %v", p.PIN, pin, warnings, err)
		}
		if seen[p.PIN] {
			t.Errorf("%s twice", p.PIN)
		}
		seen[p.PIN] = true
		if p.Document.ValidUntil < "2020-01-01" {
			expired = true
		}
		if p.PIN[0] == '7' && p.PIN[7] == 'A' && p.PIN[11:13] == "PB" {
			central = true
		}
		example = example || p.PIN == "3270287A012PB2"
		// Older-shape numbers encode sex and birth date; the cast agrees.
		if sex, birth, ok := fromOlderPIN(p.PIN); ok && (sex != p.Sex || birth.Format(time.DateOnly) != p.BirthDate) {
			t.Errorf("%s: number says %s %s, person is %s %s", p.PIN, sex, birth.Format(time.DateOnly), p.Sex, p.BirthDate)
		}
		if p.FullName() == "" || p.Document.Number == "" || p.Address.Locality == "" {
			t.Errorf("%s: incomplete %+v", p.PIN, p)
		}
	}
	if !expired || !central || !example {
		t.Errorf("cast lacks: expired document %v, central-shape PIN %v, the example PIN %v", expired, central, example)
	}
}

func TestHouseholdsAreConsistent(t *testing.T) {
	t.Parallel()
	for _, p := range People() {
		for _, m := range p.Household {
			other, ok := Lookup(m.PIN)
			if !ok || other.FullName() != m.Name {
				t.Errorf("%s lists %s %q, register has %q", p.PIN, m.PIN, m.Name, other.FullName())
			}
			if other.Address != p.Address {
				t.Errorf("%s and %s share a household but not an address", p.PIN, m.PIN)
			}
			if !slices.ContainsFunc(other.Household, func(b Member) bool { return b.PIN == p.PIN }) {
				t.Errorf("%s lists %s, not the other way round", p.PIN, m.PIN)
			}
		}
	}
}

func TestPeopleIsACopy(t *testing.T) {
	t.Parallel()
	a := People()
	a[0].Surname = "Changed"
	a[0].Household[0].Name = "Changed"
	b := People()
	if b[0].Surname == "Changed" || b[0].Household[0].Name == "Changed" {
		t.Error("People shares the cast with its callers")
	}
}

// TestEveryFixedPersonAnswers asks all three registers about every cast
// member through the real signed exchange.
func TestEveryFixedPersonAnswers(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	for _, p := range People() {
		t.Run(p.PIN, func(t *testing.T) {
			today := time.Now().In(minsk).Format(time.DateOnly)

			var person PersonAnswer
			decode(t, f.call(t, ServicePerson, p.PIN), &person)
			want := PersonAnswer{
				PIN: p.PIN, Surname: p.Surname, Name: p.Name, Patronymic: p.Patronymic, Sex: p.Sex, BirthDate: p.BirthDate,
				Document: DocumentAnswer{Document: p.Document, Valid: today <= p.Document.ValidUntil},
			}
			if !reflect.DeepEqual(person, want) {
				t.Errorf("mvd/person\n got %+v\nwant %+v", person, want)
			}

			var addr AddressAnswer
			decode(t, f.call(t, ServiceAddress, p.PIN), &addr)
			if addr.Address != p.Address || addr.AddressText != p.Address.String() || addr.RegisteredSince != p.RegisteredSince ||
				len(addr.Members) != len(p.Household) || addr.Members == nil {
				t.Errorf("residence/address %+v", addr)
			}

			var realty RealtyAnswer
			decode(t, f.call(t, ServiceRealty, p.PIN), &realty)
			if realty.Objects == nil || len(realty.Objects) != len(p.Realty) || (len(p.Realty) > 0 && !reflect.DeepEqual(realty.Objects, p.Realty)) {
				t.Errorf("property/realty %+v, want %+v", realty.Objects, p.Realty)
			}
		})
	}
}

func decode(t *testing.T, ex *envelope.Exchange, out any) {
	t.Helper()
	if ex.Answer.Status != envelope.StatusOK {
		t.Fatalf("%s: status %q (%s)", ex.Request.Service, ex.Answer.Status, ex.Answer.Error)
	}
	if err := json.Unmarshal(ex.Answer.Payload, out); err != nil {
		t.Fatal(err)
	}
}

func TestExpiredDocumentIsInvalid(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	var p PersonAnswer
	decode(t, f.call(t, ServicePerson, "3010155H001PB1"), &p)
	if p.Document.Valid || p.Document.ValidUntil != "2019-02-10" {
		t.Errorf("document %+v", p.Document)
	}
}

func TestDocumentValidityBoundary(t *testing.T) {
	t.Parallel()
	p, _ := Lookup("3270287A012PB2") // valid until 2027-03-15
	at := func(s string) bool {
		// 23:30 in Minsk is 20:30 UTC: the register's calendar day decides.
		now, err := time.ParseInLocation("2006-01-02 15:04", s, minsk)
		if err != nil {
			t.Fatal(err)
		}
		return answerFor(ServicePerson, p, now.UTC()).(PersonAnswer).Document.Valid
	}
	if !at("2027-03-15 23:30") {
		t.Error("not valid on its last day")
	}
	if at("2027-03-16 00:10") {
		t.Error("valid the day after")
	}
}

func TestUnknownNumbersAreNotFound(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	for _, pin := range []string{
		"hello",
		"7123456A001PB0", // central shape, wrong check digit: ParsePIN refuses
		"3270287A012PB3", // older shape, wrong check digit: ParsePIN only warns; the register does not know it
		"3270287A012P",   // too short
	} {
		for _, svc := range Services() {
			ex := f.call(t, svc, pin)
			if ex.Answer.Status != envelope.StatusNotFound || ex.HTTPStatus != 200 {
				t.Errorf("%s %q: status %q HTTP %d", svc, pin, ex.Answer.Status, ex.HTTPStatus)
			}
		}
	}
}

// generatedPINs are valid numbers outside the cast: older shapes of each
// century and sex, and central-shape ones.
var generatedPINs = []string{
	withCheckDigit("3150680M042PB"),
	withCheckDigit("4010101H003PB"),
	withCheckDigit("5230312C017PB"),
	withCheckDigit("6300115B101PB"),
	withCheckDigit("7000001A001PB"),
	withCheckDigit("7999999A999PB"),
	withCheckDigit("3290200A001PB"), // 29.02.1900 does not exist: sex and date are drawn instead
}

func TestEveryValidNumberAnswers(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	for _, pin := range generatedPINs {
		if _, w, err := identity.ParsePIN(pin); err != nil || len(w) > 0 {
			t.Fatalf("test PIN %s invalid: %v %v", pin, w, err)
		}
		for _, svc := range Services() {
			if ex := f.call(t, svc, pin); ex.Answer.Status != envelope.StatusOK {
				t.Errorf("%s %s: %q", svc, pin, ex.Answer.Status)
			}
		}
		// Lower case and Cyrillic look-alikes are the same number.
		var a, b PersonAnswer
		decode(t, f.call(t, ServicePerson, pin), &a)
		decode(t, f.call(t, ServicePerson, strings.ToLower(pin)), &b)
		if a != b {
			t.Errorf("%s: answer depends on letter case", pin)
		}
	}
}

func TestGeneratedPeopleAreDeterministicAndPlausible(t *testing.T) {
	t.Parallel()
	var all []Person
	for _, pin := range generatedPINs {
		a, ok := Lookup(pin)
		if !ok {
			t.Fatalf("%s unknown", pin)
		}
		b, _ := Lookup(pin)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: two lookups differ", pin)
		}
		if sex, birth, ok := fromOlderPIN(pin); ok && (a.Sex != sex || a.BirthDate != birth.Format(time.DateOnly)) {
			t.Errorf("%s: generated %s %s, number says %s %s", pin, a.Sex, a.BirthDate, sex, birth)
		}
		if a.Surname == "" || a.Name == "" || a.Patronymic == "" || a.Document.Number == "" || a.Address.House == "" {
			t.Errorf("%s: incomplete %+v", pin, a)
		}
		if a.Sex == "F" && strings.HasSuffix(a.Patronymic, "ич") || a.Sex == "M" && strings.HasSuffix(a.Patronymic, "на") {
			t.Errorf("%s: %s with patronymic %s", pin, a.Sex, a.Patronymic)
		}
		if a.RegisteredSince < a.BirthDate {
			t.Errorf("%s: registered %s before birth %s", pin, a.RegisteredSince, a.BirthDate)
		}
		if a.Document.Issued < a.BirthDate || a.Document.ValidUntil <= a.Document.Issued {
			t.Errorf("%s: document dates %+v for birth %s", pin, a.Document, a.BirthDate)
		}
		all = append(all, a)
	}
	// Across runs and Go releases: compared with the recorded people.
	got, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "generated.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to record)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(want), got) {
		t.Errorf("generated people changed; if on purpose, run go test -update and review the diff")
	}
}

func TestGeneratedPeopleVary(t *testing.T) {
	t.Parallel()
	names := map[string]bool{}
	cities := map[string]bool{}
	docs := map[string]bool{}
	for i := range 200 {
		pin := withCheckDigit(fmt.Sprintf("7%06dA%03dPB", i*7919%1000000, i%1000))
		p, ok := Lookup(pin)
		if !ok {
			t.Fatalf("%s unknown", pin)
		}
		names[p.FullName()] = true
		cities[p.Address.Locality] = true
		docs[p.Document.Type] = true
	}
	if len(names) < 150 || len(cities) < 5 || len(docs) != 2 {
		t.Errorf("%d names, %d cities, %d document types over 200 people", len(names), len(cities), len(docs))
	}
}

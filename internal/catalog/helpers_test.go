package catalog

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"odnookno/internal/audit"
	"odnookno/internal/calendar"
	"odnookno/internal/fault"
	"odnookno/internal/store"
	"odnookno/internal/store/storetest"
)

var modules = []store.Module{audit.Module, Module}

var (
	regulatorActor = audit.Actor{ID: "staff:1", Role: audit.RoleRegulator, Body: "mzhkh"}
	otherRegulator = audit.Actor{ID: "staff:2", Role: audit.RoleRegulator, Body: "mintrud"}
	operatorActor  = audit.Actor{ID: "staff:3", Role: audit.RoleOperator, Body: "nces"}
	mvdOwner       = audit.Actor{ID: "staff:4", Role: audit.RoleIROwner, Body: "mvd"}
	nkaOwner       = audit.Actor{ID: "staff:5", Role: audit.RoleIROwner, Body: "nka"}
	officerActor   = audit.Actor{ID: "staff:6", Role: audit.RoleOfficer, Body: "central-adm"}
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

type fixture struct {
	svc   *Service
	db    *store.DB
	log   *audit.Log
	clock *clock
}

func setup(t *testing.T, db *store.DB) fixture {
	t.Helper()
	c := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	log := audit.New(db, c.now)
	return fixture{svc: New(db, log, DemoOwners, c.now), db: db, log: log, clock: c}
}

func ptr(f float64) *float64 { return &f }

func term(t testing.TB, s string) calendar.Term {
	t.Helper()
	tm, err := calendar.ParseTerm(s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// testProcedure is a procedure regulated by regulatorActor's body.
func testProcedure() Procedure {
	return Procedure{
		List: Citizens, Number: "1.3.4",
		Chapter: Chapter{Number: 1, NameRU: "Жилищные правоотношения", NameBE: "Жыллёвыя праваадносіны"},
		NameRU:  "Выдача справки о месте жительства", NameBE: "Выдача даведкі аб месцы жыхарства",
		Regulator: "mzhkh",
	}
}

// validRegulation holds every item and passes Validate; it queries two
// resources of two owners (mvd, nka).
func validRegulation(t testing.TB) *Regulation {
	t.Helper()
	return &Regulation{
		AuthorizedBodies: []string{"zhreo-central"},
		AccessMethods:    []AccessMethod{AccessUID, AccessSignature},
		Information:      T("Сведения запрашиваются посредством ОАИС.", "Звесткі запытваюцца праз АДАІС."),
		Subsystems:       []string{"portal", "cabinet", "interop"},
		Software:         T("Не требуется.", ""),
		ChangeProcedure:  T("Новой версией регламента.", ""),
		Submission: Submission{
			Channels:   []Channel{ChannelOnline, ChannelFrontOffice},
			Text:       T("Через личный кабинет или лично.", ""),
			Withdrawal: T("До принятия решения.", ""),
		},
		Complaints: Complaints{
			Submission: T("В вышестоящий орган.", ""),
			Withdrawal: T("До принятия решения по жалобе.", ""),
			Body:       "central-adm",
			Term:       term(t, "15 дней"),
		},
		Cabinet: []string{"application", "status", "decision"},
		Documents: []Document{
			{Code: "passport", NameRU: "Паспорт", NameBE: "Пашпарт", Required: Conditional,
				Condition: T("при личном обращении", ""), FileTypes: []string{"application/pdf", ".jpg"}, MaxSize: 5 << 20},
			{Code: "lease", NameRU: "Договор найма", NameBE: "Дагавор найму", Required: Always,
				FileTypes: []string{"application/pdf"}, MaxSize: 10 << 20},
		},
		Resources: []ResourceQuery{
			{Resource: "residence", Service: "address", Mapping: []Mapping{{Request: "pin", Form: ApplicantUID}}},
			{Resource: "property", Service: "realty", Mapping: []Mapping{{Request: "address", Form: "address"}}},
		},
		Duties: T("Соблюдать сроки.", ""),
		Form: []Field{
			{Code: "full_name", LabelRU: "ФИО", LabelBE: "ПІБ", Type: FieldText, Required: true, Validation: Rules{MinLen: 5, MaxLen: 100}},
			{Code: "address", LabelRU: "Адрес", LabelBE: "Адрас", Type: FieldAddress, Required: true},
			{Code: "phone", LabelRU: "Телефон", LabelBE: "Тэлефон", Type: FieldPhone},
			{Code: "uid", LabelRU: "Идентификационный номер", LabelBE: "Ідэнтыфікацыйны нумар", Type: FieldUID},
			{Code: "birth", LabelRU: "Дата рождения", LabelBE: "Дата нараджэння", Type: FieldDate},
			{Code: "copies", LabelRU: "Экземпляров", LabelBE: "Экземпляраў", Type: FieldNumber, Validation: Rules{Min: ptr(1.0), Max: ptr(5.0)}},
			{Code: "kind", LabelRU: "Вид", LabelBE: "Від", Type: FieldChoice, Required: true, Options: []Option{
				{Value: "own", LabelRU: "Своё", LabelBE: "Сваё"}, {Value: "rent", LabelRU: "Наём", LabelBE: "Наём"}}},
			{Code: "index", LabelRU: "Индекс", LabelBE: "Індэкс", Type: FieldText, Validation: Rules{Pattern: "[0-9]{6}"}},
			{Code: "lease_file", LabelRU: "Договор", LabelBE: "Дагавор", Type: FieldFile, Required: true, Document: "lease"},
			{Code: "passport_file", LabelRU: "Паспорт", LabelBE: "Пашпарт", Type: FieldFile, Document: "passport",
				RequiredIf: &Condition{Field: "kind", Equals: "rent"}},
		},
		Term:           term(t, "в день обращения"),
		Fee:            Fee{Free: true},
		Validity:       Validity{Kind: ValidityTerm, Term: term(t, "6 месяцев")},
		RefusalGrounds: []Ground{{Code: "incomplete", Text: T("Неполный комплект документов", "")}},
		EffectiveDate:  MustDate("2026-01-01"),
		Sources:        []string{"https://pravo.by/"},
	}
}

// fieldErr returns the problems of err as path → codes.
func fieldErrs(err error) map[string][]string {
	var fe *fault.Error
	if !errors.As(err, &fe) {
		return nil
	}
	out := map[string][]string{}
	for _, f := range fe.Fields {
		out[f.Field] = append(out[f.Field], f.Code)
	}
	return out
}

func wantField(t *testing.T, err error, path, code string) {
	t.Helper()
	got := fieldErrs(err)
	if !slices.Contains(got[path], code) {
		t.Fatalf("want %s at %q, got %v (err %v)", code, path, got, err)
	}
}

func wantKind(t *testing.T, err, kind error, code string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("want %v, got %v", kind, err)
	}
	var fe *fault.Error
	if code != "" && (!errors.As(err, &fe) || fe.Code != code) {
		t.Fatalf("want code %s, got %v", code, err)
	}
}

func mustNoErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// auditActions lists the audit actions recorded so far, oldest first.
func auditActions(t *testing.T, f fixture, prefix string) []string {
	t.Helper()
	recs, err := f.log.List(context.Background(), audit.Query{ActionLike: prefix, Limit: 500})
	mustNoErr(t, err)
	var out []string
	for i := len(recs) - 1; i >= 0; i-- {
		out = append(out, strings.TrimPrefix(recs[i].Action, prefix))
	}
	return out
}

func each(t *testing.T, fn func(t *testing.T, f fixture)) {
	storetest.Each(t, modules, func(t *testing.T, db *store.DB) {
		fn(t, setup(t, db))
	})
}

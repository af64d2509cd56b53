// Package catalog holds the administrative procedures of the two official
// lists and their electronic regulations (электронный регламент, Council of
// Ministers resolution No. 637, chapter 2): versioned, approved by the OAIS
// operator and by the owners of the information resources they query, and in
// force from an effective date.
//
// A Regulation is a typed value: every item p. 6 of the resolution demands is
// a field of its own, and Validate refuses a regulation missing any of them.
// The same type carries the procedure's application form, its documents, term,
// fee and grounds for refusal, so the applications package validates a
// citizen's submission against the version the application was filed under
// (ValidateApplication) and keeps that version for the life of the case.
//
// Regulations change only through the transitions listed in Transitions; each
// one is written in a single transaction with its audit record. Files of
// regulations (JSON, or YAML) are imported and exported whole: an import is
// validated completely before anything is written, and its errors name the
// file, the line and the field.
package catalog

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"odnookno/internal/calendar"
)

// List is the official list a procedure belongs to.
type List string

const (
	// Citizens is the list of procedures for citizens, approved by Decree
	// No. 200 of 26.04.2010.
	Citizens List = "citizens"
	// LegalEntities is the single list of procedures for legal entities and
	// individual entrepreneurs, Council of Ministers resolution No. 548 of
	// 24.09.2021.
	LegalEntities List = "legal_entities"
)

// Lists are the known lists in display order.
var Lists = []List{Citizens, LegalEntities}

// Valid reports whether l is a known list.
func (l List) Valid() bool { return l == Citizens || l == LegalEntities }

// Procedure is one item of an official list. Its number and list identify it
// (they are unique together); the regulator is the body whose regulator staff
// draft its electronic regulation.
type Procedure struct {
	ID        int64   `json:"-"`
	List      List    `json:"list"`
	Number    string  `json:"number"`
	Chapter   Chapter `json:"chapter"`
	NameRU    string  `json:"name_ru"`
	NameBE    string  `json:"name_be"`
	Regulator string  `json:"regulator"` // body code (org)
}

// Name in lang ("be" falls back to Russian when empty).
func (p Procedure) Name(lang string) string { return pick(lang, p.NameRU, p.NameBE) }

// Chapter of a list; its number is the first component of the procedure
// number.
type Chapter struct {
	Number int    `json:"number"`
	NameRU string `json:"name_ru"`
	NameBE string `json:"name_be"`
}

// Name in lang.
func (c Chapter) Name(lang string) string { return pick(lang, c.NameRU, c.NameBE) }

func pick(lang, ru, be string) string {
	if lang == "be" && be != "" {
		return be
	}
	return ru
}

// numberRE is the shape of a number in the lists: up to five dot-separated
// components, none starting with zero, the last one optionally with an
// inserted-item suffix («1.1.5-1»).
var numberRE = regexp.MustCompile(`^[1-9][0-9]{0,2}(\.[1-9][0-9]{0,2}){0,4}(-[1-9][0-9]?)?$`)

// ValidNumber reports whether s looks like a number in an official list.
func ValidNumber(s string) bool { return numberRE.MatchString(s) }

// numberKey makes numbers sort as the lists do: «1.3.4» before «1.10».
func numberKey(n string) string {
	var b strings.Builder
	for i, part := range strings.Split(strings.ReplaceAll(n, "-", ".-."), ".") {
		if i > 0 {
			b.WriteByte('.')
		}
		if part == "-" {
			b.WriteByte('~') // after every digit: «1.1.5-1» follows «1.1.5»
			continue
		}
		if len(part) < 3 {
			b.WriteString(strings.Repeat("0", 3-len(part)))
		}
		b.WriteString(part)
	}
	return b.String()
}

// Text is a text of a regulation in Russian and, optionally, Belarusian;
// Russian is the one required.
type Text struct {
	RU string `json:"ru"`
	BE string `json:"be,omitempty"`
}

// T builds a Text.
func T(ru, be string) Text { return Text{RU: ru, BE: be} }

// In returns the text in lang, falling back to Russian.
func (t Text) In(lang string) string { return pick(lang, t.RU, t.BE) }

// IsZero reports whether neither language is set.
func (t Text) IsZero() bool { return t.RU == "" && t.BE == "" }

// AccessMethod is a way to get into the single portal (R637 p. 6).
type AccessMethod string

const (
	AccessUID       AccessMethod = "uid"       // unique identifier and password
	AccessSignature AccessMethod = "signature" // electronic digital signature (ЭЦП)
	AccessOpen      AccessMethod = "open"      // open part, no login
)

// AccessMethods are the known methods.
var AccessMethods = []AccessMethod{AccessUID, AccessSignature, AccessOpen}

// Channel is a way an application is submitted.
type Channel string

const (
	ChannelOnline      Channel = "online"       // through the cabinet on the portal
	ChannelFrontOffice Channel = "front_office" // in person at the «одно окно» service
	ChannelMail        Channel = "mail"         // by post
)

// Channels are the known channels.
var Channels = []Channel{ChannelOnline, ChannelFrontOffice, ChannelMail}

// Subsystems are the OAIS subsystems (подсистемы функционального назначения)
// a regulation may name; pages show them by "catalog.subsystem.<code>".
var Subsystems = []string{
	"portal",        // единый портал электронных услуг
	"cabinet",       // личный электронный кабинет
	"identity",      // идентификация: УИД, ЭЦП
	"interop",       // интеграция информационных ресурсов (межведомственное взаимодействие)
	"smdo",          // шлюз к системе межведомственного электронного документооборота
	"payments",      // оплата (ЕРИП)
	"notifications", // уведомления (SMS, e-mail, кабинет)
}

// CabinetItems are the items of information about a procedure that a
// regulation may put into the personal cabinet; pages show them by
// "catalog.cabinet.<code>".
var CabinetItems = []string{
	"application",   // поданное заявление и приложенные документы
	"status",        // состояние рассмотрения
	"deadline",      // срок осуществления процедуры
	"requests",      // запросы в другие органы и их состояние
	"decision",      // административное решение
	"refusal",       // отказ в принятии заявления
	"notifications", // уведомления
	"complaint",     // административная жалоба и решение по ней
	"payment",       // сведения о плате
}

// Requirement says when a document is required.
type Requirement string

const (
	Always      Requirement = "always"
	Conditional Requirement = "conditional"
)

// Document is one item of the list of documents and (or) information the
// applicant provides (R637 p. 6).
type Document struct {
	Code     string      `json:"code"`
	NameRU   string      `json:"name_ru"`
	NameBE   string      `json:"name_be"`
	Required Requirement `json:"required"`
	// Condition says when a conditional document is required; only for
	// Conditional.
	Condition Text `json:"condition,omitzero"`
	// FileTypes accepted for an electronic copy: MIME types
	// ("application/pdf") or extensions (".pdf").
	FileTypes []string `json:"file_types"`
	// MaxSize of one file, bytes.
	MaxSize int64 `json:"max_size"`
}

// Name in lang.
func (d Document) Name(lang string) string { return pick(lang, d.NameRU, d.NameBE) }

// ResourceQuery is a request the authorized body sends automatically to an
// information resource (R637 p. 6, ch. 3).
type ResourceQuery struct {
	Resource string `json:"resource"` // information resource code; its owner approves the regulation
	Service  string `json:"service"`  // the resource's service (method) asked
	Purpose  Text   `json:"purpose,omitzero"`
	// Mapping fills the request from the application: each request field
	// from a form field (or ApplicantUID).
	Mapping []Mapping `json:"mapping"`
}

// ApplicantUID is a mapping source that is not a form field: the
// authenticated applicant's unique identifier.
const ApplicantUID = "applicant.uid"

// Mapping is request field ← form field.
type Mapping struct {
	Request string `json:"request"`
	Form    string `json:"form"`
}

// Submission is how applications are submitted and withdrawn.
type Submission struct {
	Channels   []Channel `json:"channels"`
	Text       Text      `json:"text"`
	Withdrawal Text      `json:"withdrawal"`
}

// Complaints is how an administrative complaint is submitted and withdrawn,
// which body decides it and in what term.
type Complaints struct {
	Submission Text          `json:"submission"`
	Withdrawal Text          `json:"withdrawal"`
	Body       string        `json:"body"`
	Term       calendar.Term `json:"term,omitzero"`
}

// FieldType is the type of a form field.
type FieldType string

const (
	FieldText    FieldType = "text"
	FieldDate    FieldType = "date"
	FieldNumber  FieldType = "number"
	FieldChoice  FieldType = "choice"
	FieldUID     FieldType = "uid"
	FieldPhone   FieldType = "phone"
	FieldAddress FieldType = "address"
	FieldFile    FieldType = "file"
)

// FieldTypes are the known types.
var FieldTypes = []FieldType{FieldText, FieldDate, FieldNumber, FieldChoice, FieldUID, FieldPhone, FieldAddress, FieldFile}

// Field is one field of the application form.
type Field struct {
	Code    string    `json:"code"`
	LabelRU string    `json:"label_ru"`
	LabelBE string    `json:"label_be"`
	Type    FieldType `json:"type"`
	// Required always; or, with RequiredIf, only when another field has a
	// value. Not both.
	Required   bool       `json:"required,omitempty"`
	RequiredIf *Condition `json:"required_if,omitempty"`
	Hint       Text       `json:"hint,omitzero"`
	Options    []Option   `json:"options,omitempty"`  // choice only
	Document   string     `json:"document,omitempty"` // file only: the document it carries
	Validation Rules      `json:"validation,omitzero"`
}

// Label in lang.
func (f Field) Label(lang string) string { return pick(lang, f.LabelRU, f.LabelBE) }

// Condition is «required when field equals value».
type Condition struct {
	Field  string `json:"field"`
	Equals string `json:"equals"`
}

// Option of a choice field.
type Option struct {
	Value   string `json:"value"`
	LabelRU string `json:"label_ru"`
	LabelBE string `json:"label_be"`
}

// Label in lang.
func (o Option) Label(lang string) string { return pick(lang, o.LabelRU, o.LabelBE) }

// Rules constrain a field's value. Lengths count characters.
type Rules struct {
	MinLen  int      `json:"min_len,omitempty"`
	MaxLen  int      `json:"max_len,omitempty"`
	Pattern string   `json:"pattern,omitempty"` // Go regexp, matched against the whole value
	Min     *float64 `json:"min,omitempty"`
	Max     *float64 `json:"max,omitempty"`
}

// IsZero reports whether no rule is set.
func (r Rules) IsZero() bool {
	return r.MinLen == 0 && r.MaxLen == 0 && r.Pattern == "" && r.Min == nil && r.Max == nil
}

// Fee is free, or an amount in base values (базовые величины).
type Fee struct {
	Free       bool    `json:"free,omitempty"`
	BaseValues Decimal `json:"base_values,omitzero"`
	// Note qualifies the fee (reduced or increased fees for some cases).
	Note Text `json:"note,omitzero"`
}

// ValidityKind is how long the decision is valid.
type ValidityKind string

const (
	Unlimited    ValidityKind = "unlimited" // бессрочно
	ValidityTerm ValidityKind = "term"      // a term counted from the decision
	ValidityText ValidityKind = "text"      // as described («на срок, указанный в листке…», «10 лет»)
)

// Validity of the administrative decision.
type Validity struct {
	Kind ValidityKind  `json:"kind"`
	Term calendar.Term `json:"term,omitzero"`
	Text Text          `json:"text,omitzero"`
}

// Ground is a ground for refusal.
type Ground struct {
	Code string `json:"code"`
	Text Text   `json:"text"`
}

// Regulation is one version of a procedure's electronic regulation. The
// fields above Form are the items R637 p. 6 requires, in its order; a slice
// that is nil is "missing", an empty one says explicitly "none" (e.g. a
// procedure that queries no information resource).
type Regulation struct {
	ProcedureID int64     `json:"-"`
	Version     int       `json:"-"`
	State       State     `json:"-"`
	Imported    bool      `json:"-"` // imported by the operator as approved content
	CreatedAt   time.Time `json:"-"`
	UpdatedAt   time.Time `json:"-"`

	// перечень уполномоченных органов (body codes)
	AuthorizedBodies []string `json:"authorized_bodies"`
	// способы доступа к единому порталу
	AccessMethods []AccessMethod `json:"access_methods"`
	// порядок получения необходимых сведений (the queries themselves are Resources)
	Information Text `json:"information"`
	// перечень подсистем функционального назначения ОАИС
	Subsystems []string `json:"subsystems"`
	// требования к созданию (доработке) программного обеспечения
	Software Text `json:"software_requirements"`
	// порядок внесения изменений в электронный регламент
	ChangeProcedure Text `json:"change_procedure"`
	// порядок подачи (отзыва) заявления
	Submission Submission `json:"submission"`
	// порядок подачи (отзыва) административной жалобы
	Complaints Complaints `json:"complaints"`
	// состав информации, размещаемой в личном электронном кабинете
	Cabinet []string `json:"cabinet"`
	// перечень документов и (или) сведений, представляемых заинтересованным лицом
	Documents []Document `json:"documents"`
	// перечень информационных ресурсов (систем), из которых предоставляются сведения
	Resources []ResourceQuery `json:"resources"`
	// обязанности уполномоченных органов по соблюдению требований регламента
	Duties Text `json:"duties"`

	Form []Field       `json:"form"`
	Term calendar.Term `json:"term,omitzero"`
	// ExtendedTerm applies when requests are sent to other bodies («а в
	// случае запроса … — 1 месяц»); zero when the list gives none.
	ExtendedTerm   calendar.Term `json:"extended_term,omitzero"`
	Fee            Fee           `json:"fee"`
	Validity       Validity      `json:"validity"`
	RefusalGrounds []Ground      `json:"refusal_grounds"`
	// SuspensionAllowed says the legislation on this procedure lets the
	// body suspend it (the term then stops running); without it the case
	// officer is never offered suspension.
	SuspensionAllowed bool `json:"suspension_allowed,omitempty"`
	EffectiveDate     Date `json:"effective_date,omitzero"`
	// Demo marks content completed by the project, not taken from an
	// official source.
	Demo    bool     `json:"demo,omitempty"`
	Sources []string `json:"sources,omitempty"`
	Notes   Text     `json:"notes,omitzero"`
}

// Online reports whether the procedure can be applied for on the portal: a
// personal login (UID or signature) and the online channel.
func (r *Regulation) Online() bool {
	login := false
	for _, m := range r.AccessMethods {
		if m == AccessUID || m == AccessSignature {
			login = true
		}
	}
	if !login {
		return false
	}
	for _, c := range r.Submission.Channels {
		if c == ChannelOnline {
			return true
		}
	}
	return false
}

// Field returns the form field with code.
func (r *Regulation) Field(code string) (Field, bool) {
	for _, f := range r.Form {
		if f.Code == code {
			return f, true
		}
	}
	return Field{}, false
}

// Document returns the document with code.
func (r *Regulation) Document(code string) (Document, bool) {
	for _, d := range r.Documents {
		if d.Code == code {
			return d, true
		}
	}
	return Document{}, false
}

// ResourceCodes lists the information resources the regulation queries,
// each once, in order: their owners approve it.
func (r *Regulation) ResourceCodes() []string {
	var out []string
	seen := map[string]bool{}
	for _, q := range r.Resources {
		if q.Resource != "" && !seen[q.Resource] {
			seen[q.Resource] = true
			out = append(out, q.Resource)
		}
	}
	return out
}

// Clone is a deep copy: pages and the service edit copies, never a
// version read from the store in place.
func (r *Regulation) Clone() *Regulation {
	if r == nil {
		return &Regulation{}
	}
	c := deepCopy(reflect.ValueOf(*r)).Interface().(Regulation)
	return &c
}

// deepCopy copies slices and pointers so that nothing is shared; other
// values (including the unexported fields of Date, Decimal, time.Time) are
// copied by assignment.
func deepCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		n := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			n.Index(i).Set(deepCopy(v.Index(i)))
		}
		return n
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		n := reflect.New(v.Type().Elem())
		n.Elem().Set(deepCopy(v.Elem()))
		return n
	case reflect.Struct:
		n := reflect.New(v.Type()).Elem()
		n.Set(v)
		for i := range v.NumField() {
			if n.Field(i).CanSet() {
				n.Field(i).Set(deepCopy(v.Field(i)))
			}
		}
		return n
	}
	return v
}

// content is the canonical serialisation of the content (what is stored
// and compared; the lifecycle fields are not part of it).
func (r *Regulation) content() ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("catalog: encode regulation: %w", err)
	}
	return b, nil
}

// Decimal is a non-negative decimal with up to four fraction digits: fees in
// base values («0,5 базовой величины»). In JSON it is a number (a string
// is accepted too); both «0.5» and «0,5» parse.
type Decimal struct{ v int64 } // ten-thousandths

const decimalScale = 10000

var decimalRE = regexp.MustCompile(`^([0-9]{1,6})(?:[.,]([0-9]{1,4}))?$`)

// ErrInvalidDecimal is returned for text ParseDecimal does not accept.
var ErrInvalidDecimal = errors.New("invalid decimal")

// ParseDecimal reads «12», «0.5», «0,25».
func ParseDecimal(s string) (Decimal, error) {
	m := decimalRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return Decimal{}, fmt.Errorf("catalog: %q: %w", s, ErrInvalidDecimal)
	}
	whole, _ := strconv.ParseInt(m[1], 10, 64)
	frac := int64(0)
	if m[2] != "" {
		f := m[2] + strings.Repeat("0", 4-len(m[2]))
		frac, _ = strconv.ParseInt(f, 10, 64)
	}
	return Decimal{v: whole*decimalScale + frac}, nil
}

// MustDecimal is ParseDecimal for constants.
func MustDecimal(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// IsZero reports whether d is 0.
func (d Decimal) IsZero() bool { return d.v == 0 }

// String is the shortest form with a dot: «0.5», «2».
func (d Decimal) String() string {
	s := strconv.FormatInt(d.v/decimalScale, 10)
	if f := d.v % decimalScale; f != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%04d", f), "0")
	}
	return s
}

// Format writes d as Russian and Belarusian do, with a decimal comma.
func (d Decimal) Format() string { return strings.ReplaceAll(d.String(), ".", ",") }

// MarshalJSON writes a JSON number.
func (d Decimal) MarshalJSON() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalJSON accepts a number or a string.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	s := string(b)
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	v, err := ParseDecimal(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// minsk is the zone dates are taken in; Belarus keeps UTC+3 all year.
var minsk = time.FixedZone("Europe/Minsk", 3*60*60)

// Date is a calendar date without clock: «YYYY-MM-DD» in JSON and in the
// database, so it compares as text.
type Date struct{ t time.Time } // midnight UTC

// ErrInvalidDate is returned for text ParseDate does not accept.
var ErrInvalidDate = errors.New("invalid date")

// ParseDate reads «2026-01-31».
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(calendar.DateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("catalog: date %q: %w", s, ErrInvalidDate)
	}
	return Date{t: t}, nil
}

// MustDate is ParseDate for constants.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// DateOf is the date t falls on in Minsk.
func DateOf(t time.Time) Date {
	y, m, d := t.In(minsk).Date()
	return Date{t: calendar.Date(y, m, d)}
}

// Time is the date as midnight UTC, the form the calendar package uses.
func (d Date) Time() time.Time { return d.t }

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d.t.IsZero() }

// String is «YYYY-MM-DD», or "" for the zero date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(calendar.DateLayout)
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.t.Before(e.t) }

// MarshalText writes «YYYY-MM-DD».
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads «YYYY-MM-DD»; "" is the zero date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

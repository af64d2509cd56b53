package irsim

import (
	"strings"

	"odnookno/internal/identity"
)

// Person is everything the three simulated registers know about one
// citizen. It is exported so tests and demo data can say "Ivanov's passport
// expires on …" without copying the cast.
type Person struct {
	PIN        string
	Surname    string
	Name       string
	Patronymic string
	Sex        string // "M" or "F"
	BirthDate  string // YYYY-MM-DD
	Document   Document
	Address    Address
	// RegisteredSince is when the person was registered at Address.
	RegisteredSince string
	Household       []Member // the others registered at Address
	Realty          []Realty // empty: the register has nothing on them
}

// FullName is surname, name and patronymic, the order Belarusian registers
// print.
func (p Person) FullName() string {
	return strings.Join(strings.Fields(p.Surname+" "+p.Name+" "+p.Patronymic), " ")
}

// Document is the identity document the interior ministry issued. Whether
// it is still valid is decided at answer time from ValidUntil, as the real
// register does, so the answer changes when the document expires.
type Document struct {
	Type       string `json:"type"` // "passport" or "id_card"
	Series     string `json:"series,omitempty"`
	Number     string `json:"number"`
	Issued     string `json:"issued"` // YYYY-MM-DD
	IssuedBy   string `json:"issued_by"`
	ValidUntil string `json:"valid_until"` // YYYY-MM-DD
}

// Address is a residence address in the register's parts, so the platform
// can fill a form field by field; String joins them for a letter.
type Address struct {
	PostalCode string `json:"postal_code"`
	Region     string `json:"region"`
	District   string `json:"district,omitempty"`
	Locality   string `json:"locality"`
	Street     string `json:"street"`
	House      string `json:"house"`
	Building   string `json:"building,omitempty"`
	Apartment  string `json:"apartment,omitempty"`
}

// String is the address as written on a certificate: postal code first,
// then from the region down to the apartment.
func (a Address) String() string {
	parts := []string{a.PostalCode}
	if a.Region != a.Locality {
		parts = append(parts, a.Region)
	}
	parts = append(parts, a.District, a.Locality, a.Street, "д. "+a.House)
	if a.Building != "" {
		parts = append(parts, "корп. "+a.Building)
	}
	if a.Apartment != "" {
		parts = append(parts, "кв. "+a.Apartment)
	}
	out := parts[:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

// Member is another person registered at the same address. Relation is a
// code (spouse, son, daughter, father, mother, …) relative to the person
// asked about; the platform translates it.
type Member struct {
	PIN      string `json:"pin"`
	Name     string `json:"name"`
	Relation string `json:"relation"`
}

// Realty is one registered real estate object and the person's share in it.
type Realty struct {
	CadastralNumber string  `json:"cadastral_number"`
	Address         string  `json:"address"`
	Type            string  `json:"type"` // apartment, house, land_plot, garage
	AreaM2          float64 `json:"area_m2"`
	Share           string  `json:"share"` // "1/1", "1/2", …
}

// Addresses shared by households of the cast.
var (
	ivanovHome  = Address{PostalCode: "224030", Region: "Брестская область", Locality: "г. Брест", Street: "ул. Советская", House: "48", Apartment: "12"}
	kovalevHome = Address{PostalCode: "230025", Region: "Гродненская область", Locality: "г. Гродно", Street: "ул. Ожешко", House: "5", Apartment: "7"}
)

// cast is the fixed list People returns. Every PIN passes identity.ParsePIN
// without warnings (TestPeopleHaveValidPINs): the older-shape numbers also
// carry the birth date and sex they encode, the two central-shape ones
// (starting with 7) carry none.
var cast = []Person{
	{
		PIN: "3270287A012PB2", Surname: "Иванов", Name: "Иван", Patronymic: "Иванович", Sex: "M", BirthDate: "1987-02-27",
		Document:        Document{Type: "passport", Series: "AB", Number: "2345671", Issued: "2017-03-15", IssuedBy: "Ленинский РОВД г. Бреста", ValidUntil: "2027-03-15"},
		Address:         ivanovHome,
		RegisteredSince: "2012-06-20",
		Household: []Member{
			{PIN: "4110489A020PB1", Name: "Иванова Елена Викторовна", Relation: "spouse"},
			{PIN: "6050909A008PB3", Name: "Иванова Мария Ивановна", Relation: "daughter"},
		},
		Realty: []Realty{
			{CadastralNumber: "140/D-123456", Address: ivanovHome.String(), Type: "apartment", AreaM2: 64.3, Share: "1/2"},
			{CadastralNumber: "140/C-98765", Address: "224030, Брестская область, г. Брест, ул. Советская, д. 48А, гараж 3", Type: "garage", AreaM2: 18.0, Share: "1/1"},
		},
	},
	{
		PIN: "4110489A020PB1", Surname: "Иванова", Name: "Елена", Patronymic: "Викторовна", Sex: "F", BirthDate: "1989-04-11",
		Document:        Document{Type: "id_card", Number: "100345678", Issued: "2022-06-01", IssuedBy: "Ленинский РОВД г. Бреста", ValidUntil: "2032-06-01"},
		Address:         ivanovHome,
		RegisteredSince: "2012-06-20",
		Household: []Member{
			{PIN: "3270287A012PB2", Name: "Иванов Иван Иванович", Relation: "spouse"},
			{PIN: "6050909A008PB3", Name: "Иванова Мария Ивановна", Relation: "daughter"},
		},
		Realty: []Realty{
			{CadastralNumber: "140/D-123456", Address: ivanovHome.String(), Type: "apartment", AreaM2: 64.3, Share: "1/2"},
		},
	},
	{
		PIN: "6050909A008PB3", Surname: "Иванова", Name: "Мария", Patronymic: "Ивановна", Sex: "F", BirthDate: "2009-09-05",
		Document:        Document{Type: "id_card", Number: "100456789", Issued: "2023-09-12", IssuedBy: "Ленинский РОВД г. Бреста", ValidUntil: "2033-09-12"},
		Address:         ivanovHome,
		RegisteredSince: "2009-10-01",
		Household: []Member{
			{PIN: "3270287A012PB2", Name: "Иванов Иван Иванович", Relation: "father"},
			{PIN: "4110489A020PB1", Name: "Иванова Елена Викторовна", Relation: "mother"},
		},
	},
	{
		// The expired document: a register answer the platform must flag.
		PIN: "3010155H001PB1", Surname: "Ковалёв", Name: "Сергей", Patronymic: "Николаевич", Sex: "M", BirthDate: "1955-01-01",
		Document:        Document{Type: "passport", Series: "KH", Number: "1678902", Issued: "2009-02-10", IssuedBy: "Ленинский РОВД г. Гродно", ValidUntil: "2019-02-10"},
		Address:         kovalevHome,
		RegisteredSince: "1984-05-14",
		Realty: []Realty{
			{CadastralNumber: "400/C-45120", Address: "231701, Гродненская область, Гродненский район, д. Коробчицы, ул. Садовая, д. 9", Type: "house", AreaM2: 96.5, Share: "1/1"},
			{CadastralNumber: "422080000001000345", Address: "231701, Гродненская область, Гродненский район, д. Коробчицы, ул. Садовая, д. 9", Type: "land_plot", AreaM2: 1500, Share: "1/1"},
		},
	},
	{
		PIN: "7123456A001PB9", Surname: "Лукашэвіч", Name: "Алесь", Patronymic: "Міхайлавіч", Sex: "M", BirthDate: "1994-06-18",
		Document:        Document{Type: "id_card", Number: "100567890", Issued: "2021-11-03", IssuedBy: "Фрунзенское РУВД г. Минска", ValidUntil: "2031-11-03"},
		Address:         Address{PostalCode: "220140", Region: "г. Минск", Locality: "г. Минск", Street: "ул. Притыцкого", House: "12", Building: "2", Apartment: "45"},
		RegisteredSince: "2019-03-01",
		Realty: []Realty{
			{CadastralNumber: "500/D-7012345", Address: "220140, г. Минск, ул. Притыцкого, д. 12, корп. 2, кв. 45", Type: "apartment", AreaM2: 48.7, Share: "1/1"},
		},
	},
	{
		PIN: "7409183A027PB3", Surname: "Новік", Name: "Таццяна", Patronymic: "Уладзіміраўна", Sex: "F", BirthDate: "2001-11-30",
		Document:        Document{Type: "id_card", Number: "100678901", Issued: "2024-02-19", IssuedBy: "Октябрьский РОВД г. Витебска", ValidUntil: "2034-02-19"},
		Address:         Address{PostalCode: "210026", Region: "Витебская область", Locality: "г. Витебск", Street: "пр-т Фрунзе", House: "37", Apartment: "88"},
		RegisteredSince: "2020-09-01",
	},
	{
		PIN: "4220785C010PB5", Surname: "Шимановская", Name: "Ольга", Patronymic: "Петровна", Sex: "F", BirthDate: "1985-07-22",
		Document:        Document{Type: "passport", Series: "HB", Number: "3456789", Issued: "2019-10-01", IssuedBy: "Центральный РОВД г. Гомеля", ValidUntil: "2029-10-01"},
		Address:         Address{PostalCode: "246050", Region: "Гомельская область", Locality: "г. Гомель", Street: "пр-т Ленина", House: "21", Apartment: "5"},
		RegisteredSince: "2010-12-07",
		Realty: []Realty{
			{CadastralNumber: "350/D-334455", Address: "246050, Гомельская область, г. Гомель, пр-т Ленина, д. 21, кв. 5", Type: "apartment", AreaM2: 71.2, Share: "1/3"},
			{CadastralNumber: "342080000002000711", Address: "Гомельская область, Гомельский район, СТ «Сож», уч. 17", Type: "land_plot", AreaM2: 600, Share: "1/1"},
		},
	},
	{
		PIN: "5120304E007PB2", Surname: "Сидоров", Name: "Дмитрий", Patronymic: "Александрович", Sex: "M", BirthDate: "2004-03-12",
		Document:        Document{Type: "passport", Series: "MC", Number: "4567890", Issued: "2022-04-05", IssuedBy: "Минский РОВД", ValidUntil: "2032-04-05"},
		Address:         Address{PostalCode: "223052", Region: "Минская область", District: "Минский район", Locality: "аг. Ратомка", Street: "ул. Парковая", House: "3"},
		RegisteredSince: "2004-04-02",
		Realty: []Realty{
			{CadastralNumber: "623683000001000289", Address: "223052, Минская область, Минский район, аг. Ратомка, ул. Парковая, д. 3", Type: "land_plot", AreaM2: 1200, Share: "1/4"},
		},
	},
	{
		PIN: "4150392M005PB1", Surname: "Петрова", Name: "Анна", Patronymic: "Сергеевна", Sex: "F", BirthDate: "1992-03-15",
		Document:        Document{Type: "passport", Series: "MP", Number: "5678901", Issued: "2020-05-20", IssuedBy: "Советское РУВД г. Минска", ValidUntil: "2030-05-20"},
		Address:         Address{PostalCode: "220012", Region: "г. Минск", Locality: "г. Минск", Street: "ул. Сурганова", House: "7", Apartment: "131"},
		RegisteredSince: "2018-08-15",
		Realty: []Realty{
			{CadastralNumber: "500/D-7098765", Address: "220012, г. Минск, ул. Сурганова, д. 7, кв. 131", Type: "apartment", AreaM2: 39.8, Share: "1/1"},
		},
	},
	{
		PIN: "3300778B014PB8", Surname: "Ковальчук", Name: "Андрей", Patronymic: "Владимирович", Sex: "M", BirthDate: "1978-07-30",
		Document:        Document{Type: "passport", Series: "BM", Number: "6789012", Issued: "2018-08-01", IssuedBy: "Октябрьский РОВД г. Витебска", ValidUntil: "2028-08-01"},
		Address:         Address{PostalCode: "210015", Region: "Витебская область", Locality: "г. Витебск", Street: "ул. Ленина", House: "26", Apartment: "14"},
		RegisteredSince: "2001-02-20",
		Realty: []Realty{
			{CadastralNumber: "200/D-556677", Address: "210015, Витебская область, г. Витебск, ул. Ленина, д. 26, кв. 14", Type: "apartment", AreaM2: 55.0, Share: "1/1"},
		},
	},
}

// castByPIN indexes the cast; built once, read-only afterwards.
var castByPIN = func() map[string]int {
	m := make(map[string]int, len(cast))
	for i, p := range cast {
		m[p.PIN] = i
	}
	return m
}()

// People returns the fixed cast, a fresh copy each time so a caller cannot
// change what the registers answer.
func People() []Person {
	out := make([]Person, len(cast))
	for i, p := range cast {
		out[i] = p.clone()
	}
	return out
}

func (p Person) clone() Person {
	p.Household = append([]Member(nil), p.Household...)
	p.Realty = append([]Realty(nil), p.Realty...)
	return p
}

// Lookup is what the registers know about pin: a cast member, a person
// generated from the number, or nothing (ok false) for a number that fails
// identity.ParsePIN or carries a wrong check digit — a register knows only
// numbers it issued.
func Lookup(pin string) (Person, bool) {
	n := identity.NormalizePIN(pin)
	if i, ok := castByPIN[n]; ok {
		return cast[i].clone(), true
	}
	p, warnings, err := identity.ParsePIN(pin)
	if err != nil || len(warnings) > 0 {
		return Person{}, false
	}
	return generate(p.String()), true
}

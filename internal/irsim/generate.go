package irsim

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"
)

// stream is splitmix64 seeded from the PIN's SHA-256. It is written out
// here rather than taken from math/rand so that a PIN maps to the same
// person with every Go release, not just every run: demo scripts and other
// teams' test expectations are written against these people.
type stream struct{ state uint64 }

func newStream(pin string) *stream {
	sum := sha256.Sum256([]byte("irsim person v1\x00" + pin))
	return &stream{state: binary.BigEndian.Uint64(sum[:8]) ^ binary.BigEndian.Uint64(sum[8:16])}
}

func (s *stream) next() uint64 {
	s.state += 0x9e3779b97f4a7c15
	z := s.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn is uniform enough in [0, n) for n far below 2^64.
func (s *stream) intn(n int) int { return int(s.next() % uint64(n)) }

func (s *stream) between(lo, hi int) int { return lo + s.intn(hi-lo+1) }

func pick[T any](s *stream, xs []T) T { return xs[s.intn(len(xs))] }

// generatedUntil is the last year generated documents and registrations
// fall in. Fixed rather than "now" so a person does not change with the
// calendar; only the document's validity flag does, at answer time.
const generatedUntil = 2025

type city struct {
	region, district, locality string
	postal                     string // first three digits of the postal code
	issuedBy, series           string // passport office and series
	cadastre                   string // inventory number prefix
	streets                    []string
}

var cities = []city{
	{"г. Минск", "", "г. Минск", "220", "Фрунзенское РУВД г. Минска", "MP", "500", []string{"ул. Притыцкого", "пр-т Независимости", "ул. Сурганова", "ул. Якуба Коласа", "пр-т Победителей", "ул. Немига"}},
	{"г. Минск", "", "г. Минск", "220", "Советское РУВД г. Минска", "MP", "500", []string{"ул. Богдановича", "ул. Кульман", "пр-т Машерова"}},
	{"Брестская область", "", "г. Брест", "224", "Ленинский РОВД г. Бреста", "AB", "140", []string{"ул. Советская", "ул. Московская", "бул. Шевченко"}},
	{"Гомельская область", "", "г. Гомель", "246", "Центральный РОВД г. Гомеля", "HB", "350", []string{"ул. Советская", "пр-т Ленина", "ул. Кирова"}},
	{"Витебская область", "", "г. Витебск", "210", "Октябрьский РОВД г. Витебска", "BM", "200", []string{"ул. Ленина", "пр-т Фрунзе", "ул. Гагарина"}},
	{"Гродненская область", "", "г. Гродно", "230", "Ленинский РОВД г. Гродно", "KH", "400", []string{"ул. Ожешко", "ул. Горького", "пр-т Космонавтов"}},
	{"Могилёвская область", "", "г. Могилёв", "212", "Ленинский РОВД г. Могилёва", "KB", "700", []string{"пр-т Мира", "ул. Первомайская", "ул. Ленинская"}},
	{"Минская область", "Борисовский район", "г. Борисов", "222", "Борисовский РОВД", "MC", "600", []string{"ул. Гагарина", "ул. Чапаева", "ул. Строителей"}},
}

type surname struct{ m, f string }

var surnames = []surname{
	{"Иванов", "Иванова"}, {"Петров", "Петрова"}, {"Ковалёв", "Ковалёва"}, {"Новиков", "Новикова"},
	{"Морозов", "Морозова"}, {"Козлов", "Козлова"}, {"Соколов", "Соколова"}, {"Лукашевич", "Лукашевич"},
	{"Жук", "Жук"}, {"Шевчук", "Шевчук"}, {"Кравченко", "Кравченко"}, {"Мельник", "Мельник"},
	{"Войтович", "Войтович"}, {"Климович", "Климович"}, {"Савицкий", "Савицкая"}, {"Василевский", "Василевская"},
	{"Романович", "Романович"}, {"Карпович", "Карпович"}, {"Бондаренко", "Бондаренко"}, {"Сидоренко", "Сидоренко"},
}

var maleNames = []string{"Иван", "Алексей", "Дмитрий", "Сергей", "Андрей", "Николай", "Павел", "Михаил", "Владимир", "Артём", "Максим", "Александр", "Виктор", "Юрий", "Олег"}

var femaleNames = []string{"Анна", "Елена", "Ольга", "Татьяна", "Наталья", "Мария", "Ирина", "Светлана", "Екатерина", "Юлия", "Дарья", "Алина", "Валентина", "Людмила", "Анастасия"}

type patronymic struct{ m, f string }

var patronymics = []patronymic{
	{"Иванович", "Ивановна"}, {"Алексеевич", "Алексеевна"}, {"Дмитриевич", "Дмитриевна"}, {"Сергеевич", "Сергеевна"},
	{"Андреевич", "Андреевна"}, {"Николаевич", "Николаевна"}, {"Павлович", "Павловна"}, {"Михайлович", "Михайловна"},
	{"Владимирович", "Владимировна"}, {"Александрович", "Александровна"}, {"Викторович", "Викторовна"},
	{"Юрьевич", "Юрьевна"}, {"Олегович", "Олеговна"}, {"Петрович", "Петровна"},
}

// generate makes the person the registers hold for a valid PIN outside the
// cast. Generated people live alone: a household member would need a PIN of
// their own that generates back to the same family, which hashing cannot
// promise.
func generate(pin string) Person {
	s := newStream(pin)
	sex, birth, ok := fromOlderPIN(pin)
	if !ok {
		sex = pick(s, []string{"M", "F"})
		birth = time.Date(s.between(1940, 2007), time.Month(s.between(1, 12)), s.between(1, 28), 0, 0, 0, 0, time.UTC)
	}
	p := Person{PIN: pin, Sex: sex, BirthDate: birth.Format(time.DateOnly)}
	sn, pn := pick(s, surnames), pick(s, patronymics)
	if sex == "M" {
		p.Surname, p.Name, p.Patronymic = sn.m, pick(s, maleNames), pn.m
	} else {
		p.Surname, p.Name, p.Patronymic = sn.f, pick(s, femaleNames), pn.f
	}

	c := pick(s, cities)
	p.Address = Address{
		PostalCode: fmt.Sprintf("%s%03d", c.postal, s.between(1, 99)),
		Region:     c.region, District: c.district, Locality: c.locality,
		Street:    pick(s, c.streets),
		House:     fmt.Sprint(s.between(1, 120)),
		Apartment: fmt.Sprint(s.between(1, 200)),
	}
	p.RegisteredSince = dateBetween(s, max(birth.Year(), 1990), generatedUntil)
	if p.RegisteredSince < p.BirthDate {
		p.RegisteredSince = p.BirthDate // registered at birth
	}

	// Documents are issued from 14 (earlier only for ID cards asked for a
	// child) and are valid ten years, so older issues have expired by now.
	lo := min(max(birth.Year()+14, 2010), generatedUntil)
	issued := dateBetween(s, lo, generatedUntil)
	iy, _ := time.Parse(time.DateOnly, issued)
	doc := Document{Issued: issued, IssuedBy: c.issuedBy, ValidUntil: iy.AddDate(10, 0, 0).Format(time.DateOnly)}
	if iy.Year() >= 2021 && s.intn(2) == 0 || birth.Year()+14 > generatedUntil {
		doc.Type, doc.Number = "id_card", fmt.Sprintf("1%08d", s.intn(100000000))
	} else {
		doc.Type, doc.Series, doc.Number = "passport", c.series, fmt.Sprintf("%07d", s.intn(10000000))
	}
	p.Document = doc

	// Most adults own a share of their home; some own a garage or a plot.
	if birth.Year() <= generatedUntil-18 && s.intn(3) > 0 {
		p.Realty = append(p.Realty, Realty{
			CadastralNumber: fmt.Sprintf("%s/D-%06d", c.cadastre, s.intn(1000000)),
			Address:         p.Address.String(),
			Type:            "apartment",
			AreaM2:          float64(s.between(280, 1100)) / 10,
			Share:           pick(s, []string{"1/1", "1/1", "1/2", "1/3"}),
		})
		if s.intn(3) == 0 {
			kind := pick(s, []string{"garage", "land_plot"})
			area := float64(s.between(150, 300)) / 10
			num := fmt.Sprintf("%s/C-%05d", c.cadastre, s.intn(100000))
			if kind == "land_plot" {
				area = float64(s.between(4, 15) * 100)
				num = fmt.Sprintf("%s%015d", c.cadastre, s.next()%1_000_000_000_000_000)
			}
			p.Realty = append(p.Realty, Realty{
				CadastralNumber: num,
				Address:         fmt.Sprintf("%s, %s, %s, д. %dА", c.region, c.locality, pick(s, c.streets), s.between(1, 120)),
				Type:            kind, AreaM2: area, Share: "1/1",
			})
		}
	}
	return p
}

// fromOlderPIN reads sex and birth date from a number of the older shape,
// whose first digit gives sex and century (1/2 the 1800s, 3/4 the 1900s,
// 5/6 the 2000s; odd male) and next six the date as DDMMYY. A real register
// stores these facts; the simulator keeps them consistent with the number
// so a tester comparing the two sees no contradiction.
func fromOlderPIN(pin string) (sex string, birth time.Time, ok bool) {
	d := pin[0]
	if d < '1' || d > '6' {
		return "", time.Time{}, false
	}
	century := 1800 + 100*int((d-'1')/2)
	b, err := time.Parse("020106", pin[1:7])
	if err != nil {
		return "", time.Time{}, false
	}
	birth = time.Date(century+b.Year()%100, b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	// time.Date rolls 29 February of a non-leap century year into March;
	// such a number does not encode a date.
	if birth.Day() != b.Day() || birth.Year() < 1900 || birth.Year() > generatedUntil {
		return "", time.Time{}, false
	}
	sex = "F"
	if (d-'0')%2 == 1 {
		sex = "M"
	}
	return sex, birth, true
}

func dateBetween(s *stream, fromYear, toYear int) string {
	if toYear < fromYear {
		toYear = fromYear
	}
	return time.Date(s.between(fromYear, toYear), time.Month(s.between(1, 12)), s.between(1, 28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}

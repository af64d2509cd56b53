package identity

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"unicode"

	"odnookno/internal/fault"
)

// Registry answers for the interior ministry's personal-data register
// (R637, item 2 of the resolution; p. 6, third paragraph): it confirms that
// the data of the application match the identity document.
//
// The production implementation is an inter-agency request through the
// interoperability layer; until that client exists the composition root
// plugs in a simulated register (SimRegistry here, or the project's
// simulated information resources) behind this same interface.
type Registry interface {
	// Person returns the register's record for pin: an error of kind
	// fault.NotFound when there is none, fault.Unavailable when the
	// register cannot answer now.
	Person(ctx context.Context, pin PIN) (RegistryPerson, error)
}

// RegistryPerson is what the register says about a person.
type RegistryPerson struct {
	PIN        PIN
	Surname    string
	Name       string
	Patronymic string
	BirthDate  string // YYYY-MM-DD
	// DocumentValid is false when the identity document with this number
	// has been declared invalid (expired, lost, replaced): p. 7, second
	// paragraph.
	DocumentValid bool
}

// SimRegistry is a register of fixed test people, for tests and the
// demonstration until the inter-agency client is wired in.
type SimRegistry struct {
	mu     sync.Mutex
	people map[PIN]RegistryPerson
	down   bool
}

// TestPeople are the people the simulated register knows. Each PIN has a
// correct check digit. The third one's document is invalid.
var TestPeople = []RegistryPerson{
	{PIN: "3270287A012PB2", Surname: "Иванов", Name: "Иван", Patronymic: "Иванович", BirthDate: "1987-02-27", DocumentValid: true},
	{PIN: "4150590B001PB8", Surname: "Петрова", Name: "Анна", Patronymic: "Сергеевна", BirthDate: "1990-05-15", DocumentValid: true},
	{PIN: "3031175C004PB6", Surname: "Сидоров", Name: "Павел", Patronymic: "Андреевич", BirthDate: "1975-11-03", DocumentValid: false},
	{PIN: "4220195E017PB5", Surname: "Ковальчук", Name: "Алеся", Patronymic: "Викторовна", BirthDate: "1995-01-22", DocumentValid: true},
	{PIN: "3110700H025PB8", Surname: "Лукашевич", Name: "Алесь", Patronymic: "", BirthDate: "2000-07-11", DocumentValid: true},
	{PIN: "7010190A001PB7", Surname: "Новик", Name: "Ёжи", Patronymic: "Станиславович", BirthDate: "1990-01-01", DocumentValid: true},
	{PIN: "7150385A002PB7", Surname: "Жукова", Name: "Мария", Patronymic: "Олеговна", BirthDate: "1985-03-15", DocumentValid: true},
	{PIN: "4080888M003PB1", Surname: "Гринкевич", Name: "Ольга", Patronymic: "Петровна", BirthDate: "1988-08-08", DocumentValid: true},
}

// NewSimRegistry returns a register of people (TestPeople when none).
func NewSimRegistry(people ...RegistryPerson) *SimRegistry {
	if len(people) == 0 {
		people = TestPeople
	}
	r := &SimRegistry{people: map[PIN]RegistryPerson{}}
	for _, p := range people {
		r.people[p.PIN] = p
	}
	return r
}

// Person implements Registry.
func (r *SimRegistry) Person(ctx context.Context, pin PIN) (RegistryPerson, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down {
		return RegistryPerson{}, fmt.Errorf("identity: simulated register: %w", fault.Unavailable)
	}
	p, ok := r.people[pin]
	if !ok {
		return RegistryPerson{}, fmt.Errorf("identity: simulated register: %s: %w", pin.Masked(), fault.NotFound)
	}
	return p, nil
}

// Set adds or replaces a person (a document declared invalid, say).
func (r *SimRegistry) Set(p RegistryPerson) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.people[p.PIN] = p
}

// SetDown makes every request fail as unavailable, to test the retry path.
func (r *SimRegistry) SetDown(down bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down = down
}

// mismatches names the fields of the application that differ from the
// register's record. Names are compared the way a person reads them: case,
// spacing around hyphens and Ё/Е do not matter.
func mismatches(a Applicant, p RegistryPerson) []string {
	var out []string
	if normName(a.Surname) != normName(p.Surname) {
		out = append(out, "surname")
	}
	if normName(a.Name) != normName(p.Name) {
		out = append(out, "name")
	}
	if normName(a.Patronymic) != normName(p.Patronymic) {
		out = append(out, "patronymic")
	}
	if a.BirthDate != p.BirthDate {
		out = append(out, "birth_date")
	}
	return out
}

func normName(s string) string {
	s = strings.ToUpper(strings.Join(strings.Fields(s), " "))
	s = strings.NewReplacer("Ё", "Е", " - ", "-", " -", "-", "- ", "-", "’", "'", "ʼ", "'").Replace(s)
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

package irsim

import "time"

// Resource and service names as they appear in envelopes ("<resource>/<service>").
const (
	ResourceMVD       = "mvd"
	ResourceResidence = "residence"
	ResourceProperty  = "property"

	ServicePerson  = ResourceMVD + "/person"
	ServiceAddress = ResourceResidence + "/address"
	ServiceRealty  = ResourceProperty + "/realty"
)

// Resources lists the simulated resources, each of which signs with its
// own key (DevKeys issues one per resource).
func Resources() []string { return []string{ResourceMVD, ResourceResidence, ResourceProperty} }

// Services lists the services the simulator answers.
func Services() []string { return []string{ServicePerson, ServiceAddress, ServiceRealty} }

// The answer payloads below are the simulated registers' wire format. The
// platform's adapters decode them with their own types (production code
// does not import the simulator); these exist for the simulator and its
// tests, and as the format's reference.

// PersonQuery is the payload every service accepts.
type PersonQuery struct {
	PIN string `json:"pin"`
}

// PersonAnswer is mvd/person: personal data and the current identity
// document.
type PersonAnswer struct {
	PIN        string         `json:"pin"`
	Surname    string         `json:"surname"`
	Name       string         `json:"name"`
	Patronymic string         `json:"patronymic"`
	Sex        string         `json:"sex"`
	BirthDate  string         `json:"birth_date"`
	Document   DocumentAnswer `json:"document"`
}

// DocumentAnswer is the document with the register's verdict on its
// validity on the day of the answer.
type DocumentAnswer struct {
	Document
	Valid bool `json:"valid"`
}

// AddressAnswer is residence/address: where the person is registered and
// who else is registered there.
type AddressAnswer struct {
	PIN             string   `json:"pin"`
	Address         Address  `json:"address"`
	AddressText     string   `json:"address_text"`
	RegisteredSince string   `json:"registered_since"`
	Members         []Member `json:"members"`
}

// RealtyAnswer is property/realty: every object the person holds a share
// in; an empty list is the register's statement that there is none.
type RealtyAnswer struct {
	PIN     string   `json:"pin"`
	Objects []Realty `json:"objects"`
}

// minsk is the zone in which the registers' dates are calendar dates.
var minsk = time.FixedZone("Europe/Minsk", 3*60*60)

// answerFor builds service's payload for p as of now.
func answerFor(service string, p Person, now time.Time) any {
	switch service {
	case ServicePerson:
		today := now.In(minsk).Format(time.DateOnly)
		return PersonAnswer{
			PIN: p.PIN, Surname: p.Surname, Name: p.Name, Patronymic: p.Patronymic,
			Sex: p.Sex, BirthDate: p.BirthDate,
			// Dates are YYYY-MM-DD, so text order is calendar order; a
			// document is valid through its last day.
			Document: DocumentAnswer{Document: p.Document, Valid: today <= p.Document.ValidUntil},
		}
	case ServiceAddress:
		members := p.Household
		if members == nil {
			members = []Member{}
		}
		return AddressAnswer{PIN: p.PIN, Address: p.Address, AddressText: p.Address.String(), RegisteredSince: p.RegisteredSince, Members: members}
	case ServiceRealty:
		objects := p.Realty
		if objects == nil {
			objects = []Realty{}
		}
		return RealtyAnswer{PIN: p.PIN, Objects: objects}
	}
	return nil
}

package interop

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"odnookno/internal/audit"
	"odnookno/internal/fault"
)

// SeedConfig places the demo's simulated resources.
type SeedConfig struct {
	// BaseURL is where the simulator serves (irsim routes POST / by the
	// signed service name); empty registers the resources without an
	// endpoint, reachable through СМДО only.
	BaseURL string
	// Owners maps a resource code to its owner body's code; missing entries
	// take DefaultOwners. The bodies must exist.
	Owners map[string]string
	// BindSigners makes each resource accept only answers signed by a
	// certificate whose organizational unit is the resource's code, as the
	// simulator's development keys are issued.
	BindSigners bool
	Actor       audit.Actor
}

// DefaultOwners: the interior ministry keeps the personal-data and the
// residence registers; the national cadastral agency the real estate one.
var DefaultOwners = map[string]string{"mvd": "mvd", "residence": "mvd", "property": "nka"}

// DemoResources are the three simulated resources and their services, with
// the simulator's wire format as input and output fields.
func DemoResources(c SeedConfig) []Resource {
	endpoint := ""
	if c.BaseURL != "" {
		endpoint = strings.TrimRight(c.BaseURL, "/") + "/"
	}
	pin := []Field{{Name: "pin", Required: true, LabelRU: "Идентификационный номер", LabelBE: "Ідэнтыфікацыйны нумар"}}
	out := func(names ...string) []Field {
		var f []Field
		for _, n := range names {
			f = append(f, Field{Name: n})
		}
		return f
	}
	rs := []Resource{
		{Code: "mvd", NameRU: "Регистр персональных данных МВД", NameBE: "Рэгістр персанальных даных МУС", AnswerDays: 1,
			Services: []ResourceService{{Code: "person", NameRU: "Персональные данные и документ, удостоверяющий личность",
				NameBE: "Персанальныя даныя і дакумент, які сведчыць асобу", Input: pin,
				Output: out("pin", "surname", "name", "patronymic", "sex", "birth_date", "document")}}},
		{Code: "residence", NameRU: "Регистр населения: место жительства", NameBE: "Рэгістр насельніцтва: месца жыхарства", AnswerDays: 1,
			Services: []ResourceService{{Code: "address", NameRU: "Сведения о регистрации по месту жительства",
				NameBE: "Звесткі аб рэгістрацыі па месцы жыхарства", Input: pin,
				Output: out("pin", "address", "address_text", "registered_since", "members")}}},
		{Code: "property", NameRU: "Единый государственный регистр недвижимого имущества", NameBE: "Адзіны дзяржаўны рэгістр нерухомай маёмасці", AnswerDays: 2,
			Services: []ResourceService{{Code: "realty", NameRU: "Сведения о правах на недвижимое имущество",
				NameBE: "Звесткі аб правах на нерухомую маёмасць", Input: pin, Output: out("pin", "objects")}}},
	}
	for i := range rs {
		rs[i].Endpoint, rs[i].Status = endpoint, ResourceActive
		rs[i].OwnerBody = DefaultOwners[rs[i].Code]
		if o := c.Owners[rs[i].Code]; o != "" {
			rs[i].OwnerBody = o
		}
		if c.BindSigners {
			rs[i].SignerOU = rs[i].Code
		}
	}
	return rs
}

// Seed registers the demo resources that are not registered yet; running it
// again changes nothing, and an operator's later edits are kept.
func (s *Service) Seed(ctx context.Context, c SeedConfig) ([]Resource, error) {
	if c.Actor.ID == "" {
		c.Actor = audit.System
	}
	var out []Resource
	for _, r := range DemoResources(c) {
		got, err := s.Resource(ctx, r.Code)
		if errors.Is(err, fault.NotFound) {
			got, err = s.SaveResource(ctx, r, c.Actor)
		}
		if err != nil {
			return nil, fmt.Errorf("interop: seed %s: %w", r.Code, err)
		}
		out = append(out, got)
	}
	return out, nil
}

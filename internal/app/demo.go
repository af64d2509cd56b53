package app

import (
	"context"
	"fmt"

	"odnookno/internal/org"
)

// demoBodies are the organisations of the demo data set.
var demoBodies = []org.Body{
	{Code: "nces", NameRU: "Национальный центр электронных услуг (оператор ОАИС)", NameBE: "Нацыянальны цэнтр электронных паслуг (аператар АДАІС)", Kinds: []string{org.KindOperator}, Email: "operator@nces.demo"},
	{Code: "minsk-oo", NameRU: "Служба «одно окно» администрации Центрального района г. Минска", NameBE: "Служба «адно акно» адміністрацыі Цэнтральнага раёна г. Мінска", Kinds: []string{org.KindIssuance, org.KindAuthorized}, Address: "г. Минск, ул. Кирова, 8", Email: "oo@central.minsk.demo"},
	{Code: "mvd", NameRU: "Министерство внутренних дел Республики Беларусь", NameBE: "Міністэрства ўнутраных спраў Рэспублікі Беларусь", Kinds: []string{org.KindIROwner, org.KindRegulator}, Email: "ir@mvd.demo"},
}

// demoStaff are the demo accounts; their passwords are in the README, and
// they exist only when the service is started with --demo.
var demoStaff = []org.NewStaff{
	{BodyCode: "nces", Login: "operator", FullName: "Ковалёва Анна Сергеевна", Position: "инженер службы поддержки", Roles: []string{org.RoleOperator}, Password: "demo-operator-2026", Email: "operator@nces.demo"},
	{BodyCode: "minsk-oo", Login: "vydacha", FullName: "Петров Сергей Николаевич", Position: "специалист службы выдачи", Roles: []string{org.RoleIssuance, org.RoleRegistrar}, Password: "demo-vydacha-2026"},
}

// loadDemo loads the demo data set. Every loader is idempotent: running the
// demo again changes nothing.
func loadDemo(ctx context.Context, sys *System) error {
	for _, b := range demoBodies {
		if _, err := sys.Org.EnsureBody(ctx, b); err != nil {
			return fmt.Errorf("demo body %s: %w", b.Code, err)
		}
	}
	for _, st := range demoStaff {
		if _, err := sys.Org.EnsureStaff(ctx, st); err != nil {
			return fmt.Errorf("demo staff %s: %w", st.Login, err)
		}
	}
	return nil
}

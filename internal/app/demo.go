package app

import (
	"context"
	"fmt"

	"odnookno/internal/catalog"
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

// demoStaffMore are the accounts of the demo procedures' bodies.
var demoStaffMore = []org.NewStaff{
	{BodyCode: "mzhkh", Login: "regulator", FullName: "Сидоренко Ольга Викторовна", Position: "главный специалист управления регламентов", Roles: []string{org.RoleRegulator}, Password: "demo-regulator-2026", Email: "regulator@mzhkh.demo"},
	{BodyCode: "mvd", Login: "mvd-ir", FullName: "Лукашевич Дмитрий Олегович", Position: "администратор информационного ресурса", Roles: []string{org.RoleIROwner}, Password: "demo-mvd-ir-2026", Email: "ir@mvd.demo"},
	{BodyCode: "nka", Login: "nka-ir", FullName: "Гриневич Татьяна Павловна", Position: "администратор регистра недвижимости", Roles: []string{org.RoleIROwner}, Password: "demo-nka-ir-2026", Email: "ir@nka.demo"},
	{BodyCode: "central-adm", Login: "ispolnitel", FullName: "Мороз Наталья Игоревна", Position: "ведущий специалист отдела учёта", Roles: []string{org.RoleOfficer, org.RoleRegistrar}, Password: "demo-ispolnitel-2026", Email: "moroz@central.demo"},
	{BodyCode: "central-adm", Login: "rukovoditel", FullName: "Ковальчук Андрей Викторович", Position: "заместитель главы администрации", Roles: []string{org.RoleHead}, Password: "demo-rukovoditel-2026", Email: "head@central.demo"},
	// The body that decides complaints about the district's decisions.
	{BodyCode: "mingorispolkom", Login: "mgik-ispolnitel", FullName: "Олешкевич Ирина Павловна", Position: "главный специалист отдела по работе с обращениями", Roles: []string{org.RoleOfficer, org.RoleRegistrar}, Password: "demo-mgik-ispolnitel-2026", Email: "obrashcheniya@minsk.demo"},
	{BodyCode: "mingorispolkom", Login: "mgik-rukovoditel", FullName: "Сенкевич Виктор Аркадьевич", Position: "заместитель председателя Мингорисполкома", Roles: []string{org.RoleHead}, Password: "demo-mgik-rukovoditel-2026", Email: "zampred@minsk.demo"},
}

// loadDemo loads the demo data set. Every loader is idempotent: running the
// demo again changes nothing.
func loadDemo(ctx context.Context, sys *System) error {
	for _, b := range append(demoBodies, catalog.DemoBodies()...) {
		if _, err := sys.Org.EnsureBody(ctx, b); err != nil {
			return fmt.Errorf("demo body %s: %w", b.Code, err)
		}
	}
	for _, st := range append(demoStaff, demoStaffMore...) {
		if _, err := sys.Org.EnsureStaff(ctx, st); err != nil {
			return fmt.Errorf("demo staff %s: %w", st.Login, err)
		}
	}
	if sys.IRURL != "" {
		if err := sys.seedResources(ctx, sys.IRURL); err != nil {
			return fmt.Errorf("demo information resources: %w", err)
		}
	}
	if _, err := sys.Procedures.LoadDemo(ctx); err != nil {
		return fmt.Errorf("demo procedures: %w", err)
	}
	if _, err := sys.Procedures.ActivateDue(ctx); err != nil {
		return fmt.Errorf("demo procedures: %w", err)
	}
	if err := loadDemoSigning(ctx, sys); err != nil {
		return fmt.Errorf("demo certificates and grants: %w", err)
	}
	return nil
}

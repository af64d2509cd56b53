package catalog

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"

	"odnookno/internal/audit"
	"odnookno/internal/org"
)

// demoFiles are the regulations of the demo data set: the 19 procedures of
// the project's sample (data/procedures-sample.json), completed where the
// sources were silent and marked demo=true, with bodies.json listing every
// body they name.
//
//go:embed demo
var demoFiles embed.FS

const demoBodiesFile = "bodies.json"

// DemoOwners maps the information resources the demo regulations query to
// the bodies that own them (all listed by DemoBodies).
var DemoOwners = StaticOwners{
	"mvd":            "mvd",     // personal data of citizens
	"residence":      "mvd",     // registration at the place of residence and stay
	"vehicles":       "mvd",     // register of vehicles
	"property":       "nka",     // register of real estate (ЕГРНИ)
	"civil-registry": "minjust", // register of civil-status records
	"egr":            "minjust", // single state register of legal entities and entrepreneurs
	"fszn":           "fszn",    // personified accounting of insured persons
}

// DemoFS is the demo regulation files (without bodies.json), for a command
// that exports or inspects them.
func DemoFS() fs.FS {
	s, err := fs.Sub(demoFiles, "demo")
	if err != nil {
		panic(err)
	}
	return s
}

// DemoBodies are the bodies the demo regulations name: regulators,
// authorized bodies, complaint bodies, resource owners. Create them (org
// EnsureBody) before loading the demo so that staff can act for them.
func DemoBodies() []org.Body {
	data, err := fs.ReadFile(DemoFS(), demoBodiesFile)
	if err != nil {
		panic(err)
	}
	var raw []struct {
		Code   string   `json:"code"`
		NameRU string   `json:"name_ru"`
		NameBE string   `json:"name_be"`
		Kinds  []string `json:"kinds"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		panic(fmt.Sprintf("catalog: demo/%s: %v", demoBodiesFile, err))
	}
	out := make([]org.Body, 0, len(raw))
	for _, b := range raw {
		out = append(out, org.Body{Code: b.Code, NameRU: b.NameRU, NameBE: b.NameBE, Kinds: b.Kinds})
	}
	return out
}

// demoActor is who loads the demo: the platform itself, on the operator's
// behalf.
var demoActor = audit.Actor{ID: "system:demo", Role: audit.RoleSystem}

// LoadDemo imports the demo regulations as the operator's import does:
// approved and in force from their effective date. It is idempotent: a
// second run finds every file unchanged and writes nothing.
func (s *Service) LoadDemo(ctx context.Context) (Report, error) {
	fsys := DemoFS()
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return Report{}, err
	}
	names = slices.DeleteFunc(names, func(n string) bool { return path.Base(n) == demoBodiesFile })
	return s.importFiles(ctx, demoActor, fsys, names)
}

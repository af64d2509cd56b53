package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"gopkg.in/yaml.v3"

	"odnookno/internal/audit"
	"odnookno/internal/fault"
)

var update = flag.Bool("update", false, "rewrite the demo files in canonical form")

func demoNames(t testing.TB) []string {
	t.Helper()
	names, err := fs.Glob(DemoFS(), "*.json")
	mustNoErr(t, err)
	return slices.DeleteFunc(names, func(n string) bool { return n == demoBodiesFile })
}

// The demo set is the whole sample: 19 procedures, each valid, marked demo,
// written in the canonical form Export writes.
func TestDemoFiles(t *testing.T) {
	names := demoNames(t)
	if len(names) != 19 {
		t.Fatalf("%d demo files, want the 19 procedures of the sample", len(names))
	}
	bodies := map[string]bool{}
	for _, b := range DemoBodies() {
		if b.Code == "" || b.NameRU == "" || b.NameBE == "" || len(b.Kinds) == 0 {
			t.Errorf("incomplete demo body %+v", b)
		}
		bodies[b.Code] = true
	}
	for res, owner := range DemoOwners {
		if !bodies[owner] {
			t.Errorf("owner %s of %s is not a demo body", owner, res)
		}
	}
	online := 0
	for _, name := range names {
		data, err := fs.ReadFile(DemoFS(), name)
		mustNoErr(t, err)
		p, probs := parseFile(name, data)
		if len(probs) > 0 {
			t.Errorf("%s: %v", name, importError(probs))
			continue
		}
		f := p.file
		if FileName(f.Procedure) != name {
			t.Errorf("%s should be named %s", name, FileName(f.Procedure))
		}
		r := f.Regulation
		if !r.Demo || r.Notes.IsZero() {
			t.Errorf("%s: demo data must be marked demo and say what was completed", name)
		}
		used := append([]string{f.Procedure.Regulator, r.Complaints.Body}, r.AuthorizedBodies...)
		for _, b := range used {
			if !bodies[b] {
				t.Errorf("%s: body %s missing from demo/bodies.json", name, b)
			}
		}
		for _, res := range r.ResourceCodes() {
			if _, ok := DemoOwners[res]; !ok {
				t.Errorf("%s: resource %s has no owner in DemoOwners", name, res)
			}
		}
		if r.Online() {
			online++
		}
		canon, err := EncodeFile(f)
		mustNoErr(t, err)
		if *update {
			mustNoErr(t, os.WriteFile(filepath.Join("demo", name), canon, 0o644))
		} else if !bytes.Equal(canon, data) {
			t.Errorf("%s is not in canonical form (go test -run TestDemoFiles -update)", name)
		}
	}
	if online == 0 || online == len(names) {
		t.Errorf("%d of %d demo procedures are online; the demo should show both kinds", online, len(names))
	}
}

func auditCount(t *testing.T, f fixture) int {
	t.Helper()
	recs, err := f.log.List(context.Background(), audit.Query{Limit: 500})
	mustNoErr(t, err)
	return len(recs)
}

// snapshot is everything the catalogue holds, to prove an import changed
// nothing.
func snapshot(t *testing.T, f fixture) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	procs, err := f.svc.Procedures(ctx, "")
	mustNoErr(t, err)
	for _, p := range procs {
		fmt.Fprintf(&b, "%+v\n", p)
		vs, err := f.svc.Versions(ctx, p.ID)
		mustNoErr(t, err)
		for _, v := range vs {
			r, err := f.svc.Version(ctx, p.ID, v.Version)
			mustNoErr(t, err)
			c, _ := r.content()
			fmt.Fprintf(&b, "  v%d %s %s\n", v.Version, v.State, c)
		}
	}
	fmt.Fprintf(&b, "audit %d\n", auditCount(t, f))
	return b.String()
}

func TestLoadDemo(t *testing.T) {
	each(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		rep, err := f.svc.LoadDemo(ctx)
		mustNoErr(t, err)
		if rep.Created != 19 || len(rep.Files) != 19 {
			t.Fatalf("report %+v", rep)
		}
		for _, r := range rep.Files {
			if r.State != Active || r.Version != 1 {
				t.Errorf("%s: v%d %s, want v1 active", r.File, r.Version, r.State)
			}
		}
		procs, err := f.svc.Procedures(ctx, "")
		mustNoErr(t, err)
		if len(procs) != 19 {
			t.Fatalf("%d procedures", len(procs))
		}
		h, err := f.svc.History(ctx, rep.Files[0].ProcedureID, 1)
		mustNoErr(t, err)
		if len(h) != 2 || h[0].Action != ActImport || h[0].Actor != demoActor || h[1].Action != ActActivate {
			t.Fatalf("history of an imported version: %+v", h)
		}
		recs, err := f.log.List(ctx, audit.Query{ActionLike: "catalog.regulation.import", Limit: 1})
		mustNoErr(t, err)
		if len(recs) != 1 || recs[0].Details["approval"] != "imported by the operator as approved content" {
			t.Fatalf("import audit %+v", recs)
		}
		before := snapshot(t, f)
		rep, err = f.svc.LoadDemo(ctx)
		mustNoErr(t, err)
		if rep.Unchanged != 19 || rep.Created+rep.NewVersions+rep.Updated != 0 {
			t.Fatalf("second run %+v", rep)
		}
		if after := snapshot(t, f); after != before {
			t.Fatal("loading the demo twice changed the catalogue")
		}
	})
}

// testFile is a one-procedure import set in canonical JSON.
func testFile(t *testing.T) string {
	t.Helper()
	b, err := EncodeFile(File{Procedure: testProcedure(), Regulation: validRegulation(t)})
	mustNoErr(t, err)
	return string(b)
}

// lineOf is the 1-based line of the first occurrence of s after after.
func lineOf(t *testing.T, text, after, s string) int {
	t.Helper()
	start := strings.Index(text, after)
	i := strings.Index(text[start:], s)
	if start < 0 || i < 0 {
		t.Fatalf("%q not in the file", s)
	}
	return strings.Count(text[:start+i], "\n") + 1
}

func replace(t *testing.T, text, old, new string) string {
	t.Helper()
	if !strings.Contains(text, old) {
		t.Fatalf("%q not in the file", old)
	}
	return strings.Replace(text, old, new, 1)
}

func TestImportInvalid(t *testing.T) {
	good := testFile(t)
	type tc struct {
		name, file, text string
		line             int
		path, code       string
	}
	var cases []tc
	{
		text := replace(t, good, `"list": "citizens",`, `"list": "citizens"`)
		cases = append(cases, tc{"bad JSON syntax", "x.json", text, lineOf(t, text, "", `"number"`), "", CodeSyntax})
	}
	{
		text := replace(t, good, `  "regulation": {`, `  "regulation": {`+"\n    \"bogus\": 1,")
		cases = append(cases, tc{"unknown key", "x.json", text, lineOf(t, text, "", `"bogus"`), "regulation.bogus", CodeUnknownKey})
	}
	{
		text := replace(t, good, `"duties": {
      "ru": "Соблюдать сроки."
    },`, ``)
		cases = append(cases, tc{"missing p.6 item (duties)", "x.json", text, lineOf(t, text, "", `"regulation"`), "regulation.duties", CodeRequired})
	}
	{
		text := replace(t, good, `"term": "в день обращения"`, `"term": "10 дней, а в случае запроса — 1 месяц"`)
		cases = append(cases, tc{"bad term", "x.json", text, lineOf(t, text, `"form"`, `"term": "10 дней,`), "regulation.term", CodeInvalidTerm})
	}
	{
		text := replace(t, good, `"max_size": 10485760`, `"max_size": "large"`)
		cases = append(cases, tc{"wrong type", "x.json", text, lineOf(t, text, "", `"max_size": "large"`), "regulation.documents[1].max_size", CodeWrongType})
	}
	{
		text := replace(t, good, `"max_size": 10485760`, `"max_size": 0`)
		cases = append(cases, tc{"invalid value deep in a list", "x.json", text, lineOf(t, text, "", `"max_size": 0`), "regulation.documents[1].max_size", CodeRequired})
	}
	{
		text := replace(t, good, `"form": "address"`, `"form": "street"`)
		cases = append(cases, tc{"mapping to a missing field", "x.json", text, lineOf(t, text, "", `"form": "street"`), "regulation.resources[1].mapping[0].form", CodeUnknownField})
	}
	{
		text := replace(t, good, `"effective_date": "2026-01-01"`, `"effective_date": "01.01.2026"`)
		cases = append(cases, tc{"bad date", "x.json", text, lineOf(t, text, "", `"effective_date"`), "regulation.effective_date", CodeInvalidDate})
	}
	{
		text := replace(t, good, `"number": "1.3.4"`, `"number": "1.3.4.x"`)
		cases = append(cases, tc{"bad procedure number", "x.json", text, lineOf(t, text, "", `"number": "1.3.4.x"`), "procedure.number", CodeInvalidNumber})
	}
	{
		text := replace(t, good, "\n}\n", "\n}\n{}\n")
		cases = append(cases, tc{"trailing data", "x.json", text, strings.Count(text, "\n"), "", CodeSyntax})
	}
	{
		text := replace(t, good, `  "regulation": {`, `  "regulation": {`+"\n    \"duties\": {\"ru\": \"x\"},")
		cases = append(cases, tc{"duplicate key", "x.json", text, lineOf(t, text, `"cabinet"`, `"duties"`), "regulation.duties", CodeDuplicateKey})
	}
	{
		y := toYAML(t, good)
		y = replace(t, y, "term: в день обращения", "term: 10 суток")
		cases = append(cases, tc{"yaml bad term", "x.yaml", y, lineOf(t, y, "form:", "term: 10 суток"), "regulation.term", CodeInvalidTerm})
	}
	{
		y := toYAML(t, good)
		y = replace(t, y, "max_size: 10485760", "max_size: [1]")
		cases = append(cases, tc{"yaml wrong type", "x.yaml", y, lineOf(t, y, "", "max_size: [1]"), "regulation.documents[1].max_size", CodeWrongType})
	}
	{
		y := toYAML(t, good)
		y = replace(t, y, "procedure:", "procedure:\n  - : :")
		// The line of a YAML syntax error is the parser's own.
		cases = append(cases, tc{"yaml syntax", "x.yaml", y, 0, "", CodeSyntax})
	}
	{
		y := toYAML(t, good)
		y = replace(t, y, "regulation:\n", "regulation:\n    term: 1 день\n")
		cases = append(cases, tc{"yaml duplicate key", "x.yaml", y, lineOf(t, y, "form:", "term: в день"), "regulation.term", CodeDuplicateKey})
	}

	each(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		_, err := f.svc.LoadDemo(ctx)
		mustNoErr(t, err)
		before := snapshot(t, f)
		// A valid change to a demo procedure travels with each broken file:
		// it must not be written either.
		changed := changedDemoFile(t)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				fsys := fstest.MapFS{
					"citizens-1.3.4.json": {Data: changed},
					c.file:                {Data: []byte(c.text)},
				}
				_, err := f.svc.Import(ctx, operatorActor, fsys)
				wantKind(t, err, fault.Invalid, CodeImportInvalid)
				var fe *fault.Error
				errors.As(err, &fe)
				found := false
				for _, fl := range fe.Fields {
					if fl.Code != c.code || fl.Params["file"] != c.file || fl.Params["path"] != c.path {
						continue
					}
					found = true
					if c.line > 0 && fl.Params["line"] != c.line {
						t.Errorf("line %v, want %d (%s)", fl.Params["line"], c.line, fl.Field)
					}
					where := fmt.Sprintf("%s:%v", c.file, fl.Params["line"])
					if c.path != "" {
						where += ": " + c.path
					}
					if fl.Field != where {
						t.Errorf("field %q does not name file, line and path", fl.Field)
					}
				}
				if !found {
					t.Fatalf("want %s at %s %s, got %v", c.code, c.file, c.path, err)
				}
				if !strings.Contains(err.Error(), c.file+":") {
					t.Errorf("message %q does not name the file", err)
				}
				if after := snapshot(t, f); after != before {
					t.Fatal("a rejected import changed the catalogue")
				}
			})
		}
		// The same change alone goes through, as a new version.
		rep, err := f.svc.Import(ctx, operatorActor, fstest.MapFS{"a.json": {Data: changed}})
		mustNoErr(t, err)
		if rep.NewVersions != 1 || rep.Files[0].Version != 2 || rep.Files[0].State != Active {
			t.Fatalf("report %+v", rep)
		}
		p, err := f.svc.ProcedureByNumber(ctx, Citizens, "1.3.4")
		mustNoErr(t, err)
		wantState(t, f, p, 1, Superseded)
	})
}

// changedDemoFile is the demo's 1.3.4 with a new term from 2026-02-01.
func changedDemoFile(t *testing.T) []byte {
	t.Helper()
	data, err := fs.ReadFile(DemoFS(), "citizens-1.3.4.json")
	mustNoErr(t, err)
	s := replace(t, string(data), `"term": "в день обращения"`, `"term": "3 рабочих дня"`)
	s = replace(t, s, `"effective_date": "2026-01-01"`, `"effective_date": "2026-02-01"`)
	return []byte(s)
}

func toYAML(t *testing.T, jsonText string) string {
	t.Helper()
	var n yaml.Node
	mustNoErr(t, yaml.Unmarshal([]byte(jsonText), &n)) // JSON is YAML; keep key order
	setBlockStyle(&n)
	out, err := yaml.Marshal(&n)
	mustNoErr(t, err)
	return string(out)
}

func setBlockStyle(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		setBlockStyle(c)
	}
}

// Every problem of a file is reported at once, shape and content alike.
func TestImportReportsAll(t *testing.T) {
	t.Parallel()
	text := testFile(t)
	text = replace(t, text, `"term": "в день обращения"`, `"term": "две недели"`)
	text = replace(t, text, `"max_size": 10485760`, `"max_size": 0`)
	text = replace(t, text, `"max_size": 5242880`, `"max_size": "big"`)
	text = replace(t, text, `"duties": {
      "ru": "Соблюдать сроки."
    },`, ``)
	_, probs := parseFile("a.json", []byte(text))
	got := fieldErrs(importError(probs))
	want := map[string][]string{
		"a.json:14: regulation.duties":                {CodeRequired},
		"a.json:77: regulation.documents[0].max_size": {CodeWrongType},
		"a.json:87: regulation.documents[1].max_size": {CodeRequired},
		"a.json:208: regulation.term":                 {CodeInvalidTerm},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("problems\n got %v\nwant %v", got, want)
	}
}

func TestImportRules(t *testing.T) {
	each(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		good := []byte(testFile(t))
		_, err := f.svc.Import(ctx, regulatorActor, fstest.MapFS{"a.json": {Data: good}})
		wantKind(t, err, fault.Forbidden, CodeNotOperator)
		_, err = f.svc.Import(ctx, operatorActor, fstest.MapFS{"readme.txt": {Data: []byte("x")}})
		wantKind(t, err, fault.Invalid, CodeNoFiles)

		// Two files of one procedure.
		_, err = f.svc.Import(ctx, operatorActor, fstest.MapFS{"a.json": {Data: good}, "b.json": {Data: good}})
		wantField(t, err, "b.json:4: procedure.number", CodeDuplicateFile)

		// YAML imports like JSON and lands active.
		rep, err := f.svc.Import(ctx, operatorActor, fstest.MapFS{"sub/a.yaml": {Data: []byte(toYAML(t, string(good)))}})
		mustNoErr(t, err)
		if rep.Created != 1 || rep.Files[0].State != Active || rep.Files[0].File != "sub/a.yaml" {
			t.Fatalf("yaml import %+v", rep)
		}
		rep, err = f.svc.Import(ctx, operatorActor, fstest.MapFS{"a.json": {Data: good}})
		mustNoErr(t, err)
		if rep.Unchanged != 1 {
			t.Fatalf("same content as JSON: %+v", rep)
		}

		// A version in progress is not imported over.
		p, err := f.svc.ProcedureByNumber(ctx, Citizens, "1.3.4")
		mustNoErr(t, err)
		draft(t, f, p, nil)
		changed := strings.Replace(string(good), `"term": "в день обращения"`, `"term": "1 день"`, 1)
		_, err = f.svc.Import(ctx, operatorActor, fstest.MapFS{"a.json": {Data: []byte(changed)}})
		wantField(t, err, "a.json:4: procedure.number", CodeImportInProgress)

		// An older effective date than the version in force is refused.
		older := strings.Replace(string(good), `"effective_date": "2026-01-01"`, `"effective_date": "2025-01-01"`, 1)
		older = strings.Replace(older, `"term": "в день обращения"`, `"term": "1 день"`, 1)
		_, err = f.svc.Import(ctx, operatorActor, fstest.MapFS{"a.json": {Data: []byte(older)}})
		if !strings.Contains(err.Error(), "regulation.effective_date: "+CodeEffectiveBeforeIn) {
			t.Fatalf("want effective date refused, got %v", err)
		}

		// Renaming the procedure only updates it.
		renamed := strings.Replace(string(good), "Выдача справки о месте жительства", "Выдача справки о месте жительства (новая редакция)", 1)
		_, err = f.svc.Import(ctx, operatorActor, fstest.MapFS{"a.json": {Data: []byte(renamed)}})
		mustNoErr(t, err)
	})
}

func TestExportRoundTrip(t *testing.T) {
	each(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		_, err := f.svc.LoadDemo(ctx)
		mustNoErr(t, err)
		dir := t.TempDir()
		names, err := f.svc.Export(ctx, dir)
		mustNoErr(t, err)
		if want := demoNames(t); !slices.Equal(sorted(names), want) {
			t.Fatalf("exported %v, want %v", names, want)
		}
		for _, n := range names {
			got, err := os.ReadFile(filepath.Join(dir, n))
			mustNoErr(t, err)
			want, _ := fs.ReadFile(DemoFS(), n)
			if !bytes.Equal(got, want) {
				t.Errorf("%s: export differs from the file imported", n)
			}
		}
		rep, err := f.svc.ImportDir(ctx, operatorActor, dir)
		mustNoErr(t, err)
		if rep.Unchanged != len(names) {
			t.Fatalf("re-import of the export: %+v", rep)
		}
	})
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func TestEncodeFileIsJSON(t *testing.T) {
	t.Parallel()
	var m map[string]any
	mustNoErr(t, json.Unmarshal([]byte(testFile(t)), &m))
	if !strings.Contains(testFile(t), "«") && strings.Contains(testFile(t), `\u00ab`) {
		t.Fatal("non-ASCII must not be escaped")
	}
}

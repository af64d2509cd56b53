package catalog

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"odnookno/internal/audit"
	"odnookno/internal/calendar"
	"odnookno/internal/fault"
)

// File is one procedure with one version of its regulation: the unit of
// import and export. On disk it is JSON ({"procedure": …, "regulation": …}
// with the JSON names of the types) or the same structure in YAML.
type File struct {
	Procedure  Procedure   `json:"procedure"`
	Regulation *Regulation `json:"regulation"`
}

// EncodeFile writes f as the canonical JSON file Export writes: two-space
// indent, no HTML escaping, a final newline.
func EncodeFile(f File) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("catalog: encode file: %w", err)
	}
	return b.Bytes(), nil
}

// FileName is the name Export gives a procedure's file.
func FileName(p Procedure) string { return string(p.List) + "-" + p.Number + ".json" }

// Outcomes of an imported file.
const (
	OutcomeCreated    = "created"     // new procedure, its first version
	OutcomeNewVersion = "new_version" // a new version of a known procedure
	OutcomeUpdated    = "updated"     // only the procedure's names or chapter changed
	OutcomeUnchanged  = "unchanged"
)

// FileResult is what an import did with one file.
type FileResult struct {
	File        string
	List        List
	Number      string
	ProcedureID int64
	Version     int // the version in the file's content (new or identical)
	State       State
	Outcome     string
}

// Report is the result of an import.
type Report struct {
	Files                                    []FileResult
	Created, NewVersions, Updated, Unchanged int
}

// problem is a finding in a file.
type problem struct {
	file   string
	line   int
	path   string
	code   string
	params map[string]any
}

// importError builds the error an import returns: fault.Invalid with one
// field per problem, named «file:line: path» so that the message alone
// says where to look; Params repeat file, line and path.
func importError(ps []problem) error {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].file != ps[j].file {
			return ps[i].file < ps[j].file
		}
		return ps[i].line < ps[j].line
	})
	files := map[string]bool{}
	e := &fault.Error{Kind: fault.Invalid, Code: CodeImportInvalid}
	for _, p := range ps {
		files[p.file] = true
		params := map[string]any{"file": p.file, "line": p.line, "path": p.path}
		maps.Copy(params, p.params)
		where := fmt.Sprintf("%s:%d", p.file, p.line)
		if p.path != "" {
			where += ": " + p.path
		}
		e.Fields = append(e.Fields, fault.Field{Field: where, Code: p.code, Params: params})
	}
	e.Params = map[string]any{"files": len(files), "problems": len(ps)}
	return e
}

// parsed is a decoded file with the line of every path in it.
type parsed struct {
	name  string
	file  File
	lines map[string]int
}

// lineOf finds the line of path, or of its nearest ancestor present in the
// file (a missing field is reported at the object that lacks it).
func (p *parsed) lineOf(path string) int {
	for {
		if l, ok := p.lines[path]; ok {
			return l
		}
		if path == "" {
			return 1
		}
		path = parentPath(path)
	}
}

func parentPath(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

// parseFile decodes and validates one file. Decoding goes through a generic
// tree that remembers lines, checked against the Go types by reflection, so
// that a wrong type, an unknown key or a bad term is reported at its line
// before the value is decoded for real.
func parseFile(name string, data []byte) (*parsed, []problem) {
	p := &parsed{name: name, lines: map[string]int{}}
	var tree any
	var probs []problem
	switch strings.ToLower(path.Ext(name)) {
	case ".yaml", ".yml":
		tree, probs = p.fromYAML(data)
	default:
		tree, probs = p.fromJSON(data)
	}
	if len(probs) > 0 {
		return p, probs
	}
	// Values of the wrong shape are reported and dropped, so that the rest
	// of the file is still validated and every problem shows at once.
	sc := shapeCheck{p: p}
	sc.check(tree, reflect.TypeFor[File](), "")
	b, err := json.Marshal(tree)
	if err == nil {
		err = json.Unmarshal(b, &p.file)
	}
	if err != nil {
		return p, []problem{{file: name, line: 1, code: CodeSyntax, params: map[string]any{"detail": err.Error()}}}
	}
	probs = sc.probs
	var vprobs []problem
	if p.file.Regulation == nil {
		vprobs = append(vprobs, p.problem("regulation", CodeRequired, nil))
	}
	vprobs = append(vprobs, p.fromFault("procedure", p.file.Procedure.Validate())...)
	if p.file.Regulation != nil {
		vprobs = append(vprobs, p.fromFault("regulation", p.file.Regulation.Validate())...)
	}
	for _, vp := range vprobs {
		if !slices.ContainsFunc(sc.probs, func(sp problem) bool { return under(vp.path, sp.path) }) {
			probs = append(probs, vp)
		}
	}
	return p, probs
}

// under reports whether path is at or below root.
func under(path, root string) bool {
	return path == root || strings.HasPrefix(path, root+".") || strings.HasPrefix(path, root+"[")
}

func (p *parsed) problem(path, code string, params map[string]any) problem {
	return problem{file: p.name, line: p.lineOf(path), path: path, code: code, params: params}
}

func (p *parsed) fromFault(prefix string, err error) []problem {
	var fe *fault.Error
	if err == nil || !errors.As(err, &fe) {
		return nil
	}
	var out []problem
	for _, f := range fe.Fields {
		out = append(out, p.problem(join(prefix, f.Field), f.Code, f.Params))
	}
	return out
}

// ---- JSON with lines

type jsonTree struct {
	p   *parsed
	dec *json.Decoder
	nl  []int // offsets of newlines
}

func (p *parsed) fromJSON(data []byte) (any, []problem) {
	t := &jsonTree{p: p, dec: json.NewDecoder(bytes.NewReader(data))}
	t.dec.UseNumber()
	for i, c := range data {
		if c == '\n' {
			t.nl = append(t.nl, i)
		}
	}
	v, err := t.value("")
	if err == nil {
		if _, err := t.dec.Token(); err != io.EOF {
			return nil, []problem{{file: p.name, line: t.line(t.dec.InputOffset()), code: CodeSyntax,
				params: map[string]any{"detail": "data after the end of the document"}}}
		}
	}
	if err != nil {
		if dup, ok := err.(*dupKeyError); ok {
			return nil, []problem{p.problem(dup.path, CodeDuplicateKey, nil)}
		}
		off := t.dec.InputOffset()
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off = se.Offset
		}
		return nil, []problem{{file: p.name, line: t.line(off), code: CodeSyntax, params: map[string]any{"detail": err.Error()}}}
	}
	return v, nil
}

// line of the byte at offset off (1-based).
func (t *jsonTree) line(off int64) int {
	return sort.Search(len(t.nl), func(i int) bool { return int64(t.nl[i]) >= off }) + 1
}

// here is the line of the token just read.
func (t *jsonTree) here() int { return t.line(max(t.dec.InputOffset()-1, 0)) }

type dupKeyError struct{ path string }

func (e *dupKeyError) Error() string { return "duplicate key " + e.path }

func (t *jsonTree) value(path string) (any, error) {
	tok, err := t.dec.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if _, ok := t.p.lines[path]; !ok {
		t.p.lines[path] = t.here()
	}
	switch d := tok.(type) {
	case json.Delim:
		switch d {
		case '{':
			obj := map[string]any{}
			for t.dec.More() {
				kt, err := t.dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				kp := join(path, k)
				if _, dup := obj[k]; dup {
					t.p.lines[kp] = t.here()
					return nil, &dupKeyError{path: kp}
				}
				t.p.lines[kp] = t.here()
				v, err := t.value(kp)
				if err != nil {
					return nil, err
				}
				obj[k] = v
			}
			if _, err := t.dec.Token(); err != nil { // '}'
				return nil, err
			}
			return obj, nil
		case '[':
			arr := []any{}
			for i := 0; t.dec.More(); i++ {
				v, err := t.value(fmt.Sprintf("%s[%d]", path, i))
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := t.dec.Token(); err != nil { // ']'
				return nil, err
			}
			return arr, nil
		}
		return nil, &json.SyntaxError{Offset: t.dec.InputOffset()}
	}
	return tok, nil
}

// ---- YAML with lines

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

func (p *parsed) fromYAML(data []byte) (any, []problem) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line := 1
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		return nil, []problem{{file: p.name, line: line, code: CodeSyntax, params: map[string]any{"detail": err.Error()}}}
	}
	if len(doc.Content) == 0 {
		return map[string]any{}, nil
	}
	var probs []problem
	v := p.yamlValue(doc.Content[0], "", &probs)
	return v, probs
}

func (p *parsed) yamlValue(n *yaml.Node, path string, probs *[]problem) any {
	if _, ok := p.lines[path]; !ok {
		p.lines[path] = n.Line
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return p.yamlValue(n.Content[0], path, probs)
	case yaml.AliasNode:
		return p.yamlValue(n.Alias, path, probs)
	case yaml.MappingNode:
		obj := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			kp := join(path, k)
			p.lines[kp] = n.Content[i].Line
			if _, dup := obj[k]; dup {
				*probs = append(*probs, problem{file: p.name, line: n.Content[i].Line, path: kp, code: CodeDuplicateKey})
				continue
			}
			obj[k] = p.yamlValue(n.Content[i+1], kp, probs)
		}
		return obj
	case yaml.SequenceNode:
		arr := []any{}
		for i, c := range n.Content {
			arr = append(arr, p.yamlValue(c, fmt.Sprintf("%s[%d]", path, i), probs))
		}
		return arr
	}
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			*probs = append(*probs, problem{file: p.name, line: n.Line, path: path, code: CodeSyntax, params: map[string]any{"detail": err.Error()}})
		}
		return b
	case "!!int":
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if err != nil {
			*probs = append(*probs, problem{file: p.name, line: n.Line, path: path, code: CodeSyntax, params: map[string]any{"detail": err.Error()}})
		}
		return json.Number(strconv.FormatInt(i, 10))
	case "!!float":
		if _, err := strconv.ParseFloat(n.Value, 64); err != nil {
			*probs = append(*probs, problem{file: p.name, line: n.Line, path: path, code: CodeWrongType, params: map[string]any{"want": "number"}})
			return n.Value
		}
		return json.Number(n.Value)
	}
	// !!str, !!timestamp (an unquoted date) and anything else: the text.
	return n.Value
}

// ---- shape against the Go types

type shapeCheck struct {
	p     *parsed
	probs []problem
}

func (c *shapeCheck) add(path, code string, params map[string]any) {
	c.probs = append(c.probs, c.p.problem(path, code, params))
}

func (c *shapeCheck) want(path, kind string) {
	c.add(path, CodeWrongType, map[string]any{"want": kind})
}

// check reports whether v may be decoded as t; a value that may not is
// reported, and its parent drops it.
func (c *shapeCheck) check(v any, t reflect.Type, path string) bool {
	if v == nil {
		return true // null leaves the zero value, as encoding/json does
	}
	switch t {
	case termType:
		s, ok := v.(string)
		if !ok {
			c.want(path, "string")
			return false
		}
		if _, err := calendar.ParseTerm(s); err != nil {
			c.add(path, CodeInvalidTerm, map[string]any{"value": s})
			return false
		}
		return true
	case dateType:
		s, ok := v.(string)
		if !ok {
			c.want(path, "string")
			return false
		}
		if _, err := ParseDate(s); s != "" && err != nil {
			c.add(path, CodeInvalidDate, map[string]any{"value": s})
			return false
		}
		return true
	case decimalType:
		var s string
		switch x := v.(type) {
		case json.Number:
			s = x.String()
		case string:
			s = x
		default:
			c.want(path, "number")
			return false
		}
		if _, err := ParseDecimal(s); err != nil {
			c.add(path, CodeInvalidAmount, map[string]any{"value": s})
			return false
		}
		return true
	}
	switch t.Kind() {
	case reflect.String:
		if _, ok := v.(string); !ok {
			c.want(path, "string")
			return false
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			c.want(path, "boolean")
			return false
		}
	case reflect.Int, reflect.Int64:
		n, ok := v.(json.Number)
		if ok {
			_, err := strconv.ParseInt(n.String(), 10, 64)
			ok = err == nil
		}
		if !ok {
			c.want(path, "integer")
			return false
		}
	case reflect.Float64:
		n, ok := v.(json.Number)
		if ok {
			_, err := n.Float64()
			ok = err == nil
		}
		if !ok {
			c.want(path, "number")
			return false
		}
	case reflect.Pointer:
		return c.check(v, t.Elem(), path)
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			c.want(path, "list")
			return false
		}
		for i, x := range arr {
			if !c.check(x, t.Elem(), fmt.Sprintf("%s[%d]", path, i)) {
				arr[i] = nil // keeps the indices of the rest
			}
		}
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			c.want(path, "object")
			return false
		}
		fields := map[string]reflect.Type{}
		for i := range t.NumField() {
			if name := jsonName(t.Field(i)); name != "" {
				fields[name] = t.Field(i).Type
			}
		}
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			ft, ok := fields[k]
			if !ok {
				c.add(join(path, k), CodeUnknownKey, map[string]any{"key": k})
				delete(obj, k)
				continue
			}
			if !c.check(obj[k], ft, join(path, k)) {
				delete(obj, k)
			}
		}
	}
	return true
}

// ---- import

// Import reads every .json, .yaml and .yml file under fsys (one procedure
// and one version of its regulation each) and writes them in one
// transaction, or nothing: every file is decoded and validated first, and a
// problem anywhere returns a fault.Invalid (CodeImportInvalid) naming each
// file, line and field.
//
// Imported content is the operator's: it lands approved — in force from its
// effective date (active, or owners_approved until the date comes) — with
// an "import" event and audit record saying it was imported by the operator
// as approved content rather than approved step by step. A file whose
// content equals the procedure's latest approved version changes nothing,
// so importing the same set twice is harmless. A procedure with a version
// in progress (draft to operator_approved) is not imported over.
func (s *Service) Import(ctx context.Context, who audit.Actor, fsys fs.FS) (Report, error) {
	var names []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(path.Ext(p)) {
		case ".json", ".yaml", ".yml":
			if !d.IsDir() {
				names = append(names, p)
			}
		}
		return nil
	})
	if err != nil {
		return Report{}, fmt.Errorf("catalog: import: %w", err)
	}
	return s.importFiles(ctx, who, fsys, names)
}

// ImportDir imports the files of a directory.
func (s *Service) ImportDir(ctx context.Context, who audit.Actor, dir string) (Report, error) {
	return s.Import(ctx, who, os.DirFS(dir))
}

func (s *Service) importFiles(ctx context.Context, who audit.Actor, fsys fs.FS, names []string) (Report, error) {
	if who.Role != audit.RoleOperator && who.Role != audit.RoleSystem {
		return Report{}, fault.New(fault.Forbidden, CodeNotOperator, nil)
	}
	if len(names) == 0 {
		return Report{}, fault.New(fault.Invalid, CodeNoFiles, nil)
	}
	slices.Sort(names)
	var files []*parsed
	var probs []problem
	seen := map[string]string{}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return Report{}, fmt.Errorf("catalog: import %s: %w", name, err)
		}
		p, ps := parseFile(name, data)
		probs = append(probs, ps...)
		if len(ps) > 0 {
			continue
		}
		k := string(p.file.Procedure.List) + "/" + p.file.Procedure.Number
		if other, dup := seen[k]; dup {
			probs = append(probs, p.problem("procedure.number", CodeDuplicateFile, map[string]any{"other": other}))
			continue
		}
		seen[k] = name
		files = append(files, p)
	}
	if len(probs) > 0 {
		return Report{}, importError(probs)
	}
	var rep Report
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		rep = Report{}
		for _, f := range files {
			res, ps, err := s.importOne(ctx, tx, who, f)
			if err != nil {
				return err
			}
			probs = append(probs, ps...)
			rep.Files = append(rep.Files, res)
			switch res.Outcome {
			case OutcomeCreated:
				rep.Created++
			case OutcomeNewVersion:
				rep.NewVersions++
			case OutcomeUpdated:
				rep.Updated++
			default:
				rep.Unchanged++
			}
		}
		if len(probs) > 0 {
			return importError(probs)
		}
		return nil
	})
	if err != nil {
		return Report{}, err
	}
	return rep, nil
}

func (s *Service) importOne(ctx context.Context, tx *sql.Tx, who audit.Actor, f *parsed) (FileResult, []problem, error) {
	fp, reg := f.file.Procedure, f.file.Regulation
	res := FileResult{File: f.name, List: fp.List, Number: fp.Number}
	p, err := s.procedureByNumber(ctx, tx, fp.List, fp.Number)
	created := false
	switch {
	case errors.Is(err, fault.NotFound):
		if p, err = s.insertProcedure(ctx, tx, fp); err != nil {
			return res, nil, err
		}
		if _, err := s.audit.Append(ctx, tx, audit.Entry{Actor: who, Action: "catalog.procedure.create", ObjectType: "procedure",
			ObjectID: procedureRef(p), Details: map[string]any{"name": p.NameRU, "regulator": p.Regulator, "file": f.name}}); err != nil {
			return res, nil, err
		}
		created = true
	case err != nil:
		return res, nil, err
	default:
		old := p
		fp.ID = p.ID
		if err := s.updateProcedure(ctx, tx, who, old, fp, f.name); err != nil {
			return res, nil, err
		}
		if old != fp {
			res.Outcome = OutcomeUpdated
		}
		p = fp
	}
	res.ProcedureID = p.ID
	reg.ProcedureID = p.ID
	content, err := reg.content()
	if err != nil {
		return res, nil, err
	}
	if !created {
		last, err := s.latestApproved(ctx, tx, p.ID)
		switch {
		case err == nil:
			lc, err := last.reg.content()
			if err != nil {
				return res, nil, err
			}
			if bytes.Equal(lc, content) {
				res.Version, res.State = last.reg.Version, last.reg.State
				if res.Outcome == "" {
					res.Outcome = OutcomeUnchanged
				}
				return res, nil, nil
			}
			if reg.EffectiveDate.Before(last.reg.EffectiveDate) {
				return res, []problem{f.problem("regulation.effective_date", CodeEffectiveBeforeIn,
					map[string]any{"date": last.reg.EffectiveDate.String(), "version": last.reg.Version})}, nil
			}
		case !errors.Is(err, fault.NotFound):
			return res, nil, err
		}
		var inProgress int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM catalog_regulations WHERE procedure_id = $1
			AND state IN ('draft', 'submitted', 'operator_approved')`, p.ID).Scan(&inProgress); err != nil {
			return res, nil, fmt.Errorf("catalog: import: %w", err)
		}
		if inProgress > 0 {
			return res, []problem{f.problem("procedure.number", CodeImportInProgress, nil)}, nil
		}
	}
	var last int
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM catalog_regulations WHERE procedure_id = $1", p.ID).Scan(&last); err != nil {
		return res, nil, fmt.Errorf("catalog: import: %w", err)
	}
	reg.Version, reg.Imported = last+1, true
	id, err := s.insertVersion(ctx, tx, reg, OwnersApproved, 0)
	if err != nil {
		return res, nil, err
	}
	v := versionRow{id: id, reg: reg}
	if err := s.record(ctx, tx, who, p, v, ActImport, "", OwnersApproved, "",
		map[string]any{"file": f.name, "approval": "imported by the operator as approved content"}); err != nil {
		return res, nil, err
	}
	if err := s.maybeActivate(ctx, tx, p, &v); err != nil {
		return res, nil, err
	}
	res.Version, res.State = reg.Version, v.reg.State
	if created {
		res.Outcome = OutcomeCreated
	} else {
		res.Outcome = OutcomeNewVersion
	}
	return res, nil, nil
}

// ---- export

// Export writes each procedure with the version of its regulation in force
// today (or, if none is yet, its latest approved version) to dir, one file
// per procedure named by FileName, in the form Import reads. Procedures
// with no approved version are left out. It returns the names written.
func (s *Service) Export(ctx context.Context, dir string) ([]string, error) {
	files, err := s.ExportFiles(ctx)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("catalog: export: %w", err)
	}
	var names []string
	for _, f := range files {
		b, err := EncodeFile(f)
		if err != nil {
			return nil, err
		}
		name := FileName(f.Procedure)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return nil, fmt.Errorf("catalog: export: %w", err)
		}
		names = append(names, name)
	}
	return names, nil
}

// ExportFiles is Export without the directory: for a download.
func (s *Service) ExportFiles(ctx context.Context) ([]File, error) {
	procs, err := s.Procedures(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []File
	for _, p := range procs {
		reg, err := s.Current(ctx, p.ID)
		if errors.Is(err, fault.NotFound) {
			v, err2 := s.latestApproved(ctx, s.db.R, p.ID)
			if errors.Is(err2, fault.NotFound) {
				continue
			}
			reg, err = v.reg, err2
		}
		if err != nil {
			return nil, err
		}
		out = append(out, File{Procedure: p, Regulation: reg})
	}
	return out, nil
}

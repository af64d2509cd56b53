package catalog

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"odnookno/internal/calendar"
	"odnookno/internal/fault"
)

var (
	// bodyCodeRE is the shape of an org body code and of an information
	// resource code.
	bodyCodeRE = regexp.MustCompile(`^[a-z][a-z0-9-]{1,39}$`)
	// itemCodeRE names documents, form fields, options' fields and grounds:
	// they become form keys and message parameters.
	itemCodeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	// serviceRE names a resource's service and the request fields.
	serviceRE   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{0,79}$`)
	mimeRE      = regexp.MustCompile(`^[a-z]+/[a-z0-9][a-z0-9.+-]*$`)
	extensionRE = regexp.MustCompile(`^\.[a-z0-9]{1,8}$`)
)

// MaxFileSize bounds a document's max_size: the portal does not take larger
// files.
const MaxFileSize = 50 << 20

// maxTextLen bounds the values of text fields that set no max_len.
const maxTextLen = 2000

// P6Item is one item of the content R637 p. 6 requires of an electronic
// regulation, with the field paths (JSON names) that hold it.
type P6Item struct {
	Clause string   // as worded in the resolution
	Paths  []string // the fields that hold it; Validate requires each
}

// Key is the item's message catalogue key ("catalog.p6.<field>").
func (i P6Item) Key() string {
	first, _, _ := strings.Cut(i.Paths[0], ".")
	return "catalog.p6." + first
}

// P6 lists the items of R637 p. 6 in the resolution's order. Pages use it to
// show a regulation as the resolution structures it; the tests use it to
// prove that Validate requires every item.
var P6 = []P6Item{
	{"перечень уполномоченных органов", []string{"authorized_bodies"}},
	{"способы доступа к единому порталу", []string{"access_methods"}},
	{"порядок получения необходимых сведений", []string{"information"}},
	{"перечень подсистем функционального назначения ОАИС, используемых для осуществления административной процедуры", []string{"subsystems"}},
	{"требования к созданию (доработке) программного обеспечения", []string{"software_requirements"}},
	{"порядок внесения изменений в электронный регламент", []string{"change_procedure"}},
	{"порядок подачи (отзыва) заявления об осуществлении административной процедуры", []string{"submission.channels", "submission.text", "submission.withdrawal"}},
	{"порядок подачи (отзыва) административной жалобы", []string{"complaints.submission", "complaints.withdrawal", "complaints.body", "complaints.term"}},
	{"состав информации в отношении административной процедуры, размещаемой в личном электронном кабинете", []string{"cabinet"}},
	{"перечень документов и (или) сведений, представляемых заинтересованным лицом", []string{"documents"}},
	{"перечень информационных ресурсов (систем), из которых уполномоченному органу должны предоставляться необходимые сведения", []string{"resources"}},
	{"обязанности уполномоченных органов по соблюдению требований электронного регламента", []string{"duties"}},
}

// Validate checks a procedure's identity fields.
func (p *Procedure) Validate() error {
	var c fault.Check
	switch {
	case p.List == "":
		c.Add("list", CodeRequired, nil)
	case !p.List.Valid():
		c.Add("list", CodeUnknownValue, map[string]any{"value": string(p.List)})
	}
	switch {
	case p.Number == "":
		c.Add("number", CodeRequired, nil)
	case !ValidNumber(p.Number):
		c.Add("number", CodeInvalidNumber, nil)
	}
	switch {
	case p.Chapter.Number == 0:
		c.Add("chapter.number", CodeRequired, nil)
	case ValidNumber(p.Number) && strconv.Itoa(p.Chapter.Number) != chapterOf(p.Number):
		c.Add("chapter.number", CodeChapterMismatch, map[string]any{"chapter": chapterOf(p.Number)})
	}
	required(&c, "chapter.name_ru", p.Chapter.NameRU)
	required(&c, "chapter.name_be", p.Chapter.NameBE)
	required(&c, "name_ru", p.NameRU)
	required(&c, "name_be", p.NameBE)
	bodyCode(&c, "regulator", p.Regulator)
	return c.Err()
}

func chapterOf(number string) string {
	first, _, _ := strings.Cut(number, ".")
	first, _, _ = strings.Cut(first, "-")
	return first
}

func required(c *fault.Check, path, v string) bool {
	if strings.TrimSpace(v) == "" {
		c.Add(path, CodeRequired, nil)
		return false
	}
	return true
}

func text(c *fault.Check, path string, t Text) {
	switch {
	case t.IsZero():
		c.Add(path, CodeRequired, nil)
	case strings.TrimSpace(t.RU) == "":
		c.Add(path+".ru", CodeRequired, nil)
	}
}

func bodyCode(c *fault.Check, path, v string) {
	if required(c, path, v) && !bodyCodeRE.MatchString(v) {
		c.Add(path, CodeInvalidCode, nil)
	}
}

func itemCode(c *fault.Check, path, v string) {
	if required(c, path, v) && !itemCodeRE.MatchString(v) {
		c.Add(path, CodeInvalidCode, nil)
	}
}

// checkTerm requires a valid term.
func checkTerm(c *fault.Check, path string, t calendar.Term) bool {
	if t == (calendar.Term{}) {
		c.Add(path, CodeRequired, nil)
		return false
	}
	if _, err := t.MarshalText(); err != nil {
		c.Add(path, CodeInvalidTerm, nil)
		return false
	}
	return true
}

// set checks a list of values from a closed set: present, known, distinct.
func set[T ~string](c *fault.Check, path string, vs []T, known []T) {
	if len(vs) == 0 {
		c.Add(path, CodeRequired, nil)
		return
	}
	seen := map[T]bool{}
	for i, v := range vs {
		p := fmt.Sprintf("%s[%d]", path, i)
		switch {
		case !slices.Contains(known, v):
			c.Add(p, CodeUnknownValue, map[string]any{"value": string(v)})
		case seen[v]:
			c.Add(p, CodeDuplicate, nil)
		}
		seen[v] = true
	}
}

// Validate checks that the regulation holds every item R637 p. 6 requires
// and that its form, documents, terms and fee are consistent. The error is
// a fault.Fields whose field names are JSON paths («documents[2].max_size»).
func (r *Regulation) Validate() error {
	var c fault.Check

	// R637 p. 6.
	if len(r.AuthorizedBodies) == 0 {
		c.Add("authorized_bodies", CodeRequired, nil)
	}
	seen := map[string]bool{}
	for i, b := range r.AuthorizedBodies {
		p := fmt.Sprintf("authorized_bodies[%d]", i)
		bodyCode(&c, p, b)
		if seen[b] {
			c.Add(p, CodeDuplicate, nil)
		}
		seen[b] = true
	}
	set(&c, "access_methods", r.AccessMethods, AccessMethods)
	text(&c, "information", r.Information)
	set(&c, "subsystems", r.Subsystems, Subsystems)
	text(&c, "software_requirements", r.Software)
	text(&c, "change_procedure", r.ChangeProcedure)
	set(&c, "submission.channels", r.Submission.Channels, Channels)
	text(&c, "submission.text", r.Submission.Text)
	text(&c, "submission.withdrawal", r.Submission.Withdrawal)
	text(&c, "complaints.submission", r.Complaints.Submission)
	text(&c, "complaints.withdrawal", r.Complaints.Withdrawal)
	bodyCode(&c, "complaints.body", r.Complaints.Body)
	checkTerm(&c, "complaints.term", r.Complaints.Term)
	set(&c, "cabinet", r.Cabinet, CabinetItems)
	if r.Documents == nil {
		c.Add("documents", CodeRequired, nil)
	}
	r.validateDocuments(&c)
	if r.Resources == nil {
		c.Add("resources", CodeRequired, nil)
	}
	r.validateResources(&c)
	text(&c, "duties", r.Duties)

	// The procedure's own terms.
	if len(r.Form) == 0 {
		c.Add("form", CodeRequired, nil)
	}
	r.validateForm(&c)
	if checkTerm(&c, "term", r.Term) && r.ExtendedTerm != (calendar.Term{}) {
		if checkTerm(&c, "extended_term", r.ExtendedTerm) && approxDays(r.ExtendedTerm) <= approxDays(r.Term) {
			c.Add("extended_term", CodeExtendedTerm, map[string]any{"term": r.Term.String()})
		}
	}
	switch {
	case r.Fee.Free && !r.Fee.BaseValues.IsZero():
		c.Add("fee", CodeFeeAmbiguous, nil)
	case !r.Fee.Free && r.Fee.BaseValues.IsZero():
		c.Add("fee", CodeRequired, nil)
	}
	if !r.Fee.Note.IsZero() {
		text(&c, "fee.note", r.Fee.Note)
	}
	r.validateValidity(&c)
	if r.RefusalGrounds == nil {
		c.Add("refusal_grounds", CodeRequired, nil)
	}
	codes := map[string]bool{}
	for i, g := range r.RefusalGrounds {
		p := fmt.Sprintf("refusal_grounds[%d]", i)
		itemCode(&c, p+".code", g.Code)
		if codes[g.Code] && g.Code != "" {
			c.Add(p+".code", CodeDuplicate, nil)
		}
		codes[g.Code] = true
		text(&c, p+".text", g.Text)
	}
	if r.EffectiveDate.IsZero() {
		c.Add("effective_date", CodeRequired, nil)
	}
	for i, s := range r.Sources {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			c.Add(fmt.Sprintf("sources[%d]", i), CodeInvalidURL, nil)
		}
	}
	if !r.Notes.IsZero() {
		text(&c, "notes", r.Notes)
	}
	return c.Err()
}

// approxDays orders terms of different kinds roughly; only used to catch an
// extended term that is not longer than the ordinary one.
func approxDays(t calendar.Term) int {
	switch t.Kind {
	case calendar.CalendarDays:
		return t.N
	case calendar.WorkingDays:
		return t.N * 7 / 5
	case calendar.Months:
		return t.N * 30
	}
	return 0
}

func (r *Regulation) validateDocuments(c *fault.Check) {
	codes := map[string]bool{}
	for i, d := range r.Documents {
		p := fmt.Sprintf("documents[%d]", i)
		itemCode(c, p+".code", d.Code)
		if codes[d.Code] && d.Code != "" {
			c.Add(p+".code", CodeDuplicate, nil)
		}
		codes[d.Code] = true
		required(c, p+".name_ru", d.NameRU)
		required(c, p+".name_be", d.NameBE)
		switch d.Required {
		case "":
			c.Add(p+".required", CodeRequired, nil)
		case Always:
			if !d.Condition.IsZero() {
				c.Add(p+".condition", CodeNotAllowed, nil)
			}
		case Conditional:
			text(c, p+".condition", d.Condition)
		default:
			c.Add(p+".required", CodeUnknownValue, map[string]any{"value": string(d.Required)})
		}
		if len(d.FileTypes) == 0 {
			c.Add(p+".file_types", CodeRequired, nil)
		}
		for j, ft := range d.FileTypes {
			if !mimeRE.MatchString(ft) && !extensionRE.MatchString(ft) {
				c.Add(fmt.Sprintf("%s.file_types[%d]", p, j), CodeInvalidFileType, nil)
			}
		}
		switch {
		case d.MaxSize == 0:
			c.Add(p+".max_size", CodeRequired, nil)
		case d.MaxSize < 0 || d.MaxSize > MaxFileSize:
			c.Add(p+".max_size", CodeMaxSize, map[string]any{"max": MaxFileSize})
		}
	}
	if !r.Online() {
		return
	}
	// Filed online, every document always required must be uploadable, and
	// required, in the form.
	for i, d := range r.Documents {
		if d.Required != Always || d.Code == "" {
			continue
		}
		ok := false
		for _, f := range r.Form {
			if f.Type == FieldFile && f.Document == d.Code && f.Required {
				ok = true
			}
		}
		if !ok {
			c.Add(fmt.Sprintf("documents[%d]", i), CodeDocNotInForm, map[string]any{"code": d.Code})
		}
	}
}

func (r *Regulation) validateResources(c *fault.Check) {
	seen := map[string]bool{}
	for i, q := range r.Resources {
		p := fmt.Sprintf("resources[%d]", i)
		bodyCode(c, p+".resource", q.Resource)
		if required(c, p+".service", q.Service) && !serviceRE.MatchString(q.Service) {
			c.Add(p+".service", CodeInvalidCode, nil)
		}
		if key := q.Resource + "\x00" + q.Service; seen[key] {
			c.Add(p, CodeDuplicate, nil)
		} else {
			seen[key] = true
		}
		if !q.Purpose.IsZero() {
			text(c, p+".purpose", q.Purpose)
		}
		if len(q.Mapping) == 0 {
			c.Add(p+".mapping", CodeRequired, nil)
		}
		reqs := map[string]bool{}
		for j, m := range q.Mapping {
			mp := fmt.Sprintf("%s.mapping[%d]", p, j)
			if required(c, mp+".request", m.Request) {
				switch {
				case !serviceRE.MatchString(m.Request):
					c.Add(mp+".request", CodeInvalidCode, nil)
				case reqs[m.Request]:
					c.Add(mp+".request", CodeDuplicate, nil)
				}
				reqs[m.Request] = true
			}
			if !required(c, mp+".form", m.Form) || m.Form == ApplicantUID {
				continue
			}
			f, ok := r.Field(m.Form)
			switch {
			case !ok:
				c.Add(mp+".form", CodeUnknownField, map[string]any{"code": m.Form})
			case f.Type == FieldFile:
				c.Add(mp+".form", CodeMappingFile, map[string]any{"code": m.Form})
			}
		}
	}
}

func (r *Regulation) validateForm(c *fault.Check) {
	codes := map[string]bool{}
	for i, f := range r.Form {
		p := fmt.Sprintf("form[%d]", i)
		itemCode(c, p+".code", f.Code)
		if codes[f.Code] && f.Code != "" {
			c.Add(p+".code", CodeDuplicate, nil)
		}
		codes[f.Code] = true
		required(c, p+".label_ru", f.LabelRU)
		required(c, p+".label_be", f.LabelBE)
		switch {
		case f.Type == "":
			c.Add(p+".type", CodeRequired, nil)
		case !slices.Contains(FieldTypes, f.Type):
			c.Add(p+".type", CodeUnknownValue, map[string]any{"value": string(f.Type)})
		}
		if !f.Hint.IsZero() {
			text(c, p+".hint", f.Hint)
		}
		if f.RequiredIf != nil {
			cp := p + ".required_if"
			if f.Required {
				c.Add(cp, CodeBothRequired, nil)
			}
			if required(c, cp+".field", f.RequiredIf.Field) {
				ref, ok := r.Field(f.RequiredIf.Field)
				switch {
				case f.RequiredIf.Field == f.Code:
					c.Add(cp+".field", CodeSelfReference, nil)
				case !ok:
					c.Add(cp+".field", CodeUnknownField, map[string]any{"code": f.RequiredIf.Field})
				case ref.Type == FieldFile:
					c.Add(cp+".field", CodeMappingFile, map[string]any{"code": f.RequiredIf.Field})
				case ref.Type == FieldChoice && f.RequiredIf.Equals != "" && !hasOption(ref, f.RequiredIf.Equals):
					c.Add(cp+".equals", CodeUnknownOption, map[string]any{"value": f.RequiredIf.Equals})
				}
			}
			required(c, cp+".equals", f.RequiredIf.Equals)
		}
		if f.Type == FieldChoice {
			if len(f.Options) == 0 {
				c.Add(p+".options", CodeOptionsRequired, nil)
			}
			vals := map[string]bool{}
			for j, o := range f.Options {
				op := fmt.Sprintf("%s.options[%d]", p, j)
				if required(c, op+".value", o.Value) && vals[o.Value] {
					c.Add(op+".value", CodeDuplicate, nil)
				}
				vals[o.Value] = true
				required(c, op+".label_ru", o.LabelRU)
				required(c, op+".label_be", o.LabelBE)
			}
		} else if len(f.Options) > 0 {
			c.Add(p+".options", CodeNotAllowed, nil)
		}
		if f.Type == FieldFile {
			if required(c, p+".document", f.Document) {
				if _, ok := r.Document(f.Document); !ok {
					c.Add(p+".document", CodeUnknownDocument, map[string]any{"code": f.Document})
				}
			}
		} else if f.Document != "" {
			c.Add(p+".document", CodeNotAllowed, nil)
		}
		validateRules(c, p+".validation", f)
	}
}

func hasOption(f Field, v string) bool {
	return slices.ContainsFunc(f.Options, func(o Option) bool { return o.Value == v })
}

// textual types take length and pattern rules; number takes min and max.
func textual(t FieldType) bool {
	return t == FieldText || t == FieldAddress
}

func validateRules(c *fault.Check, p string, f Field) {
	v := f.Validation
	if v.MinLen != 0 || v.MaxLen != 0 {
		switch {
		case !textual(f.Type):
			c.Add(p+".min_len", CodeNotAllowed, nil)
		case v.MinLen < 0:
			c.Add(p+".min_len", CodeInvalid, nil)
		case v.MaxLen < 0:
			c.Add(p+".max_len", CodeInvalid, nil)
		case v.MaxLen != 0 && v.MinLen > v.MaxLen:
			c.Add(p+".max_len", CodeInvalidRange, nil)
		}
	}
	if v.Pattern != "" {
		if !textual(f.Type) {
			c.Add(p+".pattern", CodeNotAllowed, nil)
		} else if _, err := compilePattern(v.Pattern); err != nil {
			c.Add(p+".pattern", CodeInvalidPattern, nil)
		}
	}
	if v.Min != nil || v.Max != nil {
		switch {
		case f.Type != FieldNumber:
			c.Add(p+".min", CodeNotAllowed, nil)
		case v.Min != nil && v.Max != nil && *v.Min > *v.Max:
			c.Add(p+".max", CodeInvalidRange, nil)
		}
	}
}

// compilePattern anchors a field pattern: it must match the whole value.
func compilePattern(p string) (*regexp.Regexp, error) {
	return regexp.Compile(`^(?:` + p + `)$`)
}

func (r *Regulation) validateValidity(c *fault.Check) {
	v := r.Validity
	switch v.Kind {
	case "":
		c.Add("validity.kind", CodeRequired, nil)
		return
	case Unlimited:
	case ValidityTerm:
		checkTerm(c, "validity.term", v.Term)
	case ValidityText:
		text(c, "validity.text", v.Text)
	default:
		c.Add("validity.kind", CodeUnknownValue, map[string]any{"value": string(v.Kind)})
		return
	}
	if v.Kind != ValidityTerm && v.Term != (calendar.Term{}) {
		c.Add("validity.term", CodeNotAllowed, nil)
	}
	if v.Kind != ValidityText && !v.Text.IsZero() {
		c.Add("validity.text", CodeNotAllowed, nil)
	}
}

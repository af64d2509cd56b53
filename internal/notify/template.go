package notify

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"text/template"
	"time"
	"unicode/utf8"
)

// Kinds of message. A kind names one template per language; the constants
// are the contract with the packages that send, so a template renamed by
// mistake fails TestTemplates rather than a citizen's login.
const (
	KindVerifyPhone     = "uid.verify_phone"      // code, minutes (code is secret)
	KindTempPassword    = "uid.temp_password"     // password, expires (password is secret)
	KindRecoveryCode    = "uid.recovery_code"     // code, minutes (code is secret)
	KindPhoneChangeCode = "uid.phone_change_code" // code, minutes (code is secret)
	KindUnblockCode     = "uid.unblock_code"      // code, minutes (code is secret)
	KindBlocked         = "uid.blocked"           // at
	KindPasswordChanged = "uid.password_changed"  // at
	KindAttackWarning   = "uid.attack_warning"    // addr, count
	KindCaseRegistered  = "case.registered"       // number, due
	KindCaseDecision    = "case.decision"         // number
	KindDeadlineWarning = "case.deadline_warning" // number, due
	KindCaseOverdue     = "case.overdue"          // number, due
	KindComplaintReg    = "complaint.registered"  // number, due
	KindComplaintDec    = "complaint.decision"    // number
	KindGrantApproved   = "grant.approved"        // resource
	KindGrantRefused    = "grant.refused"         // resource, reason
	KindDocumentReady   = "document.ready"        // title
	// KindRequestLate tells an officer that an information resource has not
	// answered within its term and offers the СМДО route.
	KindRequestLate = "interop.late" // case, resource, service, due, smdo_offered
)

// kindList is the set EnqueueTx accepts; Kinds is a copy for callers, so
// nobody can change what is valid by appending to it.
var kindList = []string{
	KindVerifyPhone, KindTempPassword, KindRecoveryCode, KindPhoneChangeCode,
	KindUnblockCode, KindBlocked, KindPasswordChanged, KindAttackWarning,
	KindCaseRegistered, KindCaseDecision, KindDeadlineWarning, KindCaseOverdue,
	KindComplaintReg, KindComplaintDec, KindGrantApproved, KindGrantRefused,
	KindDocumentReady, KindRequestLate,
}

// Kinds lists every kind shipped, for the operator's filter and for tests.
var Kinds = slices.Clone(kindList)

// langList are the languages every kind is written in, Russian first (the
// default); Langs is the callers' copy.
var langList = []string{"ru", "be"}

// Langs are the languages every kind is written in.
var Langs = slices.Clone(langList)

// The explicit glob (not the bare folder) is what embeds the
// underscore-prefixed shared parts such as the e-mail footer.
//
//go:embed templates/*/*.tmpl
var templateFS embed.FS

const subjectPrefix = "Subject: "

// minsk is the zone citizens read times in. Belarus keeps UTC+3 all year
// (no daylight saving since 2011), so a fixed zone needs no tzdata.
var minsk = time.FixedZone("Europe/Minsk", 3*60*60)

// templateFuncs format the values that survive the JSON round trip through
// the outbox: times arrive as RFC 3339 strings.
var templateFuncs = template.FuncMap{
	"date":     func(v any) (string, error) { return formatTime(v, "02.01.2006") },
	"datetime": func(v any) (string, error) { return formatTime(v, "02.01.2006 15:04") },
}

func formatTime(v any, layout string) (string, error) {
	switch t := v.(type) {
	case time.Time:
		return t.In(minsk).Format(layout), nil
	case string:
		for _, l := range []string{time.RFC3339Nano, "2006-01-02"} {
			if p, err := time.Parse(l, t); err == nil {
				if l == "2006-01-02" {
					return p.Format(layout), nil // a calendar date has no zone to convert
				}
				return p.In(minsk).Format(layout), nil
			}
		}
		return "", fmt.Errorf("not a time: %q", t)
	}
	return "", fmt.Errorf("not a time: %T", v)
}

type templateSet struct {
	kinds  map[string]map[string]*template.Template // lang → kind → template
	footer map[string]string                        // lang → e-mail footer
}

// loadTemplates parses the embedded templates once; a broken or missing
// template is a build defect, reported by New and by TestTemplates.
var loadTemplates = sync.OnceValues(func() (*templateSet, error) {
	return parseTemplates(templateFS)
})

func parseTemplates(fsys fs.FS) (*templateSet, error) {
	ts := &templateSet{kinds: map[string]map[string]*template.Template{}, footer: map[string]string{}}
	for _, lang := range langList {
		ts.kinds[lang] = map[string]*template.Template{}
		files, err := fs.Glob(fsys, "templates/"+lang+"/*.tmpl")
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			data, err := fs.ReadFile(fsys, f)
			if err != nil {
				return nil, err
			}
			name := strings.TrimSuffix(path.Base(f), ".tmpl")
			if name == "_email_footer" {
				ts.footer[lang] = strings.TrimSpace(string(data))
				continue
			}
			if !utf8.Valid(data) || !bytes.HasPrefix(data, []byte(subjectPrefix)) || !bytes.Contains(data, []byte("\n\n")) {
				return nil, fmt.Errorf("notify: %s: want a %q line, a blank line and the body", f, subjectPrefix)
			}
			t, err := template.New(name).Option("missingkey=error").Funcs(templateFuncs).Parse(string(data))
			if err != nil {
				return nil, fmt.Errorf("notify: %w", err)
			}
			ts.kinds[lang][name] = t
		}
	}
	for _, kind := range kindList {
		for _, lang := range langList {
			if ts.kinds[lang][kind] == nil {
				return nil, fmt.Errorf("notify: no %s template for kind %s", lang, kind)
			}
		}
	}
	for _, lang := range langList {
		for kind := range ts.kinds[lang] {
			if !knownKind(kind) {
				return nil, fmt.Errorf("notify: template %s/%s has no Kind constant", lang, kind)
			}
		}
	}
	return ts, nil
}

func knownKind(kind string) bool { return slices.Contains(kindList, kind) }

// rendered is a template's output: the subject (e-mail subject, inbox
// title) and the body (the whole SMS, the e-mail text, the inbox text).
type rendered struct {
	Subject string
	Body    string
}

func (ts *templateSet) render(lang, kind string, params map[string]any) (rendered, error) {
	t := ts.kinds[lang][kind]
	if t == nil {
		return rendered{}, fmt.Errorf("notify: no template %s/%s", lang, kind)
	}
	var b strings.Builder
	if err := t.Execute(&b, params); err != nil {
		return rendered{}, fmt.Errorf("notify: render %s/%s: %w", lang, kind, err)
	}
	head, body, _ := strings.Cut(b.String(), "\n\n")
	return rendered{
		Subject: strings.TrimSpace(strings.TrimPrefix(head, subjectPrefix)),
		Body:    strings.TrimSpace(body),
	}, nil
}

// normalizeParams gives enqueue-time rendering the same values the worker
// will see after the params went through the database as JSON, so a
// template that renders at enqueue also renders at delivery. Numbers stay
// json.Number so "1234567" is not printed as "1.234567e+06".
func normalizeParams(p map[string]any) (map[string]any, []byte, error) {
	if p == nil {
		p = map[string]any{}
	}
	data, err := json.Marshal(p)
	if err != nil {
		return nil, nil, err
	}
	out, err := decodeParams(data)
	return out, data, err
}

func decodeParams(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	out := map[string]any{}
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}

// Segments is the number of SMS parts text takes: GSM-7 fits 160
// characters in one part and 153 per part when split; anything outside
// GSM-7 (Cyrillic) forces UCS-2, 70 and 67. The operator pays per part, and
// phones reassemble more than two parts unreliably, hence the limit of two
// the templates are tested against.
func Segments(text string) int {
	single, multi, n := 160, 153, 0
	for _, r := range text {
		if !isGSM7(r) {
			single, multi = 70, 67
			break
		}
	}
	for _, r := range text {
		n++
		if single == 160 && isGSM7Extended(r) {
			n++ // escape + character
		} else if single == 70 && r > 0xFFFF {
			n++ // a surrogate pair is two UCS-2 units
		}
	}
	if n <= single {
		return 1
	}
	return (n + multi - 1) / multi
}

const gsm7Basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
const gsm7Extended = "^{}\\[~]|€\f"

func isGSM7(r rune) bool { return strings.ContainsRune(gsm7Basic, r) || isGSM7Extended(r) }

func isGSM7Extended(r rune) bool { return strings.ContainsRune(gsm7Extended, r) }

package catalog

import (
	"errors"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"odnookno/internal/fault"
	"odnookno/internal/identity"
)

// FileMeta describes an uploaded file; the content is checked elsewhere
// (virus scan, signature), the regulation only bounds type and size.
type FileMeta struct {
	Name string // as uploaded, for the extension
	Type string // MIME type as detected
	Size int64  // bytes
}

// ValidateApplication checks a citizen's form submission against the form
// of this version: required and conditionally required fields, each type's
// format (identification numbers and phones by the identity rules), the
// field's own rules, choice options, and each file's type and size against
// the document it carries. The error is a fault.Fields naming form field
// codes, so the form can put each message next to its field.
func (r *Regulation) ValidateApplication(values map[string]string, files map[string][]FileMeta) error {
	_, err := r.NormalizeApplication(values, files)
	return err
}

// NormalizeApplication is ValidateApplication returning the values in
// canonical form: trimmed text, identification numbers upper-case without
// spaces, phones as +375XXXXXXXXX, dates as YYYY-MM-DD, numbers with a dot.
// Empty optional fields are left out.
func (r *Regulation) NormalizeApplication(values map[string]string, files map[string][]FileMeta) (map[string]string, error) {
	var c fault.Check
	out := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(values)) {
		if f, ok := r.Field(k); !ok || f.Type == FieldFile {
			if strings.TrimSpace(values[k]) != "" {
				c.Add(k, CodeFormUnknown, nil)
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(files)) {
		if f, ok := r.Field(k); !ok || f.Type != FieldFile {
			if len(files[k]) > 0 {
				c.Add(k, CodeFormNotFile, nil)
			}
		}
	}
	for _, f := range r.Form {
		need := f.Required
		if f.RequiredIf != nil {
			need = strings.TrimSpace(values[f.RequiredIf.Field]) == f.RequiredIf.Equals
		}
		if f.Type == FieldFile {
			fs := files[f.Code]
			if len(fs) == 0 {
				if need {
					c.Add(f.Code, CodeFormRequired, nil)
				}
				continue
			}
			doc, _ := r.Document(f.Document)
			for _, fm := range fs {
				checkFile(&c, f.Code, doc, fm)
			}
			continue
		}
		v := strings.TrimSpace(values[f.Code])
		if v == "" {
			if need {
				c.Add(f.Code, CodeFormRequired, nil)
			}
			continue
		}
		if norm, ok := checkValue(&c, f, v); ok {
			out[f.Code] = norm
		}
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func checkValue(c *fault.Check, f Field, v string) (string, bool) {
	rules := f.Validation
	switch f.Type {
	case FieldText, FieldAddress:
		n := utf8.RuneCountInString(v)
		maxLen := rules.MaxLen
		if maxLen == 0 {
			maxLen = maxTextLen
		}
		switch {
		case rules.MinLen > 0 && n < rules.MinLen:
			c.Add(f.Code, CodeFormTooShort, map[string]any{"min": rules.MinLen})
			return "", false
		case n > maxLen:
			c.Add(f.Code, CodeFormTooLong, map[string]any{"max": maxLen})
			return "", false
		}
		if rules.Pattern != "" {
			re, err := compilePattern(rules.Pattern)
			if err != nil || !re.MatchString(v) {
				c.Add(f.Code, CodeFormPattern, nil)
				return "", false
			}
		}
		return v, true
	case FieldNumber:
		x, err := strconv.ParseFloat(strings.ReplaceAll(strings.ReplaceAll(v, " ", ""), ",", "."), 64)
		if err != nil {
			c.Add(f.Code, CodeFormNumber, nil)
			return "", false
		}
		switch {
		case rules.Min != nil && x < *rules.Min:
			c.Add(f.Code, CodeFormTooSmall, map[string]any{"min": *rules.Min})
			return "", false
		case rules.Max != nil && x > *rules.Max:
			c.Add(f.Code, CodeFormTooLarge, map[string]any{"max": *rules.Max})
			return "", false
		}
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case FieldDate:
		d, ok := parseFormDate(v)
		if !ok {
			c.Add(f.Code, CodeFormDate, nil)
			return "", false
		}
		return d.String(), true
	case FieldChoice:
		if !hasOption(f, v) {
			c.Add(f.Code, CodeFormChoice, nil)
			return "", false
		}
		return v, true
	case FieldUID:
		pin, _, err := identity.ParsePIN(v)
		if err != nil {
			code := CodeFormUIDFormat
			var ie *identity.Error
			if errors.As(err, &ie) && ie.Code == identity.CodePINCheckDigit {
				code = CodeFormUIDCheckDigit
			}
			c.Add(f.Code, code, nil)
			return "", false
		}
		return pin.String(), true
	case FieldPhone:
		ph, err := identity.ParsePhone(v)
		if err != nil {
			code := CodeFormPhoneFormat
			var ie *identity.Error
			if errors.As(err, &ie) && ie.Code == identity.CodePhoneOperator {
				code = CodeFormPhoneOperator
			}
			c.Add(f.Code, code, nil)
			return "", false
		}
		return ph.String(), true
	}
	c.Add(f.Code, CodeFormUnknown, nil)
	return "", false
}

// parseFormDate takes the ISO form a date input sends and the «31.12.2026»
// people type.
func parseFormDate(v string) (Date, bool) {
	if d, err := ParseDate(v); err == nil {
		return d, true
	}
	t, err := time.Parse("02.01.2006", v)
	if err != nil {
		return Date{}, false
	}
	return Date{t: t}, true
}

func checkFile(c *fault.Check, code string, doc Document, fm FileMeta) {
	switch {
	case fm.Size <= 0:
		c.Add(code, CodeFormFileEmpty, map[string]any{"name": fm.Name})
	case doc.MaxSize > 0 && fm.Size > doc.MaxSize:
		c.Add(code, CodeFormFileSize, map[string]any{"name": fm.Name, "max": doc.MaxSize})
	case !acceptsFile(doc.FileTypes, fm):
		c.Add(code, CodeFormFileType, map[string]any{"name": fm.Name, "types": strings.Join(doc.FileTypes, ", ")})
	}
}

// acceptsFile matches a file by its MIME type or by its extension.
func acceptsFile(types []string, fm FileMeta) bool {
	mime := strings.ToLower(strings.TrimSpace(fm.Type))
	if i := strings.IndexByte(mime, ';'); i >= 0 {
		mime = strings.TrimSpace(mime[:i])
	}
	ext := strings.ToLower(path.Ext(fm.Name))
	for _, t := range types {
		if t == mime || (strings.HasPrefix(t, ".") && t == ext) {
			return true
		}
	}
	return false
}

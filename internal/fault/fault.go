// Package fault holds the few error kinds every domain package shares, so
// the web layer can map any domain error to a status and a localized, safe
// message in one place without knowing the domain.
package fault

import (
	"errors"
	"strings"
)

// Kinds. Domain errors wrap one of these (fmt.Errorf("...: %w", fault.NotFound)).
var (
	NotFound     = errors.New("not found")
	Conflict     = errors.New("conflict")
	Forbidden    = errors.New("forbidden")
	Unauthorized = errors.New("unauthorized")
	Invalid      = errors.New("invalid")
	// TooMany is throttling: the caller must wait before trying again.
	TooMany = errors.New("too many attempts")
	// Unavailable is a dependency (an information resource, a gateway)
	// that cannot answer now; the request may be repeated later.
	Unavailable = errors.New("unavailable")
)

// Field is one problem with one input: Code is a message catalogue key
// (e.g. "pin.check_digit"), Params fill its placeholders.
type Field struct {
	Field  string         `json:"field,omitempty"`
	Code   string         `json:"code"`
	Params map[string]any `json:"params,omitempty"`
}

// Error is a failure with a catalogue code and, for invalid input, the
// fields at fault. It unwraps to its Kind.
type Error struct {
	Kind   error
	Code   string
	Params map[string]any
	Fields []Field
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	for _, f := range e.Fields {
		b.WriteString("; ")
		if f.Field != "" {
			b.WriteString(f.Field)
			b.WriteString(": ")
		}
		b.WriteString(f.Code)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Kind }

// New returns an error of kind with a catalogue code.
func New(kind error, code string, params map[string]any) *Error {
	return &Error{Kind: kind, Code: code, Params: params}
}

// Fields returns an Invalid error listing every problem found, so a form
// shows all of them at once rather than one per submission.
func Fields(fs ...Field) *Error {
	return &Error{Kind: Invalid, Code: "invalid", Fields: fs}
}

// Check collects field problems during validation.
type Check struct{ fields []Field }

// Add records a problem with field.
func (c *Check) Add(field, code string, params map[string]any) {
	c.fields = append(c.fields, Field{Field: field, Code: code, Params: params})
}

// AddErr records err against field: a *Error contributes its code (or its
// own fields), anything else a generic code.
func (c *Check) AddErr(field string, err error) {
	var fe *Error
	if errors.As(err, &fe) {
		if len(fe.Fields) > 0 {
			for _, f := range fe.Fields {
				if f.Field == "" {
					f.Field = field
				}
				c.fields = append(c.fields, f)
			}
			return
		}
		c.Add(field, fe.Code, fe.Params)
		return
	}
	c.Add(field, "invalid", nil)
}

// Err is nil when nothing was added.
func (c *Check) Err() error {
	if len(c.fields) == 0 {
		return nil
	}
	return Fields(c.fields...)
}

// Has reports whether field already has a problem.
func (c *Check) Has(field string) bool {
	for _, f := range c.fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

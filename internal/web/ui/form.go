package ui

import (
	"context"
	"fmt"
)

// FieldError is one problem with a submitted form. Field is the id of the
// input it belongs to (the error summary links to #Field); Message is already
// in the request's language (see Renderer.T).
type FieldError struct {
	Field   string
	Message string
}

// Errors are a form's problems in the order of the fields. Embed Errors in a
// page's data struct: the layout then prefixes the title with "Ошибка:", and
// the page shows {{template "errorsummary" .Data.Errors}} above the form and
// (field "ID" "x" "Error" (.Data.Errors.For "x")) next to each field.
type Errors []FieldError

// FieldErrors lets the renderer find Errors embedded in page data.
func (e Errors) FieldErrors() Errors { return e }

// For returns the message for field, or "".
func (e Errors) For(field string) string {
	for _, fe := range e {
		if fe.Field == field {
			return fe.Message
		}
	}
	return ""
}

// Add appends a problem with field.
func (e *Errors) Add(field, message string) {
	*e = append(*e, FieldError{Field: field, Message: message})
}

// Field describes one form control for the "input" and "textarea"
// partials, which draw the label, hint, error message and aria-describedby
// the accessible way. Templates build it with the field function:
//
//	{{template "input" (field "ID" "phone" "Label" (t "identity.phone")
//	    "Hint" (t "identity.phone_hint") "Type" "tel" "Autocomplete" "tel"
//	    "Value" .Data.Phone "Error" (.Data.Errors.For "phone"))}}
type Field struct {
	ID           string // id of the control; the error summary links to it
	Name         string // form name; defaults to ID
	Type         string // input type; defaults to "text"
	Label        string
	Hint         string
	Error        string
	Value        string
	Autocomplete string
	InputMode    string
	Width        string // govuk width class suffix: "10", "20", "one-half", …
	Rows         int    // textarea rows; defaults to 5
	Required     bool
	PageHeading  bool // the label is the page's h1 (one-question pages)
}

// newField is the template function "field": key/value pairs into a Field.
func newField(pairs ...any) (Field, error) {
	var f Field
	if len(pairs)%2 != 0 {
		return f, fmt.Errorf("field: odd number of arguments")
	}
	for i := 0; i < len(pairs); i += 2 {
		k, _ := pairs[i].(string)
		v := pairs[i+1]
		var err error
		switch k {
		case "ID":
			f.ID, err = asString(k, v)
		case "Name":
			f.Name, err = asString(k, v)
		case "Type":
			f.Type, err = asString(k, v)
		case "Label":
			f.Label, err = asString(k, v)
		case "Hint":
			f.Hint, err = asString(k, v)
		case "Error":
			f.Error, err = asString(k, v)
		case "Value":
			f.Value = fmt.Sprint(v)
			if v == nil {
				f.Value = ""
			}
		case "Autocomplete":
			f.Autocomplete, err = asString(k, v)
		case "InputMode":
			f.InputMode, err = asString(k, v)
		case "Width":
			f.Width, err = asString(k, v)
		case "Rows":
			n, ok := v.(int)
			if !ok {
				err = fmt.Errorf("field: Rows must be an int, got %T", v)
			}
			f.Rows = n
		case "Required":
			b, ok := v.(bool)
			if !ok {
				err = fmt.Errorf("field: Required must be a bool, got %T", v)
			}
			f.Required = b
		case "PageHeading":
			b, ok := v.(bool)
			if !ok {
				err = fmt.Errorf("field: PageHeading must be a bool, got %T", v)
			}
			f.PageHeading = b
		default:
			err = fmt.Errorf("field: unknown attribute %v", pairs[i])
		}
		if err != nil {
			return f, err
		}
	}
	if f.ID == "" {
		return f, fmt.Errorf("field: ID is required")
	}
	if f.Name == "" {
		f.Name = f.ID
	}
	if f.Type == "" {
		f.Type = "text"
	}
	if f.Rows == 0 {
		f.Rows = 5
	}
	return f, nil
}

func asString(k string, v any) (string, error) {
	s, ok := v.(string)
	if !ok && v != nil {
		return "", fmt.Errorf("field: %s must be a string, got %T", k, v)
	}
	return s, nil
}

// DescribedBy is the aria-describedby value: the hint and error ids.
func (f Field) DescribedBy() string {
	s := ""
	if f.Hint != "" {
		s = f.ID + "-hint"
	}
	if f.Error != "" {
		if s != "" {
			s += " "
		}
		s += f.ID + "-error"
	}
	return s
}

// Notice is a notification banner: Kind "success" for the result of an
// action the person just took (announced as an alert), anything else for
// important information.
type Notice struct {
	Kind  string
	Title string // optional bold first line, already translated
	Text  string // already translated
}

type flashKey struct{}

// WithFlash returns ctx carrying a one-off notice that the layout shows above
// the page content; the session middleware puts the flash it popped here.
func WithFlash(ctx context.Context, n Notice) context.Context {
	return context.WithValue(ctx, flashKey{}, &n)
}

func flashFrom(ctx context.Context) *Notice {
	n, _ := ctx.Value(flashKey{}).(*Notice)
	return n
}

package catalog

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"odnookno/internal/calendar"
)

// Change is one difference between two versions: Path in the JSON names of
// the fields («documents[passport].max_size»; lists of items with a code are
// matched by code, other lists by position), and the old and new values as
// a reader would write them ("" where absent).
type Change struct {
	Path string `json:"path"`
	Old  string `json:"old"`
	New  string `json:"new"`
}

// Diff lists every difference between a and b (either may be nil, meaning
// empty) in the order of the fields.
func Diff(a, b *Regulation) []Change {
	if a == nil {
		a = &Regulation{}
	}
	if b == nil {
		b = &Regulation{}
	}
	var out []Change
	diffValue(&out, "", reflect.ValueOf(*a), reflect.ValueOf(*b))
	return out
}

func diffProcedure(a, b Procedure) []Change {
	var out []Change
	diffValue(&out, "", reflect.ValueOf(a), reflect.ValueOf(b))
	return out
}

var (
	termType    = reflect.TypeFor[calendar.Term]()
	dateType    = reflect.TypeFor[Date]()
	decimalType = reflect.TypeFor[Decimal]()
)

// leaf reports whether values of t are shown as one string.
func leaf(t reflect.Type) bool {
	switch t {
	case termType, dateType, decimalType:
		return true
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Slice:
		return false
	case reflect.Pointer:
		return leaf(t.Elem())
	}
	return true
}

// show renders a leaf value for people.
func show(v reflect.Value) string {
	switch v.Type() {
	case termType:
		t := v.Interface().(calendar.Term)
		if t == (calendar.Term{}) {
			return ""
		}
		return t.String()
	case dateType:
		return v.Interface().(Date).String()
	case decimalType:
		d := v.Interface().(Decimal)
		if d.IsZero() {
			return ""
		}
		return d.Format()
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return ""
		}
		return show(v.Elem())
	case reflect.Bool:
		if v.Bool() {
			return "да"
		}
		return "нет"
	case reflect.Int, reflect.Int64:
		if v.Int() == 0 {
			return ""
		}
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'f', -1, 64)
	case reflect.String:
		return v.String()
	}
	return fmt.Sprint(v.Interface())
}

func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	if tag == "-" || !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	return name
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func diffValue(out *[]Change, path string, a, b reflect.Value) {
	t := a.Type()
	if leaf(t) {
		if x, y := show(a), show(b); x != y {
			*out = append(*out, Change{Path: path, Old: x, New: y})
		}
		return
	}
	switch t.Kind() {
	case reflect.Pointer: // to a struct
		diffValue(out, path, deref(a), deref(b))
	case reflect.Struct:
		for i := range t.NumField() {
			name := jsonName(t.Field(i))
			if name == "" {
				continue
			}
			diffValue(out, join(path, name), a.Field(i), b.Field(i))
		}
	case reflect.Slice:
		diffSlice(out, path, a, b)
	}
}

func deref(v reflect.Value) reflect.Value {
	if v.IsNil() {
		return reflect.Zero(v.Type().Elem())
	}
	return v.Elem()
}

// key identifies a list element across versions: its code (or value, or
// request field, or resource and service), "" when it has none.
func key(v reflect.Value) string {
	if v.Kind() != reflect.Struct {
		return ""
	}
	if f := v.FieldByName("Resource"); f.IsValid() {
		return f.String() + ":" + v.FieldByName("Service").String()
	}
	for _, n := range []string{"Code", "Value", "Request"} {
		if f := v.FieldByName(n); f.IsValid() && f.Kind() == reflect.String && f.String() != "" {
			return f.String()
		}
	}
	return ""
}

func diffSlice(out *[]Change, path string, a, b reflect.Value) {
	keyed := a.Type().Elem().Kind() == reflect.Struct && allKeyed(a) && allKeyed(b)
	if !keyed {
		for i := range max(a.Len(), b.Len()) {
			p := fmt.Sprintf("%s[%d]", path, i)
			switch {
			case i >= a.Len():
				*out = append(*out, Change{Path: p, New: summary(b.Index(i))})
			case i >= b.Len():
				*out = append(*out, Change{Path: p, Old: summary(a.Index(i))})
			default:
				diffValue(out, p, a.Index(i), b.Index(i))
			}
		}
		return
	}
	inB := map[string]int{}
	for i := range b.Len() {
		inB[key(b.Index(i))] = i
	}
	inA := map[string]bool{}
	for i := range a.Len() {
		k := key(a.Index(i))
		inA[k] = true
		p := fmt.Sprintf("%s[%s]", path, k)
		if j, ok := inB[k]; ok {
			diffValue(out, p, a.Index(i), b.Index(j))
		} else {
			*out = append(*out, Change{Path: p, Old: summary(a.Index(i))})
		}
	}
	for i := range b.Len() {
		if k := key(b.Index(i)); !inA[k] {
			*out = append(*out, Change{Path: fmt.Sprintf("%s[%s]", path, k), New: summary(b.Index(i))})
		}
	}
}

// allKeyed reports whether every element has a distinct key.
func allKeyed(s reflect.Value) bool {
	seen := map[string]bool{}
	for i := range s.Len() {
		k := key(s.Index(i))
		if k == "" || seen[k] {
			return false
		}
		seen[k] = true
	}
	return true
}

// summary renders a whole added or removed element: a leaf as itself, an
// item by its name.
func summary(v reflect.Value) string {
	if leaf(v.Type()) {
		return show(v)
	}
	if v.Kind() != reflect.Struct {
		return fmt.Sprint(v.Interface())
	}
	name := ""
	for _, n := range []string{"NameRU", "LabelRU", "Text", "Service", "Form"} {
		f := v.FieldByName(n)
		if !f.IsValid() {
			continue
		}
		if t, ok := f.Interface().(Text); ok {
			name = t.RU
		} else if f.Kind() == reflect.String {
			name = f.String()
		}
		if name != "" {
			break
		}
	}
	k := key(v)
	switch {
	case k != "" && name != "":
		return k + " — " + name
	case k != "":
		return k
	}
	return name
}

package catalog

import (
	"maps"
	"testing"
)

func TestValidateApplication(t *testing.T) {
	t.Parallel()
	r := validRegulation(t)
	base := map[string]string{"full_name": "Иванов Иван Иванович", "address": "г. Минск, ул. Кирова, 8", "kind": "own"}
	lease := map[string][]FileMeta{"lease_file": {{Name: "dogovor.pdf", Type: "application/pdf", Size: 200 << 10}}}
	with := func(kv ...string) map[string]string {
		m := maps.Clone(base)
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	withFiles := func(code string, fs ...FileMeta) map[string][]FileMeta {
		m := maps.Clone(lease)
		m[code] = fs
		return m
	}
	tests := []struct {
		name   string
		values map[string]string
		files  map[string][]FileMeta
		field  string
		code   string // "" = valid
	}{
		{"minimal valid", base, lease, "", ""},
		{"all optional fields valid", with("phone", "8 (029) 123-45-67", "uid", "3270287a012pb2", "birth", "31.12.1990",
			"copies", "2", "index", "220030"), lease, "", ""},
		{"required text missing", with("full_name", "  "), lease, "full_name", CodeFormRequired},
		{"required choice missing", with("kind", ""), lease, "kind", CodeFormRequired},
		{"required file missing", base, nil, "lease_file", CodeFormRequired},
		{"conditional file required when condition holds", with("kind", "rent"), lease, "passport_file", CodeFormRequired},
		{"conditional file provided", with("kind", "rent"), withFiles("passport_file", FileMeta{Name: "p.jpg", Type: "image/jpeg", Size: 1000}), "", ""},
		{"too short", with("full_name", "Ив"), lease, "full_name", CodeFormTooShort},
		{"too long", with("full_name", string(make([]rune, 101))), lease, "full_name", CodeFormTooLong},
		{"pattern", with("index", "22003"), lease, "index", CodeFormPattern},
		{"not a number", with("copies", "два"), lease, "copies", CodeFormNumber},
		{"number too small", with("copies", "0"), lease, "copies", CodeFormTooSmall},
		{"number too large", with("copies", "5,5"), lease, "copies", CodeFormTooLarge},
		{"bad date", with("birth", "31.02.1990"), lease, "birth", CodeFormDate},
		{"unknown option", with("kind", "buy"), lease, "kind", CodeFormChoice},
		{"uid format", with("uid", "12345"), lease, "uid", CodeFormUIDFormat},
		{"uid check digit", with("uid", "7010190A001PB3"), lease, "uid", CodeFormUIDCheckDigit},
		{"phone format", with("phone", "12345"), lease, "phone", CodeFormPhoneFormat},
		{"landline is not a mobile", with("phone", "+375 17 123-45-67"), lease, "phone", CodeFormPhoneOperator},
		{"file wrong type", base, withFiles("lease_file", FileMeta{Name: "dogovor.docx", Type: "application/msword", Size: 1000}), "lease_file", CodeFormFileType},
		{"file by extension", with("kind", "rent"), withFiles("passport_file", FileMeta{Name: "scan.JPG", Type: "application/octet-stream", Size: 1000}), "", ""},
		{"file too large", base, withFiles("lease_file", FileMeta{Name: "d.pdf", Type: "application/pdf", Size: 10<<20 + 1}), "lease_file", CodeFormFileSize},
		{"empty file", base, withFiles("lease_file", FileMeta{Name: "d.pdf", Type: "application/pdf"}), "lease_file", CodeFormFileEmpty},
		{"unknown value", with("colour", "red"), lease, "colour", CodeFormUnknown},
		{"value for a file field", with("lease_file", "x"), lease, "lease_file", CodeFormUnknown},
		{"file for a text field", base, withFiles("full_name", FileMeta{Name: "a.pdf", Type: "application/pdf", Size: 1}), "full_name", CodeFormNotFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := r.ValidateApplication(tt.values, tt.files)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("valid application rejected: %v", err)
				}
				return
			}
			wantField(t, err, tt.field, tt.code)
		})
	}
}

func TestNormalizeApplication(t *testing.T) {
	t.Parallel()
	r := validRegulation(t)
	got, err := r.NormalizeApplication(map[string]string{
		"full_name": "  Иванов Иван ", "address": "Минск", "kind": "own", "phone": "8 029 123 45 67",
		"uid": "3270287а012рв2", "birth": "01.02.1990", "copies": "3,0",
	}, map[string][]FileMeta{"lease_file": {{Name: "a.pdf", Type: "application/pdf; charset=binary", Size: 1}}})
	mustNoErr(t, err)
	want := map[string]string{"full_name": "Иванов Иван", "address": "Минск", "kind": "own", "phone": "+375291234567",
		"uid": "3270287A012PB2", "birth": "1990-02-01", "copies": "3"}
	if !maps.Equal(got, want) {
		t.Fatalf("normalized %v, want %v", got, want)
	}
}

// All problems come at once, so the form shows every one.
func TestValidateApplicationReportsAll(t *testing.T) {
	t.Parallel()
	err := validRegulation(t).ValidateApplication(map[string]string{"copies": "x"}, nil)
	got := fieldErrs(err)
	for _, f := range []string{"full_name", "address", "kind", "lease_file", "copies"} {
		if len(got[f]) == 0 {
			t.Errorf("no problem reported for %s: %v", f, got)
		}
	}
}

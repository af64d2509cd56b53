package document

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var (
	update  = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")
	samples = flag.String("samples", "", "also write every rendered test document to this directory, to look at")
)

const testCode = "7K2M-Q9XD-4HBR"

// sample is a complete document of the given kind, filled the way the
// issuing domain would fill it.
func sample(kind Kind, lang string) Document {
	d := Document{
		Kind:             kind,
		Lang:             lang,
		RegNumber:        "01-12/345",
		VerificationCode: testCode,
		Date:             time.Date(2026, 3, 5, 9, 30, 0, 0, minsk),
		Issuer:           "Администрация Первомайского района г. Минска",
		Recipient:        "Иванов Иван Иванович",
		Fields: []Field{
			{"Адрес", "г. Минск, ул. Независимости, д. 1"},
			{"Административная процедура", "1.1.5 Принятие решения о постановке на учёт (восстановлении на учёте) граждан, нуждающихся в улучшении жилищных условий"},
			{"Номер дела", "2026-000123"},
		},
		Paragraphs: []string{
			"По результатам рассмотрения заявления и представленных документов, руководствуясь Законом Республики Беларусь «Об основах административных процедур», принято решение, изложенное ниже.",
			"Решение может быть обжаловано в вышестоящий орган или в суд в течение одного месяца со дня его получения.",
		},
		Signatory:      "П. П. Петров",
		SignatoryTitle: "Заместитель главы администрации",
		VerifyURL:      "https://odnookno.example.by/verify/" + testCode,
	}
	if lang == Belarusian {
		d.Issuer = "Адміністрацыя Першамайскага раёна г. Мінска"
		d.Recipient = "Іваноў Іван Іванавіч"
		d.Fields = []Field{
			{"Адрас", "г. Мінск, вул. Незалежнасці, д. 1"},
			{"Нумар справы", "2026-000123"},
		}
		d.Paragraphs = []string{"Рашэнне можа быць абскарджана ў вышэйстаячы орган або ў суд на працягу аднаго месяца з дня яго атрымання."}
		d.Signatory = "П. П. Пятроў"
		d.SignatoryTitle = "Намеснік кіраўніка адміністрацыі"
	}
	switch kind {
	case Receipt:
		d.Fields = append(d.Fields, Field{"Принятые документы", "паспорт; справка о месте жительства и составе семьи; копия свидетельства о рождении"})
		d.Signatory, d.SignatoryTitle = "С. С. Сидорова", "Специалист службы «одно окно»"
	case Contract:
		d.Issuer = "РУП «Минскэнерго»"
		d.Fields = append(d.Fields, Field{"Стоимость работ", "1 250,00 BYN"})
		d.SignatureLines = []string{"Подпись заказчика", "Дата"}
	case Act:
		d.Issuer = "РУП «Минскэнерго»"
		d.Fields = append(d.Fields, Field{"Выполненные работы", "подключение к электрическим сетям, установка прибора учёта"})
		d.SignatureLines = []string{"Подпись заказчика", "Дата"}
	case UIDApplication:
		d.Issuer = "Национальный центр электронных услуг"
		d.Fields = []Field{
			{"Адрес", "г. Минск, ул. Независимости, д. 1"},
			{"Идентификационный номер", "3010180A001PB5"},
			{"Номер телефона", "+375 29 123-45-67"},
		}
		d.Checkboxes = []Checkbox{
			{"выдать уникальный идентификатор", false},
			{"заблокировать уникальный идентификатор", true},
			{"разблокировать уникальный идентификатор", false},
			{"изменить номер телефона, связанный с уникальным идентификатором", false},
		}
		d.Paragraphs = []string{"Достоверность указанных сведений подтверждаю."}
		d.Signatory, d.SignatoryTitle = "", ""
		d.SignatureLines = []string{"Подпись заявителя", "Дата"}
	case ComplaintDecision:
		d.Issuer = "Мингорисполком"
	}
	return d
}

// render renders d and, with -samples, keeps a copy to look at.
func render(t *testing.T, name string, d Document) []byte {
	t.Helper()
	pdf, err := Render(d)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("Render returned no PDF: %q", pdf[:min(len(pdf), 20)])
	}
	if *samples != "" {
		if err := os.MkdirAll(*samples, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*samples, name+".pdf"), pdf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return pdf
}

// pages extracts the text of each page with poppler's pdftotext, an
// independent reader: it proves the text is really there and extractable,
// which our own writer could not.
func pages(t *testing.T, pdf []byte) []string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext is required in CI (Debian package poppler-utils)")
		}
		t.Skip("pdftotext not installed (Debian package poppler-utils)")
	}
	in := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	ps := strings.Split(string(out), "\f")
	if last := len(ps) - 1; strings.TrimSpace(ps[last]) == "" {
		ps = ps[:last]
	}
	return ps
}

// flat collapses white space, because pdftotext breaks lines where the
// layout wraps them.
func flat(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func TestRenderEachKind(t *testing.T) {
	t.Parallel()
	for _, kind := range Kinds() {
		for _, lang := range []string{Russian, Belarusian} {
			name := fmt.Sprintf("%s-%s", kind, lang)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				d := sample(kind, lang)
				ps := pages(t, render(t, name, d))
				if len(ps) != 1 {
					t.Errorf("got %d pages, want 1", len(ps))
				}
				text := flat(strings.Join(ps, " "))
				want := []string{
					kind.Title(lang), d.RegNumber, d.Recipient, d.Issuer,
					d.VerificationCode, d.VerifyURL, "05.03.2026",
				}
				for _, f := range d.Fields {
					want = append(want, f.Value)
				}
				for _, c := range d.Checkboxes {
					want = append(want, c.Label)
				}
				want = append(want, d.SignatureLines...)
				for _, w := range want {
					if !strings.Contains(text, flat(w)) {
						t.Errorf("extracted text lacks %q:\n%s", w, text)
					}
				}
				if lang == Belarusian && !strings.Contains(text, "Рэгістрацыйны нумар") {
					t.Errorf("Belarusian document has no Belarusian header:\n%s", text)
				}
				if lang == Russian && !strings.Contains(text, "Регистрационный номер") {
					t.Errorf("Russian document has no Russian header:\n%s", text)
				}
			})
		}
	}
}

func TestRenderTitleOverride(t *testing.T) {
	t.Parallel()
	d := sample(Decision, Russian)
	d.Title = "РЕШЕНИЕ об отказе в осуществлении административной процедуры"
	text := flat(strings.Join(pages(t, render(t, "title-override", d)), " "))
	if !strings.Contains(text, flat(d.Title)) {
		t.Errorf("extracted text lacks the overriding title:\n%s", text)
	}
}

func TestRenderLongDocumentHasFooterOnEveryPage(t *testing.T) {
	t.Parallel()
	d := sample(Decision, Russian)
	d.Paragraphs = nil
	for i := range 14 {
		d.Paragraphs = append(d.Paragraphs, fmt.Sprintf("Пункт %d. %s", i+1, strings.Repeat(
			"Заявителю разъясняется порядок и сроки обжалования настоящего решения, а также право на ознакомление с материалами дела. ", 2)))
	}
	ps := pages(t, render(t, "long", d))
	if len(ps) != 2 {
		t.Fatalf("got %d pages, want the long document to span 2", len(ps))
	}
	for i, p := range ps {
		p = flat(p)
		for _, w := range []string{
			"Код проверки: " + testCode, d.VerifyURL,
			fmt.Sprintf("Страница %d из %d", i+1, len(ps)),
		} {
			if !strings.Contains(p, w) {
				t.Errorf("page %d lacks %q:\n%s", i+1, w, p)
			}
		}
	}
	if !strings.Contains(flat(ps[1]), "Пункт 14.") || !strings.Contains(flat(ps[1]), d.Signatory) {
		t.Errorf("the end of the text and the signature should be on page 2:\n%s", ps[1])
	}
	if !strings.Contains(flat(ps[1]), "РЕШЕНИЕ № 01-12/345 от 05.03.2026") {
		t.Errorf("page 2 does not say which document it belongs to:\n%s", ps[1])
	}
}

func TestRenderFieldTallerThanAPage(t *testing.T) {
	t.Parallel()
	d := sample(Act, Russian)
	var items []string
	for i := range 150 {
		items = append(items, fmt.Sprintf("позиция %d — монтаж кабельной линии", i+1))
	}
	d.Fields = append(d.Fields, Field{"Перечень работ", strings.Join(items, "\n")})
	ps := pages(t, render(t, "tall-field", d))
	if len(ps) < 2 {
		t.Fatalf("got %d pages, want the field to continue on further pages", len(ps))
	}
	text := flat(strings.Join(ps, " "))
	for _, w := range []string{"позиция 1 —", "позиция 150 —", d.Signatory} {
		if !strings.Contains(text, w) {
			t.Errorf("extracted text lacks %q", w)
		}
	}
	for i, p := range ps {
		if !strings.Contains(flat(p), testCode) {
			t.Errorf("page %d has no verification code", i+1)
		}
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	t.Parallel()
	for _, kind := range Kinds() {
		a, err := Render(sample(kind, Russian))
		if err != nil {
			t.Fatal(err)
		}
		b, err := Render(sample(kind, Russian))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two renders of the same document differ", kind)
		}
	}
}

func TestRenderSurvivesAwkwardText(t *testing.T) {
	t.Parallel()
	d := sample(Notice, Russian)
	d.Recipient = "Иванов\tИван\r\nИванович 😀"
	d.Fields = []Field{
		{"", ""},
		{"Пустое значение", ""},
		{"Управляющие символы", "a\x00b\x07c\u200bd\U0010FFFF"},
		{"Слово без пробелов", strings.Repeat("Оченьдлинноеслово", 20)},
		{"Белорусские буквы", "ІіЎўЁё ʼ «» № —"},
	}
	d.Paragraphs = []string{"", "   ", strings.Repeat("х", 500)}
	ps := pages(t, render(t, "awkward", d))
	text := flat(strings.Join(ps, " "))
	for _, w := range []string{"Иванов Иван", "ІіЎўЁё", testCode} {
		if !strings.Contains(text, w) {
			t.Errorf("extracted text lacks %q:\n%s", w, text)
		}
	}
}

func TestRenderDatesInMinskTime(t *testing.T) {
	t.Parallel()
	d := sample(Receipt, Russian)
	d.Date = time.Date(2026, 3, 4, 22, 30, 0, 0, time.UTC) // 01:30 on the 5th in Minsk
	text := flat(strings.Join(pages(t, render(t, "minsk-date", d)), " "))
	if !strings.Contains(text, "от 05.03.2026") {
		t.Errorf("want the Minsk calendar date 05.03.2026:\n%s", text)
	}
}

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	for _, kind := range Kinds() {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			got := strings.Join(pages(t, render(t, "golden-"+string(kind), sample(kind, Russian))), "\f")
			path := filepath.Join("testdata", string(kind)+".golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("text of %s differs from %s (go test -update rewrites it):\n%s", kind, path, got)
			}
		})
	}
}

func TestRenderRejectsInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*Document)
		field  string
	}{
		{"missing reg number", func(d *Document) { d.RegNumber = " " }, "RegNumber"},
		{"unknown kind", func(d *Document) { d.Kind = "memo" }, "Kind"},
		{"empty kind", func(d *Document) { d.Kind = "" }, "Kind"},
		{"missing code", func(d *Document) { d.VerificationCode = "" }, "VerificationCode"},
		{"unknown language", func(d *Document) { d.Lang = "en" }, "Lang"},
		{"missing language", func(d *Document) { d.Lang = "" }, "Lang"},
		{"missing date", func(d *Document) { d.Date = time.Time{} }, "Date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := sample(Decision, Russian)
			tt.change(&d)
			pdf, err := Render(d)
			if pdf != nil {
				t.Errorf("Render returned %d bytes for an invalid document", len(pdf))
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Render error = %v, want ErrInvalid", err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Errorf("Render error = %v, want a FieldError for %s", err, tt.field)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	err := Document{Kind: "memo"}.Validate()
	for _, field := range []string{"Kind", "Lang", "RegNumber", "VerificationCode", "Date"} {
		if !strings.Contains(fmt.Sprint(err), field+":") {
			t.Errorf("Validate() = %v; want it to mention %s", err, field)
		}
	}
}

func TestKindTitles(t *testing.T) {
	t.Parallel()
	for _, k := range Kinds() {
		if !k.Valid() || k.Title(Russian) == "" || k.Title(Belarusian) == "" {
			t.Errorf("kind %q lacks a title in one of the languages", k)
		}
	}
	if got := Receipt.Title(Belarusian); got != "РАСПІСКА" {
		t.Errorf("Receipt.Title(be) = %q", got)
	}
	if Kind("memo").Valid() {
		t.Error("an unknown kind is valid")
	}
}

package document

import (
	"bytes"
	_ "embed" // the fonts travel inside the binary so rendering needs no files on disk
	"fmt"
	"strings"
	"time"
	"unicode"

	"codeberg.org/go-pdf/fpdf"
)

// DejaVu Sans is used because it covers Russian and Belarusian (і, ў) and
// its licence allows embedding; the PDF core fonts have no Cyrillic at all.
var (
	//go:embed fonts/DejaVuSans.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	fontBold []byte
)

const fontFamily = "DejaVuSans"

// Page geometry in millimetres. The wide left margin leaves room to file the
// paper in a binder, as office-work rules for Belarusian documents ask.
const (
	pageW        = 210.0
	pageH        = 297.0
	marginLeft   = 30.0
	marginRight  = 15.0
	marginTop    = 20.0
	marginBottom = 30.0 // body stops here; the footer lives below
	footerRule   = 24.0 // distance of the footer's rule from the bottom edge
	contentW     = pageW - marginLeft - marginRight
	bodyEnd      = pageH - marginBottom
)

const totalPagesAlias = "{nb}"

// minsk is fixed rather than loaded from tzdata: Belarus has kept UTC+3 all
// year since 2011, and a server in another zone must still date documents
// the way the citizen reads the calendar.
var minsk = time.FixedZone("Europe/Minsk", 3*60*60)

// wording is the fixed text of the page in one language.
type wording struct {
	regNumber, dated     string
	code, verify         string
	page                 string // Sprintf with page number and total
	signature, chooseOne string
}

var wordings = [2]wording{
	{
		regNumber: "Регистрационный номер", dated: "от",
		code: "Код проверки", verify: "Проверить подлинность",
		page:      "Страница %d из %s",
		signature: "(подпись)", chooseOne: "Прошу (нужное отметить):",
	},
	{
		regNumber: "Рэгістрацыйны нумар", dated: "ад",
		code: "Код праверкі", verify: "Праверыць сапраўднасць",
		page:      "Старонка %d з %s",
		signature: "(подпіс)", chooseOne: "Прашу (патрэбнае адзначыць):",
	},
}

// Render validates d and lays it out as an A4 PDF. The same Document always
// renders to the same bytes, so a stored document can be re-rendered and
// compared, and tests can pin the output.
func Render(d Document) ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	r := newRenderer(tidy(d))
	r.letterhead()
	r.registration()
	r.recipient()
	r.heading()
	r.fields()
	r.checkboxes()
	r.paragraphs()
	r.signatory()
	r.signatureLines()

	var buf bytes.Buffer
	if err := r.pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("document: render %s %s: %w", d.Kind, d.RegNumber, err)
	}
	return buf.Bytes(), nil
}

type renderer struct {
	pdf   *fpdf.Fpdf
	d     Document
	w     wording
	title string
	date  string
}

func newRenderer(d Document) *renderer {
	r := &renderer{
		d:     d,
		w:     wordings[langIndex(d.Lang)],
		title: d.Title,
		date:  d.Date.In(minsk).Format("02.01.2006"),
	}
	if r.title == "" {
		r.title = d.Kind.Title(d.Lang)
	}

	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", SizeStr: "A4"})
	r.pdf = pdf
	// The alias must be known before the fonts are added: it changes which
	// glyphs fpdf keeps in the subset.
	pdf.AliasNbPages(totalPagesAlias)
	pdf.AddUTF8FontFromBytes(fontFamily, "", fontRegular)
	pdf.AddUTF8FontFromBytes(fontFamily, "B", fontBold)
	pdf.SetMargins(marginLeft, marginTop, marginRight)
	pdf.SetAutoPageBreak(true, marginBottom)
	pdf.SetCellMargin(0)
	pdf.SetLineWidth(0.2)

	// Byte-for-byte reproducible output: fixed dates, sorted catalogues.
	created := d.Date.In(minsk)
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetCatalogSort(true)

	pdf.SetTitle(r.title+" № "+d.RegNumber, true)
	pdf.SetSubject(string(d.Kind), false)
	pdf.SetAuthor(d.Issuer, true)
	pdf.SetCreator("Odnookno", false)
	pdf.SetProducer("Odnookno", false)
	pdf.SetLang(d.Lang)

	pdf.SetHeaderFuncMode(r.header, true)
	pdf.SetFooterFunc(r.footer)
	pdf.AddPage()
	return r
}

func (r *renderer) font(style string, size float64) {
	r.pdf.SetFont(fontFamily, style, size)
}

// split wraps text to width w in the current font; an empty text is one
// empty line so that table rows never collapse.
func (r *renderer) split(text string, w float64) []string {
	if text == "" {
		return []string{""}
	}
	lines := r.pdf.SplitText(text, w)
	if len(lines) == 0 {
		return []string{""}
	}
	return lines
}

// keep starts a new page unless h more millimetres fit on this one, so that
// blocks which only make sense whole (signatures) are never cut.
func (r *renderer) keep(h float64) {
	if r.pdf.GetY()+h > bodyEnd {
		r.pdf.AddPage()
	}
}

// header repeats the document's identity on continuation pages, so a loose
// page still says what it belongs to.
func (r *renderer) header() {
	if r.pdf.PageNo() == 1 {
		return
	}
	r.font("", 8)
	r.pdf.SetTextColor(90, 90, 90)
	r.pdf.SetXY(marginLeft, 11)
	r.pdf.CellFormat(contentW, 4,
		fmt.Sprintf("%s № %s %s %s", r.title, r.d.RegNumber, r.w.dated, r.date),
		"", 0, "R", false, 0, "")
	r.pdf.SetTextColor(0, 0, 0)
}

// footer puts the verification code on every page: a forger could swap the
// last page, so each page must be checkable on its own.
func (r *renderer) footer() {
	p := r.pdf
	y := pageH - footerRule
	p.SetDrawColor(110, 110, 110)
	p.SetLineWidth(0.2)
	p.Line(marginLeft, y, pageW-marginRight, y)
	p.SetDrawColor(0, 0, 0)

	const lh, pageColW = 3.8, 30.0
	r.font("", 8)
	p.SetTextColor(60, 60, 60)
	text := fmt.Sprintf("%s: %s.", r.w.code, r.d.VerificationCode)
	if r.d.VerifyURL != "" {
		text += " " + r.w.verify + ": " + r.d.VerifyURL
	}
	textW := contentW - pageColW - 4
	for i, line := range r.split(text, textW) {
		if i == 3 {
			break // the footer has room for three lines; a longer URL is a caller bug
		}
		p.SetXY(marginLeft, y+1.5+float64(i)*lh)
		p.CellFormat(textW, lh, line, "", 0, "L", false, 0, r.d.VerifyURL)
	}
	p.SetXY(pageW-marginRight-pageColW, y+1.5)
	// Left-aligned: the total is not known yet, so a right alignment would
	// be computed for the alias and come out ragged.
	p.CellFormat(pageColW, lh, fmt.Sprintf(r.w.page, p.PageNo(), totalPagesAlias), "", 0, "L", false, 0, "")
	p.SetTextColor(0, 0, 0)
}

// letterhead prints the issuing body the way a printed form's blank does.
func (r *renderer) letterhead() {
	if r.d.Issuer == "" {
		return
	}
	p := r.pdf
	r.font("B", 12)
	for _, line := range r.split(r.d.Issuer, contentW) {
		p.CellFormat(contentW, 5.6, line, "", 1, "C", false, 0, "")
	}
	y := p.GetY() + 2
	p.SetLineWidth(0.5)
	p.Line(marginLeft, y, pageW-marginRight, y)
	p.SetLineWidth(0.2)
	p.SetY(y + 5)
}

func (r *renderer) registration() {
	p := r.pdf
	const lh = 5.2
	parts := []struct{ style, text string }{
		{"", r.w.regNumber + ": "},
		{"B", r.d.RegNumber},
		{"", " " + r.w.dated + " "},
		{"B", r.date},
	}
	total := 0.0
	for _, part := range parts {
		r.font(part.style, 10)
		total += p.GetStringWidth(part.text)
	}
	if total > contentW {
		// An unusually long number: give up the bold and wrap.
		r.font("", 10)
		for _, line := range r.split(fmt.Sprintf("%s: %s %s %s", r.w.regNumber, r.d.RegNumber, r.w.dated, r.date), contentW) {
			p.CellFormat(contentW, lh, line, "", 1, "L", false, 0, "")
		}
		return
	}
	for _, part := range parts {
		r.font(part.style, 10)
		p.CellFormat(p.GetStringWidth(part.text), lh, part.text, "", 0, "L", false, 0, "")
	}
	p.Ln(lh)
}

// recipient sits in the right half, where Belarusian office letters put
// the addressee.
func (r *renderer) recipient() {
	if r.d.Recipient == "" {
		return
	}
	p := r.pdf
	x := marginLeft + contentW*0.45
	w := contentW - (x - marginLeft)
	p.SetY(p.GetY() + 4)
	r.font("", 9)
	p.SetTextColor(90, 90, 90)
	p.SetX(x)
	p.CellFormat(w, 4.6, kinds[r.d.Kind].recipient[langIndex(r.d.Lang)]+":", "", 1, "L", false, 0, "")
	p.SetTextColor(0, 0, 0)
	r.font("", 11)
	for _, line := range r.split(r.d.Recipient, w) {
		p.SetX(x)
		p.CellFormat(w, 5.4, line, "", 1, "L", false, 0, "")
	}
}

func (r *renderer) heading() {
	p := r.pdf
	p.SetY(p.GetY() + 9)
	r.font("B", 14)
	lines := r.split(r.title, contentW)
	r.keep(float64(len(lines))*7 + 20) // never strand a title at the foot of a page
	for _, line := range lines {
		p.CellFormat(contentW, 7, line, "", 1, "C", false, 0, "")
	}
	p.SetY(p.GetY() + 6)
}

// fields draws the data table. Each row is as tall as its longer cell, and
// a row too tall for the rest of the page continues on the next one instead
// of running over the footer.
func (r *renderer) fields() {
	if len(r.d.Fields) == 0 {
		return
	}
	p := r.pdf
	const (
		pad    = 1.6
		lh     = 4.8
		labelW = contentW * 0.36
		valueW = contentW - labelW
	)
	r.font("", 10)
	p.SetFillColor(240, 240, 240)
	for _, f := range r.d.Fields {
		labels := r.split(f.Label, labelW-2*pad)
		values := r.split(f.Value, valueW-2*pad)
		for (len(labels) > 0 || len(values) > 0) && p.Error() == nil {
			rows := max(len(labels), len(values))
			fit := int((bodyEnd - p.GetY() - 2*pad) / lh)
			if fit < min(rows, 2) {
				p.AddPage()
				continue
			}
			n := min(rows, fit)
			h := float64(n)*lh + 2*pad
			x, y := marginLeft, p.GetY()
			p.Rect(x, y, labelW, h, "FD")
			p.Rect(x+labelW, y, valueW, h, "D")
			labels = r.column(labels, n, x+pad, y+pad, labelW-2*pad, lh)
			values = r.column(values, n, x+labelW+pad, y+pad, valueW-2*pad, lh)
			p.SetXY(marginLeft, y+h)
		}
	}
	p.SetY(p.GetY() + 6)
}

// column prints up to n lines at (x, y) and returns the ones left over.
func (r *renderer) column(lines []string, n int, x, y, w, lh float64) []string {
	n = min(n, len(lines))
	for i, line := range lines[:n] {
		r.pdf.SetXY(x, y+float64(i)*lh)
		r.pdf.CellFormat(w, lh, line, "", 0, "L", false, 0, "")
	}
	return lines[n:]
}

// checkboxes print every option with a box, ticked or not, because a paper
// application must show the choices the citizen did not make as well.
func (r *renderer) checkboxes() {
	if len(r.d.Checkboxes) == 0 {
		return
	}
	p := r.pdf
	const lh, box, indent = 5.6, 3.8, 7.0
	r.font("", 11)
	if r.d.Kind == UIDApplication {
		r.keep(2 * lh)
		p.CellFormat(contentW, lh, r.w.chooseOne, "", 1, "L", false, 0, "")
		p.SetY(p.GetY() + 1)
	}
	for _, c := range r.d.Checkboxes {
		lines := r.split(c.Label, contentW-indent)
		r.keep(float64(len(lines))*lh + 1.5)
		x, y := marginLeft, p.GetY()
		by := y + (lh-box)/2
		p.SetLineWidth(0.3)
		p.Rect(x, by, box, box, "D")
		if c.Checked {
			p.Line(x+0.7, by+0.7, x+box-0.7, by+box-0.7)
			p.Line(x+0.7, by+box-0.7, x+box-0.7, by+0.7)
		}
		p.SetLineWidth(0.2)
		for i, line := range lines {
			p.SetXY(x+indent, y+float64(i)*lh)
			p.CellFormat(contentW-indent, lh, line, "", 0, "L", false, 0, "")
		}
		p.SetXY(marginLeft, y+float64(len(lines))*lh+1.5)
	}
	p.SetY(p.GetY() + 4)
}

// paragraphs are justified with an indented first line, the customary
// layout of Belarusian official text.
func (r *renderer) paragraphs() {
	if len(r.d.Paragraphs) == 0 {
		return
	}
	p := r.pdf
	const lh, indent = 5.6, 12.5
	r.font("", 11)
	for _, para := range r.d.Paragraphs {
		for _, block := range strings.Split(para, "\n") {
			lines := r.wrapIndented(oneLine(block), indent)
			for i, line := range lines {
				x, w := marginLeft, contentW
				if i == 0 {
					x, w = x+indent, w-indent
				}
				align := "J"
				if i == len(lines)-1 {
					align = "L"
				}
				p.SetX(x)
				p.CellFormat(w, lh, line, "", 1, align, false, 0, "")
			}
		}
		p.SetY(p.GetY() + 1.5)
	}
	p.SetY(p.GetY() + 2)
}

// wrapIndented wraps text whose first line is shorter by indent.
func (r *renderer) wrapIndented(text string, indent float64) []string {
	first := r.split(text, contentW-indent)
	if len(first) <= 1 {
		return first
	}
	rest := strings.TrimLeft(text[len(first[0]):], " ")
	return append(first[:1], r.split(rest, contentW)...)
}

// signatory is the official's signature block: position on the left, a
// line to sign in the middle, the name on the right.
func (r *renderer) signatory() {
	if r.d.Signatory == "" && r.d.SignatoryTitle == "" {
		return
	}
	p := r.pdf
	const (
		lh     = 5.4
		titleW = 72.0
		signX  = marginLeft + titleW + 6
		signW  = 38.0
		nameX  = signX + signW + 6
		nameW  = pageW - marginRight - nameX
	)
	r.font("", 11)
	titles := r.split(r.d.SignatoryTitle, titleW)
	names := r.split(r.d.Signatory, nameW)
	rows := max(len(titles), len(names))
	h := float64(rows)*lh + 5
	p.SetY(p.GetY() + 8)
	r.keep(h)
	y := p.GetY()
	// The name and the line to sign share the last line of the position,
	// as on a signed paper.
	r.column(titles, len(titles), marginLeft, y+float64(rows-len(titles))*lh, titleW, lh)
	for i, line := range names {
		p.SetXY(nameX, y+float64(rows-len(names)+i)*lh)
		p.CellFormat(nameW, lh, line, "", 0, "R", false, 0, "")
	}
	base := y + float64(rows)*lh - 0.8
	p.Line(signX, base, signX+signW, base)
	r.font("", 7)
	p.SetXY(signX, base+0.5)
	p.CellFormat(signW, 3, r.w.signature, "", 0, "C", false, 0, "")
	p.SetXY(marginLeft, y+h)
}

// signatureLines leave blanks for handwriting, two to a row, each with its
// caption under the line as on printed forms.
func (r *renderer) signatureLines() {
	if len(r.d.SignatureLines) == 0 {
		return
	}
	p := r.pdf
	const gap = 15.0
	colW := (contentW - gap) / 2
	p.SetY(p.GetY() + 10)
	for i := 0; i < len(r.d.SignatureLines); i += 2 {
		r.keep(16)
		y := p.GetY()
		for j, caption := range r.d.SignatureLines[i:min(i+2, len(r.d.SignatureLines))] {
			x := marginLeft + float64(j)*(colW+gap)
			p.Line(x, y+9, x+colW, y+9)
			r.font("", 8)
			p.SetXY(x, y+9.8)
			p.CellFormat(colW, 3.6, caption, "", 0, "C", false, 0, "")
		}
		p.SetXY(marginLeft, y+16)
	}
}

// tidy removes what the layout cannot show: control characters would print
// as boxes, tabs as nothing, and runes outside the font's range make fpdf
// fail. Single-line values lose their line breaks.
func tidy(d Document) Document {
	d.RegNumber = oneLine(d.RegNumber)
	d.VerificationCode = oneLine(d.VerificationCode)
	d.VerifyURL = strings.Join(strings.Fields(d.VerifyURL), "")
	d.Issuer = multiLine(d.Issuer)
	d.Title = multiLine(d.Title)
	d.Recipient = multiLine(d.Recipient)
	d.Signatory = multiLine(d.Signatory)
	d.SignatoryTitle = multiLine(d.SignatoryTitle)
	d.Fields = append([]Field(nil), d.Fields...)
	for i, f := range d.Fields {
		d.Fields[i] = Field{Label: multiLine(f.Label), Value: multiLine(f.Value)}
	}
	d.Paragraphs = append([]string(nil), d.Paragraphs...)
	for i, s := range d.Paragraphs {
		d.Paragraphs[i] = multiLine(s)
	}
	d.Checkboxes = append([]Checkbox(nil), d.Checkboxes...)
	for i, c := range d.Checkboxes {
		d.Checkboxes[i].Label = multiLine(c.Label)
	}
	d.SignatureLines = append([]string(nil), d.SignatureLines...)
	for i, s := range d.SignatureLines {
		d.SignatureLines[i] = oneLine(s)
	}
	return d
}

// multiLine keeps line breaks but collapses other white space, so wrapping
// never meets tabs or runs of blanks.
func multiLine(s string) string {
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(s)
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		lines[i] = oneLine(line)
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.Map(printable, s)), " ")
}

func printable(r rune) rune {
	switch {
	case unicode.IsSpace(r):
		return ' '
	case unicode.IsControl(r), r > 0xFFFF:
		return -1
	}
	return r
}

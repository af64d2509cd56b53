package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/kljensen/snowball/russian"
)

// stopWords carry no meaning in procedure names (Russian and Belarusian).
var stopWords = map[string]bool{
	"в": true, "во": true, "на": true, "о": true, "об": true, "и": true, "или": true, "по": true, "с": true,
	"со": true, "для": true, "из": true, "к": true, "ко": true, "у": true, "от": true, "до": true, "за": true,
	"не": true, "а": true, "при": true, "без": true, "их": true, "его": true, "ее": true, "том": true, "числе": true,
	"ў": true, "і": true, "аб": true, "па": true, "з": true, "ці": true, "да": true, "ад": true, "пры": true,
	"іх": true, "яго": true, "яе": true,
}

// words splits text into lower-case words, «ё» read as «е», without stop
// words and single letters.
func words(s string) []string {
	s = strings.ReplaceAll(strings.ToLower(s), "ё", "е")
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
	out := fields[:0]
	for _, f := range fields {
		f = strings.Trim(f, "'")
		if len([]rune(f)) < 2 || stopWords[f] {
			continue
		}
		out = append(out, f)
	}
	return out
}

// stem reduces a word with the Russian Snowball stemmer; Belarusian words go
// through it too, which strips the endings the languages share, and are
// also indexed as written.
func stem(w string) string {
	if strings.ContainsFunc(w, unicode.IsDigit) {
		return w
	}
	s := russian.Stem(w, true)
	if s == "" {
		return w
	}
	return s
}

// withoutFleetingVowel undoes the vowel Russian inserts in some genitive
// plurals («справок» of «справка», «книжек» of «книжка»), which the stemmer
// keeps: "" when the stem does not end consonant, о/е, consonant.
func withoutFleetingVowel(s string) string {
	r := []rune(s)
	n := len(r)
	if n < 4 || (r[n-2] != 'о' && r[n-2] != 'е') || !consonant(r[n-1]) || !consonant(r[n-3]) {
		return ""
	}
	return string(r[:n-2]) + string(r[n-1])
}

func consonant(r rune) bool {
	return unicode.Is(unicode.Cyrillic, r) && !strings.ContainsRune("аеёиоуыэюяіўьъй", r)
}

// procedureTerms are the search terms of a procedure: every word of its
// Russian and Belarusian names, stemmed and as written.
func procedureTerms(p Procedure) []string {
	var out []string
	add := func(t string) {
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	for _, w := range words(p.NameRU + " " + p.NameBE) {
		add(stem(w))
		add(w)
	}
	return out
}

// Query asks the catalogue. Text mixes procedure numbers («1.3», «2.5»)
// and words of names in any form («справку о месте жительства»); empty Text
// lists the whole catalogue.
type Query struct {
	Text string
	List List // "" for both lists
	// InForce keeps only procedures with a regulation in force today (the
	// citizen's catalogue).
	InForce bool
	Limit   int // default 50, at most 500
}

// Hit is one procedure found.
type Hit struct {
	Procedure Procedure
	// NumberMatch: 2 the number itself, 1 a number under the prefix asked,
	// 0 no number asked or matched.
	NumberMatch int
	// Words is how many of the query's words the name matches.
	Words int
	// Version in force today (0: none), and whether it can be filed online.
	Version int
	Online  bool
}

// Search finds procedures by number prefix and by the words of their names
// with Russian morphology, best first: number matches, then the number of
// words matched, then list order. It uses only LIKE on the term table, so
// both engines answer alike.
func (s *Service) Search(ctx context.Context, q Query) ([]Hit, error) {
	var numbers []string
	var terms [][]string // per query word: its stem and alternatives
	for _, f := range strings.Fields(q.Text) {
		f = strings.Trim(f, ".,;:«»\"()")
		if f == "" {
			continue
		}
		if ValidNumber(strings.TrimSuffix(f, ".")) {
			numbers = append(numbers, strings.TrimSuffix(f, "."))
			continue
		}
		for _, w := range words(f) {
			alts := []string{stem(w)}
			if a := withoutFleetingVowel(alts[0]); a != "" {
				alts = append(alts, a)
			}
			if !slices.ContainsFunc(terms, func(x []string) bool { return x[0] == alts[0] }) {
				terms = append(terms, alts)
			}
		}
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q.Limit = min(q.Limit, 500)

	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	numberExpr := "0"
	if len(numbers) > 0 {
		var cases []string
		for _, n := range numbers {
			cases = append(cases, fmt.Sprintf("WHEN p.number = %s THEN 2 WHEN p.number LIKE %s OR p.number LIKE %s THEN 1",
				arg(n), arg(n+".%"), arg(n+"-%")))
		}
		numberExpr = "CASE " + strings.Join(cases, " ") + " ELSE 0 END"
	}
	wordExpr := "0"
	if len(terms) > 0 {
		var parts []string
		for _, alts := range terms {
			var like []string
			for _, a := range alts {
				like = append(like, "t.term LIKE "+arg(a+"%"))
			}
			parts = append(parts, fmt.Sprintf(
				"(CASE WHEN EXISTS (SELECT 1 FROM catalog_terms t WHERE t.procedure_id = p.id AND (%s)) THEN 1 ELSE 0 END)",
				strings.Join(like, " OR ")))
		}
		wordExpr = strings.Join(parts, " + ")
	}
	today := arg(s.today().String())
	inForce := func(col string) string {
		return `(SELECT r.` + col + ` FROM catalog_regulations r WHERE r.procedure_id = p.id AND r.state IN ` + approvedStates +
			` AND r.effective_date <> '' AND r.effective_date <= ` + today + ` ORDER BY r.effective_date DESC, r.version DESC LIMIT 1)`
	}
	var where []string
	if q.List != "" {
		where = append(where, "list = "+arg(q.List))
	}
	if len(numbers)+len(terms) > 0 {
		where = append(where, "(number_match > 0 OR words > 0)")
	}
	if q.InForce {
		where = append(where, "in_force IS NOT NULL")
	}
	sqlq := `SELECT * FROM (SELECT ` + procColsP + `, ` + numberExpr + ` AS number_match, ` + wordExpr + ` AS words,
		` + inForce("version") + ` AS in_force, ` + inForce("online") + ` AS in_force_online,
		p.number_key AS number_key FROM catalog_procedures p) x`
	if len(where) > 0 {
		sqlq += " WHERE " + strings.Join(where, " AND ")
	}
	sqlq += fmt.Sprintf(" ORDER BY number_match DESC, words DESC, list, number_key LIMIT %d", q.Limit)
	rows, err := s.db.R.QueryContext(ctx, sqlq, args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: search: %w", err)
	}
	defer rows.Close()
	var out []Hit
	for rows.Next() {
		var h Hit
		p := &h.Procedure
		var version sql.NullInt64
		var online sql.NullBool
		var key string
		if err := rows.Scan(&p.ID, &p.List, &p.Number, &p.Chapter.Number, &p.Chapter.NameRU, &p.Chapter.NameBE,
			&p.NameRU, &p.NameBE, &p.Regulator, &h.NumberMatch, &h.Words, &version, &online, &key); err != nil {
			return nil, fmt.Errorf("catalog: search: %w", err)
		}
		h.Version, h.Online = int(version.Int64), online.Bool
		out = append(out, h)
	}
	return out, rows.Err()
}

const procColsP = "p.id, p.list, p.number, p.chapter_number, p.chapter_name_ru, p.chapter_name_be, p.name_ru, p.name_be, p.regulator"

package catalog

import (
	"context"
	"slices"
	"testing"
)

func numbers(hits []Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Procedure.Number)
	}
	return out
}

func TestSearch(t *testing.T) {
	each(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		_, err := f.svc.LoadDemo(ctx)
		mustNoErr(t, err)
		search := func(q Query) []Hit {
			t.Helper()
			hits, err := f.svc.Search(ctx, q)
			mustNoErr(t, err)
			return hits
		}
		certificates := []string{"1.3.1", "1.3.4", "2.2"} // «справки» in their names
		for _, word := range []string{"справка", "справки", "справку", "СПРАВОК", "справкам", "справкой"} {
			got := numbers(search(Query{Text: word}))
			if !slices.Equal(got, certificates) {
				t.Errorf("%q found %v, want %v", word, got, certificates)
			}
		}
		// More words matched rank first; stop words are ignored.
		hits := search(Query{Text: "справку о месте жительства"})
		if len(hits) < 3 || hits[0].Procedure.Number != "1.3.4" || hits[0].Words != 3 {
			t.Fatalf("ranking: %v (first %+v)", numbers(hits), hits[0])
		}
		if hits[0].Version != 1 || !hits[0].Online {
			t.Fatalf("hit should carry the version in force and online filing: %+v", hits[0])
		}
		// A word stem as a prefix: «пособ» finds every «пособие/пособия».
		got := numbers(search(Query{Text: "пособия"}))
		want := []string{"2.5", "2.6", "2.8", "2.13", "2.14"}
		if !slices.Equal(got, want) {
			t.Errorf("пособия: %v, want %v", got, want)
		}
		got = numbers(search(Query{Text: "пособие ребенком уходу"}))
		if len(got) < 2 || !slices.Contains(got[:2], "2.13") || !slices.Contains(got[:2], "2.14") {
			t.Errorf("best matches first: %v", got)
		}

		// Numbers: a prefix by components, the exact number first.
		if got := numbers(search(Query{Text: "1.3"})); !slices.Equal(got, []string{"1.3.1", "1.3.4"}) {
			t.Errorf("1.3: %v", got)
		}
		hits = search(Query{Text: "2.1"})
		if got := numbers(hits); !slices.Equal(got, []string{"2.1"}) || hits[0].NumberMatch != 2 {
			t.Errorf("2.1 must not take 2.13: %v", got)
		}
		if got := numbers(search(Query{Text: "11."})); !slices.Equal(got, []string{"11.1.1", "11.2.5", "11.3.1"}) {
			t.Errorf("11.: %v", got)
		}
		hits = search(Query{Text: "2.5 справка"})
		if hits[0].Procedure.Number != "2.5" || hits[0].NumberMatch != 2 || len(hits) != 4 {
			t.Errorf("number before words: %v", numbers(hits))
		}

		// Belarusian names, as written.
		for _, word := range []string{"даведка", "даведкі", "Даведку"} {
			if got := numbers(search(Query{Text: word})); !slices.Equal(got, certificates) {
				t.Errorf("%q found %v, want %v", word, got, certificates)
			}
		}
		// «тэхнічнага пашпарта» of the vehicle procedure too.
		if got := numbers(search(Query{Text: "пашпарта"})); !slices.Equal(got, []string{"11.1.1", "11.2.5", "11.3.1", "18.2.1"}) {
			t.Errorf("пашпарта: %v", got)
		}

		// Lists, limits, browsing.
		if got := numbers(search(Query{Text: "выдача", List: LegalEntities})); !slices.Equal(got, []string{"3.9.7", "3.15.1"}) {
			t.Errorf("legal entities: %v", got)
		}
		if got := search(Query{}); len(got) != 19 || got[0].Procedure.Number != "1.1.5" || got[18].Procedure.Number != "18.2.1" {
			t.Errorf("browse: %v", numbers(got))
		}
		if got := search(Query{List: Citizens, Limit: 5}); len(got) != 5 {
			t.Errorf("limit: %d", len(got))
		}
		if got := search(Query{Text: "космонавтика"}); len(got) != 0 {
			t.Errorf("nonsense found %v", numbers(got))
		}
		for _, h := range search(Query{Text: "регистрация"}) {
			if h.Procedure.Number == "5.1" && h.Online {
				t.Error("birth registration is filed in person only")
			}
		}

		// Only procedures with a regulation in force, when asked.
		p, err := f.svc.CreateProcedure(ctx, operatorActor, Procedure{List: Citizens, Number: "1.3.9",
			Chapter: Chapter{Number: 1, NameRU: "Жилищные правоотношения", NameBE: "Жыллёвыя праваадносіны"},
			NameRU:  "Выдача справки о чем-то ещё", NameBE: "Выдача даведкі", Regulator: "mzhkh"})
		mustNoErr(t, err)
		if got := numbers(search(Query{Text: "справка"})); !slices.Contains(got, p.Number) {
			t.Errorf("staff search should find a procedure without regulation: %v", got)
		}
		if got := numbers(search(Query{Text: "справка", InForce: true})); slices.Contains(got, p.Number) {
			t.Errorf("citizen search found a procedure with nothing in force: %v", got)
		}
	})
}

func TestWords(t *testing.T) {
	t.Parallel()
	got := words("Выдача справки о «месте» жительства; Ёлка, 14-летнего і ў")
	want := []string{"выдача", "справки", "месте", "жительства", "елка", "14", "летнего"}
	if !slices.Equal(got, want) {
		t.Fatalf("words %v, want %v", got, want)
	}
	if withoutFleetingVowel(stem("книжек")) != stem("книжка") || withoutFleetingVowel("документ") != "" {
		t.Fatalf("fleeting vowel: %q", withoutFleetingVowel(stem("книжек")))
	}
	if stem("справки") != stem("справку") || stem("справка") != "справк" {
		t.Fatalf("stems %q %q %q", stem("справки"), stem("справку"), stem("справка"))
	}
}

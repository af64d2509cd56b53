package document

import "testing"

func BenchmarkRender(b *testing.B) {
	d := sample(Decision, Russian)
	for b.Loop() {
		if _, err := Render(d); err != nil {
			b.Fatal(err)
		}
	}
}

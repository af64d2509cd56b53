package app

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEListsEverySetting keeps the README's configuration table true.
func TestREADMEListsEverySetting(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range settings {
		if !strings.Contains(string(b), "`"+s.name+"`") || !strings.Contains(string(b), "`--"+s.flag+"`") {
			t.Errorf("README does not document %s / --%s", s.name, s.flag)
		}
	}
}

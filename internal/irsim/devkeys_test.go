package irsim

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"odnookno/internal/signature"
)

func TestDevKeysAreCreatedOnceAndKept(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// The platform's own start-up already made a CA and its key here.
	if err := signature.DevCA(dir, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := signature.Issue(dir, signature.IssueRequest{Name: "Odnookno platform", FileBase: "platform"}); err != nil {
		t.Fatal(err)
	}
	before := readFiles(t, dir, "ca.crt", "platform.crt", "platform.key")

	k, err := DevKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, readFiles(t, dir, "ca.crt", "platform.crt", "platform.key")) {
		t.Error("DevKeys replaced existing keys")
	}
	all := readFiles(t, dir, "ca.crt", "irsim-mvd.crt", "irsim-residence.key", "irsim-property.crt")
	if _, err := DevKeys(dir); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if !bytes.Equal(all, readFiles(t, dir, "ca.crt", "irsim-mvd.crt", "irsim-residence.key", "irsim-property.crt")) {
		t.Error("second run changed the keys")
	}

	cfg, err := k.ServerConfig()
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range Resources() {
		c := cfg.ResourceSigners[res].Certificate()
		if len(c.Subject.OrganizationalUnit) != 1 || c.Subject.OrganizationalUnit[0] != res {
			t.Errorf("%s certificate OU %v", res, c.Subject.OrganizationalUnit)
		}
	}
}

func TestDevKeysRefuseHalfAPair(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := DevKeys(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "irsim-mvd.key")); err != nil {
		t.Fatal(err)
	}
	if _, err := DevKeys(dir); err == nil {
		t.Error("a certificate without its key was accepted")
	}
}

func readFiles(t *testing.T, dir string, names ...string) []byte {
	t.Helper()
	var all []byte
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

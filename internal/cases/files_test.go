package cases_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"odnookno/internal/cases"
	"odnookno/internal/fault"
)

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFileStore: content-addressed, deduplicated, verified on read, and
// guarded by the scanner.
func TestFileStore(t *testing.T) {
	dir := t.TempDir()
	fs, err := cases.NewFileStore(dir, 64, nil)
	if err != nil {
		t.Fatal(err)
	}
	content := pdfBytes("one")
	a, err := fs.Put(ctx, "a.pdf", bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	b, err := fs.Put(ctx, "копия.pdf", bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	if a != b || a.ContentType != "application/pdf" || a.Size != int64(len(content)) || len(a.SHA256) != 64 {
		t.Fatalf("%+v %+v", a, b)
	}
	if n := countFiles(t, dir); n != 1 {
		t.Fatalf("%d files stored for one content", n)
	}
	got, err := fs.Read(a.SHA256)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("read back %q %v", got, err)
	}

	for name, tc := range map[string]struct {
		body []byte
		code string
	}{
		"PE executable named .pdf": {append([]byte("MZ\x90\x00"), bytes.Repeat([]byte{0}, 20)...), cases.CodeFileRefused},
		"ELF":                      {[]byte("\x7fELF\x02\x01\x01"), cases.CodeFileRefused},
		"script":                   {[]byte("#!/bin/sh\nrm -rf /\n"), cases.CodeFileRefused},
		"plain text":               {[]byte("просто текст"), cases.CodeFileType},
		"empty":                    {nil, cases.CodeFileEmpty},
		"too large":                {append(pdfBytes("x"), bytes.Repeat([]byte("x"), 64)...), cases.CodeFileTooLarge},
	} {
		_, err := fs.Put(ctx, "file.pdf", bytes.NewReader(tc.body))
		if err == nil {
			t.Fatalf("%s: stored", name)
		}
		wantFault(t, err, fault.Invalid, tc.code)
	}
	if n := countFiles(t, dir); n != 1 {
		t.Fatalf("refused files left %d files", n)
	}

	// Bytes changed on disk are noticed on read.
	p := filepath.Join(dir, a.SHA256[:2], a.SHA256[2:4], a.SHA256)
	if err := os.WriteFile(p, pdfBytes("two"), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Read(a.SHA256); !errors.Is(err, cases.ErrCorrupt) {
		t.Fatalf("corrupt file read: %v", err)
	}
	if _, err := fs.Read(strings.Repeat("0", 64)); !errors.Is(err, fault.NotFound) {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := fs.Read("../../etc/passwd"); !errors.Is(err, fault.NotFound) {
		t.Fatalf("path in a hash: %v", err)
	}
}

// antivirus is a stand-in for a clamd scanner: it refuses the EICAR test
// string.
type antivirus struct{}

func (antivirus) Scan(_ context.Context, name string, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if bytes.Contains(b, []byte("EICAR-STANDARD-ANTIVIRUS-TEST-FILE")) {
		return fault.New(fault.Invalid, cases.CodeFileRefused, map[string]any{"name": name})
	}
	return nil
}

// TestScannerChain: a second scanner (an antivirus) runs after the default
// one, each from the start of the file; an application keeps no trace of a
// refused upload.
func TestScannerChain(t *testing.T) {
	fs, err := cases.NewFileStore(t.TempDir(), 0, cases.Scanners{cases.DefaultScanner{}, antivirus{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Put(ctx, "ok.pdf", bytes.NewReader(pdfBytes("clean"))); err != nil {
		t.Fatal(err)
	}
	_, err = fs.Put(ctx, "eicar.pdf", bytes.NewReader(pdfBytes(`X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`)))
	wantFault(t, err, fault.Invalid, cases.CodeFileRefused)

	each(t, func(t *testing.T, f *fixture) {
		d := f.draft(procOnline)
		_, err := f.svc.Attach(ctx, citizen, d.ID, d.Version, cases.Upload{DocCode: "passport", Name: "setup.exe", Body: bytes.NewReader([]byte("MZ\x90\x00xxxx"))})
		wantFault(t, err, fault.Invalid, cases.CodeFileRefused)
		if f.count("SELECT COUNT(*) FROM case_attachments WHERE subject_id = $1", d.ID) != 0 {
			t.Fatal("a refused upload was attached")
		}
		_, err = f.svc.Attach(ctx, citizen, d.ID, d.Version, cases.Upload{Name: "../../x.pdf\x00", Body: bytes.NewReader(pdfBytes("n"))})
		wantFault(t, err, fault.Invalid, cases.CodeFileName)
	})
}

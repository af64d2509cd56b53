package cases

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"odnookno/internal/fault"
)

// Scanner inspects an uploaded file before it is stored and refuses it
// with an error (wrapping fault.Invalid, code "file.refused" or
// "file.type_not_allowed") when it must not be kept. DefaultScanner checks
// type and magic bytes. To add an antivirus, write a Scanner that streams r
// to clamd (the INSTREAM command over its TCP or unix socket, answering
// "stream: OK" or "stream: <name> FOUND") and chain it after the default
// with Scanners{DefaultScanner{}, clam}.
type Scanner interface {
	Scan(ctx context.Context, name string, r io.Reader) error
}

// Scanners runs each scanner in turn, each from the start of the file; the
// first refusal wins. The file store hands scanners an io.ReadSeeker.
type Scanners []Scanner

// Scan runs the scanners; r must be an io.ReadSeeker when there are several.
func (s Scanners) Scan(ctx context.Context, name string, r io.Reader) error {
	for i, sc := range s {
		if i > 0 {
			rs, ok := r.(io.ReadSeeker)
			if !ok {
				return errors.New("cases: several scanners need a seekable file")
			}
			if _, err := rs.Seek(0, io.SeekStart); err != nil {
				return err
			}
		}
		if err := sc.Scan(ctx, name, r); err != nil {
			return err
		}
	}
	return nil
}

// Accepted file types and their magic bytes: scans of paper documents and
// documents produced electronically.
var fileTypes = []struct {
	mime  string
	magic [][]byte
}{
	{"application/pdf", [][]byte{[]byte("%PDF-")}},
	{"image/jpeg", [][]byte{{0xFF, 0xD8, 0xFF}}},
	{"image/png", [][]byte{{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}}},
	{"image/tiff", [][]byte{{'I', 'I', '*', 0}, {'M', 'M', 0, '*'}}},
}

// executable magic bytes, refused whatever the file is called: PE (MZ),
// ELF, Mach-O (both byte orders, 32/64 bit, fat) and scripts (#!).
var executables = [][]byte{
	[]byte("MZ"), {0x7F, 'E', 'L', 'F'}, {0xFE, 0xED, 0xFA, 0xCE}, {0xFE, 0xED, 0xFA, 0xCF},
	{0xCE, 0xFA, 0xED, 0xFE}, {0xCF, 0xFA, 0xED, 0xFE}, {0xCA, 0xFE, 0xBA, 0xBE}, []byte("#!"),
}

// SniffType names the accepted type of content from its first bytes, or "".
func SniffType(head []byte) string {
	for _, t := range fileTypes {
		for _, m := range t.magic {
			if bytes.HasPrefix(head, m) {
				return t.mime
			}
		}
	}
	return ""
}

// DefaultScanner refuses executables and anything that is not one of the
// accepted types (PDF, JPEG, PNG, TIFF) by its magic bytes, whatever its
// name or declared type says.
type DefaultScanner struct{}

// Scan reads the head of r.
func (DefaultScanner) Scan(_ context.Context, name string, r io.Reader) error {
	head := make([]byte, 16)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return err
	}
	head = head[:n]
	for _, m := range executables {
		if bytes.HasPrefix(head, m) {
			return fault.New(fault.Invalid, CodeFileRefused, map[string]any{"name": name})
		}
	}
	if SniffType(head) == "" {
		return fault.New(fault.Invalid, CodeFileType, map[string]any{"name": name})
	}
	return nil
}

// Blob is a stored file's identity.
type Blob struct {
	SHA256      string
	Size        int64
	ContentType string // sniffed from the content, not taken from the client
}

// FileStore keeps uploaded files by their SHA-256 under a data directory:
// the same content is stored once, a file is written to a temporary name
// and renamed into place (so a crash never leaves half a file under a
// real name), and every read checks the content against its name.
type FileStore struct {
	dir     string
	maxSize int64
	scanner Scanner
}

// DefaultMaxFileSize is the largest file accepted when none is configured.
const DefaultMaxFileSize = 20 << 20

// NewFileStore keeps files under dir (created if missing). maxSize 0 takes
// DefaultMaxFileSize; scanner nil takes DefaultScanner.
func NewFileStore(dir string, maxSize int64, scanner Scanner) (*FileStore, error) {
	if dir == "" {
		return nil, errors.New("cases: file store needs a directory")
	}
	if maxSize <= 0 {
		maxSize = DefaultMaxFileSize
	}
	if scanner == nil {
		scanner = DefaultScanner{}
	}
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o750); err != nil {
		return nil, fmt.Errorf("cases: file store: %w", err)
	}
	return &FileStore{dir: dir, maxSize: maxSize, scanner: scanner}, nil
}

// MaxSize is the largest file the store accepts.
func (fs *FileStore) MaxSize() int64 { return fs.maxSize }

func (fs *FileStore) path(sum string) string {
	return filepath.Join(fs.dir, sum[:2], sum[2:4], sum)
}

func validSum(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// Put stores r's content, at most MaxSize bytes, after the scanner accepts
// it, and returns its identity. Storing the same content again stores
// nothing new.
func (fs *FileStore) Put(ctx context.Context, name string, r io.Reader) (Blob, error) {
	tmp, err := os.CreateTemp(filepath.Join(fs.dir, "tmp"), "up-*")
	if err != nil {
		return Blob{}, fmt.Errorf("cases: file store: %w", err)
	}
	tmpName := tmp.Name()
	keep := false
	defer func() {
		if !keep {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, fs.maxSize+1))
	if err != nil {
		return Blob{}, fmt.Errorf("cases: file store: write: %w", err)
	}
	if n == 0 {
		return Blob{}, fault.New(fault.Invalid, CodeFileEmpty, map[string]any{"name": name})
	}
	if n > fs.maxSize {
		return Blob{}, fault.New(fault.Invalid, CodeFileTooLarge, map[string]any{"name": name, "max": fs.maxSize})
	}
	if err := tmp.Sync(); err != nil {
		return Blob{}, fmt.Errorf("cases: file store: sync: %w", err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return Blob{}, err
	}
	if err := fs.scanner.Scan(ctx, name, tmp); err != nil {
		return Blob{}, err
	}
	head := make([]byte, 16)
	hn, err := tmp.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return Blob{}, err
	}
	head = head[:hn]
	if err := tmp.Close(); err != nil {
		return Blob{}, fmt.Errorf("cases: file store: close: %w", err)
	}
	b := Blob{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n, ContentType: SniffType(head)}
	if b.ContentType == "" {
		b.ContentType = "application/octet-stream" // a custom scanner let it through
	}
	final := fs.path(b.SHA256)
	if _, err := os.Stat(final); err == nil {
		return b, nil // already stored: the content is its name
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return Blob{}, fmt.Errorf("cases: file store: %w", err)
	}
	if err := os.Rename(tmpName, final); err != nil {
		return Blob{}, fmt.Errorf("cases: file store: rename: %w", err)
	}
	keep = true
	if d, err := os.Open(filepath.Dir(final)); err == nil {
		_ = d.Sync() // make the rename durable
		d.Close()
	}
	return b, nil
}

// Open returns the content stored under sum. The reader fails at the end
// with an error if the bytes on disk no longer hash to sum.
func (fs *FileStore) Open(sum string) (io.ReadCloser, error) {
	if !validSum(sum) {
		return nil, fmt.Errorf("cases: file %q: %w", sum, fault.NotFound)
	}
	f, err := os.Open(fs.path(sum))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("cases: file %s: %w", sum, fault.NotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("cases: file store: %w", err)
	}
	return &verifyingReader{f: f, h: sha256.New(), want: sum}, nil
}

// Read returns the whole content stored under sum, verified.
func (fs *FileStore) Read(sum string) ([]byte, error) {
	r, err := fs.Open(sum)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// ErrCorrupt is returned when stored bytes no longer match their hash.
var ErrCorrupt = errors.New("cases: stored file is corrupt")

type verifyingReader struct {
	f    *os.File
	h    hash.Hash
	want string
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.f.Read(p)
	v.h.Write(p[:n])
	if errors.Is(err, io.EOF) && hex.EncodeToString(v.h.Sum(nil)) != v.want {
		return n, fmt.Errorf("%w: %s", ErrCorrupt, v.want)
	}
	return n, err
}

func (v *verifyingReader) Close() error { return v.f.Close() }

// cleanName keeps a file name printable, short and without a path.
func cleanName(name string) (string, bool) {
	name = strings.TrimSpace(filepath.Base(strings.ReplaceAll(name, "\\", "/")))
	if name == "" || name == "." || name == "/" || !utf8.ValidString(name) {
		return "", false
	}
	if strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7F }) {
		return "", false
	}
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	return name, true
}

func typeAllowed(req DocumentRequirement, contentType string) bool {
	return len(req.Types) == 0 || slices.Contains(req.Types, contentType)
}

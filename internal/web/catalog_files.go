package web

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"odnookno/internal/catalog"
	"odnookno/internal/fault"
	"odnookno/internal/org"
	"odnookno/internal/web/ui"
)

// The operator's import and export of regulation files (catalog.Import,
// catalog.ExportFiles). Uploaded files — JSON, YAML, or zip archives of
// them — are written to a temporary directory and imported whole: one
// problem anywhere leaves the catalogue as it was, and the page lists
// every problem by file, line and field.

const (
	maxImportUpload = 32 << 20 // the whole request
	maxImportFile   = 8 << 20  // one regulation file, also inside a zip
	maxImportTotal  = 64 << 20 // everything unpacked
)

type catalogImportPage struct {
	ui.Errors
	Summary  string // the import's own message
	Problems []catalogImportProblem
	Report   *catalog.Report
}

type catalogImportProblem struct {
	Where   string
	Message string
}

func (c *catalogArea) importForm(w http.ResponseWriter, r *http.Request) {
	c.s.Render(w, r, http.StatusOK, "catalog_import", catalogImportPage{})
}

// errUpload is an upload the page refuses before importing: no files,
// too large, an unsupported file or a broken archive.
type errUpload struct {
	code   string
	params map[string]any
}

func (e *errUpload) Error() string { return e.code }

// stageUpload writes the uploaded files into dir, unpacking zip archives.
func stageUpload(dir string, files []*multipart.FileHeader) error {
	total := int64(0)
	seen := map[string]bool{}
	write := func(name string, data []byte) error {
		name = path.Clean(strings.ReplaceAll(name, `\`, "/"))
		if name == "." || strings.HasPrefix(name, "../") || name == ".." || path.IsAbs(name) {
			return &errUpload{code: "catalog_web.import.bad_name", params: map[string]any{"name": name}}
		}
		switch strings.ToLower(path.Ext(name)) {
		case ".json", ".yaml", ".yml":
		default:
			return &errUpload{code: "catalog_web.import.bad_type", params: map[string]any{"name": name}}
		}
		if seen[name] {
			return &errUpload{code: "catalog_web.import.same_name", params: map[string]any{"name": name}}
		}
		seen[name] = true
		total += int64(len(data))
		if total > maxImportTotal {
			return &errUpload{code: "catalog_web.import.too_large"}
		}
		full := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(full), 0o700); err != nil {
			return err
		}
		return os.WriteFile(full, data, 0o600)
	}
	for _, fh := range files {
		f, err := fh.Open()
		if err != nil {
			return err
		}
		data, err := io.ReadAll(io.LimitReader(f, maxImportUpload+1))
		f.Close()
		if err != nil {
			return err
		}
		name := path.Base(strings.ReplaceAll(fh.Filename, `\`, "/"))
		if strings.ToLower(path.Ext(name)) != ".zip" {
			if len(data) > maxImportFile {
				return &errUpload{code: "catalog_web.import.file_too_large", params: map[string]any{"name": name}}
			}
			if err := write(name, data); err != nil {
				return err
			}
			continue
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return &errUpload{code: "catalog_web.import.bad_zip", params: map[string]any{"name": name}}
		}
		for _, zf := range zr.File {
			if zf.FileInfo().IsDir() || strings.HasPrefix(path.Base(zf.Name), ".") || strings.HasPrefix(zf.Name, "__MACOSX/") {
				continue
			}
			if zf.UncompressedSize64 > maxImportFile {
				return &errUpload{code: "catalog_web.import.file_too_large", params: map[string]any{"name": zf.Name}}
			}
			rc, err := zf.Open()
			if err != nil {
				return &errUpload{code: "catalog_web.import.bad_zip", params: map[string]any{"name": name}}
			}
			b, err := io.ReadAll(io.LimitReader(rc, maxImportFile+1))
			rc.Close()
			if err != nil || len(b) > maxImportFile {
				return &errUpload{code: "catalog_web.import.bad_zip", params: map[string]any{"name": name}}
			}
			if err := write(name+"/"+zf.Name, b); err != nil {
				return err
			}
		}
	}
	if len(seen) == 0 {
		return &errUpload{code: catalog.CodeNoFiles}
	}
	return nil
}

// runImport imports the request's files as the operator.
func (c *catalogArea) runImport(w http.ResponseWriter, r *http.Request) (catalog.Report, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxImportUpload)
	if err := r.ParseMultipartForm(maxImportFile); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return catalog.Report{}, &errUpload{code: "catalog_web.import.too_large"}
		}
		return catalog.Report{}, &errUpload{code: catalog.CodeNoFiles}
	}
	defer r.MultipartForm.RemoveAll()
	dir, err := os.MkdirTemp("", "odnookno-import-")
	if err != nil {
		return catalog.Report{}, err
	}
	defer os.RemoveAll(dir)
	if err := stageUpload(dir, r.MultipartForm.File["files"]); err != nil {
		return catalog.Report{}, err
	}
	st, _ := StaffFrom(r.Context())
	return c.svc.Import(r.Context(), st.Actor(org.RoleOperator), os.DirFS(dir))
}

func (c *catalogArea) importUpload(w http.ResponseWriter, r *http.Request) {
	rep, err := c.runImport(w, r)
	if err == nil {
		page := catalogImportPage{Report: &rep}
		r = r.WithContext(ui.WithFlash(r.Context(), ui.Notice{Kind: "success", Text: c.s.T(r, "catalog_web.flash.imported",
			map[string]any{"created": rep.Created, "new_versions": rep.NewVersions, "updated": rep.Updated, "unchanged": rep.Unchanged})}))
		c.s.Render(w, r, http.StatusOK, "catalog_import", page)
		return
	}
	var page catalogImportPage
	var ue *errUpload
	var fe *fault.Error
	switch {
	case errors.As(err, &ue):
		page.Errors.Add("files", c.s.T(r, ue.code, ue.params))
		c.s.Render(w, r, http.StatusUnprocessableEntity, "catalog_import", page)
	case errors.As(err, &fe) && StatusOf(err) < 500:
		page.Summary = c.message(r, err)
		for _, f := range fe.Fields {
			page.Problems = append(page.Problems, catalogImportProblem{Where: f.Field, Message: c.s.T(r, f.Code, f.Params)})
		}
		if len(page.Problems) == 0 {
			page.Errors.Add("files", page.Summary)
			page.Summary = ""
		} else {
			page.Errors.Add("import-problems", page.Summary)
		}
		c.s.Render(w, r, StatusOf(err), "catalog_import", page)
	default:
		c.s.Fail(w, r, err)
	}
}

// export downloads every procedure's regulation in force: a zip of the
// files Import reads back, or with format=json one JSON list of them.
func (c *catalogArea) export(w http.ResponseWriter, r *http.Request) {
	files, err := c.svc.ExportFiles(r.Context())
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	stamp := catalog.DateOf(time.Now()).String()
	w.Header().Set("Cache-Control", "no-store")
	if r.URL.Query().Get("format") == "json" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="odnookno-catalog-%s.json"`, stamp))
		writeFiles(w, files)
		return
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		b, err := catalog.EncodeFile(f)
		if err != nil {
			c.s.Fail(w, r, err)
			return
		}
		fw, err := zw.Create(catalog.FileName(f.Procedure))
		if err != nil {
			c.s.Fail(w, r, err)
			return
		}
		if _, err := fw.Write(b); err != nil {
			c.s.Fail(w, r, err)
			return
		}
	}
	if err := zw.Close(); err != nil {
		c.s.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="odnookno-catalog-%s.zip"`, stamp))
	_, _ = w.Write(buf.Bytes())
}

// writeFiles writes files as one indented JSON list, without HTML escaping
// (the texts are full of «» and —).
func writeFiles(w io.Writer, files []catalog.File) {
	if files == nil {
		files = []catalog.File{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(files)
}

package ui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"time"
)

//go:embed static
var staticFS embed.FS

// StaticPrefix is the URL path StaticHandler serves.
const StaticPrefix = "/static/"

type asset struct {
	data []byte
	hash string // first 16 hex digits of the SHA-256 of data
}

var assets = sync.OnceValue(func() map[string]asset {
	m := map[string]asset{}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		m[strings.TrimPrefix(p, "static/")] = asset{data: data, hash: hex.EncodeToString(sum[:8])}
		return nil
	})
	if err != nil {
		panic("ui: embedded static files: " + err.Error()) // cannot happen with embed.FS
	}
	return m
})

// staticURL is the URL of an embedded file with its content hash as ?v=, so
// a new build changes the URL and the long cache never serves stale CSS.
func staticURL(name string) string {
	a, ok := assets()[name]
	if !ok {
		return StaticPrefix + name
	}
	return StaticPrefix + name + "?v=" + a.hash
}

// StaticHandler serves the embedded files under StaticPrefix. A request whose
// ?v= matches the file's hash (as the templates' static function writes it)
// may be cached for a year; any other is revalidated by ETag. Mount it as
//
//	mux.Handle("GET /static/", ui.StaticHandler())
//
// (wrapping it in http.StripPrefix("/static/", …) works as well).
func StaticHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Works mounted directly or behind http.StripPrefix("/static/", …).
		name := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, StaticPrefix), "/")
		a, ok := assets()[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		if r.URL.Query().Get("v") == a.hash {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "public, no-cache")
		}
		h.Set("ETag", `"`+a.hash+`"`)
		h.Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.data))
	})
}

package app

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"odnookno/internal/catalog"
	"odnookno/internal/store/storetest"
)

// The catalogue area is wired into the running system: the public search
// finds the demo procedures by inflected words, the staff workspace links
// to the catalogue for the roles that work on it, and an invalid import
// through the operator's page changes nothing.
func TestCatalogWeb(t *testing.T) {
	for _, d := range storetest.Engines {
		t.Run(string(d), func(t *testing.T) {
			sys, srv := testSystem(t, d)
			c := srv.Client()
			for _, q := range []string{"справку", "справок", "справками"} {
				r, body := get(t, c, srv.URL+"/catalog?q="+url.QueryEscape(q))
				if r.StatusCode != 200 || !strings.Contains(body, `href="/catalog/citizens/1.3.1"`) || !strings.Contains(body, `href="/catalog/citizens/1.3.4"`) {
					t.Fatalf("search %q: %d", q, r.StatusCode)
				}
			}
			r, body := get(t, c, srv.URL+"/catalog/citizens/1.3.4")
			if r.StatusCode != 200 || !strings.Contains(body, "Подать заявление онлайн") || !strings.Contains(body, "Выдача справки о месте жительства") {
				t.Fatalf("procedure page %d", r.StatusCode)
			}

			login := func(user, password string) *http.Client {
				jar, _ := cookiejar.New(nil)
				cl := &http.Client{Jar: jar}
				resp, err := cl.PostForm(srv.URL+"/staff/login", url.Values{"login": {user}, "password": {password}})
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if !strings.Contains(string(b), `href="/staff/catalog"`) {
					t.Fatalf("%s's workspace has no catalogue link (%d)", user, resp.StatusCode)
				}
				return cl
			}
			reg := login("regulator", "demo-regulator-2026")
			if r, body := get(t, reg, srv.URL+"/staff/catalog"); r.StatusCode != 200 || !strings.Contains(body, `href="/staff/catalog/citizens/1.3.1"`) {
				t.Fatalf("regulator's catalogue %d", r.StatusCode)
			}
			if r, _ := get(t, reg, srv.URL+"/staff/catalog/import"); r.StatusCode != 403 {
				t.Fatalf("regulator opens the import: %d", r.StatusCode)
			}

			op := login("operator", "demo-operator-2026")
			p, err := sys.Procedures.ProcedureByNumber(context.Background(), catalog.Citizens, "1.3.1")
			if err != nil {
				t.Fatal(err)
			}
			before, _ := sys.Procedures.Versions(context.Background(), p.ID)
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			w, _ := mw.CreateFormFile("files", "citizens-1.3.1.json")
			_, _ = w.Write([]byte("{\n  \"procedure\": {\"list\": \"citizens\", \"number\": \"1.3.1\"},\n  \"regulation\": {\"term\": \"скоро\"}\n}\n"))
			mw.Close()
			resp, err := op.Post(srv.URL+"/staff/catalog/import", mw.FormDataContentType(), &buf)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 422 || !strings.Contains(string(b), "citizens-1.3.1.json:3: regulation.term") || !strings.Contains(string(b), "Каталог не изменен") {
				t.Fatalf("invalid import: %d", resp.StatusCode)
			}
			after, _ := sys.Procedures.Versions(context.Background(), p.ID)
			if len(after) != len(before) {
				t.Fatalf("an invalid import changed the versions: %d → %d", len(before), len(after))
			}
		})
	}
}

package app

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"odnookno/internal/store/storetest"
)

// TestResourceSettings: the operator sets a resource's answer term and
// endpoint; bad input is refused field by field and changes nothing.
func TestResourceSettings(t *testing.T) {
	for _, d := range storetest.Engines {
		t.Run(string(d), func(t *testing.T) {
			sys, srv := testSystem(t, d)
			op := staffClient(t, srv, "operator", "demo-operator-2026")
			r, body := get(t, op, srv.URL+"/staff/interop/resources/mvd")
			if r.StatusCode != 200 || !strings.Contains(body, `name="answer_days"`) {
				t.Fatalf("settings page %d", r.StatusCode)
			}
			before, err := sys.Interop.Resource(context.Background(), "mvd")
			if err != nil {
				t.Fatal(err)
			}
			post := func(v url.Values) (int, string) {
				resp, err := op.PostForm(srv.URL+"/staff/interop/resources/mvd", v)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				return resp.StatusCode, string(b)
			}
			code, body := post(url.Values{"name_ru": {before.NameRU}, "endpoint": {"ftp://x"}, "answer_days": {"0"}})
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#answer_days"`) || !strings.Contains(body, `href="#endpoint"`) {
				t.Fatalf("invalid settings: %d", code)
			}
			if after, _ := sys.Interop.Resource(context.Background(), "mvd"); after.AnswerDays != before.AnswerDays || after.Endpoint != before.Endpoint {
				t.Fatal("refused settings changed the resource")
			}
			code, _ = post(url.Values{"name_ru": {before.NameRU}, "name_be": {before.NameBE}, "endpoint": {before.Endpoint}, "answer_days": {"7"}})
			if code != http.StatusOK { // followed the redirect to the console
				t.Fatalf("save: %d", code)
			}
			after, _ := sys.Interop.Resource(context.Background(), "mvd")
			if after.AnswerDays != 7 || after.Endpoint != before.Endpoint || len(after.Services) != len(before.Services) || after.OwnerBody != before.OwnerBody {
				t.Fatalf("saved %+v", after)
			}
			// Only the operator may change it.
			other := staffClient(t, srv, "mvd-ir", "demo-mvd-ir-2026")
			resp, err := other.PostForm(srv.URL+"/staff/interop/resources/mvd", url.Values{"name_ru": {"x"}, "answer_days": {"1"}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("a resource owner changed the operator's settings: %d", resp.StatusCode)
			}
		})
	}
}

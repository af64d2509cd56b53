package app

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"odnookno/internal/store/storetest"
)

func staffClient(t *testing.T, srv *httptest.Server, login, password string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm(srv.URL+"/staff/login", url.Values{"login": {login}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("login %s: %d", login, resp.StatusCode)
	}
	return c
}

func TestOperatorConsole(t *testing.T) {
	for _, d := range storetest.Engines {
		t.Run(string(d), func(t *testing.T) {
			_, srv := testSystem(t, d)
			op := staffClient(t, srv, "operator", "demo-operator-2026")
			r, body := get(t, op, srv.URL+"/staff/operator/messages")
			if r.StatusCode != 200 || !strings.Contains(body, "Сообщения гражданам и работникам") {
				t.Fatalf("messages page %d", r.StatusCode)
			}
			r, body = get(t, op, srv.URL+"/staff/operator/audit?verify=1")
			if r.StatusCode != 200 || !strings.Contains(body, "Журнал цел") {
				t.Fatalf("audit page %d", r.StatusCode)
			}
			// The audit page lists staff logins with the client address.
			if !strings.Contains(body, "staff.login") || !strings.Contains(body, "127.0.0.1") {
				t.Fatal("the audit page does not show the operator's own login")
			}
			other := staffClient(t, srv, "vydacha", "demo-vydacha-2026")
			resp, err := other.Get(srv.URL + "/staff/operator/messages")
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("a non-operator reached the outbox: %d", resp.StatusCode)
			}
		})
	}
}

// Package e2e runs the browser tests: it builds and starts `odnookno serve
// --demo` on a free loopback port with a fresh database and data folder,
// and drives headless Debian Chromium through the scripts in e2e/ at the
// repository root with playwright-core.
//
// The tests run when ODNOOKNO_E2E=1 or CI=true. Under CI=true a missing
// node, Chromium or playwright-core is a failure; otherwise a skip. With
// ODNOOKNO_E2E_SCREENSHOTS=DIR every step's page is saved there as PNG.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"odnookno/internal/identity"
	"odnookno/internal/store"
	"odnookno/internal/store/storetest"
)

const chromium = "/usr/bin/chromium"

// need skips or, under CI, fails when the browser tests cannot run.
func need(t *testing.T, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("browser tests under CI need %s", what)
	}
	t.Skipf("skipping browser test: %s not available", what)
}

// repoRoot is the module root, two folders up from this file.
func repoRoot(t *testing.T) string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// setup checks the tools and returns the repository root and the built
// binary.
func setup(t *testing.T) (root, bin string) {
	t.Helper()
	if os.Getenv("ODNOOKNO_E2E") != "1" && os.Getenv("CI") != "true" {
		t.Skip("browser tests run with ODNOOKNO_E2E=1 (make e2e) or CI=true")
	}
	_, err := exec.LookPath("node")
	need(t, err == nil, "node")
	_, err = os.Stat(chromium)
	need(t, err == nil, chromium)
	root = repoRoot(t)
	if _, err := os.Stat(filepath.Join(root, "e2e", "node_modules", "playwright-core")); err != nil {
		// Install the locked version; needs the npm registry once.
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = filepath.Join(root, "e2e")
		out, err := cmd.CombinedOutput()
		need(t, err == nil, "playwright-core (npm ci in e2e/ failed: "+strings.TrimSpace(string(out))+")")
	}
	bin = filepath.Join(t.TempDir(), "odnookno")
	build := exec.Command("go", "build", "-o", bin, "./cmd/odnookno")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return root, bin
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// server is a running `odnookno serve --demo`.
type server struct {
	URL     string
	DataDir string
	log     bytes.Buffer
}

func serve(t *testing.T, bin, dsn string) *server {
	t.Helper()
	s := &server{DataDir: filepath.Join(t.TempDir(), "data")}
	addr := freePort(t)
	s.URL = "http://" + addr
	cmd := exec.Command(bin, "serve", "--demo", "--addr", addr, "--db", dsn, "--data-dir", s.DataDir,
		"--log-level", "warn", "--sms", "file", "--base-url", s.URL)
	// Flags win over the environment; drop the variables anyway so a
	// developer's settings do not leak into the test.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ODNOOKNO_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Stdout, cmd.Stderr = &s.log, &s.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("server output:\n%s", s.log.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(s.URL + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case err := <-done:
			t.Fatalf("server exited: %v\n%s", err, s.log.String())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready at %s\n%s", s.URL, s.log.String())
		}
	}
}

// node runs an e2e script against s with env added.
func node(t *testing.T, root, script string, s *server, env map[string]string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script)
	cmd.Dir = filepath.Join(root, "e2e")
	cmd.Env = append(os.Environ(), "BASE_URL="+s.URL, "SMS_FILE="+filepath.Join(s.DataDir, "sms.log"), "CHROMIUM="+chromium)
	if dir := os.Getenv("ODNOOKNO_E2E_SCREENSHOTS"); dir != "" {
		dir = filepath.Join(dir, t.Name())
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd.Env = append(cmd.Env, "SCREENSHOT_DIR="+dir)
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	t.Logf("%s:\n%s", script, out)
	if err != nil {
		t.Fatalf("%s: %v", script, err)
	}
}

// TestE2EUID walks the UID journey of R637-UID (see e2e/uid.spec.mjs) on
// SQLite and, when configured, on PostgreSQL.
func TestE2EUID(t *testing.T) {
	root, bin := setup(t)
	// A person the simulated interior-ministry register knows: in the
	// cast of internal/irsim (what --demo serves) and of identity's own
	// fixed register alike.
	p := identity.TestPeople[0]
	person, _ := json.Marshal(map[string]string{"pin": string(p.PIN), "surname": p.Surname, "name": p.Name,
		"patronymic": p.Patronymic, "birth_date": p.BirthDate})
	for _, d := range storetest.Engines {
		t.Run(string(d), func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "odnookno.db")
			if d == store.Postgres {
				dsn = storetest.NewDSN(t, d)
			}
			s := serve(t, bin, dsn)
			node(t, root, "uid.spec.mjs", s, map[string]string{"PERSON": string(person), "PHONE": fmt.Sprintf("+37529%07d", 5550102)})
		})
	}
}

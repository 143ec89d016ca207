package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"guichet.dev/shared/route"
)

// nginxFiles are the committed outputs of `guichet routes --format nginx`.
var nginxFiles = []struct{ target, path string }{
	{"openfaas", "../../deploy/nginx/guichet.conf"},
	{"knative", "../../deploy/nginx/guichet-knative.conf"},
}

func generate(t *testing.T, args ...string) []byte {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), args, func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatalf("guichet %s: %v (%s)", strings.Join(args, " "), err, errOut.String())
	}
	return out.Bytes()
}

func TestCommittedNginxConfigIsTheGeneratedOne(t *testing.T) {
	for _, f := range nginxFiles {
		t.Run(f.target, func(t *testing.T) {
			want := generate(t, "routes", "--format", "nginx", "--target", f.target)
			got, err := os.ReadFile(f.path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s is stale: run `go run ./cmd/guichet routes --format nginx --target %s > %s`",
					f.path, f.target, strings.TrimPrefix(f.path, "../../"))
			}
		})
	}
}

func TestRouteTableListsEveryRoute(t *testing.T) {
	out := string(generate(t, "routes"))
	for _, r := range route.Table {
		line := regexp.MustCompile(`(?m)^` + r.Method + `\s+` + regexp.QuoteMeta(r.Pattern) + `\s+` + r.Function + `$`)
		if !line.MatchString(out) {
			t.Errorf("routes table lacks %s %s %s:\n%s", r.Method, r.Pattern, r.Function, out)
		}
	}
}

func TestRoutesRejectsUnknownFormatAndTarget(t *testing.T) {
	for _, args := range [][]string{
		{"routes", "--format", "yaml"},
		{"routes", "--format", "nginx", "--target", "lambda"},
	} {
		if err := run(context.Background(), args, func(string) string { return "" }, io.Discard, io.Discard); err == nil {
			t.Errorf("guichet %s: want an error", strings.Join(args, " "))
		}
	}
}

// nginxBinary returns nginx's path, skipping the test where it is not
// installed (.ci/run installs it, so CI always runs these tests).
func nginxBinary(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		for _, p := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx"} {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
		if os.Getenv("CI") != "" {
			t.Fatal("nginx is not installed; .ci/run installs the Debian package")
		}
		t.Skip("nginx is not installed (apt-get install nginx)")
	}
	return bin
}

// nginxWrapper is a main configuration holding conf, as a deployment's
// nginx.conf would, with every path under dir.
func nginxWrapper(t *testing.T, dir, upstream, conf string) string {
	t.Helper()
	confPath := filepath.Join(dir, "guichet.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	main := fmt.Sprintf(`user root;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    upstream guichet_functions { server %[2]s; keepalive 8; }
    include %[3]s;
}
`, dir, upstream, confPath)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestNginxAcceptsTheCommittedConfig(t *testing.T) {
	bin := nginxBinary(t)
	for _, f := range nginxFiles {
		t.Run(f.target, func(t *testing.T) {
			conf, err := os.ReadFile(f.path)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			out, err := exec.Command(bin, "-t", "-p", dir, "-c", nginxWrapper(t, dir, "127.0.0.1:9", string(conf))).CombinedOutput()
			if err != nil {
				t.Fatalf("nginx -t: %v\n%s", err, out)
			}
		})
	}
}

// frontDoor runs real nginx with a committed config in front of a backend
// that echoes what it received, and returns nginx's base URL.
func frontDoor(t *testing.T, confPath string) string {
	t.Helper()
	bin := nginxBinary(t)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Frame-Options", "SAMEORIGIN")
		_ = json.NewEncoder(w).Encode(map[string]string{"method": r.Method, "uri": r.RequestURI, "host": r.Host})
	}))
	t.Cleanup(backend.Close)

	dir := t.TempDir()
	web := filepath.Join(dir, "web")
	for name, body := range map[string]string{"index.html": "<!doctype html><title>spa</title>", "api-docs/index.html": "swagger-ui"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(web, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(web, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// nginx takes over a socket this test already listens on (the NGINX
	// variable of its binary upgrade), so requests queue until it serves.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	file, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	raw, err := os.ReadFile(confPath)
	if err != nil {
		t.Fatal(err)
	}
	conf := string(raw)
	for old, repl := range map[string]string{
		"listen 8080;":                 "listen " + ln.Addr().String() + ";",
		"root /usr/share/guichet/web;": "root " + web + ";",
	} {
		if strings.Count(conf, old) != 1 {
			t.Fatalf("%s: want exactly one %q", confPath, old)
		}
		conf = strings.Replace(conf, old, repl, 1)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", nginxWrapper(t, dir, backend.Listener.Addr().String(), conf), "-g", "daemon off;")
	cmd.Env = append(os.Environ(), "NGINX=3;")
	cmd.ExtraFiles = []*os.File{file}
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		if t.Failed() {
			errLog, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx output:\n%s\n%s", logs.String(), errLog)
		}
	})
	return "http://" + ln.Addr().String()
}

type frontAnswer struct {
	status int
	header http.Header
	body   []byte
}

func (a frontAnswer) echo(t *testing.T) map[string]string {
	t.Helper()
	var got map[string]string
	if err := json.Unmarshal(a.body, &got); err != nil {
		t.Fatalf("status %d, body %q is not the backend's echo", a.status, a.body)
	}
	return got
}

func call(t *testing.T, method, url string, body io.Reader) frontAnswer {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return frontAnswer{res.StatusCode, res.Header, b}
}

// samplePath fills a route pattern's wildcards.
func samplePath(pattern string) string {
	return wildcard.ReplaceAllString(pattern, "65a1f0c2e4b0a1b2c3d4e5f6")
}

func TestNginxSendsEveryRouteToItsFunction(t *testing.T) {
	for _, f := range nginxFiles {
		t.Run(f.target, func(t *testing.T) {
			base := frontDoor(t, f.path)
			for _, r := range route.Table {
				path := samplePath(r.Pattern) + "?limit=5"
				a := call(t, r.Method, base+path, strings.NewReader("{}"))
				if a.status != http.StatusOK {
					t.Errorf("%s %s: status %d %s", r.Method, path, a.status, a.body)
					continue
				}
				got := a.echo(t)
				want := map[string]string{"method": r.Method, "uri": "/function/" + r.Function + path}
				if f.target == "knative" {
					want = map[string]string{"method": r.Method, "uri": path, "host": r.Function + ".guichet.svc.cluster.local"}
				}
				for k, v := range want {
					if got[k] != v {
						t.Errorf("%s %s: backend got %s %q, want %q", r.Method, path, k, got[k], v)
					}
				}
				if v := a.header.Values("X-Frame-Options"); len(v) != 1 || v[0] != "DENY" {
					t.Errorf("%s %s: X-Frame-Options %q, want DENY once", r.Method, path, v)
				}
			}
		})
	}
}

func TestNginxAnswersWhatNoFunctionDoes(t *testing.T) {
	base := frontDoor(t, nginxFiles[0].path)
	tests := []struct {
		name, method, path string
		body               io.Reader
		status             int
		code, contains     string
		header             [2]string
	}{
		{"a literal path a wildcard route also matches goes where ServeMux sends it", "GET", "/api/tickets/verify", nil, 200, "", "/function/ticket-get/api/tickets/verify", [2]string{}},
		{"a wrong method is a 405 problem with Allow", "PUT", "/api/users/abc", nil, 405, "method_not_allowed", "", [2]string{"Allow", "GET, HEAD, PATCH, DELETE"}},
		{"an unknown API path is a 404 problem", "GET", "/api/nothing/here", nil, 404, "not_found", "", [2]string{}},
		{"a body over 1 MiB is a 413 problem", "POST", "/api/events", bytes.NewReader(make([]byte, 1<<20+1)), 413, "payload_too_large", "", [2]string{}},
		{"an SPA route falls back to index.html", "GET", "/events/42/checkout", nil, 200, "", "<title>spa</title>", [2]string{"X-Content-Type-Options", "nosniff"}},
		{"the API docs are served", "GET", "/api-docs", nil, 200, "", "swagger-ui", [2]string{}},
		{"nginx answers its own health", "GET", "/healthz", nil, 200, "", `{"status":"ok"}`, [2]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := call(t, tc.method, base+tc.path, tc.body)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.body)
			}
			if tc.code != "" {
				var p struct {
					Code   string `json:"code"`
					Status int    `json:"status"`
				}
				if err := json.Unmarshal(a.body, &p); err != nil || p.Code != tc.code || p.Status != tc.status {
					t.Errorf("body %s, want a problem with code %s", a.body, tc.code)
				}
				if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
					t.Errorf("Content-Type %q", ct)
				}
			}
			if !bytes.Contains(a.body, []byte(tc.contains)) {
				t.Errorf("body %s lacks %s", a.body, tc.contains)
			}
			if tc.header[0] != "" && a.header.Get(tc.header[0]) != tc.header[1] {
				t.Errorf("%s: %q, want %q", tc.header[0], a.header.Get(tc.header[0]), tc.header[1])
			}
		})
	}
}

func TestNginxRateLimitsLoginPerAddress(t *testing.T) {
	base := frontDoor(t, nginxFiles[0].path)
	limited := 0
	for range 100 {
		a := call(t, "POST", base+"/api/auth/login", strings.NewReader("{}"))
		if a.status == http.StatusTooManyRequests {
			limited++
			if a.header.Get("Retry-After") == "" || !bytes.Contains(a.body, []byte(`"code":"rate_limited"`)) {
				t.Fatalf("429 without Retry-After or rate_limited problem: %v %s", a.header, a.body)
			}
		}
	}
	if limited == 0 {
		t.Fatal("100 logins from one address in a row: none limited")
	}
	// Reads are not limited by the purchase zone, only POSTs are.
	for range 100 {
		if a := call(t, "GET", base+"/api/events/abc/tickets", nil); a.status != http.StatusOK {
			t.Fatalf("GET tickets: status %d", a.status)
		}
	}
}

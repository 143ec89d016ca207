package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// builtSPA writes a small build (index.html, one hashed asset, a root file)
// and returns its folder, for WEB_DIR.
func builtSPA(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"index.html":             `<!doctype html><div id="root"></div><script type="module" src="/assets/index-AbC123.js"></script>`,
		"assets/index-AbC123.js": `console.log("guichet")`,
		"favicon.svg":            `<svg xmlns="http://www.w3.org/2000/svg"/>`,
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// fetchPage requests a path outside the API with a plain client: the SPA's
// pages and assets are not operations of the OpenAPI document, so the
// validating transport of s.do does not apply to them.
func fetchPage(t *testing.T, s *testServer, method, path string) response {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

func TestGatewayServesTheSPA(t *testing.T) {
	s := startServer(t, map[string]string{"WEB_DIR": builtSPA(t)})
	tests := []struct {
		name        string
		req         request
		status      int
		contentType string
		cache       string
		body        string
	}{
		{"the root is index.html, revalidated", request{Method: "GET", Path: "/"}, 200, "text/html; charset=utf-8", "no-cache", `<div id="root">`},
		{"a deep link falls back to index.html", request{Method: "GET", Path: "/events/65a1b2c3d4e5f60718293a4b"}, 200, "text/html; charset=utf-8", "no-cache", `<div id="root">`},
		{"a nested deep link with a query falls back too", request{Method: "GET", Path: "/organizer/events/new?x=1"}, 200, "text/html; charset=utf-8", "no-cache", `<div id="root">`},
		{"a hashed asset is cached for a year", request{Method: "GET", Path: "/assets/index-AbC123.js"}, 200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", `console.log`},
		{"a file at the root is served, revalidated", request{Method: "GET", Path: "/favicon.svg"}, 200, "image/svg+xml", "no-cache", `<svg`},
		{"HEAD answers like GET without a body", request{Method: "HEAD", Path: "/tickets"}, 200, "text/html; charset=utf-8", "no-cache", ""},
		{"a missing hashed asset is 404, not the page", request{Method: "GET", Path: "/assets/index-gone.js"}, 404, "", "no-cache", ""},
		{"a path escaping the folder stays inside it", request{Method: "GET", Path: "/../../etc/passwd"}, 200, "text/html; charset=utf-8", "no-cache", `<div id="root">`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fetchPage(t, s, tt.req.Method, tt.req.Path)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			if tt.contentType != "" && r.Header.Get("Content-Type") != tt.contentType {
				t.Errorf("Content-Type %q, want %q", r.Header.Get("Content-Type"), tt.contentType)
			}
			if got := r.Header.Get("Cache-Control"); got != tt.cache {
				t.Errorf("Cache-Control %q, want %q", got, tt.cache)
			}
			if !strings.Contains(string(r.Body), tt.body) {
				t.Errorf("body %q lacks %q", r.Body, tt.body)
			}
			if tt.req.Method == "HEAD" && len(r.Body) != 0 {
				t.Errorf("HEAD answered a body of %d bytes", len(r.Body))
			}
			if csp := r.Header.Get("Content-Security-Policy"); tt.status == 200 && csp != spaCSP {
				t.Errorf("Content-Security-Policy %q", csp)
			}
			if r.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no X-Content-Type-Options")
			}
		})
	}
}

func TestGatewayKeepsAPIPathsOutOfTheSPA(t *testing.T) {
	s := startServer(t, map[string]string{"WEB_DIR": builtSPA(t)})
	tests := []struct {
		name   string
		req    request
		status int
		code   string
	}{
		{"an unknown API path is a 404 problem", request{Method: "GET", Path: "/api/nope"}, 404, "not_found"},
		{"the API root is a 404 problem", request{Method: "GET", Path: "/api"}, 404, "not_found"},
		{"a HEAD to an unknown API path is a 404", request{Method: "HEAD", Path: "/api/events/x/nope"}, 404, ""},
		{"an unknown well-known document is a 404 problem", request{Method: "GET", Path: "/.well-known/nope"}, 404, "not_found"},
		{"a POST outside the API is a 404 problem, not the page", request{Method: "POST", Path: "/events", Body: "{}"}, 404, "not_found"},
		{"a wrong method on an API path stays a 405", request{Method: "PUT", Path: "/api/users/me"}, 405, "method_not_allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(tt.req)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q, want application/problem+json", ct)
			}
			if tt.code != "" {
				if got := r.problem(t)["code"]; got != tt.code {
					t.Errorf("code %v, want %s", got, tt.code)
				}
			}
		})
	}
	if r := s.do(request{Method: "GET", Path: "/healthz"}); r.Status != 200 || !strings.Contains(string(r.Body), "ok") {
		t.Errorf("healthz: %d %s", r.Status, r.Body)
	}
}

func TestSPANotBuiltSaysHowToBuildIt(t *testing.T) {
	s := &spa{files: fstest.MapFS{".keep": &fstest.MapFile{}}}
	for _, p := range []string{"/", "/events/1", "/assets/index-x.js"} {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, p, nil))
		if w.Code != http.StatusServiceUnavailable {
			t.Errorf("%s: status %d, want 503", p, w.Code)
		}
		if !strings.Contains(w.Body.String(), "make run") {
			t.Errorf("%s: body %q does not say make run", p, w.Body)
		}
	}
}

func TestWebDirMustBeAFolder(t *testing.T) {
	file := filepath.Join(t.TempDir(), "index.html")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{filepath.Join(t.TempDir(), "missing"), file} {
		if _, err := newSPA(dir); err == nil || !strings.Contains(err.Error(), "WEB_DIR") {
			t.Errorf("newSPA(%q) = %v, want an error naming WEB_DIR", dir, err)
		}
	}
}

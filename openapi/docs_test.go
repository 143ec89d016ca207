package openapi

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDocsServesThePageTheDocumentAndTheAssets(t *testing.T) {
	srv := httptest.NewServer(Docs())
	defer srv.Close()
	client := &http.Client{Transport: NewValidatingTransport(t, http.DefaultTransport)}
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}

	resp, page := get("/api-docs")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("/api-docs: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q", csp)
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Errorf("the page has inline script or loads from elsewhere:\n%s", page)
	}

	_, yaml := get("/api-docs/openapi.yaml")
	if yaml != string(Spec()) {
		t.Error("openapi.yaml is not the embedded document")
	}
	_, js := get("/api-docs/openapi.json")
	var doc map[string]any
	if err := json.Unmarshal([]byte(js), &doc); err != nil || doc["openapi"] != "3.1.0" {
		t.Errorf("openapi.json: %v %v", err, doc["openapi"])
	}

	resp, init := get("/api-docs/ui/guichet-docs.js")
	if resp.StatusCode != 200 || !strings.Contains(init, "persistAuthorization: true") {
		t.Errorf("initializer: %d", resp.StatusCode)
	}
	if resp, _ := get("/api-docs/ui/nope.js"); resp.StatusCode != 404 {
		t.Errorf("a missing asset: %d, want 404", resp.StatusCode)
	}
	if resp, _ := get("/api-docs/ui/.keep"); resp.StatusCode != 404 {
		t.Errorf(".keep: %d, want 404", resp.StatusCode)
	}

	// Each asset the page names is served, or, before `make openapi-assets`,
	// the page says how to build them.
	assets, _ := fs.Sub(swaggerUI, "swagger-ui")
	if !exists(assets, "swagger-ui-bundle.js") {
		if !strings.Contains(page, "make openapi-assets") {
			t.Errorf("assets missing and the page does not say how to build them:\n%s", page)
		}
		return
	}
	for _, asset := range []string{"swagger-ui-bundle.js", "swagger-ui.css", "index.css", "favicon-32x32.png", "favicon-16x16.png"} {
		if !strings.Contains(page, "/api-docs/ui/"+asset) {
			t.Errorf("the page does not use %s", asset)
		}
		if resp, _ := get("/api-docs/ui/" + asset); resp.StatusCode != 200 {
			t.Errorf("%s: %d", asset, resp.StatusCode)
		}
	}
}

package main

import (
	"strings"
	"testing"
)

func TestAPIDocsAreServedFromTheBinary(t *testing.T) {
	s := startServer(t, nil)
	tests := []struct {
		name, path, contentType, contains string
	}{
		{"the Swagger UI page", "/api-docs", "text/html", "/api-docs/ui/guichet-docs.js"},
		{"the document as YAML", "/api-docs/openapi.yaml", "application/yaml", "openapi: 3.1.0"},
		{"the document as JSON", "/api-docs/openapi.json", "application/json", `"openapi":"3.1.0"`},
		{"the Swagger UI initializer", "/api-docs/ui/guichet-docs.js", "text/javascript", "SwaggerUIBundle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(request{Method: "GET", Path: tt.path})
			if r.Status != 200 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, tt.contentType) {
				t.Errorf("Content-Type %q, want %s", ct, tt.contentType)
			}
			if !strings.Contains(string(r.Body), tt.contains) {
				t.Errorf("body does not contain %q", tt.contains)
			}
			if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
		})
	}
	if r := s.do(request{Method: "GET", Path: "/api-docs/ui/missing.js"}); r.Status != 404 {
		t.Errorf("a missing asset: status %d, want 404", r.Status)
	}
}

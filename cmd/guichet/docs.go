package main

import "guichet.dev/openapi"

// docs registers /api-docs: the Swagger UI page, its assets and the OpenAPI
// document, all embedded in the binary.
func (g *gateway) docs() {
	h := openapi.Docs()
	for _, pattern := range openapi.DocsPatterns {
		g.mux.Handle(pattern, g.observe(pattern, h))
	}
}

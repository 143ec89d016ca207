package openapi

import (
	"embed"
	"io/fs"
	"net/http"
	"path"

	"guichet.dev/shared/fault"
	"guichet.dev/shared/httpx"
	"guichet.dev/shared/i18n"
)

// The Swagger UI files of the npm package swagger-ui-dist, copied here by
// `make openapi-assets` (never committed; .keep lets a fresh clone compile),
// and the page and initializer written for Guichet.
var (
	//go:embed all:swagger-ui
	swaggerUI embed.FS
	//go:embed ui
	ui embed.FS
)

// DocsPatterns are the ServeMux patterns Docs answers.
var DocsPatterns = []string{
	"GET /api-docs",
	"GET /api-docs/openapi.yaml",
	"GET /api-docs/openapi.json",
	"GET /api-docs/ui/{file}",
}

// pageCSP lets the page load only this server's scripts, styles and images
// (Swagger UI draws icons from data: URLs) and call only this server.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Docs returns the handler of DocsPatterns: the Swagger UI page, its assets
// and the document in YAML and JSON, all embedded in the binary. When the
// assets were not built, the page says how to build them.
func Docs() http.Handler {
	assets, _ := fs.Sub(swaggerUI, "swagger-ui")
	pages, _ := fs.Sub(ui, "ui")
	built := exists(assets, "swagger-ui-bundle.js")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api-docs", func(w http.ResponseWriter, r *http.Request) {
		page := "index.html"
		if !built {
			page = "missing.html"
		}
		headers(w, "no-cache")
		http.ServeFileFS(w, r, pages, page)
	})
	mux.HandleFunc("GET /api-docs/openapi.yaml", func(w http.ResponseWriter, _ *http.Request) {
		headers(w, "no-cache")
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(Spec())
	})
	mux.HandleFunc("GET /api-docs/openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		headers(w, "no-cache")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(JSON())
	})
	mux.HandleFunc("GET /api-docs/ui/{file}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		headers(w, "public, max-age=3600")
		if exists(pages, name) && path.Ext(name) == ".js" {
			http.ServeFileFS(w, r, pages, name)
			return
		}
		if !exists(assets, name) || name == ".keep" {
			lang, _ := i18n.Negotiate(r.Header.Get("Accept-Language"))
			httpx.WriteError(w, r, lang, fault.New(fault.NotFound))
			return
		}
		http.ServeFileFS(w, r, assets, name)
	})
	return mux
}

func headers(w http.ResponseWriter, cache string) {
	h := w.Header()
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", cache)
}

func exists(fsys fs.FS, name string) bool {
	st, err := fs.Stat(fsys, name)
	return err == nil && !st.IsDir()
}

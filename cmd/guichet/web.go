package main

import (
	"bytes"
	"embed"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"strings"
	"time"

	"guichet.dev/shared/httpx"
)

// webdist is the SPA that `npm run build` in web/ writes here. A fresh
// clone holds only .keep, and the SPA then answers a page saying how to
// build it.
//
//go:embed all:webdist
var webdist embed.FS

// spaCSP lets the SPA load only its own scripts, styles and API, and show
// QR images fetched as blobs.
const spaCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; " +
	"form-action 'self'; frame-ancestors 'none'"

// spa serves the built single-page app: its files as they are (hashed
// assets cached for a year), and index.html for every other path so deep
// links reach the client-side router.
type spa struct {
	files fs.FS
	index []byte // nil when the SPA is not built
}

// newSPA serves the folder dir, or the embedded build when dir is empty.
func newSPA(dir string) (*spa, error) {
	var files fs.FS
	if dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, errors.New("config: WEB_DIR: not a folder: " + dir)
		}
		files = os.DirFS(dir)
	} else {
		sub, err := fs.Sub(webdist, "webdist")
		if err != nil {
			return nil, err
		}
		files = sub
	}
	s := &spa{files: files}
	if b, err := fs.ReadFile(files, "index.html"); err == nil {
		s.index = b
	}
	return s, nil
}

// isSPAPath tells whether a GET no route took belongs to the SPA: every
// path but the API's, the docs', the well-known documents and the probes.
func isSPAPath(p string) bool {
	switch {
	case p == "/api", strings.HasPrefix(p, "/api/"), strings.HasPrefix(p, "/api-"):
		return false
	case p == "/.well-known", strings.HasPrefix(p, "/.well-known/"):
		return false
	case p == "/healthz", p == "/readyz", p == "/metrics":
		return false
	}
	return true
}

func (s *spa) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", spaCSP)
	httpx.SecurityHeaders(h)
	if s.index == nil {
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(notBuiltPage))
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name != "" && name != "index.html" {
		if s.serveFile(w, r, name) {
			return
		}
		// A missing hashed asset is a 404, not the page: a stale
		// index.html would otherwise run HTML as a script.
		if strings.HasPrefix(name, "assets/") {
			h.Set("Cache-Control", "no-cache")
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
	}
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Type", "text/html; charset=utf-8")
	http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(s.index))
}

// serveFile answers the regular file name, if there is one: hashed assets
// (under assets/) cached for a year, anything else revalidated.
func (s *spa) serveFile(w http.ResponseWriter, r *http.Request, name string) bool {
	f, err := s.files.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	rs, seekable := f.(io.ReadSeeker)
	if err != nil || st.IsDir() || !seekable {
		return false
	}
	if strings.HasPrefix(name, "assets/") {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, name, st.ModTime(), rs)
	return true
}

const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Guichet</title></head>
<body><h1>Guichet</h1>
<p>The web app is not built into this binary. Run <code>make run</code> (it builds
web/ and starts the server), or build it with <code>make web</code>, or point
<code>WEB_DIR</code> at a built folder. The API is at <a href="/api-docs">/api-docs</a>.</p>
</body></html>
`

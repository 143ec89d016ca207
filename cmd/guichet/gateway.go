package main

import (
	"context"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"guichet.dev/shared/fault"
	"guichet.dev/shared/fn"
	"guichet.dev/shared/httpx"
	"guichet.dev/shared/i18n"
	"guichet.dev/shared/route"
)

// gateway is the local gateway: every function's handler behind the one
// route table, plus health, metrics, docs and the SPA.
type gateway struct {
	env *fn.Env
	mux *http.ServeMux
	web *spa
}

var methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

func newGateway(env *fn.Env) (*gateway, error) {
	web, err := newSPA(env.Config.WebDir)
	if err != nil {
		return nil, err
	}
	g := &gateway{env: env, mux: http.NewServeMux(), web: web}
	for _, rt := range route.Table {
		if h, ok := functions[rt.Function]; ok {
			g.mux.Handle(rt.Method+" "+rt.Pattern, h)
		}
	}
	g.mux.Handle("GET /healthz", g.observe("GET /healthz", http.HandlerFunc(healthz)))
	g.mux.Handle("GET /readyz", g.observe("GET /readyz", http.HandlerFunc(g.readyz)))
	g.mux.Handle("GET /metrics", promhttp.HandlerFor(env.Registry, promhttp.HandlerOpts{}))
	g.docs()
	return g, nil
}

func (g *gateway) observe(name string, h http.Handler) http.Handler {
	return httpx.Observe(g.env.Log, g.env.Metrics, name, h)
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r = r.WithContext(fn.WithEnv(r.Context(), g.env))
	if h, pattern := g.mux.Handler(r); pattern != "" {
		h.ServeHTTP(w, r)
		return
	}
	g.observe("unmatched", http.HandlerFunc(g.unmatched)).ServeHTTP(w, r)
}

// unmatched answers a request no route took: the SPA for a GET or HEAD
// outside the API, else 405 with Allow when the path exists for other
// methods, else 404, both as problem documents.
func (g *gateway) unmatched(w http.ResponseWriter, r *http.Request) {
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && isSPAPath(r.URL.Path) {
		g.web.ServeHTTP(w, r)
		return
	}
	lang, _ := i18n.Negotiate(r.Header.Get("Accept-Language"))
	httpx.SecurityHeaders(w.Header())
	if allow := g.allowed(r); len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		httpx.WriteError(w, r, lang, fault.New(fault.MethodNotAllowed))
		return
	}
	httpx.WriteError(w, r, lang, fault.New(fault.NotFound))
}

func (g *gateway) allowed(r *http.Request) []string {
	var allow []string
	for _, m := range methods {
		probe := r.Clone(context.Background())
		probe.Method = m
		if _, pattern := g.mux.Handler(probe); pattern != "" {
			allow = append(allow, m)
			if m == http.MethodGet {
				allow = append(allow, http.MethodHead)
			}
		}
	}
	return allow
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	_ = httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when the database (and, once configured, the broker)
// answers, else 503 with a problem document.
func (g *gateway) readyz(w http.ResponseWriter, r *http.Request) {
	if err := g.env.Store.Ping(r.Context()); err != nil {
		lang, _ := i18n.Negotiate(r.Header.Get("Accept-Language"))
		httpx.WriteError(w, r, lang, err)
		return
	}
	_ = httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

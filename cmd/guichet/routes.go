package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"

	"guichet.dev/shared/fault"
	"guichet.dev/shared/httpx"
	"guichet.dev/shared/i18n"
	"guichet.dev/shared/route"
)

// routes prints the route table, or the nginx front door generated from it
// (deploy/nginx/guichet.conf for OpenFaaS, guichet-knative.conf for Knative).
func routes(_ context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("routes", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "table", "table or nginx")
	target := fs.String("target", "openfaas", "nginx upstream addressing: openfaas (gateway /function/<name>) or knative (one host per service)")
	domain := fs.String("knative-domain", "guichet.svc.cluster.local", "with -target knative: the Host of function f is f.<domain>")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch *format {
	case "table":
		return routeTable(stdout)
	case "nginx":
		var t nginxTarget
		switch *target {
		case "openfaas":
			t = openFaaS{}
		case "knative":
			t = knative{domain: *domain}
		default:
			return fmt.Errorf("routes: unknown -target %q (openfaas or knative)", *target)
		}
		_, err := stdout.Write(nginxConf(t))
		return err
	default:
		return fmt.Errorf("routes: unknown -format %q (table or nginx)", *format)
	}
}

func routeTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "METHOD\tPATH\tFUNCTION")
	for _, r := range route.Table {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Method, r.Pattern, r.Function)
	}
	return tw.Flush()
}

// nginxTarget says how nginx reaches a function; fn is an nginx variable
// holding the function's name.
type nginxTarget interface {
	name() string
	proxy(fn string) []string
}

// openFaaS reaches every function through the gateway: /function/<name>
// followed by the original URI, which the gateway strips before the call.
type openFaaS struct{}

func (openFaaS) name() string { return "openfaas" }
func (openFaaS) proxy(fn string) []string {
	return []string{"proxy_pass http://guichet_functions/function/" + fn + "$request_uri;"}
}

// knative reaches every function through the Knative ingress, choosing the
// Knative Service by Host.
type knative struct{ domain string }

func (knative) name() string { return "knative" }
func (k knative) proxy(fn string) []string {
	return []string{
		"proxy_set_header Host " + fn + "." + k.domain + ";",
		"proxy_pass http://guichet_functions$request_uri;",
	}
}

// rateLimit is one limit_req zone of the front door, keyed by client
// address, applied to the methods of the routes it matches.
type rateLimit struct {
	zone, rate string
	burst      int
	match      func(route.Route) bool
}

// rateLimits are coarse per-address limits in front of the functions' own
// (AUTH_RATE_PER_MINUTE, purchase admission): generous, since a stadium can
// sit behind one carrier NAT address.
var rateLimits = []rateLimit{
	{"guichet_auth", "10r/s", 40, func(r route.Route) bool { return strings.HasPrefix(r.Pattern, "/api/auth/") }},
	{"guichet_purchase", "10r/s", 40, func(r route.Route) bool { return r.Function == "ticket-purchase" }},
}

// securityHeaders are set on every answer; the functions' own copies are
// hidden so each header appears once.
var securityHeaders = [][2]string{
	{"X-Content-Type-Options", "nosniff"},
	{"X-Frame-Options", "DENY"},
	{"Referrer-Policy", "no-referrer"},
	{"Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
	{"Strict-Transport-Security", "max-age=31536000; includeSubDomains"},
}

// methods the front door dispatches; HEAD follows GET as in ServeMux.
var dispatchMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// nginxLocation is one location block: the routes sharing a path pattern.
type nginxLocation struct {
	pattern string            // route pattern
	match   string            // nginx location argument
	byVerb  map[string]string // method -> function, as ServeMux decides
	allow   []string
	limits  []rateLimit
}

var wildcard = regexp.MustCompile(`\{[^}]+\}`)

// locations groups route.Table by pattern. Which function answers which
// method is asked of a ServeMux holding the table, so a literal path that a
// wildcard route also matches (GET /api/tickets/verify) goes where the local
// gateway sends it.
func locations() []nginxLocation {
	mux := http.NewServeMux()
	for _, r := range route.Table {
		fn := r.Function
		mux.Handle(r.Method+" "+r.Pattern, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Function", fn)
		}))
	}
	var locs []nginxLocation
	seen := map[string]bool{}
	for _, r := range route.Table {
		if seen[r.Pattern] {
			continue
		}
		seen[r.Pattern] = true
		loc := nginxLocation{pattern: r.Pattern, byVerb: map[string]string{}}
		sample := wildcard.ReplaceAllString(r.Pattern, "x0")
		if sample == r.Pattern {
			loc.match = "= " + r.Pattern
		} else {
			parts := wildcard.Split(r.Pattern, -1)
			for i := range parts {
				parts[i] = regexp.QuoteMeta(parts[i])
			}
			loc.match = "~ ^" + strings.Join(parts, "[^/]+") + "$"
		}
		for _, m := range dispatchMethods {
			req, _ := http.NewRequest(m, sample, nil)
			h, pattern := mux.Handler(req)
			if pattern == "" {
				continue
			}
			rec := &headerRecorder{h: http.Header{}}
			h.ServeHTTP(rec, req)
			loc.byVerb[m] = rec.h.Get("Function")
			loc.allow = append(loc.allow, m)
		}
		for _, l := range rateLimits {
			for _, rt := range route.Table {
				if rt.Pattern == r.Pattern && l.match(rt) {
					loc.limits = append(loc.limits, l)
					break
				}
			}
		}
		locs = append(locs, loc)
	}
	// Exact locations win over regular expressions in nginx whatever their
	// order; among regular expressions the first match wins, so the longer
	// patterns go first.
	slices.SortStableFunc(locs, func(a, b nginxLocation) int {
		return strings.Count(b.pattern, "/") - strings.Count(a.pattern, "/")
	})
	return locs
}

type headerRecorder struct{ h http.Header }

func (r *headerRecorder) Header() http.Header         { return r.h }
func (r *headerRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *headerRecorder) WriteHeader(int)             {}

// problemBody is the problem document nginx answers for code, in English
// (nginx does not negotiate languages; the functions do).
func problemBody(code fault.Code) string {
	b, _ := json.Marshal(httpx.Problem{
		Type:   httpx.ProblemType + string(code),
		Title:  i18n.T(i18n.EN, "problem."+string(code)+".title", nil),
		Status: httpx.Status(code),
		Detail: i18n.T(i18n.EN, "problem."+string(code)+".detail", nil),
		Code:   code,
	})
	// nginx quotes the body with ' and reads $ as a variable.
	return strings.NewReplacer("'", `\u0027`, "$", `\u0024`).Replace(string(b))
}

// nginxConf renders the front door for target t.
func nginxConf(t nginxTarget) []byte {
	var b bytes.Buffer
	p := func(indent int, format string, a ...any) {
		b.WriteString(strings.Repeat("    ", indent))
		fmt.Fprintf(&b, format, a...)
		b.WriteByte('\n')
	}
	headers := func(indent int) {
		for _, h := range securityHeaders {
			p(indent, "add_header %s %q always;", h[0], h[1])
		}
	}
	problem := func(indent int, code fault.Code) {
		p(indent, "return %d '%s';", httpx.Status(code), problemBody(code))
	}

	p(0, "# Guichet front door for %s. GENERATED by `guichet routes --format nginx --target %s`", t.name(), t.name())
	p(0, "# from shared/route (the one route table): do not edit; a test fails when it drifts.")
	p(0, "# Include it in the http {} block next to an upstream named guichet_functions")
	p(0, "# (deploy/nginx/upstream-%s.conf). Serves the SPA from /usr/share/guichet/web,", t.name())
	p(0, "# the API docs from /usr/share/guichet/web/api-docs, and sends each REST route")
	p(0, "# to its function.")
	p(0, "")
	for _, l := range rateLimits {
		p(0, "map $request_method $%s_key {", l.zone)
		var verbs []string
		for _, r := range route.Table {
			if l.match(r) && !slices.Contains(verbs, r.Method) {
				verbs = append(verbs, r.Method)
			}
		}
		for _, v := range verbs {
			p(1, "%s $binary_remote_addr;", v)
		}
		p(1, `default "";`)
		p(0, "}")
		p(0, "limit_req_zone $%s_key zone=%s:10m rate=%s;", l.zone, l.zone, l.rate)
	}
	p(0, "")
	locs := locations()
	for i, loc := range locs {
		p(0, "# %s", loc.pattern)
		p(0, "map $request_method $guichet_fn_%d {", i)
		for _, m := range loc.allow {
			p(1, "%s %s;", m, loc.byVerb[m])
		}
		p(1, `default "";`)
		p(0, "}")
	}
	p(0, "")
	p(0, "server {")
	p(1, "listen 8080;")
	p(1, "server_name _;")
	p(1, "root /usr/share/guichet/web;")
	p(1, "server_tokens off;")
	p(1, "client_max_body_size 1m;")
	p(1, "charset utf-8;")
	p(1, "gzip on;")
	p(1, "gzip_vary on;")
	p(1, "gzip_proxied any;")
	p(1, "gzip_min_length 512;")
	p(1, "gzip_types application/json application/problem+json application/javascript application/yaml text/css text/plain image/svg+xml;")
	p(1, "limit_req_status 429;")
	p(1, "proxy_http_version 1.1;")
	p(1, `proxy_set_header Connection "";`)
	p(1, "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;")
	p(1, "proxy_set_header X-Forwarded-Proto $scheme;")
	p(1, "proxy_set_header X-Real-IP $remote_addr;")
	p(1, "proxy_set_header X-Request-Id $request_id;")
	p(1, "proxy_read_timeout 30s;")
	p(1, "proxy_intercept_errors off;")
	for _, h := range securityHeaders {
		p(1, "proxy_hide_header %s;", h[0])
	}
	headers(1)
	p(1, "error_page 413 @payload_too_large;")
	p(1, "error_page 429 @rate_limited;")
	p(0, "")
	p(1, "location = /healthz {")
	p(2, "default_type application/json;")
	p(2, `return 200 '{"status":"ok"}';`)
	p(1, "}")
	p(1, "location = /api-docs {")
	p(2, "try_files /api-docs/index.html =404;")
	p(1, "}")
	p(1, "location /api-docs/ {")
	p(2, "try_files $uri =404;")
	p(1, "}")
	p(1, "location / {")
	p(2, "try_files $uri /index.html;")
	p(1, "}")
	p(1, "location /api/ {")
	p(2, "default_type application/problem+json;")
	problem(2, fault.NotFound)
	p(1, "}")
	for i, loc := range locs {
		p(0, "")
		p(1, "# %s: %s", loc.pattern, strings.Join(verbList(loc), ", "))
		p(1, "location %s {", loc.match)
		p(2, "default_type application/problem+json;")
		for _, l := range loc.limits {
			p(2, "limit_req zone=%s burst=%d nodelay;", l.zone, l.burst)
		}
		p(2, `if ($guichet_fn_%d = "") {`, i)
		p(3, "add_header Allow %q always;", strings.Join(loc.allow, ", "))
		headers(3)
		problem(3, fault.MethodNotAllowed)
		p(2, "}")
		for _, line := range t.proxy(fmt.Sprintf("$guichet_fn_%d", i)) {
			p(2, "%s", line)
		}
		p(1, "}")
	}
	p(0, "")
	p(1, "location @payload_too_large {")
	p(2, "default_type application/problem+json;")
	problem(2, fault.TooLarge)
	p(1, "}")
	p(1, "location @rate_limited {")
	p(2, "default_type application/problem+json;")
	p(2, "add_header Retry-After 1 always;")
	headers(2)
	problem(2, fault.RateLimited)
	p(1, "}")
	p(0, "}")
	return b.Bytes()
}

func verbList(loc nginxLocation) []string {
	var out []string
	for _, m := range loc.allow {
		if m != http.MethodHead {
			out = append(out, m+" "+loc.byVerb[m])
		}
	}
	return out
}

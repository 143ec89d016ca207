package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"guichet.dev/openapi"
	"guichet.dev/shared/config"
	"guichet.dev/shared/fn"
	"guichet.dev/shared/testenv"
	"guichet.dev/shared/user"
)

// testServer is a real `guichet serve` started through run, on a free port,
// with its own database on the test binary's embedded FerretDB.
type testServer struct {
	t      *testing.T
	logs   *logBuffer
	URL    string
	Env    *fn.Env // the same database and keys, for setting up fixtures
	Config config.Config
	client *http.Client
}

// startServer runs `guichet serve` until the test ends. vars override the
// environment the server sees.
func startServer(t *testing.T, vars map[string]string) *testServer {
	t.Helper()
	cfg := testenv.Config(t)
	env := map[string]string{
		"PORT": "0", "DATA_DIR": cfg.DataDir, "MONGODB_URI": cfg.MongoURI,
		"MONGODB_DATABASE": cfg.MongoDatabase, "BACKUP_SCHEDULE": "off", "LOG_LEVEL": "warn",
	}
	// Tests hammer invariants with many purchases per user at once; the
	// admission limits are tested on their own (TestAdmission…).
	for k, v := range generousAdmission {
		env[k] = v
	}
	for k, v := range vars {
		env[k] = v
	}
	// Open the fixture Env first: it generates the development keys the
	// server then reuses.
	fixtures := testenv.Env(t, cfg)

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	logs := &logBuffer{}
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, pw, logs)
		_ = pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		cancel()
		t.Fatalf("server did not start: %v", <-done)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	url := strings.TrimPrefix(lines.Text(), "guichet: listening on ")
	return &testServer{t: t, logs: logs, URL: url, Env: fixtures, Config: cfg, client: newTestClient(t)}
}

// generousAdmission lets every purchase of a test in.
var generousAdmission = map[string]string{"PURCHASE_PER_USER": "1000", "PURCHASE_QUEUE": "100000", "PURCHASE_QUEUE_WAIT": "2m"}

// newTestClient returns the HTTP client every test request goes through:
// each answer is checked against openapi/openapi.yaml.
func newTestClient(t *testing.T) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: openapi.NewValidatingTransport(t, http.DefaultTransport)}
}

// logBuffer keeps what the server logged, for tests that inspect it.
type logBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer // the first 4 MiB
	dropped int          // bytes logged beyond
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buf.Len() < 4<<20 {
		l.buf.Write(p)
	} else {
		l.dropped += len(p)
	}
	return len(p), nil
}

// String returns everything logged so far.
func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// user creates a user with role directly in the database and returns it
// with an access token.
func (s *testServer) user(role user.Role) (*user.User, string) {
	return testenv.User(s.t, s.Env, role)
}

// response is an answer read whole.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// decode unmarshals the body into v, failing the test on error.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// problem returns the body as a problem document.
func (r response) problem(t *testing.T) map[string]any {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json; body %s", ct, r.Body)
	}
	var p map[string]any
	r.decode(t, &p)
	return p
}

// request is one call to the server.
type request struct {
	Method, Path, Token string
	Body                any               // marshalled as JSON unless it is a string or []byte
	Header              map[string]string // extra headers
}

// do sends req and reads the whole answer.
func (s *testServer) do(req request) response {
	s.t.Helper()
	var body io.Reader
	switch b := req.Body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		body = bytes.NewReader(j)
	}
	r, err := http.NewRequest(req.Method, s.URL+req.Path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if req.Token != "" {
		r.Header.Set("Authorization", "Bearer "+req.Token)
	}
	for k, v := range req.Header {
		r.Header.Set(k, v)
	}
	resp, err := s.client.Do(r)
	if err != nil {
		s.t.Fatalf("%s %s: %v", req.Method, req.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	checkNoLeak(s.t, req, resp.StatusCode, b)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// leaks are texts no response may ever carry: password hashes, internal
// field names, stack traces.
var leaks = []string{"$argon2", "passwordHash", "PasswordHash", "tokenHash", "goroutine ", ".go:", "runtime error", "mongo"}

// checkNoLeak fails the test when a response exposes internals, and when
// any input at all got a 5xx other than 503 (a 5xx caused by input is a bug).
func checkNoLeak(t *testing.T, req request, status int, body []byte) {
	t.Helper()
	for _, l := range leaks {
		if bytes.Contains(body, []byte(l)) {
			t.Errorf("%s %s: response exposes %q: %.300s", req.Method, req.Path, l, body)
		}
	}
	if status >= 500 && status != 503 {
		t.Errorf("%s %s: status %d: %.300s", req.Method, req.Path, status, body)
	}
}

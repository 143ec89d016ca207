package openapi

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// recorder is a testing.TB that keeps the errors reported to it.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

const (
	userJSON    = `{"id":"665f1c2e8b3e4a0012345678","username":"ada_l","email":"ada@example.com","role":"customer","language":"en","createdAt":"2026-01-02T03:04:05Z","updatedAt":"2026-01-02T03:04:05Z"}`
	problem401  = `{"type":"https://guichet.dev/problems/unauthorized","title":"Unauthorized","status":401,"detail":"Sign in with a valid access token.","code":"unauthorized"}`
	problem404  = `{"type":"https://guichet.dev/problems/not_found","title":"Not found","status":404,"detail":"There is nothing here.","code":"not_found"}`
	problem400  = `{"type":"https://guichet.dev/problems/validation_failed","title":"Validation failed","status":400,"detail":"Some fields are not valid; see errors.","code":"validation_failed","errors":{"email":"Must be a valid email address."}}`
	problem400x = `{"type":"https://guichet.dev/problems/validation_failed","title":"Validation failed","status":400,"detail":"Some fields are not valid; see errors.","code":"validation_failed"}`
	checkedIn   = `{"type":"https://guichet.dev/problems/already_checked_in","title":"Already checked in","status":409,"detail":"This ticket was already checked in.","code":"already_checked_in"}`
)

func TestValidatingTransportChecksEveryAnswer(t *testing.T) {
	tests := []struct {
		name        string
		method      string
		path        string
		status      int
		contentType string
		header      map[string]string
		body        string
		wantError   string // "" when the answer conforms
	}{
		{"a conforming user passes", "GET", "/api/users/me", 200, "application/json", nil, userJSON, ""},
		{"a renamed member fails", "GET", "/api/users/me", 200, "application/json", nil,
			strings.Replace(userJSON, `"username"`, `"userName"`, 1), "username"},
		{"an extra member fails", "GET", "/api/users/me", 200, "application/json", nil,
			strings.Replace(userJSON, `{`, `{"passwordHash":"x",`, 1), "passwordHash"},
		{"a wrong format fails", "GET", "/api/users/me", 200, "application/json", nil,
			strings.Replace(userJSON, `2026-01-02T03:04:05Z`, `yesterday`, 1), "date-time"},
		{"an undocumented status fails", "GET", "/api/users/me", 418, "application/json", nil, userJSON, "status is not supported"},
		{"a problem needs its Content-Language", "GET", "/api/users/me", 401, "application/problem+json", nil, problem401, "Content-Language"},
		{"a localized problem passes", "GET", "/api/users/me", 401, "application/problem+json",
			map[string]string{"Content-Language": "fr"}, problem401, ""},
		{"a problem as plain JSON fails", "GET", "/api/users/me", 401, "application/json",
			map[string]string{"Content-Language": "en"}, problem401, "Content-Type"},
		{"a problem with the wrong code for its status fails", "GET", "/api/users/me", 401, "application/problem+json",
			map[string]string{"Content-Language": "en"}, strings.Replace(problem401, `"code":"unauthorized"`, `"code":"forbidden"`, 1), "code"},
		{"validation_failed carries errors", "PATCH", "/api/users/665f1c2e8b3e4a0012345678", 400, "application/problem+json",
			map[string]string{"Content-Language": "en"}, problem400, ""},
		{"validation_failed without errors fails", "PATCH", "/api/users/665f1c2e8b3e4a0012345678", 400, "application/problem+json",
			map[string]string{"Content-Language": "en"}, problem400x, "errors"},
		{"already_checked_in needs checkedInAt", "POST", "/api/tickets/verify", 409, "application/problem+json",
			map[string]string{"Content-Language": "en"}, checkedIn, "checkedInAt"},
		{"a created user needs its Location", "POST", "/api/auth/register", 201, "application/json", nil, userJSON, "Location"},
		{"an unknown path answered 404 passes", "GET", "/api/nope", 404, "application/problem+json",
			map[string]string{"Content-Language": "en"}, problem404, ""},
		{"an unknown path answered 200 fails", "GET", "/api/nope", 200, "application/json", nil, `{}`, "no operation"},
		{"a 204 passes", "DELETE", "/api/users/665f1c2e8b3e4a0012345678", 204, "", nil, "", ""},
		{"a QR code is a PNG", "GET", "/api/tickets/0b0e6f34-8a5e-4d7e-9a53-51d8a5a1c111/qr", 200, "image/png", nil, "\x89PNG\r\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			rec := &recorder{TB: t}
			client := &http.Client{Transport: NewValidatingTransport(rec, http.DefaultTransport)}
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := strings.Join(rec.errors, "\n")
			switch {
			case tt.wantError == "" && got != "":
				t.Errorf("reported a conforming answer:\n%s", got)
			case tt.wantError != "" && !strings.Contains(got, tt.wantError):
				t.Errorf("reported %q, want a report naming %q", got, tt.wantError)
			}
		})
	}
	if _, responses := Checked(); responses < len(tests)-1 {
		t.Errorf("%d responses checked, want at least %d", responses, len(tests)-1)
	}
	t.Log(Summary())
}

package main

import (
	"net/http"
	"testing"

	"guichet.dev/shared/user"
)

func TestGatewayAnswersHealthAndUnmatchedPaths(t *testing.T) {
	s := startServer(t, nil)
	tests := []struct {
		name   string
		req    request
		status int
		code   string
		allow  string
	}{
		{"healthz is ok while the process runs", request{Method: "GET", Path: "/healthz"}, 200, "", ""},
		{"readyz is ok when the database answers", request{Method: "GET", Path: "/readyz"}, 200, "", ""},
		{"an unknown API path is a 404 problem", request{Method: "GET", Path: "/api/nope"}, 404, "not_found", ""},
		{"a wrong method on a known path is a 405 problem with Allow", request{Method: "PUT", Path: "/api/users/me"}, 405, "method_not_allowed", "GET, HEAD, PATCH, DELETE"},
		{"a protected route without a token is 401", request{Method: "GET", Path: "/api/users/me"}, 401, "unauthorized", ""},
		{"a forged token is 401", request{Method: "GET", Path: "/api/users/me", Token: "x.y.z"}, 401, "unauthorized", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(tt.req)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			if tt.code != "" {
				if got := r.problem(t)["code"]; got != tt.code {
					t.Errorf("code %v, want %s", got, tt.code)
				}
			}
			if got := r.Header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow %q, want %q", got, tt.allow)
			}
			if r.Header.Get("Content-Language") == "" && r.Status != 200 {
				t.Error("no Content-Language")
			}
		})
	}
}

func TestProblemsAreLocalizedFromAcceptLanguage(t *testing.T) {
	s := startServer(t, nil)
	r := s.do(request{Method: "GET", Path: "/api/users/me", Header: map[string]string{"Accept-Language": "de;q=1, fr;q=0.8, en;q=0.5"}})
	if r.Header.Get("Content-Language") != "fr" {
		t.Fatalf("Content-Language %q, want fr", r.Header.Get("Content-Language"))
	}
	if got := r.problem(t)["title"]; got != "Non authentifié" {
		t.Errorf("title %q", got)
	}
}

func TestUsersMeAnswersTheCaller(t *testing.T) {
	s := startServer(t, nil)
	u, tok := s.user(user.Customer)
	var got user.User
	r := s.do(request{Method: "GET", Path: "/api/users/me", Token: tok})
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	r.decode(t, &got)
	if got.ID != u.ID || got.Email != u.Email {
		t.Errorf("got %+v, want %+v", got, u)
	}
}

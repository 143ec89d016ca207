package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"guichet.dev/shared/user"
)

// world is a small set of accounts, an event and a ticket, made through the
// API, for access-control tests.
type world struct {
	s                                  *testServer
	admin, orgA, orgB, buyer, other    string // access tokens
	buyerID, eventID, ticketUUID, code string
	adminUser, orgAUser, orgBUser, oth *user.User
	passwords                          []string
}

func newWorld(t *testing.T, s *testServer) *world {
	t.Helper()
	w := &world{s: s}
	w.adminUser, w.admin = s.user(user.Admin)
	w.orgAUser, w.orgA = s.user(user.Organizer)
	w.orgBUser, w.orgB = s.user(user.Organizer)
	w.oth, w.other = s.user(user.Customer)

	// The buyer registers and signs in through the API, so the suite can
	// look for their password in the logs.
	pw := "correct horse battery staple"
	w.passwords = append(w.passwords, pw)
	name := fmt.Sprintf("buyer%d", time.Now().UnixNano()%1e9)
	r := s.do(request{Method: "POST", Path: "/api/auth/register", Body: map[string]any{
		"username": name, "email": name + "@example.test", "password": pw}})
	if r.Status != http.StatusCreated {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	var tokens struct {
		AccessToken string `json:"accessToken"`
		User        struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	r = s.do(request{Method: "POST", Path: "/api/auth/login", Body: map[string]any{"email": name + "@example.test", "password": pw}})
	if r.Status != http.StatusOK {
		t.Fatalf("login: %d %s", r.Status, r.Body)
	}
	r.decode(t, &tokens)
	w.buyer, w.buyerID = tokens.AccessToken, tokens.User.ID

	var ev struct {
		ID string `json:"id"`
	}
	r = s.do(request{Method: "POST", Path: "/api/events", Token: w.orgA, Body: map[string]any{
		"title": "Village hall concert", "description": "Eighty seats.", "address": "1 Place de la Mairie",
		"date": time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339), "ticketCapacity": 80, "price": 12.5}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create event: %d %s", r.Status, r.Body)
	}
	r.decode(t, &ev)
	w.eventID = ev.ID

	var bought struct {
		Tickets []struct {
			UUID string `json:"uuid"`
			Code string `json:"code"`
		} `json:"tickets"`
	}
	r = s.do(request{Method: "POST", Path: "/api/events/" + w.eventID + "/tickets", Token: w.buyer, Body: map[string]any{"quantity": 1}})
	if r.Status != http.StatusCreated {
		t.Fatalf("purchase: %d %s", r.Status, r.Body)
	}
	r.decode(t, &bought)
	w.ticketUUID, w.code = bought.Tickets[0].UUID, bought.Tickets[0].Code
	return w
}

// TestSecurityObjectLevelAuthorization tries every {id} and {uuid} route as
// every role that must not pass, and as those that must.
func TestSecurityObjectLevelAuthorization(t *testing.T) {
	s := startServer(t, nil)
	w := newWorld(t, s)
	type try struct {
		who    string
		token  string
		status int
	}
	anon := try{"anonymous", "", 401}
	tests := []struct {
		method, path string
		body         any
		tries        []try
	}{
		{"GET", "/api/users/" + w.buyerID, nil, []try{anon, {"another customer", w.other, 403}, {"an organizer", w.orgB, 403}, {"the user", w.buyer, 200}, {"an admin", w.admin, 200}}},
		{"PATCH", "/api/users/" + w.buyerID, map[string]any{"language": "fr"}, []try{anon, {"another customer", w.other, 403}, {"an organizer", w.orgB, 403}}},
		{"DELETE", "/api/users/" + w.buyerID, nil, []try{anon, {"another customer", w.other, 403}, {"an organizer", w.orgB, 403}}},
		{"GET", "/api/users", nil, []try{anon, {"a customer", w.buyer, 403}, {"an organizer", w.orgA, 403}, {"an admin", w.admin, 200}}},
		{"PATCH", "/api/events/" + w.eventID, map[string]any{"title": "Taken over"}, []try{anon, {"a customer", w.buyer, 403}, {"another organizer", w.orgB, 403}}},
		{"DELETE", "/api/events/" + w.eventID, nil, []try{anon, {"a customer", w.buyer, 403}, {"another organizer", w.orgB, 403}}},
		{"GET", "/api/events/" + w.eventID + "/tickets", nil, []try{anon, {"the buyer", w.buyer, 403}, {"another organizer", w.orgB, 403}, {"its organizer", w.orgA, 200}, {"an admin", w.admin, 200}}},
		{"GET", "/api/tickets/" + w.ticketUUID, nil, []try{anon, {"another customer", w.other, 403}, {"another organizer", w.orgB, 403}, {"the owner", w.buyer, 200}, {"its organizer", w.orgA, 200}, {"an admin", w.admin, 200}}},
		{"GET", "/api/tickets/" + w.ticketUUID + "/qr", nil, []try{anon, {"another customer", w.other, 403}, {"another organizer", w.orgB, 403}, {"the owner", w.buyer, 200}}},
		{"POST", "/api/tickets/verify", map[string]any{"code": w.code}, []try{anon, {"the buyer", w.buyer, 403}, {"another organizer", w.orgB, 403}}},
		{"GET", "/api/admin/backups", nil, []try{anon, {"a customer", w.buyer, 403}, {"an organizer", w.orgA, 403}}},
		{"POST", "/api/admin/backups", nil, []try{anon, {"a customer", w.buyer, 403}, {"an organizer", w.orgA, 403}}},
	}
	for _, tt := range tests {
		for _, tr := range tt.tries {
			t.Run(fmt.Sprintf("%s %s as %s", tt.method, tt.path, tr.who), func(t *testing.T) {
				r := s.do(request{Method: tt.method, Path: tt.path, Token: tr.token, Body: tt.body})
				if r.Status != tr.status {
					t.Fatalf("status %d, want %d: %s", r.Status, tr.status, r.Body)
				}
			})
		}
	}
	for _, path := range []string{"/api/users/zzz", "/api/users/0123456789abcdef01234567", "/api/events/zzz", "/api/events/0123456789abcdef01234567",
		"/api/tickets/not-a-uuid", "/api/tickets/00000000-0000-4000-8000-000000000000"} {
		if r := s.do(request{Method: "GET", Path: path, Token: w.admin}); r.Status != http.StatusNotFound {
			t.Errorf("GET %s as admin: status %d, want 404", path, r.Status)
		}
	}
}

// TestSecurityMassAssignmentInjectionAndLimits sends what an attacker would:
// privileged fields, operator objects, oversized bodies and parameters.
func TestSecurityMassAssignmentInjectionAndLimits(t *testing.T) {
	s := startServer(t, nil)
	w := newWorld(t, s)
	future := time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)
	event := func(extra string, v any) map[string]any {
		m := map[string]any{"title": "T", "description": "D", "address": "A", "date": future, "ticketCapacity": 10}
		if extra != "" {
			m[extra] = v
		}
		return m
	}
	tests := []struct {
		name   string
		req    request
		status int
	}{
		{"register as admin", request{Method: "POST", Path: "/api/auth/register", Body: map[string]any{"username": "mallory", "email": "m@example.test", "password": "12345678secret", "role": "admin"}}, 400},
		{"a customer promotes themselves", request{Method: "PATCH", Path: "/api/users/" + w.buyerID, Token: w.buyer, Body: map[string]any{"role": "admin"}}, 403},
		{"an event with organizerId", request{Method: "POST", Path: "/api/events", Token: w.orgB, Body: event("organizerId", w.orgAUser.ID)}, 400},
		{"an event with ticketsSold", request{Method: "POST", Path: "/api/events", Token: w.orgB, Body: event("ticketsSold", 5)}, 400},
		{"a PATCH setting ticketsSold", request{Method: "PATCH", Path: "/api/events/" + w.eventID, Token: w.orgA, Body: map[string]any{"ticketsSold": 0}}, 400},
		{"login with an operator for the email", request{Method: "POST", Path: "/api/auth/login", Body: `{"email": {"$gt": ""}, "password": "x"}`}, 400},
		{"login with an operator for the password", request{Method: "POST", Path: "/api/auth/login", Body: `{"email": "a@example.test", "password": {"$ne": null}}`}, 400},
		{"an operator key nested in a body", request{Method: "PATCH", Path: "/api/users/" + w.buyerID, Token: w.buyer, Body: `{"language": "fr", "$set": {"role": "admin"}}`}, 400},
		{"an event title that is an object", request{Method: "POST", Path: "/api/events", Token: w.orgA, Body: event("title", map[string]any{"$gt": ""})}, 400},
		{"a body of 2 MiB", request{Method: "POST", Path: "/api/auth/register", Body: `{"username": "` + strings.Repeat("a", 2<<20) + `"}`}, 413},
		{"limit above 100", request{Method: "GET", Path: "/api/events?limit=1000"}, 400},
		{"limit 0", request{Method: "GET", Path: "/api/events?limit=0"}, 400},
		{"a garbage cursor", request{Method: "GET", Path: "/api/events?cursor=%24where"}, 400},
		{"quantity 11", request{Method: "POST", Path: "/api/events/" + w.eventID + "/tickets", Token: w.buyer, Body: map[string]any{"quantity": 11}}, 400},
		{"quantity 0", request{Method: "POST", Path: "/api/events/" + w.eventID + "/tickets", Token: w.buyer, Body: map[string]any{"quantity": 0}}, 400},
		{"an Idempotency-Key of 101 characters", request{Method: "POST", Path: "/api/events/" + w.eventID + "/tickets", Token: w.buyer, Body: map[string]any{"quantity": 1}, Header: map[string]string{"Idempotency-Key": strings.Repeat("k", 101)}}, 400},
		{"a search for $where is text", request{Method: "GET", Path: "/api/events?q=%24where"}, 200},
		{"a search for .* is text", request{Method: "GET", Path: "/api/events?q=.*"}, 200},
		{"a JSON body that is not JSON", request{Method: "POST", Path: "/api/auth/login", Body: `{"email":`}, 400},
		{"a body that is XML", request{Method: "POST", Path: "/api/auth/login", Body: `<login/>`, Header: map[string]string{"Content-Type": "application/xml"}}, 415},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(tt.req)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %.300s", r.Status, tt.status, r.Body)
			}
			if tt.status >= 400 {
				r.problem(t)
			}
		})
	}
	for _, q := range []string{"%24where", ".*"} {
		var page struct {
			Items []any `json:"items"`
		}
		s.do(request{Method: "GET", Path: "/api/events?q=" + q}).decode(t, &page)
		if len(page.Items) != 0 {
			t.Errorf("q=%s matched %d events; it must be taken as literal text", q, len(page.Items))
		}
	}
	if r := s.do(request{Method: "GET", Path: "/api/users/me", Token: w.buyer}); !strings.Contains(string(r.Body), `"role":"customer"`) {
		t.Errorf("after the attempts the buyer is %s", r.Body)
	}
	logs := s.logs.String()
	for _, secret := range append(w.passwords, w.buyer, w.code) {
		if strings.Contains(logs, secret) {
			t.Errorf("the server logged a secret (%.12s…)", secret)
		}
	}
}

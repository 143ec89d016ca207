package main

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"guichet.dev/shared/auth"
	"guichet.dev/shared/store"
	"guichet.dev/shared/ticket"
	"guichet.dev/shared/user"
)

// session is the Tokens answer of login and refresh.
type session struct {
	AccessToken  string    `json:"accessToken"`
	RefreshToken string    `json:"refreshToken"`
	TokenType    string    `json:"tokenType"`
	ExpiresIn    int       `json:"expiresIn"`
	User         user.User `json:"user"`
}

// register creates an account through the API and returns it.
func (s *testServer) register(t *testing.T, username, email, password string) user.User {
	t.Helper()
	r := s.do(request{Method: "POST", Path: "/api/auth/register", Body: map[string]string{
		"username": username, "email": email, "password": password}})
	if r.Status != http.StatusCreated {
		t.Fatalf("register %s: status %d: %s", username, r.Status, r.Body)
	}
	var u user.User
	r.decode(t, &u)
	return u
}

// login signs in by email and returns the session.
func (s *testServer) login(t *testing.T, email, password string) session {
	t.Helper()
	r := s.do(request{Method: "POST", Path: "/api/auth/login", Body: map[string]string{"email": email, "password": password}})
	if r.Status != http.StatusOK {
		t.Fatalf("login %s: status %d: %s", email, r.Status, r.Body)
	}
	var ss session
	r.decode(t, &ss)
	return ss
}

func (s *testServer) refresh(token string) response {
	return s.do(request{Method: "POST", Path: "/api/auth/refresh", Body: map[string]string{"refreshToken": token}})
}

func TestRegisterAnswersTheUserWithLocation(t *testing.T) {
	s := startServer(t, nil)
	r := s.do(request{Method: "POST", Path: "/api/auth/register", Header: map[string]string{"Accept-Language": "fr-CA"},
		Body: map[string]string{"username": "Alice.B", "email": "Alice@Example.COM", "password": "correct horse", "phone": "+33612345678"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var got map[string]any
	r.decode(t, &got)
	if loc := r.Header.Get("Location"); loc != "/api/users/"+got["id"].(string) {
		t.Errorf("Location %q for id %v", loc, got["id"])
	}
	want := map[string]any{"username": "Alice.B", "email": "alice@example.com", "role": "customer", "language": "fr", "phone": "+33612345678"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	for _, k := range []string{"password", "passwordHash", "PasswordHash"} {
		if _, ok := got[k]; ok {
			t.Errorf("answer has %s", k)
		}
	}
	if strings.Contains(string(r.Body), "argon2id") {
		t.Error("answer contains the hash")
	}
}

func TestRegisterValidatesEveryFieldInTheRequestLanguage(t *testing.T) {
	s := startServer(t, nil)
	tests := []struct {
		name, lang string
		body       map[string]any
		errors     map[string]string
	}{
		{"every field wrong at once, in English", "en",
			map[string]any{"username": "a!", "email": "nope", "password": "short", "language": "de", "phone": "0612", "role": "admin"},
			map[string]string{
				"username": "3 to 32 letters, digits, or the characters _ . -",
				"email":    "Must be a valid email address.",
				"password": "Must be between 8 and 128 characters.",
				"language": "Must be one of: en, fr.",
				"phone":    "Must be a phone number in E.164 form, such as +33612345678.",
				"role":     "Must be one of: customer, organizer.",
			}},
		{"every field wrong at once, in French", "fr",
			map[string]any{"username": "a!", "email": "nope", "password": "short", "language": "de", "phone": "0612", "role": "admin"},
			map[string]string{
				"username": "3 à 32 lettres, chiffres ou caractères _ . -",
				"email":    "Doit être une adresse e-mail valide.",
				"password": "Doit compter entre 8 et 128 caractères.",
				"language": "Doit être l’une de ces valeurs : en, fr.",
				"phone":    "Doit être un numéro au format E.164, par exemple +33612345678.",
				"role":     "Doit être l’une de ces valeurs : customer, organizer.",
			}},
		{"missing required fields", "en", map[string]any{},
			map[string]string{"username": "This field is required.", "email": "This field is required.", "password": "This field is required."}},
		{"an operator-looking email", "en", map[string]any{"username": "bob", "email": map[string]string{"$gt": ""}, "password": "12345678"},
			map[string]string{"email": "Keys starting with $ are not accepted."}},
		{"a number for a username", "en", map[string]any{"username": 12, "email": "b@example.com", "password": "12345678"},
			map[string]string{"username": "Wrong type: expected string."}},
		{"an unknown field", "en", map[string]any{"username": "bob", "email": "b@example.com", "password": "12345678", "admin": true},
			map[string]string{"admin": "Unknown field."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(request{Method: "POST", Path: "/api/auth/register", Body: tt.body, Header: map[string]string{"Accept-Language": tt.lang}})
			if r.Status != http.StatusBadRequest {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			p := r.problem(t)
			if p["code"] != "validation_failed" || r.Header.Get("Content-Language") != tt.lang {
				t.Errorf("code %v, Content-Language %q", p["code"], r.Header.Get("Content-Language"))
			}
			got, _ := p["errors"].(map[string]any)
			if len(got) != len(tt.errors) {
				t.Errorf("errors %v, want %v", got, tt.errors)
			}
			for f, msg := range tt.errors {
				if got[f] != msg {
					t.Errorf("errors[%s] = %q, want %q", f, got[f], msg)
				}
			}
		})
	}
}

func TestRegisterRefusesATakenEmailOrUsernameInAnyCase(t *testing.T) {
	s := startServer(t, nil)
	s.register(t, "carol", "carol@example.com", "password1")
	tests := []struct{ name, username, email string }{
		{"the same email in capitals", "carol2", "CAROL@example.com"},
		{"the same username in capitals", "CAROL", "carol2@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(request{Method: "POST", Path: "/api/auth/register", Body: map[string]string{
				"username": tt.username, "email": tt.email, "password": "password1"}})
			if r.Status != http.StatusConflict || r.problem(t)["code"] != "conflict" {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
		})
	}
}

func TestLoginRefreshAndLogout(t *testing.T) {
	s := startServer(t, nil)
	u := s.register(t, "dave", "dave@example.com", "password1")

	// Login by email and by username (any case) give tokens for the same user.
	ss := s.login(t, "DAVE@example.com", "password1")
	if ss.TokenType != "Bearer" || ss.ExpiresIn != 900 || ss.User.ID != u.ID || ss.RefreshToken == "" {
		t.Fatalf("session %+v", ss)
	}
	r := s.do(request{Method: "POST", Path: "/api/auth/login", Body: map[string]string{"username": "Dave", "password": "password1"}})
	if r.Status != http.StatusOK {
		t.Fatalf("login by username: %d %s", r.Status, r.Body)
	}
	if r := s.do(request{Method: "GET", Path: "/api/users/me", Token: ss.AccessToken}); r.Status != http.StatusOK {
		t.Fatalf("me: %d %s", r.Status, r.Body)
	}

	// A refresh rotates the refresh token.
	r = s.refresh(ss.RefreshToken)
	if r.Status != http.StatusOK {
		t.Fatalf("refresh: %d %s", r.Status, r.Body)
	}
	var next session
	r.decode(t, &next)
	if next.RefreshToken == ss.RefreshToken || next.AccessToken == "" || next.User.ID != u.ID {
		t.Fatalf("rotated session %+v", next)
	}
	if r := s.do(request{Method: "GET", Path: "/api/users/me", Token: next.AccessToken}); r.Status != http.StatusOK {
		t.Fatalf("me with refreshed token: %d", r.Status)
	}

	// Presenting the spent token again revokes the whole login, new token included.
	if r := s.refresh(ss.RefreshToken); r.Status != http.StatusUnauthorized {
		t.Fatalf("reuse: %d %s", r.Status, r.Body)
	}
	if r := s.refresh(next.RefreshToken); r.Status != http.StatusUnauthorized {
		t.Fatalf("refresh after reuse: %d %s", r.Status, r.Body)
	}

	// Logout revokes a login; other logins go on.
	a, b := s.login(t, "dave@example.com", "password1"), s.login(t, "dave@example.com", "password1")
	if r := s.do(request{Method: "POST", Path: "/api/auth/logout", Body: map[string]string{"refreshToken": a.RefreshToken}}); r.Status != http.StatusNoContent {
		t.Fatalf("logout: %d %s", r.Status, r.Body)
	}
	if r := s.refresh(a.RefreshToken); r.Status != http.StatusUnauthorized {
		t.Fatalf("refresh after logout: %d", r.Status)
	}
	if r := s.refresh(b.RefreshToken); r.Status != http.StatusOK {
		t.Fatalf("other login after logout: %d %s", r.Status, r.Body)
	}
}

func TestRefreshAndLogoutRefuseBadInput(t *testing.T) {
	s := startServer(t, nil)
	tests := []struct {
		name, path string
		body       any
		status     int
		code       string
	}{
		{"refresh without a token", "/api/auth/refresh", map[string]string{}, 400, "validation_failed"},
		{"refresh with an unknown token", "/api/auth/refresh", map[string]string{"refreshToken": "bm9wZQ"}, 401, "unauthorized"},
		{"refresh with an operator", "/api/auth/refresh", map[string]any{"refreshToken": map[string]string{"$ne": ""}}, 400, "validation_failed"},
		{"refresh with a broken body", "/api/auth/refresh", `{"refreshToken":`, 400, "bad_request"},
		{"logout without a token", "/api/auth/logout", map[string]string{}, 400, "validation_failed"},
		{"logout with an unknown token is already done", "/api/auth/logout", map[string]string{"refreshToken": "bm9wZQ"}, 204, ""},
		{"login with email and username", "/api/auth/login", map[string]string{"email": "a@b.co", "username": "abc", "password": "x"}, 400, "validation_failed"},
		{"login without password", "/api/auth/login", map[string]string{"email": "a@b.co"}, 400, "validation_failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(request{Method: "POST", Path: tt.path, Body: tt.body})
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			if tt.code != "" && r.problem(t)["code"] != tt.code {
				t.Errorf("code %v, want %s", r.problem(t)["code"], tt.code)
			}
		})
	}
}

func TestLoginFailsAlikeForAnUnknownEmailAndAWrongPassword(t *testing.T) {
	s := startServer(t, nil)
	s.register(t, "erin", "erin@example.com", "password1")
	wrong := s.do(request{Method: "POST", Path: "/api/auth/login", Body: map[string]string{"email": "erin@example.com", "password": "password2"}})
	unknown := s.do(request{Method: "POST", Path: "/api/auth/login", Body: map[string]string{"email": "nobody@example.com", "password": "password2"}})
	if wrong.Status != http.StatusUnauthorized || unknown.Status != http.StatusUnauthorized {
		t.Fatalf("statuses %d and %d", wrong.Status, unknown.Status)
	}
	if string(wrong.Body) != string(unknown.Body) {
		t.Errorf("bodies differ:\n%s\n%s", wrong.Body, unknown.Body)
	}
}

func TestLoginLocksAnAccountAfterFiveFailures(t *testing.T) {
	s := startServer(t, nil)
	s.register(t, "frank", "frank@example.com", "password1")
	s.register(t, "grace", "grace@example.com", "password1")
	for i := range auth.LockoutFailures {
		r := s.do(request{Method: "POST", Path: "/api/auth/login", Body: map[string]string{"email": "frank@example.com", "password": "wrong-password"}})
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d", i+1, r.Status)
		}
	}
	// Locked, even with the right password, by email or username.
	for _, body := range []map[string]string{
		{"email": "frank@example.com", "password": "password1"},
		{"username": "FRANK", "password": "password1"},
	} {
		r := s.do(request{Method: "POST", Path: "/api/auth/login", Body: body, Header: map[string]string{"Accept-Language": "fr"}})
		if r.Status != http.StatusTooManyRequests || r.problem(t)["code"] != "rate_limited" {
			t.Fatalf("locked login: %d %s", r.Status, r.Body)
		}
		if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 900 {
			t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
		}
	}
	// Another account is not affected.
	s.login(t, "grace@example.com", "password1")

	// The lock lasts until the fifth-latest failure leaves the window: failures
	// recorded 16 minutes ago no longer count, 14 minutes ago still do.
	ctx := context.Background()
	h := s.register(t, "heidi", "heidi@example.com", "password1")
	for range auth.LockoutFailures {
		if err := s.Env.Store.RecordLoginFailure(ctx, auth.LockoutKey(h.ID), time.Now().Add(-16*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	s.login(t, "heidi@example.com", "password1")
	for range auth.LockoutFailures {
		if err := s.Env.Store.RecordLoginFailure(ctx, auth.LockoutKey(h.ID), time.Now().Add(-14*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	r := s.do(request{Method: "POST", Path: "/api/auth/login", Body: map[string]string{"email": "heidi@example.com", "password": "password1"}})
	if ra, _ := strconv.Atoi(r.Header.Get("Retry-After")); r.Status != http.StatusTooManyRequests || ra < 1 || ra > 61 {
		t.Fatalf("status %d, Retry-After %q", r.Status, r.Header.Get("Retry-After"))
	}
}

func TestRegisterAndLoginAreLimitedPerClientAddress(t *testing.T) {
	s := startServer(t, map[string]string{"AUTH_RATE_PER_MINUTE": "3"})
	s.register(t, "ivan", "ivan@example.com", "password1")
	s.login(t, "ivan@example.com", "password1")
	if r := s.do(request{Method: "POST", Path: "/api/auth/login", Body: map[string]string{"email": "x@example.com", "password": "password1"}}); r.Status != http.StatusUnauthorized {
		t.Fatalf("third request: %d", r.Status)
	}
	for _, path := range []string{"/api/auth/login", "/api/auth/register"} {
		r := s.do(request{Method: "POST", Path: path, Body: map[string]string{"email": "ivan@example.com", "password": "password1", "username": "ivan2"}})
		if r.Status != http.StatusTooManyRequests || r.problem(t)["code"] != "rate_limited" {
			t.Fatalf("%s over the limit: %d %s", path, r.Status, r.Body)
		}
		if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 20 {
			t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
		}
	}
	// Refresh is not limited per address: it costs no password check.
	if r := s.refresh("bm9wZQ"); r.Status != http.StatusUnauthorized {
		t.Errorf("refresh over the limit: %d", r.Status)
	}
}

func TestConcurrentRefreshesOfOneTokenSucceedOnce(t *testing.T) {
	s := startServer(t, nil)
	s.register(t, "judy", "judy@example.com", "password1")
	ss := s.login(t, "judy@example.com", "password1")
	const n = 50
	statuses := make([]int, n)
	bodies := make([][]byte, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			r := s.refresh(ss.RefreshToken)
			statuses[i], bodies[i] = r.Status, r.Body
		})
	}
	close(start)
	wg.Wait()
	var winner session
	count := map[int]int{}
	for i, st := range statuses {
		count[st]++
		if st == http.StatusOK {
			if err := json.Unmarshal(bodies[i], &winner); err != nil {
				t.Fatal(err)
			}
		}
	}
	if count[http.StatusOK] != 1 || count[http.StatusUnauthorized] != n-1 {
		t.Fatalf("statuses %v, want one 200 and %d 401", count, n-1)
	}
	// The race is a reuse: the login is revoked, the winner's new token too.
	if r := s.refresh(winner.RefreshToken); r.Status != http.StatusUnauthorized {
		t.Errorf("winner's refresh after the race: %d", r.Status)
	}
}

func TestConcurrentRegistrationsOfOneEmailCreateOneAccount(t *testing.T) {
	s := startServer(t, nil)
	const n = 50
	statuses := make([]int, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			statuses[i] = s.do(request{Method: "POST", Path: "/api/auth/register", Body: map[string]string{
				"username": fmt.Sprintf("racer%d", i), "email": "race@example.com", "password": "password1"}}).Status
		})
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for _, st := range statuses {
		count[st]++
	}
	if count[http.StatusCreated] != 1 || count[http.StatusConflict] != n-1 {
		t.Fatalf("statuses %v, want one 201 and %d 409", count, n-1)
	}
	_, tok := s.user(user.Admin)
	var pg struct{ Items []user.User }
	s.do(request{Method: "GET", Path: "/api/users?limit=100", Token: tok}).decode(t, &pg)
	found := 0
	for _, u := range pg.Items {
		if u.Email == "race@example.com" {
			found++
		}
	}
	if found != 1 {
		t.Errorf("%d accounts with the email", found)
	}
}

func TestADeletedUserCanNeitherUseTokensNorLogIn(t *testing.T) {
	s := startServer(t, nil)
	u := s.register(t, "ken", "ken@example.com", "password1")
	ss := s.login(t, "ken@example.com", "password1")
	if r := s.do(request{Method: "DELETE", Path: "/api/users/" + u.ID, Token: ss.AccessToken}); r.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if r := s.do(request{Method: "GET", Path: "/api/users/me", Token: ss.AccessToken}); r.Status != http.StatusUnauthorized {
		t.Errorf("me after delete: %d", r.Status)
	}
	if r := s.refresh(ss.RefreshToken); r.Status != http.StatusUnauthorized {
		t.Errorf("refresh after delete: %d", r.Status)
	}
	r := s.do(request{Method: "POST", Path: "/api/auth/login", Body: map[string]string{"email": "ken@example.com", "password": "password1"}})
	if r.Status != http.StatusUnauthorized {
		t.Errorf("login after delete: %d", r.Status)
	}
}

func TestUserRoutesCheckOwnership(t *testing.T) {
	s := startServer(t, nil)
	alice, aliceTok := s.user(user.Customer)
	bob, _ := s.user(user.Customer)
	_, adminTok := s.user(user.Admin)
	unknown := "0123456789abcdef01234567"
	tests := []struct {
		name, method, path, token string
		body                      any
		status                    int
	}{
		{"a customer reads themselves", "GET", "/api/users/" + alice.ID, aliceTok, nil, 200},
		{"a customer reads another user", "GET", "/api/users/" + bob.ID, aliceTok, nil, 403},
		{"a customer patches another user", "PATCH", "/api/users/" + bob.ID, aliceTok, map[string]string{"language": "fr"}, 403},
		{"a customer deletes another user", "DELETE", "/api/users/" + bob.ID, aliceTok, nil, 403},
		{"a customer lists users", "GET", "/api/users", aliceTok, nil, 403},
		{"a malformed id to read", "GET", "/api/users/nope", aliceTok, nil, 404},
		{"a malformed id to patch", "PATCH", "/api/users/nope", aliceTok, map[string]string{"language": "fr"}, 404},
		{"a malformed id to delete", "DELETE", "/api/users/nope", aliceTok, nil, 404},
		{"an admin reads an unknown id", "GET", "/api/users/" + unknown, adminTok, nil, 404},
		{"an admin patches an unknown id", "PATCH", "/api/users/" + unknown, adminTok, map[string]string{"language": "fr"}, 404},
		{"an admin deletes an unknown id", "DELETE", "/api/users/" + unknown, adminTok, nil, 404},
		{"an admin reads another user", "GET", "/api/users/" + bob.ID, adminTok, nil, 200},
		{"no token", "PATCH", "/api/users/" + bob.ID, "", map[string]string{"language": "fr"}, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(request{Method: tt.method, Path: tt.path, Token: tt.token, Body: tt.body})
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
		})
	}
	if r := s.do(request{Method: "GET", Path: "/api/users/" + bob.ID, Token: adminTok}); r.Status != 200 {
		t.Errorf("bob was changed or deleted: %d", r.Status)
	}
}

func TestPatchUserFollowsTheRules(t *testing.T) {
	s := startServer(t, nil)
	me := s.register(t, "liz", "liz@example.com", "password1")
	s.register(t, "mallory", "mallory@example.com", "password1")
	tok := s.login(t, "liz@example.com", "password1").AccessToken
	_, adminTok := s.user(user.Admin)
	path := "/api/users/" + me.ID
	tests := []struct {
		name   string
		token  string
		body   map[string]any
		status int
		check  func(t *testing.T, u map[string]any)
	}{
		{"an email change without the current password", tok, map[string]any{"email": "liz2@example.com"}, 403, nil},
		{"an email change with a wrong current password", tok, map[string]any{"email": "liz2@example.com", "currentPassword": "nope-nope"}, 403, nil},
		{"a password change without the current password", tok, map[string]any{"password": "password2"}, 403, nil},
		{"a customer setting their role", tok, map[string]any{"role": "organizer"}, 403, nil},
		{"an email taken by another user", tok, map[string]any{"email": "MALLORY@example.com", "currentPassword": "password1"}, 409, nil},
		{"a username taken by another user", tok, map[string]any{"username": "Mallory"}, 409, nil},
		{"invalid fields, all reported", tok, map[string]any{"username": "x", "phone": "12", "language": "es", "role": "root"}, 400, nil},
		{"profile fields need no password", tok, map[string]any{"username": "liz.b", "phone": "+14155550100", "language": "fr"}, 200,
			func(t *testing.T, u map[string]any) {
				if u["username"] != "liz.b" || u["phone"] != "+14155550100" || u["language"] != "fr" {
					t.Errorf("user %v", u)
				}
			}},
		{"an empty phone removes it", tok, map[string]any{"phone": ""}, 200,
			func(t *testing.T, u map[string]any) {
				if _, ok := u["phone"]; ok {
					t.Errorf("phone still %v", u["phone"])
				}
			}},
		{"an email change with the current password, stored lower-case", tok, map[string]any{"email": "Liz.New@Example.com", "currentPassword": "password1"}, 200,
			func(t *testing.T, u map[string]any) {
				if u["email"] != "liz.new@example.com" {
					t.Errorf("email %v", u["email"])
				}
			}},
		{"an admin sets a role", adminTok, map[string]any{"role": "organizer"}, 200,
			func(t *testing.T, u map[string]any) {
				if u["role"] != "organizer" {
					t.Errorf("role %v", u["role"])
				}
			}},
		{"an admin changes another user's password without theirs", adminTok, map[string]any{"password": "password3"}, 200, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(request{Method: "PATCH", Path: path, Token: tt.token, Body: tt.body})
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			if tt.status == 400 {
				if errs, _ := r.problem(t)["errors"].(map[string]any); len(errs) != len(tt.body) {
					t.Errorf("errors %v, want one per field of %v", errs, tt.body)
				}
			}
			if tt.check != nil {
				var u map[string]any
				r.decode(t, &u)
				tt.check(t, u)
			}
		})
	}
	// The admin's password change ended Liz's logins; the new one works.
	s.login(t, "liz.new@example.com", "password3")
	ss := s.login(t, "liz.new@example.com", "password3")
	r := s.do(request{Method: "PATCH", Path: path, Token: ss.AccessToken, Body: map[string]any{"password": "password4", "currentPassword": "password3"}})
	if r.Status != http.StatusOK {
		t.Fatalf("own password change: %d %s", r.Status, r.Body)
	}
	if r := s.refresh(ss.RefreshToken); r.Status != http.StatusUnauthorized {
		t.Errorf("refresh after a password change: %d", r.Status)
	}
	s.login(t, "liz.new@example.com", "password4")
}

func TestUserListPagesWithACursor(t *testing.T) {
	s := startServer(t, nil)
	_, adminTok := s.user(user.Admin)
	for range 4 {
		s.user(user.Customer)
	}
	seen := map[string]bool{}
	path := "/api/users?limit=2"
	pages := 0
	for {
		r := s.do(request{Method: "GET", Path: path, Token: adminTok})
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, r.Status, r.Body)
		}
		var pg struct {
			Items      []user.User `json:"items"`
			NextCursor *string     `json:"nextCursor"`
		}
		r.decode(t, &pg)
		pages++
		for _, u := range pg.Items {
			if seen[u.ID] {
				t.Errorf("user %s twice", u.ID)
			}
			seen[u.ID] = true
		}
		if pg.NextCursor == nil {
			break
		}
		path = "/api/users?limit=2&cursor=" + *pg.NextCursor
	}
	if len(seen) != 5 || pages != 3 {
		t.Errorf("%d users in %d pages, want 5 in 3", len(seen), pages)
	}
	tests := []struct{ query, field string }{
		{"limit=0", "limit"}, {"limit=101", "limit"}, {"limit=ten", "limit"},
		{"cursor=%25%25", "cursor"}, {"cursor=" + base64.RawURLEncoding.EncodeToString([]byte("not-an-id")), "cursor"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := s.do(request{Method: "GET", Path: "/api/users?" + tt.query, Token: adminTok})
			if r.Status != http.StatusBadRequest {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			if errs, _ := r.problem(t)["errors"].(map[string]any); errs[tt.field] == nil {
				t.Errorf("errors %v, want %s", errs, tt.field)
			}
		})
	}
	r := s.do(request{Method: "GET", Path: "/api/users", Token: adminTok})
	var pg map[string]any
	r.decode(t, &pg)
	if items, _ := pg["items"].([]any); len(items) != 5 || pg["nextCursor"] != nil {
		t.Errorf("default page %v", pg)
	}
}

func TestJWKSListsTheAccessTokenKey(t *testing.T) {
	s := startServer(t, nil)
	r := s.do(request{Method: "GET", Path: "/.well-known/jwks.json"})
	if r.Status != http.StatusOK {
		t.Fatalf("status %d", r.Status)
	}
	var set auth.JWKS
	r.decode(t, &set)
	_, tok := s.user(user.Customer)
	header, _, _ := strings.Cut(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(header)
	if err != nil {
		t.Fatal(err)
	}
	var h struct{ Kid, Alg string }
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, k := range set.Keys {
		if k.Kid == h.Kid && k.Alg == "EdDSA" && k.Kty == "OKP" && k.Crv == "Ed25519" && k.Use == "sig" && k.X != "" {
			found = true
		}
	}
	if !found || h.Alg != "EdDSA" {
		t.Errorf("token header %+v not in %+v", h, set.Keys)
	}

	// A door scanner checks ticket codes offline with the published key.
	code, err := s.Env.Codes.Sign(ticket.Named{UUID: "6f1c1c52-8a4e-4d4b-9a59-0a3c4e0b8c11", Event: "0123456789abcdef01234567", Number: 7})
	if err != nil {
		t.Fatal(err)
	}
	verified := false
	for _, k := range set.Keys {
		if pub, err := base64.RawURLEncoding.DecodeString(k.X); err == nil && len(pub) == ed25519.PublicKeySize {
			if n, err := ticket.VerifyWith(pub, code); err == nil && n.Number == 7 {
				verified = true
			}
		}
	}
	if !verified {
		t.Error("no key of the JWKS verifies a ticket code")
	}
}

func TestStartUpCreatesOrResetsTheFirstAdmin(t *testing.T) {
	s := startServer(t, map[string]string{"ADMIN_EMAIL": "root@example.com", "ADMIN_PASSWORD": "first-password"})
	ss := s.login(t, "root@example.com", "first-password")
	if ss.User.Role != user.Admin {
		t.Fatalf("role %s", ss.User.Role)
	}
	if r := s.do(request{Method: "GET", Path: "/api/users", Token: ss.AccessToken}); r.Status != http.StatusOK {
		t.Fatalf("admin list: %d", r.Status)
	}
	// A later start with another password resets it; a second run is a no-op.
	ctx := context.Background()
	for range 2 {
		if err := s.Env.Auth.EnsureAdmin(ctx, "root@example.com", "second-password"); err != nil {
			t.Fatal(err)
		}
	}
	s.login(t, "root@example.com", "second-password")
	// An existing customer named as admin is promoted.
	s.register(t, "nina", "nina@example.com", "password1")
	if err := s.Env.Auth.EnsureAdmin(ctx, "nina@example.com", "nina-admin-pw"); err != nil {
		t.Fatal(err)
	}
	if got := s.login(t, "nina@example.com", "nina-admin-pw").User.Role; got != user.Admin {
		t.Errorf("nina's role %s", got)
	}
	for _, bad := range [][2]string{{"not-an-email", "long-enough"}, {"ok@example.com", "short"}} {
		if err := s.Env.Auth.EnsureAdmin(ctx, bad[0], bad[1]); err == nil {
			t.Errorf("EnsureAdmin(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

func TestASuccessfulLoginForgetsEarlierFailures(t *testing.T) {
	s := startServer(t, nil)
	s.register(t, "olga", "olga@example.com", "password1")
	wrong := request{Method: "POST", Path: "/api/auth/login", Body: map[string]string{"email": "olga@example.com", "password": "wrong-password"}}
	for round := range 2 {
		for range auth.LockoutFailures - 1 {
			if r := s.do(wrong); r.Status != http.StatusUnauthorized {
				t.Fatalf("round %d: status %d", round, r.Status)
			}
		}
		s.login(t, "olga@example.com", "password1")
	}
}

func TestAnExpiredRefreshTokenIsRefused(t *testing.T) {
	s := startServer(t, nil)
	u := s.register(t, "pete", "pete@example.com", "password1")
	token := "expired-refresh-token-of-pete"
	sum := sha256.Sum256([]byte(token))
	past := time.Now().Add(-time.Hour)
	err := s.Env.Store.InsertRefreshToken(context.Background(), store.RefreshToken{
		Hash: hex.EncodeToString(sum[:]), Family: "f-pete", UserID: u.ID, CreatedAt: past.Add(-auth.RefreshTTL), ExpiresAt: past})
	if err != nil {
		t.Fatal(err)
	}
	if r := s.refresh(token); r.Status != http.StatusUnauthorized {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
}

func TestABurstOfConcurrentGuessesGetsAtMostFiveChecks(t *testing.T) {
	s := startServer(t, nil)
	s.register(t, "quinn", "quinn@example.com", "password1")
	const n = 20
	statuses := make([]int, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			statuses[i] = s.do(request{Method: "POST", Path: "/api/auth/login",
				Body: map[string]string{"email": "quinn@example.com", "password": fmt.Sprintf("guess-%d", i)}}).Status
		})
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for _, st := range statuses {
		count[st]++
	}
	if count[http.StatusUnauthorized] > auth.LockoutFailures || count[http.StatusUnauthorized]+count[http.StatusTooManyRequests] != n {
		t.Fatalf("statuses %v: more than %d guesses were checked", count, auth.LockoutFailures)
	}
	t.Logf("statuses %v", count)
}

func TestWrongCurrentPasswordsCountTowardTheLockout(t *testing.T) {
	s := startServer(t, nil)
	u := s.register(t, "rita", "rita@example.com", "password1")
	tok := s.login(t, "rita@example.com", "password1").AccessToken
	patch := request{Method: "PATCH", Path: "/api/users/" + u.ID, Token: tok,
		Body: map[string]string{"password": "password2", "currentPassword": "wrong-password"}}
	for i := range auth.LockoutFailures {
		if r := s.do(patch); r.Status != http.StatusForbidden {
			t.Fatalf("attempt %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	if r := s.do(patch); r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("after %d wrong passwords: %d %s", auth.LockoutFailures, r.Status, r.Body)
	}
	r := s.do(request{Method: "POST", Path: "/api/auth/login", Body: map[string]string{"email": "rita@example.com", "password": "password1"}})
	if r.Status != http.StatusTooManyRequests {
		t.Errorf("login while locked: %d", r.Status)
	}
}

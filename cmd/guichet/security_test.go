package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"guichet.dev/shared/auth"
	"guichet.dev/shared/config"
	"guichet.dev/shared/user"
)

// The security suite walks the OWASP API Security Top 10 against a running
// server. Every response of every test also passes checkNoLeak.

// forge signs claims for u with key and alg, as an attacker or an expired
// session would.
func forge(t *testing.T, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSecurityBrokenAuthenticationIsRefused(t *testing.T) {
	s := startServer(t, nil)
	u, good := s.user(user.Customer)
	key, err := config.DevKey(filepath.Join(s.Config.DataDir, "keys", "jwt.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pub := key.Public().(ed25519.PublicKey)
	kid := auth.KeyID(pub)
	now := time.Now()
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"sub": u.ID, "role": "admin", "iss": auth.Issuer, "iat": now.Unix(),
			"exp": now.Add(time.Hour).Unix(), "jti": "x"}
		if edit != nil {
			edit(c)
		}
		return c
	}
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	parts := strings.Split(good, ".")
	escalated := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"` + u.ID + `","role":"admin","iss":"guichet","exp":9999999999}`))

	tests := []struct {
		name  string
		token string
	}{
		{"alg none", forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, kid, claims(nil))},
		{"HMAC keyed with the public key (alg confusion)", forge(t, jwt.SigningMethodHS256, []byte(pub), kid, claims(nil))},
		{"expired", forge(t, jwt.SigningMethodEdDSA, key, kid, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() }))},
		{"no expiry", forge(t, jwt.SigningMethodEdDSA, key, kid, claims(func(c jwt.MapClaims) { delete(c, "exp") }))},
		{"wrong issuer", forge(t, jwt.SigningMethodEdDSA, key, kid, claims(func(c jwt.MapClaims) { c["iss"] = "evil" }))},
		{"unknown kid", forge(t, jwt.SigningMethodEdDSA, key, "other", claims(nil))},
		{"signed by another key", forge(t, jwt.SigningMethodEdDSA, otherKey, kid, claims(nil))},
		{"payload swapped to escalate the role", parts[0] + "." + escalated + "." + parts[2]},
		{"signature stripped", parts[0] + "." + parts[1] + "."},
		{"garbage", "not-a-token"},
		{"user that does not exist", forge(t, jwt.SigningMethodEdDSA, key, kid, claims(func(c jwt.MapClaims) { c["sub"] = "0123456789abcdef01234567" }))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(request{Method: "GET", Path: "/api/users/me", Token: tt.token})
			if r.Status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401: %s", r.Status, r.Body)
			}
		})
	}
	for _, scheme := range []string{"Basic " + good, "bearer", "Bearer"} {
		r := s.do(request{Method: "GET", Path: "/api/users/me", Header: map[string]string{"Authorization": scheme}})
		if r.Status != http.StatusUnauthorized {
			t.Errorf("Authorization %.20q: status %d, want 401", scheme, r.Status)
		}
	}
	if r := s.do(request{Method: "GET", Path: "/api/users/me", Token: good}); r.Status != http.StatusOK {
		t.Fatalf("the genuine token: status %d", r.Status)
	}
}

func TestSecurityResponsesCarrySecurityHeaders(t *testing.T) {
	s := startServer(t, nil)
	_, tok := s.user(user.Customer)
	for _, req := range []request{
		{Method: "GET", Path: "/api/users/me", Token: tok},
		{Method: "GET", Path: "/api/users/me"},
		{Method: "GET", Path: "/api/nope"},
	} {
		r := s.do(req)
		for h, want := range map[string]string{
			"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
		} {
			if got := r.Header.Get(h); got != want {
				t.Errorf("%s %s: %s %q, want %q", req.Method, req.Path, h, got, want)
			}
		}
		if r.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("%s %s: no Content-Security-Policy", req.Method, req.Path)
		}
	}
}

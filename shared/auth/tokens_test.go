package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	"guichet.dev/shared/user"
)

// TestVerifyRefusesARememberedTokenOnceExpired checks that remembering a
// verified token does not lengthen its life, and that a token differing
// from a remembered one by a byte is checked, not remembered.
func TestVerifyRefusesARememberedTokenOnceExpired(t *testing.T) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tokens := NewTokens(key, 15*time.Minute)
	tokens.now = func() time.Time { return now }
	tok, err := tokens.Issue(&user.User{ID: "u1", Role: user.Customer})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if c, err := tokens.Verify(tok); err != nil || c.Subject != "u1" {
			t.Fatalf("fresh token: %v, %v", c, err)
		}
	}
	i := len(tok) - 10 // in the signature
	other := "A"
	if tok[i] == 'A' {
		other = "B"
	}
	tampered := tok[:i] + other + tok[i+1:]
	if _, err := tokens.Verify(tampered); err == nil {
		t.Error("a token altered in its signature verified")
	}
	now = now.Add(15*time.Minute - time.Second)
	if _, err := tokens.Verify(tok); err != nil {
		t.Errorf("token a second before it expires: %v", err)
	}
	now = now.Add(time.Second)
	if _, err := tokens.Verify(tok); err == nil {
		t.Error("a remembered token verified once expired")
	}
}

// BenchmarkVerify measures checking the token a client sends with every
// request.
func BenchmarkVerify(b *testing.B) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	tokens := NewTokens(key, 15*time.Minute)
	tok, err := tokens.Issue(&user.User{ID: "u1", Role: user.Customer})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := tokens.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
}

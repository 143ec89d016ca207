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
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tokens, tok := issued(t, func() time.Time { return now })
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
	tokens, tok := issued(b, time.Now)
	for b.Loop() {
		if _, err := tokens.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
}

// issued returns Tokens with a new key and clock now, lasting 15 minutes,
// and a token they issued to customer u1.
func issued(tb testing.TB, now func() time.Time) (*Tokens, string) {
	tb.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tokens := NewTokens(key, 15*time.Minute)
	tokens.now = now
	tok, err := tokens.Issue(&user.User{ID: "u1", Role: user.Customer})
	if err != nil {
		tb.Fatal(err)
	}
	return tokens, tok
}

package ticket

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"github.com/google/uuid"
)

func TestCodeRoundTripsAndRefusesAnyAlteredCharacter(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	s := NewSigner(key)
	want := Named{UUID: uuid.NewString(), Event: "0123456789abcdef01234567", Number: 42}
	code, err := s.Sign(want)
	if err != nil {
		t.Fatal(err)
	}
	if len(code) != 128 {
		t.Errorf("code has %d characters, want 128", len(code))
	}
	got, err := VerifyWith(s.PublicKey(), code)
	if err != nil || got != want {
		t.Fatalf("verify: %+v, %v; want %+v", got, err, want)
	}
	for i := range code {
		b := []byte(code)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		if _, err := s.Verify(string(b)); err == nil {
			t.Fatalf("code altered at %d still verifies", i)
		}
	}
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := NewSigner(other).Verify(code); err == nil {
		t.Error("a code verifies under another key")
	}
}

func FuzzVerifyCode(f *testing.F) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	s := NewSigner(key)
	code, _ := s.Sign(Named{UUID: uuid.NewString(), Event: "0123456789abcdef01234567", Number: 1})
	f.Add(code)
	f.Add("")
	f.Add("not a code")
	f.Fuzz(func(t *testing.T, c string) {
		n, err := s.Verify(c)
		if err == nil && c != code {
			t.Fatalf("forged code %q verified as %+v", c, n)
		}
	})
}

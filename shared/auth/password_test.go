package auth

import (
	"regexp"
	"strings"
	"testing"
)

// fast keeps tests quick; the stored parameters are what verification uses.
var fast = Params{Memory: 64, Passes: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashPasswordWritesAPHCStringWithAFreshSalt(t *testing.T) {
	a, err := HashPassword("correct horse", DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\$argon2id\$v=19\$m=7168,t=3,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`).MatchString(a) {
		t.Fatalf("hash %q", a)
	}
	b, _ := HashPassword("correct horse", DefaultParams)
	if a == b {
		t.Error("two hashes of one password are equal: no per-user salt")
	}
	for pw, want := range map[string]bool{"correct horse": true, "correct horse ": false, "": false, "Correct horse": false} {
		if ok, err := CheckPassword(a, pw); err != nil || ok != want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
}

func TestCheckPasswordUsesTheStoredParameters(t *testing.T) {
	h, err := HashPassword("pw-123456", fast)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h, "m=64,t=1,p=1") {
		t.Fatalf("hash %q", h)
	}
	if ok, err := CheckPassword(h, "pw-123456"); !ok || err != nil {
		t.Errorf("CheckPassword = %v, %v", ok, err)
	}
}

func TestCheckPasswordRefusesMalformedHashes(t *testing.T) {
	good, _ := HashPassword("pw-123456", fast)
	parts := strings.Split(good, "$")
	tests := map[string]string{
		"empty":                "",
		"bcrypt":               "$2a$10$abcdefghijklmnopqrstuv",
		"argon2i":              strings.Replace(good, "argon2id", "argon2i", 1),
		"another version":      strings.Replace(good, "v=19", "v=16", 1),
		"too much memory":      strings.Replace(good, "m=64", "m=99999999", 1),
		"zero passes":          strings.Replace(good, "t=1", "t=0", 1),
		"salt not base64":      strings.Join([]string{"", parts[1], parts[2], parts[3], "!!!", parts[5]}, "$"),
		"key too short":        strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$"),
		"missing part":         strings.Join(parts[:5], "$"),
		"parameters malformed": strings.Replace(good, "m=64,t=1,p=1", "m=x", 1),
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			if ok, err := CheckPassword(h, "pw-123456"); ok || err != ErrBadHash {
				t.Errorf("CheckPassword = %v, %v; want false, ErrBadHash", ok, err)
			}
		})
	}
}

// BenchmarkHashPassword reports the cost of one argon2id check at the
// default parameters (the cost of a login).
func BenchmarkHashPassword(b *testing.B) {
	h, _ := HashPassword("correct horse", DefaultParams)
	for b.Loop() {
		_, _ = CheckPassword(h, "correct horse")
	}
}

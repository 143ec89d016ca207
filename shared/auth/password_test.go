package auth

import (
	"regexp"
	"strings"
	"testing"
	"time"
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

func TestLimiterAllowsPerMinutePerKey(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLimiter(3)
	l.now = func() time.Time { return now }
	for i := range 3 {
		if ok, _ := l.Allow("10.0.0.1"); !ok {
			t.Fatalf("request %d refused", i+1)
		}
	}
	ok, wait := l.Allow("10.0.0.1")
	if ok || wait <= 0 || wait > 20*time.Second {
		t.Fatalf("fourth request: %v, wait %v; want refused for up to 20s", ok, wait)
	}
	if ok, _ := l.Allow("10.0.0.2"); !ok {
		t.Error("another address refused")
	}
	now = now.Add(wait)
	if ok, _ := l.Allow("10.0.0.1"); !ok {
		t.Error("refused after the wait")
	}
	if ok, _ := l.Allow("10.0.0.1"); ok {
		t.Error("allowed a burst after one token refilled")
	}
}

func TestLimiterPrunesRefilledBuckets(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLimiter(60)
	l.now = func() time.Time { return now }
	l.Allow("a")
	now = now.Add(time.Minute)
	l.prune(now, l.perMinute/float64(time.Minute))
	if len(l.buckets) != 0 {
		t.Errorf("%d buckets left", len(l.buckets))
	}
}

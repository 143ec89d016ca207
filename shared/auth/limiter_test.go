package auth

import (
	"testing"
	"time"
)

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

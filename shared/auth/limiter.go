package auth

import (
	"sync"
	"time"
)

// Limiter is an in-process token bucket per key (a client address): each key
// may spend perMinute requests a minute, in bursts of up to perMinute. It
// lives in one process; behind several replicas each enforces its own share.
type Limiter struct {
	mu        sync.Mutex
	perMinute float64
	buckets   map[string]*bucket
	now       func() time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds the map: beyond it, buckets that have refilled are
// dropped (they are indistinguishable from new ones).
const maxBuckets = 100_000

// NewLimiter allows perMinute requests a minute per key.
func NewLimiter(perMinute int) *Limiter {
	return &Limiter{perMinute: float64(perMinute), buckets: map[string]*bucket{}, now: time.Now}
}

// Allow spends one request of key. When none is left it returns false and
// how long until one is.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	rate := l.perMinute / float64(time.Minute) // tokens per nanosecond
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.prune(now, rate)
		}
		b = &bucket{tokens: l.perMinute, at: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.perMinute, b.tokens+float64(now.Sub(b.at))*rate)
	b.at = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) / rate)
	}
	b.tokens--
	return true, 0
}

func (l *Limiter) prune(now time.Time, rate float64) {
	for k, b := range l.buckets {
		if b.tokens+float64(now.Sub(b.at))*rate >= l.perMinute {
			delete(l.buckets, k)
		}
	}
}

// Package admission keeps an on-sale stampede from slowing every buyer down:
// at most Concurrency purchases run at once in a process, at most Queue wait
// for a slot (in arrival order, each for at most QueueWait), and one user may
// hold at most PerUser of those places. Anyone beyond is answered at once with
// 429 rate_limited and a Retry-After, which is fast and fair instead of slow
// for all. Reads never pass through here.
package admission

import (
	"context"
	"sync"
	"time"

	"guichet.dev/shared/config"
	"guichet.dev/shared/fault"
)

// Limiter admits purchases.
type Limiter struct {
	slots   chan struct{}
	cfg     config.Admission
	mu      sync.Mutex
	waiting int
	perUser map[string]int
}

// New returns a limiter for cfg.
func New(cfg config.Admission) *Limiter {
	return &Limiter{slots: make(chan struct{}, cfg.Concurrency), cfg: cfg, perUser: map[string]int{}}
}

// retryAfter is what a refused buyer is told to wait.
const retryAfter = time.Second

// Acquire waits for a slot for user. It returns the release function, or
// fault.RateLimited when the user already holds PerUser places, the queue
// is full, or no slot freed within QueueWait.
func (l *Limiter) Acquire(ctx context.Context, user string) (release func(), err error) {
	if !l.enter(user) {
		return nil, &fault.Error{Code: fault.RateLimited, RetryAfter: retryAfter}
	}
	select {
	case l.slots <- struct{}{}:
		return func() { <-l.slots; l.leave(user) }, nil
	default:
	}
	if !l.queue() {
		l.leave(user)
		return nil, &fault.Error{Code: fault.RateLimited, RetryAfter: retryAfter}
	}
	t := time.NewTimer(l.cfg.QueueWait)
	defer t.Stop()
	select {
	case l.slots <- struct{}{}:
		l.dequeue()
		return func() { <-l.slots; l.leave(user) }, nil
	case <-t.C:
		l.dequeue()
		l.leave(user)
		return nil, &fault.Error{Code: fault.RateLimited, RetryAfter: retryAfter}
	case <-ctx.Done():
		l.dequeue()
		l.leave(user)
		return nil, ctx.Err()
	}
}

// enter counts a place for user unless they hold PerUser already.
func (l *Limiter) enter(user string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.perUser[user] >= l.cfg.PerUser {
		return false
	}
	l.perUser[user]++
	return true
}

func (l *Limiter) leave(user string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.perUser[user]--; l.perUser[user] <= 0 {
		delete(l.perUser, user)
	}
}

func (l *Limiter) queue() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.waiting >= l.cfg.Queue {
		return false
	}
	l.waiting++
	return true
}

func (l *Limiter) dequeue() {
	l.mu.Lock()
	l.waiting--
	l.mu.Unlock()
}

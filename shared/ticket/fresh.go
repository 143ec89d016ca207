package ticket

import (
	"context"
	"sync"
	"time"
)

// fresh shares reads among concurrent callers without ever answering one
// with a read that began before it asked: get(since) returns the result of
// a read started at or after since. At most one read runs at a time: a
// caller that cannot use the running read waits for the next one, which
// starts when the running one ends and serves everyone who queued for it.
// Many buyers who just finished claiming thus cost one database read
// together, and each still sees a state no older than its own claims; and
// a slow read (a gap scan near sell-out) never has copies of itself
// competing for the database.
type fresh[T any] struct {
	mu     sync.Mutex
	read   func(context.Context) (T, error)
	flight *freshCall[T] // the newest read started, running or done
	next   *freshCall[T] // queued behind a running flight
}

type freshCall[T any] struct {
	start time.Time // zero until it starts
	done  chan struct{}
	val   T
	err   error
}

func (f *fresh[T]) get(ctx context.Context, since time.Time) (T, error) {
	f.mu.Lock()
	c := f.flight
	switch {
	case c != nil && !c.start.Before(since):
		// The newest read began after since: use it, done or not.
	case c == nil || isDone(c):
		c = &freshCall[T]{done: make(chan struct{})}
		f.startLocked(c)
	default:
		// A read is running but began too early: queue for the next.
		if f.next == nil {
			f.next = &freshCall[T]{done: make(chan struct{})}
		}
		c = f.next
	}
	f.mu.Unlock()
	select {
	case <-c.done:
		return c.val, c.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

func isDone[T any](c *freshCall[T]) bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// startLocked runs c now; when it ends, the queued call (if any) starts.
func (f *fresh[T]) startLocked(c *freshCall[T]) {
	c.start = time.Now()
	f.flight = c
	go func() {
		rctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		c.val, c.err = f.read(rctx)
		cancel()
		f.mu.Lock()
		close(c.done)
		if n := f.next; n != nil {
			f.next = nil
			f.startLocked(n)
		}
		f.mu.Unlock()
	}()
}

package ticket

import (
	"context"
	"sync"
	"time"
)

// fresh shares reads among concurrent callers without ever answering one
// with a read that began before it asked: get(since) returns the result of
// a read started at or after since, joining one in flight when it can. Many
// buyers who just finished claiming thus cost one database read together,
// and each still sees a state no older than its own claims.
type fresh[T any] struct {
	mu     sync.Mutex
	read   func(context.Context) (T, error)
	flight *freshCall[T] // the newest read, running or done
}

type freshCall[T any] struct {
	start time.Time
	done  chan struct{}
	val   T
	err   error
}

func (f *fresh[T]) get(ctx context.Context, since time.Time) (T, error) {
	f.mu.Lock()
	c := f.flight
	if c == nil || c.start.Before(since) {
		c = &freshCall[T]{start: time.Now(), done: make(chan struct{})}
		f.flight = c
		go func() {
			rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c.val, c.err = f.read(rctx)
			close(c.done)
		}()
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

package admission

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"guichet.dev/shared/config"
	"guichet.dev/shared/fault"
)

func rateLimited(err error) bool {
	fe, ok := fault.As(err)
	return ok && fe.Code == fault.RateLimited && fe.RetryAfter > 0
}

func TestNoMoreThanConcurrencyRunAtOnce(t *testing.T) {
	l := New(config.Admission{Concurrency: 4, Queue: 1000, QueueWait: time.Minute, PerUser: 1})
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			release, err := l.Acquire(context.Background(), fmt.Sprint("user", i))
			if err != nil {
				t.Error(err)
				return
			}
			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			running.Add(-1)
			release()
		}()
	}
	wg.Wait()
	if p := peak.Load(); p > 4 || p < 1 {
		t.Errorf("peak concurrency %d, want 1..4", p)
	}
}

func TestOneUserCannotTakeMoreThanPerUserPlaces(t *testing.T) {
	l := New(config.Admission{Concurrency: 10, Queue: 10, QueueWait: time.Minute, PerUser: 2})
	r1, err1 := l.Acquire(context.Background(), "bot")
	r2, err2 := l.Acquire(context.Background(), "bot")
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if _, err := l.Acquire(context.Background(), "bot"); !rateLimited(err) {
		t.Fatalf("third place for one user: %v, want rate_limited", err)
	}
	if r, err := l.Acquire(context.Background(), "someone else"); err != nil {
		t.Fatalf("another user refused: %v", err)
	} else {
		r()
	}
	r1()
	if r, err := l.Acquire(context.Background(), "bot"); err != nil {
		t.Fatalf("after a release the user is still refused: %v", err)
	} else {
		r()
	}
	r2()
}

func TestAFullQueueRefusesAtOnce(t *testing.T) {
	l := New(config.Admission{Concurrency: 1, Queue: 1, QueueWait: time.Hour, PerUser: 5})
	hold, err := l.Acquire(context.Background(), "a")
	if err != nil {
		t.Fatal(err)
	}
	queued := make(chan error, 1)
	go func() {
		r, err := l.Acquire(context.Background(), "b")
		if err == nil {
			r()
		}
		queued <- err
	}()
	for {
		l.mu.Lock()
		w := l.waiting
		l.mu.Unlock()
		if w == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := l.Acquire(context.Background(), "c"); !rateLimited(err) {
		t.Fatalf("beyond the queue: %v, want rate_limited", err)
	}
	hold()
	if err := <-queued; err != nil {
		t.Fatalf("queued purchase: %v", err)
	}
}

func TestAWaitLongerThanQueueWaitIsRefused(t *testing.T) {
	l := New(config.Admission{Concurrency: 1, Queue: 5, QueueWait: 5 * time.Millisecond, PerUser: 5})
	hold, err := l.Acquire(context.Background(), "a")
	if err != nil {
		t.Fatal(err)
	}
	defer hold()
	if _, err := l.Acquire(context.Background(), "b"); !rateLimited(err) {
		t.Fatalf("got %v, want rate_limited after the queue wait", err)
	}
	if len(l.perUser) != 1 || l.waiting != 0 {
		t.Errorf("refused buyer left state behind: perUser %v, waiting %d", l.perUser, l.waiting)
	}
}

package confirm

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"

	"guichet.dev/shared/broker"
	"guichet.dev/shared/ticket"
)

// Broker publishes purchases to RabbitMQ. A nil error means the broker
// confirmed the message; otherwise the tickets stay pending for the sweep.
type Broker struct{ Client *broker.Client }

var _ ticket.Publisher = Broker{}

// Publish sends p's event and waits for the broker's confirm.
func (b Broker) Publish(ctx context.Context, p ticket.Purchase) error {
	e, err := NewEvent(p)
	if err != nil {
		return err
	}
	return b.Client.Publish(ctx, e)
}

// Handle runs one try of the event e: the confirmation function's work,
// whether the event came over HTTP or from the broker.
func (s *Service) Handle(ctx context.Context, e *cloudevents.Event, try Try) (Outcome, error) {
	p, err := PurchaseOf(e)
	if err != nil {
		return Failed, err
	}
	return s.handle(ctx, p, try)
}

// handle runs one try of purchase p's confirmation and logs a failure
// that no retry follows.
func (s *Service) handle(ctx context.Context, p ticket.Purchase, try Try) (Outcome, error) {
	out, err := s.Confirm(ctx, p, try)
	if err != nil && out != Retry {
		s.Log.Warn("confirmation", "purchase", p.ID, "outcome", out, "err", err)
	}
	return out, err
}

// BrokerHandler adapts Handle to the broker's consumer.
func (s *Service) BrokerHandler() broker.Handler {
	return func(ctx context.Context, e *cloudevents.Event, t broker.Try) broker.Outcome {
		out, _ := s.Handle(ctx, e, Try{Final: t.Final, Next: t.Next})
		switch out {
		case Retry:
			return broker.Retry
		case Failed:
			return broker.Dead
		}
		return broker.Done
	}
}

// ErrQueueFull reports that the in-process queue had no room: the
// purchase stays pending for the sweep.
var ErrQueueFull = errors.New("confirmation queue full")

// Local is the in-process channel that replaces the broker when no
// AMQP_URL is set. Publish never blocks: a full queue refuses the purchase,
// which stays pending until the sweep publishes it again, and a purchase
// already queued is not queued twice (the sweep republishes what is merely
// waiting during an on-sale's backlog). Transient failures are retried
// after Retry's delays; a process that stops loses its queue, and the
// sweep covers that too. It queues the purchase itself, not a CloudEvent:
// encoding one for each sale, which the worker then decoded, took 3 % of
// serve's CPU during an on-sale (profile of 64 buyers on SQLite).
type Local struct {
	svc   *Service
	retry []time.Duration
	queue chan localItem
	log   *slog.Logger
	wg    sync.WaitGroup

	mu     sync.Mutex
	queued map[string]bool // purchase ids in the queue
}

type localItem struct {
	purchase ticket.Purchase
	attempt  int
}

// NewLocal returns an in-process channel holding up to size purchases.
func NewLocal(svc *Service, size int, retry []time.Duration) *Local {
	return &Local{svc: svc, retry: retry, queue: make(chan localItem, size), log: svc.Log, queued: map[string]bool{}}
}

var _ ticket.Publisher = (*Local)(nil)

// Publish queues p, or fails at once when the queue is full.
func (l *Local) Publish(_ context.Context, p ticket.Purchase) error {
	return l.offer(localItem{purchase: p})
}

func (l *Local) offer(it localItem) error {
	id := it.purchase.ID
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.queued[id] {
		return nil
	}
	select {
	case l.queue <- it:
		l.queued[id] = true
		return nil
	default:
		return ErrQueueFull
	}
}

// Run confirms queued purchases with workers goroutines until ctx ends.
func (l *Local) Run(ctx context.Context, workers int) {
	for range max(workers, 1) {
		l.wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case it := <-l.queue:
					l.mu.Lock()
					delete(l.queued, it.purchase.ID)
					l.mu.Unlock()
					l.handle(ctx, it)
				}
			}
		})
	}
	l.wg.Wait()
}

func (l *Local) handle(ctx context.Context, it localItem) {
	try := Try{Final: it.attempt >= len(l.retry)}
	if !try.Final {
		try.Next = l.retry[it.attempt]
	}
	out, _ := l.svc.handle(context.WithoutCancel(ctx), it.purchase, try)
	if out != Retry || try.Final {
		return
	}
	next := localItem{purchase: it.purchase, attempt: it.attempt + 1}
	t := time.NewTimer(try.Next)
	l.wg.Go(func() {
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
			if err := l.offer(next); err != nil {
				l.log.Warn("confirmation retry dropped; the sweep will republish it", "purchase", next.purchase.ID, "err", err)
			}
		}
	})
}

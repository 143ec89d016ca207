package broker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"
	amqp "github.com/rabbitmq/amqp091-go"
)

// Outcome is what a handler made of a delivery.
type Outcome int

// The outcomes.
const (
	Done  Outcome = iota // handled (or nothing to do): acknowledged
	Retry                // transient failure: try again after the next delay
	Dead                 // permanent failure: to the dead-letter queue
)

// Try tells a handler where a delivery stands in its retries.
type Try struct {
	Attempt int           // 0 for the first delivery
	Final   bool          // the last try: a Retry now goes to the dead-letter queue
	Next    time.Duration // when not final, the delay before the next try
}

// Handler handles one event.
type Handler func(ctx context.Context, e *cloudevents.Event, try Try) Outcome

// AttemptHeader counts the retries a message has been through.
const AttemptHeader = "x-guichet-attempt"

// ReasonHeader says why a message was dead-lettered.
const ReasonHeader = "x-guichet-dead-reason"

// Consumer consumes a topology's queue with a pool of workers.
type Consumer struct {
	URL      string
	Topology Topology
	Handler  Handler
	Workers  int // messages handled at once (and the prefetch)
	Log      *slog.Logger
}

// Run consumes until ctx ends, reconnecting with backoff when the
// connection is lost. Messages being handled when ctx ends are finished
// and acknowledged; unacknowledged ones go back to the queue.
func (c *Consumer) Run(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for {
		started := time.Now()
		err := c.consume(ctx)
		if ctx.Err() != nil {
			return
		}
		if time.Since(started) > 10*time.Second {
			backoff = 100 * time.Millisecond
		}
		c.Log.Warn("confirmation consumer disconnected", "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// consume runs one connection's life.
func (c *Consumer) consume(ctx context.Context) error {
	conn, err := dial(c.URL)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	if err := c.Topology.declare(conn.Channel); err != nil {
		return err
	}
	// Retries and dead letters go out through a client of their own, with
	// publisher confirms, before the delivery is acknowledged.
	out := NewClient(c.URL, c.Topology, c.Log)
	defer func() { _ = out.Close() }()
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("open consuming channel: %w", err)
	}
	workers := max(c.Workers, 1)
	if err := ch.Qos(workers, 0, false); err != nil {
		return fmt.Errorf("set prefetch: %w", err)
	}
	deliveries, err := ch.ConsumeWithContext(ctx, c.Topology.Queue, "", false, false, false, false, nil)
	if err != nil {
		return fmt.Errorf("consume %s: %w", c.Topology.Queue, err)
	}
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for d := range deliveries {
				c.deliver(out, d)
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if e, ok := <-closed; ok && e != nil {
		return e
	}
	return errors.New("delivery channel closed")
}

// deliver hands one delivery to the handler and settles it. Its context is
// not the consumer's: a message being handled at shutdown is finished.
func (c *Consumer) deliver(out *Client, d amqp.Delivery) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	attempt := attemptOf(d.Headers)
	try := Try{Attempt: attempt, Final: attempt >= len(c.Topology.Retry)}
	if !try.Final {
		try.Next = c.Topology.Retry[attempt]
	}
	outcome, reason := Dead, "undecodable cloudevent"
	if e, err := ToEvent(ctx, d.Headers, d.ContentType, d.Body); err != nil {
		c.Log.Warn("dead-lettering an undecodable message", "message_id", d.MessageId, "err", err)
	} else {
		outcome = c.Handler(ctx, e, try)
		reason = "permanent failure"
		if outcome == Retry && try.Final {
			outcome, reason = Dead, fmt.Sprintf("gave up after %d tries", attempt+1)
		}
	}
	var err error
	switch outcome {
	case Retry:
		err = out.publish(ctx, "", c.Topology.RetryQueue(attempt+1), republish(d, AttemptHeader, int32(attempt+1)))
	case Dead:
		err = out.publish(ctx, "", c.Topology.DeadQueue(), republish(d, ReasonHeader, reason))
	}
	if err != nil {
		c.Log.Error("could not move a message; it goes back to the queue", "message_id", d.MessageId, "err", err)
		_ = d.Nack(false, true)
		return
	}
	_ = d.Ack(false)
}

// attemptOf reads the retry count a message carries.
func attemptOf(h amqp.Table) int {
	switch v := h[AttemptHeader].(type) {
	case int32:
		return int(v)
	case int64:
		return int(v)
	case int:
		return v
	}
	return 0
}

// republish copies a delivery into a new persistent message with one
// header set.
func republish(d amqp.Delivery, key string, value any) amqp.Publishing {
	h := amqp.Table{}
	for k, v := range d.Headers {
		if k != "x-death" {
			h[k] = v
		}
	}
	h[key] = value
	return amqp.Publishing{
		Headers: h, ContentType: d.ContentType, Body: d.Body, MessageId: d.MessageId,
		DeliveryMode: amqp.Persistent, Timestamp: time.Now(),
	}
}

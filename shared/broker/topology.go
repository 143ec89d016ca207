package broker

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Topology names the exchange and queues of one consumer group:
//
//	Exchange (topic, durable) --RoutingKey--> Queue (quorum, durable)
//	a failed try: the message goes to Queue.retry.<n>, a durable queue whose
//	  x-message-ttl is Retry[n-1]; it dead-letters back into Queue
//	after len(Retry) retries, or on a permanent failure: Queue.dead
type Topology struct {
	Exchange   string
	RoutingKey string
	Queue      string
	Retry      []time.Duration // the delay before each retry
}

// RetryQueue returns the name of the delay queue of retry n (1-based).
func (t Topology) RetryQueue(n int) string { return t.Queue + ".retry." + strconv.Itoa(n) }

// DeadQueue returns the name of the dead-letter queue.
func (t Topology) DeadQueue() string { return t.Queue + ".dead" }

// errNotQuorum tells a broker that refuses quorum queues (a single-node
// broker before 3.8, or a queue that exists as classic already).
var errNotQuorum = errors.New("quorum queue refused")

// declare creates the topology; declaring what exists with the same
// arguments is a no-op, so every process does it at start-up. Work and dead
// queues are quorum queues where the broker has them; a refusal closes the
// channel, so declare takes a function that opens a fresh one.
func (t Topology) declare(open func() (*amqp.Channel, error)) error {
	ch, err := open()
	if err != nil {
		return err
	}
	defer func() { _ = ch.Close() }()
	if err := ch.ExchangeDeclare(t.Exchange, amqp.ExchangeTopic, true, false, false, false, nil); err != nil {
		return fmt.Errorf("declare exchange %s: %w", t.Exchange, err)
	}
	for _, q := range []string{t.Queue, t.DeadQueue()} {
		if ch, err = t.declareDurable(open, ch, q); err != nil {
			return err
		}
	}
	for i, d := range t.Retry {
		args := amqp.Table{
			"x-message-ttl":             d.Milliseconds(),
			"x-dead-letter-exchange":    "",
			"x-dead-letter-routing-key": t.Queue,
		}
		if _, err := ch.QueueDeclare(t.RetryQueue(i+1), true, false, false, false, args); err != nil {
			return fmt.Errorf("declare retry queue %s: %w", t.RetryQueue(i+1), err)
		}
	}
	if err := ch.QueueBind(t.Queue, t.RoutingKey, t.Exchange, false, nil); err != nil {
		return fmt.Errorf("bind %s to %s: %w", t.Queue, t.Exchange, err)
	}
	return nil
}

// declareDurable declares queue q as a quorum queue, or as a classic durable
// queue when the broker refuses quorum. It returns the channel to go on with.
func (t Topology) declareDurable(open func() (*amqp.Channel, error), ch *amqp.Channel, q string) (*amqp.Channel, error) {
	_, err := ch.QueueDeclare(q, true, false, false, false, amqp.Table{"x-queue-type": "quorum"})
	if err == nil {
		return ch, nil
	}
	var ae *amqp.Error
	if !errors.As(err, &ae) || (ae.Code != amqp.PreconditionFailed && ae.Code != amqp.NotImplemented && ae.Code != amqp.CommandInvalid) {
		return ch, fmt.Errorf("declare queue %s: %w", q, err)
	}
	// The refusal closed the channel: open another for the classic queue.
	if ch, err = open(); err != nil {
		return nil, err
	}
	if _, err := ch.QueueDeclare(q, true, false, false, false, nil); err != nil {
		return ch, fmt.Errorf("declare queue %s (%w): %w", q, errNotQuorum, err)
	}
	return ch, nil
}

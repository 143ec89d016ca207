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

// Client is one AMQP connection with a publishing channel in confirm mode.
// It connects on first use and again after the connection is lost; while
// the broker is unreachable it fails fast rather than dialling on every
// call.
type Client struct {
	url  string
	topo Topology
	log  *slog.Logger

	mu        sync.Mutex
	conn      *amqp.Connection
	ch        *amqp.Channel
	downUntil time.Time
}

// redialAfter is how long a failed dial is remembered.
const redialAfter = time.Second

// confirmTimeout bounds the wait for the broker's publisher confirm.
const confirmTimeout = 5 * time.Second

// NewClient returns a client of the broker at url that declares topo on
// every (re)connection. It does not connect yet.
func NewClient(url string, topo Topology, log *slog.Logger) *Client {
	return &Client{url: url, topo: topo, log: log}
}

// ErrUnreachable reports that the broker could not be reached.
var ErrUnreachable = errors.New("message broker unreachable")

// channel returns the publishing channel, connecting when needed.
func (c *Client) channel() (*amqp.Channel, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil && !c.conn.IsClosed() && c.ch != nil && !c.ch.IsClosed() {
		return c.ch, nil
	}
	c.closeLocked()
	if time.Now().Before(c.downUntil) {
		return nil, ErrUnreachable
	}
	conn, err := dial(c.url)
	if err != nil {
		c.downUntil = time.Now().Add(redialAfter)
		return nil, fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	if err := c.topo.declare(conn.Channel); err != nil {
		_ = conn.Close()
		c.downUntil = time.Now().Add(redialAfter)
		return nil, err
	}
	ch, err := conn.Channel()
	if err == nil {
		err = ch.Confirm(false)
	}
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("open publishing channel: %w", err)
	}
	c.conn, c.ch = conn, ch
	return ch, nil
}

func dial(url string) (*amqp.Connection, error) {
	return amqp.DialConfig(url, amqp.Config{
		Heartbeat:  10 * time.Second,
		Locale:     "en_US",
		Dial:       amqp.DefaultDial(3 * time.Second),
		Properties: amqp.Table{"connection_name": "guichet"},
	})
}

// reset drops a connection that failed, so the next call reconnects.
func (c *Client) reset(ch *amqp.Channel) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch == ch {
		c.closeLocked()
	}
}

func (c *Client) closeLocked() {
	if c.conn != nil {
		_ = c.conn.Close()
	}
	c.conn, c.ch = nil, nil
}

// Publish sends e to the topology's exchange and routing key and returns
// once the broker has confirmed it: a nil error means the broker holds the
// message durably.
func (c *Client) Publish(ctx context.Context, e *cloudevents.Event) error {
	p, err := ToPublishing(ctx, e)
	if err != nil {
		return err
	}
	return c.publish(ctx, c.topo.Exchange, c.topo.RoutingKey, p)
}

// publish sends p and waits for the broker's confirm.
func (c *Client) publish(ctx context.Context, exchange, key string, p amqp.Publishing) error {
	ch, err := c.channel()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, confirmTimeout)
	defer cancel()
	dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, exchange, key, false, false, p)
	if err != nil {
		c.reset(ch)
		return fmt.Errorf("publish to %s: %w", exchange+"/"+key, err)
	}
	acked, err := dc.WaitContext(ctx)
	if err != nil {
		c.reset(ch)
		return fmt.Errorf("publish to %s: no confirm: %w", exchange+"/"+key, err)
	}
	if !acked {
		return fmt.Errorf("publish to %s: broker refused the message", exchange+"/"+key)
	}
	return nil
}

// Ping connects if needed and reports whether the broker is reachable.
func (c *Client) Ping(context.Context) error {
	_, err := c.channel()
	return err
}

// Close closes the connection.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeLocked()
	return nil
}

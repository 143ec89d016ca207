package confirm

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"guichet.dev/shared/broker"
	"guichet.dev/shared/config"
	"guichet.dev/shared/fault"
	"guichet.dev/shared/store"
	"guichet.dev/shared/ticket"
)

// DefaultRetry is the delay before each retry of a transient failure;
// after the last, the purchase is marked failed and dead-lettered.
var DefaultRetry = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute}

// Topology returns the broker topology of confirmations, its names
// prefixed by prefix ("guichet" in production).
func Topology(prefix string, retry []time.Duration) broker.Topology {
	return broker.Topology{Exchange: prefix, RoutingKey: "ticket.purchased", Queue: prefix + ".purchase-confirm", Retry: retry}
}

// Options tune a Pipeline; the zero value is production's.
type Options struct {
	Topology   broker.Topology // zero: Topology("guichet", DefaultRetry)
	Workers    int             // confirmations sent at once (default 4)
	LocalQueue int             // room in the in-process channel (default 65536)
	SweepEvery time.Duration   // default 15 s; negative: no sweep loop
}

// Pipeline is the confirmation side of a guichet serve process: a
// publisher for the purchase function, the consumer (of RabbitMQ when
// AMQP_URL is set, else of the in-process channel) that confirms, and the
// outbox sweep.
type Pipeline struct {
	Publisher ticket.Publisher
	Service   *Service
	client    *broker.Client
	cancel    context.CancelFunc
	wg        sync.WaitGroup
}

// Start builds the pipeline cfg describes and starts its loops; they run
// until Close or until ctx ends.
func Start(ctx context.Context, cfg config.Config, st *store.Store, log *slog.Logger, o Options) (*Pipeline, error) {
	if o.Topology.Exchange == "" {
		o.Topology = Topology("guichet", DefaultRetry)
	}
	if o.Workers == 0 {
		o.Workers = 4
	}
	if o.LocalQueue == 0 {
		o.LocalQueue = 1 << 16
	}
	if o.SweepEvery == 0 {
		o.SweepEvery = 15 * time.Second
	}
	svc, err := New(cfg, st, log)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	p := &Pipeline{Service: svc, cancel: cancel}
	if cfg.AMQPURL != "" {
		p.client = broker.NewClient(cfg.AMQPURL, o.Topology, log)
		if err := p.client.Ping(ctx); err != nil {
			log.Warn("message broker unreachable at start-up; purchases stay pending until it is back", "err", err)
		}
		p.Publisher = Broker{Client: p.client}
		c := &broker.Consumer{URL: cfg.AMQPURL, Topology: o.Topology, Handler: svc.BrokerHandler(), Workers: o.Workers, Log: log}
		p.wg.Go(func() { c.Run(ctx) })
	} else {
		local := NewLocal(svc, o.LocalQueue, o.Topology.Retry)
		p.Publisher = local
		p.wg.Go(func() { local.Run(ctx, o.Workers) })
	}
	if o.SweepEvery > 0 {
		p.wg.Go(func() { Sweep(ctx, st, p.Publisher, log, o.SweepEvery, PendingAfter) })
	}
	return p, nil
}

// Ready reports whether the broker answers (always ready without one).
func (p *Pipeline) Ready(ctx context.Context) error {
	if p.client == nil {
		return nil
	}
	if err := p.client.Ping(ctx); err != nil {
		return &fault.Error{Code: fault.Unavailable, RetryAfter: time.Second, Err: err}
	}
	return nil
}

// Close stops the loops, letting messages being sent finish.
func (p *Pipeline) Close() {
	p.cancel()
	p.wg.Wait()
	if p.client != nil {
		_ = p.client.Close()
	}
}

package confirm

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"guichet.dev/shared/store"
	"guichet.dev/shared/ticket"
)

// PendingAfter is how old a purchase still pending must be before the
// sweep publishes it again: long enough for a healthy pipeline to have
// confirmed it (an on-sale's backlog included), short enough that a lost
// event is noticed within a minute. Each sweep reads the pending tickets,
// which on the embedded FerretDB means reading every ticket: it runs every
// 15 s (Options.SweepEvery), not more often.
const PendingAfter = 30 * time.Second

// sweepBatch bounds one sweep round, and so the duplicates a round adds
// when a backlog (rather than a loss) is what keeps purchases pending.
const sweepBatch = 500

// RepublishPending publishes again the purchases whose tickets are still
// pending olderThan after their sale and that no sender holds: the tickets
// collection is the outbox. It returns how many it published; it stops at
// the first publish that fails (the broker is down: the next round tries
// again). The purchase's language is left to the buyer's; its tickets
// are named by uuid only (the confirmation reads them from the store).
func RepublishPending(ctx context.Context, st *store.Store, pub ticket.Publisher, olderThan time.Duration) (int, error) {
	now := time.Now()
	pending, err := st.PendingPurchases(ctx, now.Add(-olderThan), now, sweepBatch)
	if err != nil {
		return 0, err
	}
	for i, p := range pending {
		pur := ticket.Purchase{ID: p.ID, EventID: p.EventID, BuyerID: p.BuyerID, Channel: p.Channel}
		for _, id := range p.TicketIDs {
			pur.Tickets = append(pur.Tickets, ticket.Ticket{UUID: id})
		}
		err := pub.Publish(ctx, pur)
		if err != nil {
			return i, fmt.Errorf("republish purchase %s: %w", p.ID, err)
		}
	}
	return len(pending), nil
}

// Sweep runs RepublishPending every interval until ctx ends. A round
// first waits, at most an interval, while buyers crowd the database's one
// writer (store.YieldToPurchases): on the embedded SQLite it reads every
// ticket (10 000 after a 10 000-seat on-sale: about 0.2 s of CPU, while
// the on-sale's buyers, 64 of them, used about 1.2 s of CPU a second).
func Sweep(ctx context.Context, st *store.Store, pub ticket.Publisher, log *slog.Logger, every, olderThan time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if st.YieldToPurchases(ctx, every) != nil {
			return
		}
		n, err := RepublishPending(ctx, st, pub, olderThan)
		if err != nil && ctx.Err() == nil {
			log.Warn("confirmation sweep", "republished", n, "err", err)
		} else if n > 0 {
			log.Info("confirmation sweep", "republished", n)
		}
	}
}

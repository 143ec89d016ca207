package ticket

import (
	"context"
	"errors"
	"sync"
	"time"

	"guichet.dev/shared/fault"
)

// sweepPage is how many stale claims one sweep round reads.
const sweepPage = 2000

// SweepResult counts what a sweep did.
type SweepResult struct {
	Released  int `json:"released"`  // attempts whose seats were returned: purchases abandoned, repeats that lost
	Completed int `json:"completed"` // sold purchases whose claims were settled (tickets written if missing)
}

// Sweep settles the attempts whose claims were held since before cutoff.
// For each, it inserts the outcome "abandoned" for the attempt's purchase:
// if that insert wins, the purchase never decided "sold" and never will
// (its own insert now fails), so the claims are deleted and the seats sell
// again. If the purchase had decided "sold" by this attempt, the sweep
// writes any ticket the attempt did not (the outcome carries them) and
// marks its claims sold; the claims of its other attempts (repeats of an
// Idempotency-Key that lost) are deleted. Sweeps running in several
// processes at once agree, since they race on the same keys.
func Sweep(ctx context.Context, st Store, cutoff time.Time) (SweepResult, error) {
	var res SweepResult
	for {
		claims, err := st.StaleClaims(ctx, cutoff, sweepPage)
		if err != nil {
			return res, err
		}
		attempts := map[string]Claim{} // one claim of each attempt
		for _, c := range claims {
			attempts[c.Attempt] = c
		}
		var drop, sold []string
		var mu sync.Mutex
		var firstErr error
		var wg sync.WaitGroup
		sem := make(chan struct{}, 16)
		for id, c := range attempts {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				dropIt, err := settle(ctx, st, c)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err != nil:
					if firstErr == nil {
						firstErr = err
					}
				case dropIt:
					drop = append(drop, id)
				default:
					sold = append(sold, id)
				}
			}()
		}
		wg.Wait()
		if firstErr != nil {
			return res, firstErr
		}
		if err := st.DropHeldClaims(ctx, drop); err != nil {
			return res, err
		}
		if err := st.MarkClaimsSold(ctx, sold); err != nil {
			return res, err
		}
		res.Released += len(drop)
		res.Completed += len(sold)
		if len(claims) < sweepPage {
			return res, nil
		}
	}
}

// settle decides the stale attempt that made claim c: dropIt when its
// seats go back. It reads the decision first: after an on-sale nearly every stale claim
// belongs to a purchase that sold (claims stay held until a sweep), and an
// insert that fails on the existing key costs more than the read (and the
// PostgreSQL backend logs each such failure as an error).
func settle(ctx context.Context, st Store, c Claim) (dropIt bool, err error) {
	out, err := st.OutcomeOf(ctx, c.PurchaseID)
	if fe, ok := fault.As(err); ok && fe.Code == fault.NotFound {
		err = st.InsertOutcome(ctx, Outcome{State: Abandoned, At: time.Now(), Purchase: Purchase{ID: c.PurchaseID, EventID: c.Event}})
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, ErrDecided) {
			return false, err
		}
		out, err = st.OutcomeOf(ctx, c.PurchaseID)
	}
	if err != nil {
		return false, err
	}
	if out.State != Sold || out.Attempt != c.Attempt {
		return true, nil
	}
	return false, writeMissing(ctx, st, out.Purchase.Tickets)
}

// writeMissing writes the tickets of a sold purchase that its process did
// not write before it stopped.
func writeMissing(ctx context.Context, st Store, ts []Ticket) error {
	ids := make([]string, len(ts))
	for i, t := range ts {
		ids[i] = t.UUID
	}
	have, err := st.TicketsByIDs(ctx, ids)
	if err != nil {
		return err
	}
	written := make(map[string]bool, len(have))
	for _, t := range have {
		written[t.UUID] = true
	}
	var missing []Ticket
	for _, t := range ts {
		if !written[t.UUID] {
			missing = append(missing, t)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return st.WriteTickets(ctx, missing)
}

// CapacityStore is what CheckCapacity reads (store.Store).
type CapacityStore interface {
	ClaimsAbove(ctx context.Context, eventID string, n int) (int, error)
}

// CheckCapacity is the event PATCH's half of lowering a capacity while
// tickets sell; the purchase's half is in Buy. The PATCH must
//  1. write the new capacity to the event, then
//  2. call CheckCapacity with it, and on fault.Conflict
//  3. put the previous capacity back (only if the event still has the new
//     one) and answer 409 conflict.
//
// Why that suffices: a purchase that issues number n inserted its claim,
// then read the event and saw capacity ≥ n. If that read came before the
// PATCH's write, the claim was stored before the PATCH's step 2 began, so
// step 2 counts it and the capacity goes back up; if the read came after,
// the purchase saw the lower capacity and gave n back. Either way no valid
// ticket is numbered above the final capacity.
func CheckCapacity(ctx context.Context, st CapacityStore, eventID string, capacity int) error {
	n, err := st.ClaimsAbove(ctx, eventID, capacity)
	if err != nil {
		return err
	}
	if n > 0 {
		return fault.With(fault.Conflict, "ticket.capacity_below_taken", "Count", n)
	}
	return nil
}

package confirm_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"guichet.dev/shared/i18n"
	"guichet.dev/shared/ticket"
)

func TestOneSenderWinsTheClaimAndOneTheTakeover(t *testing.T) {
	f := newFixture(t)
	p := f.buy(t, f.buyer(t, i18n.EN, ""), ticket.Email, 1)
	ctx := context.Background()
	race := func(try func() (bool, error)) int {
		var mu sync.Mutex
		var wg sync.WaitGroup
		wins := 0
		for range 16 {
			wg.Go(func() {
				won, err := try()
				if err != nil {
					t.Error(err)
				}
				if won {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return wins
	}
	past := time.Now().Add(-time.Second)
	if wins := race(func() (bool, error) { return f.env.Store.ClaimConfirmation(ctx, p.ID, past) }); wins != 1 {
		t.Fatalf("%d senders claimed the purchase", wins)
	}
	rec, err := f.env.Store.ConfirmationByPurchase(ctx, p.ID)
	if err != nil || rec.Generation != 1 || rec.Status != ticket.Pending {
		t.Fatalf("record %+v: %v", rec, err)
	}
	until := time.Now().Add(time.Minute)
	if wins := race(func() (bool, error) { return f.env.Store.TakeOverConfirmation(ctx, p.ID, 2, until) }); wins != 1 {
		t.Fatalf("%d senders took the expired lease over", wins)
	}
	rec, err = f.env.Store.ConfirmationByPurchase(ctx, p.ID)
	if err != nil || rec.Generation != 2 || rec.LeaseUntil.Before(time.Now()) {
		t.Fatalf("record after takeover %+v: %v", rec, err)
	}
	// A live lease keeps the purchase out of the sweep.
	pending, err := f.env.Store.PendingPurchases(ctx, time.Now().Add(time.Hour), time.Now(), 10)
	if err != nil || len(pending) != 0 {
		t.Fatalf("sweep sees %v: %v", pending, err)
	}
}

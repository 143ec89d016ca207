package main

import (
	"context"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"guichet.dev/shared/ticket"
	"guichet.dev/shared/user"
)

// TestTicketBenchSellOut sells out an event at 64 concurrent buyers against
// guichet serve and reports the figures of issue 4 (opt-in: GUICHET_BENCH=1;
// GUICHET_BENCH_SEATS, default 10000). It asserts the invariant only, never
// a time.
func TestTicketBenchSellOut(t *testing.T) {
	if os.Getenv("GUICHET_BENCH") != "1" {
		t.Skip("set GUICHET_BENCH=1 to run the on-sale benchmark")
	}
	seats := 10000
	if v, err := strconv.Atoi(os.Getenv("GUICHET_BENCH_SEATS")); err == nil && v > 0 {
		seats = v
	}
	const buyers = 64
	s := startServer(t, nil)
	org, _ := s.user(user.Organizer)
	ev := newEvent(t, s.Env, org.ID, seats)
	tokens := make([]string, buyers)
	for i := range tokens {
		_, tokens[i] = s.user(user.Customer)
	}
	s.client.Transport = &http.Transport{MaxIdleConnsPerHost: buyers, MaxConnsPerHost: buyers}

	// The raw single-insert rate of the same store, at the same concurrency.
	raw := insertRate(t, s, buyers, 2*time.Second)

	var mu sync.Mutex
	var lat []time.Duration
	var sold []ticket.Ticket
	var failed atomic.Int64
	var lastSale time.Duration // after start
	start := time.Now()
	var wg sync.WaitGroup
	for i := range buyers {
		wg.Go(func() {
			var mine []time.Duration
			var got []ticket.Ticket
			var last time.Duration
			for {
				t0 := time.Now()
				a := s.buy(tokens[i], ev.ID, nil, "")
				mine = append(mine, time.Since(t0))
				if a.Status != http.StatusCreated {
					if a.Code != "sold_out" && failed.Add(1) <= 3 {
						t.Logf("purchase answered %d %q", a.Status, a.Code)
					}
					break
				}
				got = append(got, a.Tickets...)
				last = time.Since(start)
			}
			mu.Lock()
			lat = append(lat, mine...)
			lastSale = max(lastSale, last)
			sold = append(sold, got...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(lat) == 0 {
		t.Fatal("no purchase answered")
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[int(float64(len(lat)-1)*p)] }
	numbers := map[int]bool{}
	dups := 0
	for _, tk := range sold {
		if numbers[tk.Number] {
			dups++
		}
		numbers[tk.Number] = true
	}
	soldOut := lastSale
	rate := float64(len(sold)) / soldOut.Seconds()
	t.Logf("sold %d of %d seats in %v (every buyer told sold_out after %v): %.0f tickets/s; purchase p50 %v p99 %v; oversold %d; duplicate numbers %d; other failures %d",
		len(sold), seats, soldOut.Round(time.Millisecond), elapsed.Round(time.Millisecond), rate, pct(0.5).Round(100*time.Microsecond),
		pct(0.99).Round(100*time.Microsecond), max(0, len(sold)-seats), dups, failed.Load())
	t.Logf("raw single-insert rate %.0f docs/s at %d goroutines; ratio tickets/s ÷ raw = %.2f", raw, buyers, rate/raw)
	checkSeats(t, s.Env, ev.ID, seats, sold)
	if len(sold) != seats {
		t.Errorf("sold %d of %d", len(sold), seats)
	}
}

// insertRate measures single-document inserts per second into a scratch
// collection at n goroutines for d.
func insertRate(t *testing.T, s *testServer, n int, d time.Duration) float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var count atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range n {
		wg.Go(func() {
			for ctx.Err() == nil {
				if err := s.Env.Store.InsertProbe(ctx, "bench"); err == nil {
					count.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return float64(count.Load()) / time.Since(start).Seconds()
}

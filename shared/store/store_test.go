package store_test

import (
	"context"
	"runtime"
	"slices"
	"testing"
	"time"

	"guichet.dev/shared/store"
	"guichet.dev/shared/testenv"
	"guichet.dev/shared/ticket"
)

// openStore opens a Store on the test's database, closed when the test
// ends.
func openStore(t testing.TB, uri, name string, o store.Options) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), uri, name, o)
	if err != nil {
		t.Fatalf("open store (%+v): %v", o, err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

func TestOpenIsIdempotent(t *testing.T) {
	uri, name := testenv.MongoURI(t), testenv.DatabaseName(t)
	for i := 0; i < 2; i++ {
		s, err := store.Open(context.Background(), uri, name, store.Options{})
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		_ = s.Close(context.Background())
	}
}

// TestTakenNumbers checks the gap scan's read: every claim of the event,
// whether or not they fit the one reply sized to its capacity, and no
// allocation out of proportion to the event. The embedded FerretDB runs
// in this process, so its allocations count here: a batch size left
// unbounded once made it reserve 16 GiB for every scan.
func TestTakenNumbers(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, testenv.MongoURI(t), testenv.DatabaseName(t), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(ctx) })
	claims := make([]ticket.Claim, 30)
	for i := range claims {
		claims[i] = ticket.Claim{Event: "e1", Number: i + 1, PurchaseID: "p1", At: time.Now()}
	}
	errs, _, err := s.InsertClaims(ctx, append(claims, ticket.Claim{Event: "e2", Number: 1, PurchaseID: "p2", At: time.Now()}))
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range errs {
		if e != nil {
			t.Fatalf("claim %d: %v", i, e)
		}
	}
	for _, capacity := range []int{50, 10} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		ns, err := s.TakenNumbers(ctx, "e1", capacity)
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(ns)
		if len(ns) != len(claims) || ns[0] != 1 || ns[len(ns)-1] != len(claims) {
			t.Errorf("capacity %d: taken %v, want 1..%d", capacity, ns, len(claims))
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
			t.Errorf("capacity %d: reading %d claims allocated %d MiB", capacity, len(claims), alloc>>20)
		}
	}
}

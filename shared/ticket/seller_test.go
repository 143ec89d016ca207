package ticket_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"guichet.dev/shared/event"
	"guichet.dev/shared/fault"
	"guichet.dev/shared/store"
	"guichet.dev/shared/testenv"
	"guichet.dev/shared/ticket"
	"guichet.dev/shared/user"
)

// onSale opens the test database with an event of capacity seats on sale,
// and a ticket signer.
func onSale(t *testing.T, capacity int) (*store.Store, *event.Event, *ticket.Signer) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, testenv.MongoURI(t), testenv.DatabaseName(t), testenv.StoreOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	now := time.Now().UTC()
	ev := &event.Event{ID: store.NewID(), Title: "Village hall", Description: "d", Address: "a",
		Date: now.Add(24 * time.Hour), TicketCapacity: capacity, Currency: "EUR", Status: event.Scheduled,
		OrganizerID: store.NewID(), CreatedAt: now, UpdatedAt: now}
	if err := st.InsertEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return st, ev, ticket.NewSigner(key)
}

// customer is buyer i of a test.
func customer(i int) *user.User {
	return &user.User{ID: fmt.Sprintf("6b1024b9cd35a2578ef9%04d", i), Role: user.Customer}
}

// scanCounter is the test's store, counting the gap scans.
type scanCounter struct {
	ticket.Store
	scans atomic.Int64
}

func (c *scanCounter) TakenNumbers(ctx context.Context, eventID string, capacity int) ([]int, error) {
	c.scans.Add(1)
	return c.Store.TakenNumbers(ctx, eventID, capacity)
}

// TestSoldOutAfterThisProcessSoldEverySeatNeedsNoScan: once the process
// has sold every seat, later buyers are answered sold_out at once, without
// the gap scan (on FerretDB's SQLite a read of every claim: 0.7 s at
// 10 000 seats) that an answer otherwise waits for.
func TestSoldOutAfterThisProcessSoldEverySeatNeedsNoScan(t *testing.T) {
	ctx := context.Background()
	st, ev, signer := onSale(t, 30)
	counted := &scanCounter{Store: st}
	seller := ticket.NewSeller(counted, signer, nil, testenv.Logger(t))
	buy := func(i int) error {
		_, err := seller.Buy(ctx, ticket.Order{EventID: ev.ID, Buyer: customer(i)})
		return err
	}
	var sold atomic.Int64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := g; ; i += 8 {
				err := buy(i)
				if fe, ok := fault.As(err); ok && fe.Code == fault.SoldOut {
					return
				}
				if err != nil {
					t.Errorf("buy: %v", err)
					return
				}
				sold.Add(1)
			}
		})
	}
	wg.Wait()
	if sold.Load() != 30 {
		t.Fatalf("sold %d tickets of 30", sold.Load())
	}
	before := counted.scans.Load()
	for i := range 20 {
		if fe, ok := fault.As(buy(1000 + i)); !ok || fe.Code != fault.SoldOut {
			t.Fatalf("buy after the sell-out: %v, want sold_out", fe)
		}
	}
	if n := counted.scans.Load() - before; n != 0 {
		t.Errorf("%d gap scans for 20 buyers after this process sold every seat, want none", n)
	}
}

// TestProcessJoiningAFilledEventFindsItsSeats: a process started after
// others sold most seats (a replica added, or restarted, during the
// on-sale) knows nothing of them; its buyers still get seats in a few
// rounds rather than answer unavailable after probing taken ones.
func TestProcessJoiningAFilledEventFindsItsSeats(t *testing.T) {
	ctx := context.Background()
	st, ev, signer := onSale(t, 2000)
	first := ticket.NewSeller(st, signer, nil, testenv.Logger(t))
	ten := 10
	for i := range 150 {
		if _, err := first.Buy(ctx, ticket.Order{EventID: ev.ID, Buyer: customer(i), Quantity: &ten}); err != nil {
			t.Fatalf("sale %d: %v", i, err)
		}
	}
	joined := ticket.NewSeller(st, signer, nil, testenv.Logger(t))
	for i := range 20 {
		if _, err := joined.Buy(ctx, ticket.Order{EventID: ev.ID, Buyer: customer(1000 + i), Quantity: &ten}); err != nil {
			t.Fatalf("sale %d by the process that joined: %v", i, err)
		}
	}
}

// gatedSales is the test's store: every Sell waits for the gate, and then
// fails (ErrDecided, as if the sweep had decided first) for the purchases
// of a buyer in fail.
type gatedSales struct {
	*scanCounter
	gate chan struct{}
	fail map[string]bool
}

func (g *gatedSales) Sell(ctx context.Context, o ticket.Outcome) error {
	<-g.gate
	if g.fail[o.Purchase.BuyerID] {
		return ticket.ErrDecided
	}
	return g.scanCounter.Sell(ctx, o)
}

// TestSoldOutWhileThisProcessHoldsTheLastSeatsNeedsNoScan: while purchases
// of this process hold the last seats, deciding, a buyer is answered
// sold_out at once and without a gap scan (one begun then would read every
// seat claimed); a held seat given back sells again.
func TestSoldOutWhileThisProcessHoldsTheLastSeatsNeedsNoScan(t *testing.T) {
	ctx := context.Background()
	st, ev, signer := onSale(t, 12)
	g := &gatedSales{scanCounter: &scanCounter{Store: st}, gate: make(chan struct{}), fail: map[string]bool{}}
	seller := ticket.NewSeller(g, signer, nil, testenv.Logger(t))
	g.fail[customer(2).ID] = true
	three := 3
	var wg sync.WaitGroup
	results := make([]error, 4)
	for i := range 4 {
		wg.Go(func() {
			_, results[i] = seller.Buy(ctx, ticket.Order{EventID: ev.ID, Buyer: customer(i), Quantity: &three})
		})
	}
	for held := 0; held < 12; time.Sleep(time.Millisecond) {
		got, err := st.TakenNumbers(ctx, ev.ID, 12)
		if err != nil {
			t.Fatal(err)
		}
		held = len(got)
	}
	_, err := seller.Buy(ctx, ticket.Order{EventID: ev.ID, Buyer: customer(10)})
	if fe, ok := fault.As(err); !ok || fe.Code != fault.SoldOut {
		t.Fatalf("buy while every seat is held here: %v, want sold_out", err)
	}
	if n := g.scans.Load(); n != 0 {
		t.Errorf("%d gap scans to answer while every seat was held here, want none", n)
	}
	close(g.gate)
	wg.Wait()
	for i, err := range results {
		if want := i != 2; (err == nil) != want {
			t.Errorf("held purchase %d: %v", i, err)
		}
	}
	for i := range 3 {
		if _, err := seller.Buy(ctx, ticket.Order{EventID: ev.ID, Buyer: customer(20 + i)}); err != nil {
			t.Errorf("buy a seat given back: %v", err)
		}
	}
	_, err = seller.Buy(ctx, ticket.Order{EventID: ev.ID, Buyer: customer(30)})
	if fe, ok := fault.As(err); !ok || fe.Code != fault.SoldOut {
		t.Errorf("buy after the seats given back sold: %v, want sold_out", err)
	}
}

// batchedClaims is the test's store: once armed, the claims of n buyers
// come back together, all stored by one time, as those of one
// group-committed batch do; it counts the event reads.
type batchedClaims struct {
	ticket.Store
	reads atomic.Int64

	mu      sync.Mutex
	n       int // 0: not armed
	arrived int
	stored  time.Time
	all     chan struct{} // closed once n buyers' claims are stored
}

func (b *batchedClaims) arm(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n, b.all = n, make(chan struct{})
}

func (b *batchedClaims) InsertClaims(ctx context.Context, cs []ticket.Claim) ([]error, time.Time, error) {
	errs, stored, err := b.Store.InsertClaims(ctx, cs)
	b.mu.Lock()
	if b.n == 0 {
		b.mu.Unlock()
		return errs, stored, err
	}
	if b.arrived++; b.arrived == b.n {
		b.stored = time.Now()
		close(b.all)
	}
	all := b.all
	b.mu.Unlock()
	<-all
	return errs, b.stored, err
}

func (b *batchedClaims) EventByID(ctx context.Context, id string) (*event.Event, error) {
	b.reads.Add(1)
	return b.Store.EventByID(ctx, id)
}

// TestBuyersOfOneClaimBatchShareOneEventRead: after claiming, a purchase
// reads the event again, in a read begun after its claims were stored (the
// capacity check, see CheckCapacity). Buyers whose claims were stored in
// one batch share one such read; reading from the moment each buyer
// resumed instead sent most of them to a second read queued behind the
// first.
func TestBuyersOfOneClaimBatchShareOneEventRead(t *testing.T) {
	ctx := context.Background()
	st, ev, signer := onSale(t, 100)
	b := &batchedClaims{Store: st}
	seller := ticket.NewSeller(b, signer, nil, testenv.Logger(t))
	buy := func(i int) error {
		_, err := seller.Buy(ctx, ticket.Order{EventID: ev.ID, Buyer: customer(i)})
		return err
	}
	// A first sale fills the process's copy of the event: the 16 buyers
	// then read it only after claiming.
	if err := buy(0); err != nil {
		t.Fatal(err)
	}
	b.arm(16)
	before := b.reads.Load()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			if err := buy(1 + i); err != nil {
				t.Errorf("buy: %v", err)
			}
		})
	}
	wg.Wait()
	if n := b.reads.Load() - before; n != 1 {
		t.Errorf("%d event reads after 16 buyers' claims were stored together, want 1", n)
	}
}

// TestTicketsAreNumberedByTheTimeOfTheirSale: ticket and purchase uuids are
// version 7, so that ids stored later sort later and a batch of sales adds
// to the end of the _id index rather than to a random page per document.
func TestTicketsAreNumberedByTheTimeOfTheirSale(t *testing.T) {
	ctx := context.Background()
	st, ev, signer := onSale(t, 10)
	seller := ticket.NewSeller(st, signer, nil, testenv.Logger(t))
	three := 3
	var ids []string
	for i := range 3 {
		sale, err := seller.Buy(ctx, ticket.Order{EventID: ev.ID, Buyer: customer(i), Quantity: &three})
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range sale.Tickets {
			for _, id := range []string{tk.UUID, tk.PurchaseID} {
				if u, err := uuid.Parse(id); err != nil || u.Version() != 7 {
					t.Fatalf("id %s: version %d (%v), want 7", id, u.Version(), err)
				}
			}
			ids = append(ids, tk.UUID)
		}
	}
	if !slices.IsSorted(ids) {
		t.Errorf("tickets in the order sold: %v, want their uuids sorted", ids)
	}
}

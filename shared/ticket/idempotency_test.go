package ticket_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"guichet.dev/shared/fault"
	"guichet.dev/shared/store"
	"guichet.dev/shared/testenv"
	"guichet.dev/shared/ticket"
	"guichet.dev/shared/user"
)

// keyedAnswer is one keyed purchase's answer.
type keyedAnswer struct {
	quantity int
	sale     *ticket.Sale
	err      error
}

// buyKeyed runs one purchase per quantity given, all concurrently with one
// buyer's Idempotency-Key, spread over sellers (the processes of a
// deployment, each with its own state, sharing the database).
func buyKeyed(sellers []*ticket.Seller, eventID string, buyer *user.User, key string, quantities []int) []keyedAnswer {
	answers := make([]keyedAnswer, len(quantities))
	var wg sync.WaitGroup
	for i, q := range quantities {
		wg.Go(func() {
			sale, err := sellers[i%len(sellers)].Buy(context.Background(),
				ticket.Order{EventID: eventID, Buyer: buyer, Quantity: &q, Key: key})
			answers[i] = keyedAnswer{quantity: q, sale: sale, err: err}
		})
	}
	wg.Wait()
	return answers
}

// sellers returns n Sellers of one store, as n processes would have.
func sellers(t *testing.T, st ticket.Store, signer *ticket.Signer, n int) []*ticket.Seller {
	ss := make([]*ticket.Seller, n)
	for i := range ss {
		ss[i] = ticket.NewSeller(st, signer, nil, testenv.Logger(t))
	}
	return ss
}

// taken returns the event's claimed numbers, sorted.
func taken(t *testing.T, st *store.Store, eventID string, capacity int) []int {
	t.Helper()
	ns, err := st.TakenNumbers(context.Background(), eventID, capacity)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ns)
	return ns
}

func numbers(ts []ticket.Ticket) []int {
	ns := make([]int, len(ts))
	for i, tk := range ts {
		ns[i] = tk.Number
	}
	slices.Sort(ns)
	return ns
}

// TestKeyedRepeatsAcrossProcessesSellOnce: repeats of one Idempotency-Key
// racing through four processes, some asking for another quantity: one
// sells, every repeat of its request answers its tickets, every other 422,
// and the seats the losing attempts claimed are all given back.
func TestKeyedRepeatsAcrossProcessesSellOnce(t *testing.T) {
	st, ev, signer := onSale(t, 200)
	ss := sellers(t, st, signer, 4)
	buyer := &user.User{ID: store.NewID(), Role: user.Customer}
	quantities := make([]int, 40)
	for i := range quantities {
		quantities[i] = 2 + i%3/2 // 2, 2, 3, ...
	}
	answers := buyKeyed(ss, ev.ID, buyer, "order-42", quantities)
	var sold *ticket.Sale
	for _, a := range answers {
		if a.err == nil && !a.sale.Replayed {
			if sold != nil {
				t.Fatalf("sold twice: %v and %v", numbers(sold.Tickets), numbers(a.sale.Tickets))
			}
			sold = a.sale
		}
	}
	if sold == nil {
		t.Fatal("nothing sold")
	}
	for _, a := range answers {
		switch {
		case a.quantity == len(sold.Tickets):
			if a.err != nil || fmt.Sprint(a.sale.Tickets) != fmt.Sprint(sold.Tickets) {
				t.Errorf("a repeat of the sale: %v %v, want its tickets", a.sale, a.err)
			}
		default:
			if fe, ok := fault.As(a.err); !ok || fe.Code != fault.KeyReused {
				t.Errorf("quantity %d with the key of a sale of %d: %v, want idempotency_key_reused", a.quantity, len(sold.Tickets), a.err)
			}
		}
	}
	if got, want := taken(t, st, ev.ID, 200), numbers(sold.Tickets); !slices.Equal(got, want) {
		t.Errorf("claimed numbers %v, want only the sale's %v", got, want)
	}
}

// TestKeyedRefusalIsAnsweredAgain: a keyed purchase refused sold_out is
// refused again on repeat, through any process, even once seats are free.
func TestKeyedRefusalIsAnsweredAgain(t *testing.T) {
	st, ev, signer := onSale(t, 2)
	ss := sellers(t, st, signer, 2)
	buyer := &user.User{ID: store.NewID(), Role: user.Customer}
	for i, s := range []*ticket.Seller{ss[0], ss[1], ss[0]} {
		three := 3
		_, err := s.Buy(context.Background(), ticket.Order{EventID: ev.ID, Buyer: buyer, Quantity: &three, Key: "too-many"})
		if fe, ok := fault.As(err); !ok || fe.Code != fault.SoldOut {
			t.Fatalf("attempt %d: %v, want sold_out", i, err)
		}
	}
	if got := taken(t, st, ev.ID, 2); len(got) != 0 {
		t.Errorf("claims %v left by refused purchases", got)
	}
}

// failingTickets fails the first Sell after recording its decision: a
// process that decided "sold" and lost the database before its tickets
// were written.
type failingTickets struct {
	ticket.Store
	failed atomic.Bool
}

func (f *failingTickets) Sell(ctx context.Context, o ticket.Outcome) error {
	if f.failed.CompareAndSwap(false, true) {
		if err := f.Store.InsertOutcome(ctx, o); err != nil {
			return err
		}
		return errors.New("connection reset")
	}
	return f.Store.Sell(ctx, o)
}

// TestKeyedRetryAfterAFailedSaleAnswersItsTickets: a purchase that failed
// after deciding "sold" sold its seats; its retry answers those tickets and
// sells nothing more.
func TestKeyedRetryAfterAFailedSaleAnswersItsTickets(t *testing.T) {
	st, ev, signer := onSale(t, 10)
	seller := ticket.NewSeller(&failingTickets{Store: st}, signer, nil, testenv.Logger(t))
	buyer := &user.User{ID: store.NewID(), Role: user.Customer}
	two := 2
	order := ticket.Order{EventID: ev.ID, Buyer: buyer, Quantity: &two, Key: "k1"}
	if _, err := seller.Buy(context.Background(), order); err == nil {
		t.Fatal("the purchase whose tickets failed to write answered a sale")
	}
	sale, err := seller.Buy(context.Background(), order)
	if err != nil || !sale.Replayed || len(sale.Tickets) != 2 {
		t.Fatalf("retry: %+v %v, want the 2 tickets sold, replayed", sale, err)
	}
	if got, want := taken(t, st, ev.ID, 10), numbers(sale.Tickets); !slices.Equal(got, want) {
		t.Errorf("claimed numbers %v, want only the sale's %v", got, want)
	}
}

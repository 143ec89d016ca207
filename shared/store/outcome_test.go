package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"guichet.dev/shared/i18n"
	"guichet.dev/shared/testenv"
	"guichet.dev/shared/ticket"
)

// soldPurchase is a purchase of three seats as ticket.Seller sells it.
func soldPurchase(id string) ticket.Purchase {
	p := ticket.Purchase{ID: id, EventID: "e1", BuyerID: "u1", Channel: ticket.SMS, Language: i18n.FR}
	date := time.Date(2026, 12, 2, 10, 0, 0, 123e6, time.UTC)
	for i, n := range []int{7, 12, 40} {
		p.Tickets = append(p.Tickets, ticket.Ticket{UUID: "t" + string(rune('a'+i)), Event: p.EventID, Number: n,
			Price: 2500, Currency: "EUR", Date: date, OwnerID: p.BuyerID, Status: ticket.Valid, Code: "code" + string(rune('a'+i)),
			PurchaseID: id, Confirmation: ticket.Confirmation{Channel: ticket.SMS, Status: ticket.Pending}})
	}
	return p
}

// TestOutcomeKeepsTheSoldTickets: the outcome stores what the tickets of
// a purchase share once, and gives the tickets back exactly as sold (the
// sweep writes them from it, an idempotent repeat answers them).
func TestOutcomeKeepsTheSoldTickets(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, testenv.MongoURI(t), testenv.DatabaseName(t), testenv.StoreOptions())
	p := soldPurchase("p1")
	at := p.Tickets[0].Date.Add(time.Second)
	if err := s.InsertOutcome(ctx, ticket.Outcome{State: ticket.Sold, Purchase: p, At: at}); err != nil {
		t.Fatal(err)
	}
	got, err := s.OutcomeOf(ctx, "p1")
	if err != nil {
		t.Fatal(err)
	}
	want := &ticket.Outcome{State: ticket.Sold, Purchase: p, At: at}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("outcome read back\n %+v\nwant\n %+v", got, want)
	}
	if err := s.InsertOutcome(ctx, ticket.Outcome{State: ticket.Abandoned, Purchase: ticket.Purchase{ID: "p1"}, At: at}); !errors.Is(err, ticket.ErrDecided) {
		t.Errorf("second decision: %v, want ErrDecided", err)
	}
}

// TestOutcomeRefusesTicketsItCannotKeep: tickets of one purchase that
// differ beyond their seats (a checked-in one, another price) are refused
// rather than stored as something else.
func TestOutcomeRefusesTicketsItCannotKeep(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, testenv.MongoURI(t), testenv.DatabaseName(t), testenv.StoreOptions())
	used := soldPurchase("p2")
	at := time.Now()
	used.Tickets[1].CheckedInAt = &at
	priced := soldPurchase("p3")
	priced.Tickets[2].Price = 3000
	for _, p := range []ticket.Purchase{used, priced} {
		if err := s.InsertOutcome(ctx, ticket.Outcome{State: ticket.Sold, Purchase: p, At: at}); err == nil {
			t.Errorf("%s: outcome stored", p.ID)
		}
		if _, err := s.OutcomeOf(ctx, p.ID); err == nil {
			t.Errorf("%s: outcome found after its insert was refused", p.ID)
		}
	}
}

// TestSellWritesTicketsOnlyOfRecordedDecisions sells purchases at once, in
// one batch: the tickets of one whose decision already existed are not
// written, those of the others are, and a ticket the sweep wrote already
// is no error.
func TestSellWritesTicketsOnlyOfRecordedDecisions(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, testenv.MongoURI(t), testenv.DatabaseName(t), testenv.StoreOptions())
	at := time.Now()
	swept := soldPurchase("p5")
	for i := range swept.Tickets {
		swept.Tickets[i].UUID += "5"
	}
	if err := s.WriteTickets(ctx, swept.Tickets[:1]); err != nil {
		t.Fatal(err)
	}
	if err := s.InsertOutcome(ctx, ticket.Outcome{State: ticket.Abandoned, Purchase: ticket.Purchase{ID: "p6"}, At: at}); err != nil {
		t.Fatal(err)
	}
	abandoned := soldPurchase("p6")
	for i := range abandoned.Tickets {
		abandoned.Tickets[i].UUID += "6"
	}
	sales := map[*ticket.Purchase]error{&swept: nil, &abandoned: ticket.ErrDecided}
	for i := range 8 {
		p := soldPurchase(fmt.Sprint("p", 10+i))
		for j := range p.Tickets {
			p.Tickets[j].UUID += p.ID
		}
		sales[&p] = nil
	}
	var wg sync.WaitGroup
	for p, want := range sales {
		wg.Go(func() {
			if err := s.Sell(ctx, ticket.Outcome{State: ticket.Sold, Purchase: *p, At: at}); !errors.Is(err, want) {
				t.Errorf("sell %s: %v, want %v", p.ID, err, want)
			}
		})
	}
	wg.Wait()
	for p, failed := range sales {
		uuids := make([]string, len(p.Tickets))
		for i, tk := range p.Tickets {
			uuids[i] = tk.UUID
		}
		got, err := s.TicketsByIDs(ctx, uuids)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case failed != nil && len(got) != 0:
			t.Errorf("%s, decided before: %d of its tickets written", p.ID, len(got))
		case failed == nil && !reflect.DeepEqual(sortedByNumber(got), p.Tickets):
			t.Errorf("%s: tickets written\n %+v\nwant\n %+v", p.ID, got, p.Tickets)
		}
	}
}

func sortedByNumber(ts []ticket.Ticket) []ticket.Ticket {
	slices.SortFunc(ts, func(a, b ticket.Ticket) int { return a.Number - b.Number })
	return ts
}

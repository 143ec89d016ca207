package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"guichet.dev/shared/testenv"
	"guichet.dev/shared/ticket"
)

// BenchmarkPurchaseWrites measures the writes of a purchase one at a time,
// alone and batched (claims; its outcome and tickets, which a sale writes
// in one turn; each of those alone), on the test database (embedded SQLite, or
// PostgreSQL with GUICHET_TEST_POSTGRESQL_URL): the cost of a batch and of
// each document in it, which bound the on-sale's rate through the writer.
//
//	go test ./shared/store -run '^$' -bench PurchaseWrites
func BenchmarkPurchaseWrites(b *testing.B) {
	ctx := context.Background()
	o := testenv.StoreOptions()
	o.Writers = 1 // a batch goes as soon as the writer is free: no linger
	s := openStore(b, testenv.MongoURI(b), testenv.DatabaseName(b), o)
	seat := 0
	purchase := func(n int) ticket.Purchase {
		p := soldPurchase(uuid.NewString())
		p.Channel = ticket.Email
		p.Tickets = nil
		date := time.Now().UTC().Truncate(time.Millisecond)
		for range n {
			seat++
			p.Tickets = append(p.Tickets, ticket.Ticket{UUID: uuid.NewString(), Event: p.EventID, Number: seat,
				Price: 2500, Currency: "EUR", Date: date, OwnerID: p.BuyerID,
				Status: ticket.Valid, Code: "PfWJqz3CwXtjkdbN0Ej3BKnAnUKazVv0pWGUczdBSXu0xq-0DZ2nN7GlMjp1KVwRZu1aFoEVEN3A6v29wGiHBA",
				PurchaseID: p.ID, Confirmation: ticket.Confirmation{Channel: ticket.Email, Status: ticket.Pending}})
		}
		return p
	}
	for _, n := range []int{1, 10} {
		b.Run(fmt.Sprintf("claims/%d", n), func(b *testing.B) {
			for b.Loop() {
				cs := make([]ticket.Claim, n)
				for i := range cs {
					seat++
					cs[i] = ticket.Claim{Event: "e1", Number: seat, PurchaseID: "p1", At: time.Now()}
				}
				if errs, _, err := s.InsertClaims(ctx, cs); err != nil || errs[0] != nil {
					b.Fatal(errs, err)
				}
			}
		})
		b.Run(fmt.Sprintf("outcome/%d", n), func(b *testing.B) {
			for b.Loop() {
				if err := s.InsertOutcome(ctx, ticket.Outcome{State: ticket.Sold, Purchase: purchase(n), At: time.Now()}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("sale/%d", n), func(b *testing.B) {
			for b.Loop() {
				if err := s.Sell(ctx, ticket.Outcome{State: ticket.Sold, Purchase: purchase(n), At: time.Now()}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("tickets/%d", n), func(b *testing.B) {
			for b.Loop() {
				if err := s.WriteTickets(ctx, purchase(n).Tickets); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"guichet.dev/shared/store"
	"guichet.dev/shared/testenv"
	"guichet.dev/shared/ticket"
)

// TestTicketUpdatesRacingKeepBoth checks that a check-in and the ticket's
// confirmation status, written at the same moment, both stay: FerretDB
// writes an updated document whole, so one could overwrite the other.
func TestTicketUpdatesRacingKeepBoth(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, testenv.MongoURI(t), testenv.DatabaseName(t), store.Options{})
	now := time.Now().UTC().Truncate(time.Millisecond)
	var ts []ticket.Ticket
	for n := range 40 {
		ts = append(ts, ticket.Ticket{UUID: uuid.NewString(), Event: store.NewID(), Number: n + 1, Currency: "EUR",
			Date: now, OwnerID: store.NewID(), Status: ticket.Valid, Code: "c", PurchaseID: uuid.NewString(),
			Confirmation: ticket.Confirmation{Channel: ticket.Email, Status: ticket.Pending}})
	}
	if err := s.InsertTickets(ctx, ts); err != nil {
		t.Fatal(err)
	}
	sent := ticket.Confirmation{Channel: ticket.Email, Status: ticket.Sent, SentAt: &now}
	var wg sync.WaitGroup
	for _, tk := range ts {
		wg.Go(func() {
			if err := s.SetTicketUsed(ctx, tk.UUID, now); err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() {
			if err := s.SetTicketsConfirmation(ctx, []string{tk.UUID}, sent); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	lost := 0
	for _, tk := range ts {
		got, err := s.TicketByUUID(ctx, tk.UUID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != ticket.Used || got.Confirmation.Status != ticket.Sent {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d tickets lost their check-in or their confirmation status", lost, len(ts))
	}
}

package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"guichet.dev/shared/money"
	"guichet.dev/shared/ticket"
)

type confirmationDoc struct {
	Channel string     `bson:"channel"`
	Status  string     `bson:"status"`
	SentAt  *time.Time `bson:"sentAt,omitempty"`
	Reason  string     `bson:"reason,omitempty"`
}

// ticketDoc is a sold ticket. _id is the ticket's uuid.
type ticketDoc struct {
	UUID         string          `bson:"_id"`
	Event        string          `bson:"event"`
	Number       int             `bson:"number"`
	PriceCents   int64           `bson:"priceCents"`
	Currency     string          `bson:"currency"`
	Date         time.Time       `bson:"date"`
	OwnerID      string          `bson:"ownerId"`
	Status       string          `bson:"status"`
	Code         string          `bson:"code"`
	PurchaseID   string          `bson:"purchaseId"`
	Confirmation confirmationDoc `bson:"confirmation"`
	CheckedInAt  *time.Time      `bson:"checkedInAt,omitempty"`
}

func toTicketDoc(t *ticket.Ticket) ticketDoc {
	return ticketDoc{
		UUID: t.UUID, Event: t.Event, Number: t.Number, PriceCents: int64(t.Price), Currency: t.Currency,
		Date: t.Date.UTC(), OwnerID: t.OwnerID, Status: string(t.Status), Code: t.Code, PurchaseID: t.PurchaseID,
		Confirmation: confirmationDoc{Channel: string(t.Confirmation.Channel), Status: string(t.Confirmation.Status),
			SentAt: utcPtr(t.Confirmation.SentAt), Reason: t.Confirmation.Reason},
		CheckedInAt: utcPtr(t.CheckedInAt),
	}
}

func (d ticketDoc) ticket() ticket.Ticket {
	return ticket.Ticket{
		UUID: d.UUID, Event: d.Event, Number: d.Number, Price: money.Amount(d.PriceCents), Currency: d.Currency,
		Date: d.Date.UTC(), OwnerID: d.OwnerID, Status: ticket.Status(d.Status), Code: d.Code, PurchaseID: d.PurchaseID,
		Confirmation: ticket.Confirmation{Channel: ticket.Channel(d.Confirmation.Channel),
			Status: ticket.ConfirmationStatus(d.Confirmation.Status), SentAt: utcPtr(d.Confirmation.SentAt),
			Reason: d.Confirmation.Reason},
		CheckedInAt: utcPtr(d.CheckedInAt),
	}
}

// InsertTickets stores sold tickets in one unordered batch.
func (s *Store) InsertTickets(ctx context.Context, ts []ticket.Ticket) error {
	docs := make([]any, len(ts))
	for i := range ts {
		docs[i] = toTicketDoc(&ts[i])
	}
	_, err := s.c(colTickets).InsertMany(ctx, docs)
	return wrap(err, "insert tickets")
}

// TicketsByPurchase returns the tickets a purchase issued, by number.
func (s *Store) TicketsByPurchase(ctx context.Context, purchaseID string) ([]ticket.Ticket, error) {
	cur, err := s.c(colTickets).Find(ctx, bson.D{{Key: "purchaseId", Value: purchaseID}})
	if err != nil {
		return nil, wrap(err, "find purchase tickets")
	}
	var docs []ticketDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(err, "read purchase tickets")
	}
	ts := make([]ticket.Ticket, len(docs))
	for i, d := range docs {
		ts[i] = d.ticket()
	}
	return ts, nil
}

// SetConfirmation records the confirmation outcome on every ticket of a
// purchase. Setting the same outcome twice is harmless.
func (s *Store) SetConfirmation(ctx context.Context, purchaseID string, c ticket.Confirmation) error {
	d := confirmationDoc{Channel: string(c.Channel), Status: string(c.Status), SentAt: utcPtr(c.SentAt), Reason: c.Reason}
	_, err := s.c(colTickets).UpdateMany(ctx, bson.D{{Key: "purchaseId", Value: purchaseID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "confirmation", Value: d}}}})
	return wrap(err, "set confirmation")
}

package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"guichet.dev/shared/event"
	"guichet.dev/shared/money"
)

type eventDoc struct {
	ID             bson.ObjectID `bson:"_id"`
	Title          string        `bson:"title"`
	Description    string        `bson:"description"`
	Date           time.Time     `bson:"date"`
	Address        string        `bson:"address"`
	TicketCapacity int           `bson:"ticketCapacity"`
	PriceCents     int64         `bson:"priceCents"`
	Currency       string        `bson:"currency"`
	Status         string        `bson:"status"`
	SalesStart     *time.Time    `bson:"salesStart,omitempty"`
	SalesEnd       *time.Time    `bson:"salesEnd,omitempty"`
	OrganizerID    string        `bson:"organizerId"`
	CreatedAt      time.Time     `bson:"createdAt"`
	UpdatedAt      time.Time     `bson:"updatedAt"`
}

func toEventDoc(e *event.Event) (eventDoc, error) {
	id, err := oid(e.ID)
	if err != nil {
		return eventDoc{}, err
	}
	return eventDoc{
		ID: id, Title: e.Title, Description: e.Description, Date: e.Date.UTC(), Address: e.Address,
		TicketCapacity: e.TicketCapacity, PriceCents: int64(e.Price), Currency: e.Currency,
		Status: string(e.Status), SalesStart: utcPtr(e.SalesStart), SalesEnd: utcPtr(e.SalesEnd),
		OrganizerID: e.OrganizerID, CreatedAt: e.CreatedAt.UTC(), UpdatedAt: e.UpdatedAt.UTC(),
	}, nil
}

func (d eventDoc) event() *event.Event {
	return &event.Event{
		ID: d.ID.Hex(), Title: d.Title, Description: d.Description, Date: d.Date.UTC(), Address: d.Address,
		TicketCapacity: d.TicketCapacity, Price: money.Amount(d.PriceCents), Currency: d.Currency,
		Status: event.Status(d.Status), SalesStart: utcPtr(d.SalesStart), SalesEnd: utcPtr(d.SalesEnd),
		OrganizerID: d.OrganizerID, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(),
	}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// InsertEvent stores a new event.
func (s *Store) InsertEvent(ctx context.Context, e *event.Event) error {
	d, err := toEventDoc(e)
	if err != nil {
		return err
	}
	_, err = s.c(colEvents).InsertOne(ctx, d)
	return wrap(err, "insert event")
}

// EventByID returns the stored event with id (ticketsSold not filled in), or
// fault.NotFound.
func (s *Store) EventByID(ctx context.Context, id string) (*event.Event, error) {
	o, err := oid(id)
	if err != nil {
		return nil, err
	}
	var d eventDoc
	if err := s.c(colEvents).FindOne(ctx, bson.D{{Key: "_id", Value: o}}).Decode(&d); err != nil {
		return nil, notFound(err, "find event")
	}
	return d.event(), nil
}

package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"guichet.dev/shared/fault"
	"guichet.dev/shared/ticket"
)

// TicketByUUID returns the ticket uuid, or fault.NotFound (also for a
// malformed uuid).
func (s *Store) TicketByUUID(ctx context.Context, id string) (*ticket.Ticket, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, fault.New(fault.NotFound)
	}
	var d ticketDoc
	if err := s.c(colTickets).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, notFound(err, "find ticket")
	}
	t := d.ticket()
	return &t, nil
}

// ListTickets returns one page of tickets in (date, uuid) order after the
// filter's cursor.
func (s *Store) ListTickets(ctx context.Context, f ticket.ListFilter) ([]ticket.Ticket, error) {
	q := bson.D{}
	if f.OwnerID != "" {
		q = append(q, bson.E{Key: "ownerId", Value: f.OwnerID})
	}
	if f.Event != "" {
		q = append(q, bson.E{Key: "event", Value: f.Event})
	}
	if f.After != nil {
		at := f.After.Date.UTC()
		q = append(q, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "date", Value: bson.D{{Key: "$gt", Value: at}}}},
			bson.D{{Key: "date", Value: at}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: f.After.UUID}}}},
		}})
	}
	cur, err := s.c(colTickets).Find(ctx, q, options.Find().
		SetSort(bson.D{{Key: "date", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(f.Limit)))
	if err != nil {
		return nil, wrap(err, "list tickets")
	}
	var docs []ticketDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(err, "read tickets")
	}
	ts := make([]ticket.Ticket, len(docs))
	for i, d := range docs {
		ts[i] = d.ticket()
	}
	return ts, nil
}

// checkinDoc records a ticket's first scan: _id is the ticket uuid, so a
// second scan's insert fails whichever door it comes from.
type checkinDoc struct {
	ID string    `bson:"_id"`
	At time.Time `bson:"at"`
	By string    `bson:"by"`
}

// CheckIn records the first scan of ticket id at at, by a user. If the
// ticket was checked in before it returns that first time and
// ticket.ErrCheckedIn.
func (s *Store) CheckIn(ctx context.Context, id, by string, at time.Time) (time.Time, error) {
	_, err := s.c(colCheckins).InsertOne(ctx, checkinDoc{ID: id, At: at.UTC(), By: by})
	if err == nil {
		return at.UTC(), nil
	}
	if !isDuplicate(err) {
		return time.Time{}, wrap(err, "check in")
	}
	var d checkinDoc
	if err := s.c(colCheckins).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return time.Time{}, wrap(err, "find check-in")
	}
	return d.At.UTC(), ticket.ErrCheckedIn
}

// SetTicketUsed marks a checked-in ticket used at its first check-in time
// (at is that time, so repeating it is harmless). The filter is the _id
// alone, the one FerretDB serves from an index; the check-in's unique key,
// not this update, is what lets a ticket in once.
func (s *Store) SetTicketUsed(ctx context.Context, id string, at time.Time) error {
	return wrap(s.setTicket(ctx, id, bson.D{{Key: "status", Value: string(ticket.Used)}, {Key: "checkedInAt", Value: at.UTC()}}),
		"mark ticket used")
}

// setTicket sets fields of one ticket, after this process's other
// updates of it (see stripes).
func (s *Store) setTicket(ctx context.Context, id string, set bson.D) error {
	defer s.ticketUpdates.lock(id)()
	_, err := s.c(colTickets).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}})
	return err
}

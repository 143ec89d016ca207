package store

import (
	"context"
	"errors"
	"regexp"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"guichet.dev/shared/event"
	"guichet.dev/shared/fault"
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
	if _, err = s.c(colEvents).InsertOne(ctx, d); err != nil {
		return wrap(err, "insert event")
	}
	return s.bumpEventsVersion(ctx)
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

// ReplaceEvent stores e over the event with its id, or fault.NotFound.
func (s *Store) ReplaceEvent(ctx context.Context, e *event.Event) error {
	d, err := toEventDoc(e)
	if err != nil {
		return err
	}
	res, err := s.c(colEvents).ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d)
	if err != nil {
		return wrap(err, "replace event")
	}
	if res.MatchedCount == 0 {
		return fault.New(fault.NotFound)
	}
	return s.bumpEventsVersion(ctx)
}

// DeleteEvent removes event id, or answers fault.NotFound.
func (s *Store) DeleteEvent(ctx context.Context, id string) error {
	o, err := oid(id)
	if err != nil {
		return err
	}
	res, err := s.c(colEvents).DeleteOne(ctx, bson.D{{Key: "_id", Value: o}})
	if err != nil {
		return wrap(err, "delete event")
	}
	if res.DeletedCount == 0 {
		return fault.New(fault.NotFound)
	}
	return s.bumpEventsVersion(ctx)
}

// ListEvents returns up to f.Limit+1 events matching f, sorted by (date,
// _id), starting after f.After: keyset pagination, so a page boundary does
// not move when events are added before it. Served by the indexes
// status_date and organizer_date.
func (s *Store) ListEvents(ctx context.Context, f event.Filter) ([]*event.Event, error) {
	and := bson.A{bson.D{{Key: "status", Value: string(f.Status)}}}
	if f.OrganizerID != "" {
		and = append(and, bson.D{{Key: "organizerId", Value: f.OrganizerID}})
	}
	if !f.Past {
		and = append(and, bson.D{{Key: "date", Value: bson.D{{Key: "$gte", Value: f.Now}}}})
	}
	if f.From != nil {
		and = append(and, bson.D{{Key: "date", Value: bson.D{{Key: "$gte", Value: *f.From}}}})
	}
	if f.To != nil {
		and = append(and, bson.D{{Key: "date", Value: bson.D{{Key: "$lte", Value: *f.To}}}})
	}
	if f.Q != "" {
		// QuoteMeta makes the text a literal: ".*", "(" or "$where" match
		// only themselves.
		and = append(and, bson.D{{Key: "title", Value: bson.Regex{Pattern: regexp.QuoteMeta(f.Q), Options: "i"}}})
	}
	if f.After != nil {
		after, err := oid(f.After.ID)
		if err != nil {
			return nil, err
		}
		and = append(and, bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "date", Value: bson.D{{Key: "$gt", Value: f.After.Date}}}},
			bson.D{{Key: "date", Value: f.After.Date}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}},
		}}})
	}
	opts := options.Find().
		SetSort(bson.D{{Key: "date", Value: 1}, {Key: "_id", Value: 1}}).
		SetLimit(int64(f.Limit) + 1)
	cur, err := s.c(colEvents).Find(ctx, bson.D{{Key: "$and", Value: and}}, opts)
	if err != nil {
		return nil, wrap(err, "list events")
	}
	var docs []eventDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(err, "read events")
	}
	es := make([]*event.Event, len(docs))
	for i, d := range docs {
		es[i] = d.event()
	}
	return es, nil
}

// AllEvents returns up to limit events in storage order: one read the
// per-process event cache answers many requests from. Without a filter or a
// sort, FerretDB pushes the limit down to its backend.
func (s *Store) AllEvents(ctx context.Context, limit int) ([]*event.Event, error) {
	cur, err := s.c(colEvents).Find(ctx, bson.D{}, options.Find().SetLimit(int64(limit)))
	if err != nil {
		return nil, wrap(err, "read all events")
	}
	var docs []eventDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(err, "read all events")
	}
	es := make([]*event.Event, len(docs))
	for i, d := range docs {
		es[i] = d.event()
	}
	return es, nil
}

// eventsVersionID is the _id, in the versions collection, of the value that
// changes after every write to the events collection.
const eventsVersionID = "events"

// bumpEventsVersion gives the events collection a new version, after a
// write: a reader that sees the new version reads the write. The value is
// a fresh ObjectId, never a counter, so concurrent bumps (which FerretDB
// may apply in any order) still each leave a value no reader has seen.
func (s *Store) bumpEventsVersion(ctx context.Context) error {
	filter := bson.D{{Key: "_id", Value: eventsVersionID}}
	set := func() error {
		_, err := s.c(colVersions).UpdateOne(ctx, filter,
			bson.D{{Key: "$set", Value: bson.D{{Key: "v", Value: bson.NewObjectID()}}}}, options.UpdateOne().SetUpsert(true))
		return err
	}
	err := set()
	if isDuplicate(err) {
		// Two first upserts raced; the document exists now.
		err = set()
	}
	return wrap(err, "bump events version")
}

// EventsVersion returns the events collection's version: it changes after
// every event write, so a cache whose copy has the same version is current.
// One _id lookup, the one query FerretDB pushes down.
func (s *Store) EventsVersion(ctx context.Context) (string, error) {
	var d struct {
		V bson.ObjectID `bson:"v"`
	}
	err := s.c(colVersions).FindOne(ctx, bson.D{{Key: "_id", Value: eventsVersionID}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", nil
	}
	if err != nil {
		return "", wrap(err, "read events version")
	}
	return d.V.Hex(), nil
}

package store

import (
	"context"
	"errors"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"guichet.dev/shared/event"
	"guichet.dev/shared/fault"
	"guichet.dev/shared/i18n"
	"guichet.dev/shared/ticket"
)

// Claim states: held from the insert until the purchase's outcome is known
// to the sweep; sold after. A purchase never waits for that update: its
// outcome document is the decision, the state only spares the sweep.
const (
	claimHeld = "held"
	claimSold = "sold"
)

// claimDoc holds a seat. _id is "<eventId>:<number>": the collection's
// primary key is the unique index that makes a seat taken once.
type claimDoc struct {
	ID         string    `bson:"_id"`
	Event      string    `bson:"event"`
	Number     int       `bson:"number"`
	PurchaseID string    `bson:"purchaseId"`
	Attempt    string    `bson:"attempt"`
	State      string    `bson:"state"`
	At         time.Time `bson:"at"`
}

func claimID(eventID string, number int) string { return eventID + ":" + strconv.Itoa(number) }

// InsertClaims takes seats: one group-committed unordered insert with other
// buyers' claims; a claim whose key exists answers ticket.ErrTaken. stored
// is a time taken after the insert returned: a read begun then sees the
// claims, and every buyer of the batch can share that read.
func (s *Store) InsertClaims(ctx context.Context, cs []ticket.Claim) (errs []error, stored time.Time, err error) {
	docs := make([]any, len(cs))
	for i, c := range cs {
		docs[i] = claimDoc{ID: claimID(c.Event, c.Number), Event: c.Event, Number: c.Number,
			PurchaseID: c.PurchaseID, Attempt: c.Attempt, State: claimHeld, At: c.At.UTC()}
	}
	errs, stored, err = s.batch.claims.insert(ctx, docs)
	if err != nil {
		return nil, stored, err
	}
	for i, e := range errs {
		if e == ErrDuplicate {
			errs[i] = ticket.ErrTaken
		}
	}
	return errs, stored, nil
}

// ReleaseClaims deletes the attempt's own claims on numbers (by key, so a
// seat another attempt took since is never touched).
func (s *Store) ReleaseClaims(ctx context.Context, eventID, attempt string, numbers []int) error {
	if len(numbers) == 0 {
		return nil
	}
	ids := make([]string, len(numbers))
	for i, n := range numbers {
		ids[i] = claimID(eventID, n)
	}
	_, err := s.c(colClaims).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}},
		{Key: "attempt", Value: attempt}})
	return wrap(err, "release claims")
}

// TakenNumbers lists the claimed numbers of an event, in no order. An
// event has at most capacity claims, so they come in one reply: FerretDB
// on SQLite keeps a read open between getMores, and the purchase path's
// inserts would queue behind it. The batch is sized to the event, not
// unbounded: FerretDB allocates room for a whole batch before filling it.
func (s *Store) TakenNumbers(ctx context.Context, eventID string, capacity int) ([]int, error) {
	batch := int32(min(max(capacity, 0), event.CapacityMax) + 1)
	cur, err := s.c(colClaims).Find(ctx, bson.D{{Key: "event", Value: eventID}},
		options.Find().SetProjection(bson.D{{Key: "number", Value: 1}, {Key: "_id", Value: 0}}).SetBatchSize(batch))
	if err != nil {
		return nil, wrap(err, "find taken numbers")
	}
	defer cur.Close(ctx)
	var ns []int
	for cur.Next(ctx) {
		v, ok := cur.Current.Lookup("number").AsInt64OK()
		if ok {
			ns = append(ns, int(v))
		}
	}
	return ns, wrap(cur.Err(), "read taken numbers")
}

// ClaimsAbove counts the claims (held or sold) of an event numbered above
// n: the check that a capacity lowered to n leaves no seat outside it.
func (s *Store) ClaimsAbove(ctx context.Context, eventID string, n int) (int, error) {
	c, err := s.c(colClaims).CountDocuments(ctx, bson.D{{Key: "event", Value: eventID},
		{Key: "number", Value: bson.D{{Key: "$gt", Value: n}}}})
	return int(c), wrap(err, "count claims above capacity")
}

// StaleClaims returns held claims taken before cutoff.
func (s *Store) StaleClaims(ctx context.Context, cutoff time.Time, limit int) ([]ticket.Claim, error) {
	cur, err := s.c(colClaims).Find(ctx, bson.D{{Key: "state", Value: claimHeld},
		{Key: "at", Value: bson.D{{Key: "$lt", Value: cutoff.UTC()}}}}, options.Find().SetLimit(int64(limit)))
	if err != nil {
		return nil, wrap(err, "find stale claims")
	}
	var docs []claimDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(err, "read stale claims")
	}
	cs := make([]ticket.Claim, len(docs))
	for i, d := range docs {
		cs[i] = ticket.Claim{Event: d.Event, Number: d.Number, PurchaseID: d.PurchaseID, Attempt: d.Attempt, At: d.At.UTC()}
	}
	return cs, nil
}

// DropHeldClaims deletes the held claims of attempts that did not sell.
func (s *Store) DropHeldClaims(ctx context.Context, attempts []string) error {
	if len(attempts) == 0 {
		return nil
	}
	_, err := s.c(colClaims).DeleteMany(ctx, bson.D{{Key: "attempt", Value: bson.D{{Key: "$in", Value: attempts}}},
		{Key: "state", Value: claimHeld}})
	return wrap(err, "drop abandoned claims")
}

// MarkClaimsSold sets the claims of attempts that sold to sold.
func (s *Store) MarkClaimsSold(ctx context.Context, attempts []string) error {
	if len(attempts) == 0 {
		return nil
	}
	_, err := s.c(colClaims).UpdateMany(ctx, bson.D{{Key: "attempt", Value: bson.D{{Key: "$in", Value: attempts}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: claimSold}}}})
	return wrap(err, "mark claims sold")
}

// outcomeDoc is the one decision of a purchase: _id is the purchase id, so
// the purchase ("sold") and the sweep ("abandoned") cannot both decide.
//
// A sold purchase's tickets share everything but their uuid, number and
// code (see soldTicket), so the document stores the rest once: it is the
// largest of what a purchase writes through the on-sale's one writer.
// Measured with guichet bench, 64 buyers, 10 000 seats, on embedded
// SQLite: each ticket stored whole, the outcome batches took 1.9 ms, the
// tickets' 1.3 ms.
type outcomeDoc struct {
	ID         string    `bson:"_id"`
	State      string    `bson:"state"`
	Event      string    `bson:"event"`
	BuyerID    string    `bson:"buyerId,omitempty"`
	Channel    string    `bson:"channel,omitempty"`
	Language   string    `bson:"language,omitempty"`
	Date       time.Time `bson:"date,omitzero"`
	PriceCents int64     `bson:"priceCents,omitempty"`
	Currency   string    `bson:"currency,omitempty"`
	Seats      []seatDoc `bson:"seats,omitempty"`
	Attempt    string    `bson:"attempt,omitempty"`
	Refusal    string    `bson:"refusal,omitempty"`
	Request    string    `bson:"request,omitempty"`
	At         time.Time `bson:"at"`
}

// seatDoc is what sets a sold ticket apart from the others of its purchase.
type seatDoc struct {
	UUID   string `bson:"uuid"`
	Number int    `bson:"number"`
	Code   string `bson:"code"`
}

// errMixedTickets refuses an outcome whose tickets differ in more than
// their seats: outcomeDoc could not give them back as they were.
var errMixedTickets = errors.New("store: a purchase's tickets differ beyond uuid, number and code")

// InsertOutcome records a purchase's decision (group-committed); an existing
// decision answers ticket.ErrDecided.
func (s *Store) InsertOutcome(ctx context.Context, o ticket.Outcome) error {
	return s.sell(ctx, o, false)
}

// Sell records a sold purchase's decision and then writes its tickets,
// group-committed with other purchases' in one turn at the database's
// writer; the tickets are written only if the decision was recorded. An
// existing decision answers ticket.ErrDecided. Another error may come
// after the decision was recorded (the sweep writes the tickets then).
func (s *Store) Sell(ctx context.Context, o ticket.Outcome) error {
	return s.sell(ctx, o, true)
}

func (s *Store) sell(ctx context.Context, o ticket.Outcome, withTickets bool) error {
	d := outcomeDoc{ID: o.Purchase.ID, State: string(o.State), Event: o.Purchase.EventID, BuyerID: o.Purchase.BuyerID,
		Channel: string(o.Purchase.Channel), Language: string(o.Purchase.Language), Attempt: o.Attempt,
		Refusal: string(o.Refusal), Request: o.Request, At: o.At.UTC()}
	var tickets []any
	if ts := o.Purchase.Tickets; len(ts) > 0 {
		d.Date, d.PriceCents, d.Currency = ts[0].Date.UTC(), int64(ts[0].Price), ts[0].Currency
		for _, t := range ts {
			seat := seatDoc{UUID: t.UUID, Number: t.Number, Code: t.Code}
			td := toTicketDoc(&t)
			if d.soldTicket(seat) != td {
				return errMixedTickets
			}
			d.Seats = append(d.Seats, seat)
			if withTickets {
				tickets = append(tickets, td)
			}
		}
	}
	errs, _, err := s.batch.sales.insert(ctx, []any{sale{outcome: d, tickets: tickets}})
	if err != nil {
		return err
	}
	if errs[0] == ErrDuplicate {
		return ticket.ErrDecided
	}
	return errs[0]
}

// soldTicket is one of the purchase's tickets as it was sold: valid, its
// confirmation pending.
func (d *outcomeDoc) soldTicket(s seatDoc) ticketDoc {
	return ticketDoc{UUID: s.UUID, Event: d.Event, Number: s.Number, PriceCents: d.PriceCents, Currency: d.Currency,
		Date: d.Date, OwnerID: d.BuyerID, Status: string(ticket.Valid), Code: s.Code, PurchaseID: d.ID,
		Confirmation: confirmationDoc{Channel: d.Channel, Status: string(ticket.Pending)}}
}

// OutcomeOf returns the decision of a purchase, or fault.NotFound.
func (s *Store) OutcomeOf(ctx context.Context, purchaseID string) (*ticket.Outcome, error) {
	var d outcomeDoc
	if err := s.c(colOutcomes).FindOne(ctx, bson.D{{Key: "_id", Value: purchaseID}}).Decode(&d); err != nil {
		return nil, notFound(err, "find purchase outcome")
	}
	o := &ticket.Outcome{State: ticket.OutcomeState(d.State), Attempt: d.Attempt, Refusal: fault.Code(d.Refusal),
		Request: d.Request, At: d.At.UTC(),
		Purchase: ticket.Purchase{ID: d.ID, EventID: d.Event, BuyerID: d.BuyerID, Channel: ticket.Channel(d.Channel),
			Language: i18n.Lang(d.Language)}}
	for _, seat := range d.Seats {
		o.Purchase.Tickets = append(o.Purchase.Tickets, d.soldTicket(seat).ticket())
	}
	return o, nil
}

// WriteTickets inserts sold tickets, group-committed with other purchases';
// a ticket already written (the sweep finishing a purchase) is kept.
func (s *Store) WriteTickets(ctx context.Context, ts []ticket.Ticket) error {
	docs := make([]any, len(ts))
	for i := range ts {
		docs[i] = toTicketDoc(&ts[i])
	}
	errs, _, err := s.batch.tickets.insert(ctx, docs)
	if err != nil {
		return err
	}
	for _, e := range errs {
		if e != nil && e != ErrDuplicate {
			return e
		}
	}
	return nil
}

// SwapTicketCapacity sets an event's capacity to to if it is still from,
// reporting whether it did: the event PATCH's step that puts a capacity
// back after CheckCapacity refused the lower one.
func (s *Store) SwapTicketCapacity(ctx context.Context, eventID string, from, to int) (bool, error) {
	o, err := oid(eventID)
	if err != nil {
		return false, err
	}
	r, err := s.c(colEvents).UpdateOne(ctx, bson.D{{Key: "_id", Value: o}, {Key: "ticketCapacity", Value: from}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "ticketCapacity", Value: to}, {Key: "updatedAt", Value: time.Now().UTC()}}}})
	if err != nil {
		return false, wrap(err, "set ticket capacity")
	}
	return r.ModifiedCount == 1, nil
}

// InsertProbe inserts one small document into a scratch collection: the
// unit of the raw single-insert rate that benchmarks compare purchases to.
func (s *Store) InsertProbe(ctx context.Context, collection string) error {
	_, err := s.c("probe_"+collection).InsertOne(ctx, bson.D{{Key: "_id", Value: bson.NewObjectID()}, {Key: "at", Value: time.Now()}})
	return wrap(err, "insert probe")
}

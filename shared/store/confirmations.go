package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"guichet.dev/shared/ticket"
)

// Confirmation is the record that a purchase's confirmation message is
// being sent, or was: one per purchase, keyed by the purchase id.
type Confirmation struct {
	PurchaseID string
	Status     ticket.ConfirmationStatus // pending while a sender holds the lease
	Generation int                       // 1 for the first sender, +1 per takeover
	LeaseUntil time.Time                 // a pending record's sender owns it until then
	SentAt     *time.Time
	Reason     string
}

type confirmationRecordDoc struct {
	PurchaseID string     `bson:"_id"`
	Status     string     `bson:"status"`
	Generation int        `bson:"generation"`
	LeaseUntil time.Time  `bson:"leaseUntil"`
	SentAt     *time.Time `bson:"sentAt,omitempty"`
	Reason     string     `bson:"reason,omitempty"`
	UpdatedAt  time.Time  `bson:"updatedAt"`
}

func (d confirmationRecordDoc) confirmation() *Confirmation {
	return &Confirmation{PurchaseID: d.PurchaseID, Status: ticket.ConfirmationStatus(d.Status),
		Generation: d.Generation, LeaseUntil: d.LeaseUntil.UTC(), SentAt: utcPtr(d.SentAt), Reason: d.Reason}
}

// YieldToPurchases waits until no purchase is writing, at most most, where
// the store bounds its writers (embedded SQLite): there a confirmation's
// three writes take turns with the buyers' batches in the one writer,
// while every buyer of an on-sale waits on its batch. Elsewhere it returns
// at once. During an on-sale a sender then starts at most one confirmation
// per most, and the rest follow once the sales calm down.
func (s *Store) YieldToPurchases(ctx context.Context, most time.Duration) error {
	return s.buying.await(ctx, most)
}

// ClaimConfirmation makes the caller the sender of purchase's confirmation
// until leaseUntil, if nobody ever was: it inserts the record keyed by the
// purchase id, and the _id index refuses a second one. A read-then-insert
// would let two deliveries of the same event both send.
func (s *Store) ClaimConfirmation(ctx context.Context, purchaseID string, leaseUntil time.Time) (bool, error) {
	err := s.writers.do(ctx, func() error {
		_, err := s.c(colConfirmations).InsertOne(ctx, confirmationRecordDoc{
			PurchaseID: purchaseID, Status: string(ticket.Pending), Generation: 1,
			LeaseUntil: leaseUntil.UTC(), UpdatedAt: time.Now().UTC(),
		})
		return err
	})
	if isDuplicate(err) {
		return false, nil
	}
	return err == nil, wrap(err, "claim confirmation")
}

// ConfirmationByPurchase returns the purchase's confirmation record, or
// fault.NotFound.
func (s *Store) ConfirmationByPurchase(ctx context.Context, purchaseID string) (*Confirmation, error) {
	var d confirmationRecordDoc
	if err := s.c(colConfirmations).FindOne(ctx, bson.D{{Key: "_id", Value: purchaseID}}).Decode(&d); err != nil {
		return nil, notFound(err, "find confirmation")
	}
	return d.confirmation(), nil
}

// TakeOverConfirmation makes the caller the sender of a confirmation whose
// previous sender's lease (generation gen-1) ran out. Only one caller wins
// generation gen: the win is the insert of (purchase, gen) into the
// takeovers collection, whose _id index refuses the others. FerretDB's
// conditional updates are not atomic, so the update alone could not decide.
func (s *Store) TakeOverConfirmation(ctx context.Context, purchaseID string, gen int, leaseUntil time.Time) (bool, error) {
	_, err := s.c(colConfirmationTakeovers).InsertOne(ctx, bson.D{
		{Key: "_id", Value: fmt.Sprintf("%s/%d", purchaseID, gen)}, {Key: "at", Value: time.Now().UTC()}})
	if isDuplicate(err) {
		return false, nil
	}
	if err != nil {
		return false, wrap(err, "take over confirmation")
	}
	return true, s.setConfirmation(ctx, purchaseID, bson.D{
		{Key: "generation", Value: gen}, {Key: "leaseUntil", Value: leaseUntil.UTC()}})
}

// RenewConfirmationLease moves the lease end of the sender of generation
// gen: after a transient failure, to when its retry is due.
func (s *Store) RenewConfirmationLease(ctx context.Context, purchaseID string, gen int, leaseUntil time.Time) error {
	_, err := s.c(colConfirmations).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: purchaseID}, {Key: "generation", Value: gen}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "leaseUntil", Value: leaseUntil.UTC()}, {Key: "updatedAt", Value: time.Now().UTC()}}}})
	return wrap(err, "renew confirmation lease")
}

// FinishConfirmation records the outcome (sent or failed) of a purchase's
// confirmation. The outcome is final: recording it twice is harmless.
func (s *Store) FinishConfirmation(ctx context.Context, purchaseID string, c ticket.Confirmation) error {
	return s.setConfirmation(ctx, purchaseID, bson.D{{Key: "status", Value: string(c.Status)},
		{Key: "sentAt", Value: utcPtr(c.SentAt)}, {Key: "reason", Value: c.Reason}})
}

func (s *Store) setConfirmation(ctx context.Context, purchaseID string, set bson.D) error {
	set = append(set, bson.E{Key: "updatedAt", Value: time.Now().UTC()})
	return wrap(s.writers.do(ctx, func() error {
		_, err := s.c(colConfirmations).UpdateOne(ctx, bson.D{{Key: "_id", Value: purchaseID}},
			bson.D{{Key: "$set", Value: set}})
		return err
	}), "update confirmation")
}

// PendingPurchase is a purchase whose tickets still wait for their
// confirmation.
type PendingPurchase struct {
	ID        string
	EventID   string
	BuyerID   string
	Channel   ticket.Channel
	TicketIDs []string
}

// PendingPurchases returns up to limit purchases, oldest first, whose
// tickets are still pending and were sold before before, leaving out those
// a sender holds a live lease on at now (it is sending, or its retry is
// due later). A purchase whose record is final but whose tickets were not
// updated (a crash in between) is returned, so that it heals.
func (s *Store) PendingPurchases(ctx context.Context, before, now time.Time, limit int) ([]PendingPurchase, error) {
	cur, err := s.c(colTickets).Find(ctx,
		bson.D{{Key: "confirmation.status", Value: string(ticket.Pending)}, {Key: "date", Value: bson.D{{Key: "$lt", Value: before.UTC()}}}},
		options.Find().SetSort(bson.D{{Key: "confirmation.status", Value: 1}, {Key: "date", Value: 1}}).
			SetLimit(int64(limit)*10).
			SetProjection(bson.D{{Key: "purchaseId", Value: 1}, {Key: "event", Value: 1}, {Key: "ownerId", Value: 1}, {Key: "confirmation.channel", Value: 1}}))
	if err != nil {
		return nil, wrap(err, "find pending tickets")
	}
	var docs []ticketDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(err, "read pending tickets")
	}
	var out []PendingPurchase
	at := map[string]int{}
	for _, d := range docs {
		if i, ok := at[d.PurchaseID]; ok {
			out[i].TicketIDs = append(out[i].TicketIDs, d.UUID)
			continue
		}
		if d.PurchaseID == "" || len(out) == limit {
			continue
		}
		at[d.PurchaseID] = len(out)
		out = append(out, PendingPurchase{ID: d.PurchaseID, EventID: d.Event, BuyerID: d.OwnerID,
			Channel: ticket.Channel(d.Confirmation.Channel), TicketIDs: []string{d.UUID}})
	}
	if len(out) == 0 {
		return nil, nil
	}
	ids := make([]string, len(out))
	for i, p := range out {
		ids[i] = p.ID
	}
	cur, err = s.c(colConfirmations).Find(ctx, bson.D{
		{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}},
		{Key: "status", Value: string(ticket.Pending)},
		{Key: "leaseUntil", Value: bson.D{{Key: "$gt", Value: now.UTC()}}}})
	if err != nil {
		return nil, wrap(err, "find leased confirmations")
	}
	var leased []confirmationRecordDoc
	if err := cur.All(ctx, &leased); err != nil {
		return nil, wrap(err, "read leased confirmations")
	}
	busy := map[string]bool{}
	for _, l := range leased {
		busy[l.PurchaseID] = true
	}
	free := out[:0]
	for _, p := range out {
		if !busy[p.ID] {
			free = append(free, p)
		}
	}
	return free, nil
}

// TicketsByIDs returns the tickets with the given uuids (those that exist).
// It reads them one by one by _id: FerretDB's SQLite backend answers an _id
// equality from its primary key but scans the collection for any other
// filter, $in on _id included (measured: 5 ms against 80 ms at 200 tickets).
func (s *Store) TicketsByIDs(ctx context.Context, uuids []string) ([]ticket.Ticket, error) {
	ts := make([]ticket.Ticket, 0, len(uuids))
	for _, id := range uuids {
		var d ticketDoc
		err := s.c(colTickets).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue
		}
		if err != nil {
			return nil, wrap(err, "find ticket")
		}
		ts = append(ts, d.ticket())
	}
	return ts, nil
}

// SetTicketsConfirmation records a confirmation outcome on the tickets with
// the given uuids, one by one by _id (see TicketsByIDs).
func (s *Store) SetTicketsConfirmation(ctx context.Context, uuids []string, c ticket.Confirmation) error {
	d := confirmationDoc{Channel: string(c.Channel), Status: string(c.Status), SentAt: utcPtr(c.SentAt), Reason: c.Reason}
	return s.writers.do(ctx, func() error {
		for _, id := range uuids {
			if err := s.setTicket(ctx, id, bson.D{{Key: "confirmation", Value: d}}); err != nil {
				return wrap(err, "set confirmation")
			}
		}
		return nil
	})
}

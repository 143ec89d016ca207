package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Collection names.
const (
	colUsers   = "users"
	colEvents  = "events"
	colTickets = "tickets"

	// Ticket sales (claims.go, checkins.go).
	colClaims      = "claims"
	colOutcomes    = "outcomes"
	colIdempotency = "idempotency"
	colCheckins    = "checkins"
)

// indexes lists every index by collection, with the query or invariant it
// serves. Creating an index that exists is a no-op, so start-up may run this
// on every process.
var indexes = map[string][]index{
	colUsers: {
		// Unique e-mail (stored lower-case): login by e-mail, 409 on a duplicate.
		{Name: "email_unique", Keys: bson.D{{Key: "email", Value: 1}}, Unique: true},
		// Unique username, case-insensitively: usernameKey is the lower-cased name.
		{Name: "username_unique", Keys: bson.D{{Key: "usernameKey", Value: 1}}, Unique: true},
	},
	colTickets: {
		// A purchase's tickets: idempotent replays and confirmations.
		{Name: "purchase", Keys: bson.D{{Key: "purchaseId", Value: 1}}},
		// A buyer's tickets and an event's tickets, in keyset order (ticket-list).
		{Name: "owner_date", Keys: bson.D{{Key: "ownerId", Value: 1}, {Key: "date", Value: 1}, {Key: "_id", Value: 1}}},
		{Name: "event_date", Keys: bson.D{{Key: "event", Value: 1}, {Key: "date", Value: 1}, {Key: "_id", Value: 1}}},
	},
	// Seat claims: _id "<event>:<number>" is the unique key that takes a
	// seat. (event, number) serves counting, capacity checks and gap scans,
	// and is the shard key on sharded MongoDB. (state, at) finds held claims
	// for the sweep. Outcomes, idempotency keys and check-ins are unique by
	// _id alone (purchase id, user:key, ticket uuid).
	colClaims: {
		{Name: "event_number", Keys: bson.D{{Key: "event", Value: 1}, {Key: "number", Value: 1}}},
		{Name: "state_at", Keys: bson.D{{Key: "state", Value: 1}, {Key: "at", Value: 1}}},
	},
}

// index describes one index.
type index struct {
	Name   string
	Keys   bson.D
	Unique bool
}

func (i index) model() mongo.IndexModel {
	o := options.Index().SetName(i.Name)
	if i.Unique {
		o.SetUnique(true)
	}
	return mongo.IndexModel{Keys: i.Keys, Options: o}
}

// ensureIndexes creates the indexes that do not exist yet, by name. It asks
// first rather than re-creating: FerretDB 1.24 fails a createIndexes whose
// indexes all exist already.
func (s *Store) ensureIndexes(ctx context.Context) error {
	for col, models := range indexes {
		cur, err := s.c(col).Indexes().List(ctx)
		if err != nil {
			return wrap(err, fmt.Sprintf("list indexes on %s", col))
		}
		var have []struct {
			Name string `bson:"name"`
		}
		if err := cur.All(ctx, &have); err != nil {
			return wrap(err, fmt.Sprintf("list indexes on %s", col))
		}
		exists := map[string]bool{}
		for _, h := range have {
			exists[h.Name] = true
		}
		var missing []mongo.IndexModel
		for _, i := range models {
			if !exists[i.Name] {
				missing = append(missing, i.model())
			}
		}
		if len(missing) == 0 {
			continue
		}
		if _, err := s.c(col).Indexes().CreateMany(ctx, missing); err != nil {
			return wrap(err, fmt.Sprintf("create indexes on %s", col))
		}
	}
	return nil
}

package store

import (
	"context"
	"errors"
	"fmt"
	"slices"

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
	colClaims   = "claims"
	colOutcomes = "outcomes"
	colCheckins = "checkins"

	// colVersions holds one document per cached collection whose value
	// changes after each write (events: see EventsVersion).
	colVersions = "versions"

	// Auth: refresh tokens, their single-use markers, revoked logins and
	// failed logins.
	colRefreshTokens  = "refresh_tokens"
	colRefreshUsed    = "refresh_used"
	colRefreshRevoked = "refresh_revoked"
	colLoginFailures  = "login_failures"

	// Confirmations (issue 5).
	colConfirmations         = "confirmations"
	colConfirmationTakeovers = "confirmation_takeovers"
)

// Collection names: backups.
const (
	colBackups = "backups"
)

// indexes lists every collection and its indexes beyond _id, with the query
// or invariant each serves. Start-up creates what is missing, so every
// process may run it.
var indexes = map[string][]index{
	colUsers: {
		// Unique e-mail (stored lower-case): login by e-mail, 409 on a duplicate.
		{Name: "email_unique", Keys: bson.D{{Key: "email", Value: 1}}, Unique: true},
		// Unique username, case-insensitively: usernameKey is the lower-cased name.
		{Name: "username_unique", Keys: bson.D{{Key: "usernameKey", Value: 1}}, Unique: true},
	},
	colEvents: {
		// GET /api/events: the status filter (always present) with the
		// (date, _id) keyset sort and the date bounds.
		{Name: "status_date", Keys: bson.D{{Key: "status", Value: 1}, {Key: "date", Value: 1}, {Key: "_id", Value: 1}}},
		// GET /api/events?organizerId=: an organizer's own events, same sort.
		{Name: "organizer_date", Keys: bson.D{{Key: "organizerId", Value: 1}, {Key: "date", Value: 1}, {Key: "_id", Value: 1}}},
	},
	colTickets: {
		// ticketsSold: counting an event's tickets that are not cancelled.
		{Name: "event_status", Keys: bson.D{{Key: "event", Value: 1}, {Key: "status", Value: 1}}},
		// A purchase's tickets: idempotent replays and confirmations.
		{Name: "purchase", Keys: bson.D{{Key: "purchaseId", Value: 1}}},
		// The outbox sweep: tickets whose confirmation is still pending, oldest first.
		{Name: "confirmation_pending", Keys: bson.D{{Key: "confirmation.status", Value: 1}, {Key: "date", Value: 1}}},
		// A buyer's tickets and an event's tickets, in keyset order (ticket-list).
		{Name: "owner_date", Keys: bson.D{{Key: "ownerId", Value: 1}, {Key: "date", Value: 1}, {Key: "_id", Value: 1}}},
		{Name: "event_date", Keys: bson.D{{Key: "event", Value: 1}, {Key: "date", Value: 1}, {Key: "_id", Value: 1}}},
	},
	colBackups: {
		// One run per key: two replicas firing for the same scheduled time
		// make one backup (the second insert fails and that process skips).
		{Name: "key_unique", Keys: bson.D{{Key: "key", Value: 1}}, Unique: true},
		// Listing: the good backups, newest first.
		{Name: "status_createdAt", Keys: bson.D{{Key: "status", Value: 1}, {Key: "createdAt", Value: -1}}},
	},
	// Auth. refresh_used and refresh_revoked need no index beyond _id: the
	// token hash and the family id are their _id, unique by construction.
	colRefreshTokens: {
		// A deleted user's (or new password's) refresh tokens are removed by owner.
		{Name: "user", Keys: bson.D{{Key: "userId", Value: 1}}},
	},
	colLoginFailures: {
		// Lockout: the latest failures of one account within the window.
		{Name: "key_at", Keys: bson.D{{Key: "key", Value: 1}, {Key: "at", Value: -1}}},
		// Pruning failures older than the window.
		{Name: "at", Keys: bson.D{{Key: "at", Value: 1}}},
	},
	// Seat claims: _id "<event>:<number>" is the unique key that takes a
	// seat. (event, number) serves counting, capacity checks and gap scans,
	// and is the shard key on sharded MongoDB. (state, at) finds held claims
	// for the sweep. Outcomes and check-ins are unique by _id alone
	// (purchase id, ticket uuid).
	colClaims: {
		{Name: "event_number", Keys: bson.D{{Key: "event", Value: 1}, {Key: "number", Value: 1}}},
		{Name: "state_at", Keys: bson.D{{Key: "state", Value: 1}, {Key: "at", Value: 1}}},
	},
	// Read and written by _id alone.
	colOutcomes:              nil,
	colCheckins:              nil,
	colVersions:              nil,
	colRefreshUsed:           nil,
	colRefreshRevoked:        nil,
	colConfirmations:         nil,
	colConfirmationTakeovers: nil,
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
// indexes all exist already. With skipQueryIndexes it leaves out, and drops
// where they exist, the indexes that serve only queries (every one but the
// unique ones, which keep invariants): see Options.SkipQueryIndexes.
func (s *Store) ensureIndexes(ctx context.Context, skipQueryIndexes bool) error {
	if err := s.ensureCollections(ctx); err != nil {
		return err
	}
	for col, models := range indexes {
		if len(models) == 0 {
			continue
		}
		exists, err := s.indexNames(ctx, col)
		if err != nil {
			return err
		}
		var missing []mongo.IndexModel
		for _, i := range models {
			wanted := i.Unique || !skipQueryIndexes
			switch {
			case wanted && !exists[i.Name]:
				missing = append(missing, i.model())
			case !wanted && exists[i.Name]:
				if err := s.dropIndex(ctx, col, i.Name); err != nil {
					return err
				}
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

// indexNames returns the names of col's indexes.
func (s *Store) indexNames(ctx context.Context, col string) (map[string]bool, error) {
	cur, err := s.c(col).Indexes().List(ctx)
	if err != nil {
		return nil, wrap(err, fmt.Sprintf("list indexes on %s", col))
	}
	var have []struct {
		Name string `bson:"name"`
	}
	if err := cur.All(ctx, &have); err != nil {
		return nil, wrap(err, fmt.Sprintf("list indexes on %s", col))
	}
	names := map[string]bool{}
	for _, h := range have {
		names[h.Name] = true
	}
	return names, nil
}

// dropIndex drops col's index name; one another process dropped meanwhile
// is no error.
func (s *Store) dropIndex(ctx context.Context, col, name string) error {
	err := s.c(col).Indexes().DropOne(ctx, name)
	var ce mongo.CommandError
	if errors.As(err, &ce) && ce.Name == "IndexNotFound" {
		return nil
	}
	return wrap(err, fmt.Sprintf("drop index %s on %s", name, col))
}

// ensureCollections creates the collections that do not exist yet, so that
// every one exists from start-up rather than from its first insert (the
// embedded FerretDB indexes the _id of those it finds: ferret.IndexIDs).
// A collection another process created meanwhile is no error.
func (s *Store) ensureCollections(ctx context.Context) error {
	have, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return wrap(err, "list collections")
	}
	for col := range indexes {
		if slices.Contains(have, col) {
			continue
		}
		err := s.db.CreateCollection(ctx, col)
		var ce mongo.CommandError
		if errors.As(err, &ce) && ce.Name == "NamespaceExists" {
			continue
		}
		if err != nil {
			return wrap(err, "create collection "+col)
		}
	}
	return nil
}

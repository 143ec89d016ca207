// Package store is Guichet's persistence on MongoDB (or FerretDB, which speaks
// its wire protocol). It is the only package that imports the Mongo driver.
// One Store, and so one client pool, serves a whole process.
//
// FerretDB v1 applies $inc and findOneAndUpdate non-atomically and has no
// transactions, so every invariant here rests on a unique index: a second
// insert of the same key fails, and that failure is the decision.
package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"guichet.dev/shared/fault"
)

// Store is a connected database.
type Store struct {
	client *mongo.Client
	db     *mongo.Database
	batch  batchers // group commit of the purchase path's inserts
	// writers bounds the on-sale's writes in the database at once: the
	// purchase batches and the confirmation records (see writers).
	writers writers
	// buying counts the purchase batches in progress where writes are
	// bounded (nil elsewhere).
	buying *buying
	// signedIn caches the users read to authenticate requests.
	signedIn *userCache
	// ticketUpdates serializes this process's updates of one ticket.
	ticketUpdates stripes
}

// stripes serializes work on one key: FerretDB applies an update by
// reading the document and writing it whole, so two concurrent updates of
// one document setting different fields can lose one (measured: a check-in
// lost to the ticket's confirmation status, written at the same moment).
// Updates of one ticket from one process wait for each other; the key
// picks one of 64 mutexes.
type stripes [64]sync.Mutex

// lock locks key's mutex and returns its unlock.
func (st *stripes) lock(key string) func() {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	m := &st[h.Sum32()%uint32(len(st))]
	m.Lock()
	return m.Unlock
}

// Options tune a Store; the zero value suits MongoDB.
type Options struct {
	// Writers bounds the on-sale's writes in the database at once: the
	// group-committed insert batches of every collection and the
	// confirmation records; 0 bounds only the batches, to one per
	// collection. 1 suits a single-writer database (FerretDB on SQLite).
	Writers int
	// SkipQueryIndexes leaves out the indexes that serve only queries,
	// and drops them where they exist; the unique indexes stay. For
	// FerretDB on SQLite: it answers every filter but one on _id alone by
	// scanning the collection (no pushdown: FerretDB 1.24,
	// internal/backends/sqlite/collection.go), so those indexes serve no
	// read, while every insert and update of a ticket or a claim
	// maintains them. Measured with 64-document batches of tickets on
	// embedded SQLite: 143 µs per ticket with the five query indexes of
	// tickets, 93 µs without.
	SkipQueryIndexes bool
}

// Open connects to uri and uses database name. It creates the indexes
// (idempotently) so a fresh database is ready.
func Open(ctx context.Context, uri, name string, o Options) (*Store, error) {
	opts := options.Client().ApplyURI(uri).
		SetMaxPoolSize(32).
		SetServerSelectionTimeout(3 * time.Second).
		SetConnectTimeout(3 * time.Second).
		SetAppName("guichet")
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	s := &Store{client: client, db: client.Database(name), signedIn: newUserCache(SignedInTTL)}
	s.writers = newWriters(o.Writers)
	if s.writers != nil {
		s.buying = newBuying()
	}
	s.batch = newBatchers(s.db, s.writers, s.buying)
	if err := s.Ping(ctx); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, err
	}
	if err := s.ensureIndexes(ctx, o.SkipQueryIndexes); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, err
	}
	return s, nil
}

// Close disconnects the pool.
func (s *Store) Close(ctx context.Context) error { return s.client.Disconnect(ctx) }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.client.Ping(ctx, readpref.Primary()); err != nil {
		return wrap(err, "ping database")
	}
	return nil
}

// Name returns the database name.
func (s *Store) Name() string { return s.db.Name() }

func (s *Store) c(name string) *mongo.Collection { return s.db.Collection(name) }

// wrap turns driver errors into what callers can act on: an unreachable
// database becomes fault.Unavailable (503); anything else keeps its cause.
func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	if _, ok := fault.As(err); ok {
		return err
	}
	if mongo.IsNetworkError(err) || mongo.IsTimeout(err) || errors.Is(err, context.DeadlineExceeded) ||
		errors.As(err, new(topology.ServerSelectionError)) || errors.Is(err, mongo.ErrClientDisconnected) ||
		backendDown(err) {
		return &fault.Error{Code: fault.Unavailable, RetryAfter: time.Second, Err: fmt.Errorf("%s: %w", what, err)}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// backendDown reports a server that answers but cannot reach its own
// storage: FerretDB says InternalError (code 1) when PostgreSQL is gone.
func backendDown(err error) bool {
	var se mongo.ServerError
	return errors.As(err, &se) && se.HasErrorCode(1)
}

// isDuplicate reports whether err is a unique-index violation.
func isDuplicate(err error) bool { return mongo.IsDuplicateKeyError(err) }

// notFound maps "no document" to fault.NotFound.
func notFound(err error, what string) error {
	if errors.Is(err, mongo.ErrNoDocuments) {
		return fault.New(fault.NotFound)
	}
	return wrap(err, what)
}

// oid parses a 24-hex id; anything else is not found (API.md: a malformed
// id gives 404).
func oid(id string) (bson.ObjectID, error) {
	o, err := bson.ObjectIDFromHex(id)
	if err != nil {
		return bson.ObjectID{}, fault.New(fault.NotFound)
	}
	return o, nil
}

// NewID returns a fresh ObjectId in hex, for users and events.
func NewID() string { return bson.NewObjectID().Hex() }

// ValidID reports whether id is a well-formed ObjectId in hex.
func ValidID(id string) bool {
	_, err := bson.ObjectIDFromHex(id)
	return err == nil
}

package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// RefreshToken is a stored refresh token: only the SHA-256 of the token,
// the login (family) it belongs to and its owner.
type RefreshToken struct {
	Hash      string // hex SHA-256 of the token; the document id
	Family    string // one per login; every rotation keeps it
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

type refreshDoc struct {
	Hash      string    `bson:"_id"`
	Family    string    `bson:"family"`
	UserID    string    `bson:"userId"`
	CreatedAt time.Time `bson:"createdAt"`
	ExpiresAt time.Time `bson:"expiresAt"`
}

// markerDoc is a document whose id alone is the fact: a used refresh token
// (by hash) or a revoked family (by family id).
type markerDoc struct {
	ID string    `bson:"_id"`
	At time.Time `bson:"at"`
}

type failureDoc struct {
	ID      bson.ObjectID `bson:"_id"`
	Key     string        `bson:"key"`
	At      time.Time     `bson:"at"`
	Pending bool          `bson:"pending"`
}

// InsertRefreshToken stores t.
func (s *Store) InsertRefreshToken(ctx context.Context, t RefreshToken) error {
	_, err := s.c(colRefreshTokens).InsertOne(ctx, refreshDoc{
		Hash: t.Hash, Family: t.Family, UserID: t.UserID, CreatedAt: t.CreatedAt.UTC(), ExpiresAt: t.ExpiresAt.UTC(),
	})
	return wrap(err, "insert refresh token")
}

// RefreshTokenByHash returns the refresh token whose hash is hash, or
// fault.NotFound.
func (s *Store) RefreshTokenByHash(ctx context.Context, hash string) (*RefreshToken, error) {
	var d refreshDoc
	if err := s.c(colRefreshTokens).FindOne(ctx, bson.D{{Key: "_id", Value: hash}}).Decode(&d); err != nil {
		return nil, notFound(err, "find refresh token")
	}
	return &RefreshToken{Hash: d.Hash, Family: d.Family, UserID: d.UserID, CreatedAt: d.CreatedAt, ExpiresAt: d.ExpiresAt}, nil
}

// UseRefreshToken spends the refresh token hash: it reports true for the one
// caller that spends it first and false for every later (or concurrent)
// one. The used marker's _id is the hash, so the unique _id index makes
// exactly one insert win; reading "used?" and then writing would let two
// racing refreshes both pass.
func (s *Store) UseRefreshToken(ctx context.Context, hash string, at time.Time) (bool, error) {
	_, err := s.c(colRefreshUsed).InsertOne(ctx, markerDoc{ID: hash, At: at.UTC()})
	if isDuplicate(err) {
		return false, nil
	}
	if err != nil {
		return false, wrap(err, "use refresh token")
	}
	return true, nil
}

// RevokeFamily revokes every refresh token of login family. Revoking twice
// is a no-op.
func (s *Store) RevokeFamily(ctx context.Context, family string, at time.Time) error {
	_, err := s.c(colRefreshRevoked).InsertOne(ctx, markerDoc{ID: family, At: at.UTC()})
	if err != nil && !isDuplicate(err) {
		return wrap(err, "revoke refresh family")
	}
	return nil
}

// FamilyRevoked reports whether login family was revoked.
func (s *Store) FamilyRevoked(ctx context.Context, family string) (bool, error) {
	err := s.c(colRefreshRevoked).FindOne(ctx, bson.D{{Key: "_id", Value: family}}).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, wrap(err, "find revoked family")
	}
	return true, nil
}

// DeleteRefreshTokens removes every refresh token of user id, so none of
// their logins can be refreshed again.
func (s *Store) DeleteRefreshTokens(ctx context.Context, userID string) error {
	_, err := s.c(colRefreshTokens).DeleteMany(ctx, bson.D{{Key: "userId", Value: userID}})
	return wrap(err, "delete refresh tokens")
}

// LoginAttempt is a login attempt counted by the lockout: Pending while its
// password is being checked, then kept (as a failure) or deleted.
type LoginAttempt struct {
	ID      string
	At      time.Time
	Pending bool
}

// BeginLoginAttempt records an attempt on account key before its password
// is checked, so that concurrent attempts see each other: each counts the
// attempts after inserting its own, and an insert is atomic, so however many
// race, the k-th to insert sees at least k.
func (s *Store) BeginLoginAttempt(ctx context.Context, key string, at time.Time) (string, error) {
	id := bson.NewObjectID()
	_, err := s.c(colLoginFailures).InsertOne(ctx, failureDoc{ID: id, Key: key, At: at.UTC(), Pending: true})
	return id.Hex(), wrap(err, "begin login attempt")
}

// FailLoginAttempt keeps attempt id as a failure at time at.
func (s *Store) FailLoginAttempt(ctx context.Context, id string, at time.Time) error {
	o, err := oid(id)
	if err != nil {
		return err
	}
	_, err = s.c(colLoginFailures).UpdateOne(ctx, bson.D{{Key: "_id", Value: o}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "pending", Value: false}, {Key: "at", Value: at.UTC()}}}})
	return wrap(err, "fail login attempt")
}

// DropLoginAttempt forgets attempt id (refused before its check).
func (s *Store) DropLoginAttempt(ctx context.Context, id string) error {
	o, err := oid(id)
	if err != nil {
		return err
	}
	_, err = s.c(colLoginFailures).DeleteOne(ctx, bson.D{{Key: "_id", Value: o}})
	return wrap(err, "drop login attempt")
}

// RecordLoginFailure stores one failed login for account key at time at.
func (s *Store) RecordLoginFailure(ctx context.Context, key string, at time.Time) error {
	_, err := s.c(colLoginFailures).InsertOne(ctx, failureDoc{ID: bson.NewObjectID(), Key: key, At: at.UTC()})
	return wrap(err, "record login failure")
}

// RecentLoginAttempts returns the latest n attempts (failed or pending) on
// account key since since, newest first.
func (s *Store) RecentLoginAttempts(ctx context.Context, key string, since time.Time, n int) ([]LoginAttempt, error) {
	filter := bson.D{{Key: "key", Value: key}, {Key: "at", Value: bson.D{{Key: "$gt", Value: since.UTC()}}}}
	opts := options.Find().SetSort(bson.D{{Key: "at", Value: -1}}).SetLimit(int64(n))
	cur, err := s.c(colLoginFailures).Find(ctx, filter, opts)
	if err != nil {
		return nil, wrap(err, "find login attempts")
	}
	var docs []failureDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(err, "find login attempts")
	}
	out := make([]LoginAttempt, len(docs))
	for i, d := range docs {
		out[i] = LoginAttempt{ID: d.ID.Hex(), At: d.At, Pending: d.Pending}
	}
	return out, nil
}

// ClearLoginFailures forgets, after a successful attempt id, the failures
// of account key (not its other pending attempts) and every attempt older
// than before.
func (s *Store) ClearLoginFailures(ctx context.Context, key, id string, before time.Time) error {
	o, err := oid(id)
	if err != nil {
		return err
	}
	_, err = s.c(colLoginFailures).DeleteMany(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "_id", Value: o}},
		bson.D{{Key: "key", Value: key}, {Key: "pending", Value: false}},
		bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: before.UTC()}}}},
	}}})
	return wrap(err, "clear login failures")
}

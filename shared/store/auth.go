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
	ID  bson.ObjectID `bson:"_id"`
	Key string        `bson:"key"`
	At  time.Time     `bson:"at"`
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

// RecordLoginFailure stores one failed login for account key at time at.
func (s *Store) RecordLoginFailure(ctx context.Context, key string, at time.Time) error {
	_, err := s.c(colLoginFailures).InsertOne(ctx, failureDoc{ID: bson.NewObjectID(), Key: key, At: at.UTC()})
	return wrap(err, "record login failure")
}

// RecentLoginFailures returns the times of the latest n failed logins of
// account key since since, newest first.
func (s *Store) RecentLoginFailures(ctx context.Context, key string, since time.Time, n int) ([]time.Time, error) {
	filter := bson.D{{Key: "key", Value: key}, {Key: "at", Value: bson.D{{Key: "$gt", Value: since.UTC()}}}}
	opts := options.Find().SetSort(bson.D{{Key: "at", Value: -1}}).SetLimit(int64(n))
	cur, err := s.c(colLoginFailures).Find(ctx, filter, opts)
	if err != nil {
		return nil, wrap(err, "find login failures")
	}
	var docs []failureDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(err, "find login failures")
	}
	times := make([]time.Time, len(docs))
	for i, d := range docs {
		times[i] = d.At
	}
	return times, nil
}

// ClearLoginFailures forgets the failed logins of account key (after a
// successful login) and those of any account older than before.
func (s *Store) ClearLoginFailures(ctx context.Context, key string, before time.Time) error {
	_, err := s.c(colLoginFailures).DeleteMany(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "key", Value: key}},
		bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: before.UTC()}}}},
	}}})
	return wrap(err, "clear login failures")
}

package store

import (
	"context"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"guichet.dev/shared/fault"
	"guichet.dev/shared/i18n"
	"guichet.dev/shared/user"
)

type userDoc struct {
	ID           bson.ObjectID `bson:"_id"`
	Username     string        `bson:"username"`
	UsernameKey  string        `bson:"usernameKey"`
	Email        string        `bson:"email"`
	Role         string        `bson:"role"`
	Language     string        `bson:"language"`
	Phone        string        `bson:"phone,omitempty"`
	PasswordHash string        `bson:"passwordHash"`
	CreatedAt    time.Time     `bson:"createdAt"`
	UpdatedAt    time.Time     `bson:"updatedAt"`
}

func toUserDoc(u *user.User) (userDoc, error) {
	id, err := oid(u.ID)
	if err != nil {
		return userDoc{}, err
	}
	return userDoc{
		ID: id, Username: u.Username, UsernameKey: strings.ToLower(u.Username), Email: u.Email,
		Role: string(u.Role), Language: string(u.Language), Phone: u.Phone, PasswordHash: u.PasswordHash,
		CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC(),
	}, nil
}

func (d userDoc) user() *user.User {
	return &user.User{
		ID: d.ID.Hex(), Username: d.Username, Email: d.Email, Role: user.Role(d.Role),
		Language: i18n.Lang(d.Language), Phone: d.Phone, PasswordHash: d.PasswordHash,
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(),
	}
}

// InsertUser stores a new user. A taken e-mail or username (unique indexes,
// case-insensitive) is fault.Conflict.
func (s *Store) InsertUser(ctx context.Context, u *user.User) error {
	d, err := toUserDoc(u)
	if err != nil {
		return err
	}
	_, err = s.c(colUsers).InsertOne(ctx, d)
	if isDuplicate(err) {
		return fault.With(fault.Conflict, "user.taken")
	}
	return wrap(err, "insert user")
}

// UserByID returns the user with id, or fault.NotFound.
func (s *Store) UserByID(ctx context.Context, id string) (*user.User, error) {
	o, err := oid(id)
	if err != nil {
		return nil, err
	}
	var d userDoc
	if err := s.c(colUsers).FindOne(ctx, bson.D{{Key: "_id", Value: o}}).Decode(&d); err != nil {
		return nil, notFound(err, "find user")
	}
	return d.user(), nil
}

// UserByEmail returns the user with the (lower-case) email, or fault.NotFound.
func (s *Store) UserByEmail(ctx context.Context, email string) (*user.User, error) {
	return s.findUser(ctx, bson.D{{Key: "email", Value: email}})
}

// UserByUsername returns the user whose username matches name in any case,
// or fault.NotFound.
func (s *Store) UserByUsername(ctx context.Context, name string) (*user.User, error) {
	return s.findUser(ctx, bson.D{{Key: "usernameKey", Value: strings.ToLower(name)}})
}

func (s *Store) findUser(ctx context.Context, filter bson.D) (*user.User, error) {
	var d userDoc
	if err := s.c(colUsers).FindOne(ctx, filter).Decode(&d); err != nil {
		return nil, notFound(err, "find user")
	}
	return d.user(), nil
}

// UpdateUser replaces the stored user u (same id). A taken e-mail or
// username is fault.Conflict (unique indexes); a missing user fault.NotFound.
func (s *Store) UpdateUser(ctx context.Context, u *user.User) error {
	d, err := toUserDoc(u)
	if err != nil {
		return err
	}
	defer s.signedIn.drop(u.ID)
	res, err := s.c(colUsers).ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d)
	if isDuplicate(err) || isDuplicateUpdate(err) {
		return fault.With(fault.Conflict, "user.taken")
	}
	if err != nil {
		return wrap(err, "update user")
	}
	if res.MatchedCount == 0 {
		return fault.New(fault.NotFound)
	}
	return nil
}

// DeleteUser removes the user with id, or answers fault.NotFound.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	o, err := oid(id)
	if err != nil {
		return err
	}
	defer s.signedIn.drop(id)
	res, err := s.c(colUsers).DeleteOne(ctx, bson.D{{Key: "_id", Value: o}})
	if err != nil {
		return wrap(err, "delete user")
	}
	if res.DeletedCount == 0 {
		return fault.New(fault.NotFound)
	}
	return nil
}

// ListUsers returns up to limit users in id order, starting after the id
// after ("" for the first page), and whether more follow.
func (s *Store) ListUsers(ctx context.Context, after string, limit int) ([]*user.User, bool, error) {
	filter := bson.D{}
	if after != "" {
		o, err := bson.ObjectIDFromHex(after)
		if err != nil {
			return nil, false, fault.New(fault.NotFound)
		}
		filter = bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: o}}}}
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit) + 1)
	cur, err := s.c(colUsers).Find(ctx, filter, opts)
	if err != nil {
		return nil, false, wrap(err, "list users")
	}
	var docs []userDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, false, wrap(err, "list users")
	}
	more := len(docs) > limit
	if more {
		docs = docs[:limit]
	}
	users := make([]*user.User, len(docs))
	for i, d := range docs {
		users[i] = d.user()
	}
	return users, more, nil
}

// isDuplicateUpdate reports a unique-index violation by an update. MongoDB
// answers it as a duplicate key (11000), but FerretDB 1.24 answers an
// InternalError carrying its backend's message (SQLite or PostgreSQL).
func isDuplicateUpdate(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "duplicate key value violates unique constraint")
}

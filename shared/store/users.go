package store

import (
	"context"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

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

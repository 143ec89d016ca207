package store

import (
	"context"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"guichet.dev/shared/fault"
	"guichet.dev/shared/user"
)

// userLoader group-reads users by id: the requests that authenticate at
// the same moment share one find with $in. Each caller still gets a read
// that began after it asked (a deleted user's token stops working at
// once), but an on-sale's thousands of authentications cost a few queries
// rather than one each (FerretDB answers a find by _id by scanning).
type userLoader struct {
	start sync.Once
	queue chan *userReq
}

type userReq struct {
	id   bson.ObjectID
	u    *user.User
	err  error
	done chan struct{}
}

// LoadUser is UserByID through the group read: the user with id, or
// fault.NotFound.
func (s *Store) LoadUser(ctx context.Context, id string) (*user.User, error) {
	o, err := oid(id)
	if err != nil {
		return nil, err
	}
	l := &s.users
	l.start.Do(func() {
		l.queue = make(chan *userReq, 4096)
		for range 2 {
			go s.loadUsers()
		}
	})
	r := &userReq{id: o, done: make(chan struct{})}
	select {
	case l.queue <- r:
	case <-ctx.Done():
		return nil, wrap(ctx.Err(), "load user")
	}
	select {
	case <-r.done:
		return r.u, r.err
	case <-ctx.Done():
		return nil, wrap(ctx.Err(), "load user")
	}
}

func (s *Store) loadUsers() {
	for first := range s.users.queue {
		reqs := []*userReq{first}
	drain:
		for len(reqs) < 256 {
			select {
			case r := <-s.users.queue:
				reqs = append(reqs, r)
			default:
				break drain
			}
		}
		ids := make([]bson.ObjectID, len(reqs))
		for i, r := range reqs {
			ids[i] = r.id
		}
		found, err := s.findUsers(ids)
		for _, r := range reqs {
			switch u, ok := found[r.id]; {
			case err != nil:
				r.err = err
			case ok:
				r.u = u.user()
			default:
				r.err = fault.New(fault.NotFound)
			}
			close(r.done)
		}
	}
}

func (s *Store) findUsers(ids []bson.ObjectID) (map[bson.ObjectID]userDoc, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cur, err := s.c(colUsers).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, wrap(err, "load users")
	}
	var docs []userDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(err, "load users")
	}
	m := make(map[bson.ObjectID]userDoc, len(docs))
	for _, d := range docs {
		m[d.ID] = d
	}
	return m, nil
}

package store

import (
	"context"
	"sync"
	"time"

	"guichet.dev/shared/user"
)

// SignedInTTL is how long a process reuses a user it read to authenticate
// a request: a user changed or deleted by another process (another function
// replica) is seen at most this late; one changed through the same Store at
// once. Every signed-in request read its user before, and that read was the
// largest CPU cost of an on-sale after the writes (measured with guichet
// bench, 64 buyers on SQLite: one users lookup per purchase, 24 % of the
// process's CPU in FerretDB's find; cached, 526-556 -> 667-713 tickets/s).
const SignedInTTL = time.Second

// maxSignedIn bounds the cache; past it, expired entries go, and if that
// is not enough, all of them.
const maxSignedIn = 4096

// userCache keeps the users read for authentication for SignedInTTL.
type userCache struct {
	ttl time.Duration

	mu    sync.Mutex
	gen   uint64 // bumped by every user write: a read begun before one is not kept
	users map[string]cachedUser
}

type cachedUser struct {
	u       user.User
	expires time.Time
}

func newUserCache(ttl time.Duration) *userCache {
	return &userCache{ttl: ttl, users: map[string]cachedUser{}}
}

// get returns a copy of the cached user id, if fresh at now, and the
// generation a read begun now must present to put.
func (c *userCache) get(id string, now time.Time) (*user.User, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.users[id]
	if !ok || !now.Before(e.expires) {
		return nil, c.gen
	}
	u := e.u
	return &u, c.gen
}

// put keeps u as read by a read begun at generation gen, unless a user was
// written since.
func (c *userCache) put(u *user.User, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.users) >= maxSignedIn {
		for id, e := range c.users {
			if !now.Before(e.expires) {
				delete(c.users, id)
			}
		}
		if len(c.users) >= maxSignedIn {
			clear(c.users)
		}
	}
	c.users[u.ID] = cachedUser{u: *u, expires: now.Add(c.ttl)}
}

// drop forgets user id and fails the reads in flight.
func (c *userCache) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.users, id)
}

// SignedInUser returns the user with id as UserByID does, reusing a read
// at most SignedInTTL old: for authenticating requests, not for decisions
// that read-modify-write the user. The user returned is the caller's copy.
func (s *Store) SignedInUser(ctx context.Context, id string) (*user.User, error) {
	now := time.Now()
	u, gen := s.signedIn.get(id, now)
	if u != nil {
		return u, nil
	}
	u, err := s.UserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	s.signedIn.put(u, gen, now)
	return u, nil
}

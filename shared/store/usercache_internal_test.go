package store

import (
	"testing"
	"time"

	"guichet.dev/shared/user"
)

// TestUserCacheKeepsNoReadBegunBeforeAWrite: a read that began before a
// user write may have read the old user; it must not be kept.
func TestUserCacheKeepsNoReadBegunBeforeAWrite(t *testing.T) {
	c := newUserCache(time.Minute)
	now := time.Now()
	_, gen := c.get("u1", now)
	c.drop("u2")
	c.put(&user.User{ID: "u1", Role: user.Admin}, gen, now)
	if u, _ := c.get("u1", now); u != nil {
		t.Fatal("a read begun before a write was kept")
	}
	_, gen = c.get("u1", now)
	c.put(&user.User{ID: "u1", Role: user.Admin}, gen, now)
	if u, _ := c.get("u1", now); u == nil || u.Role != user.Admin {
		t.Fatalf("read not kept: %+v", u)
	}
	if u, _ := c.get("u1", now.Add(time.Minute)); u != nil {
		t.Fatal("entry served at its expiry")
	}
}

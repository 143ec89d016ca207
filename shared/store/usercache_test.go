package store_test

import (
	"context"
	"testing"
	"time"

	"guichet.dev/shared/fault"
	"guichet.dev/shared/store"
	"guichet.dev/shared/testenv"
	"guichet.dev/shared/user"
)

// TestSignedInUser checks the staleness bound of the users read to
// authenticate: a change made through the same Store shows at once, one
// made by another process (another Store on the database) within
// SignedInTTL, and a caller's copy is its own.
func TestSignedInUser(t *testing.T) {
	ctx := context.Background()
	uri, name := testenv.MongoURI(t), testenv.DatabaseName(t)
	here, other := openStore(t, uri, name, store.Options{}), openStore(t, uri, name, store.Options{})
	now := time.Now().UTC().Truncate(time.Millisecond)
	u := &user.User{ID: store.NewID(), Username: "cached", Email: "cached@example.test", Role: user.Organizer,
		Language: "en", CreatedAt: now, UpdatedAt: now}
	if err := here.InsertUser(ctx, u); err != nil {
		t.Fatal(err)
	}

	got, err := here.SignedInUser(ctx, u.ID)
	if err != nil || got.Role != user.Organizer {
		t.Fatalf("first read: %+v, %v", got, err)
	}
	got.Role = user.Admin
	if again, _ := here.SignedInUser(ctx, u.ID); again.Role != user.Organizer {
		t.Fatalf("a caller's change to its copy reached the cache: role %s", again.Role)
	}

	demoted := *u
	demoted.Role = user.Customer
	if err := here.UpdateUser(ctx, &demoted); err != nil {
		t.Fatal(err)
	}
	if got, _ := here.SignedInUser(ctx, u.ID); got.Role != user.Customer {
		t.Fatalf("role %s after an update through the same store, want customer at once", got.Role)
	}

	if err := other.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(store.SignedInTTL + 5*time.Second)
	for {
		_, err := here.SignedInUser(ctx, u.ID)
		if fe, ok := fault.As(err); ok && fe.Code == fault.NotFound {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("user deleted by another process still signed in after %s", store.SignedInTTL+5*time.Second)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := other.InsertUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := here.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := here.SignedInUser(ctx, u.ID); err == nil {
		t.Fatal("user deleted through the same store still signed in")
	}
}

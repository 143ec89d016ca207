package store_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"guichet.dev/shared/store"
	"guichet.dev/shared/testenv"
)

// TestSkipQueryIndexes checks that a Store opened with SkipQueryIndexes
// drops the indexes that serve only queries and keeps the unique ones, and
// that one opened without it (MongoDB) makes them again.
func TestSkipQueryIndexes(t *testing.T) {
	ctx := context.Background()
	uri, name := testenv.MongoURI(t), testenv.DatabaseName(t)
	names := func(skip bool, col string) []string {
		t.Helper()
		specs, err := openStore(t, uri, name, store.Options{SkipQueryIndexes: skip}).CollectionIndexes(ctx, col)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, spec := range specs {
			var i struct{ Name string }
			if err := json.Unmarshal(spec, &i); err != nil {
				t.Fatal(err)
			}
			out = append(out, i.Name)
		}
		slices.Sort(out)
		return out
	}
	all := []string{"confirmation_pending", "event_date", "event_status", "owner_date", "purchase"}
	if got := names(false, "tickets"); !slices.Equal(got, all) {
		t.Fatalf("tickets' indexes for MongoDB: %v, want %v", got, all)
	}
	for range 2 {
		if got := names(true, "tickets"); len(got) != 0 {
			t.Errorf("tickets' indexes with SkipQueryIndexes: %v, want none", got)
		}
	}
	unique := []string{"email_unique", "username_unique"}
	if got := names(true, "users"); !slices.Equal(got, unique) {
		t.Errorf("users' indexes with SkipQueryIndexes: %v, want the unique ones %v", got, unique)
	}
	if got := names(false, "tickets"); !slices.Equal(got, all) {
		t.Errorf("tickets' indexes for MongoDB again: %v, want %v", got, all)
	}
}

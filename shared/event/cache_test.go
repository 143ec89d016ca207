package event_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"guichet.dev/shared/event"
	"guichet.dev/shared/store"
	"guichet.dev/shared/testenv"
	"guichet.dev/shared/ticket"
)

var _ event.Store = (*store.Store)(nil)

// TestCacheAnswersAsTheDatabaseDoes compares every read of the cache, in
// snapshot mode and in per-key mode, with the same read on the database,
// over filters and keyset positions that cover each condition.
func TestCacheAnswersAsTheDatabaseDoes(t *testing.T) {
	ctx := context.Background()
	env := testenv.Env(t, testenv.Config(t))
	st := env.Store
	now := time.Now().UTC().Truncate(time.Millisecond)
	orgs := []string{store.NewID(), store.NewID()}
	titles := []string{"Jazz Night", "jazz brunch", "Rock (live)", "Price $where", "All .* welcome", "Ünïcödé fête", "Plain"}
	var ids []string
	for i := range 60 {
		st8 := event.Scheduled
		if i%7 == 0 {
			st8 = event.Cancelled
		}
		// Several events share a date, some are past.
		e := &event.Event{ID: store.NewID(), Title: fmt.Sprintf("%s %d", titles[i%len(titles)], i), Description: "d",
			Address: "a", Date: now.Add(time.Duration(i/3-4) * time.Hour), TicketCapacity: 10, Currency: "EUR",
			Status: st8, OrganizerID: orgs[i%2], CreatedAt: now, UpdatedAt: now}
		if err := st.InsertEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	for i, id := range ids[:10] {
		ts := make([]ticket.Ticket, i+1)
		for n := range ts {
			status := ticket.Valid
			if n == 0 {
				status = ticket.Cancelled
			}
			ts[n] = ticket.Ticket{UUID: uuid.NewString(), Event: id, Number: n + 1, Currency: "EUR", Date: now,
				OwnerID: orgs[0], Status: status, Code: "c", PurchaseID: uuid.NewString()}
		}
		if err := st.InsertTickets(ctx, ts); err != nil {
			t.Fatal(err)
		}
	}
	from, to := now.Add(-2*time.Hour), now.Add(6*time.Hour)
	filters := []event.Filter{
		{Status: event.Scheduled, Limit: 20, Now: now},
		{Status: event.Scheduled, Limit: 5, Now: now, Past: true},
		{Status: event.Cancelled, Limit: 100, Now: now, Past: true},
		{Status: event.Scheduled, Limit: 100, Now: now, Past: true, From: &from, To: &to},
		{Status: event.Scheduled, Limit: 100, Now: now, Past: true, OrganizerID: orgs[1]},
		{Status: event.Scheduled, Limit: 100, Now: now, Past: true, Q: "JAZZ"},
		{Status: event.Scheduled, Limit: 100, Now: now, Past: true, Q: ".*"},
		{Status: event.Scheduled, Limit: 100, Now: now, Past: true, Q: "("},
		{Status: event.Scheduled, Limit: 100, Now: now, Past: true, Q: "$where"},
		{Status: event.Scheduled, Limit: 100, Now: now, Past: true, Q: "ÜNÏ"},
	}
	caches := map[string]*event.Cache{
		"snapshot": event.NewCache(st, time.Minute, 1000),
		"per key":  event.NewCache(st, time.Minute, 10),
		"no cache": event.NewCache(st, 0, 1000),
	}
	for name, c := range caches {
		t.Run(name, func(t *testing.T) {
			for i, f := range filters {
				// Walk the whole list in pages, comparing every page.
				for page := 0; ; page++ {
					want, err := st.ListEvents(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					got, err := c.ListEvents(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					unsold(got...)
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("filter %d page %d: cache %v, database %v", i, page, titlesOf(got), titlesOf(want))
					}
					if len(want) <= f.Limit {
						break
					}
					last := want[f.Limit-1]
					f.After = &event.Cursor{Date: last.Date, ID: last.ID}
				}
			}
			for _, id := range ids {
				want, _ := st.EventByID(ctx, id)
				got, err := c.EventByID(ctx, id)
				unsold(got)
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Fatalf("event %s: cache %+v %v, database %+v", id, got, err, want)
				}
			}
			if _, err := c.EventByID(ctx, store.NewID()); err == nil {
				t.Error("an unknown id was found")
			}
			want, _ := st.TicketsSold(ctx, ids...)
			got, err := c.TicketsSold(ctx, ids...)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range ids {
				if got[id] != want[id] {
					t.Errorf("sold %s: cache %d, database %d", id, got[id], want[id])
				}
			}
		})
	}
}

// unsold clears the sales a snapshot fills in, which the database reads
// leave to TicketsSold.
func unsold(es ...*event.Event) {
	for _, e := range es {
		if e != nil {
			e.TicketsSold, e.TicketsRemaining = 0, 0
		}
	}
}

func titlesOf(es []*event.Event) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Title
	}
	return out
}

// TestCacheShowsItsOwnWritesAtOnce checks that a write through the cache is
// never hidden by what the cache read before it.
func TestCacheShowsItsOwnWritesAtOnce(t *testing.T) {
	ctx := context.Background()
	env := testenv.Env(t, testenv.Config(t))
	now := time.Now().UTC().Truncate(time.Millisecond)
	for name, max := range map[string]int{"snapshot": 1000, "per key": 0} {
		t.Run(name, func(t *testing.T) {
			c := event.NewCache(env.Store, time.Hour, max)
			e := &event.Event{ID: store.NewID(), Title: "Before", Description: "d", Address: "a", Date: now.Add(time.Hour),
				TicketCapacity: 10, Currency: "EUR", Status: event.Scheduled, OrganizerID: store.NewID(), CreatedAt: now, UpdatedAt: now}
			f := event.Filter{Status: event.Scheduled, Limit: 20, Now: now, OrganizerID: e.OrganizerID}
			if got, _ := c.ListEvents(ctx, f); len(got) != 0 {
				t.Fatalf("listed %v before the insert", titlesOf(got))
			}
			if err := c.Fresh().InsertEvent(ctx, e); err != nil {
				t.Fatal(err)
			}
			if got, _ := c.ListEvents(ctx, f); len(got) != 1 {
				t.Fatalf("listed %v after the insert", titlesOf(got))
			}
			if got, err := c.EventByID(ctx, e.ID); err != nil || got.Title != "Before" {
				t.Fatalf("read %+v, %v", got, err)
			}
			e.Title = "After"
			if err := c.Fresh().ReplaceEvent(ctx, e); err != nil {
				t.Fatal(err)
			}
			if got, _ := c.EventByID(ctx, e.ID); got.Title != "After" {
				t.Errorf("read %q after the update", got.Title)
			}
			if got, _ := c.ListEvents(ctx, f); len(got) != 1 || got[0].Title != "After" {
				t.Errorf("listed %v after the update", titlesOf(got))
			}
			if err := c.Fresh().DeleteEvent(ctx, e.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := c.EventByID(ctx, e.ID); err == nil {
				t.Error("found after the delete")
			}
		})
	}
}

// TestCacheSeesOtherProcessesWrites writes straight to the database, as
// another process would, and waits (polling, bounded) for a cache with a
// tiny TTL to show the change: an event write moves the collection's
// version and reloads it; a sale is counted again on every refresh.
func TestCacheSeesOtherProcessesWrites(t *testing.T) {
	ctx := context.Background()
	env := testenv.Env(t, testenv.Config(t))
	st := env.Store
	now := time.Now().UTC().Truncate(time.Millisecond)
	e := &event.Event{ID: store.NewID(), Title: "Before", Description: "d", Address: "a", Date: now.Add(time.Hour),
		TicketCapacity: 10, Currency: "EUR", Status: event.Scheduled, OrganizerID: store.NewID(), CreatedAt: now, UpdatedAt: now}
	if err := st.InsertEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	c := event.NewCache(st, time.Nanosecond, 1000)
	eventually := func(what string, ok func(*event.Event) bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			got, err := c.EventByID(ctx, e.ID)
			if err == nil && ok(got) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never showed: %+v, %v", what, got, err)
			}
		}
	}
	eventually("the event", func(got *event.Event) bool { return got.Title == "Before" })
	v1, _ := st.EventsVersion(ctx)
	e.Title = "After"
	if err := st.ReplaceEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	if v2, _ := st.EventsVersion(ctx); v2 == v1 || v2 == "" {
		t.Fatalf("version %q did not move from %q", v2, v1)
	}
	eventually("the update", func(got *event.Event) bool { return got.Title == "After" })
	// A sale in another process is a seat claim there.
	if errs, _, err := st.InsertClaims(ctx, []ticket.Claim{{Event: e.ID, Number: 1, PurchaseID: uuid.NewString(), At: now}}); err != nil || errs[0] != nil {
		t.Fatal(err, errs)
	}
	eventually("the sale", func(got *event.Event) bool { return got.TicketsSold == 1 && got.TicketsRemaining == 9 })
}

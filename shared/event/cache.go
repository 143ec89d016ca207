package event

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// CacheTTL is how long a process reuses what it read: the staleness bound
// of the public reads. An event changed by another process (another
// function replica) shows its change, and ticketsSold its sales, at most
// this late; a change made through the same Cache shows at once.
const CacheTTL = time.Second

// maxEntries bounds each map of the cache; past it, expired entries go,
// and if that is not enough, all of them.
const maxEntries = 4096

// Cache is a per-process read cache in front of a Store for GET
// /api/events and GET /api/events/{id}. FerretDB 1.24 sorts and filters a
// list in memory after reading the whole collection (only an _id equality
// is pushed down to SQLite), so a list costs tens to hundreds of
// milliseconds; the cache reads each distinct query at most once per
// CacheTTL, and concurrent misses of one key share one database read.
//
// Its reads are cached; its writes go to the Store and drop what they
// change. Fresh gives the uncached view that writes decide on.
type Cache struct {
	st     Store
	ttl    time.Duration
	flight singleflight.Group

	mu     sync.Mutex
	gen    uint64 // bumped by every write; a read begun before one is not kept
	events map[string]entry[Event]
	lists  map[string]entry[[]Event]
	sold   map[string]entry[int]
}

type entry[T any] struct {
	v       T
	expires time.Time
}

// NewCache returns a cache over st keeping reads for ttl (0: no caching).
func NewCache(st Store, ttl time.Duration) *Cache {
	return &Cache{st: st, ttl: ttl, events: map[string]entry[Event]{},
		lists: map[string]entry[[]Event]{}, sold: map[string]entry[int]{}}
}

// Fresh returns the view of the Store that reads the database directly and
// writes through the cache: what create, update and delete use, so that a
// conflict check never rests on a cached count.
func (c *Cache) Fresh() Store { return fresh{c} }

type fresh struct{ *Cache }

func (f fresh) EventByID(ctx context.Context, id string) (*Event, error) {
	return f.st.EventByID(ctx, id)
}

func (f fresh) ListEvents(ctx context.Context, fl Filter) ([]*Event, error) {
	return f.st.ListEvents(ctx, fl)
}

func (f fresh) TicketsSold(ctx context.Context, ids ...string) (map[string]int, error) {
	return f.st.TicketsSold(ctx, ids...)
}

// EventByID returns event id, read at most CacheTTL ago.
func (c *Cache) EventByID(ctx context.Context, id string) (*Event, error) {
	if e, ok := lookup(c, c.events, id); ok {
		return &e, nil
	}
	v, err := c.load(ctx, "e\x00"+id, func(ctx context.Context) (any, error) {
		e, err := c.st.EventByID(ctx, id)
		if err != nil {
			return nil, err
		}
		return *e, nil
	}, func(v any, exp time.Time) { c.events[id] = entry[Event]{v.(Event), exp} })
	if err != nil {
		return nil, err
	}
	e := v.(Event)
	return &e, nil
}

// ListEvents returns the events of f, read at most CacheTTL ago (so an
// event may still be listed up to CacheTTL after its date passed).
func (c *Cache) ListEvents(ctx context.Context, f Filter) ([]*Event, error) {
	key := filterKey(f)
	es, ok := lookup(c, c.lists, key)
	if !ok {
		v, err := c.load(ctx, "l\x00"+key, func(ctx context.Context) (any, error) {
			ps, err := c.st.ListEvents(ctx, f)
			if err != nil {
				return nil, err
			}
			vs := make([]Event, len(ps))
			for i, p := range ps {
				vs[i] = *p
			}
			return vs, nil
		}, func(v any, exp time.Time) { c.lists[key] = entry[[]Event]{v.([]Event), exp} })
		if err != nil {
			return nil, err
		}
		es = v.([]Event)
	}
	out := make([]*Event, len(es))
	for i := range es {
		e := es[i]
		out[i] = &e
	}
	return out, nil
}

// TicketsSold returns the sales of ids, each counted at most CacheTTL ago;
// the ids not cached are counted in one query.
func (c *Cache) TicketsSold(ctx context.Context, ids ...string) (map[string]int, error) {
	sold := make(map[string]int, len(ids))
	var missing []string
	for _, id := range ids {
		if n, ok := lookup(c, c.sold, id); ok {
			sold[id] = n
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return sold, nil
	}
	slices.Sort(missing)
	missing = slices.Compact(missing)
	v, err := c.load(ctx, "s\x00"+strings.Join(missing, ","), func(ctx context.Context) (any, error) {
		return c.st.TicketsSold(ctx, missing...)
	}, func(v any, exp time.Time) {
		counts := v.(map[string]int)
		for _, id := range missing {
			c.sold[id] = entry[int]{counts[id], exp}
		}
	})
	if err != nil {
		return nil, err
	}
	for id, n := range v.(map[string]int) {
		sold[id] = n
	}
	return sold, nil
}

// InsertEvent stores e; lists are read again.
func (c *Cache) InsertEvent(ctx context.Context, e *Event) error {
	defer c.drop(e.ID)
	return c.st.InsertEvent(ctx, e)
}

// ReplaceEvent stores e; e and lists are read again.
func (c *Cache) ReplaceEvent(ctx context.Context, e *Event) error {
	defer c.drop(e.ID)
	return c.st.ReplaceEvent(ctx, e)
}

// DeleteEvent removes event id; it and lists are read again.
func (c *Cache) DeleteEvent(ctx context.Context, id string) error {
	defer c.drop(id)
	return c.st.DeleteEvent(ctx, id)
}

// drop forgets event id, its sales and every list, and makes reads that
// began before the write not kept.
func (c *Cache) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.events, id)
	delete(c.sold, id)
	clear(c.lists)
}

// lookup returns the live entry of key in m.
func lookup[T any](c *Cache, m map[string]entry[T], key string) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := m[key]
	if !ok || !time.Now().Before(e.expires) {
		var zero T
		return zero, false
	}
	return e.v, true
}

// load reads through fetch, one read per key at a time, and keeps the
// result with keep unless a write happened meanwhile. The read does not
// end with the first caller's request: it runs on its own context so one
// caller leaving does not fail the others waiting on it.
func (c *Cache) load(ctx context.Context, key string, fetch func(context.Context) (any, error), keep func(any, time.Time)) (any, error) {
	if c.ttl <= 0 {
		return fetch(ctx)
	}
	ch := c.flight.DoChan(key, func() (any, error) {
		c.mu.Lock()
		gen := c.gen
		c.mu.Unlock()
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		v, err := fetch(rctx)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.gen == gen {
			c.prune()
			keep(v, time.Now().Add(c.ttl))
		}
		return v, nil
	})
	select {
	case r := <-ch:
		return r.Val, r.Err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// prune keeps the maps under maxEntries; c.mu is held.
func (c *Cache) prune() {
	now := time.Now()
	pruneMap(c.events, now)
	pruneMap(c.lists, now)
	pruneMap(c.sold, now)
}

func pruneMap[T any](m map[string]entry[T], now time.Time) {
	if len(m) < maxEntries {
		return
	}
	for k, e := range m {
		if !now.Before(e.expires) {
			delete(m, k)
		}
	}
	if len(m) >= maxEntries {
		clear(m)
	}
}

// filterKey names a filter's result, leaving out Now: a cached list may
// keep an event up to CacheTTL after its date.
func filterKey(f Filter) string {
	t := func(p *time.Time) string {
		if p == nil {
			return "-"
		}
		return p.Format(time.RFC3339Nano)
	}
	after := "-"
	if f.After != nil {
		after = f.After.String()
	}
	return fmt.Sprintf("%q|%s|%s|%s|%t|%s|%d|%s", f.Q, t(f.From), t(f.To), f.Status, f.Past, f.OrganizerID, f.Limit, after)
}

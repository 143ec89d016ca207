package event

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"guichet.dev/shared/fault"
)

// CacheTTL is how long a process reuses what it read: the staleness bound
// of the public reads. An event changed by another process (another
// function replica) shows its change, and ticketsSold its sales, at most
// this late; a change made through the same Cache shows at once.
const CacheTTL = time.Second

// SnapshotMax is the largest events collection a process keeps whole in
// memory. Past it, reads are cached per event and per list query instead.
const SnapshotMax = 2000

// maxEntries bounds each map of the per-key cache; past it, expired
// entries go, and if that is not enough, all of them.
const maxEntries = 4096

// Cache is a per-process read cache in front of a Store for GET
// /api/events and GET /api/events/{id}.
//
// Why: FerretDB 1.24 pushes only an _id equality and a bare limit down to
// SQLite; a list query reads the whole collection and sorts it in memory,
// and even _id lookups serialize at about a hundred a second under 64
// clients (measured). So while the collection is small (SnapshotMax), the
// process reads it whole, with every event's ticketsSold, and answers both
// reads from memory. The snapshot is refreshed in the background once a
// quarter of its life is gone, so readers wait on the database only when a
// refresh takes longer than the rest of the TTL. A refresh reads the
// collection's version (one _id lookup, changed by every event write, see
// store.EventsVersion) and reads the events again only when it moved; the
// sales are counted again every time. A larger collection is cached per event
// and per distinct list query, concurrent misses of one key sharing one
// read. On MongoDB with its indexes the queries are cheap either way.
//
// Its reads are cached; its writes go to the Store and drop what they
// change. Fresh gives the uncached view that writes decide on.
type Cache struct {
	st      Store
	ttl     time.Duration
	snapMax int
	flight  singleflight.Group

	mu       sync.Mutex
	gen      uint64    // bumped by every write; a read begun before one is not kept
	snap     *snapshot // nil: none yet, dropped by a write, or the collection is too big
	bigUntil time.Time // the collection was over snapMax: no snapshot tried until then
	events   map[string]entry[Event]
	lists    map[string]entry[[]Event]
	sold     map[string]entry[int]
}

// snapshot is the whole events collection as read at one time.
type snapshot struct {
	at      time.Time      // when its read began: its age bounds staleness
	version string         // the collection's EventsVersion when read
	sorted  []Event        // by (date, id), ticketsSold filled in
	index   map[string]int // id -> position in sorted
}

type entry[T any] struct {
	v       T
	expires time.Time
}

// NewCache returns a cache over st keeping reads for ttl (0: no caching)
// and snapshots of collections up to snapshotMax events.
func NewCache(st Store, ttl time.Duration, snapshotMax int) *Cache {
	return &Cache{st: st, ttl: ttl, snapMax: snapshotMax, events: map[string]entry[Event]{},
		lists: map[string]entry[[]Event]{}, sold: map[string]entry[int]{}}
}

// current returns a snapshot younger than the TTL, or nil when there is
// none to be had (collection too big, database error, a write meanwhile).
func (c *Cache) current(ctx context.Context) *snapshot {
	if c.ttl <= 0 {
		return nil
	}
	c.mu.Lock()
	s, big := c.snap, time.Now().Before(c.bigUntil)
	c.mu.Unlock()
	if big {
		return nil
	}
	if s != nil {
		switch age := time.Since(s.at); {
		case age < c.ttl/4:
			return s
		case age < c.ttl:
			c.flight.DoChan("snapshot", c.loadSnapshot)
			return s
		}
	}
	select {
	case r := <-c.flight.DoChan("snapshot", c.loadSnapshot):
		s, _ := r.Val.(*snapshot)
		return s
	case <-ctx.Done():
		return nil
	}
}

// loadSnapshot reads the events collection whole, unless its version shows
// the current snapshot still holds it, then every event's sales; it keeps
// the result unless a write through this cache happened meanwhile.
func (c *Cache) loadSnapshot() (any, error) {
	c.mu.Lock()
	gen, prev := c.gen, c.snap
	c.mu.Unlock()
	at := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	version, err := c.st.EventsVersion(ctx)
	if err != nil {
		return nil, err
	}
	s := &snapshot{at: at, version: version}
	if prev != nil && version != "" && version == prev.version {
		s.sorted, s.index = slices.Clone(prev.sorted), prev.index
	} else {
		es, err := c.st.AllEvents(ctx, c.snapMax+1)
		if err != nil {
			return nil, err
		}
		if len(es) > c.snapMax {
			c.mu.Lock()
			c.snap, c.bigUntil = nil, time.Now().Add(10*c.ttl)
			c.mu.Unlock()
			return nil, nil
		}
		s.sorted, s.index = make([]Event, len(es)), make(map[string]int, len(es))
		for i, e := range es {
			s.sorted[i] = *e
		}
		slices.SortFunc(s.sorted, func(a, b Event) int {
			return cmp.Or(a.Date.Compare(b.Date), strings.Compare(a.ID, b.ID))
		})
		for i := range s.sorted {
			s.index[s.sorted[i].ID] = i
		}
	}
	ids := make([]string, len(s.sorted))
	for i := range s.sorted {
		ids[i] = s.sorted[i].ID
	}
	sold, err := c.st.TicketsSold(ctx, ids...)
	if err != nil {
		return nil, err
	}
	for i := range s.sorted {
		s.sorted[i].setSold(sold[s.sorted[i].ID])
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return nil, nil
	}
	c.snap = s
	return s, nil
}

// list answers f from the snapshot: the keyset start found by binary
// search, then the filter applied in order until the page is full.
func (s *snapshot) list(f Filter) []*Event {
	start := 0
	if f.After != nil {
		start = sort.Search(len(s.sorted), func(i int) bool { return f.After.Before(&s.sorted[i]) })
	}
	match := f.Matcher()
	var out []*Event
	for i := start; i < len(s.sorted) && len(out) <= f.Limit; i++ {
		if match(&s.sorted[i]) {
			e := s.sorted[i]
			out = append(out, &e)
		}
	}
	return out
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

func (f fresh) AllEvents(ctx context.Context, limit int) ([]*Event, error) {
	return f.st.AllEvents(ctx, limit)
}

func (f fresh) EventsVersion(ctx context.Context) (string, error) {
	return f.st.EventsVersion(ctx)
}

func (f fresh) TicketsSold(ctx context.Context, ids ...string) (map[string]int, error) {
	return f.st.TicketsSold(ctx, ids...)
}

// EventByID returns event id, read at most CacheTTL ago.
func (c *Cache) EventByID(ctx context.Context, id string) (*Event, error) {
	if s := c.current(ctx); s != nil {
		i, ok := s.index[id]
		if !ok {
			return nil, fault.New(fault.NotFound)
		}
		e := s.sorted[i]
		return &e, nil
	}
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
	if s := c.current(ctx); s != nil {
		return s.list(f), nil
	}
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
	if s := c.current(ctx); s != nil {
		all := true
		for _, id := range ids {
			i, ok := s.index[id]
			if !ok {
				all = false
				break
			}
			sold[id] = s.sorted[i].TicketsSold
		}
		if all {
			return sold, nil
		}
		clear(sold)
	}
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

// AllEvents reads the database: nothing but the snapshot uses it.
func (c *Cache) AllEvents(ctx context.Context, limit int) ([]*Event, error) {
	return c.st.AllEvents(ctx, limit)
}

// EventsVersion reads the database.
func (c *Cache) EventsVersion(ctx context.Context) (string, error) {
	return c.st.EventsVersion(ctx)
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

// drop forgets the snapshot, event id, its sales and every list, and makes reads that
// began before the write not kept.
func (c *Cache) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.snap = nil
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

// ClaimsAbove counts the event's seat claims above n, uncached.
func (c *Cache) ClaimsAbove(ctx context.Context, eventID string, n int) (int, error) {
	return c.st.ClaimsAbove(ctx, eventID, n)
}

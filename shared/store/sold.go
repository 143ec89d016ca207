package store

import (
	"context"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// soldTTL bounds how stale a process's ticketsSold may be.
const soldTTL = time.Second

// soldCache keeps recent counts per event, so event pages read during an
// on-sale do not count the claims on every request.
type soldCache struct {
	mu sync.Mutex
	m  map[string]soldEntry
}

type soldEntry struct {
	n  int
	at time.Time
}

// TicketsSold returns, per event id, how many of its seats are taken: the
// count of its claims (sold, and held by purchases finishing now or about
// to be swept back). It is derived, never a stored counter, and may be up to
// soldTTL old. Events without claims map to 0.
func (s *Store) TicketsSold(ctx context.Context, eventIDs ...string) (map[string]int, error) {
	out := make(map[string]int, len(eventIDs))
	now := time.Now()
	var missing []string
	s.sold.mu.Lock()
	for _, id := range eventIDs {
		if e, ok := s.sold.m[id]; ok && now.Sub(e.at) < soldTTL {
			out[id] = e.n
		} else {
			missing = append(missing, id)
		}
	}
	s.sold.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	cur, err := s.c(colClaims).Aggregate(ctx, bson.A{
		bson.D{{Key: "$match", Value: bson.D{{Key: "event", Value: bson.D{{Key: "$in", Value: missing}}}}}},
		bson.D{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$event"}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
	})
	if err != nil {
		return nil, wrap(err, "count tickets sold")
	}
	var rows []struct {
		ID string `bson:"_id"`
		N  int    `bson:"n"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, wrap(err, "count tickets sold")
	}
	for _, id := range missing {
		out[id] = 0
	}
	for _, r := range rows {
		out[r.ID] = r.N
	}
	s.sold.mu.Lock()
	if s.sold.m == nil {
		s.sold.m = map[string]soldEntry{}
	}
	for _, id := range missing {
		s.sold.m[id] = soldEntry{n: out[id], at: now}
	}
	s.sold.mu.Unlock()
	return out, nil
}

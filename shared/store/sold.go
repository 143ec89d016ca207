package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TicketsSold returns, per event id, how many of its seats are taken: the
// count of its claims (sold, and held by purchases finishing now or about
// to be swept back), read now. It is derived, never a stored counter; the
// reads that may be stale cache it (event.Cache), the writes that decide on
// it (deleting an event, lowering its capacity) do not. Events without
// claims map to 0.
func (s *Store) TicketsSold(ctx context.Context, eventIDs ...string) (map[string]int, error) {
	out := make(map[string]int, len(eventIDs))
	cur, err := s.c(colClaims).Aggregate(ctx, bson.A{
		bson.D{{Key: "$match", Value: bson.D{{Key: "event", Value: bson.D{{Key: "$in", Value: eventIDs}}}}}},
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
	for _, id := range eventIDs {
		out[id] = 0
	}
	for _, r := range rows {
		out[r.ID] = r.N
	}
	return out, nil
}

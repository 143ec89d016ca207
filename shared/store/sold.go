package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TicketsSold counts, per event id, the tickets that are not cancelled, in
// one aggregation for all ids (index event_status). Ids without tickets are
// absent from the map (0).
func (s *Store) TicketsSold(ctx context.Context, eventIDs ...string) (map[string]int, error) {
	sold := make(map[string]int, len(eventIDs))
	if len(eventIDs) == 0 {
		return sold, nil
	}
	pipeline := bson.A{
		bson.D{{Key: "$match", Value: bson.D{
			{Key: "event", Value: bson.D{{Key: "$in", Value: eventIDs}}},
			{Key: "status", Value: bson.D{{Key: "$ne", Value: "cancelled"}}},
		}}},
		bson.D{{Key: "$group", Value: bson.D{
			{Key: "_id", Value: "$event"},
			{Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}},
		}}},
	}
	cur, err := s.c(colTickets).Aggregate(ctx, pipeline)
	if err != nil {
		return nil, wrap(err, "count tickets sold")
	}
	var rows []struct {
		Event string `bson:"_id"`
		N     int    `bson:"n"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, wrap(err, "count tickets sold")
	}
	for _, r := range rows {
		sold[r.Event] = r.N
	}
	return sold, nil
}

package store

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// ProbeInsertRate measures the database's raw single-document insert rate:
// workers goroutines insert small documents one at a time into a scratch
// collection for d, which is dropped afterwards. guichet bench compares a
// purchase rate against it.
func (s *Store) ProbeInsertRate(ctx context.Context, workers int, d time.Duration) (float64, error) {
	col := s.c("probe_" + NewID())
	defer func() { _ = col.Drop(context.Background()) }()
	var n atomic.Int64
	var firstErr error
	var once sync.Once
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			// Every insert runs to its end: stopping is decided between them.
			for time.Since(start) < d && ctx.Err() == nil {
				_, err := col.InsertOne(ctx, bson.D{{Key: "_id", Value: bson.NewObjectID()}, {Key: "n", Value: 1}, {Key: "at", Value: time.Now()}})
				if err != nil {
					once.Do(func() { firstErr = wrap(err, "probe insert") })
					return
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	return float64(n.Load()) / time.Since(start).Seconds(), nil
}

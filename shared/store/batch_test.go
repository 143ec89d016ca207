package store

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestWritersBoundBatchesAcrossCollections runs four collections' batchers
// under 64 concurrent callers and checks that no more batches than the
// bound are ever in the database at once, and that every caller gets its
// answer.
func TestWritersBoundBatchesAcrossCollections(t *testing.T) {
	for _, bound := range []int{1, 2} {
		var inFlight, most, docs atomic.Int64
		slow := func(_ context.Context, batch []any) []error {
			n := inFlight.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(200 * time.Microsecond)
			docs.Add(int64(len(batch)))
			inFlight.Add(-1)
			return nil
		}
		w := newWriters(bound)
		bs := make([]*batcher, 4)
		for i := range bs {
			bs[i] = newBatcher(slow, w, nil, 1, 256, time.Millisecond)
		}
		var wg sync.WaitGroup
		for c := range 64 {
			wg.Go(func() {
				for i := range 20 {
					errs, _, err := bs[(c+i)%len(bs)].insert(context.Background(), []any{c, i})
					if err != nil || len(errs) != 2 || errs[0] != nil || errs[1] != nil {
						t.Errorf("insert: %v, %v", errs, err)
					}
				}
			})
		}
		wg.Wait()
		if got := most.Load(); got > int64(bound) || got < 1 {
			t.Errorf("bound %d: %d batches in flight at most", bound, got)
		}
		if got := docs.Load(); got != 64*20*2 {
			t.Errorf("bound %d: %d documents sent, want %d", bound, got, 64*20*2)
		}
		t.Logf("bound %d: at most %d batches in flight", bound, most.Load())
	}
}

// TestYieldWaitsForPurchaseInserts: work that yields to purchases goes
// beside a lone buyer's insert, waits while a crowd of inserts is queued
// or in the database, goes once none has been for quietFor, and never
// waits past its bound.
func TestYieldWaitsForPurchaseInserts(t *testing.T) {
	ctx := context.Background()
	entered, release := make(chan struct{}, 2), make(chan struct{})
	blocked := func(context.Context, []any) []error {
		entered <- struct{}{}
		<-release
		return nil
	}
	b := newBuying()
	if err := b.await(ctx, time.Hour); err != nil {
		t.Fatalf("await with nothing in progress: %v", err)
	}
	bt := newBatcher(blocked, newWriters(1), b, 1, 256, time.Millisecond)
	var inserts sync.WaitGroup
	insert := func() {
		inserts.Go(func() {
			if errs, _, err := bt.insert(ctx, []any{1}); err != nil || errs[0] != nil {
				t.Errorf("insert: %v, %v", errs, err)
			}
		})
	}
	insert()
	<-entered
	if err := b.await(ctx, time.Hour); err != nil {
		t.Fatalf("await beside one insert: %v", err)
	}
	insert() // queued behind the first: a crowd of two
	for crowded := false; !crowded; time.Sleep(time.Millisecond) {
		b.mu.Lock()
		crowded = b.active >= crowd
		b.mu.Unlock()
	}
	if err := b.await(ctx, 10*time.Millisecond); err != nil {
		t.Fatalf("bounded await: %v", err)
	}
	yielded := make(chan error, 1)
	go func() { yielded <- b.await(ctx, time.Hour) }()
	select {
	case err := <-yielded:
		t.Fatalf("await returned (%v) while a crowd of inserts was in progress", err)
	case <-time.After(50 * time.Millisecond):
	}
	released := time.Now()
	close(release)
	inserts.Wait()
	if err := <-yielded; err != nil {
		t.Errorf("await after the inserts: %v", err)
	}
	if waited := time.Since(released); waited < quietFor {
		t.Errorf("await returned %v after the inserts ended, want at least %v of quiet", waited, quietFor)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	var none *buying
	if err := none.await(cancelled, time.Hour); err != nil {
		t.Errorf("untracked await: %v, want nil at once", err)
	}
}

// TestBatchGathersWhatQueuedWhileWaitingForTheWriter: with one writer busy
// elsewhere, inserts queued into another collection, however far apart,
// go in one batch once the writer is free.
func TestBatchGathersWhatQueuedWhileWaitingForTheWriter(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	blocked := func(context.Context, []any) []error {
		close(entered)
		<-release
		return nil
	}
	var mu sync.Mutex
	var batches [][]any
	record := func(_ context.Context, docs []any) []error {
		mu.Lock()
		defer mu.Unlock()
		batches = append(batches, docs)
		return nil
	}
	w := newWriters(1)
	busy := newBatcher(blocked, w, nil, 1, 256, time.Millisecond)
	waiting := newBatcher(record, w, nil, 1, 256, time.Millisecond)
	var wg sync.WaitGroup
	wg.Go(func() {
		if _, _, err := busy.insert(context.Background(), []any{0}); err != nil {
			t.Errorf("insert: %v", err)
		}
	})
	<-entered
	for i := range 5 {
		wg.Go(func() {
			if errs, _, err := waiting.insert(context.Background(), []any{i}); err != nil || errs[0] != nil {
				t.Errorf("insert: %v, %v", errs, err)
			}
		})
		time.Sleep(5 * time.Millisecond) // longer than the linger
	}
	close(release)
	wg.Wait()
	if len(batches) != 1 || len(batches[0]) != 5 {
		t.Errorf("batches %v, want the five documents in one", batches)
	}
}

// TestBatchAnswersWhenItsDocumentsWereStored: every caller of a batch gets
// a time taken after the batch's insert returned, so a read begun then
// sees the batch (the purchase's capacity check relies on it).
func TestBatchAnswersWhenItsDocumentsWereStored(t *testing.T) {
	var returned sync.Map // document -> when its batch's insert returned
	insert := func(_ context.Context, batch []any) []error {
		time.Sleep(time.Millisecond)
		now := time.Now()
		for _, d := range batch {
			returned.Store(d, now)
		}
		return nil
	}
	bt := newBatcher(insert, newWriters(1), nil, 1, 256, time.Millisecond)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			_, stored, err := bt.insert(context.Background(), []any{i})
			if err != nil {
				t.Errorf("insert: %v", err)
				return
			}
			at, _ := returned.Load(i)
			if stored.Before(at.(time.Time)) {
				t.Errorf("stored %v, before its batch's insert returned at %v", stored, at)
			}
		})
	}
	wg.Wait()
}

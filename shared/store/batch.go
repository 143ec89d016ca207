package store

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// ErrDuplicate is the per-document answer of a batched insert whose key a
// unique index already holds.
var ErrDuplicate = errors.New("duplicate key")

// batcher group-commits the inserts of concurrent callers into one
// collection: each flusher takes whatever is queued (up to max documents;
// see gather for when), sends it as one unordered InsertMany, and hands
// every caller the result of its own documents, read from the write errors
// by index. A unique-index violation fails only its own document, so one
// buyer's taken seat never fails another's.
//
// While one batch is in the database the next one fills: under load
// batches grow by themselves, and a lone caller waits no more than linger.
type batcher struct {
	send     insertMany
	queue    chan *batchReq
	flushers int
	max      int
	linger   time.Duration
	writers  writers
	buying   *buying   // nil: not tracked
	start    sync.Once // flushers start on first use
}

// insertMany sends one batch and returns, per document, nil, ErrDuplicate
// or the error that failed it; nil for all: every document was written.
// It is an unordered (*mongo.Collection).InsertMany (collectionInsert), a
// sale's two inserts (saleInsert), or a test's.
type insertMany func(ctx context.Context, docs []any) []error

func collectionInsert(col *mongo.Collection) insertMany {
	return func(ctx context.Context, docs []any) []error {
		_, err := col.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
		return perDocument(err, len(docs))
	}
}

// perDocument spreads the error of an unordered insert of n documents over
// them, read from its write errors by index; nil if there is none.
func perDocument(err error, n int) []error {
	if err == nil {
		return nil
	}
	perDoc := make([]error, n)
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) && bwe.WriteConcernError == nil {
		for _, we := range bwe.WriteErrors {
			if we.Index < 0 || we.Index >= n {
				continue
			}
			if isDuplicate(we.WriteError) {
				perDoc[we.Index] = ErrDuplicate
			} else {
				perDoc[we.Index] = wrap(we.WriteError, "insert batch")
			}
		}
		return perDoc
	}
	werr := wrap(err, "insert batch")
	for i := range perDoc {
		perDoc[i] = werr
	}
	return perDoc
}

// writers bounds the writes of an on-sale that are in the database at
// once: the batches of every collection and the confirmation records (nil:
// no bound beyond one batch per collection). A database with a single
// writer (SQLite) wants 1: there, a second write in flight does not run
// beside the first; its connection finds the database locked and sleeps in
// SQLite's busy handler (1, 2, 5, 10 ms...) while the first commits.
// Measured with guichet bench, 64 buyers, 10 000 seats, on SQLite: 517
// tickets/s (p99 743 ms) unbounded, 610/s with the batches bound to 1, and
// with one confirmation sender 990/s bound to 1 against 821/s bound to 2;
// taking the confirmation records into the bound gave 1 157/s (p99 72 ms).
type writers chan struct{}

func newWriters(n int) writers {
	if n <= 0 {
		return nil
	}
	return make(writers, n)
}

// do runs write once a place is free, or fails with ctx while waiting.
func (w writers) do(ctx context.Context, write func() error) error {
	if w == nil {
		return write()
	}
	select {
	case w <- struct{}{}:
	case <-ctx.Done():
		return wrap(ctx.Err(), "wait for the database's writer")
	}
	defer func() { <-w }()
	return write()
}

// buying counts the purchase path's inserts in progress (queued for a
// batch or in the database), so that work that can wait gives the one
// writer to buyers when they crowd it: see Store.YieldToPurchases. A nil
// *buying counts nothing and never waits.
type buying struct {
	mu     sync.Mutex
	active int
	calm   chan struct{} // closed while active is below crowd
	calmed time.Time     // when active last fell below crowd
}

// crowd is how many purchase inserts in progress at once make buyers
// queue for the writer. One buyer at a time leaves it mostly idle (a lone
// buyer bought 98 tickets/s where 64 bought 1 600), so a confirmation
// between its writes costs it little; making confirmations wait for a
// pause there kept them 78 s behind the sales (p50).
const crowd = 2

// quietFor is how long the purchases must have been calm before waiting
// work goes: an on-sale's buyer writes its next batch within a few
// milliseconds of its last (it reads the event, signs), so a calm moment
// is not yet a pause in the sales. (Going at the first such moment, a
// 64-buyer on-sale still sent 210 confirmations in its 7 s.)
const quietFor = 20 * time.Millisecond

func newBuying() *buying {
	calm := make(chan struct{})
	close(calm)
	return &buying{calm: calm}
}

func (b *buying) begin() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.active++
	if b.active == crowd {
		b.calm = make(chan struct{})
	}
}

func (b *buying) end() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.active == crowd {
		b.calmed = time.Now()
		close(b.calm)
	}
	b.active--
}

// await returns once the purchases have been calm for quietFor, or after
// most, or with ctx's error.
func (b *buying) await(ctx context.Context, most time.Duration) error {
	if b == nil {
		return nil
	}
	deadline := time.NewTimer(most)
	defer deadline.Stop()
	for {
		b.mu.Lock()
		crowded, calm, since := b.active >= crowd, b.calm, time.Since(b.calmed)
		b.mu.Unlock()
		if !crowded && since >= quietFor {
			return nil
		}
		calmed, quiet := calm, (<-chan time.Time)(nil)
		if !crowded {
			calmed, quiet = nil, time.After(quietFor-since)
		}
		select {
		case <-calmed:
		case <-quiet:
		case <-deadline.C:
			return nil
		case <-ctx.Done():
			return wrap(ctx.Err(), "wait for the purchases to write")
		}
	}
}

// batchReq is one caller's documents and where its answers go.
type batchReq struct {
	docs   []any
	errs   []error   // per document: nil, ErrDuplicate or another error
	stored time.Time // taken after the batch's insert returned
	done   chan struct{}
}

func newBatcher(insert insertMany, w writers, b *buying, flushers, max int, linger time.Duration) *batcher {
	return &batcher{send: insert, writers: w, buying: b, queue: make(chan *batchReq, 4096), flushers: flushers, max: max, linger: linger}
}

// insert stores docs and returns, per document, nil, ErrDuplicate or the
// error that failed it, and a time taken after the insert returned: a read
// begun then sees what it wrote. The error of the call itself is only
// ctx's.
func (b *batcher) insert(ctx context.Context, docs []any) ([]error, time.Time, error) {
	b.start.Do(func() {
		for range b.flushers {
			go b.flushLoop()
		}
	})
	r := &batchReq{docs: docs, errs: make([]error, len(docs)), done: make(chan struct{})}
	b.buying.begin()
	defer b.buying.end()
	select {
	case b.queue <- r:
	case <-ctx.Done():
		return nil, time.Time{}, ctx.Err()
	}
	// Once queued the documents may be written: wait for the answer even if
	// ctx ends, so the caller always knows what it holds.
	<-r.done
	return r.errs, r.stored, nil
}

func (b *batcher) flushLoop() {
	for first := range b.queue {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		reqs := []*batchReq{first}
		var perDoc []error
		err := b.writers.do(ctx, func() error {
			reqs = b.gather(reqs)
			perDoc = b.send(ctx, docsOf(reqs))
			return nil
		})
		cancel()
		if err != nil {
			perDoc = perDocument(err, len(docsOf(reqs)))
		}
		b.answer(reqs, perDoc, time.Now())
	}
}

// gather adds queued requests to reqs, up to max documents. With a bound
// on writers it runs once this batch holds its place, and takes only what
// is queued: what arrived while the batch waited for the writer joins it,
// and the writer never idles waiting for more. (Gathering for linger first
// and then waiting for the writer left those arrivals to a batch of their
// own: 64 buyers on SQLite bought 1 098 tickets/s that way, mean of five
// runs, and 1 310/s gathering after, mean of six run in turn with them.)
// Without a bound it waits up to linger for more.
func (b *batcher) gather(reqs []*batchReq) []*batchReq {
	n := 0
	for _, r := range reqs {
		n += len(r.docs)
	}
	if b.writers != nil {
		for n < b.max {
			select {
			case r := <-b.queue:
				reqs = append(reqs, r)
				n += len(r.docs)
			default:
				return reqs
			}
		}
		return reqs
	}
	deadline := time.NewTimer(b.linger)
	defer deadline.Stop()
	for n < b.max {
		select {
		case r := <-b.queue:
			reqs = append(reqs, r)
			n += len(r.docs)
		case <-deadline.C:
			return reqs
		}
	}
	return reqs
}

func docsOf(reqs []*batchReq) []any {
	var docs []any
	for _, r := range reqs {
		docs = append(docs, r.docs...)
	}
	return docs
}

// answer hands every request the result of its own documents (perDoc nil:
// all written) and the time the batch was stored by.
func (b *batcher) answer(reqs []*batchReq, perDoc []error, stored time.Time) {
	i := 0
	for _, r := range reqs {
		if perDoc != nil {
			copy(r.errs, perDoc[i:i+len(r.docs)])
		}
		i += len(r.docs)
		r.stored = stored
		close(r.done)
	}
}

// batchers are the group commits of the purchase path: claims, sales
// (outcomes, and the tickets of those sold) and tickets alone (the sweep's).
type batchers struct {
	claims, sales, tickets *batcher
}

// Batch shape: up to 256 documents, one batch in flight per batcher:
// while it is in the database the next one fills, so batches grow with the
// load (measured on SQLite: four flushers per collection made batches of 5
// documents contend for the one writer). w bounds the batches in flight
// across the collections; without a bound a batch waits 1 ms for more.
func newBatchers(db *mongo.Database, w writers, b *buying) batchers {
	at := func(send insertMany) *batcher { return newBatcher(send, w, b, 1, 256, time.Millisecond) }
	tickets := collectionInsert(db.Collection(colTickets))
	return batchers{
		claims:  at(collectionInsert(db.Collection(colClaims))),
		sales:   at(saleInsert(collectionInsert(db.Collection(colOutcomes)), tickets)),
		tickets: at(tickets),
	}
}

// sale is a purchase's decision and, if it sold, its tickets.
type sale struct {
	outcome outcomeDoc
	tickets []any
}

// saleInsert inserts a batch of sales in one turn at the writer: their
// outcomes, then the tickets of those whose outcome was recorded. A sale's
// error is its outcome's (ErrDuplicate: decided otherwise first), else the
// first of its tickets' (one already written, by the sweep, is none).
//
// One turn rather than a batch for each: a purchase waited for three
// batches (claims, outcome, tickets), each queued behind the others' at
// SQLite's one writer.
func saleInsert(outcomes, tickets insertMany) insertMany {
	return func(ctx context.Context, docs []any) []error {
		decisions := make([]any, len(docs))
		for i, d := range docs {
			decisions[i] = d.(sale).outcome
		}
		errs := outcomes(ctx, decisions)
		var ts []any
		var of []int // the sale of each ticket in ts
		for i, d := range docs {
			if errs == nil || errs[i] == nil {
				for _, t := range d.(sale).tickets {
					ts, of = append(ts, t), append(of, i)
				}
			}
		}
		if len(ts) == 0 {
			return errs
		}
		for j, err := range tickets(ctx, ts) {
			if err == nil || err == ErrDuplicate {
				continue
			}
			if errs == nil {
				errs = make([]error, len(docs))
			}
			if errs[of[j]] == nil {
				errs[of[j]] = err
			}
		}
		return errs
	}
}

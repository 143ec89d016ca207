package ticket

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"guichet.dev/shared/event"
	"guichet.dev/shared/fault"
	"guichet.dev/shared/i18n"
	"guichet.dev/shared/user"
)

// Purchase limits of API.md.
const (
	MaxQuantity = 10
	MaxKeyLen   = 100
)

// eventTTL bounds how long a process trusts its copy of an event for the
// checks before claiming. After claiming, a purchase always reads the event
// again (see Buy), so a stale copy costs at most a wasted claim.
const eventTTL = time.Second

// maxRounds bounds the claim attempts of one purchase.
const maxRounds = 64

// staleAfter is how many rounds in a row may claim nothing before the
// purchase asks for a gap scan: its process's picture of the taken seats
// is stale (it joined the on-sale late, say), and probing taken seats a
// few at a time would take more rounds than maxRounds.
const staleAfter = 3

// Order is a purchase request as the domain sees it.
type Order struct {
	EventID  string
	Buyer    *user.User
	Quantity *int    // nil: 1
	Channel  Channel // empty: email
	Key      string  // Idempotency-Key, may be empty
	Lang     i18n.Lang

	quantity int // Quantity, resolved by Validate
}

// Sale is a purchase's answer: its tickets, and whether they were sold by
// an earlier request with the same Idempotency-Key.
type Sale struct {
	Tickets  []Ticket
	Replayed bool
}

// Seller sells the seats of events. One Seller serves a process: it keeps,
// per event, a briefly cached copy of the event, the number picker, and the
// shared post-claim reads.
type Seller struct {
	store     Store
	codes     *Signer
	publisher Publisher
	log       *slog.Logger
	// afterClaim, when set, runs once a purchase holds its seats and before
	// its outcome is decided (the crash test blocks here).
	afterClaim func(ctx context.Context)
	// publishFailed thins out the warning of failed publishes: with the
	// broker down, every sale of an on-sale fails to publish.
	publishFailed throttle

	running running

	mu     sync.Mutex
	events map[string]*eventSales
}

// throttle lets a repeated event through at most once per interval and
// counts those it held back.
type throttle struct {
	mu   sync.Mutex
	last time.Time
	held int
}

// allow reports whether an event at now may be reported, and how many were
// held back since the last one that was.
func (t *throttle) allow(now time.Time, interval time.Duration) (bool, int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.last.IsZero() && now.Sub(t.last) < interval {
		t.held++
		return false, 0
	}
	held := t.held
	t.last, t.held = now, 0
	return true, held
}

// scanned is a gap scan's result.
type scanned struct {
	numbers []int
	epoch   uint32
}

// eventSales is a Seller's state for one event.
type eventSales struct {
	cached struct {
		sync.Mutex
		ev *event.Event
		at time.Time
	}
	picker *picker
	read   fresh[*event.Event] // post-claim reads of the event
	scan   fresh[scanned]      // gap scans of the claimed numbers
}

// NewSeller returns a Seller. A nil publisher leaves confirmations pending
// for the sweep to publish.
func NewSeller(st Store, codes *Signer, pub Publisher, log *slog.Logger) *Seller {
	return &Seller{store: st, codes: codes, publisher: pub, log: log, events: map[string]*eventSales{},
		running: running{by: map[string]chan struct{}{}}}
}

// HoldAfterClaim makes every purchase wait after claiming until its request
// ends: a test hook for crash tests, never set in production.
func (s *Seller) HoldAfterClaim() {
	s.afterClaim = func(ctx context.Context) {
		s.log.Warn("test hook: purchase holds its claims until the request ends")
		<-ctx.Done()
	}
}

func (s *Seller) sales(eventID string) *eventSales {
	s.mu.Lock()
	defer s.mu.Unlock()
	es, ok := s.events[eventID]
	if !ok {
		es = &eventSales{}
		es.read.read = func(ctx context.Context) (*event.Event, error) { return s.store.EventByID(ctx, eventID) }
		es.scan.read = func(ctx context.Context) (scanned, error) {
			// The picker exists: a scan follows a pick, which follows event().
			epoch, capacity := es.picker.scanStarts()
			ns, err := s.store.TakenNumbers(ctx, eventID, capacity)
			return scanned{numbers: ns, epoch: epoch}, err
		}
		s.events[eventID] = es
	}
	return es
}

// event returns the process's copy of the event, at most eventTTL old.
func (es *eventSales) event(ctx context.Context, now time.Time) (*event.Event, error) {
	es.cached.Lock()
	ev, at := es.cached.ev, es.cached.at
	es.cached.Unlock()
	if ev != nil && now.Sub(at) < eventTTL {
		return ev, nil
	}
	ev, err := es.read.get(ctx, now.Add(-eventTTL/2))
	if err != nil {
		return nil, err
	}
	es.remember(ev, now)
	return ev, nil
}

func (es *eventSales) remember(ev *event.Event, at time.Time) {
	es.cached.Lock()
	es.cached.ev, es.cached.at = ev, at
	if es.picker == nil {
		es.picker = newPicker(ev.TicketCapacity)
	} else {
		es.picker.mu.Lock()
		es.picker.resize(ev.TicketCapacity)
		es.picker.mu.Unlock()
	}
	es.cached.Unlock()
}

// Validate checks an order's fields: quantity, channel, a phone for SMS.
func (o *Order) Validate() error {
	f := fault.Fields{}
	o.quantity = 1
	if o.Quantity != nil {
		o.quantity = *o.Quantity
	}
	if o.quantity < 1 || o.quantity > MaxQuantity {
		f.Add("quantity", "field.range", "Min", 1, "Max", MaxQuantity)
	}
	switch o.Channel {
	case "":
		o.Channel = Email
	case Email:
	case SMS:
		if o.Buyer.Phone == "" {
			f.Add("channel", "ticket.sms_without_phone")
		}
	default:
		f.Add("channel", "field.one_of", "Values", "email, sms")
	}
	if len(o.Key) > MaxKeyLen {
		f.Add("Idempotency-Key", "field.length", "Min", 1, "Max", MaxKeyLen)
	}
	return f.Err()
}

// request names what an Idempotency-Key is used for: the event and the
// normalized body.
func (o *Order) request() string {
	h := sha256.Sum256([]byte(o.EventID + "\x00" + strconv.Itoa(o.quantity) + "\x00" + string(o.Channel)))
	return hex.EncodeToString(h[:])
}

// keyNamespace is the UUID namespace of the purchase ids named after an
// Idempotency-Key.
var keyNamespace = uuid.MustParse("3f1c9a52-7d4e-4b8a-9c61-0e2f5b7d8a34")

// keyedPurchaseID names the purchase of a buyer's Idempotency-Key: every
// repeat of it decides under this one id (a name-based UUID, version 5).
func keyedPurchaseID(buyerID, key string) string {
	return uuid.NewSHA1(keyNamespace, []byte(buyerID+"\x00"+key)).String()
}

// newID returns the uuid of a new ticket or purchase: a version 7 UUID
// (RFC 9562), whose first 48 bits are the time in milliseconds and the
// other 74 random. Stored as _id, the ids of one moment sort together, so
// a batch of sales adds its tickets at the end of the _id index instead of
// on a page of its own for each: fewer pages read, dirtied and written to
// the log per commit (the same holds for MongoDB's B-trees). Measured with
// guichet bench, 64 buyers, 10 000 seats, embedded SQLite, in turn with
// random (version 4) uuids: serve's CPU over the on-sale 4.97 -> 4.54 s
// (mean of four runs each). uuid.Must cannot fail: crypto/rand never does.
func newID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// SalesOpen returns fault.SalesClosed unless ev sells tickets at now.
func SalesOpen(ev *event.Event, now time.Time) error {
	switch {
	case ev.Status == event.Cancelled, !now.Before(ev.Date),
		ev.SalesStart != nil && now.Before(*ev.SalesStart),
		ev.SalesEnd != nil && !now.Before(*ev.SalesEnd):
		return fault.New(fault.SalesClosed)
	}
	return nil
}

// Buy sells o.Quantity seats of an event to o.Buyer, all or none.
//
// The invariant (never more tickets than capacity, never a number twice)
// rests on two unique keys, never on a read or a counter:
//   - claims (event:number): a seat is held by the one attempt whose claim
//     insert succeeded; see picker for how numbers are chosen;
//   - outcomes (purchase id): a purchase inserts "sold" before writing its
//     tickets; the sweep inserts "abandoned" before returning the seats of a
//     purchase held too long. Whichever insert wins decides, so a returned
//     number was never on a ticket.
//
// Idempotency-Key: a keyed purchase's id is named after its buyer and key
// (keyedPurchaseID), so its repeats, each an attempt claiming seats of its
// own, race for one outcome: the attempt whose "sold" (or refusal) is
// inserted first answers 201 (or its refusal), every other gives its seats
// back and answers that outcome (200 and the same tickets), or 422 if it
// asked for something else. A failure that is no answer (database down)
// decides nothing, so a retry sells. Within a process a repeat waits for
// the attempt it repeats (see running) rather than claim beside it.
//
// Capacity lowered concurrently (see CheckCapacity): after claiming, the
// purchase reads the event again (a read begun after its claims were
// stored) and gives back every number above the capacity it sees.
func (s *Seller) Buy(ctx context.Context, o Order) (*Sale, error) {
	now := time.Now()
	es := s.sales(o.EventID)
	ev, err := es.event(ctx, now)
	if err != nil {
		return nil, err
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	pid := newID()
	if o.Key != "" {
		pid = keyedPurchaseID(o.Buyer.ID, o.Key)
		waited, leave, err := s.running.enter(ctx, pid)
		if err != nil {
			return nil, err
		}
		defer leave()
		if waited {
			if sale, err := s.answered(ctx, &o, pid); sale != nil || err != nil {
				return sale, err
			}
		}
	}
	ts, err := s.sell(ctx, es, ev, &o, attempt{id: uuid.NewString(), pid: pid, eventID: o.EventID}, now)
	switch {
	case err == nil:
		return &Sale{Tickets: ts}, nil
	case o.Key != "":
		return s.settleKey(&o, pid, err)
	case errors.Is(err, ErrDecided):
		return nil, &fault.Error{Code: fault.Unavailable, RetryAfter: time.Second, Err: errors.New("purchase swept before it was decided")}
	}
	return nil, err
}

// running tracks the keyed purchases this process is selling, so that a
// repeat arriving meanwhile (a double click, a client's retry) waits for
// the answer of the attempt it repeats instead of claiming seats beside
// it: near the sell-out its refusal could be decided before that attempt's
// sale, and both would answer sold_out. Repeats through other processes
// still race, and the outcome's key decides between them.
type running struct {
	mu sync.Mutex
	by map[string]chan struct{} // closed when the purchase's attempt ends
}

// enter waits until no other request of this process sells purchase pid,
// then marks it sold by this one until leave. waited reports whether it
// waited for another.
func (r *running) enter(ctx context.Context, pid string) (waited bool, leave func(), err error) {
	for {
		r.mu.Lock()
		busy, ok := r.by[pid]
		if !ok {
			done := make(chan struct{})
			r.by[pid] = done
			r.mu.Unlock()
			return waited, func() {
				r.mu.Lock()
				delete(r.by, pid)
				r.mu.Unlock()
				close(done)
			}, nil
		}
		r.mu.Unlock()
		waited = true
		select {
		case <-busy:
		case <-ctx.Done():
			return waited, nil, &fault.Error{Code: fault.Unavailable, RetryAfter: time.Second, Err: ctx.Err()}
		}
	}
}

// answered returns the answer of keyed purchase pid if it is decided, and
// nil, nil if it is not.
func (s *Seller) answered(ctx context.Context, o *Order, pid string) (*Sale, error) {
	out, err := s.store.OutcomeOf(ctx, pid)
	if fe, ok := fault.As(err); ok && fe.Code == fault.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return replay(o, out)
}

// replay answers a repeat of a keyed purchase with the purchase's outcome.
func replay(o *Order, out *Outcome) (*Sale, error) {
	switch {
	case out.State == Abandoned:
		return nil, &fault.Error{Code: fault.Unavailable, RetryAfter: time.Second, Err: errors.New("replayed purchase was abandoned")}
	case out.Request != o.request():
		return nil, fault.New(fault.KeyReused)
	case out.State == Sold:
		return &Sale{Tickets: out.Purchase.Tickets, Replayed: true}, nil
	}
	return nil, fault.New(out.Refusal)
}

// settleKey answers a keyed purchase whose attempt did not sell. A refusal
// (sold_out, sales_closed) becomes the purchase's outcome, so repeats
// answer it again; where an outcome exists already (a repeat decided
// first, or the sweep) the answer is that outcome's. A failure that is no
// answer (database down) records nothing, so a retry sells.
func (s *Seller) settleKey(o *Order, pid string, cause error) (*Sale, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if fe, ok := fault.As(cause); ok && (fe.Code == fault.SoldOut || fe.Code == fault.SalesClosed) {
		out := Outcome{State: Refused, Refusal: fe.Code, Request: o.request(), At: time.Now(),
			Purchase: Purchase{ID: pid, EventID: o.EventID, BuyerID: o.Buyer.ID}}
		err := s.store.InsertOutcome(ctx, out)
		if !errors.Is(err, ErrDecided) {
			if err != nil {
				s.log.Warn("record refused purchase; a repeat runs again", "purchase", pid, "err", err)
			}
			return nil, cause
		}
	} else if !errors.Is(cause, ErrDecided) {
		return nil, cause
	}
	out, err := s.store.OutcomeOf(ctx, pid)
	if err != nil {
		return nil, err
	}
	return replay(o, out)
}

// attempt is one request's try at selling purchase pid of an event: it
// claims, and gives back, seats under its own id.
type attempt struct {
	id, pid, eventID string
}

// sell claims the seats, confirms them against a fresh read of the event,
// then decides the outcome and writes the tickets (one store call, see
// Store.Sell). It answers ErrDecided, its
// seats given back, if the purchase was decided otherwise first.
func (s *Seller) sell(ctx context.Context, es *eventSales, ev *event.Event, o *Order, a attempt, now time.Time) ([]Ticket, error) {
	if err := SalesOpen(ev, now); err != nil {
		return nil, err
	}
	var numbers []int
	for {
		got, stored, err := s.claim(ctx, es, a, o.quantity, now)
		if err != nil {
			return nil, err
		}
		numbers = got
		if s.afterClaim != nil {
			s.afterClaim(ctx)
		}
		// Read the event again, in a read begun after the claims were
		// stored: the buyers whose claims went in one batch share a read.
		cur, err := es.read.get(ctx, stored)
		if err != nil {
			s.release(es, a, numbers)
			return nil, err
		}
		es.remember(cur, time.Now())
		if err := SalesOpen(cur, time.Now()); err != nil {
			s.release(es, a, numbers)
			return nil, err
		}
		var above []int
		for _, n := range numbers {
			if n > cur.TicketCapacity {
				above = append(above, n)
			}
		}
		if len(above) == 0 {
			ev = cur
			break
		}
		// The capacity was lowered under us: give everything back and
		// claim again within the new capacity.
		s.release(es, a, numbers)
	}
	date := time.Now().UTC().Truncate(time.Millisecond)
	p := Purchase{ID: a.pid, EventID: o.EventID, BuyerID: o.Buyer.ID, Channel: o.Channel, Language: o.Lang}
	for _, n := range numbers {
		t := Ticket{UUID: newID(), Event: o.EventID, Number: n, Price: ev.Price, Currency: ev.Currency,
			Date: date, OwnerID: o.Buyer.ID, Status: Valid, PurchaseID: a.pid,
			Confirmation: Confirmation{Channel: o.Channel, Status: Pending}}
		code, err := s.codes.Sign(Named{UUID: t.UUID, Event: t.Event, Number: t.Number})
		if err != nil {
			s.release(es, a, numbers)
			return nil, fmt.Errorf("sign ticket %d: %w", n, err)
		}
		t.Code = code
		p.Tickets = append(p.Tickets, t)
	}
	// Decide: "sold" beats the sweep's "abandoned" and a repeat's outcome,
	// or loses to them.
	out := Outcome{State: Sold, Purchase: p, Attempt: a.id, At: date}
	if o.Key != "" {
		out.Request = o.request()
	}
	if err := s.store.Sell(ctx, out); err != nil {
		if errors.Is(err, ErrDecided) {
			s.release(es, a, numbers)
		} else {
			// It may have sold: the sweep writes the tickets from the
			// outcome, or decides the purchase abandoned.
			es.picker.abandoned(numbers)
		}
		return nil, err
	}
	es.picker.sell(numbers)
	s.publish(p)
	return p.Tickets, nil
}

// claim takes q seats of the event for attempt a, all or none. Only a
// gap scan begun after the purchase arrived may answer sold_out, and each
// further scan of the same purchase begins after the previous one; or,
// without a scan, every seat being sold or held by purchases of this
// process now (what such a scan would read). stored is a time taken after
// the last of its claims was stored.
func (s *Seller) claim(ctx context.Context, es *eventSales, a attempt, q int, arrived time.Time) (numbers []int, stored time.Time, err error) {
	var held []int
	since := arrived
	lostRounds := 0 // rounds in a row that claimed nothing
	for rounds := 0; rounds < maxRounds; {
		want := es.picker.pick(q - len(held))
		if len(want) < q-len(held) || lostRounds >= staleAfter {
			lostRounds = 0
			es.picker.claimed(nil, nil, want)
			if busy, settled := es.picker.inFlight(); busy {
				select {
				case <-settled:
					continue
				case <-ctx.Done():
					s.release(es, a, held)
					return nil, time.Time{}, &fault.Error{Code: fault.Unavailable, RetryAfter: time.Second, Err: ctx.Err()}
				}
			}
			taken, soldOut, err := es.scanUnlessSoldOut(ctx, since)
			since = time.Now()
			if soldOut {
				s.release(es, a, held)
				return nil, time.Time{}, fault.New(fault.SoldOut)
			}
			if err != nil {
				s.release(es, a, held)
				return nil, time.Time{}, err
			}
			es.picker.rebuild(taken.numbers, taken.epoch)
			want = es.picker.pick(q - len(held))
			if len(want) < q-len(held) {
				es.picker.claimed(nil, nil, want)
				s.release(es, a, held)
				return nil, time.Time{}, fault.New(fault.SoldOut)
			}
		}
		rounds++
		at := time.Now()
		cs := make([]Claim, len(want))
		for i, n := range want {
			cs[i] = Claim{Event: a.eventID, Number: n, PurchaseID: a.pid, Attempt: a.id, At: at}
		}
		errs, at, err := s.store.InsertClaims(ctx, cs)
		if err != nil {
			es.picker.claimed(nil, want, nil)
			s.release(es, a, held)
			return nil, time.Time{}, err
		}
		var won, lost []int
		var failed error
		for i, e := range errs {
			switch {
			case e == nil:
				won = append(won, want[i])
			case errors.Is(e, ErrTaken):
				lost = append(lost, want[i])
			default:
				lost = append(lost, want[i])
				failed = e
			}
		}
		es.picker.claimed(won, lost, nil)
		held = append(held, won...)
		lostRounds++
		if len(won) > 0 {
			lostRounds = 0
		}
		if failed != nil {
			s.release(es, a, held)
			return nil, time.Time{}, failed
		}
		if len(held) == q {
			return held, at, nil
		}
	}
	s.release(es, a, held)
	return nil, time.Time{}, &fault.Error{Code: fault.Unavailable, RetryAfter: time.Second, Err: errors.New("no seat claimed after many rounds")}
}

// scanUnlessSoldOut returns a gap scan begun at or after since, unless
// every seat is sold or held here first (soldOut true; see picker): then
// the answer is known without the scan, which near sell-out is the slowest
// read of the on-sale.
func (es *eventSales) scanUnlessSoldOut(ctx context.Context, since time.Time) (scanned, bool, error) {
	type result struct {
		taken scanned
		err   error
	}
	var scan chan result // started once the picker has not answered
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for {
		_, settled := es.picker.inFlight()
		if es.picker.soldOut() {
			return scanned{}, true, nil
		}
		if scan == nil {
			scan = make(chan result, 1)
			go func() {
				taken, err := es.scan.get(sctx, since)
				scan <- result{taken, err}
			}()
		}
		select {
		case r := <-scan:
			return r.taken, false, r.err
		case <-settled:
		}
	}
}

// release gives back the attempt's claims on numbers. If the delete fails
// the claims stay held and the sweep returns them.
func (s *Seller) release(es *eventSales, a attempt, numbers []int) {
	if len(numbers) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.store.ReleaseClaims(ctx, a.eventID, a.id, numbers); err != nil {
		s.log.Warn("release claims; the sweep will", "purchase", a.pid, "attempt", a.id, "err", err)
		es.picker.abandoned(numbers)
		return
	}
	es.picker.released(numbers)
}

// publish hands the purchase to the confirmation pipeline without making
// the buyer wait; a failure leaves it pending for the sweep.
func (s *Seller) publish(p Purchase) {
	if s.publisher == nil {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.publisher.Publish(ctx, p); err != nil {
			if ok, held := s.publishFailed.allow(time.Now(), 10*time.Second); ok {
				s.log.Warn("publish purchase; it stays pending for the sweep", "purchase", p.ID, "err", err,
					"failedSinceLastWarning", held)
			}
		}
	}()
}

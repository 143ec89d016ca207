package ticket

import (
	"context"
	"errors"
	"time"

	"guichet.dev/shared/event"
	"guichet.dev/shared/fault"
)

// Errors the store answers with, each the refusal of a unique index.
var (
	// ErrTaken: a claim for this (event, number) exists.
	ErrTaken = errors.New("seat taken")
	// ErrDecided: the purchase's outcome was already decided.
	ErrDecided = errors.New("purchase outcome already decided")
	// ErrCheckedIn: the ticket's check-in exists.
	ErrCheckedIn = errors.New("already checked in")
)

// ListFilter selects a page of tickets in (date, uuid) order.
type ListFilter struct {
	OwnerID string // empty: any owner
	Event   string // empty: any event
	After   *Cursor
	Limit   int
}

// Cursor is the position after the last ticket of a page.
type Cursor struct {
	Date time.Time
	UUID string
}

// Claim holds one seat number of an event for an attempt at a purchase.
// Its key is (Event, Number), unique: inserting it is the only way a seat
// is taken. A purchase repeated with its Idempotency-Key runs as several
// attempts under one purchase id; each claims, and gives back, only its own
// seats, and only the attempt whose outcome wins keeps them.
type Claim struct {
	Event      string
	Number     int
	PurchaseID string
	Attempt    string    // unique to the request that claimed
	At         time.Time // when it was taken; held claims older than the hold timeout are swept
}

// OutcomeState is the decision recorded for a purchase.
type OutcomeState string

// The outcomes. A purchase is decided exactly once: the decision's key is
// the purchase id, unique.
const (
	// Sold: the purchase keeps its seats; its tickets are (or will be) written.
	Sold OutcomeState = "sold"
	// Abandoned: the sweep found the purchase's claims held too long and returns them.
	Abandoned OutcomeState = "abandoned"
	// Refused: the purchase ended with an error an idempotent repeat must see again.
	Refused OutcomeState = "refused"
)

// Outcome is the decision of one purchase. A sold outcome carries the
// purchase whole, so the sweep can finish writing tickets a crashed process
// did not.
type Outcome struct {
	State    OutcomeState
	Purchase Purchase
	Attempt  string     // Sold only: the attempt whose claims are the seats
	Refusal  fault.Code // Refused only
	Request  string     // with an Idempotency-Key: what the key was used for (Order.request)
	At       time.Time
}

// Store is what sales need from the database (store.Store).
type Store interface {
	EventByID(ctx context.Context, id string) (*event.Event, error)
	// InsertClaims inserts claims as one group-committed batch; per claim
	// nil, ErrTaken or the error that failed it, and a time taken after
	// the batch was stored.
	InsertClaims(ctx context.Context, cs []Claim) (errs []error, stored time.Time, err error)
	// ReleaseClaims deletes the attempt's own claims on numbers.
	ReleaseClaims(ctx context.Context, eventID, attempt string, numbers []int) error
	// TakenNumbers lists the claimed numbers of an event of the given
	// capacity.
	TakenNumbers(ctx context.Context, eventID string, capacity int) ([]int, error)
	// InsertOutcome records a decision, or ErrDecided if one exists.
	InsertOutcome(ctx context.Context, o Outcome) error
	// Sell records a sold purchase's decision, or ErrDecided if one
	// exists, and then writes its tickets. Another error may come after
	// the decision was recorded.
	Sell(ctx context.Context, o Outcome) error
	// OutcomeOf returns a purchase's decision (fault.NotFound if none).
	OutcomeOf(ctx context.Context, purchaseID string) (*Outcome, error)
	// WriteTickets inserts tickets; already written ones are left as they are.
	WriteTickets(ctx context.Context, ts []Ticket) error
	// TicketsByIDs returns the tickets with the given uuids that exist.
	TicketsByIDs(ctx context.Context, uuids []string) ([]Ticket, error)
	// StaleClaims returns held claims taken before cutoff, at most limit.
	StaleClaims(ctx context.Context, cutoff time.Time, limit int) ([]Claim, error)
	// DropHeldClaims deletes the held claims of attempts.
	DropHeldClaims(ctx context.Context, attempts []string) error
	// MarkClaimsSold sets the claims of attempts to sold.
	MarkClaimsSold(ctx context.Context, attempts []string) error
}

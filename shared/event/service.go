package event

import (
	"context"
	"time"

	"guichet.dev/shared/fault"
	"guichet.dev/shared/user"
)

// Store is the persistence events need; *store.Store implements it.
type Store interface {
	InsertEvent(ctx context.Context, e *Event) error
	EventByID(ctx context.Context, id string) (*Event, error)
	// ListEvents returns up to f.Limit+1 events matching f, by (date, id).
	ListEvents(ctx context.Context, f Filter) ([]*Event, error)
	// AllEvents returns up to limit events, in no order.
	AllEvents(ctx context.Context, limit int) ([]*Event, error)
	// EventsVersion changes after every event write ("" before the first).
	EventsVersion(ctx context.Context) (string, error)
	ReplaceEvent(ctx context.Context, e *Event) error
	DeleteEvent(ctx context.Context, id string) error
	// TicketsSold counts the tickets sold per event id (absent ids: 0).
	TicketsSold(ctx context.Context, eventIDs ...string) (map[string]int, error)
	// ClaimsAbove counts the event's seat claims numbered above n, read
	// from the database (never cached).
	ClaimsAbove(ctx context.Context, eventID string, n int) (int, error)
}

// Create stores the event in describes, organized by caller, who must be
// an organizer or an admin.
func Create(ctx context.Context, st Store, caller *user.User, in Input, id string, now time.Time) (*Event, error) {
	if !caller.Is(user.Organizer, user.Admin) {
		return nil, fault.New(fault.Forbidden)
	}
	e, err := New(in, caller.ID, id, now)
	if err != nil {
		return nil, err
	}
	if err := st.InsertEvent(ctx, e); err != nil {
		return nil, err
	}
	e.setSold(0)
	return e, nil
}

// Get returns event id with its sales.
func Get(ctx context.Context, st Store, id string) (*Event, error) {
	if !ValidID(id) {
		return nil, fault.New(fault.NotFound)
	}
	e, err := st.EventByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := withSold(ctx, st, e); err != nil {
		return nil, err
	}
	return e, nil
}

// List returns one page of the events f selects, with their sales counted
// in one query for the whole page.
func List(ctx context.Context, st Store, f Filter) (Page, error) {
	es, err := st.ListEvents(ctx, f)
	if err != nil {
		return Page{}, err
	}
	p := Page{Items: es}
	if es == nil {
		p.Items = []*Event{}
	}
	if len(es) > f.Limit {
		p.Items = es[:f.Limit]
		last := p.Items[f.Limit-1]
		next := Cursor{Date: last.Date, ID: last.ID}.String()
		p.NextCursor = &next
	}
	if err := withSold(ctx, st, p.Items...); err != nil {
		return Page{}, err
	}
	return p, nil
}

// Editable returns event id if caller may change it: its organizer or an
// admin (else 403). A malformed or unknown id is 404, checked first.
func Editable(ctx context.Context, st Store, caller *user.User, id string) (*Event, error) {
	if !ValidID(id) {
		return nil, fault.New(fault.NotFound)
	}
	if !caller.Is(user.Organizer, user.Admin) {
		return nil, fault.New(fault.Forbidden)
	}
	e, err := st.EventByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if e.OrganizerID != caller.ID && !caller.Is(user.Admin) {
		return nil, fault.New(fault.Forbidden)
	}
	return e, nil
}

// Update applies p to e (from Editable). Lowering ticketCapacity below the
// tickets already sold, or below a seat number already taken (numbers run
// 1..ticketCapacity), is a conflict.
//
// There is no transaction to hold a capacity change and concurrent sales
// together (DESIGN.md), so each side writes before it reads: the PATCH
// writes the new capacity, then counts the claims above it and puts the
// event back if any exists; a purchase claims its seats, then reads the
// capacity and gives back any number above it. A claim above the new
// capacity that survives was stored before its purchase read the event,
// which was before this write, so this count sees it.
func Update(ctx context.Context, st Store, e *Event, p Patch, now time.Time) (*Event, error) {
	n, err := e.Apply(p, now)
	if err != nil {
		return nil, err
	}
	sold, err := soldOf(ctx, st, e.ID)
	if err != nil {
		return nil, err
	}
	if n.TicketCapacity < sold {
		return nil, fault.With(fault.Conflict, "event.capacity_below_sold", "Sold", sold)
	}
	if err := st.ReplaceEvent(ctx, n); err != nil {
		return nil, err
	}
	if n.TicketCapacity < e.TicketCapacity {
		above, err := st.ClaimsAbove(ctx, e.ID, n.TicketCapacity)
		if err != nil {
			return nil, err
		}
		if above > 0 {
			if err := st.ReplaceEvent(ctx, e); err != nil {
				return nil, err
			}
			if sold, err = soldOf(ctx, st, e.ID); err != nil {
				return nil, err
			}
			return nil, fault.With(fault.Conflict, "event.capacity_below_sold", "Sold", sold)
		}
	}
	n.setSold(sold)
	return n, nil
}

// Delete removes e (from Editable) if no ticket was sold; an event with
// sales must be cancelled instead. Sales are counted again after the
// delete, and the event put back if a purchase slipped in meanwhile.
func Delete(ctx context.Context, st Store, e *Event) error {
	sold, err := soldOf(ctx, st, e.ID)
	if err != nil {
		return err
	}
	if sold > 0 {
		return fault.With(fault.Conflict, "event.has_sales", "Sold", sold)
	}
	if err := st.DeleteEvent(ctx, e.ID); err != nil {
		return err
	}
	if sold, err = soldOf(ctx, st, e.ID); err != nil {
		return err
	}
	if sold > 0 {
		if err := st.InsertEvent(ctx, e); err != nil {
			return err
		}
		return fault.With(fault.Conflict, "event.has_sales", "Sold", sold)
	}
	return nil
}

func soldOf(ctx context.Context, st Store, id string) (int, error) {
	sold, err := st.TicketsSold(ctx, id)
	return sold[id], err
}

// withSold fills in ticketsSold and ticketsRemaining of es.
func withSold(ctx context.Context, st Store, es ...*Event) error {
	if len(es) == 0 {
		return nil
	}
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	sold, err := st.TicketsSold(ctx, ids...)
	if err != nil {
		return err
	}
	for _, e := range es {
		e.setSold(sold[e.ID])
	}
	return nil
}

func (e *Event) setSold(n int) {
	e.TicketsSold = n
	e.TicketsRemaining = max(e.TicketCapacity-n, 0)
}

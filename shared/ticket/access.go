package ticket

import (
	"context"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"guichet.dev/shared/event"
	"guichet.dev/shared/fault"
	"guichet.dev/shared/user"
)

// Reader is what reading and checking in tickets needs (store.Store).
type Reader interface {
	EventByID(ctx context.Context, id string) (*event.Event, error)
	TicketByUUID(ctx context.Context, id string) (*Ticket, error)
	ListTickets(ctx context.Context, f ListFilter) ([]Ticket, error)
	CheckIn(ctx context.Context, id, by string, at time.Time) (time.Time, error)
	SetTicketUsed(ctx context.Context, id string, at time.Time) error
}

// Get returns ticket id to its owner, its event's organizer or an admin.
func Get(ctx context.Context, st Reader, caller *user.User, id string) (*Ticket, error) {
	t, err := st.TicketByUUID(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.OwnerID == caller.ID || caller.Is(user.Admin) {
		return t, nil
	}
	if err := organizes(ctx, st, caller, t.Event); err != nil {
		return nil, err
	}
	return t, nil
}

// organizes allows the organizer of eventID (or an admin).
func organizes(ctx context.Context, st Reader, caller *user.User, eventID string) error {
	if caller.Is(user.Admin) {
		return nil
	}
	ev, err := st.EventByID(ctx, eventID)
	if err != nil {
		return err
	}
	if ev.OrganizerID != caller.ID {
		return fault.New(fault.Forbidden)
	}
	return nil
}

// Page is one page of a ticket list.
type Page struct {
	Items      []Ticket `json:"items"`
	NextCursor *string  `json:"nextCursor"`
}

// ListQuery is a list request: the caller's tickets (an admin's: all),
// or, with EventScoped, one event's tickets for its organizer or an admin.
type ListQuery struct {
	Event       string
	EventScoped bool
	Limit       string
	Cursor      string
}

// List returns one page, in purchase order.
func List(ctx context.Context, st Reader, caller *user.User, q ListQuery) (*Page, error) {
	f := ListFilter{Event: q.Event, Limit: 20}
	fields := fault.Fields{}
	if q.Limit != "" {
		n, err := strconv.Atoi(q.Limit)
		if err != nil || n < 1 || n > 100 {
			fields.Add("limit", "field.limit")
		}
		f.Limit = n
	}
	if q.Cursor != "" {
		c, ok := decodeCursor(q.Cursor)
		if !ok {
			fields.Add("cursor", "field.cursor")
		}
		f.After = c
	}
	if err := fields.Err(); err != nil {
		return nil, err
	}
	switch {
	case q.EventScoped:
		if err := organizes(ctx, st, caller, q.Event); err != nil {
			return nil, err
		}
	case !caller.Is(user.Admin):
		f.OwnerID = caller.ID
	}
	ts, err := st.ListTickets(ctx, f)
	if err != nil {
		return nil, err
	}
	p := &Page{Items: ts}
	if len(ts) == f.Limit {
		last := ts[len(ts)-1]
		c := encodeCursor(Cursor{Date: last.Date, UUID: last.UUID})
		p.NextCursor = &c
	}
	if p.Items == nil {
		p.Items = []Ticket{}
	}
	return p, nil
}

func encodeCursor(c Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.Date.UnixMilli(), 10) + "." + c.UUID))
}

func decodeCursor(s string) (*Cursor, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	ms, id, ok := strings.Cut(string(b), ".")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil {
		return nil, false
	}
	if _, err := uuid.Parse(id); err != nil {
		return nil, false
	}
	return &Cursor{Date: time.UnixMilli(n).UTC(), UUID: id}, true
}

// QueryOf reads a list's query parameters.
func QueryOf(v url.Values) ListQuery {
	return ListQuery{Event: v.Get("event"), Limit: v.Get("limit"), Cursor: v.Get("cursor")}
}

// Verification is a successful scan's answer.
type Verification struct {
	Valid  bool    `json:"valid"`
	Ticket *Ticket `json:"ticket"`
}

// Verify checks in the ticket a code names: its first genuine scan marks it
// used. "Once" rests on the check-ins' unique key (the ticket uuid): two
// doors scanning together both insert, one wins, the other gets
// already_checked_in with the winner's time. Reading the ticket's status
// first and then writing it would let both through.
func Verify(ctx context.Context, st Reader, codes *Signer, caller *user.User, code string) (*Verification, error) {
	n, err := codes.Verify(code)
	if err != nil {
		return nil, fault.New(fault.InvalidTicket)
	}
	t, err := st.TicketByUUID(ctx, n.UUID)
	if fe, ok := fault.As(err); ok && fe.Code == fault.NotFound {
		return nil, fault.New(fault.InvalidTicket)
	}
	if err != nil {
		return nil, err
	}
	if t.Event != n.Event || t.Number != n.Number || t.Code != code {
		return nil, fault.New(fault.InvalidTicket)
	}
	if err := organizes(ctx, st, caller, t.Event); err != nil {
		return nil, err
	}
	if t.Status == Cancelled {
		return nil, fault.New(fault.InvalidTicket)
	}
	at, err := st.CheckIn(ctx, t.UUID, caller.ID, time.Now().UTC().Truncate(time.Millisecond))
	if err != nil && err != ErrCheckedIn {
		return nil, err
	}
	// Mark used (again, for a check-in whose update was lost).
	if err := st.SetTicketUsed(ctx, t.UUID, at); err != nil {
		return nil, err
	}
	if err == ErrCheckedIn {
		return nil, &fault.Error{Code: fault.AlreadyCheckedIn, Extra: map[string]any{"checkedInAt": at}}
	}
	t.Status, t.CheckedInAt = Used, &at
	return &Verification{Valid: true, Ticket: t}, nil
}

package event

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"guichet.dev/shared/fault"
	"guichet.dev/shared/money"
)

// The limits of API.md.
const (
	TitleMax        = 200
	DescriptionMax  = 10000
	AddressMax      = 500
	CapacityMax     = 1_000_000
	DefaultCurrency = "EUR"
)

// New validates in and returns the event it describes, organized by
// organizerID and created at now. Every failing field is reported at once.
func New(in Input, organizerID, id string, now time.Time) (*Event, error) {
	now = now.UTC().Truncate(time.Millisecond)
	c := checker{fault.Fields{}}
	e := &Event{
		ID:          id,
		Title:       c.text("title", in.Title, TitleMax),
		Description: c.text("description", in.Description, DescriptionMax),
		Address:     c.text("address", in.Address, AddressMax),
		Price:       c.price(in.Price),
		Currency:    DefaultCurrency,
		Status:      Scheduled,
		OrganizerID: organizerID,
		CreatedAt:   now,
		UpdatedAt:   now,
	}
	if d := c.required("date", in.Date); d != nil {
		e.Date = *d
		c.future("date", e.Date, now)
	}
	if in.TicketCapacity == nil {
		c.f.Add("ticketCapacity", "field.required")
	} else {
		e.TicketCapacity = c.capacity(*in.TicketCapacity)
	}
	if in.Currency != "" {
		e.Currency = c.currency(in.Currency)
	}
	if in.Status != "" {
		e.Status = c.status(in.Status)
	}
	e.SalesStart = c.optionalTime("salesStart", in.SalesStart)
	e.SalesEnd = c.optionalTime("salesEnd", in.SalesEnd)
	c.window(e)
	if err := c.f.Err(); err != nil {
		return nil, err
	}
	return e, nil
}

// Apply returns e changed by p at now, validated as a whole. A new date
// must be in the future; the sales window is checked against the result.
func (e *Event) Apply(p Patch, now time.Time) (*Event, error) {
	now = now.UTC().Truncate(time.Millisecond)
	c := checker{fault.Fields{}}
	n := *e
	if p.Title != nil {
		n.Title = c.text("title", *p.Title, TitleMax)
	}
	if p.Description != nil {
		n.Description = c.text("description", *p.Description, DescriptionMax)
	}
	if p.Address != nil {
		n.Address = c.text("address", *p.Address, AddressMax)
	}
	if p.Date != nil {
		if d := c.required("date", *p.Date); d != nil {
			n.Date = *d
			c.future("date", n.Date, now)
		}
	}
	if p.TicketCapacity != nil {
		n.TicketCapacity = c.capacity(*p.TicketCapacity)
	}
	if len(p.Price) > 0 && string(p.Price) != "null" {
		n.Price = c.price(p.Price)
	}
	if p.Currency != nil {
		n.Currency = c.currency(*p.Currency)
	}
	if p.Status != nil {
		n.Status = c.status(*p.Status)
	}
	if p.SalesStart.Set {
		n.SalesStart = c.nullableTime("salesStart", p.SalesStart)
	}
	if p.SalesEnd.Set {
		n.SalesEnd = c.nullableTime("salesEnd", p.SalesEnd)
	}
	c.window(&n)
	if err := c.f.Err(); err != nil {
		return nil, err
	}
	n.UpdatedAt = now
	return &n, nil
}

// checker collects the messages of one validation.
type checker struct{ f fault.Fields }

// text trims s and checks its length in characters (runes).
func (c checker) text(field, s string, max int) string {
	s = strings.TrimSpace(s)
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		c.f.Add(field, "field.required")
	case n > max:
		c.f.Add(field, "field.length", "Min", 1, "Max", max)
	}
	return s
}

// required parses a mandatory RFC 3339 time.
func (c checker) required(field, s string) *time.Time {
	if strings.TrimSpace(s) == "" {
		c.f.Add(field, "field.required")
		return nil
	}
	return c.optionalTime(field, s)
}

// optionalTime parses an RFC 3339 time; empty is no time. Times are kept in
// UTC to the millisecond, the precision the database stores.
func (c checker) optionalTime(field, s string) *time.Time {
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || t.Year() < 1 || t.Year() > 9999 {
		c.f.Add(field, "field.datetime")
		return nil
	}
	t = t.UTC().Truncate(time.Millisecond)
	return &t
}

func (c checker) nullableTime(field string, n Nullable) *time.Time {
	if n.Value == nil {
		return nil
	}
	if *n.Value == "" {
		c.f.Add(field, "field.datetime")
		return nil
	}
	return c.optionalTime(field, *n.Value)
}

func (c checker) future(field string, t, now time.Time) {
	if !t.After(now) {
		c.f.Add(field, "field.future")
	}
}

func (c checker) capacity(n int) int {
	if n < 1 || n > CapacityMax {
		c.f.Add("ticketCapacity", "field.range", "Min", 1, "Max", CapacityMax)
	}
	return n
}

// price reads a JSON number with at most two decimals, at least 0; absent
// or null is 0. Anything else (a string, an exponent, a third decimal) is a
// message on the field.
func (c checker) price(raw json.RawMessage) money.Amount {
	if len(raw) == 0 || string(raw) == "null" {
		return 0
	}
	a, err := money.Parse(string(raw))
	if err != nil {
		c.f.Add("price", "event.price")
	}
	return a
}

func (c checker) currency(s string) string {
	if !IsCurrency(s) {
		c.f.Add("currency", "event.currency")
	}
	return s
}

func (c checker) status(s string) Status {
	st := Status(s)
	if st != Scheduled && st != Cancelled {
		c.f.Add("status", "field.one_of", "Values", "scheduled, cancelled")
	}
	return st
}

// window checks the sales window: salesStart before salesEnd, and salesEnd
// not after the event's date.
func (c checker) window(e *Event) {
	if e.SalesStart != nil && e.SalesEnd != nil && !e.SalesStart.Before(*e.SalesEnd) {
		c.f.Add("salesStart", "event.sales_start_after_end")
	}
	if e.SalesEnd != nil && !e.Date.IsZero() && e.SalesEnd.After(e.Date) {
		c.f.Add("salesEnd", "event.sales_end_after_date")
	}
}

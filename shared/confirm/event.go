// Package confirm sends each purchase's confirmation message, once in
// effect: the CloudEvent that carries a purchase to the confirmation
// function, the function's rules (claim, render, send, record), the
// senders (SMTP, an SMS provider's HTTP API, or files under
// DATA_DIR/outbox), the publishers, and the outbox sweep.
package confirm

import (
	"errors"
	"fmt"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"

	"guichet.dev/shared/ticket"
)

// EventType is the CloudEvents type of a purchase.
const EventType = "eu.guichet.ticket.purchased.v1"

// NewEvent returns the CloudEvent of purchase p: source /events/{eventId},
// subject and id the purchase id (so a redelivery or a republish is the
// same event), data the purchase as JSON.
func NewEvent(p ticket.Purchase) (*cloudevents.Event, error) {
	e := cloudevents.New()
	e.SetID(p.ID)
	e.SetType(EventType)
	e.SetSource("/events/" + p.EventID)
	e.SetSubject(p.ID)
	e.SetTime(time.Now().UTC())
	if err := e.SetData("application/json", p); err != nil {
		return nil, fmt.Errorf("encode purchase %s: %w", p.ID, err)
	}
	if err := e.Validate(); err != nil {
		return nil, fmt.Errorf("purchase %s event: %w", p.ID, err)
	}
	return &e, nil
}

// ErrNotPurchase marks an event that is not a purchase this version reads.
var ErrNotPurchase = errors.New("not a purchase event")

// PurchaseOf reads the purchase an event carries.
func PurchaseOf(e *cloudevents.Event) (ticket.Purchase, error) {
	var p ticket.Purchase
	if e.Type() != EventType {
		return p, fmt.Errorf("%w: type %q", ErrNotPurchase, e.Type())
	}
	if err := e.DataAs(&p); err != nil {
		return p, fmt.Errorf("%w: %w", ErrNotPurchase, err)
	}
	if p.ID == "" || p.ID != e.Subject() || p.EventID == "" || p.BuyerID == "" {
		return p, fmt.Errorf("%w: purchase id, event or buyer missing", ErrNotPurchase)
	}
	return p, nil
}

// Package ticket holds tickets: numbered seats sold for an event.
package ticket

import (
	"context"
	"time"

	"guichet.dev/shared/i18n"
	"guichet.dev/shared/money"
)

// Status is a ticket's state.
type Status string

// The ticket statuses of API.md.
const (
	Valid     Status = "valid"
	Used      Status = "used"
	Cancelled Status = "cancelled"
)

// Channel is how a purchase is confirmed.
type Channel string

// The confirmation channels.
const (
	Email Channel = "email"
	SMS   Channel = "sms"
)

// ConfirmationStatus is where a purchase's confirmation message stands.
type ConfirmationStatus string

// The confirmation statuses.
const (
	Pending ConfirmationStatus = "pending"
	Sent    ConfirmationStatus = "sent"
	Failed  ConfirmationStatus = "failed"
)

// Confirmation is the state of a ticket's confirmation message.
type Confirmation struct {
	Channel Channel            `json:"channel"`
	Status  ConfirmationStatus `json:"status"`
	SentAt  *time.Time         `json:"sentAt,omitempty"`
	Reason  string             `json:"reason,omitempty"`
}

// Ticket is a ticket as the API shows it.
type Ticket struct {
	UUID         string       `json:"uuid"`
	Event        string       `json:"event"`
	Number       int          `json:"number"`
	Price        money.Amount `json:"price"`
	Currency     string       `json:"currency"`
	Date         time.Time    `json:"date"`
	OwnerID      string       `json:"ownerId"`
	Status       Status       `json:"status"`
	Code         string       `json:"code"`
	Confirmation Confirmation `json:"confirmation"`
	CheckedInAt  *time.Time   `json:"checkedInAt,omitempty"`
	PurchaseID   string       `json:"-"` // the purchase that issued it
}

// Purchase is one successful purchase: what the confirmation is about.
type Purchase struct {
	ID       string    `json:"purchaseId"`
	EventID  string    `json:"eventId"`
	BuyerID  string    `json:"buyerId"`
	Channel  Channel   `json:"channel"`
	Language i18n.Lang `json:"language"`
	Tickets  []Ticket  `json:"tickets"`
}

// Publisher hands a purchase to the confirmation pipeline. An error leaves
// the purchase's tickets pending, for the sweep to publish again.
type Publisher interface {
	Publish(ctx context.Context, p Purchase) error
}

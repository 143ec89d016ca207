// Package event holds events: what organizers put on sale.
package event

import (
	"time"

	"guichet.dev/shared/money"
)

// Status is an event's state.
type Status string

// The statuses of API.md.
const (
	Scheduled Status = "scheduled"
	Cancelled Status = "cancelled"
)

// Event is an event as the API shows it. TicketsSold and TicketsRemaining
// are derived from the seat claims, never stored as counters.
type Event struct {
	ID               string       `json:"id"`
	Title            string       `json:"title"`
	Description      string       `json:"description"`
	Date             time.Time    `json:"date"`
	Address          string       `json:"address"`
	TicketCapacity   int          `json:"ticketCapacity"`
	Price            money.Amount `json:"price"`
	Currency         string       `json:"currency"`
	TicketsSold      int          `json:"ticketsSold"`
	TicketsRemaining int          `json:"ticketsRemaining"`
	Status           Status       `json:"status"`
	SalesStart       *time.Time   `json:"salesStart,omitempty"`
	SalesEnd         *time.Time   `json:"salesEnd,omitempty"`
	OrganizerID      string       `json:"organizerId"`
	CreatedAt        time.Time    `json:"createdAt"`
	UpdatedAt        time.Time    `json:"updatedAt"`
}

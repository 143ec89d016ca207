package event

import (
	"encoding/json"
	"reflect"
)

// Input is the body of POST /api/events. Dates and the price are read as
// raw text so that a malformed value is a message on its field, not a
// decoding error; Validate turns an Input into an Event. The fields a client
// must not set (id, organizerId, ticketsSold, ticketsRemaining, createdAt,
// updatedAt) are absent, so the strict decoder refuses them as unknown.
type Input struct {
	Title          string          `json:"title"`
	Description    string          `json:"description"`
	Date           string          `json:"date"`
	Address        string          `json:"address"`
	TicketCapacity *int            `json:"ticketCapacity"`
	Price          json.RawMessage `json:"price"`
	Currency       string          `json:"currency"`
	Status         string          `json:"status"`
	SalesStart     string          `json:"salesStart"`
	SalesEnd       string          `json:"salesEnd"`
}

// Patch is the body of PATCH /api/events/{id}: an absent (or null) field
// keeps its value, except salesStart and salesEnd, where null removes the
// bound.
type Patch struct {
	Title          *string         `json:"title"`
	Description    *string         `json:"description"`
	Date           *string         `json:"date"`
	Address        *string         `json:"address"`
	TicketCapacity *int            `json:"ticketCapacity"`
	Price          json.RawMessage `json:"price"`
	Currency       *string         `json:"currency"`
	Status         *string         `json:"status"`
	SalesStart     Nullable        `json:"salesStart"`
	SalesEnd       Nullable        `json:"salesEnd"`
}

// Nullable is a text field of a PATCH body that null clears: Set tells
// whether the body named it, Value is nil for null.
type Nullable struct {
	Set   bool
	Value *string
}

// UnmarshalJSON reads null or a string. A wrong type is reported as a
// json.UnmarshalTypeError, which the decoder attributes to the field.
func (n *Nullable) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Value = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &json.UnmarshalTypeError{Value: "non-string", Type: reflect.TypeFor[string]()}
	}
	n.Value = &s
	return nil
}

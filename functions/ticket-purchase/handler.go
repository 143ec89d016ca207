// Package function is the ticket-purchase function:
// POST /api/events/{id}/tickets.
package function

import (
	"net/http"

	"guichet.dev/shared/fn"
	"guichet.dev/shared/httpx"
	"guichet.dev/shared/ticket"
)

var handler = fn.New("ticket-purchase", purchase)

// Handle is the OpenFaaS golang-middleware entry point.
func Handle(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }

// body is the purchase request: {quantity?, channel?}.
type body struct {
	Quantity *int           `json:"quantity"`
	Channel  ticket.Channel `json:"channel"`
}

// decode reads an optional purchase body (the fuzz target).
func decode(raw []byte) (body, error) {
	var b body
	return b, httpx.DecodeBytes(raw, &b, true)
}

func purchase(q *fn.Request) error {
	// Admission, on the token alone (a purchase turned away costs no
	// database read): a bounded number run at once; beyond, 429.
	subject, err := q.Subject()
	if err != nil {
		return err
	}
	release, err := q.Env.Admission.Acquire(q.Context(), subject)
	if err != nil {
		return err
	}
	defer release()
	// Who buys: any signed-in user.
	buyer, err := q.User()
	if err != nil {
		return err
	}
	var b body
	if err := q.DecodeOptional(&b); err != nil {
		return err
	}
	// Sell, or replay the sale an earlier request with this key made.
	sale, err := q.Env.Sales().Buy(q.Context(), ticket.Order{
		EventID: q.PathValue("id"), Buyer: buyer, Quantity: b.Quantity, Channel: b.Channel,
		Key: q.R.Header.Get("Idempotency-Key"), Lang: q.Lang,
	})
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if sale.Replayed {
		status = http.StatusOK
	}
	return q.JSON(status, map[string][]ticket.Ticket{"tickets": sale.Tickets})
}

// Package function is the ticket-verify function: POST /api/tickets/verify,
// the door scanner's check-in.
package function

import (
	"net/http"

	"guichet.dev/shared/fn"
	"guichet.dev/shared/httpx"
	"guichet.dev/shared/ticket"
	"guichet.dev/shared/user"
)

var handler = fn.New("ticket-verify", verify)

// Handle is the OpenFaaS golang-middleware entry point.
func Handle(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }

// body is the verify request: {code}.
type body struct {
	Code string `json:"code"`
}

// decode reads a verify body (the fuzz target).
func decode(raw []byte) (body, error) {
	var b body
	return b, httpx.DecodeBytes(raw, &b, false)
}

func verify(q *fn.Request) error {
	// Who scans: organizers (of the ticket's event, checked below) and admins.
	caller, err := q.Require(user.Organizer, user.Admin)
	if err != nil {
		return err
	}
	var b body
	if err := q.Decode(&b); err != nil {
		return err
	}
	// Check the code and check the ticket in, once.
	v, err := ticket.Verify(q.Context(), q.Env.Store, q.Env.Codes, caller, b.Code)
	if err != nil {
		return err
	}
	return q.JSON(http.StatusOK, v)
}

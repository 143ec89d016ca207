// Package function is the ticket-get function: GET /api/tickets/{uuid}.
package function

import (
	"net/http"

	"guichet.dev/shared/fn"
	"guichet.dev/shared/ticket"
)

var handler = fn.New("ticket-get", get)

// Handle is the OpenFaaS golang-middleware entry point.
func Handle(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }

func get(q *fn.Request) error {
	// Who asks: the owner, the event's organizer or an admin (checked by Get).
	caller, err := q.User()
	if err != nil {
		return err
	}
	t, err := ticket.Get(q.Context(), q.Env.Store, caller, q.PathValue("uuid"))
	if err != nil {
		return err
	}
	return q.JSON(http.StatusOK, t)
}

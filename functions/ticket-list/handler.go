// Package function is the ticket-list function: GET /api/tickets (the
// caller's tickets; an admin's: all) and GET /api/events/{id}/tickets (an
// event's, for its organizer or an admin).
package function

import (
	"net/http"

	"guichet.dev/shared/fn"
	"guichet.dev/shared/ticket"
)

var handler = fn.New("ticket-list", list)

// Handle is the OpenFaaS golang-middleware entry point.
func Handle(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }

func list(q *fn.Request) error {
	caller, err := q.User()
	if err != nil {
		return err
	}
	lq := ticket.QueryOf(q.R.URL.Query())
	if id := q.PathValue("id"); id != "" {
		lq.Event, lq.EventScoped = id, true
	}
	page, err := ticket.List(q.Context(), q.Env.Store, caller, lq)
	if err != nil {
		return err
	}
	return q.JSON(http.StatusOK, page)
}

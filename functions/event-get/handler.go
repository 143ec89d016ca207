// Package function is the event-get function: GET /api/events/{id}.
package function

import (
	"net/http"

	"guichet.dev/shared/event"
	"guichet.dev/shared/fn"
)

var handler = fn.New("event-get", get)

// Handle is the OpenFaaS golang-middleware entry point.
func Handle(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }

func get(q *fn.Request) error {
	// Anyone may read an event; load it with its sales and answer.
	e, err := event.Get(q.Context(), q.Env.Events, q.PathValue("id"))
	if err != nil {
		return err
	}
	return q.JSON(http.StatusOK, e)
}

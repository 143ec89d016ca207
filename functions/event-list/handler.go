// Package function is the event-list function: GET /api/events.
package function

import (
	"net/http"
	"time"

	"guichet.dev/shared/event"
	"guichet.dev/shared/fn"
)

var handler = fn.New("event-list", list)

// Handle is the OpenFaaS golang-middleware entry point.
func Handle(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }

func list(q *fn.Request) error {
	// Anyone may list; validate the filters.
	f, err := event.ParseFilter(q.R.URL.Query(), time.Now())
	if err != nil {
		return err
	}
	// Read one page and answer.
	p, err := event.List(q.Context(), q.Env.Events, f)
	if err != nil {
		return err
	}
	return q.JSON(http.StatusOK, p)
}

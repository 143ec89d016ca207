// Package function is the event-delete function: DELETE /api/events/{id}.
package function

import (
	"net/http"

	"guichet.dev/shared/event"
	"guichet.dev/shared/fn"
)

var handler = fn.New("event-delete", remove)

// Handle is the OpenFaaS golang-middleware entry point.
func Handle(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }

func remove(q *fn.Request) error {
	// Who asks: the event's organizer or an admin.
	e, st, err := q.EditableEvent()
	if err != nil {
		return err
	}
	// Delete unless tickets were sold, and answer 204.
	if err := event.Delete(q.Context(), st, e); err != nil {
		return err
	}
	return q.NoContent()
}

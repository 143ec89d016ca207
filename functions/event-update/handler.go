// Package function is the event-update function: PATCH /api/events/{id}.
package function

import (
	"net/http"
	"time"

	"guichet.dev/shared/event"
	"guichet.dev/shared/fn"
)

var handler = fn.New("event-update", update)

// Handle is the OpenFaaS golang-middleware entry point.
func Handle(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }

func update(q *fn.Request) error {
	// Who asks: the event's organizer or an admin.
	e, st, err := q.EditableEvent()
	if err != nil {
		return err
	}
	// Decode the changes; validation happens in the domain.
	var p event.Patch
	if err := q.Decode(&p); err != nil {
		return err
	}
	// Apply and answer.
	e, err = event.Update(q.Context(), st, e, p, time.Now())
	if err != nil {
		return err
	}
	return q.JSON(http.StatusOK, e)
}

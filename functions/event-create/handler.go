// Package function is the event-create function: POST /api/events.
package function

import (
	"net/http"
	"time"

	"guichet.dev/shared/event"
	"guichet.dev/shared/fn"
	"guichet.dev/shared/store"
)

var handler = fn.New("event-create", create)

// Handle is the OpenFaaS golang-middleware entry point.
func Handle(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }

func create(q *fn.Request) error {
	// Who asks: a signed-in organizer or admin, who becomes the organizer.
	caller, err := q.User()
	if err != nil {
		return err
	}
	// Decode; validation happens in the domain.
	var in event.Input
	if err := q.Decode(&in); err != nil {
		return err
	}
	// Create and answer with its location.
	e, err := event.Create(q.Context(), q.Env.Events.Fresh(), caller, in, store.NewID(), time.Now())
	if err != nil {
		return err
	}
	q.W.Header().Set("Location", "/api/events/"+e.ID)
	return q.JSON(http.StatusCreated, e)
}

// Package function is the user-delete function: DELETE /api/users/{id}.
package function

import (
	"net/http"

	"guichet.dev/shared/fn"
)

var handler = fn.New("user-delete", remove)

// Handle is the OpenFaaS golang-middleware entry point.
func Handle(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }

func remove(q *fn.Request) error {
	// Who asks: themselves or an admin (checked by the service).
	caller, err := q.User()
	if err != nil {
		return err
	}
	// Delete the account and end its logins.
	if err := q.Env.Auth.Delete(q.Context(), caller, q.PathValue("id")); err != nil {
		return err
	}
	return q.NoContent()
}

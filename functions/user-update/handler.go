// Package function is the user-update function: PATCH /api/users/{id}.
package function

import (
	"net/http"

	"guichet.dev/shared/fn"
	"guichet.dev/shared/user"
)

var handler = fn.New("user-update", update)

// Handle is the OpenFaaS golang-middleware entry point.
func Handle(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }

func update(q *fn.Request) error {
	// Who asks: themselves or an admin (checked by the service).
	caller, err := q.User()
	if err != nil {
		return err
	}
	// Decode the patch, apply it under the rules of API.md, answer the user.
	var body user.Patch
	if err := q.Decode(&body); err != nil {
		return err
	}
	u, err := q.Env.Auth.Update(q.Context(), caller, q.PathValue("id"), &body)
	if err != nil {
		return err
	}
	return q.JSON(http.StatusOK, u)
}

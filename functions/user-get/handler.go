// Package function is the user-get function: GET /api/users/me and
// GET /api/users/{id}.
package function

import (
	"net/http"

	"guichet.dev/shared/fn"
	"guichet.dev/shared/user"
)

var handler = fn.New("user-get", get)

// Handle is the OpenFaaS golang-middleware entry point.
func Handle(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }

func get(q *fn.Request) error {
	// Who asks: any signed-in user, for themselves or, as admin, for anyone.
	caller, err := q.User()
	if err != nil {
		return err
	}
	id := q.PathValue("id")
	if id == "" {
		return q.JSON(http.StatusOK, caller)
	}
	if err := user.CanManage(caller, id); err != nil {
		return err
	}
	// Load and answer.
	u, err := q.Env.Store.UserByID(q.Context(), id)
	if err != nil {
		return err
	}
	return q.JSON(http.StatusOK, u)
}

// Package function is the user-list function: GET /api/users (admin).
package function

import (
	"net/http"

	"guichet.dev/shared/fn"
	"guichet.dev/shared/page"
	"guichet.dev/shared/store"
	"guichet.dev/shared/user"
)

var handler = fn.New("user-list", list)

// Handle is the OpenFaaS golang-middleware entry point.
func Handle(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }

func list(q *fn.Request) error {
	// Admins only.
	if _, err := q.Require(user.Admin); err != nil {
		return err
	}
	// Read the page, load it in id order, answer it with the next cursor.
	p, err := page.Parse(q.R.URL.Query(), store.ValidID)
	if err != nil {
		return err
	}
	users, more, err := q.Env.Store.ListUsers(q.Context(), p.After, p.Limit)
	if err != nil {
		return err
	}
	return q.JSON(http.StatusOK, page.Of(users, more, func(u *user.User) string { return u.ID }))
}

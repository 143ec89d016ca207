// Package function is the auth-logout function: POST /api/auth/logout.
package function

import (
	"net/http"

	"guichet.dev/shared/auth"
	"guichet.dev/shared/fn"
)

var handler = fn.New("auth-logout", logout)

// Handle is the OpenFaaS golang-middleware entry point.
func Handle(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }

func logout(q *fn.Request) error {
	// Decode, revoke the refresh token's whole login.
	var body auth.RefreshRequest
	if err := q.Decode(&body); err != nil {
		return err
	}
	if err := q.Env.Auth.Logout(q.Context(), &body); err != nil {
		return err
	}
	return q.NoContent()
}

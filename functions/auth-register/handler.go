// Package function is the auth-register function: POST /api/auth/register.
package function

import (
	"net/http"

	"guichet.dev/shared/fn"
	"guichet.dev/shared/user"
)

var handler = fn.New("auth-register", register)

// Handle is the OpenFaaS golang-middleware entry point.
func Handle(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }

func register(q *fn.Request) error {
	// Per-address limit first: registration hashes a password.
	if err := q.Env.Auth.LimitAddress(q.ClientAddr()); err != nil {
		return err
	}
	// Decode, create the account (validation, hashing, unique email and username).
	var body user.Registration
	if err := q.Decode(&body); err != nil {
		return err
	}
	u, err := q.Env.Auth.Register(q.Context(), &body, q.Lang)
	if err != nil {
		return err
	}
	q.W.Header().Set("Location", "/api/users/"+u.ID)
	return q.JSON(http.StatusCreated, u)
}

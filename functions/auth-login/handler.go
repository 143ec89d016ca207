// Package function is the auth-login function: POST /api/auth/login.
package function

import (
	"net/http"

	"guichet.dev/shared/fn"
	"guichet.dev/shared/user"
)

var handler = fn.New("auth-login", login)

// Handle is the OpenFaaS golang-middleware entry point.
func Handle(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }

func login(q *fn.Request) error {
	// Per-address limit first: a login costs an argon2id check.
	if err := q.Env.Auth.LimitAddress(q.ClientAddr()); err != nil {
		return err
	}
	// Decode, check the credentials under the account lockout, start a login.
	var body user.Credentials
	if err := q.Decode(&body); err != nil {
		return err
	}
	s, err := q.Env.Auth.Login(q.Context(), &body)
	if err != nil {
		return err
	}
	q.W.Header().Set("Cache-Control", "no-store")
	return q.JSON(http.StatusOK, s)
}

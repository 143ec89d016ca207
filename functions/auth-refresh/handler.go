// Package function is the auth-refresh function: POST /api/auth/refresh.
package function

import (
	"net/http"

	"guichet.dev/shared/auth"
	"guichet.dev/shared/fn"
)

var handler = fn.New("auth-refresh", refresh)

// Handle is the OpenFaaS golang-middleware entry point.
func Handle(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }

func refresh(q *fn.Request) error {
	// Decode, spend the refresh token (single use) and rotate it.
	var body auth.RefreshRequest
	if err := q.Decode(&body); err != nil {
		return err
	}
	s, err := q.Env.Auth.Refresh(q.Context(), &body)
	if err != nil {
		return err
	}
	q.W.Header().Set("Cache-Control", "no-store")
	return q.JSON(http.StatusOK, s)
}

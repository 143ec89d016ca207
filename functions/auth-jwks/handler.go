// Package function is the auth-jwks function: GET /.well-known/jwks.json,
// the public keys that verify Guichet's signatures.
package function

import (
	"net/http"

	"guichet.dev/shared/auth"
	"guichet.dev/shared/fn"
)

var handler = fn.New("auth-jwks", jwks)

// Handle is the OpenFaaS golang-middleware entry point.
func Handle(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }

func jwks(q *fn.Request) error {
	// Every public key, each with its kid: the access-token key, and the
	// ticket-code key a door scanner needs to check codes offline.
	keys := []auth.JWK{q.Env.Tokens.JWK(), auth.PublicJWK(q.Env.Codes.PublicKey())}
	q.W.Header().Set("Cache-Control", "public, max-age=300")
	return q.JSON(http.StatusOK, auth.JWKS{Keys: keys})
}

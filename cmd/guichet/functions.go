package main

import (
	"net/http"

	tkget "guichet.dev/functions/ticket-get"
	tklist "guichet.dev/functions/ticket-list"
	tkpurchase "guichet.dev/functions/ticket-purchase"
	tkqr "guichet.dev/functions/ticket-qr"
	tkverify "guichet.dev/functions/ticket-verify"
	usget "guichet.dev/functions/user-get"
)

// functions maps each function of the route table to its handler; a test
// checks that every function in route.Table is here.
var functions = map[string]http.Handler{
	"user-get": http.HandlerFunc(usget.Handle),

	"ticket-purchase": http.HandlerFunc(tkpurchase.Handle),
	"ticket-get":      http.HandlerFunc(tkget.Handle),
	"ticket-list":     http.HandlerFunc(tklist.Handle),
	"ticket-qr":       http.HandlerFunc(tkqr.Handle),
	"ticket-verify":   http.HandlerFunc(tkverify.Handle),
}

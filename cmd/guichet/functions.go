package main

import (
	"net/http"

	aujwks "guichet.dev/functions/auth-jwks"
	aulogin "guichet.dev/functions/auth-login"
	aulogout "guichet.dev/functions/auth-logout"
	aurefresh "guichet.dev/functions/auth-refresh"
	auregister "guichet.dev/functions/auth-register"
	backup "guichet.dev/functions/backup"
	evcreate "guichet.dev/functions/event-create"
	evdelete "guichet.dev/functions/event-delete"
	evget "guichet.dev/functions/event-get"
	evlist "guichet.dev/functions/event-list"
	evupdate "guichet.dev/functions/event-update"
	tkget "guichet.dev/functions/ticket-get"
	tklist "guichet.dev/functions/ticket-list"
	tkpurchase "guichet.dev/functions/ticket-purchase"
	tkqr "guichet.dev/functions/ticket-qr"
	tkverify "guichet.dev/functions/ticket-verify"
	usdelete "guichet.dev/functions/user-delete"
	usget "guichet.dev/functions/user-get"
	uslist "guichet.dev/functions/user-list"
	usupdate "guichet.dev/functions/user-update"
)

// functions maps each function of the route table to its handler; a test
// checks that every function in route.Table is here.
var functions = map[string]http.Handler{
	"user-get":      http.HandlerFunc(usget.Handle),
	"backup":        http.HandlerFunc(backup.Handle),
	"auth-register": http.HandlerFunc(auregister.Handle),
	"auth-login":    http.HandlerFunc(aulogin.Handle),
	"auth-refresh":  http.HandlerFunc(aurefresh.Handle),
	"auth-logout":   http.HandlerFunc(aulogout.Handle),
	"auth-jwks":     http.HandlerFunc(aujwks.Handle),
	"user-list":     http.HandlerFunc(uslist.Handle),
	"user-update":   http.HandlerFunc(usupdate.Handle),
	"user-delete":   http.HandlerFunc(usdelete.Handle),
	"event-create":  http.HandlerFunc(evcreate.Handle),
	"event-get":     http.HandlerFunc(evget.Handle),
	"event-list":    http.HandlerFunc(evlist.Handle),
	"event-update":  http.HandlerFunc(evupdate.Handle),
	"event-delete":  http.HandlerFunc(evdelete.Handle),

	"ticket-purchase": http.HandlerFunc(tkpurchase.Handle),
	"ticket-get":      http.HandlerFunc(tkget.Handle),
	"ticket-list":     http.HandlerFunc(tklist.Handle),
	"ticket-qr":       http.HandlerFunc(tkqr.Handle),
	"ticket-verify":   http.HandlerFunc(tkverify.Handle),
}

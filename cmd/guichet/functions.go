package main

import (
	"net/http"

	backup "guichet.dev/functions/backup"
	usget "guichet.dev/functions/user-get"
)

// functions maps each function of the route table to its handler; a test
// checks that every function in route.Table is here.
var functions = map[string]http.Handler{
	"user-get": http.HandlerFunc(usget.Handle),
	"backup":   http.HandlerFunc(backup.Handle),
}

package main

import (
	"net/http"

	backup "guichet.dev/functions/backup"
	evcreate "guichet.dev/functions/event-create"
	evdelete "guichet.dev/functions/event-delete"
	evget "guichet.dev/functions/event-get"
	evlist "guichet.dev/functions/event-list"
	evupdate "guichet.dev/functions/event-update"
	usget "guichet.dev/functions/user-get"
)

// functions maps each function of the route table to its handler; a test
// checks that every function in route.Table is here.
var functions = map[string]http.Handler{
	"user-get":     http.HandlerFunc(usget.Handle),
	"backup":       http.HandlerFunc(backup.Handle),
	"event-create": http.HandlerFunc(evcreate.Handle),
	"event-get":    http.HandlerFunc(evget.Handle),
	"event-list":   http.HandlerFunc(evlist.Handle),
	"event-update": http.HandlerFunc(evupdate.Handle),
	"event-delete": http.HandlerFunc(evdelete.Handle),
}

// Package route holds the one table of Guichet's HTTP routes: which function
// answers which method and path. The local gateway registers it, the nginx
// configuration and deployment manifests are generated from it, and a test
// walks it against the OpenAPI document.
package route

// Route maps a method and a path pattern (net/http ServeMux syntax) to the
// function that answers it.
type Route struct {
	Method   string
	Pattern  string // path with {name} wildcards
	Function string // directory under functions/
}

// Table is every API route, grouped by resource.
var Table = []Route{
	{"POST", "/api/auth/register", "auth-register"},
	{"POST", "/api/auth/login", "auth-login"},
	{"POST", "/api/auth/refresh", "auth-refresh"},
	{"POST", "/api/auth/logout", "auth-logout"},
	{"GET", "/.well-known/jwks.json", "auth-jwks"},

	{"GET", "/api/users/me", "user-get"},
	{"GET", "/api/users/{id}", "user-get"},
	{"GET", "/api/users", "user-list"},
	{"PATCH", "/api/users/{id}", "user-update"},
	{"DELETE", "/api/users/{id}", "user-delete"},

	{"GET", "/api/events", "event-list"},
	{"POST", "/api/events", "event-create"},
	{"GET", "/api/events/{id}", "event-get"},
	{"PATCH", "/api/events/{id}", "event-update"},
	{"DELETE", "/api/events/{id}", "event-delete"},

	{"POST", "/api/events/{id}/tickets", "ticket-purchase"},
	{"GET", "/api/events/{id}/tickets", "ticket-list"},
	{"GET", "/api/tickets", "ticket-list"},
	{"GET", "/api/tickets/{uuid}", "ticket-get"},
	{"GET", "/api/tickets/{uuid}/qr", "ticket-qr"},
	{"POST", "/api/tickets/verify", "ticket-verify"},

	{"POST", "/api/admin/backups", "backup"},
	{"GET", "/api/admin/backups", "backup"},
}

// Functions returns the names of the functions in the table, in table order,
// each once.
func Functions() []string {
	var names []string
	seen := map[string]bool{}
	for _, r := range Table {
		if !seen[r.Function] {
			seen[r.Function] = true
			names = append(names, r.Function)
		}
	}
	return names
}

// Of returns the routes answered by function name.
func Of(name string) []Route {
	var rs []Route
	for _, r := range Table {
		if r.Function == name {
			rs = append(rs, r)
		}
	}
	return rs
}

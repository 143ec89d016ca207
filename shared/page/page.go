// Package page is keyset pagination for lists: `?limit=` (1..100, default
// 20) and an opaque `?cursor=`, answered as {"items", "nextCursor"}.
package page

import (
	"encoding/base64"
	"net/url"
	"strconv"

	"guichet.dev/shared/fault"
)

// Limits of API.md.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Params is a parsed page request: at most Limit items after the item whose
// key is After ("" for the first page).
type Params struct {
	Limit int
	After string
}

// Parse reads limit and cursor from q. validKey checks the key a cursor
// carries (a cursor this list did not give is a 400, never a 5xx).
func Parse(q url.Values, validKey func(string) bool) (Params, error) {
	p := Params{Limit: DefaultLimit}
	f := fault.Fields{}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			f.Add("limit", "field.limit")
		}
		p.Limit = n
	}
	if s := q.Get("cursor"); s != "" {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || !validKey(string(b)) {
			f.Add("cursor", "field.cursor")
		}
		p.After = string(b)
	}
	return p, f.Err()
}

// Page is one page of a list.
type Page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"nextCursor"`
}

// Of builds the page of items; when more follow, its cursor points after
// the last item, whose key is given by key.
func Of[T any](items []T, more bool, key func(T) string) Page[T] {
	p := Page[T]{Items: items}
	if p.Items == nil {
		p.Items = []T{}
	}
	if more && len(items) > 0 {
		c := base64.RawURLEncoding.EncodeToString([]byte(key(items[len(items)-1])))
		p.NextCursor = &c
	}
	return p
}

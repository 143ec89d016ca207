// Package fault holds the one error type that crosses from the domain to the
// HTTP edge. Its Code is the stable word of API.md; the message ids are
// localized by the problem writer. Anything that is not a *Error is internal.
package fault

import (
	"errors"
	"fmt"
	"time"
)

// Code is a stable snake_case error word of the API.
type Code string

// The codes of API.md.
const (
	Invalid          Code = "validation_failed"
	BadRequest       Code = "bad_request"
	Unauthorized     Code = "unauthorized"
	Forbidden        Code = "forbidden"
	NotFound         Code = "not_found"
	MethodNotAllowed Code = "method_not_allowed"
	Conflict         Code = "conflict"
	SoldOut          Code = "sold_out"
	SalesClosed      Code = "sales_closed"
	AlreadyCheckedIn Code = "already_checked_in"
	InvalidTicket    Code = "invalid_ticket"
	KeyReused        Code = "idempotency_key_reused"
	RateLimited      Code = "rate_limited"
	TooLarge         Code = "payload_too_large"
	Unsupported      Code = "unsupported_media_type"
	Unavailable      Code = "unavailable"
	Internal         Code = "internal"
)

// Codes lists every code, for documentation and tests.
var Codes = []Code{Invalid, BadRequest, Unauthorized, Forbidden, NotFound, MethodNotAllowed,
	Conflict, SoldOut, SalesClosed, AlreadyCheckedIn, InvalidTicket, KeyReused, RateLimited,
	TooLarge, Unsupported, Unavailable, Internal}

// Msg is a message id with its template data, localized at the edge.
type Msg struct {
	ID   string
	Data map[string]any
}

// M builds a Msg from an id and key/value pairs.
func M(id string, kv ...any) Msg {
	m := Msg{ID: id}
	if len(kv) > 0 {
		m.Data = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m.Data[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	return m
}

// Error is an expected failure with a code, a localizable detail and, for
// validation, a message per field.
type Error struct {
	Code       Code
	Detail     Msg            // empty ID: the code's generic detail
	Fields     map[string]Msg // validation_failed only
	RetryAfter time.Duration  // rate_limited, unavailable
	Extra      map[string]any // extra problem members, e.g. checkedInAt
	Err        error          // the cause, for logs only; never shown
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func (e *Error) Error() string {
	if e.Detail.ID != "" {
		return string(e.Code) + ": " + e.Detail.ID
	}
	return string(e.Code)
}

// Is makes errors.Is match two *Error values of the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Detail.ID == "" && t.Fields == nil
}

// New returns an error with code c and the code's generic detail.
func New(c Code) *Error { return &Error{Code: c} }

// With returns an error with code c and a specific detail message.
func With(c Code, id string, kv ...any) *Error { return &Error{Code: c, Detail: M(id, kv...)} }

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Fields collects validation messages, one per failing field.
type Fields map[string]Msg

// Add records msg for field unless the field already failed.
func (f Fields) Add(field, id string, kv ...any) {
	if _, ok := f[field]; !ok {
		f[field] = M(id, kv...)
	}
}

// Err returns a validation_failed error when any field failed, else nil.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Fields: f}
}

package confirm

import (
	"context"
	"errors"
)

// Email is one confirmation email, rendered.
type Email struct {
	PurchaseID string // the Message-ID is <PurchaseID@guichet>
	To         string
	Subject    string
	Text, HTML string
}

// Text is one confirmation SMS, rendered.
type Text struct {
	PurchaseID string // sent as the provider's idempotency key
	To         string
	Body       string
}

// Mailer sends an email.
type Mailer interface {
	SendEmail(ctx context.Context, m Email) error
}

// Texter sends an SMS.
type Texter interface {
	SendText(ctx context.Context, t Text) error
}

// permanentError is a failure that no retry will cure (a refused address).
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as a failure no retry cures.
func Permanent(err error) error { return permanentError{err} }

// IsPermanent reports whether err was marked permanent.
func IsPermanent(err error) bool { return errors.As(err, new(permanentError)) }

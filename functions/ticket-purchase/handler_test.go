package function

import (
	"testing"

	"guichet.dev/shared/fault"
	"guichet.dev/shared/user"

	"guichet.dev/shared/ticket"
)

// FuzzDecodePurchase: any body decodes to a purchase or to a client error,
// and a decoded purchase validates or fails as a client error.
func FuzzDecodePurchase(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"quantity":3}`, `{"quantity":0}`, `{"quantity":11}`, `{"channel":"sms"}`,
		`{"channel":"fax"}`, `{"quantity":"2"}`, `{"$where":1}`, `{"quantity":1e400}`, `[1]`, `{"quantity":2}{}`, "{\"channel\":\"\x00\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		b, err := decode(raw)
		if err != nil {
			fe, ok := fault.As(err)
			if !ok || (fe.Code != fault.Invalid && fe.Code != fault.BadRequest) {
				t.Fatalf("decode %q: %v, want a 400", raw, err)
			}
			return
		}
		o := ticket.Order{Buyer: &user.User{ID: "0123456789abcdef01234567"}, Quantity: b.Quantity, Channel: b.Channel}
		if err := o.Validate(); err != nil {
			if fe, ok := fault.As(err); !ok || fe.Code != fault.Invalid {
				t.Fatalf("validate %q: %v, want validation_failed", raw, err)
			}
		}
	})
}

package function

import (
	"crypto/ed25519"
	"testing"

	"guichet.dev/shared/fault"
	"guichet.dev/shared/ticket"
)

// FuzzDecodeVerify: any body is a client error or a code that either
// verifies or is refused as invalid, never a panic.
func FuzzDecodeVerify(f *testing.F) {
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		f.Fatal(err)
	}
	signer := ticket.NewSigner(key)
	good, err := signer.Sign(ticket.Named{UUID: "7f1c0b6e-3a52-4a8e-9f5e-0d6c1b2a3e4f", Event: "0123456789abcdef01234567", Number: 7})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{``, `{}`, `{"code":""}`, `{"code":"` + good + `"}`, `{"code":"` + good[:127] + `A"}`,
		`{"code":1}`, `{"code":{"$ne":""}}`, `{"code":"x","extra":1}`, `null`} {
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
		if n, err := signer.Verify(b.Code); err == nil && b.Code != good {
			t.Fatalf("code %q verified as %+v", b.Code, n)
		}
	})
}

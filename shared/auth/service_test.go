package auth

import (
	"testing"

	"guichet.dev/shared/fault"
)

func TestLimitAddressCountsAnIPv6ClientByItsSlash64(t *testing.T) {
	s := NewService(nil, nil, 1)
	tests := []struct {
		addr    string
		limited bool
	}{
		{"2001:db8::1", false},
		{"2001:db8::2", true}, // the same /64
		{"2001:db8:0:1::1", false},
		{"192.0.2.1", false},
		{"192.0.2.1", true},
		{"192.0.2.2", false},
	}
	for _, tt := range tests {
		err := s.LimitAddress(tt.addr)
		fe, _ := fault.As(err)
		if got := fe != nil && fe.Code == fault.RateLimited && fe.RetryAfter > 0; got != tt.limited {
			t.Errorf("LimitAddress(%s) = %v, want limited %v", tt.addr, err, tt.limited)
		}
	}
}

// Package money keeps prices exact: an Amount is a whole number of cents,
// read from and written to JSON as a number with at most two decimals, never
// through a float.
package money

import (
	"errors"
	"strconv"
	"strings"
)

// Amount is a price in cents.
type Amount int64

// Max is the largest accepted amount: 1 000 000 000.00.
const Max Amount = 100_000_000_000

// ErrInvalid is a price that is negative, has more than two decimals, or is
// not a plain decimal number.
var ErrInvalid = errors.New("invalid amount")

// Parse reads a plain decimal number text ("19.99", "0", "5.5").
func Parse(s string) (Amount, error) {
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 12 || (hasDot && (frac == "" || len(frac) > 2)) {
		return 0, ErrInvalid
	}
	if len(whole) > 1 && whole[0] == '0' {
		return 0, ErrInvalid
	}
	for _, part := range []string{whole, frac} {
		for _, c := range part {
			if c < '0' || c > '9' {
				return 0, ErrInvalid
			}
		}
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, ErrInvalid
	}
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt((frac + "0")[:2], 10, 64)
	}
	a := Amount(w*100 + f)
	if a > Max {
		return 0, ErrInvalid
	}
	return a, nil
}

// String writes the amount with the fewest decimals that keep it exact
// ("19.99", "19.9", "19").
func (a Amount) String() string {
	s := strconv.FormatInt(int64(a)/100, 10)
	if c := int64(a) % 100; c != 0 {
		s += "." + strings.TrimRight(strconv.FormatInt(100+c, 10)[1:], "0")
	}
	return s
}

// MarshalJSON writes the amount as a JSON number.
func (a Amount) MarshalJSON() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalJSON reads a JSON number with at most two decimals; exponents,
// negatives and anything else are refused.
func (a *Amount) UnmarshalJSON(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

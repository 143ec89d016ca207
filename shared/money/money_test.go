package money

import (
	"encoding/json"
	"testing"
)

func TestParseReadsExactCentsAndRefusesEverythingElse(t *testing.T) {
	tests := []struct {
		in   string
		want Amount
		ok   bool
	}{
		{"0", 0, true},
		{"0.01", 1, true},
		{"19.99", 1999, true},
		{"19.9", 1990, true},
		{"5", 500, true},
		{"999999.99", 99999999, true},
		{"1000000000", Max, true},
		{"1000000000.01", 0, false},
		{"19.999", 0, false},
		{"-1", 0, false},
		{"1e2", 0, false},
		{"1E2", 0, false},
		{`"5"`, 0, false},
		{"05", 0, false},
		{"5.", 0, false},
		{".5", 0, false},
		{"+5", 0, false},
		{"", 0, false},
		{"NaN", 0, false},
		{"Infinity", 0, false},
		{"null", 0, false},
		{"0x10", 0, false},
		{"1 000", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("Parse(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}

func TestAmountRoundTripsThroughJSONAsANumber(t *testing.T) {
	for _, s := range []string{"0", "0.01", "0.1", "19.99", "19.9", "999999.99", "1000000000"} {
		var a Amount
		if err := json.Unmarshal([]byte(s), &a); err != nil {
			t.Fatalf("unmarshal %s: %v", s, err)
		}
		b, err := json.Marshal(a)
		if err != nil || string(b) != s {
			t.Errorf("%s came back as %s (%v)", s, b, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"0", "19.99", "-1", "1e2", "999999.99", "00.1", "1.234"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			return
		}
		if a < 0 || a > Max {
			t.Fatalf("Parse(%q) = %d out of range", s, a)
		}
		back, err := Parse(a.String())
		if err != nil || back != a {
			t.Fatalf("%q -> %d -> %q -> %d, %v", s, a, a.String(), back, err)
		}
	})
}

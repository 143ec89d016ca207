package page_test

import (
	"net/url"
	"testing"

	"guichet.dev/shared/fault"
	"guichet.dev/shared/page"
)

func validKey(k string) bool { return k == "k1" || k == "k2" }

func TestParseReadsLimitAndCursor(t *testing.T) {
	c := page.Of([]string{"k0", "k1"}, true, func(s string) string { return s }).NextCursor
	tests := []struct {
		name, query string
		want        page.Params
		bad         string // the failing field
	}{
		{"no parameters", "", page.Params{Limit: 20}, ""},
		{"limit 1", "limit=1", page.Params{Limit: 1}, ""},
		{"limit 100", "limit=100", page.Params{Limit: 100}, ""},
		{"limit 0", "limit=0", page.Params{}, "limit"},
		{"limit 101", "limit=101", page.Params{}, "limit"},
		{"limit not a number", "limit=2x", page.Params{}, "limit"},
		{"a cursor this list gave", "cursor=" + *c, page.Params{Limit: 20, After: "k1"}, ""},
		{"a cursor not in base64url", "cursor=***", page.Params{}, "cursor"},
		{"a cursor of another key", "cursor=azk", page.Params{}, "cursor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			got, err := page.Parse(q, validKey)
			if tt.bad != "" {
				fe, ok := fault.As(err)
				if !ok || fe.Code != fault.Invalid || fe.Fields[tt.bad].ID == "" {
					t.Fatalf("error %v, want %s invalid", err, tt.bad)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Parse = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestOfGivesACursorOnlyWhenMoreFollow(t *testing.T) {
	key := func(s string) string { return s }
	if p := page.Of([]string(nil), false, key); p.Items == nil || p.NextCursor != nil {
		t.Errorf("empty page %+v", p)
	}
	if p := page.Of([]string{"k1"}, false, key); p.NextCursor != nil {
		t.Errorf("last page has cursor %q", *p.NextCursor)
	}
	if p := page.Of([]string{"k1"}, true, key); p.NextCursor == nil {
		t.Error("no cursor though more follow")
	}
}

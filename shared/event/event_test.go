package event

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"guichet.dev/shared/fault"
	"guichet.dev/shared/httpx"
)

func TestCursorRoundTripsAndRefusesOtherText(t *testing.T) {
	c := Cursor{Date: time.Date(2030, 5, 17, 20, 30, 0, 123e6, time.UTC), ID: "65f1c0ffee0123456789abcd"}
	got, ok := ParseCursor(c.String())
	if !ok || !got.Date.Equal(c.Date) || got.ID != c.ID {
		t.Fatalf("round trip: %+v, %v", got, ok)
	}
	s := c.String()
	for i := range s {
		changed := s[:i] + string("AB"[i%2^1]) + s[i+1:]
		if changed == s {
			changed = s[:i] + "C" + s[i+1:]
		}
		if _, ok := ParseCursor(changed); ok {
			t.Errorf("altered cursor %q accepted", changed)
		}
	}
	for _, bad := range []string{"", "garbage", strings.Repeat("A", len(s)), s + "A", s[:len(s)-1], "+/==" + s[4:]} {
		if _, ok := ParseCursor(bad); ok {
			t.Errorf("cursor %q accepted", bad)
		}
	}
}

func TestParseFilterAppliesDefaults(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	f, err := ParseFilter(url.Values{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if f.Status != Scheduled || f.Past || f.Limit != DefaultLimit || f.After != nil || !f.Now.Equal(now) {
		t.Errorf("defaults %+v", f)
	}
	_, err = ParseFilter(url.Values{"limit": {"0"}, "past": {"1"}, "status": {"all"}, "cursor": {"x"}, "from": {"now"}}, now)
	fe, ok := fault.As(err)
	if !ok || fe.Code != fault.Invalid || len(fe.Fields) != 5 {
		t.Errorf("every bad parameter at once: %v", err)
	}
}

func TestIsCurrency(t *testing.T) {
	for code, want := range map[string]bool{"EUR": true, "USD": true, "JPY": true, "XOF": true, "ZWG": true,
		"eur": false, "EU": false, "EURO": false, "XYZ": false, "R A": false, " AE": false, "D A": false, "": false} {
		if IsCurrency(code) != want {
			t.Errorf("IsCurrency(%q) = %v", code, !want)
		}
	}
}

func TestApplyKeepsAbsentFieldsAndChecksTheResult(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	date := now.Add(48 * time.Hour)
	end := date.Add(-time.Hour)
	e := &Event{ID: "65f1c0ffee0123456789abcd", Title: "T", Description: "D", Address: "A", Date: date,
		TicketCapacity: 10, Price: 1999, Currency: "EUR", Status: Scheduled, SalesEnd: &end}
	var p Patch
	if err := json.Unmarshal([]byte(`{"title":" New ","price":null,"salesEnd":null}`), &p); err != nil {
		t.Fatal(err)
	}
	n, err := e.Apply(p, now)
	if err != nil {
		t.Fatal(err)
	}
	if n.Title != "New" || n.Price != 1999 || n.SalesEnd != nil || e.SalesEnd == nil || !n.UpdatedAt.Equal(now) {
		t.Errorf("applied %+v", n)
	}
	var late Patch
	if err := json.Unmarshal([]byte(`{"salesStart":"`+end.Add(time.Minute).Format(time.RFC3339)+`"}`), &late); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Apply(late, now); err == nil {
		t.Error("salesStart after salesEnd accepted")
	}
}

// FuzzDecodeEvent feeds arbitrary bodies through the create and PATCH
// decoders and validation: no panic, and every refusal is a client error.
func FuzzDecodeEvent(f *testing.F) {
	for _, s := range []string{
		`{"title":"T","description":"D","address":"A","date":"2099-01-01T00:00:00Z","ticketCapacity":5,"price":19.99}`,
		`{"price":19.999}`, `{"price":-1}`, `{"price":1e2}`, `{"price":"5"}`, `{"price":null}`,
		`{"salesStart":null,"salesEnd":"2099-01-01T00:00:00Z"}`, `{"salesStart":5}`, `{"title":{"$gt":""}}`,
		`{"ticketCapacity":1e20}`, `{"organizerId":"x"}`, `{"date":"9999-12-31T23:59:59+14:00"}`, `[]`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	existing := &Event{ID: "65f1c0ffee0123456789abcd", Title: "T", Description: "D", Address: "A",
		Date: now.Add(time.Hour), TicketCapacity: 10, Currency: "EUR", Status: Scheduled}
	clientError := func(t *testing.T, err error) {
		t.Helper()
		if err == nil {
			return
		}
		fe, ok := fault.As(err)
		if !ok || httpx.Status(fe.Code) >= 500 {
			t.Fatalf("not a client error: %v", err)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in Input
		if err := httpx.DecodeBytes(body, &in, false); err != nil {
			clientError(t, err)
		} else {
			e, err := New(in, "65f1c0ffee0123456789abcd", "65f1c0ffee0123456789abce", now)
			clientError(t, err)
			if err == nil && (e.Price < 0 || e.TicketCapacity < 1 || !e.Date.After(now)) {
				t.Fatalf("invalid event accepted: %+v", e)
			}
		}
		var p Patch
		if err := httpx.DecodeBytes(body, &p, false); err != nil {
			clientError(t, err)
			return
		}
		_, err := existing.Apply(p, now)
		clientError(t, err)
	})
}

// FuzzParseFilter feeds arbitrary query strings to the list's filter
// parser: no panic, refusals are client errors, and an accepted filter's
// matcher runs.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"", "q=.*&limit=7", "q=%FF", "q=(", "status=cancelled&past=true", "from=2030-01-01T00:00:00Z&to=x",
		"cursor=" + (Cursor{Date: time.Unix(1e9, 0), ID: "65f1c0ffee0123456789abcd"}).String(), "limit=-1", "organizerId=65f1c0ffee0123456789abcd"} {
		f.Add(s)
	}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	e := &Event{ID: "65f1c0ffee0123456789abcd", Title: "Jazz (live) .*", Date: now.Add(time.Hour), Status: Scheduled}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		fl, err := ParseFilter(v, now)
		if err != nil {
			if fe, ok := fault.As(err); !ok || fe.Code != fault.Invalid {
				t.Fatalf("not a validation error: %v", err)
			}
			return
		}
		if fl.Limit < 1 || fl.Limit > MaxLimit {
			t.Fatalf("limit %d accepted", fl.Limit)
		}
		fl.Matcher()(e)
	})
}

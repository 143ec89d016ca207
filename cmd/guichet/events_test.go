package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"guichet.dev/shared/event"
	"guichet.dev/shared/i18n"
	"guichet.dev/shared/money"
	"guichet.dev/shared/store"
	"guichet.dev/shared/ticket"
	"guichet.dev/shared/user"
)

// eventBody returns a valid creation body, changed by set (a nil value
// removes the field).
func eventBody(set map[string]any) map[string]any {
	b := map[string]any{
		"title": "Concert", "description": "A night of music.", "address": "1 rue de la Paix, Paris",
		"date": time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339), "ticketCapacity": 100,
	}
	for k, v := range set {
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
	}
	return b
}

// createEvent creates an event through the API and returns it.
func (s *testServer) createEvent(token string, body map[string]any) event.Event {
	s.t.Helper()
	r := s.do(request{Method: "POST", Path: "/api/events", Token: token, Body: body})
	if r.Status != http.StatusCreated {
		s.t.Fatalf("create event: %d %s", r.Status, r.Body)
	}
	var e event.Event
	r.decode(s.t, &e)
	return e
}

// insertEvent stores an event directly (any date, even past) and returns it.
func (s *testServer) insertEvent(organizer, title string, date time.Time, status event.Status) *event.Event {
	s.t.Helper()
	now := time.Now().UTC().Truncate(time.Millisecond)
	e := &event.Event{ID: store.NewID(), Title: title, Description: "d", Address: "a",
		Date: date.UTC().Truncate(time.Millisecond), TicketCapacity: 10, Currency: "EUR", Status: status,
		OrganizerID: organizer, CreatedAt: now, UpdatedAt: now}
	if err := s.Env.Store.InsertEvent(context.Background(), e); err != nil {
		s.t.Fatal(err)
	}
	return e
}

// sell stores n tickets of event e with status st, as a purchase would.
func (s *testServer) sell(e string, first, n int, st ticket.Status) {
	s.t.Helper()
	ts := make([]ticket.Ticket, n)
	purchase := uuid.NewString()
	for i := range ts {
		ts[i] = ticket.Ticket{UUID: uuid.NewString(), Event: e, Number: first + i, Price: 100, Currency: "EUR",
			Date: time.Now().UTC(), OwnerID: store.NewID(), Status: st, Code: "c", PurchaseID: purchase,
			Confirmation: ticket.Confirmation{Channel: ticket.Email, Status: ticket.Pending}}
	}
	if err := s.Env.Store.InsertTickets(context.Background(), ts); err != nil {
		s.t.Fatal(err)
	}
}

func TestEventCreateValidatesEveryRuleInEnglishAndFrench(t *testing.T) {
	s := startServer(t, nil)
	_, org := s.user(user.Organizer)
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	date := time.Now().Add(48 * time.Hour).UTC()
	tests := []struct {
		name  string
		set   map[string]any
		field string
		id    string
		data  map[string]any
	}{
		{"a missing title is required", map[string]any{"title": nil}, "title", "field.required", nil},
		{"a blank title is required", map[string]any{"title": "   "}, "title", "field.required", nil},
		{"a title of 201 characters is too long", map[string]any{"title": strings.Repeat("é", 201)}, "title", "field.length", map[string]any{"Min": 1, "Max": 200}},
		{"a missing description is required", map[string]any{"description": ""}, "description", "field.required", nil},
		{"a description of 10001 characters is too long", map[string]any{"description": strings.Repeat("x", 10001)}, "description", "field.length", map[string]any{"Min": 1, "Max": 10000}},
		{"a missing address is required", map[string]any{"address": nil}, "address", "field.required", nil},
		{"an address of 501 characters is too long", map[string]any{"address": strings.Repeat("à", 501)}, "address", "field.length", map[string]any{"Min": 1, "Max": 500}},
		{"a missing date is required", map[string]any{"date": nil}, "date", "field.required", nil},
		{"a date that is not RFC 3339 is refused", map[string]any{"date": "2030-01-01"}, "date", "field.datetime", nil},
		{"a past date is refused", map[string]any{"date": past}, "date", "field.future", nil},
		{"a date of a wrong type is refused", map[string]any{"date": 12}, "date", "decode.type", map[string]any{"Type": "string"}},
		{"a missing capacity is required", map[string]any{"ticketCapacity": nil}, "ticketCapacity", "field.required", nil},
		{"a capacity of 0 is out of range", map[string]any{"ticketCapacity": 0}, "ticketCapacity", "field.range", map[string]any{"Min": 1, "Max": 1000000}},
		{"a capacity over a million is out of range", map[string]any{"ticketCapacity": 1000001}, "ticketCapacity", "field.range", map[string]any{"Min": 1, "Max": 1000000}},
		{"a fractional capacity is refused", map[string]any{"ticketCapacity": 1.5}, "ticketCapacity", "decode.type", map[string]any{"Type": "number"}},
		{"a price with 3 decimals is refused", map[string]any{"price": json.RawMessage("19.999")}, "price", "event.price", nil},
		{"a negative price is refused", map[string]any{"price": -1}, "price", "event.price", nil},
		{"a price with an exponent is refused", map[string]any{"price": json.RawMessage("1e2")}, "price", "event.price", nil},
		{"a price given as a string is refused", map[string]any{"price": "5"}, "price", "event.price", nil},
		{"a lower-case currency is refused", map[string]any{"currency": "eur"}, "currency", "event.currency", nil},
		{"an unknown currency is refused", map[string]any{"currency": "XYZ"}, "currency", "event.currency", nil},
		{"an unknown status is refused", map[string]any{"status": "draft"}, "status", "field.one_of", map[string]any{"Values": "scheduled, cancelled"}},
		{"a malformed salesStart is refused", map[string]any{"salesStart": "soon"}, "salesStart", "field.datetime", nil},
		{"salesStart after salesEnd is refused", map[string]any{"date": date.Format(time.RFC3339),
			"salesStart": date.Add(-time.Hour).Format(time.RFC3339), "salesEnd": date.Add(-2 * time.Hour).Format(time.RFC3339)}, "salesStart", "event.sales_start_after_end", nil},
		{"salesEnd after the date is refused", map[string]any{"date": date.Format(time.RFC3339),
			"salesEnd": date.Add(time.Minute).Format(time.RFC3339)}, "salesEnd", "event.sales_end_after_date", nil},
		{"organizerId in the body is refused", map[string]any{"organizerId": "0123456789abcdef01234567"}, "organizerId", "decode.unknown_field", nil},
		{"ticketsSold in the body is refused", map[string]any{"ticketsSold": 3}, "ticketsSold", "decode.unknown_field", nil},
		{"ticketsRemaining in the body is refused", map[string]any{"ticketsRemaining": 3}, "ticketsRemaining", "decode.unknown_field", nil},
		{"id in the body is refused", map[string]any{"id": "0123456789abcdef01234567"}, "id", "decode.unknown_field", nil},
		{"createdAt in the body is refused", map[string]any{"createdAt": past}, "createdAt", "decode.unknown_field", nil},
		{"updatedAt in the body is refused", map[string]any{"updatedAt": past}, "updatedAt", "decode.unknown_field", nil},
		{"an operator as a title is refused", map[string]any{"title": map[string]any{"$gt": ""}}, "title", "decode.operator", nil},
	}
	for _, tt := range tests {
		for _, lang := range i18n.Langs {
			t.Run(tt.name+"/"+string(lang), func(t *testing.T) {
				r := s.do(request{Method: "POST", Path: "/api/events", Token: org, Body: eventBody(tt.set),
					Header: map[string]string{"Accept-Language": string(lang)}})
				if r.Status != http.StatusBadRequest {
					t.Fatalf("status %d, want 400: %s", r.Status, r.Body)
				}
				p := r.problem(t)
				errs, _ := p["errors"].(map[string]any)
				want := i18n.T(lang, tt.id, tt.data)
				if errs[tt.field] != want {
					t.Errorf("errors[%s] = %v, want %q (all: %v)", tt.field, errs[tt.field], want, errs)
				}
				if !i18n.Has(lang, tt.id) {
					t.Errorf("%s not translated in %s", tt.id, lang)
				}
			})
		}
	}
}

func TestEventCreateReportsEveryFailingFieldAtOnce(t *testing.T) {
	s := startServer(t, nil)
	_, org := s.user(user.Organizer)
	r := s.do(request{Method: "POST", Path: "/api/events", Token: org, Body: map[string]any{
		"title": "", "price": -1, "currency": "eur", "ticketCapacity": 0, "status": "x"}})
	if r.Status != http.StatusBadRequest {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	errs, _ := r.problem(t)["errors"].(map[string]any)
	for _, f := range []string{"title", "description", "address", "date", "ticketCapacity", "price", "currency", "status"} {
		if _, ok := errs[f]; !ok {
			t.Errorf("no error for %s in %v", f, errs)
		}
	}
}

func TestEventCreateAppliesDefaultsAndMakesTheCallerTheOrganizer(t *testing.T) {
	s := startServer(t, nil)
	org, tok := s.user(user.Organizer)
	r := s.do(request{Method: "POST", Path: "/api/events", Token: tok, Body: eventBody(nil)})
	if r.Status != http.StatusCreated {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var e event.Event
	r.decode(t, &e)
	if r.Header.Get("Location") != "/api/events/"+e.ID {
		t.Errorf("Location %q", r.Header.Get("Location"))
	}
	if e.OrganizerID != org.ID || e.Currency != "EUR" || e.Status != event.Scheduled || e.Price != 0 ||
		e.TicketsSold != 0 || e.TicketsRemaining != 100 || e.CreatedAt.IsZero() {
		t.Errorf("created %+v", e)
	}
}

func TestEventPatchValidatesAndClearsSalesBounds(t *testing.T) {
	s := startServer(t, nil)
	_, tok := s.user(user.Organizer)
	date := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	e := s.createEvent(tok, eventBody(map[string]any{"date": date.Format(time.RFC3339),
		"salesStart": date.Add(-48 * time.Hour).Format(time.RFC3339), "salesEnd": date.Add(-time.Hour).Format(time.RFC3339)}))
	tests := []struct {
		name  string
		body  string
		field string
		id    string
	}{
		{"an empty title is required", `{"title":""}`, "title", "field.required"},
		{"a capacity of 0 is out of range", `{"ticketCapacity":0}`, "ticketCapacity", "field.range"},
		{"a past date is refused", `{"date":"2001-01-01T00:00:00Z"}`, "date", "field.future"},
		{"a date before salesEnd is refused", `{"date":"` + date.Add(-2*time.Hour).Format(time.RFC3339) + `"}`, "salesEnd", "event.sales_end_after_date"},
		{"a price with 3 decimals is refused", `{"price":1.001}`, "price", "event.price"},
		{"a price given as a string is refused", `{"price":"5"}`, "price", "event.price"},
		{"salesStart of a wrong type is refused", `{"salesStart":5}`, "salesStart", "decode.type"},
		{"a status outside the list is refused", `{"status":"done"}`, "status", "field.one_of"},
		{"organizerId is refused", `{"organizerId":"0123456789abcdef01234567"}`, "organizerId", "decode.unknown_field"},
		{"ticketsSold is refused", `{"ticketsSold":1}`, "ticketsSold", "decode.unknown_field"},
	}
	for _, tt := range tests {
		for _, lang := range i18n.Langs {
			t.Run(tt.name+"/"+string(lang), func(t *testing.T) {
				r := s.do(request{Method: "PATCH", Path: "/api/events/" + e.ID, Token: tok, Body: tt.body,
					Header: map[string]string{"Accept-Language": string(lang)}})
				if r.Status != http.StatusBadRequest {
					t.Fatalf("status %d, want 400: %s", r.Status, r.Body)
				}
				errs, _ := r.problem(t)["errors"].(map[string]any)
				msg, _ := errs[tt.field].(string)
				if msg == "" || msg == tt.id || !i18n.Has(lang, tt.id) {
					t.Errorf("errors[%s] = %q, want the %s text of %s (all: %v)", tt.field, msg, lang, tt.id, errs)
				}
			})
		}
	}
	r := s.do(request{Method: "PATCH", Path: "/api/events/" + e.ID, Token: tok, Body: `{"salesStart":null,"title":"Renamed"}`})
	if r.Status != http.StatusOK {
		t.Fatalf("clear salesStart: %d %s", r.Status, r.Body)
	}
	var got event.Event
	r.decode(t, &got)
	if got.SalesStart != nil || got.SalesEnd == nil || got.Title != "Renamed" || got.Description != e.Description {
		t.Errorf("patched %+v", got)
	}
}

func TestEventOwnershipMatrix(t *testing.T) {
	s := startServer(t, nil)
	owner, ownerTok := s.user(user.Organizer)
	_, otherTok := s.user(user.Organizer)
	_, customerTok := s.user(user.Customer)
	_, adminTok := s.user(user.Admin)
	callers := []struct {
		name  string
		token string
	}{{"anonymous", ""}, {"customer", customerTok}, {"other organizer", otherTok}, {"owner", ownerTok}, {"admin", adminTok}}
	type route struct {
		name   string
		method string
		body   any
		// path is the event path for a fresh event e.
		want map[string]int
	}
	routes := []route{
		{"create", "POST", eventBody(nil), map[string]int{"anonymous": 401, "customer": 403, "other organizer": 201, "owner": 201, "admin": 201}},
		{"get", "GET", nil, map[string]int{"anonymous": 200, "customer": 200, "other organizer": 200, "owner": 200, "admin": 200}},
		{"list", "GET", nil, map[string]int{"anonymous": 200, "customer": 200, "other organizer": 200, "owner": 200, "admin": 200}},
		{"update", "PATCH", map[string]any{"title": "New"}, map[string]int{"anonymous": 401, "customer": 403, "other organizer": 403, "owner": 200, "admin": 200}},
		{"delete", "DELETE", nil, map[string]int{"anonymous": 401, "customer": 403, "other organizer": 403, "owner": 204, "admin": 204}},
	}
	for _, rt := range routes {
		for _, c := range callers {
			t.Run(rt.name+" by "+c.name, func(t *testing.T) {
				e := s.createEvent(ownerTok, eventBody(nil))
				path := "/api/events/" + e.ID
				switch rt.name {
				case "create", "list":
					path = "/api/events"
				}
				r := s.do(request{Method: rt.method, Path: path, Token: c.token, Body: rt.body})
				if r.Status != rt.want[c.name] {
					t.Fatalf("status %d, want %d: %s", r.Status, rt.want[c.name], r.Body)
				}
				if rt.name == "create" && r.Status == 201 {
					var got event.Event
					r.decode(t, &got)
					if got.OrganizerID == owner.ID && c.name != "owner" {
						t.Errorf("organizerId %s is not the caller", got.OrganizerID)
					}
				}
			})
		}
	}
	for _, path := range []string{"/api/events/nope", "/api/events/0123456789abcdef01234567", "/api/events/0123456789ABCDEF01234567"} {
		for _, m := range []string{"GET", "PATCH", "DELETE"} {
			t.Run(m+" "+path+" is not found", func(t *testing.T) {
				r := s.do(request{Method: m, Path: path, Token: adminTok, Body: map[string]any{"title": "x"}})
				if r.Status != http.StatusNotFound {
					t.Fatalf("status %d, want 404: %s", r.Status, r.Body)
				}
			})
		}
	}
}

// listPage reads one page of GET /api/events?query.
func (s *testServer) listPage(query url.Values) event.Page {
	s.t.Helper()
	r := s.do(request{Method: "GET", Path: "/api/events?" + query.Encode()})
	if r.Status != http.StatusOK {
		s.t.Fatalf("list %s: %d %s", query.Encode(), r.Status, r.Body)
	}
	var p event.Page
	r.decode(s.t, &p)
	return p
}

func TestEventListWalksEveryEventOnceWhileEventsAreAdded(t *testing.T) {
	s := startServer(t, nil)
	org, orgTok := s.user(user.Organizer)
	base := time.Now().Add(time.Hour).UTC()
	want := map[string]bool{}
	for i := range 250 {
		// Ten events share each date, so the walk crosses ties on date.
		e := s.insertEvent(org.ID, fmt.Sprintf("Event %03d", i), base.Add(time.Duration(i/10)*time.Hour), event.Scheduled)
		want[e.ID] = true
	}
	seen := map[string]bool{}
	var last *event.Event
	q := url.Values{"limit": {"7"}}
	pages := 0
	for {
		p := s.listPage(q)
		pages++
		for _, e := range p.Items {
			if seen[e.ID] {
				t.Fatalf("event %s repeated on page %d", e.ID, pages)
			}
			seen[e.ID] = true
			if last != nil && (e.Date.Before(last.Date) || e.Date.Equal(last.Date) && e.ID <= last.ID) {
				t.Fatalf("page %d out of (date, id) order: %s %s after %s %s", pages, e.Date, e.ID, last.Date, last.ID)
			}
			last = e
		}
		if pages%5 == 0 {
			// New events before, inside and after the walk's position.
			for _, d := range []time.Duration{0, 12 * time.Hour, 40 * time.Hour} {
				s.insertEvent(org.ID, "Late arrival", base.Add(d), event.Scheduled)
			}
			s.createEvent(orgTok, eventBody(map[string]any{"date": base.Add(20 * time.Hour).Format(time.RFC3339)}))
		}
		if p.NextCursor == nil {
			if len(p.Items) > 7 {
				t.Fatalf("page of %d", len(p.Items))
			}
			break
		}
		if len(p.Items) != 7 {
			t.Fatalf("page %d has %d items before the end", pages, len(p.Items))
		}
		q.Set("cursor", *p.NextCursor)
	}
	for id := range want {
		if !seen[id] {
			t.Errorf("event %s never listed", id)
		}
	}
}

func TestEventListRefusesBadQueries(t *testing.T) {
	s := startServer(t, nil)
	tests := []struct{ query, field string }{
		{"limit=0", "limit"}, {"limit=101", "limit"}, {"limit=x", "limit"},
		{"cursor=garbage", "cursor"}, {"cursor=" + strings.Repeat("A", 32), "cursor"},
		{"cursor=" + strings.Repeat("_", 32), "cursor"}, {"from=yesterday", "from"}, {"to=2030-01-01", "to"},
		{"status=draft", "status"}, {"past=yes", "past"}, {"organizerId=nope", "organizerId"},
		{"q=" + strings.Repeat("a", 201), "q"}, {"q=%FF", "q"}, {"q=a%00b", "q"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := s.do(request{Method: "GET", Path: "/api/events?" + tt.query})
			if r.Status != http.StatusBadRequest {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			if errs, _ := r.problem(t)["errors"].(map[string]any); errs[tt.field] == nil {
				t.Errorf("no error on %s: %v", tt.field, errs)
			}
		})
	}
}

func TestEventSearchTreatsRegexMetacharactersAsText(t *testing.T) {
	s := startServer(t, nil)
	org, _ := s.user(user.Organizer)
	at := time.Now().Add(24 * time.Hour)
	for _, title := range []string{"Jazz night", "JAZZ brunch", "Rock (live)", "Price $where 5", "All .* welcome", "Plain"} {
		s.insertEvent(org.ID, title, at, event.Scheduled)
	}
	tests := []struct {
		q    string
		want []string
	}{
		{"jazz", []string{"JAZZ brunch", "Jazz night"}},
		{".*", []string{"All .* welcome"}},
		{"(", []string{"Rock (live)"}},
		{"$where", []string{"Price $where 5"}},
		{"^Plain$", nil},
		{"no such title", nil},
		{"[", nil},
		{`\`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			r := s.do(request{Method: "GET", Path: "/api/events?q=" + url.QueryEscape(tt.q)})
			if r.Status != http.StatusOK || (tt.want == nil && !strings.HasPrefix(string(r.Body), `{"items":[],`)) {
				t.Fatalf("answer %d %s", r.Status, r.Body)
			}
			var p event.Page
			r.decode(t, &p)
			var got []string
			for _, e := range p.Items {
				got = append(got, e.Title)
			}
			if strings.Join(sorted(got), "|") != strings.Join(tt.want, "|") {
				t.Errorf("q=%q found %q, want %q", tt.q, got, tt.want)
			}
		})
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestEventPriceRoundTripsExactly(t *testing.T) {
	s := startServer(t, nil)
	_, tok := s.user(user.Organizer)
	for _, price := range []string{"0", "0.01", "19.99", "999999.99"} {
		t.Run(price, func(t *testing.T) {
			want, _ := money.Parse(price)
			body := eventBody(map[string]any{"price": json.RawMessage(price), "title": "Price " + price})
			e := s.createEvent(tok, body)
			check := func(stage string, b []byte) {
				t.Helper()
				if !strings.Contains(string(b), `"price":`+price+`,`) {
					t.Errorf("%s: body %s does not hold price %s", stage, b, price)
				}
			}
			if e.Price != want {
				t.Errorf("create: %v", e.Price)
			}
			check("read", s.do(request{Method: "GET", Path: "/api/events/" + e.ID}).Body)
			check("list", s.do(request{Method: "GET", Path: "/api/events?q=" + url.QueryEscape("Price "+price)}).Body)
			check("update", s.do(request{Method: "PATCH", Path: "/api/events/" + e.ID, Token: tok, Body: `{"price":` + price + `}`}).Body)
			check("read after update", s.do(request{Method: "GET", Path: "/api/events/" + e.ID}).Body)
		})
	}
}

func TestEventListFiltersStatusPastDatesAndOrganizer(t *testing.T) {
	s := startServer(t, nil)
	a, _ := s.user(user.Organizer)
	b, _ := s.user(user.Organizer)
	now := time.Now().UTC()
	past := s.insertEvent(a.ID, "past", now.Add(-48*time.Hour), event.Scheduled)
	soon := s.insertEvent(a.ID, "soon", now.Add(24*time.Hour), event.Scheduled)
	later := s.insertEvent(b.ID, "later", now.Add(240*time.Hour), event.Scheduled)
	cancelled := s.insertEvent(a.ID, "cancelled", now.Add(48*time.Hour), event.Cancelled)
	oldCancelled := s.insertEvent(b.ID, "old cancelled", now.Add(-24*time.Hour), event.Cancelled)
	tests := []struct {
		name  string
		query url.Values
		want  []*event.Event
	}{
		{"by default only scheduled future events", url.Values{}, []*event.Event{soon, later}},
		{"past=true adds past events", url.Values{"past": {"true"}}, []*event.Event{past, soon, later}},
		{"status=cancelled gives future cancelled events", url.Values{"status": {"cancelled"}}, []*event.Event{cancelled}},
		{"status=cancelled&past=true gives all cancelled events", url.Values{"status": {"cancelled"}, "past": {"true"}}, []*event.Event{oldCancelled, cancelled}},
		{"from and to bound the date", url.Values{"from": {now.Add(time.Hour).Format(time.RFC3339)}, "to": {now.Add(100 * time.Hour).Format(time.RFC3339)}}, []*event.Event{soon}},
		{"organizerId keeps one organizer's events", url.Values{"organizerId": {b.ID}, "past": {"true"}}, []*event.Event{later}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := s.listPage(tt.query)
			var got, want []string
			for _, e := range p.Items {
				got = append(got, e.Title)
			}
			for _, e := range tt.want {
				want = append(want, e.Title)
			}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("got %q, want %q", got, want)
			}
			if p.NextCursor != nil {
				t.Errorf("nextCursor %q at the end", *p.NextCursor)
			}
		})
	}
}

// TestEventJustSoldRefusesDeletion: the sales a delete or a capacity
// change decides on are counted then, never taken from a read made a moment
// before the sale (here the event page the organizer had open).
func TestEventJustSoldRefusesDeletion(t *testing.T) {
	s := startServer(t, nil)
	_, tok := s.user(user.Organizer)
	_, buyer := s.user(user.Customer)
	for range 5 {
		e := s.createEvent(tok, eventBody(map[string]any{"ticketCapacity": 10}))
		if r := s.do(request{Method: "GET", Path: "/api/events/" + e.ID, Token: tok}); r.Status != http.StatusOK {
			t.Fatalf("get: %d", r.Status)
		}
		if a := s.buy(buyer, e.ID, nil, ""); a.Status != http.StatusCreated {
			t.Fatalf("buy: %d %s", a.Status, a.Code)
		}
		if r := s.do(request{Method: "PATCH", Path: "/api/events/" + e.ID, Token: tok, Body: `{"ticketCapacity":1}`}); r.Status != http.StatusOK {
			t.Errorf("capacity lowered to the one sold: %d %s", r.Status, r.Body)
		}
		if r := s.do(request{Method: "DELETE", Path: "/api/events/" + e.ID, Token: tok}); r.Status != http.StatusConflict {
			t.Fatalf("deleting an event just sold: %d %s, want 409", r.Status, r.Body)
		}
	}
}

func TestEventWithSalesRefusesLowerCapacityAndDeletion(t *testing.T) {
	s := startServer(t, nil)
	_, tok := s.user(user.Organizer)
	e := s.createEvent(tok, eventBody(map[string]any{"ticketCapacity": 10}))
	_, buyer := s.user(user.Customer)
	if a := s.buy(buyer, e.ID, map[string]any{"quantity": 5}, ""); a.Status != http.StatusCreated {
		t.Fatalf("buy 5: %d %s", a.Status, a.Code)
	}

	var got event.Event
	s.do(request{Method: "GET", Path: "/api/events/" + e.ID}).decode(t, &got)
	if got.TicketsSold != 5 || got.TicketsRemaining != 5 {
		t.Errorf("sold %d remaining %d, want 5 and 5", got.TicketsSold, got.TicketsRemaining)
	}
	for _, lang := range i18n.Langs {
		r := s.do(request{Method: "PATCH", Path: "/api/events/" + e.ID, Token: tok, Body: `{"ticketCapacity":4}`,
			Header: map[string]string{"Accept-Language": string(lang)}})
		if r.Status != http.StatusConflict {
			t.Fatalf("capacity below sold: %d %s", r.Status, r.Body)
		}
		if p := r.problem(t); p["code"] != "conflict" || p["detail"] != i18n.T(lang, "event.capacity_below_sold", map[string]any{"Sold": 5}) {
			t.Errorf("problem %v", p)
		}
		r = s.do(request{Method: "DELETE", Path: "/api/events/" + e.ID, Token: tok, Header: map[string]string{"Accept-Language": string(lang)}})
		if r.Status != http.StatusConflict {
			t.Fatalf("delete with sales: %d %s", r.Status, r.Body)
		}
		if p := r.problem(t); p["code"] != "conflict" || p["detail"] != i18n.T(lang, "event.has_sales", map[string]any{"Sold": 5}) {
			t.Errorf("problem %v", p)
		}
	}
	r := s.do(request{Method: "PATCH", Path: "/api/events/" + e.ID, Token: tok, Body: `{"ticketCapacity":5,"status":"cancelled"}`})
	if r.Status != http.StatusOK {
		t.Fatalf("capacity equal to sold and cancel: %d %s", r.Status, r.Body)
	}
	r.decode(t, &got)
	if got.TicketCapacity != 5 || got.TicketsRemaining != 0 || got.Status != event.Cancelled {
		t.Errorf("after patch %+v", got)
	}

	unsold := s.createEvent(tok, eventBody(nil))
	s.sell(unsold.ID, 1, 3, ticket.Cancelled)
	if r := s.do(request{Method: "DELETE", Path: "/api/events/" + unsold.ID, Token: tok}); r.Status != http.StatusNoContent {
		t.Fatalf("delete without sales: %d %s", r.Status, r.Body)
	}
	if r := s.do(request{Method: "GET", Path: "/api/events/" + unsold.ID}); r.Status != http.StatusNotFound {
		t.Errorf("deleted event: %d", r.Status)
	}
}

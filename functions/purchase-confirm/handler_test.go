package function

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"guichet.dev/shared/confirm"
	"guichet.dev/shared/event"
	"guichet.dev/shared/fn"
	"guichet.dev/shared/i18n"
	"guichet.dev/shared/store"
	"guichet.dev/shared/testenv"
	"guichet.dev/shared/ticket"
	"guichet.dev/shared/user"
)

// purchase stores an event, a buyer and one pending ticket, as the
// purchase function leaves them.
func purchase(t *testing.T, env *fn.Env) ticket.Purchase {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	buyer, _ := testenv.User(t, env, user.Customer)
	ev := &event.Event{ID: store.NewID(), Title: "Gala", Date: now.Add(48 * time.Hour), Address: "Opéra, Paris",
		TicketCapacity: 10, Price: 100, Currency: "EUR", Status: event.Scheduled, OrganizerID: buyer.ID, CreatedAt: now, UpdatedAt: now}
	if err := env.Store.InsertEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	p := ticket.Purchase{ID: uuid.NewString(), EventID: ev.ID, BuyerID: buyer.ID, Channel: ticket.Email, Language: i18n.EN,
		Tickets: []ticket.Ticket{{UUID: uuid.NewString(), Event: ev.ID, Number: 1, Date: now, OwnerID: buyer.ID,
			Status: ticket.Valid, Code: "c"}}}
	p.Tickets[0].PurchaseID = p.ID
	p.Tickets[0].Confirmation = ticket.Confirmation{Channel: ticket.Email, Status: ticket.Pending}
	if err := env.Store.InsertTickets(ctx, p.Tickets); err != nil {
		t.Fatal(err)
	}
	return p
}

// post delivers e to the function as a connector does, in mode.
func post(t *testing.T, env *fn.Env, p ticket.Purchase, structured bool) *httptest.ResponseRecorder {
	t.Helper()
	e, err := confirm.NewEvent(p)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(e.Data()))
	if structured {
		body, _ := e.MarshalJSON()
		r = httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/cloudevents+json")
	} else {
		r.Header.Set("Content-Type", "application/json")
		for k, v := range map[string]string{"Ce-Specversion": "1.0", "Ce-Id": e.ID(), "Ce-Type": e.Type(),
			"Ce-Source": e.Source(), "Ce-Subject": e.Subject()} {
			r.Header.Set(k, v)
		}
	}
	w := httptest.NewRecorder()
	Handle(w, r.WithContext(fn.WithEnv(r.Context(), env)))
	return w
}

func TestTheFunctionConfirmsEventsInBothModesOnce(t *testing.T) {
	cfg := testenv.Config(t)
	env := testenv.Env(t, cfg)
	for _, structured := range []bool{false, true} {
		p := purchase(t, env)
		for range 2 {
			if w := post(t, env, p, structured); w.Code != http.StatusOK || !bytes.Contains(w.Body.Bytes(), []byte(`"outcome":"sent"`)) {
				t.Fatalf("structured=%v: %d %s", structured, w.Code, w.Body)
			}
		}
		ts, err := env.Store.TicketsByPurchase(context.Background(), p.ID)
		if err != nil || ts[0].Confirmation.Status != ticket.Sent {
			t.Fatalf("tickets %+v: %v", ts, err)
		}
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "outbox", p.ID+".eml")); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTheFunctionAnswers503OnATransientFailure(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close() // nothing listens there: the SMTP server is "down"
	cfg := testenv.Config(t)
	cfg.SMTPURL = "smtp://" + addr
	env := testenv.Env(t, cfg)
	p := purchase(t, env)
	if w := post(t, env, p, false); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

func TestTheFunctionRefusesWhatIsNotAPurchaseEvent(t *testing.T) {
	env := testenv.Env(t, testenv.Config(t))
	cases := map[string]func(r *http.Request){
		"no cloudevent":     func(r *http.Request) { r.Header.Set("Content-Type", "application/json") },
		"another type":      func(r *http.Request) { r.Header.Set("Ce-Type", "eu.guichet.other.v1") },
		"not a purchase id": func(r *http.Request) { r.Header.Set("Ce-Subject", "nope") },
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader([]byte(`{"purchaseId":"x","eventId":"e","buyerId":"b"}`)))
			r.Header.Set("Content-Type", "application/json")
			for k, v := range map[string]string{"Ce-Specversion": "1.0", "Ce-Id": "x", "Ce-Type": confirm.EventType, "Ce-Source": "/events/e", "Ce-Subject": "x"} {
				r.Header.Set(k, v)
			}
			if name == "no cloudevent" {
				r.Header = http.Header{}
			}
			edit(r)
			w := httptest.NewRecorder()
			Handle(w, r.WithContext(fn.WithEnv(r.Context(), env)))
			if w.Code != http.StatusBadRequest {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
		})
	}
}

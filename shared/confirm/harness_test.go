package confirm_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/google/uuid"
	amqp "github.com/rabbitmq/amqp091-go"

	"guichet.dev/shared/event"
	"guichet.dev/shared/fn"
	"guichet.dev/shared/i18n"
	"guichet.dev/shared/store"
	"guichet.dev/shared/testenv"
	"guichet.dev/shared/ticket"
	"guichet.dev/shared/user"
)

// amqpURL is the machine's RabbitMQ.
const amqpURL = "amqp://guest:guest@127.0.0.1:5672/"

// received is one message the SMTP server accepted.
type received struct {
	To        string
	MessageID string
	Subject   string
	Raw       string
	At        time.Time
}

// mailServer is a real SMTP server (go-smtp) in the test process. refuse
// decides the answer to each recipient: nil accepts it.
type mailServer struct {
	Addr   string
	refuse func(to string, attempt int) error

	mu       sync.Mutex
	got      []received
	attempts map[string]int
	arrived  chan received
}

func startMailServer(t testing.TB, refuse func(to string, attempt int) error) *mailServer {
	t.Helper()
	m := &mailServer{refuse: refuse, attempts: map[string]int{}, arrived: make(chan received, 100000)}
	s := smtp.NewServer(m)
	s.Domain = "localhost"
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.Addr = l.Addr().String()
	go func() { _ = s.Serve(l) }()
	t.Cleanup(func() { _ = s.Close() })
	return m
}

// URL is the SMTP_URL of the server.
func (m *mailServer) URL() string { return "smtp://" + m.Addr }

func (m *mailServer) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailSession{srv: m}, nil }

type mailSession struct {
	srv *mailServer
	to  []string
}

func (s *mailSession) Reset()                               { s.to = nil }
func (s *mailSession) Logout() error                        { return nil }
func (s *mailSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.srv.mu.Lock()
	s.srv.attempts[to]++
	n := s.srv.attempts[to]
	s.srv.mu.Unlock()
	if s.srv.refuse != nil {
		if err := s.srv.refuse(to, n); err != nil {
			return err
		}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *mailSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	dec := new(mime.WordDecoder)
	subject, _ := dec.DecodeHeader(msg.Header.Get("Subject"))
	for _, to := range s.to {
		rcv := received{To: to, MessageID: msg.Header.Get("Message-Id"), Subject: subject, Raw: string(raw), At: time.Now()}
		s.srv.mu.Lock()
		s.srv.got = append(s.srv.got, rcv)
		s.srv.mu.Unlock()
		s.srv.arrived <- rcv
	}
	return nil
}

// messages returns what arrived so far.
func (m *mailServer) messages() []received {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]received(nil), m.got...)
}

// attemptsFor returns how many times to was offered.
func (m *mailServer) attemptsFor(to string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.attempts[to]
}

// await waits for n more messages.
func (m *mailServer) await(t testing.TB, n int, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for range n {
		select {
		case <-m.arrived:
		case <-deadline:
			t.Fatalf("waited %v for %d messages; %d arrived in all", within, n, len(m.messages()))
		}
	}
}

// uniqueName returns a broker name prefix unique to this test run.
func uniqueName(t testing.TB) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := strings.NewReplacer("/", ".", " ", "_").Replace(t.Name())
	return "test." + name + "." + hex.EncodeToString(b)
}

// deleteTopology removes a test's exchange and queues when it ends.
func deleteTopology(t testing.TB, exchange string, queues ...string) {
	t.Cleanup(func() {
		conn, err := amqp.Dial(amqpURL)
		if err != nil {
			t.Logf("clean up broker: %v", err)
			return
		}
		defer conn.Close()
		for _, q := range queues {
			if ch, err := conn.Channel(); err == nil {
				_, _ = ch.QueueDelete(q, false, false, false)
				_ = ch.Close()
			}
		}
		if ch, err := conn.Channel(); err == nil {
			_ = ch.ExchangeDelete(exchange, false, false)
			_ = ch.Close()
		}
	})
}

// fixture is a database with an event on sale.
type fixture struct {
	env   *fn.Env
	event *event.Event
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	cfg := testenv.Config(t)
	env := testenv.Env(t, cfg)
	now := time.Now().UTC().Truncate(time.Millisecond)
	org, _ := testenv.User(t, env, user.Organizer)
	ev := &event.Event{ID: store.NewID(), Title: "Nuit du Jazz", Description: "Concert",
		Date: time.Date(2031, 6, 21, 19, 30, 0, 0, time.UTC), Address: "1 place du Marché, Lyon",
		TicketCapacity: 100000, Price: 2500, Currency: "EUR", Status: event.Scheduled,
		OrganizerID: org.ID, CreatedAt: now, UpdatedAt: now}
	if err := env.Store.InsertEvent(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	return &fixture{env: env, event: ev}
}

// buyer stores a customer speaking lang, with a phone number.
func (f *fixture) buyer(t testing.TB, lang i18n.Lang, email string) *user.User {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Millisecond)
	id := store.NewID()
	u := &user.User{ID: id, Username: "b" + id[12:], Email: email, Role: user.Customer, Language: lang,
		Phone: fmt.Sprintf("+336%08d", phoneSeq.Add(1)), CreatedAt: now, UpdatedAt: now}
	if email == "" {
		u.Email = "b" + id + "@example.test"
	}
	if err := f.env.Store.InsertUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

var phoneSeq atomic.Int64

var numbers struct {
	sync.Mutex
	next int
}

// buy stores n pending tickets of a new purchase by u, as the purchase
// function does, and returns the purchase.
func (f *fixture) buy(t testing.TB, u *user.User, ch ticket.Channel, n int) ticket.Purchase {
	t.Helper()
	p := ticket.Purchase{ID: uuid.NewString(), EventID: f.event.ID, BuyerID: u.ID, Channel: ch, Language: u.Language}
	now := time.Now().UTC().Truncate(time.Millisecond)
	for range n {
		numbers.Lock()
		numbers.next++
		num := numbers.next
		numbers.Unlock()
		p.Tickets = append(p.Tickets, ticket.Ticket{UUID: uuid.NewString(), Event: f.event.ID, Number: num,
			Price: f.event.Price, Currency: f.event.Currency, Date: now, OwnerID: u.ID, Status: ticket.Valid,
			Code: fmt.Sprintf("code-%d", num), PurchaseID: p.ID,
			Confirmation: ticket.Confirmation{Channel: ch, Status: ticket.Pending}})
	}
	if err := f.env.Store.InsertTickets(context.Background(), p.Tickets); err != nil {
		t.Fatal(err)
	}
	return p
}

// status returns the confirmation of a purchase's tickets, failing when
// they disagree.
func (f *fixture) status(t testing.TB, purchaseID string) ticket.Confirmation {
	t.Helper()
	ts, err := f.env.Store.TicketsByPurchase(context.Background(), purchaseID)
	if err != nil || len(ts) == 0 {
		t.Fatalf("tickets of %s: %v (%d)", purchaseID, err, len(ts))
	}
	for _, tk := range ts[1:] {
		if tk.Confirmation.Status != ts[0].Confirmation.Status {
			t.Fatalf("tickets of %s disagree: %v and %v", purchaseID, tk.Confirmation, ts[0].Confirmation)
		}
	}
	return ts[0].Confirmation
}

// awaitStatus polls the store until every ticket of every purchase has
// left pending (there is no change stream on FerretDB to wait on; and the
// tickets of one purchase are updated one by one).
func (f *fixture) awaitStatus(t testing.TB, within time.Duration, ids ...string) {
	t.Helper()
	deadline := time.Now().Add(within)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for _, id := range ids {
		for f.anyPending(t, id) {
			if time.Now().After(deadline) {
				t.Fatalf("purchase %s still pending after %v", id, within)
			}
			<-tick.C
		}
	}
}

func (f *fixture) anyPending(t testing.TB, id string) bool {
	ts, err := f.env.Store.TicketsByPurchase(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range ts {
		if tk.Confirmation.Status == ticket.Pending {
			return true
		}
	}
	return false
}

// decodeQP returns a raw message with its quoted-printable parts decoded.
func decodeQP(t testing.TB, raw string) string {
	t.Helper()
	b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

package confirm_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"
	"github.com/emersion/go-smtp"
	amqp "github.com/rabbitmq/amqp091-go"

	"guichet.dev/shared/broker"
	"guichet.dev/shared/confirm"
	"guichet.dev/shared/i18n"
	"guichet.dev/shared/ticket"
)

// testRetry are short retry delays, so retries happen within a test.
var testRetry = []time.Duration{100 * time.Millisecond, 300 * time.Millisecond, 600 * time.Millisecond}

// rig is the confirmation path on the machine's RabbitMQ, with names of
// its own, and a real SMTP server.
type rig struct {
	*fixture
	mail    *mailServer
	topo    broker.Topology
	svc     *confirm.Service
	pub     confirm.Broker
	handled atomic.Int64 // deliveries the consumers settled
}

func newRig(t testing.TB, refuse func(to string, attempt int) error) *rig {
	t.Helper()
	f := newFixture(t)
	r := &rig{fixture: f, mail: startMailServer(t, refuse)}
	r.topo = confirm.Topology(uniqueName(t), testRetry)
	queues := []string{r.topo.Queue, r.topo.DeadQueue()}
	for i := range r.topo.Retry {
		queues = append(queues, r.topo.RetryQueue(i+1))
	}
	deleteTopology(t, r.topo.Exchange, queues...)
	cfg := f.env.Config
	cfg.SMTPURL = r.mail.URL()
	svc, err := confirm.New(cfg, f.env.Store, f.env.Log)
	if err != nil {
		t.Fatal(err)
	}
	svc.Lease = 2 * time.Second
	r.svc = svc
	client := broker.NewClient(amqpURL, r.topo, f.env.Log)
	t.Cleanup(func() { _ = client.Close() })
	r.pub = confirm.Broker{Client: client}
	return r
}

// consume runs a consumer until the returned stop is called (or the test
// ends).
func (r *rig) consume(t testing.TB, workers int) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	h := r.svc.BrokerHandler()
	c := &broker.Consumer{URL: amqpURL, Topology: r.topo, Workers: workers, Log: r.env.Log,
		Handler: func(ctx context.Context, e *cloudevents.Event, try broker.Try) broker.Outcome {
			defer r.handled.Add(1)
			return h(ctx, e, try)
		}}
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

func (r *rig) publish(t testing.TB, p ticket.Purchase) {
	t.Helper()
	if err := r.pub.Publish(context.Background(), p); err != nil {
		t.Fatalf("publish %s: %v", p.ID, err)
	}
}

// queueDepth returns the number of ready messages in q.
func queueDepth(t *testing.T, q string) int {
	t.Helper()
	conn, err := amqp.Dial(amqpURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	st, err := ch.QueueDeclarePassive(q, true, false, false, false, amqp.Table{"x-queue-type": "quorum"})
	if err != nil {
		t.Fatalf("inspect %s: %v", q, err)
	}
	return st.Messages
}

// countByMessageID tallies the messages per Message-ID.
func countByMessageID(msgs []received) map[string]int {
	n := map[string]int{}
	for _, m := range msgs {
		n[m.MessageID]++
	}
	return n
}

func TestBuyersGetOneEmailInTheirLanguage(t *testing.T) {
	r := newRig(t, nil)
	r.consume(t, 4)
	cases := []struct {
		lang                    i18n.Lang
		email                   string
		subject, intro, address string
	}{
		{i18n.EN, "ada@example.test", "Your tickets for Nuit du Jazz", "Here are your 2 tickets.", "Address: 1 place du Marché"},
		{i18n.FR, "berthe@example.test", "Vos billets pour Nuit du Jazz", "Voici vos 2 billets.", "Adresse : 1 place du Marché"},
	}
	for _, c := range cases {
		u := r.buyer(t, c.lang, c.email)
		p := r.buy(t, u, ticket.Email, 2)
		r.publish(t, p)
		r.awaitStatus(t, 30*time.Second, p.ID)
		got := r.status(t, p.ID)
		if got.Status != ticket.Sent || got.SentAt == nil {
			t.Fatalf("%s: confirmation %+v", c.lang, got)
		}
		var mine []received
		for _, m := range r.mail.messages() {
			if m.To == c.email {
				mine = append(mine, m)
			}
		}
		if len(mine) != 1 {
			t.Fatalf("%s: %d messages to %s", c.lang, len(mine), c.email)
		}
		m := mine[0]
		body := strings.ReplaceAll(m.Raw, "=\r\n", "")
		if m.Subject != c.subject || m.MessageID != "<"+p.ID+"@guichet>" {
			t.Errorf("%s: subject %q, Message-ID %q", c.lang, m.Subject, m.MessageID)
		}
		for _, want := range []string{"text/plain", "text/html", r.env.Config.PublicURL + "/api/tickets/" + p.Tickets[0].UUID + "/qr"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: message lacks %q", c.lang, want)
			}
		}
		decoded := decodeQP(t, m.Raw)
		for _, want := range []string{c.intro, c.address, "2031"} {
			if !strings.Contains(decoded, want) {
				t.Errorf("%s: message lacks %q:\n%s", c.lang, want, decoded)
			}
		}
	}
}

func TestARedeliveredEventSendsOneMessage(t *testing.T) {
	r := newRig(t, nil)
	p := r.buy(t, r.buyer(t, i18n.EN, ""), ticket.Email, 1)
	for range 5 {
		r.publish(t, p)
	}
	r.consume(t, 4)
	r.awaitStatus(t, 30*time.Second, p.ID)
	awaitCount(t, &r.handled, 5)
	if got := len(r.mail.messages()); got != 1 {
		t.Fatalf("5 deliveries sent %d messages", got)
	}
	t.Logf("redelivery x5: lost 0, duplicated %d", len(r.mail.messages())-1)
}

func TestSMTPRefusingAtFirstIsRetriedThenSent(t *testing.T) {
	r := newRig(t, func(_ string, attempt int) error {
		if attempt <= 2 {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
		}
		return nil
	})
	r.consume(t, 2)
	u := r.buyer(t, i18n.FR, "")
	p := r.buy(t, u, ticket.Email, 1)
	r.publish(t, p)
	r.awaitStatus(t, 30*time.Second, p.ID)
	if got := r.status(t, p.ID); got.Status != ticket.Sent {
		t.Fatalf("confirmation %+v", got)
	}
	if n, tries := len(r.mail.messages()), r.mail.attemptsFor(u.Email); n != 1 || tries != 3 {
		t.Fatalf("%d messages after %d tries, want 1 after 3", n, tries)
	}
}

func TestAnInvalidAddressFailsAndIsDeadLettered(t *testing.T) {
	r := newRig(t, func(string, int) error {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	})
	r.consume(t, 2)
	p := r.buy(t, r.buyer(t, i18n.EN, "nobody@example.test"), ticket.Email, 1)
	r.publish(t, p)
	r.awaitStatus(t, 30*time.Second, p.ID)
	got := r.status(t, p.ID)
	if got.Status != ticket.Failed || !strings.Contains(got.Reason, "550") {
		t.Fatalf("confirmation %+v", got)
	}
	d := getOne(t, r.topo.DeadQueue())
	e, err := broker.ToEvent(context.Background(), d.Headers, d.ContentType, d.Body)
	if err != nil {
		t.Fatal(err)
	}
	if e.ID() != p.ID || d.Headers[broker.ReasonHeader] != "permanent failure" {
		t.Fatalf("dead letter %s with headers %v", e.ID(), d.Headers)
	}
	// A redelivery of a failed purchase changes nothing and sends nothing.
	r.publish(t, p)
	awaitCount(t, &r.handled, 2)
	if got := r.status(t, p.ID); got.Status != ticket.Failed || len(r.mail.messages()) != 0 {
		t.Fatalf("after redelivery: %+v, %d messages", got, len(r.mail.messages()))
	}
}

// getOne takes one message from q, waiting for it.
func getOne(t *testing.T, q string) amqp.Delivery {
	t.Helper()
	conn, err := amqp.Dial(amqpURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ds, err := ch.ConsumeWithContext(ctx, q, "", true, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	d, ok := <-ds
	if !ok {
		t.Fatalf("no message in %s", q)
	}
	return d
}

// awaitCount polls n until it reaches want.
func awaitCount(t *testing.T, n *atomic.Int64, want int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for n.Load() < want {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d deliveries handled", n.Load(), want)
		}
		<-tick.C
	}
}

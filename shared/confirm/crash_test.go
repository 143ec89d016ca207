package confirm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"guichet.dev/shared/broker"
	"guichet.dev/shared/config"
	"guichet.dev/shared/confirm"
	"guichet.dev/shared/i18n"
	"guichet.dev/shared/store"
	"guichet.dev/shared/testenv"
	"guichet.dev/shared/ticket"
)

// childVar carries the consumer a test runs as a separate process.
const childVar = "GUICHET_CONFIRM_CONSUMER"

type childSpec struct {
	MongoURI, Database, SMTPURL string
	Topology                    broker.Topology
	Lease                       time.Duration
	Workers                     int
}

// TestMain runs the test binary as a bare consumer process when childVar
// says so (a process the crash test can kill), else runs the tests.
func TestMain(m *testing.M) {
	if spec := os.Getenv(childVar); spec != "" {
		if err := runConsumer(spec); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runConsumer(raw string) error {
	var s childSpec
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	st, err := store.Open(ctx, s.MongoURI, s.Database, testenv.StoreOptions())
	if err != nil {
		return err
	}
	cfg, err := config.Load(func(k string) string { return map[string]string{"SMTP_URL": s.SMTPURL}[k] })
	if err != nil {
		return err
	}
	log := testenv.Logger(nopTB{})
	svc, err := confirm.New(cfg, st, log)
	if err != nil {
		return err
	}
	svc.Lease = s.Lease
	(&broker.Consumer{URL: amqpURL, Topology: s.Topology, Handler: svc.BrokerHandler(), Workers: s.Workers, Log: log}).Run(ctx)
	return nil
}

func TestAKilledConsumerLosesAndDuplicatesNothing(t *testing.T) {
	r := newRig(t, nil)
	const n = 60
	var ids []string
	for i := range n {
		lang := i18n.Langs[i%2]
		p := r.buy(t, r.buyer(t, lang, ""), ticket.Email, 1+i%3)
		r.publish(t, p)
		ids = append(ids, p.ID)
	}
	// A consumer in a process of its own, killed mid-batch.
	spec, _ := json.Marshal(childSpec{MongoURI: r.env.Config.MongoURI, Database: r.env.Config.MongoDatabase,
		SMTPURL: r.mail.URL(), Topology: r.topo, Lease: r.svc.Lease, Workers: 4})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childVar+"="+string(spec))
	cmd.Stderr = testWriter{t}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.mail.await(t, n/4, 60*time.Second)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	before := len(r.mail.messages())
	// After the restart, with the sweep for what a dead lease strands.
	r.consume(t, 4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go confirm.Sweep(ctx, r.env.Store, r.pub, r.env.Log, 500*time.Millisecond, 2*r.svc.Lease)
	r.awaitStatus(t, 90*time.Second, ids...)
	lost, duplicated, resent := tally(t, r, ids)
	t.Logf("killed after %d of %d messages: lost %d, duplicated %d, same message resent %d", before, n, lost, duplicated, resent)
	if lost != 0 || duplicated != 0 {
		t.Fatalf("lost %d, duplicated %d", lost, duplicated)
	}
}

// tally checks every purchase's tickets are sent and counts, from the
// messages the SMTP server received: purchases with no message (lost),
// purchases with two different messages (duplicated; impossible by the
// Message-ID's construction, counted all the same by recipient), and
// resends of the same Message-ID (a crash between send and record: the
// same message to the receiver).
func tally(t *testing.T, r *rig, ids []string) (lost, duplicated, resent int) {
	t.Helper()
	byID := countByMessageID(r.mail.messages())
	for _, id := range ids {
		if c := r.status(t, id); c.Status != ticket.Sent {
			t.Errorf("purchase %s: %+v", id, c)
		}
		switch k := byID["<"+id+"@guichet>"]; {
		case k == 0:
			lost++
		case k > 1:
			resent += k - 1
		}
	}
	perRecipient := map[string]map[string]bool{}
	for _, m := range r.mail.messages() {
		if perRecipient[m.To] == nil {
			perRecipient[m.To] = map[string]bool{}
		}
		perRecipient[m.To][m.MessageID] = true
	}
	for _, ids := range perRecipient {
		duplicated += len(ids) - 1
	}
	return lost, duplicated, resent
}

type nopTB struct{ testing.TB }

func (nopTB) Log(...any) {}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

func TestPurchasesMadeWhileTheBrokerIsDownAreConfirmedAfter(t *testing.T) {
	r := newRig(t, nil)
	r.consume(t, 4)
	var ids []string
	for range 3 {
		p := r.buy(t, r.buyer(t, i18n.EN, ""), ticket.Email, 1)
		r.publish(t, p)
		ids = append(ids, p.ID)
	}
	r.awaitStatus(t, 30*time.Second, ids...)

	t.Cleanup(func() { rabbitmqctl(t, "start_app") })
	rabbitmqctl(t, "stop_app")
	ctx := context.Background()
	if err := r.pub.Client.Ping(ctx); err == nil {
		t.Fatal("broker answers after stop_app")
	}
	for range 10 {
		p := r.buy(t, r.buyer(t, i18n.FR, ""), ticket.Email, 2)
		if err := r.pub.Publish(ctx, p); err == nil {
			t.Fatal("a publish succeeded with the broker stopped")
		}
		if c := r.status(t, p.ID); c.Status != ticket.Pending {
			t.Fatalf("tickets %+v while the broker is down", c)
		}
		ids = append(ids, p.ID)
	}
	rabbitmqctl(t, "start_app")

	// The sweep publishes the pending purchases once the broker is back.
	sweepCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go confirm.Sweep(sweepCtx, r.env.Store, r.pub, r.env.Log, 200*time.Millisecond, 0)
	r.awaitStatus(t, 90*time.Second, ids...)
	lost, duplicated, resent := tally(t, r, ids)
	t.Logf("broker stopped: lost %d, duplicated %d, same message resent %d", lost, duplicated, resent)
	if lost != 0 || duplicated != 0 || resent != 0 {
		t.Fatalf("lost %d, duplicated %d, resent %d", lost, duplicated, resent)
	}
}

// rabbitmqctl runs one command on the machine's broker.
func rabbitmqctl(t *testing.T, cmd string) {
	t.Helper()
	out, err := exec.Command("rabbitmqctl", cmd).CombinedOutput()
	if err != nil {
		t.Fatalf("rabbitmqctl %s: %v\n%s", cmd, err, out)
	}
}

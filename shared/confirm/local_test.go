package confirm_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"guichet.dev/shared/config"
	"guichet.dev/shared/confirm"
	"guichet.dev/shared/i18n"
	"guichet.dev/shared/ticket"
)

// smsProvider stands in for an SMS provider's HTTP API (the one fake the
// tests allow: no SMS provider runs here). It answers statuses in turn,
// then 201.
type smsProvider struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []int
	requests []smsRequest
}

type smsRequest struct {
	Method, Path, ContentType, Auth, IdempotencyKey string
	Form                                            url.Values
}

func startSMSProvider(t *testing.T, statuses ...int) *smsProvider {
	p := &smsProvider{statuses: statuses}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		user, pass, _ := r.BasicAuth()
		p.mu.Lock()
		p.requests = append(p.requests, smsRequest{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"),
			Auth: user + ":" + pass, IdempotencyKey: r.Header.Get("Idempotency-Key"), Form: form})
		status := http.StatusCreated
		if len(p.statuses) > 0 {
			status, p.statuses = p.statuses[0], p.statuses[1:]
		}
		p.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *smsProvider) got() []smsRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]smsRequest(nil), p.requests...)
}

// startLocal runs the in-process pipeline (no AMQP_URL) for cfg.
func startLocal(t *testing.T, f *fixture, cfg config.Config) *confirm.Pipeline {
	t.Helper()
	p, err := confirm.Start(context.Background(), cfg, f.env.Store, f.env.Log,
		confirm.Options{Topology: confirm.Topology("local", testRetry), Workers: 2, SweepEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

func TestSMSGoesToTheProviderInTheBuyersLanguage(t *testing.T) {
	cases := []struct {
		name     string
		statuses []int
		want     ticket.ConfirmationStatus
		requests int
	}{
		{"accepted at once", nil, ticket.Sent, 1},
		{"busy provider, retried", []int{503, 429}, ticket.Sent, 3},
		{"invalid number", []int{400}, ticket.Failed, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			prov := startSMSProvider(t, c.statuses...)
			cfg := f.env.Config
			cfg.SMS = config.SMS{URL: prov.URL + "/2010-04-01/Accounts/AC1/Messages.json", Account: "AC1", Token: "secret", From: "+33700000000"}
			pipe := startLocal(t, f, cfg)
			u := f.buyer(t, i18n.FR, "")
			p := f.buy(t, u, ticket.SMS, 2)
			if err := pipe.Publisher.Publish(context.Background(), p); err != nil {
				t.Fatal(err)
			}
			f.awaitStatus(t, 30*time.Second, p.ID)
			if got := f.status(t, p.ID); got.Status != c.want {
				t.Fatalf("confirmation %+v, want %s", got, c.want)
			}
			reqs := prov.got()
			if len(reqs) != c.requests {
				t.Fatalf("%d requests, want %d", len(reqs), c.requests)
			}
			body := "Guichet : 2 billet(s) pour Nuit du Jazz, 21/06/2031 19:30 UTC. N° " +
				strconv.Itoa(p.Tickets[0].Number) + ", " + strconv.Itoa(p.Tickets[1].Number) + ". Codes QR : " + cfg.PublicURL
			want := smsRequest{Method: "POST", Path: "/2010-04-01/Accounts/AC1/Messages.json",
				ContentType: "application/x-www-form-urlencoded", Auth: "AC1:secret", IdempotencyKey: p.ID,
				Form: url.Values{"To": {u.Phone}, "From": {"+33700000000"}, "Body": {body}}}
			for _, r := range reqs {
				if r.Method != want.Method || r.Path != want.Path || r.ContentType != want.ContentType || r.Auth != want.Auth ||
					r.IdempotencyKey != want.IdempotencyKey || r.Form.Encode() != want.Form.Encode() {
					t.Fatalf("request\n%+v\nwant\n%+v", r, want)
				}
			}
		})
	}
}

func TestWithoutSMTPOrSMSMessagesAreOutboxFiles(t *testing.T) {
	f := newFixture(t)
	pipe := startLocal(t, f, f.env.Config)
	en := f.buy(t, f.buyer(t, i18n.EN, "eve@example.test"), ticket.Email, 1)
	fr := f.buy(t, f.buyer(t, i18n.FR, ""), ticket.SMS, 1)
	for _, p := range []ticket.Purchase{en, fr, en} {
		if err := pipe.Publisher.Publish(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	f.awaitStatus(t, 30*time.Second, en.ID, fr.ID)
	dir := filepath.Join(f.env.Config.DataDir, "outbox")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("outbox holds %d files, want 2", len(entries))
	}
	eml, err := os.ReadFile(filepath.Join(dir, en.ID+".eml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Message-ID: <" + en.ID + "@guichet>", "To: <eve@example.test>", "Your tickets for Nuit du Jazz"} {
		if !strings.Contains(string(eml), want) {
			t.Errorf(".eml lacks %q", want)
		}
	}
	var sms struct{ To, Body string }
	raw, err := os.ReadFile(filepath.Join(dir, fr.ID+".json"))
	if err == nil {
		err = json.Unmarshal(raw, &sms)
	}
	if err != nil || !strings.HasPrefix(sms.Body, "Guichet : 1 billet(s)") || !strings.HasPrefix(sms.To, "+336") {
		t.Fatalf("sms file %s: %v", raw, err)
	}
}

func TestAFullInProcessQueueLeavesThePurchasePendingForTheSweep(t *testing.T) {
	f := newFixture(t)
	svc, err := confirm.New(f.env.Config, f.env.Store, f.env.Log)
	if err != nil {
		t.Fatal(err)
	}
	local := confirm.NewLocal(svc, 1, testRetry)
	a := f.buy(t, f.buyer(t, i18n.EN, ""), ticket.Email, 1)
	b := f.buy(t, f.buyer(t, i18n.EN, ""), ticket.Email, 1)
	// A purchase already queued takes no more room: the sweep republishing
	// what is merely waiting does not fill the queue.
	for range 3 {
		if err := local.Publish(context.Background(), a); err != nil {
			t.Fatal(err)
		}
	}
	if err := local.Publish(context.Background(), b); err != confirm.ErrQueueFull {
		t.Fatalf("second publish into a queue of 1: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go local.Run(ctx, 1)
	f.awaitStatus(t, 30*time.Second, a.ID)
	if f.status(t, b.ID).Status != ticket.Pending {
		t.Fatal("the refused purchase is not pending")
	}
	n, err := confirm.RepublishPending(ctx, f.env.Store, local, 0)
	if err != nil || n != 1 {
		t.Fatalf("sweep republished %d: %v", n, err)
	}
	f.awaitStatus(t, 30*time.Second, b.ID)
}

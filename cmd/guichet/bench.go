package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"golang.org/x/sync/errgroup"

	"guichet.dev/shared/ferret"
	"guichet.dev/shared/store"
)

// benchOptions are the flags of guichet bench.
type benchOptions struct {
	url         string
	capacity    int
	buyers      int
	quantity    int
	duration    time.Duration
	confirmWait time.Duration
	mongoURI    string
	probeTime   time.Duration
	// probePostgreSQL is FERRETDB_POSTGRESQL_URL: with no -mongodb-uri, the
	// probe's embedded FerretDB runs on it, as serve's would.
	probePostgreSQL string
}

// bench runs an on-sale against a running Guichet through its public API:
// an organizer, an event of -capacity seats and -buyers buyers, every buyer
// buying until sold out. It then checks over the API that no seat was
// oversold or numbered twice and that every purchase got its confirmation,
// and compares the sale rate with the database's raw single-insert rate.
func bench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var o benchOptions
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.url, "url", "http://localhost:4000", "base URL of the Guichet under test")
	fs.IntVar(&o.capacity, "capacity", 10000, "seats of the event")
	fs.IntVar(&o.buyers, "buyers", 64, "concurrent buyers")
	fs.IntVar(&o.quantity, "quantity", 1, "tickets per purchase (1..10)")
	fs.DurationVar(&o.duration, "duration", 2*time.Minute, "longest on-sale before the bench stops buying")
	fs.DurationVar(&o.confirmWait, "confirm-wait", 2*time.Minute, "longest wait for confirmations after the sale")
	fs.StringVar(&o.mongoURI, "mongodb-uri", getenv("MONGODB_URI"), "database to probe for the raw insert rate; empty probes an embedded FerretDB on FERRETDB_POSTGRESQL_URL, or on SQLite in a temporary folder")
	fs.DurationVar(&o.probeTime, "probe", 3*time.Second, "how long the raw insert probe runs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.probePostgreSQL = getenv("FERRETDB_POSTGRESQL_URL")
	if o.capacity < 1 || o.buyers < 1 || o.quantity < 1 || o.quantity > 10 {
		return errors.New("bench: want -capacity >= 1, -buyers >= 1, -quantity 1..10")
	}
	b := newBenchRun(o)

	raw, err := probeInsertRate(ctx, o)
	if err != nil {
		return fmt.Errorf("raw insert probe: %w", err)
	}
	fmt.Fprintf(stderr, "bench: raw single-document insert rate %.0f/s\n", raw)
	if err := b.setUp(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "bench: event %s with %d seats, %d buyers ready\n", b.eventID, o.capacity, o.buyers)
	elapsed := b.onSale(ctx, stderr)
	check, err := b.check(ctx, stderr)
	if err != nil {
		return err
	}
	sold := int(b.sold.Load())
	rate := float64(sold) / elapsed.Seconds()
	fmt.Fprintf(stdout, "confirmations %d/%d, %.0f/s from the first 201 to the last sentAt, 201 to sent p50 %.1f ms p99 %.1f ms\n",
		check.confirmed, len(b.purchases), check.rate, ms(check.latency.ValueAtQuantile(50)), ms(check.latency.ValueAtQuantile(99)))
	fmt.Fprintf(stdout, "sold %d/%d in %.2f s, %.0f tickets/s, purchase p50 %.1f ms p99 %.1f ms, oversold %d, duplicates %d, confirmed %d/%d, raw insert %.0f/s, ratio %.2f\n",
		sold, o.capacity, elapsed.Seconds(), rate, ms(b.hist.ValueAtQuantile(50)), ms(b.hist.ValueAtQuantile(99)),
		check.oversold, check.duplicates, check.confirmed, len(b.purchases), raw, rate/raw)
	return nil
}

func ms(micros int64) float64 { return float64(micros) / 1000 }

// probeInsertRate measures single inserts against the bench's database, or
// when none is given against an embedded FerretDB on the backend guichet
// serve embeds with the same environment: FERRETDB_POSTGRESQL_URL when set,
// else SQLite in a temporary folder (serve's defaults), on this machine.
func probeInsertRate(ctx context.Context, o benchOptions) (float64, error) {
	uri := o.mongoURI
	if uri == "" {
		dir, err := os.MkdirTemp("", "guichet-bench-probe-")
		if err != nil {
			return 0, err
		}
		defer os.RemoveAll(dir)
		db, err := ferret.Start(ferret.Options{SQLiteDir: dir, PostgreSQLURL: o.probePostgreSQL, Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			return 0, err
		}
		defer db.Stop()
		uri = db.URI()
	}
	s, err := store.Open(ctx, uri, "guichet_bench_probe", store.Options{})
	if err != nil {
		return 0, err
	}
	defer s.Close(context.Background())
	return s.ProbeInsertRate(ctx, 64, o.probeTime)
}

// benchPurchase is one 201: its tickets and when it was answered.
type benchPurchase struct {
	uuids    []string
	answered time.Time
}

type benchRun struct {
	o       benchOptions
	client  *http.Client
	orgTok  string
	eventID string
	buyers  []string // access tokens

	sold      atomic.Int64
	mu        sync.Mutex
	hist      *hdrhistogram.Histogram // admitted purchases (not 429), microseconds
	purchases []benchPurchase         // each 201
	refused   atomic.Int64            // 429 answers
}

// newBenchRun returns a run of o whose client keeps an idle connection for
// every buyer (twice over: a buyer's next request may start before its
// last connection is back in the pool).
func newBenchRun(o benchOptions) *benchRun {
	return &benchRun{o: o, client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: o.buyers * 2, MaxIdleConnsPerHost: o.buyers * 2, IdleConnTimeout: time.Minute}}}
}

// call sends a JSON request and decodes a JSON answer into out.
func (b *benchRun) call(ctx context.Context, method, path, token string, body, out any, header map[string]string) (int, http.Header, error) {
	var rd io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.o.url+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	// As a browser does: the answers' language comes from the request.
	req.Header.Set("Accept-Language", "en")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, resp.Header, fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	if resp.StatusCode >= 500 {
		return resp.StatusCode, resp.Header, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	return resp.StatusCode, resp.Header, nil
}

// account registers and signs in a user with role.
func (b *benchRun) account(ctx context.Context, role string) (string, error) {
	name := fmt.Sprintf("bench%d%06d", time.Now().UnixNano()%1e9, rand.IntN(1e6))
	pw := "bench-password-" + name
	if st, _, err := b.call(ctx, "POST", "/api/auth/register", "", map[string]any{
		"username": name, "email": name + "@bench.invalid", "password": pw, "role": role}, nil, nil); err != nil || st != http.StatusCreated {
		return "", fmt.Errorf("register %s: status %d: %v", role, st, err)
	}
	var tok struct {
		AccessToken string `json:"accessToken"`
	}
	if st, _, err := b.call(ctx, "POST", "/api/auth/login", "", map[string]any{"email": name + "@bench.invalid", "password": pw}, &tok, nil); err != nil || st != http.StatusOK {
		return "", fmt.Errorf("log in %s: status %d: %v", role, st, err)
	}
	return tok.AccessToken, nil
}

func (b *benchRun) setUp(ctx context.Context) error {
	var err error
	if b.orgTok, err = b.account(ctx, "organizer"); err != nil {
		return err
	}
	var ev struct {
		ID string `json:"id"`
	}
	st, _, err := b.call(ctx, "POST", "/api/events", b.orgTok, map[string]any{
		"title": "Bench on-sale", "description": "guichet bench", "address": "Loopback arena",
		"date": time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339), "ticketCapacity": b.o.capacity, "price": 10,
	}, &ev, nil)
	if err != nil || st != http.StatusCreated {
		return fmt.Errorf("create event: status %d: %v", st, err)
	}
	b.eventID = ev.ID
	b.buyers = make([]string, b.o.buyers)
	var g errgroup.Group
	g.SetLimit(16)
	for i := range b.buyers {
		g.Go(func() error {
			tok, err := b.account(ctx, "customer")
			b.buyers[i] = tok
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return b.openEventPage(ctx)
}

// openEventPage has every buyer load the event at once, as an on-sale's
// buyers wait on its page: each request opens a connection, left open in
// the client's pool, so the purchases are measured without opening one.
// (Without it the first purchases of 1 000 buyers opened their connections
// together, and getting one took up to 130 ms: p99 of the purchases that
// sold.)
func (b *benchRun) openEventPage(ctx context.Context) error {
	var g errgroup.Group
	for _, tok := range b.buyers {
		g.Go(func() error {
			st, _, err := b.call(ctx, "GET", "/api/events/"+b.eventID, tok, nil, nil, nil)
			if err == nil && st != http.StatusOK {
				err = fmt.Errorf("status %d", st)
			}
			if err != nil {
				return fmt.Errorf("load the event page: %w", err)
			}
			return nil
		})
	}
	return g.Wait()
}

// onSale runs every buyer until the event is sold out or the duration ends
// and returns how long the sale took.
func (b *benchRun) onSale(ctx context.Context, progress io.Writer) time.Duration {
	b.hist = hdrhistogram.New(1, 60_000_000, 3)
	ctx, cancel := context.WithTimeout(ctx, b.o.duration)
	defer cancel()
	start := time.Now()
	stop := make(chan struct{})
	go b.progress(start, progress, stop)
	var soldOut atomic.Bool
	var wg sync.WaitGroup
	for i, tok := range b.buyers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for attempt := 0; ctx.Err() == nil && !soldOut.Load(); attempt++ {
				if b.buy(ctx, tok, fmt.Sprintf("b%d-%d", i, attempt)) {
					soldOut.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stop)
	return elapsed
}

// buy makes one purchase and reports whether the event is sold out.
func (b *benchRun) buy(ctx context.Context, tok, key string) (soldOut bool) {
	var out struct {
		Tickets []struct {
			UUID string `json:"uuid"`
		} `json:"tickets"`
	}
	t0 := time.Now()
	st, h, err := b.call(ctx, "POST", "/api/events/"+b.eventID+"/tickets", tok,
		map[string]any{"quantity": b.o.quantity}, &out, map[string]string{"Idempotency-Key": key})
	d := time.Since(t0)
	if err != nil && ctx.Err() != nil {
		return false
	}
	switch st {
	case http.StatusTooManyRequests:
		b.refused.Add(1)
		// Honour Retry-After, with jitter so refused buyers do not return
		// together.
		wait, _ := strconv.Atoi(h.Get("Retry-After"))
		sleep(ctx, time.Duration(max(1, wait))*time.Second+time.Duration(rand.IntN(1000))*time.Millisecond)
		return false
	case http.StatusCreated:
		uuids := make([]string, len(out.Tickets))
		for i, t := range out.Tickets {
			uuids[i] = t.UUID
		}
		b.sold.Add(int64(len(uuids)))
		b.record(d, uuids)
		return false
	case http.StatusConflict:
		b.record(d, nil)
		return true
	default:
		b.record(d, nil)
		sleep(ctx, 50*time.Millisecond)
		return false
	}
}

func (b *benchRun) record(d time.Duration, uuids []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	_ = b.hist.RecordValue(d.Microseconds())
	if uuids != nil {
		b.purchases = append(b.purchases, benchPurchase{uuids: uuids, answered: time.Now()})
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// progress prints a live line every second until stop closes.
func (b *benchRun) progress(start time.Time, w io.Writer, stop <-chan struct{}) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			b.mu.Lock()
			p99 := ms(b.hist.ValueAtQuantile(99))
			b.mu.Unlock()
			sold := b.sold.Load()
			fmt.Fprintf(w, "bench: sold %d/%d, %.0f tickets/s, p99 so far %.1f ms, 429s %d\n",
				sold, b.o.capacity, float64(sold)/time.Since(start).Seconds(), p99, b.refused.Load())
		}
	}
}

type checkResult struct {
	oversold, duplicates, confirmed int
	// Confirmations end to end: from each purchase's 201 (the bench's
	// clock) to its tickets' sentAt (the server's; one host, or synced
	// clocks), in microseconds, and their rate from the first 201 to the
	// last sentAt.
	latency *hdrhistogram.Histogram
	rate    float64
}

type listedTicket struct {
	UUID         string `json:"uuid"`
	Number       int    `json:"number"`
	Confirmation struct {
		Status string     `json:"status"`
		SentAt *time.Time `json:"sentAt"`
	} `json:"confirmation"`
}

// check waits for every purchase's confirmation, then lists the event's
// tickets over the API once and counts oversold seats and repeated numbers.
func (b *benchRun) check(ctx context.Context, progress io.Writer) (checkResult, error) {
	var r checkResult
	sentAt := make([]time.Time, len(b.purchases)) // zero: not sent (yet)
	pending := make([]int, len(b.purchases))
	for i := range pending {
		pending[i] = i
	}
	deadline := time.Now().Add(b.o.confirmWait)
	for len(pending) > 0 {
		last := time.Now().After(deadline) || ctx.Err() != nil
		var err error
		if pending, err = b.confirmations(ctx, pending, sentAt, last); err != nil {
			return r, err
		}
		if last || len(pending) == 0 {
			break
		}
		fmt.Fprintf(progress, "bench: confirmed %d/%d purchases, waiting\n", len(b.purchases)-len(pending), len(b.purchases))
		sleep(ctx, time.Second)
	}
	r.latency = hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 3)
	var first, last time.Time
	for i, at := range sentAt {
		if at.IsZero() {
			continue
		}
		p := b.purchases[i]
		r.confirmed++
		_ = r.latency.RecordValue(max(1, at.Sub(p.answered).Microseconds()))
		if first.IsZero() || p.answered.Before(first) {
			first = p.answered
		}
		if at.After(last) {
			last = at
		}
	}
	if r.confirmed > 0 && last.After(first) {
		r.rate = float64(r.confirmed) / last.Sub(first).Seconds()
	}
	tickets, err := b.listTickets(ctx)
	if err != nil {
		return r, err
	}
	seen := map[int]bool{}
	r.oversold = max(0, len(tickets)-b.o.capacity)
	for _, t := range tickets {
		if seen[t.Number] || t.Number < 1 || t.Number > b.o.capacity {
			r.duplicates++
		}
		seen[t.Number] = true
	}
	return r, nil
}

// confirmations reads the tickets of the pending purchases (indexes into
// b.purchases, in answer order) by uuid, 32 purchases at a time, records in
// sentAt when each purchase's last ticket was sent, and returns those still
// pending. Senders work in about answer order, so unless all is set it
// stops after the first group with a purchase still pending: a round reads
// about as many tickets as were confirmed since the last one. (Listing the
// event's tickets instead reads them all every round, and on FerretDB's
// SQLite each page of that list scans the collection: the bench's own
// polling then took most of the CPU the confirmations needed.)
func (b *benchRun) confirmations(ctx context.Context, pending []int, sentAt []time.Time, all bool) ([]int, error) {
	const group = 32
	var still []int
	for start := 0; start < len(pending); start += group {
		part := pending[start:min(start+group, len(pending))]
		done := make([]bool, len(part))
		errs := make([]error, len(part))
		var wg sync.WaitGroup
		for k, i := range part {
			wg.Go(func() { done[k], errs[k] = b.purchaseSent(ctx, b.purchases[i], &sentAt[i]) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
		for k, i := range part {
			if !done[k] {
				still = append(still, i)
			}
		}
		if len(still) > 0 && !all {
			return append(still, pending[start+len(part):]...), nil
		}
	}
	return still, nil
}

// purchaseSent reads a purchase's tickets and reports whether its
// confirmation is final: sent (at is set to the last ticket's sentAt) or
// failed (at stays zero).
func (b *benchRun) purchaseSent(ctx context.Context, p benchPurchase, at *time.Time) (bool, error) {
	var last time.Time
	for _, u := range p.uuids {
		var t listedTicket
		st, _, err := b.call(ctx, "GET", "/api/tickets/"+u, b.orgTok, nil, &t, nil)
		if err != nil || st != http.StatusOK {
			return false, fmt.Errorf("get ticket %s: status %d: %v", u, st, err)
		}
		switch {
		case t.Confirmation.Status == "failed":
			return true, nil
		case t.Confirmation.Status != "sent" || t.Confirmation.SentAt == nil:
			return false, nil
		case t.Confirmation.SentAt.After(last):
			last = *t.Confirmation.SentAt
		}
	}
	*at = last
	return true, nil
}

func (b *benchRun) listTickets(ctx context.Context) ([]listedTicket, error) {
	var all []listedTicket
	cursor := ""
	for {
		var page struct {
			Items      []listedTicket `json:"items"`
			NextCursor *string        `json:"nextCursor"`
		}
		path := "/api/events/" + b.eventID + "/tickets?limit=100"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		if st, _, err := b.call(ctx, "GET", path, b.orgTok, nil, &page, nil); err != nil || st != http.StatusOK {
			return nil, fmt.Errorf("list tickets: status %d: %v", st, err)
		}
		all = append(all, page.Items...)
		if page.NextCursor == nil || *page.NextCursor == "" {
			return all, nil
		}
		cursor = *page.NextCursor
	}
}

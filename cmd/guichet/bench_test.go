package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/sync/errgroup"
)

// TestBenchSellsOutAndChecksTheSale runs `guichet bench` against a real
// server: a small on-sale sold out, then checked over the API.
func TestBenchSellsOutAndChecksTheSale(t *testing.T) {
	s := startServer(t, nil)
	var out bytes.Buffer
	err := run(context.Background(), []string{"bench", "-url", s.URL, "-capacity", "120", "-buyers", "8",
		"-quantity", "2", "-probe", "500ms", "-confirm-wait", "2m", "-mongodb-uri", s.Config.MongoURI},
		func(string) string { return "" }, &out, &logBuffer{})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(out.String(), "\n")
	if len(lines) != 3 || lines[2] != "" {
		t.Fatalf("output %q: want the confirmations line, then the last line", out.String())
	}
	conf := regexp.MustCompile(`^confirmations (\d+)/(\d+), [\d.]+/s from the first 201 to the last sentAt, 201 to sent p50 [\d.]+ ms p99 [\d.]+ ms\n$`)
	if c := conf.FindStringSubmatch(lines[0]); c == nil || c[1] != c[2] {
		t.Errorf("confirmations line %q", lines[0])
	}
	line := regexp.MustCompile(`^sold (\d+)/120 in [\d.]+ s, \d+ tickets/s, purchase p50 [\d.]+ ms p99 [\d.]+ ms, ` +
		`oversold (\d+), duplicates (\d+), confirmed (\d+)/(\d+), raw insert \d+/s, ratio [\d.]+\n$`)
	m := line.FindStringSubmatch(lines[1])
	if m == nil {
		t.Fatalf("last line %q is not the documented one", lines[1])
	}
	if m[1] != "120" || m[2] != "0" || m[3] != "0" || m[4] != m[5] {
		t.Errorf("sold %s, oversold %s, duplicates %s, confirmed %s/%s", m[1], m[2], m[3], m[4], m[5])
	}
	if n, _ := strconv.Atoi(m[5]); n != 60 {
		t.Errorf("%d purchases of 2 seats for 120 seats, want 60", n)
	}
}

// TestBenchBuyersOpenTheirConnectionsBeforeTheOnSale: every buyer loads the
// event page first, so the on-sale's requests find a connection open. The
// server holds each request until all the buyers' are in, so that they
// overlap as an on-sale's first purchases do.
func TestBenchBuyersOpenTheirConnectionsBeforeTheOnSale(t *testing.T) {
	const buyers = 40
	var opened atomic.Int64
	var arrived sync.WaitGroup
	arrived.Add(buyers)
	var round atomic.Pointer[sync.WaitGroup]
	round.Store(&arrived)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wg := round.Load()
		wg.Done()
		wg.Wait()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)

	b := newBenchRun(benchOptions{url: srv.URL, buyers: buyers})
	b.eventID = "e1"
	b.buyers = make([]string, buyers)
	if err := b.openEventPage(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := opened.Load(); n != buyers {
		t.Fatalf("loading the event page opened %d connections, want %d", n, buyers)
	}
	var onSale sync.WaitGroup
	onSale.Add(buyers)
	round.Store(&onSale)
	var g errgroup.Group
	for _, tok := range b.buyers {
		g.Go(func() error {
			_, _, err := b.call(context.Background(), "POST", "/api/events/e1/tickets", tok, map[string]any{"quantity": 1}, nil, nil)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if n := opened.Load() - buyers; n != 0 {
		t.Errorf("the on-sale's %d purchases opened %d connections, want 0", buyers, n)
	}
}

package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"guichet.dev/shared/event"
	"guichet.dev/shared/ticket"
	"guichet.dev/shared/user"
)

// TestEventReadLoad measures GET /api/events and GET /api/events/{id} with
// 64 concurrent clients against a real server and logs p50, p99 and
// requests per second. It reports figures and asserts none: opt in with
// GUICHET_BENCH=1 (GUICHET_BENCH_SECONDS sets each run's length, default 5).
func TestEventReadLoad(t *testing.T) {
	if os.Getenv("GUICHET_BENCH") != "1" {
		t.Skip("set GUICHET_BENCH=1 to run the read load test")
	}
	seconds := 5
	if v := os.Getenv("GUICHET_BENCH_SECONDS"); v != "" {
		fmt.Sscan(v, &seconds)
	}
	s := startServer(t, nil)
	org, _ := s.user(user.Organizer)
	ids := make([]string, 0, 500)
	for i := range 500 {
		st := event.Scheduled
		if i%10 == 0 {
			st = event.Cancelled
		}
		e := s.insertEvent(org.ID, fmt.Sprintf("Show %d", i), time.Now().Add(time.Duration(i+1)*time.Hour), st)
		ids = append(ids, e.ID)
	}
	for _, id := range ids[:20] {
		s.sell(id, 1, 5, ticket.Valid)
	}
	const clients = 64
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
	run := func(name string, path func(i int) string) {
		// Warm up: the first request of a process loads its cache.
		for i := range 4 {
			if r := s.do(request{Method: "GET", Path: path(i)}); r.Status != http.StatusOK {
				t.Fatalf("warm-up %s: %d %s", path(i), r.Status, r.Body)
			}
		}
		var mu sync.Mutex
		var lat []time.Duration
		var failed int
		deadline := time.Now().Add(time.Duration(seconds) * time.Second)
		start := time.Now()
		var wg sync.WaitGroup
		for c := range clients {
			wg.Go(func() {
				var mine []time.Duration
				bad := 0
				for i := c; time.Now().Before(deadline); i += clients {
					t0 := time.Now()
					resp, err := client.Get(s.URL + path(i))
					if err != nil {
						bad++
						continue
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						bad++
					}
					mine = append(mine, time.Since(t0))
				}
				mu.Lock()
				lat = append(lat, mine...)
				failed += bad
				mu.Unlock()
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		slices.Sort(lat)
		if len(lat) == 0 {
			t.Fatalf("%s: no answer", name)
		}
		q := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
		t.Logf("%s: %d requests, %d failed, %.0f req/s, p50 %v, p99 %v, max %v", name, len(lat), failed,
			float64(len(lat))/elapsed.Seconds(), q(0.50).Round(10*time.Microsecond), q(0.99).Round(10*time.Microsecond), lat[len(lat)-1].Round(time.Millisecond))
	}
	load, _ := os.ReadFile("/proc/loadavg")
	t.Logf("load average before the runs: %s", strings.TrimSpace(string(load)))
	run("GET /api/events", func(i int) string {
		if i%4 == 0 {
			return "/api/events?q=show%201&limit=20"
		}
		return "/api/events"
	})
	run("GET /api/events/{id}", func(i int) string { return "/api/events/" + ids[i%len(ids)] })
}

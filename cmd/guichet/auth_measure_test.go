package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// MeasureLoginVar runs TestLoginLatencyAt16Clients with this many logins
// (e.g. GUICHET_MEASURE_LOGINS=800); it reports figures and asserts none.
const MeasureLoginVar = "GUICHET_MEASURE_LOGINS"

// TestLoginLatencyAt16Clients measures POST /api/auth/login against a real
// server: 16 clients signing in back to back, then p50/p99 and logins/s.
func TestLoginLatencyAt16Clients(t *testing.T) {
	total, _ := strconv.Atoi(os.Getenv(MeasureLoginVar))
	if total <= 0 {
		t.Skipf("set %s to measure", MeasureLoginVar)
	}
	const clients = 16
	s := startServer(t, map[string]string{"AUTH_RATE_PER_MINUTE": "1000000"})
	for i := range clients {
		s.register(t, fmt.Sprintf("bench%d", i), fmt.Sprintf("bench%d@example.com", i), "bench-password")
	}
	// Plain HTTP, without the test client's OpenAPI validation: only the
	// server's work is measured (the clients still share the machine).
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	latencies := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	cpu0 := cpuTime(t)
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			body := fmt.Sprintf(`{"email":"bench%d@example.com","password":"bench-password"}`, c)
			for range total / clients {
				t0 := time.Now()
				resp, err := client.Post(s.URL+"/api/auth/login", "application/json", strings.NewReader(body))
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				latencies[c] = append(latencies[c], time.Since(t0))
				if resp.StatusCode != http.StatusOK {
					t.Errorf("login: status %d", resp.StatusCode)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := cpuTime(t) - cpu0
	all := slices.Concat(latencies...)
	slices.Sort(all)
	q := func(p float64) time.Duration { return all[int(p*float64(len(all)-1))] }
	perLogin := cpu / time.Duration(len(all))
	t.Logf("%d logins, %d clients: p50 %v, p99 %v, max %v, %.1f logins/s; CPU %v per login (server, database and client)",
		len(all), clients, q(0.50).Round(time.Millisecond), q(0.99).Round(time.Millisecond),
		all[len(all)-1].Round(time.Millisecond), float64(len(all))/elapsed.Seconds(), perLogin.Round(100*time.Microsecond))
}

// cpuTime is the CPU time this process (server, embedded database and
// clients) has used: per login it bounds throughput on an idle machine.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

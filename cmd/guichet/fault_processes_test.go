package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"guichet.dev/shared/testenv"
	"guichet.dev/shared/ticket"
	"guichet.dev/shared/user"
)

// rawBuy is one purchase attempt that survives the process dying under it:
// err is set when no HTTP answer came back.
func rawBuy(url, token, eventID, key string, quantity int, timeout time.Duration) (purchaseAnswer, error) {
	body, _ := json.Marshal(map[string]any{"quantity": quantity})
	req, err := http.NewRequest("POST", url+"/api/events/"+eventID+"/tickets", bytes.NewReader(body))
	if err != nil {
		return purchaseAnswer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", key)
	resp, err := (&http.Client{Timeout: timeout}).Do(req)
	if err != nil {
		return purchaseAnswer{}, err
	}
	defer resp.Body.Close()
	a := purchaseAnswer{Status: resp.StatusCode}
	if resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK {
		var b struct{ Tickets []ticket.Ticket }
		err = json.NewDecoder(resp.Body).Decode(&b)
		a.Tickets = b.Tickets
	} else {
		var p struct{ Code string }
		err = json.NewDecoder(resp.Body).Decode(&p)
		a.Code = p.Code
	}
	return a, err
}

// TestFaultProcessesKilledDuringTheOnSale sells through three `guichet
// serve` processes on one database while one of them is SIGKILLed and
// restarted every two seconds. Then: no seat oversold or numbered twice,
// every ticket answered with a 201 (or recovered by repeating its
// Idempotency-Key) is stored as answered, the seats of purchases killed
// half-way come back, and every purchase gets one confirmation.
func TestFaultProcessesKilledDuringTheOnSale(t *testing.T) {
	s := startServer(t, nil)
	org, _ := s.user(user.Organizer)
	const capacity = 5000
	ev := newEvent(t, s.Env, org.ID, capacity)
	tokens := make([]string, 8)
	for i := range tokens {
		_, tokens[i] = s.user(user.Customer)
	}

	var mu sync.RWMutex
	procs := make([]*process, 3)
	for i := range procs {
		procs[i] = startProcess(t, s, nil)
	}
	pick := func() string {
		mu.RLock()
		defer mu.RUnlock()
		return procs[rand.IntN(len(procs))].URL
	}

	// The killer: SIGKILL one process every 2 s and start a new one.
	stop := make(chan struct{})
	killed := make(chan int)
	go func() {
		kills := 0
		defer func() { killed <- kills }()
		tick := time.NewTicker(2 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			i := rand.IntN(len(procs))
			mu.Lock()
			_ = procs[i].cmd.Process.Kill()
			_ = procs[i].cmd.Wait()
			mu.Unlock()
			kills++
			p := startProcess(t, s, nil)
			mu.Lock()
			procs[i] = p
			mu.Unlock()
		}
	}()

	// Buyers: each attempt has its own key; an attempt cut off by a kill
	// is left for later, when repeating its key tells what happened.
	var answered []ticket.Ticket
	type attempt struct {
		token, key string
		quantity   int
	}
	var unresolved []attempt
	var interrupted, answers atomic.Int64
	deadline := time.Now().Add(10 * time.Second)
	var wg sync.WaitGroup
	for b, tok := range tokens {
		wg.Go(func() {
			for n := 0; time.Now().Before(deadline); n++ {
				key, quantity := fmt.Sprintf("k%d-%d", b, n), 1+rand.IntN(3)
				a, err := rawBuy(pick(), tok, ev.ID, key, quantity, 10*time.Second)
				mu.Lock()
				switch {
				case err != nil:
					interrupted.Add(1)
					unresolved = append(unresolved, attempt{tok, key, quantity})
				case a.Status == http.StatusCreated:
					answers.Add(1)
					answered = append(answered, a.Tickets...)
				case a.Status == http.StatusTooManyRequests || a.Status == http.StatusServiceUnavailable:
				default:
					t.Errorf("answer %d %q", a.Status, a.Code)
				}
				mu.Unlock()
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	close(stop)
	kills := <-killed

	// The scheduled sweep settles what the killed processes left.
	cfg := s.Config
	cfg.CronToken = "cron-secret"
	cfg.Tickets.HoldTimeout = time.Nanosecond
	sweeper := testenv.Env(t, cfg)
	if r := sweepRequest(sweeper, "cron-secret"); r.Code != http.StatusOK {
		t.Fatalf("sweep: %d %s", r.Code, r.Body)
	}
	recovered := 0
	for _, u := range unresolved {
		a, err := rawBuy(s.URL, u.token, ev.ID, u.key, u.quantity, 2*time.Second)
		switch {
		case err == nil && (a.Status == http.StatusOK || a.Status == http.StatusCreated):
			answered = append(answered, a.Tickets...)
			recovered++
		case err == nil && a.Status == http.StatusServiceUnavailable:
			// Abandoned by the sweep: it sold nothing.
		default:
			t.Logf("attempt %s: %d %q %v (it never decided; nothing can have been sold)", u.key, a.Status, a.Code, err)
		}
	}

	ns := checkSeats(t, s.Env, ev.ID, capacity, answered)
	t.Logf("%d kills, %d purchases answered 201, %d cut off (%d recovered by their key), %d tickets sold",
		kills, answers.Load(), interrupted.Load(), recovered, len(ns))
	if kills < 3 || len(ns) == 0 {
		t.Fatalf("the test did not exercise the fault: %d kills, %d tickets", kills, len(ns))
	}

	// Every purchase is confirmed, once: all tickets sent, one outbox
	// message per purchase.
	purchases := map[string]bool{}
	for until := time.Now().Add(3 * time.Minute); ; {
		pending := 0
		for _, tk := range allTickets(t, s.Env, ev.ID) {
			purchases[tk.PurchaseID] = true
			if tk.Confirmation.Status != ticket.Sent {
				pending++
			}
		}
		if pending == 0 {
			break
		}
		if time.Now().After(until) {
			t.Fatalf("%d tickets still without their confirmation", pending)
		}
		time.Sleep(500 * time.Millisecond)
	}
	files, _ := filepath.Glob(filepath.Join(s.Config.DataDir, "outbox", "*.eml"))
	if len(files) != len(purchases) {
		t.Errorf("%d confirmation messages for %d purchases", len(files), len(purchases))
	}
	for _, f := range files {
		if _, ok := purchases[strings.TrimSuffix(filepath.Base(f), ".eml")]; !ok {
			t.Errorf("a message for no purchase: %s", f)
		}
	}
}

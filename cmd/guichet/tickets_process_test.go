package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tksweep "guichet.dev/functions/ticket-sweep"
	"guichet.dev/shared/fault"
	"guichet.dev/shared/fn"
	"guichet.dev/shared/testenv"
	"guichet.dev/shared/ticket"
	"guichet.dev/shared/user"
)

// binary builds guichet once per test binary.
var binary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "guichet-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "guichet")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// process is a `guichet serve` running as its own OS process on s's
// database and keys.
type process struct {
	*testServer
	cmd  *exec.Cmd
	logs chan string // its stderr lines (dropped when nobody reads)
}

// startProcess runs guichet serve as a separate process sharing s's
// database and DATA_DIR (so its keys), with extra environment vars.
func startProcess(t *testing.T, s *testServer, vars map[string]string) *process {
	t.Helper()
	bin, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "PORT=0", "DATA_DIR=" + s.Config.DataDir,
		"MONGODB_URI=" + s.Config.MongoURI, "MONGODB_DATABASE=" + s.Config.MongoDatabase,
		"BACKUP_SCHEDULE=off", "LOG_LEVEL=warn"}
	for k, v := range generousAdmission {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() {
		b, _ := io.ReadAll(stderr)
		t.Fatalf("guichet serve did not start: %s", b)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	url := strings.TrimPrefix(lines.Text(), "guichet: listening on ")
	ts := &testServer{t: t, URL: url, Env: s.Env, Config: s.Config, client: newTestClient(t)}
	p := &process{testServer: ts, cmd: cmd, logs: make(chan string, 256)}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			select {
			case p.logs <- sc.Text():
			default:
			}
		}
		close(p.logs)
	}()
	return p
}

// waitLog reads the process's log until a line containing text.
func (p *process) waitLog(text string) {
	p.t.Helper()
	for line := range p.logs {
		if strings.Contains(line, text) {
			return
		}
	}
	p.t.Fatalf("process log ended before %q", text)
}

func TestTicketPurchaseAcrossProcesses(t *testing.T) {
	s := startServer(t, nil)
	org, _ := s.user(user.Organizer)
	ev := newEvent(t, s.Env, org.ID, 50)
	procs := make([]*process, 4)
	var start sync.WaitGroup
	for i := range procs {
		start.Go(func() { procs[i] = startProcess(t, s, nil) })
	}
	start.Wait()
	tokens := make([]string, 40)
	for i := range tokens {
		_, tokens[i] = s.user(user.Customer)
	}
	// 400 attempts, quantities 1..10 mixed, spread over the four processes.
	var mu sync.Mutex
	var sold []ticket.Ticket
	var created, soldOut atomic.Int64
	attempt := func(i, q int) purchaseAnswer {
		a := procs[i%len(procs)].buy(tokens[i%len(tokens)], ev.ID, map[string]any{"quantity": q}, "")
		switch {
		case a.Status == http.StatusCreated && len(a.Tickets) == q:
			created.Add(1)
			mu.Lock()
			sold = append(sold, a.Tickets...)
			mu.Unlock()
		case a.Status == http.StatusConflict && a.Code == "sold_out":
			soldOut.Add(1)
		default:
			t.Errorf("answer %d %q with %d tickets for %d", a.Status, a.Code, len(a.Tickets), q)
		}
		return a
	}
	var wg sync.WaitGroup
	for i := range 400 {
		wg.Go(func() { attempt(i, 1+rand.IntN(10)) })
	}
	wg.Wait()
	// Then single seats until sold out: every seat ends sold, once.
	for i := 0; ; i++ {
		if a := attempt(i, 1); a.Status != http.StatusCreated {
			break
		}
	}
	ns := checkSeats(t, s.Env, ev.ID, 50, sold)
	if len(ns) != 50 || ns[0] != 1 || ns[49] != 50 {
		t.Errorf("numbers %v, want exactly 1..50", ns)
	}
	t.Logf("%d processes: %d purchases answered 201, %d sold_out; %d tickets, %d distinct numbers in 1..50, oversold %d",
		len(procs), created.Load(), soldOut.Load(), len(sold), len(ns), max(0, len(sold)-50))
}

func TestTicketCrashedPurchaseSeatsComeBack(t *testing.T) {
	s := startServer(t, nil)
	org, _ := s.user(user.Organizer)
	_, buyer := s.user(user.Customer)
	ev := newEvent(t, s.Env, org.ID, 5)

	// A process that stops after claiming: kill it there.
	p := startProcess(t, s, map[string]string{"GUICHET_TEST_HOLD_AFTER_CLAIM": "1"})
	go func() {
		req, _ := http.NewRequest("POST", p.URL+"/api/events/"+ev.ID+"/tickets", strings.NewReader(`{"quantity":3}`))
		req.Header.Set("Authorization", "Bearer "+buyer)
		req.Header.Set("Content-Type", "application/json")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	p.waitLog("purchase holds its claims")
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()

	// Its three seats are held: only two are left.
	if a := s.buy(buyer, ev.ID, map[string]any{"quantity": 3}, ""); a.Status != 409 || a.Code != "sold_out" {
		t.Fatalf("with 3 seats held: %d %q, want 409 sold_out", a.Status, a.Code)
	}
	first := s.buy(buyer, ev.ID, map[string]any{"quantity": 2}, "")
	if first.Status != 201 {
		t.Fatalf("the 2 free seats: %d %q", first.Status, first.Code)
	}

	// The scheduled sweep returns them (a hold timeout of 1ns makes every
	// held claim stale).
	cfg := s.Config
	cfg.CronToken = "cron-secret"
	cfg.Tickets.HoldTimeout = time.Nanosecond
	env := testenv.Env(t, cfg)
	for _, c := range []struct {
		name, header string
		status       int
	}{
		{"no secret is 401", "", 401},
		{"a wrong secret is 401", "cron-secreT", 401},
		{"the secret runs the sweep", "cron-secret", 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := sweepRequest(env, c.header)
			if r.Code != c.status {
				t.Fatalf("got %d %s, want %d", r.Code, r.Body, c.status)
			}
			if c.status != 200 {
				return
			}
			var res ticket.SweepResult
			if err := json.Unmarshal(r.Body.Bytes(), &res); err != nil || res.Released != 1 {
				t.Fatalf("sweep %s, want one purchase released", r.Body)
			}
		})
	}
	second := s.buy(buyer, ev.ID, map[string]any{"quantity": 3}, "")
	if second.Status != 201 {
		t.Fatalf("after the sweep: %d %q, want the 3 seats back", second.Status, second.Code)
	}
	ns := checkSeats(t, s.Env, ev.ID, 5, append(first.Tickets, second.Tickets...))
	if fmt.Sprint(ns) != "[1 2 3 4 5]" {
		t.Errorf("numbers %v, want 1..5", ns)
	}
}

// sweepRequest invokes the ticket-sweep function as the scheduler does.
func sweepRequest(env *fn.Env, secret string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/", nil)
	if secret != "" {
		r.Header.Set(fn.CronHeader, secret)
	}
	r = r.WithContext(fn.WithEnv(r.Context(), env))
	w := httptest.NewRecorder()
	tksweep.Handle(w, r)
	return w
}

func TestTicketSweepFinishesSoldPurchase(t *testing.T) {
	cfg := testenv.Config(t)
	env := testenv.Env(t, cfg)
	ctx := context.Background()
	org, _ := testenv.User(t, env, user.Organizer)
	ev := newEvent(t, env, org.ID, 10)
	// A purchase that decided "sold" and crashed before writing its tickets.
	pid := "8d0b5c0e-1111-4c3b-9d5e-000000000001"
	tk := ticket.Ticket{UUID: "8d0b5c0e-2222-4c3b-9d5e-000000000002", Event: ev.ID, Number: 4, Price: ev.Price,
		Currency: ev.Currency, Date: time.Now().UTC().Truncate(time.Millisecond), OwnerID: org.ID, Status: ticket.Valid,
		PurchaseID: pid, Confirmation: ticket.Confirmation{Channel: ticket.Email, Status: ticket.Pending}}
	code, err := env.Codes.Sign(ticket.Named{UUID: tk.UUID, Event: tk.Event, Number: tk.Number})
	if err != nil {
		t.Fatal(err)
	}
	tk.Code = code
	// A repeat of it with its Idempotency-Key, in another process that
	// crashed too, had claimed number 5.
	old := time.Now().Add(-time.Hour)
	claims := []ticket.Claim{{Event: ev.ID, Number: 4, PurchaseID: pid, Attempt: "sold", At: old},
		{Event: ev.ID, Number: 5, PurchaseID: pid, Attempt: "repeat", At: old}}
	if errs, _, err := env.Store.InsertClaims(ctx, claims); err != nil || errs[0] != nil || errs[1] != nil {
		t.Fatal(err, errs)
	}
	if err := env.Store.InsertOutcome(ctx, ticket.Outcome{State: ticket.Sold, Attempt: "sold", At: old,
		Purchase: ticket.Purchase{ID: pid, EventID: ev.ID, BuyerID: org.ID, Channel: ticket.Email, Tickets: []ticket.Ticket{tk}}}); err != nil {
		t.Fatal(err)
	}
	res, err := ticket.Sweep(ctx, env.Store, time.Now())
	if err != nil || res.Completed != 1 || res.Released != 1 {
		t.Fatalf("sweep %+v %v, want one purchase completed and the repeat's seat returned", res, err)
	}
	checkSeats(t, env, ev.ID, 10, []ticket.Ticket{tk})
	// The purchase, had it lived on, can no longer be abandoned, and a
	// second sweep finds nothing held.
	if err := env.Store.InsertOutcome(ctx, ticket.Outcome{State: ticket.Abandoned, Purchase: ticket.Purchase{ID: pid}}); !errors.Is(err, ticket.ErrDecided) {
		t.Errorf("abandoning a sold purchase: %v, want ErrDecided", err)
	}
	if res, err := ticket.Sweep(ctx, env.Store, time.Now()); err != nil || res != (ticket.SweepResult{}) {
		t.Errorf("second sweep %+v %v, want nothing to do", res, err)
	}
}

func TestTicketCapacityLoweredDuringSales(t *testing.T) {
	s := startServer(t, nil)
	org, _ := s.user(user.Organizer)
	ctx := context.Background()
	// lower runs the event PATCH's side of the protocol (ticket.CheckCapacity).
	lower := func(eventID string, from, to int) error {
		if ok, err := s.Env.Store.SwapTicketCapacity(ctx, eventID, from, to); err != nil || !ok {
			return fmt.Errorf("swap capacity: %v %v", ok, err)
		}
		if err := ticket.CheckCapacity(ctx, s.Env.Store, eventID, to); err != nil {
			if _, err := s.Env.Store.SwapTicketCapacity(ctx, eventID, to, from); err != nil {
				t.Fatal(err)
			}
			return err
		}
		return nil
	}
	tokens := make([]string, 16)
	for i := range tokens {
		_, tokens[i] = s.user(user.Customer)
	}
	sellOut := func(eventID string, sales chan<- struct{}) []ticket.Ticket {
		var mu sync.Mutex
		var sold []ticket.Ticket
		var wg sync.WaitGroup
		for i := range tokens {
			wg.Go(func() {
				for {
					a := s.buy(tokens[i], eventID, nil, "")
					if a.Status != http.StatusCreated {
						if a.Code != "sold_out" {
							t.Errorf("purchase: %d %q", a.Status, a.Code)
						}
						return
					}
					mu.Lock()
					sold = append(sold, a.Tickets...)
					mu.Unlock()
					if sales != nil {
						select {
						case sales <- struct{}{}:
						default:
						}
					}
				}
			})
		}
		wg.Wait()
		return sold
	}

	t.Run("lowered before sales, every ticket fits the new capacity", func(t *testing.T) {
		ev := newEvent(t, s.Env, org.ID, 120)
		// A purchase first, so the servers cache the event at 120.
		first := s.buy(tokens[0], ev.ID, nil, "")
		if first.Status != 201 {
			t.Fatal(first)
		}
		// The new capacity keeps the seat already sold.
		capacity := max(60, first.Tickets[0].Number)
		if err := lower(ev.ID, 120, capacity); err != nil {
			t.Fatal(err)
		}
		sold := append(first.Tickets, sellOut(ev.ID, nil)...)
		ns := checkSeats(t, s.Env, ev.ID, capacity, sold)
		if len(ns) != capacity {
			t.Errorf("%d sold, want %d", len(ns), capacity)
		}
		if err := lower(ev.ID, capacity, capacity-1); err == nil {
			t.Errorf("lowering a sold-out capacity by one was accepted")
		}
	})
	t.Run("lowered while selling, never more valid tickets than the final capacity", func(t *testing.T) {
		ev := newEvent(t, s.Env, org.ID, 300)
		sales := make(chan struct{})
		done := make(chan []ticket.Ticket)
		go func() { done <- sellOut(ev.ID, sales) }()
		var lowered, refused int
		var sold []ticket.Ticket
	race:
		for {
			select {
			case sold = <-done:
				break race
			case <-sales:
				err := lower(ev.ID, 300, 150)
				if fe, ok := fault.As(err); ok && fe.Code == fault.Conflict {
					refused++
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				lowered++
				sold = <-done
				break race
			}
		}
		// Buyers who met the lowered capacity while it stood were told
		// sold_out, and a process may see it for up to its 1 s event-cache
		// bound after it was put back; sell what is left of the final
		// capacity, past that bound.
		final, err := s.Env.Store.EventByID(ctx, ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		for range 5 {
			sold = append(sold, sellOut(ev.ID, nil)...)
			if len(sold) >= final.TicketCapacity {
				break
			}
			time.Sleep(1100 * time.Millisecond)
		}
		ns := checkSeats(t, s.Env, ev.ID, final.TicketCapacity, sold)
		if len(ns) != final.TicketCapacity {
			t.Errorf("%d sold of %d", len(ns), final.TicketCapacity)
		}
		t.Logf("capacity lowered %d times, refused %d times; final capacity %d", lowered, refused, final.TicketCapacity)
	})
}

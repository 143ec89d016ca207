package main

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"guichet.dev/shared/user"
)

// TestAdmissionAnswers429FastAndFairly runs a stampede past a tiny
// admission limit: the overflow gets 429 rate_limited with Retry-After,
// one user cannot hold more than their places, reads are not limited, and
// nothing is oversold.
func TestAdmissionAnswers429FastAndFairly(t *testing.T) {
	s := startServer(t, map[string]string{"PURCHASE_CONCURRENCY": "2", "PURCHASE_QUEUE": "2",
		"PURCHASE_QUEUE_WAIT": "1ms", "PURCHASE_PER_USER": "1"})
	org, _ := s.user(user.Organizer)
	ev := newEvent(t, s.Env, org.ID, 1000)
	tokens := make([]string, 8)
	for i := range tokens {
		_, tokens[i] = s.user(user.Customer)
	}
	var mu sync.Mutex
	statuses := map[int]int{}
	var sold []soldTicket
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			r := s.do(request{Method: "POST", Path: "/api/events/" + ev.ID + "/tickets", Token: tokens[i%len(tokens)],
				Body: map[string]any{"quantity": 1}, Header: map[string]string{"Idempotency-Key": fmt.Sprint("a", i)}})
			mu.Lock()
			defer mu.Unlock()
			statuses[r.Status]++
			switch r.Status {
			case http.StatusTooManyRequests:
				if p := r.problem(t); p["code"] != "rate_limited" {
					t.Errorf("429 with code %v", p["code"])
				}
				if n, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || n < 1 {
					t.Errorf("429 with Retry-After %q", r.Header.Get("Retry-After"))
				}
			case http.StatusCreated:
				var b struct{ Tickets []soldTicket }
				r.decode(t, &b)
				sold = append(sold, b.Tickets...)
			default:
				t.Errorf("status %d: %s", r.Status, r.Body)
			}
		})
	}
	// Reads go on while purchases are refused.
	for range 20 {
		if r := s.do(request{Method: "GET", Path: "/api/events/" + ev.ID}); r.Status != http.StatusOK {
			t.Errorf("a read during the stampede: %d", r.Status)
		}
	}
	wg.Wait()
	t.Logf("statuses %v", statuses)
	if statuses[http.StatusTooManyRequests] == 0 || statuses[http.StatusCreated] == 0 {
		t.Fatalf("statuses %v: want both sales and 429s", statuses)
	}
	numbers := map[int]bool{}
	for _, tk := range sold {
		if numbers[tk.Number] {
			t.Errorf("number %d sold twice", tk.Number)
		}
		numbers[tk.Number] = true
	}
}

type soldTicket struct {
	Number int `json:"number"`
}

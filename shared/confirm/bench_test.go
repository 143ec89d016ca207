package confirm_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"guichet.dev/shared/i18n"
	"guichet.dev/shared/ticket"
)

// BenchmarkConfirmationsEndToEnd: 64 concurrent buyers each store a
// purchase and publish it to RabbitMQ; a consumer with 16 workers sends the
// emails to a real SMTP server. It reports confirmations per second (first
// publish to last message received) and the time from publish (the
// purchase's 201) to the message's arrival, p50 and p99.
//
//	go test ./shared/confirm -run '^$' -bench ConfirmationsEndToEnd -benchtime 400x
func BenchmarkConfirmationsEndToEnd(b *testing.B) {
	r := newRig(b, nil)
	r.consume(b, 16)
	const buyers = 64
	published := make(map[string]time.Time, b.N)
	var mu sync.Mutex
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := range buyers {
		wg.Go(func() {
			for i := w; i < b.N; i += buyers {
				p := r.buy(b, r.buyer(b, i18n.Langs[i%2], ""), ticket.Email, 1)
				at := time.Now()
				r.publish(b, p)
				mu.Lock()
				published["<"+p.ID+"@guichet>"] = at
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	r.mail.await(b, b.N, 10*time.Minute)
	b.StopTimer()
	var lat []time.Duration
	var last time.Time
	for _, m := range r.mail.messages() {
		lat = append(lat, m.At.Sub(published[m.MessageID]))
		if m.At.After(last) {
			last = m.At
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/last.Sub(start).Seconds(), "confirmations/s")
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Milliseconds()), "p99-ms")
}

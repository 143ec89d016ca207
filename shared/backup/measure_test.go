package backup_test

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"guichet.dev/shared/backup"
	"guichet.dev/shared/store"
)

// measureVar opts in to TestMeasureBackupOf100000Tickets, which reports
// figures (it asserts none about time).
const measureVar = "GUICHET_BACKUP_MEASURE"

// TestMeasureBackupOf100000Tickets backs up and restores 100 000
// ticket-like documents and logs MB/s and the peak heap in use (of this
// process, which also hosts the embedded FerretDB).
func TestMeasureBackupOf100000Tickets(t *testing.T) {
	if os.Getenv(measureVar) == "" {
		t.Skip("set " + measureVar + "=1 to measure")
	}
	const n = 100_000
	ctx := context.Background()
	env := newEnv(t, nil)
	loadTickets(t, env.Store, n)

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	peak, stop := sampleHeap()
	start := time.Now()
	b, err := env.Backups.Run(ctx)
	dump := time.Since(start)
	stop()
	if err != nil {
		t.Fatal(err)
	}
	raw := gunzippedSize(t, filepath.Join(b.Location, "tickets.jsonl.gz"))
	t.Logf("backup of %d tickets: %s, %.1f MB Extended JSON (%.1f MB gzip) → %.1f MB/s, %.0f docs/s; heap in use %.1f MB before, peak %.1f MB",
		n, dump.Round(time.Millisecond), mb(raw), mb(b.Bytes), mb(raw)/dump.Seconds(), float64(n)/dump.Seconds(),
		mb(int64(base.HeapInuse)), mb(int64(peak.Load())))

	fresh := newEnv(t, nil)
	start = time.Now()
	err = backup.Restore(ctx, fresh.Store, b.Location, backup.RestoreOptions{Out: io.Discard})
	restore := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("restore of %d tickets (verify + insert + indexes): %s, %.0f docs/s", n, restore.Round(time.Millisecond), float64(n)/restore.Seconds())
}

func loadTickets(t *testing.T, st *store.Store, n int) {
	t.Helper()
	pr, pw := io.Pipe()
	go func() {
		at := time.Date(2026, 6, 1, 20, 0, 0, 0, time.UTC).UnixMilli()
		for i := range n {
			fmt.Fprintf(pw, `{"_id":"%08x-1f2a-4b3c-9d8e-7f6a5b4c3d2e","event":{"$oid":"65a0000000000000000000%02x"},"number":{"$numberInt":"%d"},`+
				`"buyer":{"$oid":"65b00000000000000000%04x"},"price":{"$numberLong":"2500"},"currency":"EUR","soldAt":{"$date":{"$numberLong":"%d"}},`+
				`"code":"%s","confirmation":{"status":"sent","channel":"email","tries":{"$numberInt":"1"}},"language":"fr"}`+"\n",
				i, i%50, i+1, i%5000, at+int64(i), strings.Repeat("Q", 88))
		}
		_ = pw.Close()
	}()
	if _, err := st.LoadCollection(context.Background(), "tickets", pr); err != nil {
		t.Fatal(err)
	}
}

// sampleHeap records the peak HeapInuse every 5 ms until stop.
func sampleHeap() (*atomic.Uint64, func()) {
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return &peak, func() { close(done); <-finished }
}

func gunzippedSize(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, zr)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mb(n int64) float64 { return float64(n) / 1e6 }

package ticket

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPickerHandsOutEveryNumberOnce(t *testing.T) {
	for _, capacity := range []int{1, 15, 16, 17, 1000} {
		p := newPicker(capacity)
		seen := map[int]bool{}
		for {
			ns := p.pick(3)
			for _, n := range ns {
				if n < 1 || n > capacity || seen[n] {
					t.Fatalf("capacity %d: number %d out of range or given twice", capacity, n)
				}
				seen[n] = true
			}
			p.claimed(ns, nil, nil)
			if len(ns) < 3 {
				break
			}
		}
		if len(seen) != capacity {
			t.Errorf("capacity %d: %d numbers handed out", capacity, len(seen))
		}
	}
}

func TestPickerLearnsAndForgets(t *testing.T) {
	p := newPicker(4)
	ns := p.pick(4)
	// 1 and 2 won, 3 lost to another process, 4 given back.
	p.claimed(ns[:2], ns[2:3], ns[3:])
	if got := p.pick(2); len(got) != 1 || got[0] != ns[3] {
		t.Fatalf("after give-back picked %v, want only %d", got, ns[3])
	}
	p.claimed(nil, nil, []int{ns[3]})
	// A scan begun now that sees only the two wins frees the lost number;
	// a number won after the scan began survives it.
	epoch, _ := p.scanStarts()
	late := p.pick(1)
	p.claimed(late, nil, nil)
	p.rebuild(ns[:2], epoch)
	got := p.pick(4)
	if len(got) != 1 || got[0] != ns[2] {
		t.Fatalf("after the scan picked %v, want only the lost number %d", got, ns[2])
	}
}

func TestPickerResize(t *testing.T) {
	p := newPicker(100)
	p.resize(10)
	for _, n := range p.pick(20) {
		if n > 10 {
			t.Fatalf("picked %d above the capacity 10", n)
		}
	}
}

func TestFreshNeverAnswersWithAnEarlierRead(t *testing.T) {
	var reads atomic.Int64
	var f fresh[time.Time]
	f.read = func(context.Context) (time.Time, error) {
		reads.Add(1)
		start := time.Now()
		time.Sleep(5 * time.Millisecond) // a read that takes a while
		return start, nil
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			since := time.Now()
			got, err := f.get(context.Background(), since)
			if err != nil || got.Before(since) {
				t.Errorf("asked at %v, got a read begun at %v (%v)", since, got, err)
			}
		})
	}
	wg.Wait()
	if n := reads.Load(); n >= 50 {
		t.Errorf("%d reads for 50 concurrent callers: not shared", n)
	}
}

// TestPickerWithAStaleFreeCountAsksForAScan: a free count that names a
// candidate the bitmap does not have ends the pick empty-handed (the buyer
// then asks for a gap scan) instead of panicking.
func TestPickerWithAStaleFreeCountAsksForAScan(t *testing.T) {
	p := newPicker(20)
	if got := p.pick(20); len(got) != 20 {
		t.Fatalf("picked %v, want 20 numbers", got)
	}
	p.free = 1
	if got := p.pick(1); len(got) != 0 {
		t.Errorf("picked %v with no candidate left, want none", got)
	}
	if p.free != 0 {
		t.Errorf("free %d after finding no candidate, want 0", p.free)
	}
}

func TestPickerIsSoldOutOnceEveryNumberIsSoldOrHeld(t *testing.T) {
	p := newPicker(5)
	ns := p.pick(5)
	p.claimed(ns[:4], nil, nil)
	if p.soldOut() {
		t.Fatal("sold out with a number in flight")
	}
	p.claimed(ns[4:], nil, nil)
	if !p.soldOut() {
		t.Fatal("not sold out with every number held by purchases deciding")
	}
	p.released(ns[4:])
	if p.soldOut() {
		t.Fatal("sold out with a number given back")
	}
	last := p.pick(1)
	p.claimed(last, nil, nil)
	p.abandoned(last)
	if p.soldOut() {
		t.Fatal("sold out with a number whose purchase failed undecided (only a scan may tell)")
	}
	p.sell(ns[:4])
	p.sell(last)
	if !p.soldOut() {
		t.Fatal("not sold out with every number sold")
	}
	// A scan that missed sold numbers cannot make them candidates.
	e, _ := p.scanStarts()
	p.rebuild(nil, e)
	if got := p.pick(1); len(got) != 0 {
		t.Fatalf("picked %v after every number was sold", got)
	}
	p.mu.Lock()
	p.resize(6)
	p.mu.Unlock()
	if p.soldOut() {
		t.Fatal("sold out after the capacity was raised")
	}
	p.mu.Lock()
	p.resize(5)
	p.mu.Unlock()
	if !p.soldOut() {
		t.Fatal("not sold out once the capacity was lowered back")
	}
}

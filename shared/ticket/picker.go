package ticket

import (
	"math/rand/v2"
	"sync"
)

// blockSize and window shape the number choice (see picker).
const (
	blockSize = 16
	window    = 16
)

// picker chooses the seat numbers this process tries to claim for one
// event. It never decides that a seat is free (only the claim's unique key
// does); it only makes collisions rare and keeps the last seats easy to find.
//
// The algorithm:
//   - Numbers 1..capacity are cut into blocks of blockSize. A process fills
//     one block at a time, handing consecutive numbers to its concurrent
//     buyers under a mutex, so buyers of one process never race each other.
//   - When its block is used up the process jumps to a random block among
//     the lowest `window` blocks it believes have free seats. Processes thus
//     land on different blocks (a collision needs two processes to draw the
//     same block of 16 out of 16), and sold seats stay packed at the low
//     end, which keeps lowering the capacity possible.
//   - A duplicate key (another process took the seat) marks that number
//     taken and abandons the block: the other process is filling it.
//   - The picker keeps a bitmap of numbers known taken: its own claims, the
//     duplicates it met, and what the last gap scan read. When it has no
//     candidate left for a buyer, the buyer asks for a gap scan: one query
//     of the event's claimed numbers (shared by every buyer of the process
//     waiting at that moment) rebuilds the bitmap, so seats released by
//     other processes or by the sweep become candidates again, and the last
//     free seats of a nearly sold-out event are found in one round trip
//     rather than by probing. Only a scan that began after the buyer
//     arrived may answer sold_out. A buyer whose claims were all taken
//     staleAfter rounds in a row asks for one too: the bitmap is stale
//     (the process joined an on-sale others had filled).
//   - A buyer that finds no candidate while other buyers of the process
//     still have numbers in flight waits for them to settle first (they
//     may give numbers back), so a gap scan runs when this process is not
//     writing claims: on SQLite a long read and a stream of writes slow
//     each other down by orders of magnitude.
//   - A number this process sold is taken for good (a sold number is never
//     released), and one its live purchases hold is taken until they sell
//     or give it back, which the picker learns. So once every number up to
//     the capacity is sold or held here, the event is sold out now, as a
//     scan begun now would say, and the buyer is answered without one.
//     (FerretDB on SQLite reads every claim of the table to scan: 0.7 s
//     for 10 000 on the 2-core machine, idle. Answering only once every
//     seat was sold here, the buyers that found no seat while the last
//     purchases were deciding started that scan at the end of every
//     single-process on-sale, 10 % of the process's CPU then.)
type picker struct {
	mu       sync.Mutex
	capacity int
	taken    []uint32 // index n: 0 if n is a candidate, else the epoch in which it was last known taken
	epoch    uint32   // advanced at the start of every gap scan
	inflight map[int]bool
	held     map[int]bool  // claimed here by purchases not yet decided
	free     int           // count of numbers 1..capacity not in taken
	next     int           // next number to hand out in the current block; 0: none
	blockEnd int           // last number of the current block
	settled  chan struct{} // closed (and replaced) whenever numbers settle or are sold
	sold     []bool        // index n: this process sold n
	soldIn   int           // count of numbers 1..capacity in sold
}

func newPicker(capacity int) *picker {
	p := &picker{inflight: map[int]bool{}, held: map[int]bool{}, epoch: 1, settled: make(chan struct{})}
	p.resize(capacity)
	return p
}

// resize follows a changed capacity. Numbers above it are never handed out.
func (p *picker) resize(capacity int) {
	if capacity == p.capacity {
		return
	}
	if capacity+1 > len(p.taken) {
		p.taken = append(p.taken, make([]uint32, capacity+1-len(p.taken))...)
		p.sold = append(p.sold, make([]bool, capacity+1-len(p.sold))...)
	}
	p.capacity = capacity
	p.free, p.soldIn = 0, 0
	for n := 1; n <= capacity; n++ {
		if p.taken[n] == 0 {
			p.free++
		}
		if p.sold[n] {
			p.soldIn++
		}
	}
	if p.blockEnd > capacity {
		p.blockEnd = capacity
	}
}

// pick hands out up to q candidate numbers, marking them held here. Fewer
// than q means the picker knows no more candidates (a scan may find some).
func (p *picker) pick(q int) []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var ns []int
	for len(ns) < q && p.free > 0 {
		if p.next == 0 || p.next > p.blockEnd {
			if p.jump(); p.next == 0 {
				break
			}
		}
		n := p.next
		p.next++
		if p.taken[n] != 0 {
			continue
		}
		p.taken[n] = p.epoch
		p.free--
		p.inflight[n] = true
		ns = append(ns, n)
	}
	return ns
}

// jump moves to a random block among the lowest window blocks that have a
// candidate. Should there be none while p.free counts some (seen once in 20
// runs of 4 processes on PostgreSQL, as a panic in rand.IntN, before
// released kept the count exact), it zeroes p.free and p.next, so the
// buyer asks for a gap scan, which recounts.
func (p *picker) jump() {
	var cands [window]int
	k := 0
	for start := 1; start <= p.capacity && k < window; start += blockSize {
		end := min(start+blockSize-1, p.capacity)
		for n := start; n <= end; n++ {
			if p.taken[n] == 0 {
				cands[k] = start
				k++
				break
			}
		}
	}
	if k == 0 {
		p.free, p.next = 0, 0
		return
	}
	start := cands[rand.IntN(k)]
	p.next, p.blockEnd = start, min(start+blockSize-1, p.capacity)
}

// claimed records the fate of numbers handed out: won stays taken;
// lost (another purchase holds it) stays taken and ends the current block;
// given back (handed out, then not claimed) becomes a candidate again.
func (p *picker) claimed(won, lost, givenBack []int) {
	if len(won)+len(lost)+len(givenBack) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	close(p.settled)
	p.settled = make(chan struct{})
	for _, ns := range [][]int{won, lost} {
		for _, n := range ns {
			delete(p.inflight, n)
			p.taken[n] = p.epoch
		}
	}
	for _, n := range won {
		p.held[n] = true
	}
	if len(lost) > 0 {
		p.next = 0
	}
	for _, n := range givenBack {
		delete(p.inflight, n)
		p.candidate(n)
	}
}

// candidate makes n a candidate again, unless this process sold it.
func (p *picker) candidate(n int) {
	if n < len(p.taken) && p.taken[n] != 0 && !p.sold[n] {
		p.taken[n] = 0
		if n <= p.capacity {
			p.free++
		}
	}
}

// released records that claims this process won were deleted. A gap scan
// that did not see such a claim (the sweep had returned it, say) made its
// number a candidate, so it may be in flight for another buyer here by
// now: that buyer's claim settles it. (Treating it as given back dropped
// the number from the in-flight set and counted it free a second time,
// and the buyer's win then left p.free one above the candidates: see
// jump, and TestPickerFreeCountModel.)
func (p *picker) released(ns []int) {
	if len(ns) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	close(p.settled)
	p.settled = make(chan struct{})
	for _, n := range ns {
		delete(p.held, n)
		if !p.inflight[n] {
			p.candidate(n)
		}
	}
}

// abandoned records that purchases here stopped holding numbers without
// selling or releasing them as far as this process knows (the release or
// the outcome's insert failed): their claims stay in the database, for
// the sweep to settle, and the numbers stay taken here until a scan.
func (p *picker) abandoned(ns []int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range ns {
		delete(p.held, n)
	}
}

// sell records that numbers were sold here: their purchase's outcome is
// stored. They stay taken whatever a later scan reads.
func (p *picker) sell(ns []int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	close(p.settled)
	p.settled = make(chan struct{})
	for _, n := range ns {
		delete(p.held, n)
		if n >= len(p.sold) || p.sold[n] {
			continue
		}
		p.sold[n] = true
		if n <= p.capacity {
			p.soldIn++
		}
		if p.taken[n] == 0 {
			p.taken[n] = p.epoch
			if n <= p.capacity {
				p.free--
			}
		}
	}
}

// soldOut reports whether every number up to the capacity is sold or held
// here: then no seat is free now, whatever a scan begun now would read.
func (p *picker) soldOut() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	taken := p.soldIn
	for n := range p.held {
		if n <= p.capacity && !p.sold[n] {
			taken++
		}
	}
	return taken >= p.capacity
}

// inFlight returns whether numbers handed out here are still unsettled,
// and a channel closed when some settle.
func (p *picker) inFlight() (bool, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.inflight) > 0, p.settled
}

// scanStarts advances the epoch as a gap scan begins and returns the
// scan's epoch (what is learned from now on is newer than the scan) and
// the capacity it scans for.
func (p *picker) scanStarts() (uint32, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.epoch++
	return p.epoch, p.capacity
}

// rebuild merges a gap scan begun in epoch: claimed numbers are taken; a
// number the scan did not see becomes a candidate again unless the picker
// learned it was taken after the scan began (a claim the scan may have
// missed) or still has it in flight.
func (p *picker) rebuild(claimed []int, epoch uint32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := make([]bool, len(p.taken))
	for _, n := range claimed {
		if n >= 1 && n < len(seen) {
			seen[n] = true
		}
	}
	p.free = 0
	for n := 1; n < len(p.taken); n++ {
		switch {
		case p.sold[n]:
			p.taken[n] = max(p.taken[n], 1)
		case seen[n]:
			p.taken[n] = max(p.taken[n], epoch-1, 1)
		case p.inflight[n] || p.taken[n] >= epoch:
		default:
			p.taken[n] = 0
		}
		if n <= p.capacity && p.taken[n] == 0 {
			p.free++
		}
	}
	p.next = 0
}

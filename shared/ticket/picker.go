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
//     arrived may answer sold_out.
type picker struct {
	mu       sync.Mutex
	capacity int
	taken    []bool // index n: number n is claimed, held here, or known taken
	inflight map[int]bool
	free     int // count of numbers 1..capacity not in taken
	next     int // next number to hand out in the current block; 0: none
	blockEnd int // last number of the current block
}

func newPicker(capacity int) *picker {
	p := &picker{inflight: map[int]bool{}}
	p.resize(capacity)
	return p
}

// resize follows a changed capacity. Numbers above it are never handed out.
func (p *picker) resize(capacity int) {
	if capacity == p.capacity {
		return
	}
	if capacity+1 > len(p.taken) {
		p.taken = append(p.taken, make([]bool, capacity+1-len(p.taken))...)
	}
	p.capacity = capacity
	p.free = 0
	for n := 1; n <= capacity; n++ {
		if !p.taken[n] {
			p.free++
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
			p.jump()
		}
		n := p.next
		p.next++
		if p.taken[n] {
			continue
		}
		p.taken[n] = true
		p.free--
		p.inflight[n] = true
		ns = append(ns, n)
	}
	return ns
}

// jump moves to a random block among the lowest window blocks that have a
// candidate. Call with p.free > 0.
func (p *picker) jump() {
	var cands [window]int
	k := 0
	for start := 1; start <= p.capacity && k < window; start += blockSize {
		end := min(start+blockSize-1, p.capacity)
		for n := start; n <= end; n++ {
			if !p.taken[n] {
				cands[k] = start
				k++
				break
			}
		}
	}
	start := cands[rand.IntN(k)]
	p.next, p.blockEnd = start, min(start+blockSize-1, p.capacity)
}

// claimed records the fate of numbers handed out: won stays taken;
// lost (another purchase holds it) stays taken and ends the current block;
// given back (released by this process) becomes a candidate again.
func (p *picker) claimed(won, lost, givenBack []int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range won {
		delete(p.inflight, n)
	}
	for _, n := range lost {
		delete(p.inflight, n)
	}
	if len(lost) > 0 {
		p.next = 0
	}
	for _, n := range givenBack {
		delete(p.inflight, n)
		if n < len(p.taken) && p.taken[n] {
			p.taken[n] = false
			if n <= p.capacity {
				p.free++
			}
		}
	}
}

// rebuild replaces what the picker knows with a scan of the claimed
// numbers, keeping the numbers it has handed out and not yet settled.
func (p *picker) rebuild(claimed []int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.taken)
	for _, n := range claimed {
		if n >= 1 && n < len(p.taken) {
			p.taken[n] = true
		}
	}
	for n := range p.inflight {
		p.taken[n] = true
	}
	p.free = 0
	for n := 1; n <= p.capacity; n++ {
		if !p.taken[n] {
			p.free++
		}
	}
	p.next = 0
}

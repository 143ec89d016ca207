package ticket

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestPickerFreeCountModel(t *testing.T) {
	for seed := range uint64(500) {
		r := rand.New(rand.NewPCG(seed, 1))
		p := newPicker(1 + r.IntN(60))
		var held [][]int // numbers handed out, per buyer
		var owned []int  // numbers won, not yet released or sold
		var sold []int   // numbers sold
		type scan struct {
			epoch uint32
			seen  []int
		}
		var scans []scan
		for step := range 200 {
			switch op := r.IntN(8); op {
			case 0, 1:
				if ns := p.pick(1 + r.IntN(5)); len(ns) > 0 {
					held = append(held, ns)
				}
			case 2:
				if len(held) == 0 {
					continue
				}
				i := r.IntN(len(held))
				ns := held[i]
				held = append(held[:i], held[i+1:]...)
				var won, lost, back []int
				for _, n := range ns {
					switch r.IntN(3) {
					case 0:
						if slices.Contains(owned, n) || slices.Contains(sold, n) {
							lost = append(lost, n) // the claim's key is held
							continue
						}
						won = append(won, n)
					case 1:
						lost = append(lost, n)
					default:
						back = append(back, n)
					}
				}
				p.claimed(won, lost, back)
				owned = append(owned, won...)
			case 3:
				e, c := p.scanStarts()
				var seen []int
				for n := 1; n <= c; n++ {
					if r.IntN(2) == 0 {
						seen = append(seen, n)
					}
				}
				scans = append(scans, scan{e, seen})
			case 4:
				if len(scans) == 0 {
					continue
				}
				s := scans[r.IntN(len(scans))]
				p.rebuild(s.seen, s.epoch)
			case 5:
				p.mu.Lock()
				p.resize(1 + r.IntN(60))
				p.mu.Unlock()
			case 6:
				if len(owned) == 0 {
					continue
				}
				i := r.IntN(len(owned))
				p.released([]int{owned[i]})
				owned = append(owned[:i], owned[i+1:]...)
			case 7:
				if len(owned) == 0 {
					continue
				}
				i := r.IntN(len(owned))
				p.sell([]int{owned[i]})
				sold = append(sold, owned[i])
				owned = append(owned[:i], owned[i+1:]...)
			}
			soldIn := 0
			for _, n := range sold {
				if n <= p.capacity {
					soldIn++
				}
				if p.taken[n] == 0 {
					t.Fatalf("seed %d step %d: sold number %d is a candidate", seed, step, n)
				}
			}
			if soldIn != p.soldIn {
				t.Fatalf("seed %d step %d: soldIn %d, sold numbers within capacity %d", seed, step, p.soldIn, soldIn)
			}
			zeros := 0
			for n := 1; n <= p.capacity; n++ {
				if p.taken[n] == 0 {
					zeros++
				}
			}
			if zeros != p.free {
				t.Fatalf("seed %d step %d: free %d, candidates %d", seed, step, p.free, zeros)
			}
		}
	}
}

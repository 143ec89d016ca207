package ticket

import (
	"testing"
	"time"
)

func TestThrottleLetsOneThroughPerInterval(t *testing.T) {
	var th throttle
	t0 := time.Unix(1000, 0)
	steps := []struct {
		at       time.Duration
		ok       bool
		wantHeld int
	}{
		{0, true, 0},
		{time.Second, false, 0},
		{9 * time.Second, false, 0},
		{10 * time.Second, true, 2},
		{11 * time.Second, false, 0},
		{30 * time.Second, true, 1},
	}
	for _, st := range steps {
		ok, held := th.allow(t0.Add(st.at), 10*time.Second)
		if ok != st.ok || held != st.wantHeld {
			t.Errorf("at %v: allow = %v, %d; want %v, %d", st.at, ok, held, st.ok, st.wantHeld)
		}
	}
}

package fn

import (
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })

	TuneGC(func(string) string { return "150" })
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC set: collector target %d, want the runtime's own (100 here)", got)
	}
	TuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != DefaultGOGC {
		t.Errorf("GOGC unset: collector target %d, want %d", got, DefaultGOGC)
	}
}

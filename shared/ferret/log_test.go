package ferret

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
)

func TestLogKeepsWarningsAndErrorsButNotDuplicateKeys(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(newLevelAtLeast(slog.LevelWarn, slog.NewTextHandler(&buf, nil)))
	log.Info("connection accepted")
	log.Error("Query", "err", errors.New(`ERROR: duplicate key value violates unique constraint "claims__id_" (SQLSTATE 23505)`))
	log.With("component", "ferretdb").Error("Query", "err", errors.New(`ERROR: duplicate key value violates unique constraint "x" (SQLSTATE 23505)`))
	log.Error("Query", "err", errors.New("ERROR: connection refused (SQLSTATE 08006)"))
	log.Warn("slow query")
	got := buf.String()
	if strings.Contains(got, "connection accepted") || strings.Contains(got, "23505") {
		t.Errorf("kept an info record or a duplicate key:\n%s", got)
	}
	if !strings.Contains(got, "08006") || !strings.Contains(got, "slow query") {
		t.Errorf("dropped a real error or a warning:\n%s", got)
	}
}

// formatted counts how often its value is formatted.
type formatted struct{ n *atomic.Int32 }

func (f formatted) LogValue() slog.Value {
	f.n.Add(1)
	return slog.StringValue("args")
}

// TestLogFormatsAttributesOnlyForRecordsItKeeps: FerretDB adds each SQL
// statement's arguments to its logger for a debug record; they must not be
// formatted when that record is dropped, and must be, in order with the
// groups, on a record that is kept.
func TestLogFormatsAttributesOnlyForRecordsItKeeps(t *testing.T) {
	var buf bytes.Buffer
	var n atomic.Int32
	log := slog.New(newLevelAtLeast(slog.LevelWarn, slog.NewTextHandler(&buf, nil)))
	log.With("args", formatted{&n}).Debug(">>> INSERT")
	if got := n.Load(); got != 0 {
		t.Errorf("a dropped record's attributes were formatted %d times", got)
	}
	log.With("component", "ferretdb").WithGroup("conn").With("args", formatted{&n}).Warn("slow", "ms", 12)
	want := `msg=slow component=ferretdb conn.args=args conn.ms=12`
	if got := buf.String(); !strings.Contains(got, want) || n.Load() != 1 {
		t.Errorf("kept record %q (attributes formatted %d times), want it to contain %q", got, n.Load(), want)
	}
}

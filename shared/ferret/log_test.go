package ferret

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestLogKeepsWarningsAndErrorsButNotDuplicateKeys(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(levelAtLeast{slog.LevelWarn, slog.NewTextHandler(&buf, nil)})
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

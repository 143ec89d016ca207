package config

import (
	"strings"
	"testing"
)

func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func TestEmbeddedSQLiteTunesOnlyWhatIsUnset(t *testing.T) {
	for _, c := range []struct {
		vars             map[string]string
		writers, workers int
	}{
		{map[string]string{}, 1, 1},
		{map[string]string{"DATABASE_WRITERS": "3"}, 3, 1},
		{map[string]string{"CONFIRM_WORKERS": "8"}, 1, 8},
	} {
		cfg, err := Load(env(c.vars))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.DatabaseWriters != 0 && c.vars["DATABASE_WRITERS"] == "" {
			t.Errorf("%v: DatabaseWriters %d before EmbeddedSQLite, want 0 (unset)", c.vars, cfg.DatabaseWriters)
		}
		if cfg.SkipQueryIndexes {
			t.Errorf("%v: SkipQueryIndexes before EmbeddedSQLite, want the indexes MongoDB needs", c.vars)
		}
		cfg.EmbeddedSQLite()
		if cfg.DatabaseWriters != c.writers || cfg.ConfirmWorkers != c.workers || !cfg.SkipQueryIndexes {
			t.Errorf("%v: writers %d, workers %d, skip query indexes %v; want %d, %d, true",
				c.vars, cfg.DatabaseWriters, cfg.ConfirmWorkers, cfg.SkipQueryIndexes, c.writers, c.workers)
		}
	}
}

func TestWritersAndWorkersRefuseZero(t *testing.T) {
	for _, name := range []string{"DATABASE_WRITERS", "CONFIRM_WORKERS"} {
		_, err := Load(env(map[string]string{name: "0"}))
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=0: %v, want an error naming it", name, err)
		}
	}
}

// Package testenv starts the real parts tests run against: one embedded
// FerretDB per test binary (SQLite, or PostgreSQL when
// GUICHET_TEST_POSTGRESQL_URL is set) and a fresh database per test.
package testenv

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"guichet.dev/shared/config"
	"guichet.dev/shared/ferret"
	"guichet.dev/shared/fn"
	"guichet.dev/shared/store"
	"guichet.dev/shared/user"
)

// PostgreSQLVar names the variable that switches the embedded FerretDB of
// tests to its PostgreSQL backend (the production-like suite).
const PostgreSQLVar = "GUICHET_TEST_POSTGRESQL_URL"

var server = sync.OnceValues(func() (*ferret.Server, error) {
	dir, err := os.MkdirTemp("", "guichet-ferretdb-")
	if err != nil {
		return nil, err
	}
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	return ferret.Start(ferret.Options{SQLiteDir: dir, PostgreSQLURL: os.Getenv(PostgreSQLVar), Log: quiet})
})

// MongoURI returns the URI of the test binary's embedded FerretDB.
func MongoURI(t testing.TB) string {
	t.Helper()
	s, err := server()
	if err != nil {
		t.Fatalf("embedded FerretDB: %v", err)
	}
	return s.URI()
}

var dbSeq struct {
	sync.Mutex
	n int
}

// DatabaseName returns a database name unique to this test.
func DatabaseName(t testing.TB) string {
	dbSeq.Lock()
	dbSeq.n++
	n := dbSeq.n
	dbSeq.Unlock()
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, t.Name())
	if len(name) > 30 {
		name = name[:30]
	}
	return fmt.Sprintf("t%d_%d_%s", os.Getpid()%100000, n, name)
}

// Config returns a configuration for a test: its own database on the
// embedded FerretDB and its own DATA_DIR, tuned for the backend as guichet
// serve tunes it.
func Config(t testing.TB) config.Config {
	t.Helper()
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.MongoURI = MongoURI(t)
	cfg.MongoDatabase = DatabaseName(t)
	cfg.DataDir = t.TempDir()
	cfg.BackupDir = cfg.DataDir + "/backups"
	cfg.BackupSchedule = ""
	if os.Getenv(PostgreSQLVar) == "" {
		cfg.EmbeddedSQLite()
	}
	return cfg
}

// StoreOptions are the store options of Config's tuning, for a helper
// process that opens the test's database itself: it must want the same
// indexes as the test, or it would create the ones the test left out.
func StoreOptions() store.Options {
	return store.Options{SkipQueryIndexes: os.Getenv(PostgreSQLVar) == ""}
}

// Env opens an Env for cfg, closed when the test ends.
func Env(t testing.TB, cfg config.Config) *fn.Env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	env, err := fn.NewEnv(ctx, cfg, Logger(t))
	if err != nil {
		t.Fatalf("open env: %v", err)
	}
	t.Cleanup(func() { _ = env.Close(context.Background()) })
	if s, err := server(); err == nil && cfg.MongoURI == s.URI() {
		if err := s.IndexIDs(ctx, cfg.MongoDatabase); err != nil {
			t.Fatalf("index _id: %v", err)
		}
	}
	return env
}

// Logger returns a logger that discards everything below warnings, written
// to the test log.
func Logger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

var _ io.Writer = testWriter{}

// User stores a user with role and returns it with a signed access token.
func User(t testing.TB, env *fn.Env, role user.Role) (*user.User, string) {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Millisecond)
	id := store.NewID()
	u := &user.User{ID: id, Username: "u" + id[16:], Email: "u" + id + "@example.test", Role: role,
		Language: "en", CreatedAt: now, UpdatedAt: now}
	if err := env.Store.InsertUser(context.Background(), u); err != nil {
		t.Fatalf("insert user: %v", err)
	}
	tok, err := env.Tokens.Issue(u)
	if err != nil {
		t.Fatal(err)
	}
	return u, tok
}

// Package ferret runs FerretDB embedded in the process: a real MongoDB-wire
// server on SQLite (or PostgreSQL) that the store reaches through the normal
// driver path. Only guichet serve and test helpers import it; function
// images never link it.
package ferret

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// sqlitePragmas tune each of FerretDB's SQLite connections, beside the
// ones FerretDB sets itself (WAL journal, busy timeout).
//
// temp_store(memory) keeps statement journals in memory: FerretDB inserts
// a batch as one multi-row INSERT, for which SQLite journals the statement
// so it can undo it on a duplicate key, and past 64 KiB that journal
// spilled to a temporary file, a create and a write syscall per page
// inside the one writer's turn (11 % of the process's CPU in an on-sale's
// profile). Measured with guichet bench, 64 buyers, 10 000 seats: 500 ->
// 625 tickets/s. The statement journal is not the database's journal, and
// it is thrown away when the statement ends.
//
// synchronous(normal) lets a commit append to the WAL without an fsync;
// SQLite syncs the WAL when it checkpoints it into the database. A commit
// still survives the process being killed (the WAL is in the OS's cache);
// an operating-system crash or a power cut may lose the last commits
// before a checkpoint, never corrupting the database. That is the
// guarantee of MongoDB's default acknowledged write (w:1 without j, its
// journal synced every 100 ms). Measured with guichet bench, 64 buyers,
// 10 000 seats, on one day: 1 037 -> 1 357 tickets/s (p99 111 -> 77 ms).
//
// wal_autocheckpoint(0) leaves checkpoints to the server's own loop, off
// the writer's path (see checkpointEvery).
const sqlitePragmas = "_pragma=temp_store(memory)&_pragma=synchronous(normal)&_pragma=wal_autocheckpoint(0)"

// Server is a running embedded FerretDB.
type Server struct {
	uri       string
	sqliteDir string // "" on PostgreSQL
	pgURL     string // "" on SQLite
	stop      context.CancelFunc
	done      chan error
	// checkpointed closes when the checkpoint loop has ended (SQLite).
	checkpointed chan struct{}
}

// Options choose the backend: SQLite under SQLiteDir, or PostgreSQL at
// PostgreSQLURL when it is set.
type Options struct {
	SQLiteDir     string
	PostgreSQLURL string
	Log           *slog.Logger
}

// Start runs FerretDB on a free 127.0.0.1 port until Stop.
func Start(opts Options) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	_ = l.Close()
	// FerretDB logs every connection at info; keep only its warnings.
	out := opts.Log
	if out == nil {
		out = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	quiet := slog.New(newLevelAtLeast(slog.LevelWarn, out.Handler()))
	cfg := &ferretdb.Config{Listener: ferretdb.ListenerConfig{TCP: addr}, Logger: quiet}
	if opts.PostgreSQLURL != "" {
		cfg.Handler, cfg.PostgreSQLURL = "postgresql", opts.PostgreSQLURL
	} else {
		if err := os.MkdirAll(opts.SQLiteDir, 0o700); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
		cfg.Handler, cfg.SQLiteURL = "sqlite", "file:"+opts.SQLiteDir+"/?"+sqlitePragmas
	}
	f, err := ferretdb.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("start embedded FerretDB: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{uri: f.MongoDBURI(), stop: cancel, done: make(chan error, 1)}
	if opts.PostgreSQLURL == "" {
		s.sqliteDir = opts.SQLiteDir
	} else {
		s.pgURL = opts.PostgreSQLURL
	}
	go func() { s.done <- f.Run(ctx) }()
	if s.sqliteDir != "" {
		s.checkpointed = make(chan struct{})
		go func() {
			defer close(s.checkpointed)
			checkpoints(ctx, s.sqliteDir, out)
		}()
	}
	if err := waitListening(addr, s.done); err != nil {
		cancel()
		return nil, err
	}
	return s, nil
}

func waitListening(addr string, done <-chan error) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			return fmt.Errorf("embedded FerretDB stopped: %w", err)
		default:
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			_ = c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New("embedded FerretDB did not start listening within 30s")
}

// URI is the MongoDB connection string of the server.
func (s *Server) URI() string { return s.uri }

// Stop shuts the server down and waits for it.
func (s *Server) Stop() {
	s.stop()
	<-s.done
	if s.checkpointed != nil {
		<-s.checkpointed
	}
}

// levelAtLeast drops records below min, and FerretDB's reports of unique
// index violations (PostgreSQL's SQLSTATE 23505, which its PostgreSQL
// backend logs as errors): Guichet's invariants rest on those indexes, so
// a duplicate key is an answer (a seat taken, a purchase decided), not a
// failure, and an on-sale makes thousands.
//
// It applies WithAttrs and WithGroup only to records it keeps. FerretDB
// adds every SQL statement's arguments (each inserted document's JSON) to
// its logger around the statement for a debug record, and handing them on
// formatted them all, inside the write's transaction: 7% of the CPU of a
// run of batched inserts, none of it ever printed.
type levelAtLeast struct {
	min  slog.Level
	base slog.Handler
	with []func(slog.Handler) slog.Handler // in the order they were asked for
}

func newLevelAtLeast(min slog.Level, h slog.Handler) levelAtLeast {
	return levelAtLeast{min: min, base: h}
}

func (h levelAtLeast) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.base.Enabled(ctx, l)
}

func (h levelAtLeast) Handle(ctx context.Context, r slog.Record) error {
	duplicate := false
	r.Attrs(func(a slog.Attr) bool {
		duplicate = a.Key == "err" && strings.Contains(a.Value.String(), "SQLSTATE 23505")
		return !duplicate
	})
	if duplicate {
		return nil
	}
	out := h.base
	for _, w := range h.with {
		out = w(out)
	}
	return out.Handle(ctx, r)
}

func (h levelAtLeast) WithAttrs(as []slog.Attr) slog.Handler {
	return h.then(func(n slog.Handler) slog.Handler { return n.WithAttrs(as) })
}

func (h levelAtLeast) WithGroup(name string) slog.Handler {
	return h.then(func(n slog.Handler) slog.Handler { return n.WithGroup(name) })
}

func (h levelAtLeast) then(w func(slog.Handler) slog.Handler) levelAtLeast {
	return levelAtLeast{min: h.min, base: h.base, with: append(slices.Clip(h.with), w)}
}

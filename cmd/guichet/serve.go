package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"guichet.dev/shared/backup"
	"guichet.dev/shared/fn"
	"guichet.dev/shared/ticket"
)

// serve runs the local gateway until ctx is cancelled, then shuts down
// gracefully: in-flight requests finish, connections close.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", args)
	}
	// The configuration, the logger and the database: the configured
	// MongoDB, or FerretDB embedded in-process.
	fn.TuneGC(getenv)
	cfg, log, db, err := setUp(getenv, stderr)
	if err != nil {
		return err
	}
	if db != nil {
		defer db.Stop()
	}
	env, err := fn.NewEnv(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() { _ = env.Close(context.Background()) }()
	if db != nil {
		if err := db.IndexIDs(ctx, cfg.MongoDatabase); err != nil {
			return err
		}
	}

	// Start-up work and background loops share ctx; they end with it.
	if err := startup(ctx, env); err != nil {
		return err
	}
	confirmations, err := startConfirmations(ctx, env)
	if err != nil {
		return err
	}
	defer confirmations.Close()
	env.Publisher = confirmations.Publisher

	l, err := net.Listen("tcp", net.JoinHostPort("", strconv.Itoa(cfg.Port)))
	if err != nil {
		return fmt.Errorf("listen on PORT %d: %w", cfg.Port, err)
	}
	gw, err := newGateway(env, confirmations.Ready)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           gw,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "guichet: listening on http://127.0.0.1:%d\n", l.Addr().(*net.TCPAddr).Port)
	log.Info("listening", "addr", l.Addr().String(), "database", cfg.MongoDatabase)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// startup runs what a serve process does once before it answers, and
// starts the background loops, which end with ctx.
func startup(ctx context.Context, env *fn.Env) error {
	// The first admin, from ADMIN_EMAIL and ADMIN_PASSWORD: created, or promoted
	// and its password reset.
	if err := env.Auth.EnsureAdmin(ctx, env.Config.AdminEmail, env.Config.AdminPassword); err != nil {
		return fmt.Errorf("first admin: %w", err)
	}
	// Backups on BACKUP_SCHEDULE (UTC); "off" leaves it empty.
	if spec := env.Config.BackupSchedule; spec != "" {
		if err := env.Backups.Schedule(ctx, spec, logBackup(env.Log)); err != nil {
			return err
		}
	}
	// Seats of crashed purchases come back (deployments run ticket-sweep on a
	// schedule instead).
	go sweepTickets(ctx, env, sweepEvery)
	return nil
}

// sweepEvery is how often guichet serve returns the seats of crashed
// purchases.
const sweepEvery = 30 * time.Second

// sweepTickets runs ticket.Sweep every interval until ctx ends. Like the
// confirmations' sweep, a round first waits, at most an interval, while
// buyers crowd the database's one writer: on the embedded SQLite, finding
// the held claims reads every claim.
func sweepTickets(ctx context.Context, env *fn.Env, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if env.Store.YieldToPurchases(ctx, interval) != nil {
			return
		}
		res, err := ticket.Sweep(ctx, env.Store, time.Now().Add(-env.Config.Tickets.HoldTimeout))
		switch {
		case err != nil && ctx.Err() == nil:
			env.Log.Warn("ticket sweep", "err", err)
		case res.Released > 0 || res.Completed > 0:
			env.Log.Info("ticket sweep", "released", res.Released, "completed", res.Completed)
		}
	}
}

// logBackup logs the outcome of a scheduled backup (failures are logged
// and counted by the backup service itself).
func logBackup(log *slog.Logger) func(backup.Result) {
	return func(r backup.Result) {
		switch {
		case errors.Is(r.Err, backup.ErrTaken):
			log.Info("scheduled backup skipped: another replica makes it", "at", r.At)
		case r.Err == nil:
			log.Info("scheduled backup done", "at", r.At, "id", r.Backup.ID)
		}
	}
}

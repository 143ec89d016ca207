package main

import (
	"io"
	"log/slog"
	"path/filepath"

	"guichet.dev/shared/config"
	"guichet.dev/shared/ferret"
)

// setUp reads the configuration, makes the JSON logger on stderr and, when
// no MONGODB_URI is configured, starts FerretDB in-process (on SQLite under
// DATA_DIR, or on FERRETDB_POSTGRESQL_URL) and points the configuration at
// it, tuned for SQLite's single writer (config.EmbeddedSQLite). db is that
// database, nil for a configured MongoDB; the caller stops it.
func setUp(getenv func(string) string, stderr io.Writer) (cfg config.Config, log *slog.Logger, db *ferret.Server, err error) {
	cfg, err = config.Load(getenv)
	if err != nil {
		return cfg, nil, nil, err
	}
	log = slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	if cfg.MongoURI != "" {
		return cfg, log, nil, nil
	}
	db, err = ferret.Start(ferret.Options{
		SQLiteDir:     filepath.Join(cfg.DataDir, "db"),
		PostgreSQLURL: cfg.FerretPostgreSQL,
		Log:           log.With("component", "ferretdb"),
	})
	if err != nil {
		return cfg, nil, nil, err
	}
	cfg.MongoURI = db.URI()
	if cfg.FerretPostgreSQL == "" {
		cfg.EmbeddedSQLite()
	}
	return cfg, log, db, nil
}

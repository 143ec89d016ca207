package main

import (
	"log/slog"
	"path/filepath"

	"guichet.dev/shared/config"
	"guichet.dev/shared/ferret"
)

// embedDatabase starts FerretDB in-process when no MONGODB_URI is
// configured (on SQLite under DATA_DIR, or on FERRETDB_POSTGRESQL_URL) and
// points cfg at it. The returned stop is a no-op for a configured MongoDB.
func embedDatabase(cfg *config.Config, log *slog.Logger) (stop func(), err error) {
	if cfg.MongoURI != "" {
		return func() {}, nil
	}
	db, err := ferret.Start(ferret.Options{
		SQLiteDir:     filepath.Join(cfg.DataDir, "db"),
		PostgreSQLURL: cfg.FerretPostgreSQL,
		Log:           log.With("component", "ferretdb"),
	})
	if err != nil {
		return nil, err
	}
	cfg.MongoURI = db.URI()
	return db.Stop, nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"guichet.dev/shared/backup"
	"guichet.dev/shared/fn"
	"guichet.dev/shared/store"
)

// restore runs `guichet restore LOCATION [--drop]` against the configured
// database (MONGODB_URI, or the FerretDB embedded under DATA_DIR, which no
// running `guichet serve` may hold at the same time).
func restore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var location string
	drop := false
	for _, a := range args {
		switch {
		case a == "--drop":
			drop = true
		case location == "" && a != "" && a[0] != '-':
			location = a
		default:
			return fmt.Errorf("usage: guichet restore LOCATION [--drop]; unexpected %q", a)
		}
	}
	if location == "" {
		return errors.New("usage: guichet restore LOCATION [--drop]: LOCATION (a backup folder or s3:// URL) is required")
	}
	cfg, _, db, err := setUp(getenv, stderr)
	if err != nil {
		return err
	}
	if db != nil {
		defer db.Stop()
	}
	st, err := store.Open(ctx, cfg.MongoURI, cfg.MongoDatabase, fn.StoreOptions(cfg))
	if err != nil {
		return err
	}
	defer func() { _ = st.Close(context.Background()) }()
	// Development keys go back into DATA_DIR/keys; with both keys set in the
	// environment the backup carries none and none are written.
	keys := ""
	if cfg.JWTPrivateKey == nil || cfg.TicketSigningKey == nil {
		keys = filepath.Join(cfg.DataDir, "keys")
	}
	return backup.Restore(ctx, st, location, backup.RestoreOptions{Drop: drop, KeysDir: keys, Out: stdout})
}

package ferret

import (
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"time"
)

// checkpointEvery is how often the embedded SQLite's write-ahead logs are
// copied into their database files.
//
// SQLite's own automatic checkpoint runs inside the commit that grows the
// log past 1 000 pages: that commit copies the log into the database and
// syncs both files before it returns, while every other write waits for
// the one writer. An on-sale grows the log by about 20 MB a second, so a
// batch of purchases stalled behind a checkpoint several times a second,
// for 20 to 40 ms each (writer turns over 20 ms: 31 and 34 in two 64-buyer
// on-sales, none or 6 without the automatic checkpoint). sqlitePragmas
// turns it off and checkpoints does the work beside the writer instead: a
// passive checkpoint takes no lock a writer needs, and each page changed
// since the last one is copied once, however often it was written.
const checkpointEvery = time.Second

// checkpoints runs a passive checkpoint of every SQLite database under dir
// each checkpointEvery until ctx ends. Each round opens its own connection
// (a database dropped and created again is a new file).
func checkpoints(ctx context.Context, dir string, log *slog.Logger) {
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		files, err := filepath.Glob(filepath.Join(dir, "*.sqlite"))
		if err != nil {
			log.Warn("list SQLite databases to checkpoint", "err", err)
			continue
		}
		for _, f := range files {
			if err := checkpoint(ctx, f); err != nil && ctx.Err() == nil {
				log.Warn("checkpoint SQLite database", "file", f, "err", err)
			}
		}
	}
}

// checkpoint copies what it can of file's write-ahead log into the
// database; a checkpoint already running (another process's, on a shared
// folder) leaves the rest to the next round.
func checkpoint(ctx context.Context, file string) error {
	db, err := openSQLite(file)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
	return err
}

// openSQLite opens a connection pool of its own to the embedded database in
// file, beside FerretDB's, waiting as FerretDB does while a writer holds it.
func openSQLite(file string) (*sql.DB, error) {
	return sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(10000)")
}

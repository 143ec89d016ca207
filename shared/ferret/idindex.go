package ferret

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // the SQLite driver FerretDB itself links
)

// IndexIDs gives every collection of database an index FerretDB's SQLite
// backend can use for _id.
//
// Why: FerretDB 1.24 on SQLite indexes _id as `_ferretdb_sjson->"_id"` but
// looks documents up by `_ferretdb_sjson->'$._id'`. SQLite matches index
// expressions by their text, so every _id lookup, update and delete scans
// the collection's table and parses each document's JSON (EXPLAIN QUERY
// PLAN: SCAN; at 10 000 tickets each took tens of milliseconds). An index
// on FerretDB's own lookup expression turns those scans into SEARCH. It is
// invisible to FerretDB and to MongoDB clients (listIndexes reads
// FerretDB's metadata) and goes with its table. The PostgreSQL backend
// indexes and looks up the same expression: nothing to do there.
//
// Call it once the collections exist (after store.Open); it is idempotent
// and safe while other processes use the file.
func (s *Server) IndexIDs(ctx context.Context, database string) error {
	if s.sqliteDir == "" {
		return nil
	}
	path := filepath.Join(s.sqliteDir, database+".sqlite")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM _ferretdb_collections`)
	if err != nil {
		return fmt.Errorf("list collections of %s: %w", database, err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON %s (_ferretdb_sjson->'$._id')`, quote(t+"_guichet_id"), quote(t))
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("index _id of %s: %w", t, err)
		}
	}
	return nil
}

// quote quotes an SQLite identifier.
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

package ferret

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "modernc.org/sqlite" // the SQLite driver FerretDB itself links
)

// IndexIDs gives every collection of database an index the embedded
// FerretDB can use for _id lookups, which it otherwise answers by scanning
// the collection's table. The index is invisible to FerretDB and to
// MongoDB clients (listIndexes reads FerretDB's metadata) and goes with its
// table.
//
// On SQLite, FerretDB 1.24 indexes _id as `_ferretdb_sjson->"_id"` but
// looks documents up by `_ferretdb_sjson->'$._id'`. SQLite matches index
// expressions by their text, so every _id lookup, update and delete scans
// the table and parses each document's JSON (EXPLAIN QUERY PLAN: SCAN; at
// 10 000 tickets each took tens of milliseconds). An index on FerretDB's
// own lookup expression turns those scans into SEARCH. That index is the
// unique one, and FerretDB's is dropped: the two hold the same value, and
// each made every insert parse the document's JSON again (json_extract was
// 9 % of serve's CPU in an on-sale's profile; 64 buyers on 10 000 seats
// sold out in 3.12 s against 3.36 s, means of four runs each in turn).
// Uniqueness never lapses: the unique index exists before the other goes,
// and FerretDB reports a violation of any unique index as a duplicate key.
// A collection FerretDB creates later has its own index until the next
// IndexIDs.
//
// On PostgreSQL, FerretDB indexes _id with a btree on `_jsonb->'_id'` but
// looks documents up by containment, `_jsonb->'_id' @> $1`, which a btree
// cannot answer (EXPLAIN: Parallel Seq Scan; about a second per lookup at
// 10 000 tickets on the 2-core machine). A GIN index (jsonb_path_ops) on
// the same expression answers containment.
//
// Call it once the collections exist (after store.Open); it is idempotent
// and safe while other processes use the database.
func (s *Server) IndexIDs(ctx context.Context, database string) error {
	if s.pgURL != "" {
		return indexPostgreSQLIDs(ctx, s.pgURL, database)
	}
	path := filepath.Join(s.sqliteDir, database+".sqlite")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	db, err := openSQLite(path)
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
		for _, q := range []string{
			fmt.Sprintf(`CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (_ferretdb_sjson->'$._id')`, quote(t+"_guichet_id_unique"), quote(t)),
			`DROP INDEX IF EXISTS ` + quote(t+"_guichet_id"),
			`DROP INDEX IF EXISTS ` + quote(t+"__id_"),
		} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("index _id of %s: %w", t, err)
			}
		}
	}
	return nil
}

// indexPostgreSQLIDs adds the GIN index on _id to every collection table
// of database, which FerretDB keeps as a PostgreSQL schema of that name.
func indexPostgreSQLIDs(ctx context.Context, url, database string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	rows, err := conn.Query(ctx, fmt.Sprintf(`SELECT _jsonb->>'table' FROM %s._ferretdb_database_metadata`, quote(database)))
	if err != nil {
		return fmt.Errorf("list collections of %s: %w", database, err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("list collections of %s: %w", database, err)
	}
	for _, t := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON %s.%s USING gin ((_jsonb->'_id') jsonb_path_ops)`,
			quote(t+"_guichet_id"), quote(database), quote(t))
		if _, err := conn.Exec(ctx, q); err != nil && !isDuplicateIndex(err) {
			return fmt.Errorf("index _id of %s: %w", t, err)
		}
	}
	return nil
}

// isDuplicateIndex tells whether err is PostgreSQL's answer to a CREATE
// INDEX IF NOT EXISTS racing the same statement of another process.
func isDuplicateIndex(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// quote quotes an SQLite or PostgreSQL identifier.
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

package ferret_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"guichet.dev/shared/ferret"
	"guichet.dev/shared/store"
	"guichet.dev/shared/testenv"
)

// startSQLite runs an embedded FerretDB on SQLite in a folder of the test's
// until the test ends.
func startSQLite(t *testing.T) (*ferret.Server, string) {
	t.Helper()
	dir := t.TempDir()
	srv, err := ferret.Start(ferret.Options{SQLiteDir: dir, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	return srv, dir
}

// startGuichet runs an embedded FerretDB on SQLite with Guichet's database
// opened (every collection created) until the test ends, and returns the
// server and the database's file.
func startGuichet(t *testing.T) (*ferret.Server, string) {
	t.Helper()
	ctx := context.Background()
	srv, dir := startSQLite(t)
	st, err := store.Open(ctx, srv.URI(), "guichet", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close(ctx) })
	return srv, filepath.Join(dir, "guichet.sqlite")
}

// openFile opens the SQLite database file until the test ends.
func openFile(t *testing.T, file string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+file)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// TestIndexIDsMakesIDLookupsSearches checks, with SQLite's own query plan,
// that after IndexIDs every collection's _id lookup, as FerretDB writes it,
// is an index search and not a scan of the table.
func TestIndexIDsMakesIDLookupsSearches(t *testing.T) {
	ctx := context.Background()
	srv, file := startGuichet(t)
	db := openFile(t, file)

	plans := func() map[string]string {
		rows, err := db.Query(`SELECT table_name FROM _ferretdb_collections`)
		if err != nil {
			t.Fatal(err)
		}
		var tables []string
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				t.Fatal(err)
			}
			tables = append(tables, name)
		}
		rows.Close()
		out := map[string]string{}
		for _, table := range tables {
			var id, parent, unused int
			var detail string
			q := fmt.Sprintf(`EXPLAIN QUERY PLAN UPDATE %q SET _ferretdb_sjson = ? WHERE _ferretdb_sjson->'$._id' = ?`, table)
			if err := db.QueryRow(q, "{}", `"x"`).Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			out[table] = detail
		}
		return out
	}
	before := plans()
	if len(before) < 10 {
		t.Fatalf("%d collections after store.Open, want every one created at start-up", len(before))
	}
	if err := srv.IndexIDs(ctx, "guichet"); err != nil {
		t.Fatal(err)
	}
	if err := srv.IndexIDs(ctx, "guichet"); err != nil {
		t.Fatalf("a second IndexIDs: %v", err)
	}
	for table, plan := range plans() {
		if !strings.HasPrefix(plan, "SEARCH") {
			t.Errorf("%s: _id lookup plan %q (before IndexIDs: %q), want an index SEARCH", table, plan, before[table])
		}
	}
}

// TestIndexIDsPostgreSQL checks, with PostgreSQL's own query plan, that
// after IndexIDs every collection's _id lookup, as FerretDB writes it
// (containment), can use an index. Run by the production-like suite (make
// test-pg), which points GUICHET_TEST_POSTGRESQL_URL at the machine's
// PostgreSQL.
func TestIndexIDsPostgreSQL(t *testing.T) {
	url := os.Getenv(testenv.PostgreSQLVar)
	if url == "" {
		t.Skip(testenv.PostgreSQLVar + " unset: the production-like suite (make test-pg) runs this test")
	}
	ctx := context.Background()
	srv, err := ferret.Start(ferret.Options{PostgreSQLURL: url, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	name := testenv.DatabaseName(t)
	st, err := store.Open(ctx, srv.URI(), name, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close(ctx) })

	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(ctx) })
	// With sequential scans priced out, the plan uses an index whenever one
	// can answer the lookup.
	if _, err := conn.Exec(ctx, "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	plans := func() map[string]string {
		rows, err := conn.Query(ctx, fmt.Sprintf(`SELECT _jsonb->>'table' FROM %q._ferretdb_database_metadata`, name))
		if err != nil {
			t.Fatal(err)
		}
		tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, table := range tables {
			rows, err := conn.Query(ctx, fmt.Sprintf(`EXPLAIN SELECT _jsonb FROM %q.%q WHERE _jsonb->'_id' @> '"x"'`, name, table))
			if err != nil {
				t.Fatal(err)
			}
			lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			out[table] = strings.Join(lines, " / ")
		}
		return out
	}
	before := plans()
	if len(before) < 10 {
		t.Fatalf("%d collections after store.Open, want every one created at start-up", len(before))
	}
	if err := srv.IndexIDs(ctx, name); err != nil {
		t.Fatal(err)
	}
	if err := srv.IndexIDs(ctx, name); err != nil {
		t.Fatalf("a second IndexIDs: %v", err)
	}
	for table, plan := range plans() {
		if strings.Contains(plan, "Seq Scan") {
			t.Errorf("%s: _id lookup plan %q (before IndexIDs: %q), want an index scan", table, plan, before[table])
		}
	}
}

// TestIndexIDsLeavesOneUniqueIndexOnID: after IndexIDs each table has one
// index on _id, the unique one on FerretDB's lookup expression, where
// FerretDB's own (the same value under another expression text) made every
// insert parse the document's JSON for a second index. An _id inserted
// twice still fails as a duplicate key, in an unordered batch only its own
// document.
func TestIndexIDsLeavesOneUniqueIndexOnID(t *testing.T) {
	ctx := context.Background()
	srv, file := startGuichet(t)
	for range 2 {
		if err := srv.IndexIDs(ctx, "guichet"); err != nil {
			t.Fatal(err)
		}
	}

	db := openFile(t, file)
	rows, err := db.Query(`SELECT c.table_name, i.sql FROM _ferretdb_collections c
		LEFT JOIN sqlite_master i ON i.type = 'index' AND i.tbl_name = c.table_name`)
	if err != nil {
		t.Fatal(err)
	}
	idIndexes := map[string][]string{} // per table, its indexes on _id alone
	for rows.Next() {
		var table string
		var def sql.NullString
		if err := rows.Scan(&table, &def); err != nil {
			t.Fatal(err)
		}
		if _, ok := idIndexes[table]; !ok {
			idIndexes[table] = nil
		}
		if strings.HasSuffix(def.String, `(_ferretdb_sjson->"_id")`) || strings.HasSuffix(def.String, `(_ferretdb_sjson->'$._id')`) {
			idIndexes[table] = append(idIndexes[table], def.String)
		}
	}
	rows.Close()
	if len(idIndexes) < 10 {
		t.Fatalf("%d collections after store.Open, want every one created at start-up", len(idIndexes))
	}
	for table, defs := range idIndexes {
		if len(defs) != 1 || !strings.HasPrefix(defs[0], "CREATE UNIQUE INDEX") {
			t.Errorf("%s: indexes on _id %q, want one unique", table, defs)
		}
	}

	client, err := mongo.Connect(options.Client().ApplyURI(srv.URI()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(ctx) })
	col := client.Database("guichet").Collection("claims")
	if _, err := col.InsertOne(ctx, bson.D{{Key: "_id", Value: "e:1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := col.InsertOne(ctx, bson.D{{Key: "_id", Value: "e:1"}}); !mongo.IsDuplicateKeyError(err) {
		t.Fatalf("second insert of one _id: %v, want a duplicate key error", err)
	}
	_, err = col.InsertMany(ctx, []any{bson.D{{Key: "_id", Value: "e:2"}}, bson.D{{Key: "_id", Value: "e:1"}},
		bson.D{{Key: "_id", Value: "e:3"}}}, options.InsertMany().SetOrdered(false))
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || len(bwe.WriteErrors) != 1 || bwe.WriteErrors[0].Index != 1 || !mongo.IsDuplicateKeyError(bwe.WriteErrors[0]) {
		t.Fatalf("unordered batch with one _id taken: %v, want one duplicate key error, at index 1", err)
	}
	if n, err := col.CountDocuments(ctx, bson.D{}); err != nil || n != 3 {
		t.Errorf("%d documents (%v), want 3", n, err)
	}
}

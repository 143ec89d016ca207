package ferret_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"guichet.dev/shared/ferret"
	"guichet.dev/shared/store"
)

// TestIndexIDsMakesIDLookupsSearches checks, with SQLite's own query plan,
// that after IndexIDs every collection's _id lookup, as FerretDB writes it,
// is an index search and not a scan of the table.
func TestIndexIDsMakesIDLookupsSearches(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv, err := ferret.Start(ferret.Options{SQLiteDir: dir, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	st, err := store.Open(ctx, srv.URI(), "guichet", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close(ctx) })

	plans := func() map[string]string {
		db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "guichet.sqlite"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
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

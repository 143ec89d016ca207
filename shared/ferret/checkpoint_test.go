package ferret_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"guichet.dev/shared/ferret"
)

// TestCheckpointsCopyTheLogIntoTheDatabase: with SQLite's automatic
// checkpoint off (it stalled the writer), the server's own loop still
// copies the write-ahead log into the database file, so the log does not
// grow for as long as the server runs. The database file is read as
// immutable, which ignores the log: it holds the documents only once they
// were checkpointed.
func TestCheckpointsCopyTheLogIntoTheDatabase(t *testing.T) {
	ctx := context.Background()
	srv, dir := startSQLite(t)
	client, err := mongo.Connect(options.Client().ApplyURI(srv.URI()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(ctx) })
	docs := make([]any, 50)
	for i := range docs {
		docs[i] = bson.D{{Key: "_id", Value: i}}
	}
	if _, err := client.Database("guichet").Collection("probe").InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}

	// A connection of its own each time: an immutable database's schema is
	// read once.
	inFile := func() (int, error) {
		db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "guichet.sqlite")+"?mode=ro&immutable=1")
		if err != nil {
			return 0, err
		}
		defer db.Close()
		var table string
		if err := db.QueryRow(`SELECT table_name FROM _ferretdb_collections WHERE name = 'probe'`).Scan(&table); err != nil {
			return 0, err
		}
		var n int
		err = db.QueryRow(fmt.Sprintf(`SELECT count(*) FROM %q`, table)).Scan(&n)
		return n, err
	}
	deadline := time.Now().Add(3 * ferret.CheckpointEvery)
	for {
		n, err := inFile()
		if err == nil && n == len(docs) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("database file after %v: %d of %d documents (%v); the rest only in the log", 3*ferret.CheckpointEvery, n, len(docs), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

package store

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"guichet.dev/shared/fault"
)

// dumpBatch is how many documents one cursor batch of a dump carries, and
// loadBatch how many one insert of a restore sends (loadBatchBytes caps it).
const (
	dumpBatch      = 1000
	loadBatch      = 1000
	loadBatchBytes = 8 << 20
)

// BackupRun is the record of one backup: the document whose unique key
// decides which process makes a scheduled backup.
type BackupRun struct {
	ID          string
	Key         string // "scheduled:<time>" or "manual:<id>"; unique
	Status      string // running, ok or failed
	CreatedAt   time.Time
	FinishedAt  time.Time
	Collections map[string]int64
	Bytes       int64
	Location    string // the backup's folder
	Remote      string // the S3 prefix it was copied to, if any
	Error       string
}

type backupDoc struct {
	ID          bson.ObjectID    `bson:"_id"`
	Key         string           `bson:"key"`
	Status      string           `bson:"status"`
	CreatedAt   time.Time        `bson:"createdAt"`
	FinishedAt  time.Time        `bson:"finishedAt,omitempty"`
	Collections map[string]int64 `bson:"collections,omitempty"`
	Bytes       int64            `bson:"bytes"`
	Location    string           `bson:"location,omitempty"`
	Remote      string           `bson:"remote,omitempty"`
	Error       string           `bson:"error,omitempty"`
}

func (d backupDoc) run() BackupRun {
	return BackupRun{ID: d.ID.Hex(), Key: d.Key, Status: d.Status, CreatedAt: d.CreatedAt.UTC(),
		FinishedAt: d.FinishedAt.UTC(), Collections: d.Collections, Bytes: d.Bytes, Location: d.Location,
		Remote: d.Remote, Error: d.Error}
}

// InsertBackupRun records the start of a backup. The unique index on key
// makes it the claim of a scheduled run: when two replicas fire for the same
// scheduled time, the second insert fails with fault.Conflict and that
// process skips. A read-then-insert would let both through.
func (s *Store) InsertBackupRun(ctx context.Context, r *BackupRun) error {
	id, err := oid(r.ID)
	if err != nil {
		return err
	}
	_, err = s.c(colBackups).InsertOne(ctx, backupDoc{ID: id, Key: r.Key, Status: r.Status, CreatedAt: r.CreatedAt.UTC()})
	if isDuplicate(err) {
		return fault.New(fault.Conflict)
	}
	return wrap(err, "insert backup run")
}

// FinishBackupRun stores the outcome of the run r.ID. Only the process that
// inserted the run writes it, so a plain update is safe.
func (s *Store) FinishBackupRun(ctx context.Context, r *BackupRun) error {
	id, err := oid(r.ID)
	if err != nil {
		return err
	}
	set := bson.D{
		{Key: "status", Value: r.Status}, {Key: "finishedAt", Value: r.FinishedAt.UTC()},
		{Key: "collections", Value: r.Collections}, {Key: "bytes", Value: r.Bytes},
		{Key: "location", Value: r.Location}, {Key: "remote", Value: r.Remote}, {Key: "error", Value: r.Error},
	}
	_, err = s.c(colBackups).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}})
	return wrap(err, "finish backup run")
}

// BackupRuns returns the runs with status, newest first.
func (s *Store) BackupRuns(ctx context.Context, status string) ([]BackupRun, error) {
	opts := options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}, {Key: "_id", Value: -1}})
	cur, err := s.c(colBackups).Find(ctx, bson.D{{Key: "status", Value: status}}, opts)
	if err != nil {
		return nil, wrap(err, "list backup runs")
	}
	var docs []backupDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(err, "list backup runs")
	}
	runs := make([]BackupRun, len(docs))
	for i, d := range docs {
		runs[i] = d.run()
	}
	return runs, nil
}

// DeleteBackupRun removes the record of run id.
func (s *Store) DeleteBackupRun(ctx context.Context, id string) error {
	o, err := oid(id)
	if err != nil {
		return err
	}
	_, err = s.c(colBackups).DeleteOne(ctx, bson.D{{Key: "_id", Value: o}})
	return wrap(err, "delete backup run")
}

// DataCollections returns, sorted, the collections a backup covers: every
// collection of the database, so that collections added later are covered
// without a list, except system collections and the record of backups
// itself (which describes files outside the database).
func (s *Store) DataCollections(ctx context.Context) ([]string, error) {
	names, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return nil, wrap(err, "list collections")
	}
	var out []string
	for _, n := range names {
		if n != colBackups && !strings.HasPrefix(n, "system.") {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, nil
}

// DumpCollection writes every document of collection name to w as canonical
// MongoDB Extended JSON, one document per line, so every BSON type (ObjectId,
// dates, int64, Decimal128) survives. A cursor reads the collection in
// batches: the collection is never held in memory, and writers are not
// blocked while it runs. It returns the number of documents written.
func (s *Store) DumpCollection(ctx context.Context, name string, w io.Writer) (int64, error) {
	cur, err := s.c(name).Find(ctx, bson.D{}, options.Find().SetBatchSize(dumpBatch))
	if err != nil {
		return 0, wrap(err, "dump "+name)
	}
	defer func() { _ = cur.Close(context.WithoutCancel(ctx)) }()
	var n int64
	line := make([]byte, 0, 4096)
	for cur.Next(ctx) {
		j, err := bson.MarshalExtJSON(cur.Current, true, false)
		if err != nil {
			return n, fmt.Errorf("dump %s: encode document %d: %w", name, n+1, err)
		}
		line = append(append(line[:0], j...), '\n')
		if _, err := w.Write(line); err != nil {
			return n, fmt.Errorf("dump %s: %w", name, err)
		}
		n++
	}
	if err := cur.Err(); err != nil {
		return n, wrap(err, "dump "+name)
	}
	return n, nil
}

// LoadCollection inserts the documents of r, written by DumpCollection, into
// collection name, in ordered batches. Documents go in byte for byte as they
// were dumped. It returns the number of documents inserted.
func (s *Store) LoadCollection(ctx context.Context, name string, r io.Reader) (int64, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	var (
		n, size int64
		batch   []any
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if _, err := s.c(name).InsertMany(ctx, batch); err != nil {
			return wrap(err, fmt.Sprintf("restore %s: insert documents %d to %d", name, n-int64(len(batch))+1, n))
		}
		batch, size = batch[:0], 0
		return nil
	}
	for {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var doc bson.Raw
			if err := bson.UnmarshalExtJSON(line, true, &doc); err != nil {
				return n, fmt.Errorf("restore %s: document %d: %w", name, n+1, err)
			}
			batch = append(batch, doc)
			size += int64(len(doc))
			n++
			if len(batch) >= loadBatch || size >= loadBatchBytes {
				if err := flush(); err != nil {
					return n, err
				}
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, fmt.Errorf("restore %s: read: %w", name, err)
		}
	}
	return n, flush()
}

// CollectionIndexes returns the index definitions of collection name as
// canonical Extended JSON, as listIndexes gives them (key, name, unique and
// every other option), without the server's own "v" and "ns" fields and
// without the _id index every collection has.
func (s *Store) CollectionIndexes(ctx context.Context, name string) ([]json.RawMessage, error) {
	cur, err := s.c(name).Indexes().List(ctx)
	if err != nil {
		return nil, wrap(err, "list indexes of "+name)
	}
	defer func() { _ = cur.Close(context.WithoutCancel(ctx)) }()
	var specs []json.RawMessage
	for cur.Next(ctx) {
		var spec bson.D
		if err := bson.Unmarshal(cur.Current, &spec); err != nil {
			return nil, fmt.Errorf("list indexes of %s: %w", name, err)
		}
		clean := bson.D{}
		idIndex := false
		for _, e := range spec {
			switch e.Key {
			case "v", "ns":
			case "name":
				idIndex = e.Value == "_id_"
				clean = append(clean, e)
			default:
				clean = append(clean, e)
			}
		}
		if idIndex {
			continue
		}
		j, err := bson.MarshalExtJSON(clean, true, false)
		if err != nil {
			return nil, fmt.Errorf("list indexes of %s: %w", name, err)
		}
		specs = append(specs, j)
	}
	if err := cur.Err(); err != nil {
		return nil, wrap(err, "list indexes of "+name)
	}
	return specs, nil
}

// CreateIndexSpecs creates the indexes specs (from CollectionIndexes) on
// collection name with one createIndexes command, so every option comes
// back exactly as it was.
func (s *Store) CreateIndexSpecs(ctx context.Context, name string, specs []json.RawMessage) error {
	if len(specs) == 0 {
		return nil
	}
	docs := bson.A{}
	for _, j := range specs {
		var spec bson.D
		if err := bson.UnmarshalExtJSON(j, true, &spec); err != nil {
			return fmt.Errorf("index of %s: %w", name, err)
		}
		docs = append(docs, spec)
	}
	cmd := bson.D{{Key: "createIndexes", Value: name}, {Key: "indexes", Value: docs}}
	if err := s.db.RunCommand(ctx, cmd).Err(); err != nil {
		return wrap(err, "create indexes of "+name)
	}
	return nil
}

// CreateCollection creates the empty collection name (so a collection that
// had no documents is restored too); one that exists already is fine.
func (s *Store) CreateCollection(ctx context.Context, name string) error {
	err := s.db.CreateCollection(ctx, name)
	var se mongo.ServerError
	if errors.As(err, &se) && se.HasErrorCode(48) { // NamespaceExists
		return nil
	}
	return wrap(err, "create collection "+name)
}

// DropCollection removes collection name with its documents and indexes.
func (s *Store) DropCollection(ctx context.Context, name string) error {
	return wrap(s.c(name).Drop(ctx), "drop collection "+name)
}

// FirstNonEmpty returns the name of a data collection (see DataCollections)
// holding at least one document, or "" when there is none.
func (s *Store) FirstNonEmpty(ctx context.Context) (string, error) {
	names, err := s.DataCollections(ctx)
	if err != nil {
		return "", err
	}
	for _, n := range names {
		err := s.c(n).FindOne(ctx, bson.D{}).Err()
		if err == nil {
			return n, nil
		}
		if !errors.Is(err, mongo.ErrNoDocuments) {
			return "", wrap(err, "read "+n)
		}
	}
	return "", nil
}

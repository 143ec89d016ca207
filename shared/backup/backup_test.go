package backup_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"guichet.dev/shared/backup"
	"guichet.dev/shared/config"
	"guichet.dev/shared/fn"
	"guichet.dev/shared/store"
	"guichet.dev/shared/testenv"
)

// fixtures are documents of every type a backup must keep: ObjectId,
// dates, int32, int64, doubles, binary, nested documents,
// arrays, null, booleans, in canonical Extended JSON. (Decimal128 would be
// kept too, but FerretDB 1.24 refuses it: "invalid BSON type".)
var fixtures = map[string][]string{
	"events": {
		`{"_id":{"$oid":"65a000000000000000000001"},"title":"Concert","capacity":{"$numberInt":"80"},"price":{"$numberLong":"1250"},"startsAt":{"$date":{"$numberLong":"1767225600000"}},"venue":{"name":"Salle des fêtes","geo":[{"$numberDouble":"2.35"},{"$numberDouble":"48.85"}]},"tags":["jazz","live"],"draft":false,"cancelledAt":null}`,
		`{"_id":{"$oid":"65a000000000000000000002"},"title":"Stade","capacity":{"$numberInt":"60000"},"sold":{"$numberLong":"9007199254740993"},"meta":{"nested":{"deeper":{"x":[{"$numberInt":"1"},{"a":{"$numberLong":"2"}}]}}}}`,
	},
	"tickets": {
		`{"_id":"0b9a5c4e-1f2a-4b3c-9d8e-7f6a5b4c3d2e","event":{"$oid":"65a000000000000000000001"},"number":{"$numberInt":"1"},"code":{"$binary":{"base64":"AAECAwQ=","subType":"00"}},"soldAt":{"$date":{"$numberLong":"1767225600123"}}}`,
		`{"_id":"1c8b6d5f-2e3b-4c4d-8e9f-8a7b6c5d4e3f","event":{"$oid":"65a000000000000000000001"},"number":{"$numberInt":"2"},"confirmation":{"status":"pending","tries":{"$numberInt":"0"}}}`,
	},
	"claims": {},
}

// indexes are the extra index definitions the fixtures carry.
var fixtureIndexes = map[string][]string{
	"tickets": {`{"key":{"event":{"$numberInt":"1"},"number":{"$numberInt":"1"}},"name":"event_number_unique","unique":true}`},
	"events":  {`{"key":{"startsAt":{"$numberInt":"-1"}},"name":"startsAt"}`},
}

// seed loads the fixtures into st.
func seed(t testing.TB, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	for name, docs := range fixtures {
		if err := st.CreateCollection(ctx, name); err != nil {
			t.Fatal(err)
		}
		if _, err := st.LoadCollection(ctx, name, strings.NewReader(strings.Join(docs, "\n"))); err != nil {
			t.Fatal(err)
		}
	}
	for name, specs := range fixtureIndexes {
		raw := make([]json.RawMessage, len(specs))
		for i, s := range specs {
			raw[i] = json.RawMessage(s)
		}
		if err := st.CreateIndexSpecs(ctx, name, raw); err != nil {
			t.Fatal(err)
		}
	}
}

// snapshot is every document (canonical Extended JSON, sorted) and index
// definition of every data collection.
type snapshot map[string]struct {
	Docs    []string
	Indexes []string
}

func take(t testing.TB, st *store.Store) snapshot {
	t.Helper()
	ctx := context.Background()
	names, err := st.DataCollections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := snapshot{}
	for _, n := range names {
		var buf bytes.Buffer
		if _, err := st.DumpCollection(ctx, n, &buf); err != nil {
			t.Fatal(err)
		}
		docs := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		if buf.Len() == 0 {
			docs = nil
		}
		slices.Sort(docs)
		idx, err := st.CollectionIndexes(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		var specs []string
		for _, i := range idx {
			specs = append(specs, string(i))
		}
		slices.Sort(specs)
		s[n] = struct {
			Docs    []string
			Indexes []string
		}{docs, specs}
	}
	return s
}

func compare(t *testing.T, want, got snapshot) {
	t.Helper()
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("collection %s missing after restore", name)
			continue
		}
		if len(g.Docs) != len(w.Docs) {
			t.Errorf("%s: %d documents, want %d", name, len(g.Docs), len(w.Docs))
		}
		for i := range min(len(g.Docs), len(w.Docs)) {
			if g.Docs[i] != w.Docs[i] {
				t.Errorf("%s document %d:\n got %s\nwant %s", name, i, g.Docs[i], w.Docs[i])
			}
		}
		if !slices.Equal(g.Indexes, w.Indexes) {
			t.Errorf("%s indexes:\n got %v\nwant %v", name, g.Indexes, w.Indexes)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("unexpected collection %s after restore", name)
		}
	}
}

// newEnv opens an Env on a fresh database; tweak edits its config first.
func newEnv(t *testing.T, tweak func(*config.Config)) *fn.Env {
	t.Helper()
	cfg := testenv.Config(t)
	if tweak != nil {
		tweak(&cfg)
	}
	return testenv.Env(t, cfg)
}

// otherService is a second process's view of env's database and folder.
func otherService(t *testing.T, env *fn.Env, s3url string) *backup.Service {
	t.Helper()
	s, err := backup.New(env.Store, backup.Options{Dir: env.Config.BackupDir, Keep: env.Config.BackupKeep, S3URL: s3url,
		Log: testenv.Logger(t), Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func wipe(t *testing.T, st *store.Store) {
	t.Helper()
	names, err := st.DataCollections(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := st.DropCollection(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
}

func restore(t *testing.T, st *store.Store, location string, o backup.RestoreOptions) (string, error) {
	t.Helper()
	var out bytes.Buffer
	o.Out = &out
	err := backup.Restore(context.Background(), st, location, o)
	t.Log(out.String())
	return out.String(), err
}

func TestBackupWipeRestoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	env := newEnv(t, nil)
	seed(t, env.Store)
	testenv.User(t, env, "customer")
	before := take(t, env.Store)

	b, err := env.Backups.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b.Collections["events"] != 2 || b.Collections["tickets"] != 2 || b.Collections["users"] != 1 || b.Bytes <= 0 {
		t.Fatalf("backup %+v", b)
	}
	if _, ok := b.Collections["backups"]; ok {
		t.Error("the backups record itself was backed up")
	}
	wipe(t, env.Store)
	out, err := restore(t, env.Store, b.Location, backup.RestoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	compare(t, before, take(t, env.Store))
	for name := range before {
		if !strings.Contains(out, "restored "+name+":") {
			t.Errorf("no progress line for %s in:\n%s", name, out)
		}
	}
	// The restored database still enforces its unique indexes.
	dup := fixtures["tickets"][0][:strings.Index(fixtures["tickets"][0], `"event"`)]
	dup = strings.Replace(dup, "0b9a", "ffff", 1) + `"event":{"$oid":"65a000000000000000000001"},"number":{"$numberInt":"1"}}`
	if _, err := env.Store.LoadCollection(ctx, "tickets", strings.NewReader(dup)); err == nil {
		t.Error("a duplicate (event, number) was accepted after restore")
	}
}

func TestDevelopmentKeysTravelAndEnvironmentKeysNever(t *testing.T) {
	envKey, err := config.DevKey(filepath.Join(t.TempDir(), "k.pem"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		tweak    func(*config.Config)
		wantKeys []string
	}{
		{"generated development keys are carried", nil, []string{"jwt.pem", "ticket.pem"}},
		{"keys from the environment are never written", func(c *config.Config) {
			c.JWTPrivateKey, c.TicketSigningKey = envKey, envKey
		}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t, tc.tweak)
			// The ticket key belongs to the ticket feature; stand in for it.
			if _, err := config.DevKey(filepath.Join(env.Config.DataDir, "keys", "ticket.pem")); err != nil {
				t.Fatal(err)
			}
			b, err := env.Backups.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			entries, _ := os.ReadDir(filepath.Join(b.Location, "keys"))
			var got []string
			for _, e := range entries {
				got = append(got, e.Name())
				info, _ := e.Info()
				if info.Mode().Perm() != 0o600 {
					t.Errorf("%s has mode %v, want 0600", e.Name(), info.Mode().Perm())
				}
			}
			if !slices.Equal(got, tc.wantKeys) {
				t.Fatalf("keys in backup %v, want %v", got, tc.wantKeys)
			}
			// Into a fresh DATA_DIR: the same keys come back.
			fresh := newEnv(t, nil)
			keysDir := filepath.Join(t.TempDir(), "keys")
			if _, err := restore(t, fresh.Store, b.Location, backup.RestoreOptions{KeysDir: keysDir}); err != nil {
				t.Fatal(err)
			}
			for _, k := range tc.wantKeys {
				want, _ := os.ReadFile(filepath.Join(env.Config.DataDir, "keys", k))
				got, err := os.ReadFile(filepath.Join(keysDir, k))
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("restored %s differs (%v)", k, err)
				}
			}
		})
	}
}

func TestRestoreRefusesDamagedBackup(t *testing.T) {
	env := newEnv(t, nil)
	seed(t, env.Store)
	b, err := env.Backups.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, file string
		damage     func(t *testing.T, dir string)
		wantMsg    string
	}{
		{"a flipped byte in a gzip file", "tickets.jsonl.gz", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "tickets.jsonl.gz")
			b, _ := os.ReadFile(p)
			b[len(b)/2] ^= 0xff
			_ = os.WriteFile(p, b, 0o600)
		}, "damaged"},
		{"a truncated gzip file", "events.jsonl.gz", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "events.jsonl.gz")
			b, _ := os.ReadFile(p)
			_ = os.WriteFile(p, b[:len(b)-10], 0o600)
		}, "damaged"},
		{"a wrong hash in the manifest", "users.jsonl.gz", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "manifest.json")
			var m map[string]any
			b, _ := os.ReadFile(p)
			_ = json.Unmarshal(b, &m)
			for _, c := range m["collections"].([]any) {
				if c := c.(map[string]any); c["name"] == "users" {
					c["sha256"] = strings.Repeat("0", 64)
				}
			}
			b, _ = json.Marshal(m)
			_ = os.WriteFile(p, b, 0o600)
		}, "SHA-256"},
		{"a damaged key file", "keys/jwt.pem", func(t *testing.T, dir string) {
			_ = os.WriteFile(filepath.Join(dir, "keys", "jwt.pem"), []byte("not a key"), 0o600)
		}, "damaged"},
		{"a missing manifest", "manifest.json", func(t *testing.T, dir string) {
			_ = os.Remove(filepath.Join(dir, "manifest.json"))
		}, "manifest.json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "copy")
			if err := os.CopyFS(dir, os.DirFS(b.Location)); err != nil {
				t.Fatal(err)
			}
			tc.damage(t, dir)
			fresh := newEnv(t, nil)
			_, err := restore(t, fresh.Store, dir, backup.RestoreOptions{KeysDir: t.TempDir()})
			t.Logf("refused: %v", err)
			if err == nil || !strings.Contains(err.Error(), tc.file) || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("restore error %v, want one naming %s and saying %q", err, tc.file, tc.wantMsg)
			}
			if n, err := fresh.Store.FirstNonEmpty(context.Background()); n != "" || err != nil {
				t.Errorf("a refused restore wrote into %q (%v)", n, err)
			}
		})
	}
}

func TestRestoreRefusesNonEmptyDatabaseWithoutDrop(t *testing.T) {
	env := newEnv(t, nil)
	seed(t, env.Store)
	want := take(t, env.Store)
	b, err := env.Backups.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	testenv.User(t, env, "customer")
	if _, err := restore(t, env.Store, b.Location, backup.RestoreOptions{}); err == nil || !strings.Contains(err.Error(), "--drop") {
		t.Fatalf("restore into a non-empty database: %v, want a refusal naming --drop", err)
	}
	if _, err := restore(t, env.Store, b.Location, backup.RestoreOptions{Drop: true}); err != nil {
		t.Fatal(err)
	}
	compare(t, want, take(t, env.Store))
}

func TestConcurrentScheduledRunsMakeOneBackup(t *testing.T) {
	env := newEnv(t, nil)
	seed(t, env.Store)
	at := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	const replicas = 8
	var (
		wg            sync.WaitGroup
		mu            sync.Mutex
		made, skipped int
	)
	for range replicas {
		svc := otherService(t, env, "")
		wg.Go(func() {
			_, err := svc.RunScheduled(context.Background(), at)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				made++
			case errors.Is(err, backup.ErrTaken):
				skipped++
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if made != 1 || skipped != replicas-1 {
		t.Fatalf("%d backups made, %d skipped; want 1 and %d", made, skipped, replicas-1)
	}
	list, err := env.Backups.List(context.Background())
	if err != nil || len(list) != 1 {
		t.Fatalf("list %v (%v), want one backup", list, err)
	}
	if dirs := folders(t, env.Config.BackupDir); len(dirs) != 1 {
		t.Fatalf("BACKUP_DIR holds %v", dirs)
	}
}

// folders lists BACKUP_DIR, temporary folders included.
func folders(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestRetentionKeepsNewestN(t *testing.T) {
	ctx := context.Background()
	env := newEnv(t, func(c *config.Config) { c.BackupKeep = 3 })
	seed(t, env.Store)
	var made []string
	for range 5 {
		b, err := env.Backups.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, b.ID)
	}
	list, err := env.Backups.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, b := range list {
		ids = append(ids, b.ID)
		if _, err := backup.Verify(b.Location); err != nil {
			t.Error(err)
		}
	}
	if want := []string{made[4], made[3], made[2]}; !slices.Equal(ids, want) {
		t.Fatalf("kept %v, want the newest three %v, newest first", ids, want)
	}
	if dirs := folders(t, env.Config.BackupDir); len(dirs) != 3 {
		t.Fatalf("BACKUP_DIR holds %v, want 3 folders", dirs)
	}
}

func TestFailedBackupKeepsTheOnlyGoodOneAndLeavesNoHalfFile(t *testing.T) {
	ctx := context.Background()
	env := newEnv(t, func(c *config.Config) { c.BackupKeep = 1 })
	seed(t, env.Store)
	good, err := env.Backups.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A second process whose S3 copy cannot succeed (nothing listens).
	reg := prometheus.NewRegistry()
	broken, err := backup.New(env.Store, backup.Options{Dir: env.Config.BackupDir, Keep: 1,
		S3URL: "s3://k:s@127.0.0.1:1/bucket?secure=false", Log: testenv.Logger(t), Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := broken.Run(ctx); err == nil {
		t.Fatal("a backup whose S3 copy failed succeeded")
	}
	list, err := env.Backups.List(ctx)
	if err != nil || len(list) != 1 || list[0].ID != good.ID {
		t.Fatalf("after a failed run: %v (%v), want only %s", list, err, good.ID)
	}
	if dirs := folders(t, env.Config.BackupDir); len(dirs) != 1 || !strings.HasSuffix(dirs[0], good.ID) {
		t.Fatalf("BACKUP_DIR holds %v, want only the good backup", dirs)
	}
	n, err := testutil.GatherAndCount(reg, "guichet_backup_runs_total")
	if err != nil || n != 3 {
		t.Fatalf("metric series %d (%v)", n, err)
	}
	if got := gatherValue(t, reg, "guichet_backup_runs_total", "failed"); got != 1 {
		t.Fatalf("failed runs counted %v, want 1", got)
	}
}

func gatherValue(t *testing.T, reg *prometheus.Registry, name, result string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" && l.GetValue() == result {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s{result=%q}", name, result)
	return 0
}

// blockingWriter runs first once, at the first write, while the dump's
// cursor is open.
type blockingWriter struct {
	first func() error
	done  bool
	err   error
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	if !w.done {
		w.done = true
		w.err = w.first()
	}
	return len(p), nil
}

func TestWritesAreNotBlockedByARunningDump(t *testing.T) {
	ctx := context.Background()
	env := newEnv(t, nil)
	var lines strings.Builder
	for i := range 2500 {
		fmt.Fprintf(&lines, `{"n":{"$numberInt":"%d"},"pad":"%s"}`+"\n", i, strings.Repeat("x", 100))
	}
	if _, err := env.Store.LoadCollection(ctx, "tickets", strings.NewReader(lines.String())); err != nil {
		t.Fatal(err)
	}
	// While the dump holds its cursor (2500 documents: several batches), a
	// write to the same collection completes within a deadline.
	w := &blockingWriter{first: func() error {
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_, err := env.Store.LoadCollection(wctx, "tickets", strings.NewReader(`{"n":{"$numberInt":"-1"}}`))
		return err
	}}
	n, err := env.Store.DumpCollection(ctx, "tickets", w)
	if err != nil {
		t.Fatal(err)
	}
	if w.err != nil {
		t.Fatalf("a write during the dump failed: %v", w.err)
	}
	if n < 2500 {
		t.Fatalf("dumped %d documents, want at least 2500", n)
	}
}

func TestBackupDuringWritesIsReadable(t *testing.T) {
	ctx := context.Background()
	env := newEnv(t, nil)
	seed(t, env.Store)
	stop := make(chan struct{})
	var (
		wg     sync.WaitGroup
		writes [4]int
		errs   [4]error
	)
	for g := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				doc := fmt.Sprintf(`{"_id":"w%d-%d","at":{"$date":{"$numberLong":"%d"}}}`, g, i, time.Now().UnixMilli())
				if _, err := env.Store.LoadCollection(ctx, "purchases", strings.NewReader(doc)); err != nil {
					errs[g] = err
					return
				}
				writes[g]++
			}
		})
	}
	b, err := env.Backups.Run(ctx)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	for g, e := range errs {
		if e != nil {
			t.Errorf("writer %d: %v", g, e)
		}
	}
	fresh := newEnv(t, nil)
	if _, err := restore(t, fresh.Store, b.Location, backup.RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	got := take(t, fresh.Store)
	total := 0
	for _, w := range writes {
		total += w
	}
	if n := len(got["purchases"].Docs); int64(n) != b.Collections["purchases"] || n > total {
		t.Fatalf("restored %d purchases; backup says %d, %d were written", n, b.Collections["purchases"], total)
	}
}

func TestTickIsTheScheduledMinute(t *testing.T) {
	now := time.Date(2026, 3, 4, 3, 0, 41, 0, time.UTC)
	cases := []struct {
		name   string
		ceTime string
		want   time.Time
	}{
		{"an HTTP trigger runs the current minute", "", now.Truncate(time.Minute)},
		{"a PingSource's event time", "2026-03-04T02:59:59.123Z", time.Date(2026, 3, 4, 2, 59, 0, 0, time.UTC)},
		{"an unreadable event time falls back to now", "yesterday", now.Truncate(time.Minute)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.ceTime != "" {
				h.Set("Ce-Time", tc.ceTime)
			}
			if got := backup.Tick(h, now); !got.Equal(tc.want) {
				t.Fatalf("Tick = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestScheduleRunsAndRejectsABadSpec(t *testing.T) {
	env := newEnv(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := env.Backups.Schedule(ctx, "61 * * * *", func(backup.Result) {}); err == nil || !strings.Contains(err.Error(), "BACKUP_SCHEDULE") {
		t.Fatalf("bad spec: %v", err)
	}
	results := make(chan backup.Result, 4)
	if err := env.Backups.Schedule(ctx, "@every 1s", func(r backup.Result) { results <- r }); err != nil {
		t.Fatal(err)
	}
	r := <-results
	if r.Err != nil || r.Backup == nil {
		t.Fatalf("scheduled run: %+v", r)
	}
	list, err := env.Backups.List(ctx)
	if err != nil || len(list) == 0 || list[0].ID != r.Backup.ID {
		t.Fatalf("list %v (%v)", list, err)
	}
}

func FuzzVerifyManifest(f *testing.F) {
	f.Add([]byte(`{"format":1,"id":"x","collections":[{"name":"a","file":"a.jsonl.gz","bytes":3,"sha256":"00","documents":1,"indexes":[]}]}`))
	f.Add([]byte(`{"format":1,"collections":[{"name":"a","file":"../../etc/passwd"}]}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "manifest.json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
		m, err := backup.Verify(dir)
		if err == nil && len(m.Collections)+len(m.Keys) > 0 {
			t.Fatalf("a manifest naming absent files verified: %s", b)
		}
	})
}

// helperVar makes the test binary a second process taking a scheduled run.
const helperVar = "GUICHET_BACKUP_HELPER"

func TestScheduledRunsInSeveralProcessesMakeOneBackup(t *testing.T) {
	if os.Getenv(helperVar) != "" {
		helperProcess(t)
		return
	}
	env := newEnv(t, nil)
	seed(t, env.Store)
	const procs = 3
	outs := make([]bytes.Buffer, procs)
	cmds := make([]*exec.Cmd, procs)
	for i := range procs {
		c := exec.Command(os.Args[0], "-test.run=^TestScheduledRunsInSeveralProcessesMakeOneBackup$", "-test.v")
		c.Env = append(os.Environ(), helperVar+"=1", "MONGODB_URI="+env.Config.MongoURI,
			"MONGODB_DATABASE="+env.Config.MongoDatabase, "BACKUP_DIR="+env.Config.BackupDir)
		c.Stdout, c.Stderr = &outs[i], io.Discard
		cmds[i] = c
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
	}
	made := 0
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("process %d: %v\n%s", i, err, outs[i].String())
		}
		made += strings.Count(outs[i].String(), "RESULT made")
		if !strings.Contains(outs[i].String(), "RESULT ") || strings.Contains(outs[i].String(), "RESULT error") {
			t.Fatalf("process %d gave no result:\n%s", i, outs[i].String())
		}
	}
	list, err := env.Backups.List(context.Background())
	if made != 1 || err != nil || len(list) != 1 {
		t.Fatalf("%d processes said made, %d backups listed (%v); want 1", made, len(list), err)
	}
}

// helperProcess takes the scheduled run of 2026-01-02T03:00Z, with 4
// goroutines, on the database the parent names.
func helperProcess(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, os.Getenv("MONGODB_URI"), os.Getenv("MONGODB_DATABASE"), testenv.StoreOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close(ctx) }()
	svc, err := backup.New(st, backup.Options{Dir: os.Getenv("BACKUP_DIR"), Keep: 7, Log: testenv.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			_, err := svc.RunScheduled(ctx, at)
			switch {
			case err == nil:
				fmt.Println("RESULT made")
			case errors.Is(err, backup.ErrTaken):
				fmt.Println("RESULT taken")
			default:
				fmt.Println("RESULT error", err)
			}
		})
	}
	wg.Wait()
}

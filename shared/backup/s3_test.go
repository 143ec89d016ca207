package backup_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"guichet.dev/shared/backup"
	"guichet.dev/shared/config"
)

// startS3 runs an S3 server with bucket "guichet" and returns a
// BACKUP_S3_URL for prefix, and the backend to look into.
func startS3(t *testing.T, prefix string) (string, *s3mem.Backend) {
	t.Helper()
	be := s3mem.New()
	if err := be.CreateBucket("guichet"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(be).Server())
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return "s3://AKIA:secret@" + u.Host + "/guichet/" + prefix + "?secure=false", be
}

func objectKeys(t *testing.T, be *s3mem.Backend) []string {
	t.Helper()
	list, err := be.ListBucket("guichet", &gofakes3.Prefix{}, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range list.Contents {
		keys = append(keys, o.Key)
	}
	slices.Sort(keys)
	return keys
}

func TestS3CopyRestoreAndRetention(t *testing.T) {
	ctx := context.Background()
	s3url, be := startS3(t, "nightly")
	env := newEnv(t, func(c *config.Config) { c.BackupS3URL, c.BackupKeep = s3url, 1 })
	seed(t, env.Store)
	want := take(t, env.Store)

	first, err := env.Backups.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	keys := objectKeys(t, be)
	for _, f := range []string{"manifest.json", "events.jsonl.gz", "tickets.jsonl.gz", "users.jsonl.gz", "keys/jwt.pem"} {
		k := "nightly/" + folderOf(first.Location) + "/" + f
		if !slices.Contains(keys, k) {
			t.Errorf("S3 lacks %s; has %v", k, keys)
		}
	}

	// Restore from the S3 copy alone into a fresh database.
	fresh := newEnv(t, nil)
	loc := strings.Replace(s3url, "/nightly?", "/nightly/"+folderOf(first.Location)+"?", 1)
	if _, err := restore(t, fresh.Store, loc, backup.RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	compare(t, want, take(t, fresh.Store))

	// Retention removes the older copy from S3 too.
	second, err := env.Backups.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range objectKeys(t, be) {
		if !strings.HasPrefix(k, "nightly/"+folderOf(second.Location)+"/") {
			t.Errorf("S3 still holds %s after retention kept only %s", k, second.ID)
		}
	}
}

func folderOf(location string) string {
	return location[strings.LastIndex(location, "/")+1:]
}

func TestS3URLIsChecked(t *testing.T) {
	cases := []struct{ name, url string }{
		{"no bucket", "s3://k:s@127.0.0.1:9000/"},
		{"a bad secure flag", "s3://k:s@127.0.0.1:9000/b?secure=maybe"},
		{"another scheme", "http://127.0.0.1:9000/b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := backup.NewS3(tc.url); err == nil {
				t.Fatalf("%s accepted", tc.url)
			}
		})
	}
}

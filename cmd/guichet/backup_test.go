package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"guichet.dev/shared/testenv"
	"guichet.dev/shared/user"
)

type backupJSON struct {
	ID          string           `json:"id"`
	CreatedAt   string           `json:"createdAt"`
	Collections map[string]int64 `json:"collections"`
	Bytes       int64            `json:"bytes"`
	Location    string           `json:"location"`
}

func TestBackupEndpointsAreAdminOnly(t *testing.T) {
	s := startServer(t, map[string]string{"CRON_TOKEN": "cron-secret"})
	_, customer := s.user(user.Customer)
	_, admin := s.user(user.Admin)
	cases := []struct {
		name   string
		req    request
		status int
	}{
		{"anonymous list", request{Method: "GET", Path: "/api/admin/backups"}, http.StatusUnauthorized},
		{"anonymous run", request{Method: "POST", Path: "/api/admin/backups"}, http.StatusUnauthorized},
		{"customer list", request{Method: "GET", Path: "/api/admin/backups", Token: customer}, http.StatusForbidden},
		{"customer run", request{Method: "POST", Path: "/api/admin/backups", Token: customer}, http.StatusForbidden},
		{"a trigger with a wrong token", request{Method: "POST", Path: "/api/admin/backups",
			Header: map[string]string{"X-Guichet-Cron": "guess"}}, http.StatusUnauthorized},
		{"a customer with a wrong trigger token", request{Method: "POST", Path: "/api/admin/backups", Token: customer,
			Header: map[string]string{"X-Guichet-Cron": "guess"}}, http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do(tc.req)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			r.problem(t)
		})
	}

	// An admin runs one now, then the scheduler fires twice for one tick.
	r := s.do(request{Method: "POST", Path: "/api/admin/backups", Token: admin})
	if r.Status != http.StatusCreated {
		t.Fatalf("admin run: %d %s", r.Status, r.Body)
	}
	var first backupJSON
	r.decode(t, &first)
	if first.ID == "" || first.CreatedAt == "" || first.Collections["users"] != 2 || first.Bytes <= 0 || first.Location == "" {
		t.Fatalf("backup %s", r.Body)
	}
	tick := map[string]string{"X-Guichet-Cron": "cron-secret", "Ce-Time": "2026-05-06T03:00:00Z"}
	if r := s.do(request{Method: "POST", Path: "/api/admin/backups", Header: tick}); r.Status != http.StatusCreated {
		t.Fatalf("scheduled trigger: %d %s", r.Status, r.Body)
	}
	if r := s.do(request{Method: "POST", Path: "/api/admin/backups", Header: tick}); r.Status != http.StatusNoContent {
		t.Fatalf("second trigger of the same tick: %d %s, want 204", r.Status, r.Body)
	}

	// Listed newest first.
	r = s.do(request{Method: "GET", Path: "/api/admin/backups", Token: admin})
	var list struct{ Items []backupJSON }
	r.decode(t, &list)
	if r.Status != http.StatusOK || len(list.Items) != 2 || list.Items[1].ID != first.ID {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}

	// Counted in /metrics.
	m := s.do(request{Method: "GET", Path: "/metrics"})
	for _, want := range []string{`guichet_backup_runs_total{result="ok"} 2`, `guichet_backup_runs_total{result="skipped"} 1`,
		`guichet_backup_runs_total{result="failed"} 0`} {
		if !bytes.Contains(m.Body, []byte(want)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestRestoreCommand(t *testing.T) {
	s := startServer(t, nil)
	_, admin := s.user(user.Admin)
	r := s.do(request{Method: "POST", Path: "/api/admin/backups", Token: admin})
	var b backupJSON
	r.decode(t, &b)

	// Into a fresh DATA_DIR and database: every collection and the keys.
	cfg := testenv.Config(t)
	vars := map[string]string{"MONGODB_URI": cfg.MongoURI, "MONGODB_DATABASE": cfg.MongoDatabase,
		"DATA_DIR": cfg.DataDir, "LOG_LEVEL": "warn"}
	getenv := func(k string) string { return vars[k] }
	restoreRun := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"restore"}, args...), getenv, &out, &logBuffer{})
		t.Log(out.String())
		return out.String(), err
	}
	out, err := restoreRun(b.Location)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "restored users: 1 documents") || !strings.Contains(out, "key jwt.pem restored") {
		t.Fatalf("output:\n%s", out)
	}
	want, _ := os.ReadFile(filepath.Join(s.Config.DataDir, "keys", "jwt.pem"))
	got, err := os.ReadFile(filepath.Join(cfg.DataDir, "keys", "jwt.pem"))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("the development key did not travel (%v)", err)
	}

	cases := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"a non-empty database without --drop", []string{b.Location}, "--drop"},
		{"no location", nil, "LOCATION"},
		{"an unknown flag", []string{b.Location, "--force"}, "--force"},
		{"a folder that is no backup", []string{t.TempDir()}, "manifest.json"},
		{"a non-empty database with --drop", []string{b.Location, "--drop"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := restoreRun(tc.args...)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			}
		})
	}
}

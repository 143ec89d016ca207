package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"guichet.dev/shared/event"
)

// privatePostgres runs a PostgreSQL cluster of the test's own (initdb in a
// temporary folder, its own port), so the test may stop and start it without
// touching the machine's server.
type privatePostgres struct {
	t    *testing.T
	dir  string
	port int
}

func pgBin(t *testing.T, name string) string {
	t.Helper()
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) == 0 {
		t.Fatalf("PostgreSQL's %s is not installed (Debian package postgresql)", name)
	}
	return matches[len(matches)-1]
}

func startPrivatePostgres(t *testing.T) *privatePostgres {
	t.Helper()
	pgUser, err := user.Lookup("postgres")
	if err != nil {
		t.Fatalf("no postgres system user: %v", err)
	}
	uid, _ := strconv.Atoi(pgUser.Uid)
	gid, _ := strconv.Atoi(pgUser.Gid)
	dir, err := os.MkdirTemp("", "guichet-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	p := &privatePostgres{t: t, dir: dir, port: port}
	p.asPostgres(pgBin(t, "initdb"), "-D", dir+"/data", "-A", "trust", "-U", "postgres", "--no-sync")
	p.start()
	t.Cleanup(func() {
		_ = exec.Command("runuser", "-u", "postgres", "--", pgBin(t, "pg_ctl"), "-D", dir+"/data", "-m", "immediate", "stop").Run()
	})
	return p
}

func (p *privatePostgres) asPostgres(args ...string) {
	p.t.Helper()
	out, err := exec.Command("runuser", append([]string{"-u", "postgres", "--"}, args...)...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("%v: %v\n%s", args, err, out)
	}
}

func (p *privatePostgres) start() {
	p.asPostgres(pgBin(p.t, "pg_ctl"), "-D", p.dir+"/data", "-l", p.dir+"/log", "-w", "-o",
		fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", p.port, p.dir), "start")
}

func (p *privatePostgres) stop() {
	p.asPostgres(pgBin(p.t, "pg_ctl"), "-D", p.dir+"/data", "-m", "immediate", "-w", "stop")
}

func (p *privatePostgres) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
}

// TestFaultDatabaseOutageFailsFastAndRecovers makes the database unreachable
// under a running server (PostgreSQL stopped under FerretDB): requests are
// answered with 503 problem documents, nothing panics, and the service
// recovers on its own when PostgreSQL is back.
func TestFaultDatabaseOutageFailsFastAndRecovers(t *testing.T) {
	pg := startPrivatePostgres(t)
	s := startServer(t, map[string]string{"MONGODB_URI": "", "FERRETDB_POSTGRESQL_URL": pg.url()})
	probes := []request{{Method: "GET", Path: "/readyz"}, {Method: "GET", Path: "/api/events"}}
	for _, p := range probes {
		if r := s.do(p); r.Status != http.StatusOK {
			t.Fatalf("before the outage %s: status %d: %s", p.Path, r.Status, r.Body)
		}
	}

	pg.stop()
	for _, p := range probes {
		// Event reads may come from the process's cache for up to
		// event.CacheTTL; past that they must fail like the rest.
		start := time.Now()
		r := s.do(p)
		for r.Status == http.StatusOK && time.Since(start) < event.CacheTTL+5*time.Second {
			r = s.do(p)
		}
		if r.Status != http.StatusServiceUnavailable {
			t.Fatalf("during the outage %s: status %d, want 503: %s", p.Path, r.Status, r.Body)
		}
		if code := r.problem(t)["code"]; code != "unavailable" {
			t.Errorf("during the outage %s: code %v, want unavailable", p.Path, code)
		}
		t.Logf("during the outage %s answered 503 in %v", p.Path, time.Since(start))
	}

	pg.start()
	back := time.Now()
	for deadline := time.Now().Add(time.Minute); ; {
		if r := s.do(probes[0]); r.Status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server did not recover within a minute of PostgreSQL's return")
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("recovered %v after PostgreSQL was back", time.Since(back))
	if r := s.do(probes[len(probes)-1]); r.Status != http.StatusOK {
		t.Fatalf("after recovery %s: status %d: %s", probes[len(probes)-1].Path, r.Status, r.Body)
	}
}

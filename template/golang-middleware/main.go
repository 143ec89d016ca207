// Command handler serves one Guichet function: the OpenFaaS golang-middleware
// entry point. Behind the OpenFaaS of-watchdog it listens on 127.0.0.1:8082
// (the watchdog's upstream_url); where PORT is set (Knative) it listens there
// itself.
package main

import (
	"context"
	"errors"
	"log"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	function "handler/function"
)

// secretsDir is where OpenFaaS mounts a function's secrets, one file each.
const secretsDir = "/var/openfaas/secrets"

func main() {
	if err := exportSecrets(secretsDir, os.LookupEnv, os.Setenv); err != nil {
		log.Fatalf("handler: %v", err)
	}
	addr := "127.0.0.1:8082"
	if port := os.Getenv("PORT"); port != "" {
		addr = ":" + port
	}
	s := &http.Server{
		Addr:              addr,
		Handler:           http.HandlerFunc(function.Handle),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       duration(os.Getenv("read_timeout"), 10*time.Second),
		WriteTimeout:      duration(os.Getenv("write_timeout"), 10*time.Second),
		MaxHeaderBytes:    1 << 20,
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), s.WriteTimeout)
		defer cancel()
		_ = s.Shutdown(shutdown)
	}()
	if err := s.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatalf("handler: %v", err)
	}
}

// exportSecrets sets the environment variable of each secret file that the
// environment does not already set: mongodb-uri becomes MONGODB_URI. So
// shared/config reads OpenFaaS secrets and Kubernetes secretKeyRef variables
// alike. A missing directory means no secrets.
func exportSecrets(dir string, lookup func(string) (string, bool), set func(string, string) error) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		name := strings.ToUpper(strings.ReplaceAll(e.Name(), "-", "_"))
		if _, ok := lookup(name); ok {
			continue
		}
		value, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		if err := set(name, strings.TrimRight(string(value), "\r\n")); err != nil {
			return err
		}
	}
	return nil
}

// duration reads an of-watchdog timeout: seconds ("10") or a Go duration
// ("10s").
func duration(v string, fallback time.Duration) time.Duration {
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if d, err := time.ParseDuration(v); err == nil {
		return d
	}
	return fallback
}

//go:build pprof

// Profiling build: `go build -tags pprof ./cmd/guichet` serves
// net/http/pprof on PPROF_ADDR (default 127.0.0.1:6060), for measuring
// an on-sale with `guichet bench`. Release builds leave it out.
package main

import (
	"log/slog"
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	addr := os.Getenv("PPROF_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6060"
	}
	go func() {
		if err := http.ListenAndServe(addr, nil); err != nil {
			slog.Error("pprof listener", "err", err)
		}
	}()
}

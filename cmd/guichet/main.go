// Command guichet runs the Guichet event-ticketing system: `guichet serve`
// hosts every function in one process (the local gateway); other commands
// restore backups, print routes and load-test an on-sale.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "guichet:", err)
		os.Exit(1)
	}
}

// command is one subcommand of guichet.
type command struct {
	name, usage, summary string
	run                  func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "guichet serve", "run every function behind one HTTP server on PORT (the local gateway)", serve},
		{"routes", "guichet routes [-format table|nginx] [-target openfaas|knative]", "print the route table, or the nginx front door generated from it", routes},
		{"bench", "guichet bench -url URL [-capacity N] [-buyers C] [-quantity 1..10] [-duration D]",
			"load-test an on-sale through the public API and check no seat was oversold", bench},
		{"restore", "guichet restore LOCATION [--drop]", "check and restore a backup (a folder, or an s3:// URL) into the database; --drop replaces a non-empty one", restore},
	}
}

// run is the whole program, callable from tests.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		return help(stdout)
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], getenv, stdout, stderr)
		}
	}
	_ = help(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"guichet.dev/shared/config"
)

func help(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "Guichet: event ticketing as serverless functions.")
	fmt.Fprintln(tw, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(tw, "  %s\t%s\n", c.usage, c.summary)
	}
	fmt.Fprintln(tw, "  guichet help\tprint this help")
	fmt.Fprintln(tw, "\nEnvironment:")
	for _, v := range config.Vars {
		def := v.Default
		if def == "" {
			def = "(unset)"
		}
		fmt.Fprintf(tw, "  %s\t%s\tdefault %s\n", v.Name, v.Help, def)
	}
	return tw.Flush()
}

// Command manifests writes stack.yml and deploy/knative/functions.yaml from
// deploy/functions.go (run by `go generate ./deploy`).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"guichet.dev/deploy"
)

func main() {
	root := flag.String("root", ".", "repository root")
	flag.Parse()
	for path, render := range map[string]func() ([]byte, error){
		"stack.yml":                      deploy.Stack,
		"deploy/knative/functions.yaml":  deploy.KnativeServices,
		"deploy/openfaas/schedules.yaml": deploy.OpenFaaSSchedules,
	} {
		b, err := render()
		if err == nil {
			err = os.WriteFile(filepath.Join(*root, path), b, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "manifests:", path+":", err)
			os.Exit(1)
		}
	}
}

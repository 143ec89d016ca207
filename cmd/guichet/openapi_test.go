package main

import (
	"fmt"
	"os"
	"testing"

	"guichet.dev/openapi"
)

// TestMain reports how much of the OpenAPI document the HTTP tests checked.
func TestMain(m *testing.M) {
	code := m.Run()
	fmt.Println(openapi.Summary())
	os.Exit(code)
}

package main

import (
	"os"
	"strings"
	"testing"

	"guichet.dev/shared/config"
)

func TestREADMEDocumentsEveryVariable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range config.Vars {
		if !strings.Contains(string(b), "| `"+v.Name+"` |") {
			t.Errorf("README's configuration table lacks %s", v.Name)
		}
	}
}

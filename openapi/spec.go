// Package openapi holds Guichet's HTTP contract, openapi.yaml (OpenAPI
// 3.1), and what serves and enforces it: the Swagger UI page of guichet
// serve, and the validating transport every HTTP test sends its requests
// through.
package openapi

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v4"
)

//go:embed openapi.yaml
var spec []byte

// Spec returns the document as written, in YAML.
func Spec() []byte { return spec }

// JSON returns the document converted to JSON.
func JSON() []byte {
	b, err := specJSON()
	if err != nil {
		// The document is embedded and tested: it always converts.
		panic(err)
	}
	return b
}

var specJSON = sync.OnceValues(func() ([]byte, error) {
	var v any
	if err := yaml.Unmarshal(spec, &v); err != nil {
		return nil, fmt.Errorf("decode openapi.yaml: %w", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode openapi.yaml as JSON: %w", err)
	}
	return b, nil
})

// Load parses and validates the document.
func Load(ctx context.Context) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	loader.Context = ctx
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("load openapi.yaml: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("validate openapi.yaml: %w", err)
	}
	return doc, nil
}

package openapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"guichet.dev/shared/fault"
	"guichet.dev/shared/i18n"
	"guichet.dev/shared/route"
)

// nonTable are the operations the gateway answers itself, outside route.Table.
var nonTable = map[string]bool{
	"GET /healthz": true, "GET /readyz": true, "GET /metrics": true,
	"GET /api-docs": true, "GET /api-docs/openapi.yaml": true, "GET /api-docs/openapi.json": true,
}

var loaded = sync.OnceValues(func() (*openapi3.T, error) { return Load(context.Background()) })

func load(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := loaded()
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestDocumentIsValidOpenAPI31(t *testing.T) {
	doc := load(t)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Error("not read as OpenAPI 3.1")
	}
}

// operations returns "METHOD path" -> operation for every operation.
func operations(doc *openapi3.T) map[string]*openapi3.Operation {
	ops := map[string]*openapi3.Operation{}
	for p, item := range doc.Paths.Map() {
		for m, op := range item.Operations() {
			ops[m+" "+p] = op
		}
	}
	return ops
}

func TestEveryRouteHasAnOperationNamedAfterItsFunction(t *testing.T) {
	ops := operations(load(t))
	for _, rt := range route.Table {
		key := rt.Method + " " + rt.Pattern
		op, ok := ops[key]
		if !ok {
			t.Errorf("route %s (%s) has no operation in openapi.yaml", key, rt.Function)
			continue
		}
		if fn, _ := op.Extensions["x-function"].(string); fn != rt.Function {
			t.Errorf("%s: x-function %q, want %q", key, fn, rt.Function)
		}
		if want := camel(rt.Function); !strings.HasPrefix(op.OperationID, want) {
			t.Errorf("%s: operationId %q does not start with %q", key, op.OperationID, want)
		}
	}
}

func TestEveryOperationHasARoute(t *testing.T) {
	routes := map[string]bool{}
	for _, rt := range route.Table {
		routes[rt.Method+" "+rt.Pattern] = true
	}
	for key, op := range operations(load(t)) {
		if !routes[key] && !nonTable[key] {
			t.Errorf("operation %s (%s) has no route in route.Table", key, op.OperationID)
		}
		if nonTable[key] && op.Extensions["x-function"] != nil {
			t.Errorf("operation %s is answered by the gateway, not by a function", key)
		}
	}
}

func camel(name string) string {
	parts := strings.Split(name, "-")
	for i := 1; i < len(parts); i++ {
		parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
	}
	return strings.Join(parts, "")
}

func TestProblemCodesAreTheFaultCodes(t *testing.T) {
	var enum []string
	for _, v := range load(t).Components.Schemas["ProblemCode"].Value.Enum {
		enum = append(enum, v.(string))
	}
	var codes []string
	for _, c := range fault.Codes {
		codes = append(codes, string(c))
	}
	sort.Strings(enum)
	sort.Strings(codes)
	if !slices.Equal(enum, codes) {
		t.Errorf("ProblemCode enum %v\nfault.Codes      %v", enum, codes)
	}
}

// Every error answer is a problem document, and its examples are the
// server's own texts in English and French.
func TestProblemResponsesAreLocalizedProblemDocuments(t *testing.T) {
	doc := load(t)
	for key, op := range operations(doc) {
		for status, resp := range op.Responses.Map() {
			if status[0] != '4' && status[0] != '5' {
				continue
			}
			if len(resp.Value.Content) != 1 || resp.Value.Content.Get("application/problem+json") == nil {
				t.Errorf("%s %s: not only application/problem+json", key, status)
			}
		}
	}
	for name, resp := range doc.Components.Responses {
		mt := resp.Value.Content.Get("application/problem+json")
		if mt == nil {
			continue
		}
		if resp.Value.Headers["Content-Language"] == nil {
			t.Errorf("%s: no Content-Language header", name)
		}
		for _, lang := range i18n.Langs {
			ex := mt.Examples[string(lang)]
			if ex == nil {
				t.Errorf("%s: no %s example", name, lang)
				continue
			}
			p := ex.Value.Value.(map[string]any)
			code, _ := p["code"].(string)
			if want := i18n.T(lang, "problem."+code+".title", nil); p["title"] != want {
				t.Errorf("%s %s example: title %q, the server says %q", name, lang, p["title"], want)
			}
			if p["type"] != "https://guichet.dev/problems/"+code {
				t.Errorf("%s %s example: type %q", name, lang, p["type"])
			}
		}
	}
}

func TestPricesAreExactToTheCent(t *testing.T) {
	money := load(t).Components.Schemas["Money"].Value
	tests := []struct {
		price any
		ok    bool
	}{
		{19.99, true}, {0.0, true}, {0.3, true}, {1234.56, true}, {19.999, false}, {-1.0, false},
	}
	for _, tt := range tests {
		err := money.VisitJSON(tt.price, openapi3.EnableJSONSchema2020())
		if (err == nil) != tt.ok {
			t.Errorf("price %v: valid=%v, want %v (%v)", tt.price, err == nil, tt.ok, err)
		}
	}
}

func TestJSONIsTheSameDocument(t *testing.T) {
	var fromJSON map[string]any
	if err := json.Unmarshal(JSON(), &fromJSON); err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(JSON())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := len(operations(doc)), len(operations(load(t))); got != want {
		t.Errorf("JSON has %d operations, YAML %d", got, want)
	}
}

func TestEveryOperationAnswersProblemsForServerErrors(t *testing.T) {
	for key, op := range operations(load(t)) {
		if nonTable[key] {
			continue
		}
		for _, status := range []int{http.StatusInternalServerError, http.StatusServiceUnavailable} {
			if op.Responses.Status(status) == nil {
				t.Errorf("%s: no %d response", key, status)
			}
		}
		if op.RequestBody != nil {
			for _, status := range []int{http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusBadRequest} {
				if op.Responses.Status(status) == nil {
					t.Errorf("%s takes a body but has no %d response", key, status)
				}
			}
		}
	}
}

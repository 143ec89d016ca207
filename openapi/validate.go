package openapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// NewValidatingTransport returns a RoundTripper for tests that sends every
// request through next and checks each answer against the document, calling
// t.Errorf on any mismatch:
//
//   - The request is only used to find its operation (method and path). It
//     is not validated: tests send wrong bodies, ids and headers on purpose
//     to check the server refuses them, and that refusal is what gets
//     checked.
//   - The response is validated strictly: its status must be one the
//     operation documents, and its headers, Content-Type and body must match
//     that response (required members, formats, enums, no extra members).
//   - A request that matches no operation must be answered by the gateway's
//     404 not_found or 405 method_not_allowed problem. Swagger UI's assets
//     under /api-docs/ui/ are static files outside the document.
//
// Every checked response counts in Summary.
func NewValidatingTransport(t testing.TB, next http.RoundTripper) http.RoundTripper {
	t.Helper()
	v, err := sharedValidator()
	if err != nil {
		t.Fatalf("openapi: %v", err)
	}
	return &transport{t: t, next: next, v: v}
}

type transport struct {
	t    testing.TB
	next http.RoundTripper
	v    *validator
}

func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := tr.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("openapi: read response of %s %s: %w", req.Method, req.URL.Path, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err := tr.v.check(req, resp.StatusCode, resp.Header, body); err != nil {
		tr.t.Errorf("openapi: %s %s answered %d, which the document does not allow:\n%v\nbody: %s",
			req.Method, req.URL.RequestURI(), resp.StatusCode, err, truncate(body))
	}
	return resp, nil
}

func truncate(b []byte) string {
	const max = 2000
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

// validator holds the parsed document and its router, shared by every
// transport of a test binary.
type validator struct {
	doc        *openapi3.T
	router     routers.Router
	notFound   *routers.Route
	notAllowed *routers.Route

	mu         sync.Mutex
	operations map[string]int // operationId: responses checked
	responses  int
}

var sharedValidator = sync.OnceValues(func() (*validator, error) {
	// Bodies the generic decoders do not know: images and pages.
	openapi3filter.RegisterBodyDecoder("image/png", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	return newValidator(context.Background())
})

func newValidator(ctx context.Context) (*validator, error) {
	doc, err := Load(ctx)
	if err != nil {
		return nil, err
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route openapi.yaml: %w", err)
	}
	gateway := func(status int, name string) (*routers.Route, error) {
		resp := doc.Components.Responses[name]
		if resp == nil {
			return nil, fmt.Errorf("openapi.yaml has no response %s", name)
		}
		op := &openapi3.Operation{OperationID: "gateway" + name, Responses: openapi3.NewResponses(openapi3.WithStatus(status, resp))}
		return &routers.Route{Spec: doc, Operation: op}, nil
	}
	v := &validator{doc: doc, router: router, operations: map[string]int{}}
	if v.notFound, err = gateway(http.StatusNotFound, "NotFound"); err != nil {
		return nil, err
	}
	if v.notAllowed, err = gateway(http.StatusMethodNotAllowed, "MethodNotAllowed"); err != nil {
		return nil, err
	}
	return v, nil
}

// responseOptions fail undocumented statuses and report every mismatch of a
// body, each as its place and reason (the schema and value dumps are long).
var responseOptions = func() *openapi3filter.Options {
	o := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	o.WithCustomSchemaErrorFunc(func(err *openapi3.SchemaError) string {
		return "at /" + strings.Join(err.JSONPointer(), "/") + ": " + err.Reason
	})
	return o
}()

// check validates one answer to req.
func (v *validator) check(req *http.Request, status int, header http.Header, body []byte) error {
	route, params, err := v.router.FindRoute(req)
	switch {
	case err == nil:
	case errors.Is(err, routers.ErrPathNotFound) || errors.Is(err, routers.ErrMethodNotAllowed):
		if strings.HasPrefix(req.URL.Path, "/api-docs/ui/") && status == http.StatusOK {
			return nil
		}
		// The gateway answers 404 or 405; the Go mux and the document's
		// router may disagree on which (GET /api/tickets/verify is the
		// ticket-get route with a malformed uuid for the mux).
		switch status {
		case http.StatusNotFound:
			route = v.notFound
		case http.StatusMethodNotAllowed:
			route = v.notAllowed
		default:
			return fmt.Errorf("no operation has this method and path, yet the answer is not a 404 or 405 problem")
		}
	default:
		return fmt.Errorf("find operation: %w", err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Options:                responseOptions,
	}
	in.SetBodyBytes(body)
	err = openapi3filter.ValidateResponse(req.Context(), in)
	v.mu.Lock()
	v.operations[route.Operation.OperationID]++
	v.responses++
	v.mu.Unlock()
	return err
}

// Checked returns the operations of the document that answered at least one
// checked response, sorted, and the number of responses checked, across
// every validating transport of the test binary.
func Checked() (operations []string, responses int) {
	v, err := sharedValidator()
	if err != nil {
		return nil, 0
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	for id := range v.operations {
		if !strings.HasPrefix(id, "gateway") {
			operations = append(operations, id)
		}
	}
	sort.Strings(operations)
	return operations, v.responses
}

// Summary is the line a TestMain prints after the tests:
// "openapi: N of T operations, M responses checked".
func Summary() string {
	ops, responses := Checked()
	return fmt.Sprintf("openapi: %d of %d operations, %d responses checked", len(ops), countOperations(), responses)
}

// countOperations counts the document's operations.
func countOperations() int {
	v, err := sharedValidator()
	if err != nil {
		return 0
	}
	n := 0
	for _, item := range v.doc.Paths.Map() {
		n += len(item.Operations())
	}
	return n
}

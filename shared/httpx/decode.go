package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"guichet.dev/shared/fault"
)

// MaxBody is the largest request body accepted (API.md: 1 MiB, else 413).
const MaxBody = 1 << 20

// Decode reads r's JSON body into v. It refuses bodies over MaxBody (413),
// syntax errors and trailing data (400 bad_request), and unknown fields, wrong
// types, keys starting with $ and NUL characters (400 validation_failed, with
// the field named). An empty body is an error unless optional is true, in
// which case v is left as it is.
func Decode(w http.ResponseWriter, r *http.Request, v any, optional bool) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return fault.New(fault.Unsupported)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fault.New(fault.TooLarge)
		}
		return fault.With(fault.BadRequest, "decode.syntax")
	}
	return DecodeBytes(body, v, optional)
}

// DecodeBytes is Decode for a body already read; fuzz targets call it.
func DecodeBytes(body []byte, v any, optional bool) error {
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return nil
		}
		return fault.With(fault.BadRequest, "decode.empty")
	}
	if err := screen(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fault.With(fault.BadRequest, "decode.trailing")
	}
	return nil
}

// screen walks the JSON tokens and refuses object keys that look like Mongo
// operators and strings holding NUL, at any depth, naming the field.
func screen(body []byte) error {
	type frame struct {
		object bool   // an object, not an array
		key    bool   // the next token in this object is a key
		name   string // the current key
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var stack []frame
	path := func() []string {
		names := make([]string, 0, len(stack))
		for _, f := range stack {
			if f.object && f.name != "" {
				names = append(names, f.name)
			}
		}
		return names
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fault.With(fault.BadRequest, "decode.syntax")
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			if n := len(stack); n > 0 && stack[n-1].object {
				stack[n-1].key = true
			}
			continue
		}
		top := len(stack) - 1
		if top >= 0 && stack[top].object && stack[top].key {
			name, _ := tok.(string)
			stack[top].name = ""
			if strings.HasPrefix(name, "$") {
				return invalidField(path(), "decode.operator")
			}
			if strings.ContainsRune(name, 0) {
				return invalidField(path(), "decode.nul")
			}
			stack[top].name, stack[top].key = name, false
			continue
		}
		switch t := tok.(type) {
		case json.Delim:
			stack = append(stack, frame{object: t == '{', key: t == '{'})
			continue
		case string:
			if strings.ContainsRune(t, 0) {
				return invalidField(path(), "decode.nul")
			}
		}
		if top >= 0 && stack[top].object {
			stack[top].key = true
		}
	}
}

func invalidField(path []string, id string) error {
	f := strings.Trim(strings.Join(path, "."), ".")
	if f == "" {
		f = "body"
	}
	return &fault.Error{Code: fault.Invalid, Fields: fault.Fields{f: fault.M(id)}}
}

func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		f := typeErr.Field
		if f == "" {
			f = "body"
		}
		return &fault.Error{Code: fault.Invalid, Fields: fault.Fields{f: fault.M("decode.type", "Type", jsonType(typeErr.Type.Kind().String()))}}
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return fault.With(fault.BadRequest, "decode.syntax")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &fault.Error{Code: fault.Invalid, Fields: fault.Fields{f: fault.M("decode.unknown_field")}}
	default:
		return fault.With(fault.BadRequest, "decode.syntax")
	}
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map", "ptr":
		return "object"
	default:
		return "number"
	}
}

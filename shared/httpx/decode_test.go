package httpx

import (
	"strings"
	"testing"

	"guichet.dev/shared/fault"
)

type sample struct {
	Name  string            `json:"name"`
	Count int               `json:"count"`
	Tags  []string          `json:"tags"`
	Meta  map[string]string `json:"meta"`
	Inner *struct {
		On bool `json:"on"`
	} `json:"inner"`
}

func TestDecodeRefusesWhatAnAttackerSends(t *testing.T) {
	tests := []struct {
		name, body string
		code       fault.Code
		field      string
	}{
		{"an operator object where a string goes", `{"name": {"$gt": ""}}`, fault.Invalid, "name"},
		{"an operator key in a map", `{"meta": {"$where": "1"}}`, fault.Invalid, "meta"},
		{"an operator key at the top", `{"$set": {"name": "x"}}`, fault.Invalid, "body"},
		{"an operator key deep in an array", `{"tags": ["a"], "inner": {"on": true, "$or": []}}`, fault.Invalid, "inner"},
		{"a NUL in a string", `{"name": "a\u0000b"}`, fault.Invalid, "name"},
		{"an unknown field", `{"nome": "x"}`, fault.Invalid, "nome"},
		{"a wrong type", `{"count": "3"}`, fault.Invalid, "count"},
		{"broken JSON", `{"name": `, fault.BadRequest, ""},
		{"two values", `{} {}`, fault.BadRequest, ""},
		{"nothing", ``, fault.BadRequest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v sample
			err := DecodeBytes([]byte(tt.body), &v, false)
			fe, ok := fault.As(err)
			if !ok || fe.Code != tt.code {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
			if tt.field != "" {
				if _, ok := fe.Fields[tt.field]; !ok {
					t.Errorf("fields %v do not name %q", fe.Fields, tt.field)
				}
			}
		})
	}
	var v sample
	if err := DecodeBytes([]byte(`{"name": "$ is fine in a value", "meta": {"k": "v"}, "tags": ["$x"]}`), &v, false); err != nil {
		t.Fatalf("a dollar inside values refused: %v", err)
	}
	if err := DecodeBytes(nil, &v, true); err != nil {
		t.Fatalf("an optional empty body refused: %v", err)
	}
}

func FuzzDecodeBytes(f *testing.F) {
	for _, s := range []string{`{"name":"x","count":1}`, `{"meta":{"$gt":1}}`, `[`, `{"tags":[1,2]}`, `{"inner":{"on":true}}`, strings.Repeat("[", 100)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v sample
		err := DecodeBytes(b, &v, false)
		if err == nil {
			return
		}
		fe, ok := fault.As(err)
		if !ok || (fe.Code != fault.Invalid && fe.Code != fault.BadRequest) {
			t.Fatalf("input %q gave %v: every refusal must be a 400", b, err)
		}
	})
}

package i18n_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"guichet.dev/shared/fault"
	"guichet.dev/shared/i18n"
)

// sourceRoots are the trees whose Go code names message ids, relative to
// this package.
var sourceRoots = []string{"..", "../../functions"}

var messageID = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)

// usedIDs walks the Go source under roots and returns every message id
// written as a string literal in fault.With(code, "id"), fault.M("id"),
// fields.Add("field", "id") and i18n.T(lang, "id"), with where it is.
func usedIDs(t *testing.T, roots ...string) map[string]string {
	t.Helper()
	ids := map[string]string{}
	fset := token.NewFileSet()
	for _, root := range roots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				if id, ok := idArgument(call); ok {
					ids[id] = fset.Position(call.Pos()).String()
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// idArgument returns the message id literal of a call that takes one.
func idArgument(call *ast.CallExpr) (string, bool) {
	var name, pkg string
	switch fn := call.Fun.(type) {
	case *ast.SelectorExpr:
		name = fn.Sel.Name
		if x, ok := fn.X.(*ast.Ident); ok {
			pkg = x.Name
		}
	case *ast.Ident: // inside package fault itself
		name, pkg = fn.Name, "fault"
	default:
		return "", false
	}
	pos := -1
	switch {
	case pkg == "fault" && name == "M":
		pos = 0
	case pkg == "fault" && name == "With", pkg == "i18n" && name == "T", name == "Add":
		pos = 1
	}
	if pos < 0 || len(call.Args) <= pos {
		return "", false
	}
	lit, ok := call.Args[pos].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	if err != nil || !messageID.MatchString(s) {
		return "", false
	}
	return s, true
}

func TestEveryMessageIDIsTranslated(t *testing.T) {
	ids := usedIDs(t, sourceRoots...)
	// The walk must see the code: a few ids known to be used.
	for _, known := range []string{"user.taken", "field.required", "auth.locked", "decode.syntax"} {
		if _, ok := ids[known]; !ok {
			t.Fatalf("the walk missed %s; found %d ids", known, len(ids))
		}
	}
	// The problem writer builds problem.<code>.title/detail for every code.
	for _, c := range fault.Codes {
		ids["problem."+string(c)+".title"] = "httpx.WriteError"
		ids["problem."+string(c)+".detail"] = "httpx.WriteError"
	}
	for id, where := range ids {
		for _, lang := range i18n.Langs {
			if !i18n.Has(lang, id) {
				t.Errorf("%s (used at %s) is missing in %s.toml", id, where, lang)
			}
		}
	}
}

func TestLocalesHaveTheSameIDs(t *testing.T) {
	en := i18n.IDs(i18n.EN)
	for _, lang := range i18n.Langs[1:] {
		other := i18n.IDs(lang)
		for _, id := range en {
			if !slices.Contains(other, id) {
				t.Errorf("%s is in en.toml but not in %s.toml", id, lang)
			}
		}
		for _, id := range other {
			if !slices.Contains(en, id) {
				t.Errorf("%s is in %s.toml but not in en.toml", id, lang)
			}
		}
	}
}

func TestNegotiateHonoursQValues(t *testing.T) {
	tests := []struct {
		header string
		want   i18n.Lang
		ok     bool
	}{
		{"", i18n.EN, false},
		{"fr", i18n.FR, true},
		{"fr-CA", i18n.FR, true},
		{"en-GB,en;q=0.9", i18n.EN, true},
		{"de;q=1, fr;q=0.8, en;q=0.5", i18n.FR, true},
		{"en;q=0.2, fr;q=0.9", i18n.FR, true},
		{"de, ja", i18n.EN, false},
		{"*;q=0.1", i18n.EN, false},
		{"fr;q=0", i18n.EN, false},
		{";;;", i18n.EN, false},
		{strings.Repeat("fr,", 400), i18n.EN, false},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			got, ok := i18n.Negotiate(tt.header)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Negotiate(%q) = %s, %v; want %s, %v", tt.header, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// FuzzNegotiate: any header gives a supported language, without panicking.
func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"", "fr", "en-US,en;q=0.9,fr;q=0.8", "de;q=1, fr;q=0.8", "*", "x-klingon;q=abc", "fr;q=2", ",,,;q=", "zh-Hant-TW;q=0.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		lang, _ := i18n.Negotiate(header)
		if _, ok := i18n.Parse(string(lang)); !ok {
			t.Fatalf("Negotiate(%q) = %q, not a supported language", header, lang)
		}
	})
}

package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

var dockerfiles = []string{
	"Dockerfile.function",
	"Dockerfile.guichet",
	"../template/golang-middleware/Dockerfile",
}

func TestDockerfilesAreMultiStageStaticAndNonRoot(t *testing.T) {
	for _, path := range dockerfiles {
		t.Run(filepath.Base(filepath.Dir(path))+"/"+filepath.Base(path), func(t *testing.T) {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			res, err := parser.Parse(f)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			stages, _, err := instructions.Parse(res.AST, nil)
			if err != nil {
				t.Fatalf("instructions: %v", err)
			}
			if len(stages) < 2 {
				t.Fatalf("%d stages: want a build stage and a final one", len(stages))
			}
			final := stages[len(stages)-1]
			if !strings.HasPrefix(final.BaseName, "gcr.io/distroless/static") || !strings.HasSuffix(final.BaseName, ":nonroot") {
				t.Errorf("final stage FROM %s: want gcr.io/distroless/static…:nonroot", final.BaseName)
			}
			var user string
			for _, cmd := range final.Commands {
				if u, ok := cmd.(*instructions.UserCommand); ok {
					user = u.User
				}
			}
			if !strings.HasPrefix(user, "nonroot") {
				t.Errorf("final stage USER %q, want nonroot", user)
			}
			static := false
			for _, st := range stages {
				for _, cmd := range st.Commands {
					if add, ok := cmd.(*instructions.AddCommand); ok {
						t.Errorf("ADD %v: use COPY (no remote URLs, no archives)", add.SourcePaths)
					}
					if run, ok := cmd.(*instructions.RunCommand); ok && strings.Contains(strings.Join(run.CmdLine, " "), "build.sh") {
						static = true // build.sh builds with CGO_ENABLED=0
					}
					if run, ok := cmd.(*instructions.RunCommand); ok && strings.Contains(strings.Join(run.CmdLine, " "), "CGO_ENABLED=0 go build") {
						static = true
					}
				}
			}
			if !static {
				t.Error("no static (CGO_ENABLED=0) Go build")
			}
			if filepath.Base(path) == "Dockerfile.function" && !slices.ContainsFunc(stages[0].Commands, func(c instructions.Command) bool {
				a, ok := c.(*instructions.ArgCommand)
				return ok && len(a.Args) > 0 && a.Args[0].Key == "FUNCTION"
			}) {
				t.Error("Dockerfile.function takes no ARG FUNCTION")
			}
		})
	}
}

func TestDockerignoreKeepsBuildOutputsOut(t *testing.T) {
	raw, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(string(raw))
	for _, want := range []string{".git", "bin", "data", "**/node_modules"} {
		if !slices.Contains(lines, want) {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
}

// TestTemplateBuildsAFunctionAsFaasCliLaysItOut builds functions/user-get the
// way `faas-cli build` prepares it for the template's Dockerfile: the template
// at the root of the context, the handler folder in function/, and
// configuration.copy's ./shared in function/shared; then runs the template's
// build step (build.sh) as the Dockerfile does.
func TestTemplateBuildsAFunctionAsFaasCliLaysItOut(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a function with its dependencies")
	}
	ctx := t.TempDir()
	for src, dst := range map[string]string{
		"../template/golang-middleware": ".",
		"../functions/user-get":         "function",
		"../shared":                     "function/shared",
	} {
		if err := os.CopyFS(filepath.Join(ctx, dst), os.DirFS(src)); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "handler")
	cmd := exec.Command("sh", "./build.sh", out)
	cmd.Dir = ctx
	cmd.Env = append(os.Environ(), "GOWORK=", "GOFLAGS=")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build.sh: %v\n%s", err, b)
	}
	if fi, err := os.Stat(out); err != nil || fi.Size() == 0 {
		t.Fatalf("no handler binary: %v", err)
	}
	if b, err := exec.Command("go", "version", "-m", out).CombinedOutput(); err != nil || !strings.Contains(string(b), "CGO_ENABLED=0") || !strings.Contains(string(b), "guichet.dev/functions/user-get") {
		t.Errorf("handler is not a static build of user-get: %v\n%s", err, b)
	}
}

package deploy

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
)

// stackFile is the part of the OpenFaaS stack schema stack.yml uses; a field
// outside it fails the strict decode.
type stackFile struct {
	Version  string `json:"version"`
	Provider struct {
		Name    string `json:"name"`
		Gateway string `json:"gateway"`
	} `json:"provider"`
	Configuration struct {
		Copy []string `json:"copy"`
	} `json:"configuration"`
	Functions map[string]stackFunction `json:"functions"`
}

type stackFunction struct {
	Lang                   string            `json:"lang"`
	Handler                string            `json:"handler"`
	Image                  string            `json:"image"`
	ReadOnlyRootFilesystem bool              `json:"readonly_root_filesystem"`
	Labels                 map[string]string `json:"labels"`
	Annotations            map[string]string `json:"annotations"`
	Environment            map[string]string `json:"environment"`
	Secrets                []string          `json:"secrets"`
	Requests               map[string]string `json:"requests"`
	Limits                 map[string]string `json:"limits"`
}

func readStack(t *testing.T) stackFile {
	t.Helper()
	docs := documents(t, "../stack.yml")
	if len(docs) != 1 {
		t.Fatalf("stack.yml: %d documents", len(docs))
	}
	var s stackFile
	strict(t, "stack.yml", docs[0], &s)
	return s
}

func TestStackDeploysExactlyTheExpectedFunctions(t *testing.T) {
	s := readStack(t)
	var got []string
	for name := range s.Functions {
		got = append(got, name)
	}
	want := Expected()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("stack.yml functions %v\nwant route.Functions() + %v: %v", got, Unrouted, want)
	}
}

// Functions are written in parallel; every one that exists must be deployed.
func TestEveryFunctionDirectoryIsInTheStack(t *testing.T) {
	s := readStack(t)
	dirs, err := os.ReadDir("../functions")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		if _, ok := s.Functions[d.Name()]; !ok {
			t.Errorf("functions/%s is not in stack.yml", d.Name())
		}
		if _, err := os.Stat(filepath.Join("..", "functions", d.Name(), "go.mod")); err != nil {
			t.Errorf("functions/%s has no go.mod", d.Name())
		}
	}
}

func TestStackBuildsWithTheSharedModuleAndIsolatesFunctions(t *testing.T) {
	s := readStack(t)
	if s.Provider.Name != "openfaas" || !slices.Contains(s.Configuration.Copy, "./shared") {
		t.Fatalf("provider %q, configuration.copy %v: want openfaas and ./shared", s.Provider.Name, s.Configuration.Copy)
	}
	if _, err := os.Stat("../template/golang-middleware/template.yml"); err != nil {
		t.Fatalf("the golang-middleware template stack.yml builds with: %v", err)
	}
	known := map[string]bool{}
	for _, k := range []string{MongoURI, AMQPURL, SMTPURL, JWTKey, TicketKey, SMSToken, BackupS3URL, CronToken} {
		known[k] = true
	}
	for name, fn := range s.Functions {
		if fn.Lang != "golang-middleware" || fn.Handler != "./functions/"+name || !fn.ReadOnlyRootFilesystem {
			t.Errorf("%s: lang %q handler %q read-only %v", name, fn.Lang, fn.Handler, fn.ReadOnlyRootFilesystem)
		}
		for _, sec := range fn.Secrets {
			if !known[sec] {
				t.Errorf("%s: unknown secret %s", name, sec)
			}
		}
		if !slices.Contains(fn.Secrets, MongoURI) || !slices.Contains(fn.Secrets, JWTKey) {
			t.Errorf("%s: every function needs mongodb-uri and jwt-private-key (one signing key for all replicas)", name)
		}
		if fn.Limits["memory"] == "" || fn.Requests["cpu"] == "" {
			t.Errorf("%s: limits %v requests %v", name, fn.Limits, fn.Requests)
		}
		for _, l := range []string{"com.openfaas.scale.min", "com.openfaas.scale.max", "com.openfaas.scale.target"} {
			if _, err := strconv.Atoi(fn.Labels[l]); err != nil {
				t.Errorf("%s: label %s = %q", name, l, fn.Labels[l])
			}
		}
	}
}

func TestStackScalesPurchaseAboveCRUD(t *testing.T) {
	s := readStack(t)
	scale := func(fn, label string) int { return atoi(s.Functions[fn].Labels["com.openfaas.scale."+label]) }
	for _, fn := range Functions {
		if fn.Tier.Name != CRUD.Name {
			continue
		}
		if scale("ticket-purchase", "min") <= scale(fn.Name, "min") || scale("ticket-purchase", "max") <= scale(fn.Name, "max") {
			t.Errorf("ticket-purchase min/max %d/%d not above %s's %d/%d", scale("ticket-purchase", "min"),
				scale("ticket-purchase", "max"), fn.Name, scale(fn.Name, "min"), scale(fn.Name, "max"))
		}
	}
}

func TestStackSubscribesOnlyPurchaseConfirm(t *testing.T) {
	s := readStack(t)
	for name, fn := range s.Functions {
		want := ""
		if name == "purchase-confirm" {
			want = "ticket.purchased"
		}
		if got := fn.Annotations["topic"]; got != want {
			t.Errorf("%s: topic %q, want %q (schedules are CronJobs, not cron-connector topics)", name, got, want)
		}
	}
}

func TestOpenFaaSSchedulesCallTheGatewayWithTheCronToken(t *testing.T) {
	jobs := map[string]*batchv1.CronJob{}
	for _, doc := range documents(t, "openfaas/schedules.yaml") {
		j := &batchv1.CronJob{}
		strict(t, "openfaas/schedules.yaml", doc, j)
		jobs[j.Labels["app.kubernetes.io/name"]] = j
	}
	scheduled := 0
	for _, fn := range Functions {
		if fn.Schedule == "" {
			continue
		}
		scheduled++
		if !slices.Contains(fn.Secrets, CronToken) {
			t.Errorf("%s is scheduled without the %s secret it checks triggers against", fn.Name, CronToken)
		}
		j := jobs[fn.Name]
		if j == nil {
			t.Errorf("%s: no CronJob", fn.Name)
			continue
		}
		pod := j.Spec.JobTemplate.Spec.Template.Spec
		if j.Spec.Schedule != fn.Schedule || j.Namespace != "openfaas-fn" || len(pod.Containers) != 1 {
			t.Errorf("%s: CronJob schedule %q in %q with %d containers", fn.Name, j.Spec.Schedule, j.Namespace, len(pod.Containers))
			continue
		}
		c := pod.Containers[0]
		args := strings.Join(c.Args, " ")
		if !strings.Contains(args, "-X POST -H X-Guichet-Cron: $(CRON_TOKEN) http://gateway.openfaas:8080/function/"+fn.Name) {
			t.Errorf("%s: CronJob args %q do not POST the token to the function", fn.Name, args)
		}
		if len(c.Env) != 1 || c.Env[0].Name != "CRON_TOKEN" || c.Env[0].ValueFrom == nil ||
			c.Env[0].ValueFrom.SecretKeyRef == nil || c.Env[0].ValueFrom.SecretKeyRef.Name != CronToken {
			t.Errorf("%s: CRON_TOKEN does not come from the secret %s: %+v", fn.Name, CronToken, c.Env)
		}
	}
	if len(jobs) != scheduled {
		t.Errorf("%d CronJobs for %d scheduled functions", len(jobs), scheduled)
	}
}

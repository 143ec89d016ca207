package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"knative.dev/pkg/apis"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"
	"sigs.k8s.io/yaml"
)

// documents splits a multi-document YAML file into JSON documents.
func documents(t *testing.T, path string) [][]byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var docs [][]byte
	for _, part := range strings.Split("\n"+string(raw), "\n---") {
		j, err := yaml.YAMLToJSON([]byte(part))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if string(j) != "null" {
			docs = append(docs, j)
		}
	}
	return docs
}

// strict decodes doc into v, refusing any field v does not have.
func strict(t *testing.T, where string, doc []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("%s: trailing data", where)
	}
}

type typeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
}

func meta(t *testing.T, doc []byte) typeMeta {
	t.Helper()
	var m typeMeta
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestGeneratedManifestsAreCommitted(t *testing.T) {
	for path, render := range map[string]func() ([]byte, error){
		"../stack.yml":            Stack,
		"knative/functions.yaml":  KnativeServices,
		"openfaas/schedules.yaml": OpenFaaSSchedules,
	} {
		want, err := render()
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run `go generate ./deploy`", path)
		}
	}
}

func TestFunctionsAreTheRouteTablesPlusTheUnrouted(t *testing.T) {
	var names []string
	for _, fn := range Functions {
		names = append(names, fn.Name)
	}
	if !slices.Equal(names, Expected()) {
		t.Fatalf("deploy.Functions %v\nwant route.Functions() + %v = %v", names, Unrouted, Expected())
	}
}

// knativeServices decodes functions.yaml strictly into the real types.
func knativeServices(t *testing.T) (map[string]*servingv1.Service, *corev1.ConfigMap) {
	t.Helper()
	services := map[string]*servingv1.Service{}
	var cm *corev1.ConfigMap
	for _, doc := range documents(t, "knative/functions.yaml") {
		m := meta(t, doc)
		switch m.Kind {
		case "Service":
			s := &servingv1.Service{}
			strict(t, m.Metadata.Name, doc, s)
			services[s.Name] = s
		case "ConfigMap":
			cm = &corev1.ConfigMap{}
			strict(t, m.Metadata.Name, doc, cm)
		default:
			t.Fatalf("functions.yaml: unexpected kind %s", m.Kind)
		}
	}
	return services, cm
}

func TestKnativeServicesAreValidAndScaleForAnOnSale(t *testing.T) {
	services, cm := knativeServices(t)
	if cm == nil || cm.Name != "guichet-config" {
		t.Fatal("functions.yaml lacks the ConfigMap guichet-config")
	}
	for _, kv := range Common {
		if cm.Data[kv[0]] != kv[1] {
			t.Errorf("guichet-config %s = %q, want %q", kv[0], cm.Data[kv[0]], kv[1])
		}
	}
	secretKeys := secretKeys(t)
	for _, fn := range Functions {
		s, ok := services[fn.Name]
		if !ok {
			t.Errorf("no Knative Service %s", fn.Name)
			continue
		}
		if s.APIVersion != "serving.knative.dev/v1" {
			t.Errorf("%s: apiVersion %s", fn.Name, s.APIVersion)
		}
		ctx := apis.WithinCreate(context.Background())
		s.SetDefaults(ctx)
		if err := s.Validate(ctx); err != nil {
			t.Errorf("%s: Knative validation: %v", fn.Name, err)
		}
		ann := s.Spec.Template.Annotations
		minScale, _ := strconv.Atoi(ann["autoscaling.knative.dev/min-scale"])
		maxScale, _ := strconv.Atoi(ann["autoscaling.knative.dev/max-scale"])
		if ann["autoscaling.knative.dev/target"] == "" || maxScale < 1 || minScale > maxScale {
			t.Errorf("%s: autoscaling annotations %v", fn.Name, ann)
		}
		if fn.Name == "ticket-purchase" && minScale < 1 {
			t.Errorf("ticket-purchase min-scale %d: an on-sale must not start cold", minScale)
		}
		c := s.Spec.Template.Spec.Containers[0]
		if c.SecurityContext == nil || c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem {
			t.Errorf("%s: root filesystem not read-only", fn.Name)
		}
		for _, e := range c.Env {
			if ref := e.ValueFrom; ref != nil && ref.SecretKeyRef != nil && !secretKeys[ref.SecretKeyRef.Key] {
				t.Errorf("%s: secret key %s is not in knative/secret.yaml", fn.Name, ref.SecretKeyRef.Key)
			}
		}
	}
	if len(services) != len(Functions) {
		t.Errorf("%d Knative Services for %d functions", len(services), len(Functions))
	}
	purchase := services["ticket-purchase"].Spec.Template.Annotations["autoscaling.knative.dev/max-scale"]
	for _, fn := range Functions {
		if fn.Tier.Name == CRUD.Name {
			if crud := services[fn.Name].Spec.Template.Annotations["autoscaling.knative.dev/max-scale"]; atoi(purchase) <= atoi(crud) {
				t.Errorf("ticket-purchase max-scale %s is not above %s's %s", purchase, fn.Name, crud)
			}
		}
	}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

func secretKeys(t *testing.T) map[string]bool {
	t.Helper()
	docs := documents(t, "knative/secret.yaml")
	if len(docs) != 1 {
		t.Fatalf("secret.yaml: %d documents", len(docs))
	}
	var s corev1.Secret
	strict(t, "secret.yaml", docs[0], &s)
	keys := map[string]bool{}
	for k := range s.StringData {
		keys[k] = true
	}
	for _, fn := range Functions {
		for _, name := range fn.Secrets {
			if !keys[name] {
				t.Errorf("%s uses secret %s, absent from knative/secret.yaml", fn.Name, name)
			}
		}
	}
	return keys
}

// eventing is the part of Broker, Trigger, PingSource and
// RabbitmqBrokerConfig the deployment relies on (knative.dev/eventing does
// not resolve from this machine's module proxy).
type eventing struct {
	typeMeta
	Metadata struct {
		Name        string            `json:"name"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec struct {
		Config *struct {
			APIVersion, Kind, Name string
		} `json:"config"`
		Broker string `json:"broker"`
		Filter *struct {
			Attributes map[string]string `json:"attributes"`
		} `json:"filter"`
		Subscriber  *destination `json:"subscriber"`
		Sink        *destination `json:"sink"`
		Schedule    string       `json:"schedule"`
		CEOverrides *struct {
			Extensions map[string]string `json:"extensions"`
		} `json:"ceOverrides"`
		Timezone string `json:"timezone"`
		Delivery *struct {
			Retry int `json:"retry"`
		} `json:"delivery"`
		RabbitmqClusterReference *struct {
			Name string `json:"name"`
		} `json:"rabbitmqClusterReference"`
	} `json:"spec"`
}

type destination struct {
	Ref struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Name       string `json:"name"`
	} `json:"ref"`
}

func TestEventingDeliversPurchasesAndSchedules(t *testing.T) {
	services, _ := knativeServices(t)
	rabbit := rabbitmqClusters(t)
	kinds := map[string]string{
		"Broker":               "eventing.knative.dev/v1",
		"Trigger":              "eventing.knative.dev/v1",
		"PingSource":           "sources.knative.dev/v1",
		"RabbitmqBrokerConfig": "eventing.knative.dev/v1alpha1",
	}
	brokers := map[string]bool{}
	pings := map[string]string{}
	var triggered []string
	var all []eventing
	for _, doc := range documents(t, "knative/eventing.yaml") {
		var e eventing
		if err := json.Unmarshal(doc, &e); err != nil {
			t.Fatal(err)
		}
		if want, ok := kinds[e.Kind]; !ok || e.APIVersion != want {
			t.Errorf("%s %s: apiVersion %s", e.Kind, e.Metadata.Name, e.APIVersion)
		}
		if e.Metadata.Name == "" {
			t.Errorf("%s without a name", e.Kind)
		}
		all = append(all, e)
		if e.Kind == "Broker" {
			brokers[e.Metadata.Name] = true
		}
	}
	for _, e := range all {
		switch e.Kind {
		case "RabbitmqBrokerConfig":
			if r := e.Spec.RabbitmqClusterReference; r == nil || !rabbit[r.Name] {
				t.Errorf("RabbitmqBrokerConfig %s: no RabbitmqCluster of deploy/k8s referenced", e.Metadata.Name)
			}
		case "Broker":
			if e.Metadata.Annotations["eventing.knative.dev/broker.class"] != "RabbitMQBroker" || e.Spec.Config == nil {
				t.Errorf("Broker %s: not a RabbitMQBroker with a config", e.Metadata.Name)
			}
		case "Trigger":
			if !brokers[e.Spec.Broker] || e.Spec.Filter == nil || e.Spec.Subscriber == nil {
				t.Errorf("Trigger %s: broker %q, filter and subscriber required", e.Metadata.Name, e.Spec.Broker)
				continue
			}
			ref := e.Spec.Subscriber.Ref
			if ref.Kind != "Service" || ref.APIVersion != "serving.knative.dev/v1" || services[ref.Name] == nil {
				t.Errorf("Trigger %s: subscriber %+v is not a Knative Service here", e.Metadata.Name, ref)
			}
			if e.Spec.Filter.Attributes["type"] == PurchasedType {
				triggered = append(triggered, ref.Name)
			}
		case "PingSource":
			if e.Spec.Sink == nil || services[e.Spec.Sink.Ref.Name] == nil || len(strings.Fields(e.Spec.Schedule)) != 5 {
				t.Errorf("PingSource %s: schedule %q and a sink Service required", e.Metadata.Name, e.Spec.Schedule)
				continue
			}
			if o := e.Spec.CEOverrides; o == nil || o.Extensions["guichetcron"] == "" {
				t.Errorf("PingSource %s: no guichetcron extension, so its triggers are refused", e.Metadata.Name)
			}
			pings[e.Spec.Sink.Ref.Name] = e.Spec.Schedule
		}
	}
	if !slices.Equal(triggered, []string{"purchase-confirm"}) {
		t.Errorf("%s is delivered to %v, want purchase-confirm", PurchasedType, triggered)
	}
	for _, fn := range Functions {
		if fn.Schedule != "" && pings[fn.Name] != fn.Schedule {
			t.Errorf("%s: PingSource schedule %q, stack.yml schedule %q", fn.Name, pings[fn.Name], fn.Schedule)
		}
	}
	if len(pings) != 2 {
		t.Errorf("PingSources for %v, want backup and ticket-sweep", pings)
	}
}

func rabbitmqClusters(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, doc := range documents(t, "k8s/rabbitmq.yaml") {
		var r struct {
			typeMeta
			Spec struct {
				Replicas int `json:"replicas"`
			} `json:"spec"`
		}
		if err := json.Unmarshal(doc, &r); err != nil {
			t.Fatal(err)
		}
		if r.APIVersion != "rabbitmq.com/v1beta1" || r.Kind != "RabbitmqCluster" || r.Spec.Replicas%2 == 0 {
			t.Errorf("rabbitmq.yaml: %s %s with %d replicas: want a RabbitmqCluster with an odd replica count (quorum queues)", r.APIVersion, r.Kind, r.Spec.Replicas)
		}
		names[r.Metadata.Name] = true
	}
	return names
}

func TestKubernetesManifestsDecodeStrictly(t *testing.T) {
	var sets []*appsv1.StatefulSet
	services := map[string]*corev1.Service{}
	for _, file := range []string{"k8s/mongodb.yaml", "k8s/namespace.yaml"} {
		for _, doc := range documents(t, file) {
			m := meta(t, doc)
			where := file + " " + m.Kind + " " + m.Metadata.Name
			switch m.Kind {
			case "StatefulSet":
				s := &appsv1.StatefulSet{}
				strict(t, where, doc, s)
				sets = append(sets, s)
			case "Service":
				s := &corev1.Service{}
				strict(t, where, doc, s)
				services[s.Name] = s
			case "Namespace":
				strict(t, where, doc, &corev1.Namespace{})
			default:
				t.Errorf("%s: unexpected kind", where)
			}
		}
	}
	if len(sets) != 1 {
		t.Fatalf("%d StatefulSets, want MongoDB's", len(sets))
	}
	mongo := sets[0]
	svc := services[mongo.Spec.ServiceName]
	if svc == nil || svc.Spec.ClusterIP != corev1.ClusterIPNone {
		t.Fatalf("StatefulSet %s: its serviceName %q is not a headless Service here", mongo.Name, mongo.Spec.ServiceName)
	}
	for k, v := range svc.Spec.Selector {
		if mongo.Spec.Template.Labels[k] != v || mongo.Spec.Selector.MatchLabels[k] != v {
			t.Errorf("headless Service selector %s=%s does not select the MongoDB pods", k, v)
		}
	}
	if r := mongo.Spec.Replicas; r == nil || *r < 3 || !slices.Contains(mongo.Spec.Template.Spec.Containers[0].Args, "--replSet") {
		t.Errorf("MongoDB is not a replica set of at least 3 members")
	}
	if len(mongo.Spec.VolumeClaimTemplates) == 0 {
		t.Error("MongoDB has no persistent volume")
	}
}

func TestKustomizationsListEveryManifest(t *testing.T) {
	for _, dir := range []string{"knative", "k8s"} {
		docs := documents(t, filepath.Join(dir, "kustomization.yaml"))
		var k struct {
			APIVersion   string        `json:"apiVersion"`
			Kind         string        `json:"kind"`
			Namespace    string        `json:"namespace"`
			Resources    []string      `json:"resources"`
			Replacements []replacement `json:"replacements"`
		}
		strict(t, dir+"/kustomization.yaml", docs[0], &k)
		if k.Kind != "Kustomization" || k.Namespace != "guichet" {
			t.Errorf("%s/kustomization.yaml: kind %s namespace %s", dir, k.Kind, k.Namespace)
		}
		if dir == "knative" {
			cronTokenReachesPingSources(t, k.Replacements)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, f := range files {
			if base := filepath.Base(f); base != "kustomization.yaml" && !slices.Contains(k.Resources, base) {
				t.Errorf("%s is not listed in %s/kustomization.yaml", f, dir)
			}
		}
		for _, r := range k.Resources {
			if _, err := os.Stat(filepath.Join(dir, r)); err != nil {
				t.Errorf("%s/kustomization.yaml lists %s: %v", dir, r, err)
			}
		}
	}
}

// replacement is a kustomize replacement: a field copied from one
// resource into others.
type replacement struct {
	Source struct {
		Kind      string `json:"kind"`
		Name      string `json:"name"`
		FieldPath string `json:"fieldPath"`
	} `json:"source"`
	Targets []struct {
		Select struct {
			Kind string `json:"kind"`
		} `json:"select"`
		FieldPaths []string `json:"fieldPaths"`
	} `json:"targets"`
}

// cronTokenReachesPingSources checks that the knative kustomization copies
// the Secret's cron-token, which secret.yaml sets, into every PingSource's
// guichetcron extension.
func cronTokenReachesPingSources(t *testing.T, rs []replacement) {
	t.Helper()
	var secret corev1.Secret
	strict(t, "knative/secret.yaml", documents(t, "knative/secret.yaml")[0], &secret)
	if _, ok := secret.StringData[CronToken]; !ok {
		t.Errorf("knative/secret.yaml sets no %s", CronToken)
	}
	for _, r := range rs {
		if r.Source.Kind != "Secret" || r.Source.Name != secret.Name || r.Source.FieldPath != "stringData."+CronToken {
			continue
		}
		for _, tg := range r.Targets {
			if tg.Select.Kind == "PingSource" && slices.Contains(tg.FieldPaths, "spec.ceOverrides.extensions.guichetcron") {
				return
			}
		}
	}
	t.Errorf("knative/kustomization.yaml does not copy %s's %s into the PingSources' guichetcron", secret.Name, CronToken)
}

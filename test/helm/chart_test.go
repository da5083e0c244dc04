/*
Copyright 2026 The truce Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Package helm tests truce's Helm chart (charts/truce) with the real helm,
// built pinned by hack/helm.sh: helm lint passes, helm template with the
// default values renders the same objects as `kustomize build
// config/default`, values reach the controller's flags, and every rendered
// object passes a server-side dry run on a real kube-apiserver (envtest),
// the ServiceMonitor and PrometheusRule against the Prometheus Operator's
// CRDs; and helm install, upgrade and uninstall work against it.
package helm

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	yamlutil "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

const (
	repo      = "../.."
	release   = "truce"
	namespace = "truce-system"
)

var chart = filepath.Join(repo, "charts", "truce")

// helmOnlyLabels are the labels Helm charts conventionally add and kustomize
// does not; the comparison ignores them, and only them.
var helmOnlyLabels = []string{
	"app.kubernetes.io/instance",
	"app.kubernetes.io/managed-by",
	"app.kubernetes.io/version",
	"helm.sh/chart",
}

// helmOnlyAnnotations likewise: keep the CRDs on `helm uninstall`.
var helmOnlyAnnotations = []string{"helm.sh/resource-policy"}

// tool finds a pinned binary: the env var make test sets, else the script
// that builds it prints its path.
func tool(t *testing.T, env, script string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		return p
	}
	out, err := exec.Command(filepath.Join(repo, "hack", script), "--print").Output()
	if err != nil {
		t.Fatalf("hack/%s --print: %v", script, err)
	}
	p := strings.TrimSpace(string(out))
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("no %s at %s: run `make %s`, or set %s (make test does)", script, p, strings.TrimSuffix(script, ".sh"), env)
	}
	return p
}

func helmBin(t *testing.T) string { return tool(t, "TRUCE_HELM", "helm.sh") }

func kustomizeBin(t *testing.T) string {
	t.Helper()
	if k := os.Getenv("KUSTOMIZE"); k != "" {
		return k
	}
	found, _ := filepath.Glob(filepath.Join(repo, "bin", "kustomize-*"))
	if len(found) == 0 {
		t.Fatal("no kustomize: run `make kustomize`, or set KUSTOMIZE (make test does)")
	}
	return found[len(found)-1]
}

func run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", filepath.Base(name), strings.Join(args, " "), err, stderr.Bytes(), out)
	}
	return out
}

// render runs helm template on the chart with the given --set values.
func render(t *testing.T, set ...string) []*unstructured.Unstructured {
	t.Helper()
	args := []string{"template", release, chart, "--namespace", namespace}
	for _, s := range set {
		args = append(args, "--set", s)
	}
	return decode(t, run(t, helmBin(t), args...))
}

func decode(t *testing.T, out []byte) []*unstructured.Unstructured {
	t.Helper()
	dec := yamlutil.NewYAMLOrJSONDecoder(bufio.NewReader(bytes.NewReader(out)), 4096)
	var objs []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return objs
			}
			t.Fatalf("decoding rendered objects: %v", err)
		}
		if len(u.Object) > 0 {
			objs = append(objs, u)
		}
	}
}

func key(u *unstructured.Unstructured) string {
	return fmt.Sprintf("%s %s %s/%s", u.GetAPIVersion(), u.GetKind(), u.GetNamespace(), u.GetName())
}

// normalize drops what only Helm adds, so what is left must equal
// kustomize's object exactly.
func normalize(u *unstructured.Unstructured) map[string]any {
	u = u.DeepCopy()
	drop := func(m map[string]string, keys []string) map[string]string {
		for _, k := range keys {
			delete(m, k)
		}
		return m
	}
	if l := drop(u.GetLabels(), helmOnlyLabels); len(l) > 0 {
		u.SetLabels(l)
	} else {
		u.SetLabels(nil)
	}
	if a := drop(u.GetAnnotations(), helmOnlyAnnotations); len(a) > 0 {
		u.SetAnnotations(a)
	} else {
		u.SetAnnotations(nil)
	}
	// Round-trip through JSON so ints and floats compare alike.
	b, _ := u.MarshalJSON()
	var m map[string]any
	_ = yaml.Unmarshal(b, &m)
	return m
}

func byKey(objs []*unstructured.Unstructured) map[string]*unstructured.Unstructured {
	m := map[string]*unstructured.Unstructured{}
	for _, o := range objs {
		m[key(o)] = o
	}
	return m
}

// compare fails for every object one side has and the other has not, and
// for every object whose content differs, showing both.
func compare(t *testing.T, chartObjs, kustomizeObjs []*unstructured.Unstructured) {
	t.Helper()
	got, want := byKey(chartObjs), byKey(kustomizeObjs)
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("the chart renders %s, which kustomize does not", k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		g, ok := got[k]
		if !ok {
			t.Errorf("kustomize builds %s, which the chart does not render", k)
			continue
		}
		for _, d := range diff("", normalize(g), normalize(want[k])) {
			t.Errorf("%s: %s", k, d)
		}
	}
}

// diff lists where chart and kustomize differ, by field path.
func diff(path string, chart, kustomize any) []string {
	switch c := chart.(type) {
	case map[string]any:
		k, ok := kustomize.(map[string]any)
		if !ok {
			break
		}
		var out []string
		keys := map[string]bool{}
		for f := range c {
			keys[f] = true
		}
		for f := range k {
			keys[f] = true
		}
		sorted := make([]string, 0, len(keys))
		for f := range keys {
			sorted = append(sorted, f)
		}
		sort.Strings(sorted)
		for _, f := range sorted {
			out = append(out, diff(path+"."+f, c[f], k[f])...)
		}
		return out
	case []any:
		k, ok := kustomize.([]any)
		if !ok || len(c) != len(k) {
			break
		}
		var out []string
		for i := range c {
			out = append(out, diff(fmt.Sprintf("%s[%d]", path, i), c[i], k[i])...)
		}
		return out
	}
	cy, _ := yaml.Marshal(chart)
	ky, _ := yaml.Marshal(kustomize)
	if bytes.Equal(cy, ky) {
		return nil
	}
	return []string{fmt.Sprintf("%s: the chart has %s, kustomize %s", path, strings.TrimSpace(string(cy)), strings.TrimSpace(string(ky)))}
}

func TestHelmLint(t *testing.T) {
	for name, set := range map[string][]string{
		"defaults": nil,
		"every optional piece": {"prometheus.serviceMonitor.enabled=true", "prometheus.prometheusRule.enabled=true",
			"prometheus.labels.release=kube-prometheus-stack", "grafana.dashboard.enabled=true"},
		"a second shard": {"crds.install=false", "tenantGuard.enabled=false", "namespaceSelector=truce.dev/shard=b"},
	} {
		t.Run(name, func(t *testing.T) {
			args := []string{"lint", "--strict", chart, "--namespace", namespace}
			for _, s := range set {
				args = append(args, "--set", s)
			}
			run(t, helmBin(t), args...)
		})
	}
}

// TestDefaultsRenderWhatKustomizeBuilds is the chart's half of "one source
// of truth": config/default is what ships, and the chart with its default
// values must render the same objects, less the Namespace (Helm's
// --create-namespace makes it).
func TestDefaultsRenderWhatKustomizeBuilds(t *testing.T) {
	var kustomized []*unstructured.Unstructured
	var ns *unstructured.Unstructured
	for _, o := range decode(t, run(t, kustomizeBin(t), "build", filepath.Join(repo, "config", "default"))) {
		if o.GetKind() == "Namespace" {
			ns = o
			continue
		}
		kustomized = append(kustomized, o)
	}
	if ns == nil || ns.GetName() != namespace {
		t.Fatalf("kustomize build config/default has no Namespace %s", namespace)
	}
	if len(kustomized) < 15 {
		t.Fatalf("kustomize build config/default gave %d objects besides the Namespace; expected the CRDs, RBAC, policy, Deployment, Service and NetworkPolicy", len(kustomized))
	}
	compare(t, render(t), kustomized)
}

// TestOptionalPiecesRenderWhatConfigHolds compares each optional piece,
// turned on, with the kustomization it comes from, applied into
// truce-system as each kustomization's comment says.
func TestOptionalPiecesRenderWhatConfigHolds(t *testing.T) {
	for _, tc := range []struct {
		dir   string
		set   []string
		kinds []string
	}{
		{"prometheus", []string{"prometheus.serviceMonitor.enabled=true", "prometheus.prometheusRule.enabled=true"}, []string{"ServiceMonitor", "PrometheusRule"}},
		{"grafana", []string{"grafana.dashboard.enabled=true"}, []string{"ConfigMap"}},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			var chartObjs []*unstructured.Unstructured
			for _, o := range render(t, tc.set...) {
				if slices.Contains(tc.kinds, o.GetKind()) {
					chartObjs = append(chartObjs, o)
				}
			}
			kustomized := decode(t, run(t, kustomizeBin(t), "build", filepath.Join(repo, "config", tc.dir)))
			for _, o := range kustomized {
				o.SetNamespace(namespace)
			}
			// These kustomizations are applied beside config/default, not
			// through it, so they carry no part-of label; the chart's every
			// object does.
			for _, o := range chartObjs {
				l := o.GetLabels()
				if l["app.kubernetes.io/part-of"] != "truce" {
					t.Errorf("%s lacks app.kubernetes.io/part-of=truce", key(o))
				}
				delete(l, "app.kubernetes.io/part-of")
				o.SetLabels(l)
			}
			compare(t, chartObjs, kustomized)
		})
	}
}

func TestOptionalPiecesAreOffByDefault(t *testing.T) {
	for _, o := range render(t) {
		if o.GetAPIVersion() == "monitoring.coreos.com/v1" || o.GetKind() == "ConfigMap" {
			t.Errorf("rendered %s with the default values", key(o))
		}
	}
}

func TestReleaseLabelReachesThePrometheusObjects(t *testing.T) {
	objs := render(t, "prometheus.serviceMonitor.enabled=true", "prometheus.prometheusRule.enabled=true",
		"prometheus.labels.release=kube-prometheus-stack")
	n := 0
	for _, o := range objs {
		if o.GetAPIVersion() != "monitoring.coreos.com/v1" {
			continue
		}
		n++
		if got := o.GetLabels()["release"]; got != "kube-prometheus-stack" {
			t.Errorf("%s: release label %q, want kube-prometheus-stack", key(o), got)
		}
	}
	if n != 2 {
		t.Errorf("rendered %d Prometheus Operator objects, want a ServiceMonitor and a PrometheusRule", n)
	}
}

// deployment returns the rendered Deployment's pod spec and its manager's
// arguments.
func deployment(t *testing.T, objs []*unstructured.Unstructured) (map[string]any, []string) {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() != "Deployment" {
			continue
		}
		spec, _, _ := unstructured.NestedMap(o.Object, "spec", "template", "spec")
		containers, _, _ := unstructured.NestedSlice(spec, "containers")
		for _, c := range containers {
			c := c.(map[string]any)
			if c["name"] == "manager" {
				args, _, _ := unstructured.NestedStringSlice(c, "args")
				return spec, args
			}
		}
	}
	t.Fatal("no Deployment with a manager container rendered")
	return nil, nil
}

// mainFlags are the flags main.go defines, read from its source so a renamed
// flag fails here rather than in a cluster.
func mainFlags(t *testing.T) map[string]bool {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(repo, "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	flags := map[string]bool{}
	for _, m := range regexp.MustCompile(`flag\.\w+Var\(&[\w.]+, "([a-z0-9-]+)"`).FindAllSubmatch(src, -1) {
		flags[string(m[1])] = true
	}
	if len(flags) < 20 {
		t.Fatalf("found only %d flags in main.go", len(flags))
	}
	return flags
}

func TestValuesReachTheControllersFlags(t *testing.T) {
	flags := mainFlags(t)
	cases := []struct {
		name string
		set  []string
		want []string // arguments that must be there
		not  []string // argument prefixes that must not
	}{{
		name: "the defaults pass what config/manager passes and leave the rest to the controller",
		want: []string{"--leader-elect", "--metrics-bind-address=:8443", "--health-probe-bind-address=:8081"},
		not:  []string{"--namespace-selector", "--default-source-namespace-selector", "--metrics-denied-networks", "--metrics-secure", "--metrics-allow-loopback"},
	}, {
		name: "a shard selects its namespaces and names its own lease",
		set:  []string{"namespaceSelector=truce.dev/shard=a", "leaderElection.id=truce-shard-a"},
		want: []string{"--namespace-selector=truce.dev/shard=a", "--leader-election-id=truce-shard-a"},
	}, {
		name: "leader election can be turned off",
		set:  []string{"leaderElection.enabled=false"},
		not:  []string{"--leader-elect"},
	}, {
		name: "the default source and who may use it",
		set: []string{"defaultSource.prometheusAddress=http://prometheus.monitoring:9090",
			"defaultSource.namespaceSelector=team in (a\\,b)", "defaultSource.timeout=5s",
			"defaultSource.bearerTokenFile=/var/run/token", "defaultSource.caFile=/var/run/ca.pem"},
		want: []string{"--prometheus-address=http://prometheus.monitoring:9090",
			"--default-source-namespace-selector=team in (a,b)", "--metrics-timeout=5s",
			"--metrics-bearer-token-file=/var/run/token", "--metrics-ca-file=/var/run/ca.pem"},
	}, {
		name: "an empty default-source selector opens the default source to every namespace",
		set:  []string{"defaultSource.namespaceSelector="},
		want: []string{"--default-source-namespace-selector="},
	}, {
		name: "a JSON endpoint as the default source",
		set:  []string{"defaultSource.url=http://leads.crm:8080/funnel"},
		want: []string{"--metrics-url=http://leads.crm:8080/funnel"},
	}, {
		name: "the network guard's lists and loopback",
		set: []string{"network.deniedNetworks={169.254.0.0/16,10.0.0.0/8}", "network.allowedNetworks={10.1.0.0/16}",
			"network.allowLoopback=true"},
		want: []string{"--metrics-denied-networks=169.254.0.0/16,10.0.0.0/8", "--metrics-allowed-networks=10.1.0.0/16",
			"--metrics-allow-loopback"},
	}, {
		name: "an empty denied list refuses nothing",
		set:  []string{"network.deniedNetworks={}"},
		want: []string{"--metrics-denied-networks="},
	}, {
		name: "plain HTTP metrics on another port",
		set:  []string{"metrics.secure=false", "metrics.port=8080"},
		want: []string{"--metrics-secure=false", "--metrics-bind-address=:8080"},
	}, {
		name: "metrics off",
		set:  []string{"metrics.port=0"},
		want: []string{"--metrics-bind-address=0"},
	}, {
		name: "extra arguments come last",
		set:  []string{"extraArgs={--max-concurrent-reconciles=8}"},
		want: []string{"--max-concurrent-reconciles=8"},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, args := deployment(t, render(t, tc.set...))
			for _, a := range args {
				name := strings.SplitN(strings.TrimPrefix(a, "--"), "=", 2)[0]
				if !flags[name] {
					t.Errorf("argument %q names no flag of main.go", a)
				}
			}
			for _, w := range tc.want {
				if !slices.Contains(args, w) {
					t.Errorf("args %q lack %q", args, w)
				}
			}
			for _, n := range tc.not {
				for _, a := range args {
					if a == n || strings.HasPrefix(a, n+"=") {
						t.Errorf("args %q have %q", args, a)
					}
				}
			}
		})
	}
}

func TestSchedulingAndImageValuesReachThePod(t *testing.T) {
	spec, _ := deployment(t, render(t, "image.repository=registry.example/truce", "image.tag=v1.2.3",
		"image.pullPolicy=Always", "replicas=2", "nodeSelector.pool=system",
		"tolerations[0].key=dedicated", "tolerations[0].operator=Exists", "resources.limits.memory=512Mi"))
	c := spec["containers"].([]any)[0].(map[string]any)
	if c["image"] != "registry.example/truce:v1.2.3" || c["imagePullPolicy"] != "Always" {
		t.Errorf("image %v, pull policy %v", c["image"], c["imagePullPolicy"])
	}
	if v, _, _ := unstructured.NestedString(spec, "nodeSelector", "pool"); v != "system" {
		t.Errorf("nodeSelector %v", spec["nodeSelector"])
	}
	if tol, _, _ := unstructured.NestedSlice(spec, "tolerations"); len(tol) != 1 {
		t.Errorf("tolerations %v", spec["tolerations"])
	}
	if v, _, _ := unstructured.NestedString(c, "resources", "limits", "memory"); v != "512Mi" {
		t.Errorf("memory limit %q", v)
	}
	if v, _, _ := unstructured.NestedString(c, "resources", "requests", "cpu"); v != "100m" {
		t.Errorf("setting the memory limit lost the CPU request: %q", v)
	}
}

func TestMetricsOffLeavesNothingToScrapeAndLetsNothingIn(t *testing.T) {
	objs := render(t, "metrics.port=0", "prometheus.serviceMonitor.enabled=true")
	var policies int
	for _, o := range objs {
		switch o.GetKind() {
		case "Service", "ServiceMonitor":
			t.Errorf("rendered %s with /metrics off", key(o))
		case "NetworkPolicy":
			policies++
			ingress, found, _ := unstructured.NestedSlice(o.Object, "spec", "ingress")
			types, _, _ := unstructured.NestedStringSlice(o.Object, "spec", "policyTypes")
			if len(ingress) != 0 || !slices.Contains(types, "Ingress") {
				t.Errorf("%s: ingress %v (set: %v), policy types %v; want Ingress with no rule", key(o), ingress, found, types)
			}
		}
	}
	if policies != 1 {
		t.Errorf("rendered %d NetworkPolicies, want 1", policies)
	}
}

// TestSchemaRefusesWhatTheChartCannotUse: values.schema.json makes a
// misspelled or mistyped value an error rather than a silent default.
func TestSchemaRefusesWhatTheChartCannotUse(t *testing.T) {
	for _, set := range []string{"replica=2", "network.deniedNetworks=10.0.0.0/8", "metrics.port=http",
		"image.pullPolicy=Sometimes", "prometheus.serviceMonitor.enable=true"} {
		t.Run(set, func(t *testing.T) {
			out, err := exec.Command(helmBin(t), "template", release, chart, "--set", set).CombinedOutput()
			if err == nil {
				t.Fatalf("helm template accepted --set %s", set)
			}
			if !strings.Contains(string(out), "schema") {
				t.Errorf("helm template failed, but not on the schema:\n%s", out)
			}
		})
	}
}

func TestMetricsReadersAreBoundToTheReaderRole(t *testing.T) {
	var bindings []*unstructured.Unstructured
	for _, o := range render(t, "metrics.readers[0].name=prometheus-k8s", "metrics.readers[0].namespace=monitoring") {
		if o.GetKind() == "ClusterRoleBinding" && o.GetName() == "truce-metrics-reader" {
			bindings = append(bindings, o)
		}
	}
	if len(bindings) != 1 {
		t.Fatalf("rendered %d truce-metrics-reader ClusterRoleBindings, want 1", len(bindings))
	}
	role, _, _ := unstructured.NestedString(bindings[0].Object, "roleRef", "name")
	subjects, _, _ := unstructured.NestedSlice(bindings[0].Object, "subjects")
	if role != "truce-metrics-reader" || len(subjects) != 1 ||
		subjects[0].(map[string]any)["name"] != "prometheus-k8s" || subjects[0].(map[string]any)["namespace"] != "monitoring" {
		t.Errorf("binding to %s for %v, want truce-metrics-reader for monitoring/prometheus-k8s", role, subjects)
	}
}

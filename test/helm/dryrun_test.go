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

package helm

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// TestServerSideDryRunInstall sends every object the chart renders to a real
// kube-apiserver with dryRun=All, as `helm install --dry-run=server` does,
// so the API server's validation (schemas, CEL in the admission policy, RBAC
// escalation checks) judges each one. The CRDs are installed for real first,
// as Helm installs them before the rest, and the samples then pass a dry run
// against them: the chart's CRDs serve truce's own objects.
func TestServerSideDryRunInstall(t *testing.T) {
	env, c := startAPIServer(t)
	cfg := env.Config
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// --create-namespace.
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}); err != nil {
		t.Fatal(err)
	}

	// The Prometheus Operator's CRDs, from its pinned module, so the
	// ServiceMonitor and PrometheusRule are judged by the real schemas.
	for _, file := range []string{"monitoring.coreos.com_servicemonitors.yaml", "monitoring.coreos.com_prometheusrules.yaml"} {
		for _, crd := range decode(t, readFile(t, filepath.Join(prometheusOperatorCRDs(t), file))) {
			if err := c.Create(ctx, crd); err != nil {
				t.Fatalf("installing %s: %v", key(crd), err)
			}
			waitEstablished(ctx, t, c, crd.GetName())
		}
	}

	// Every value the chart turns on or off, in one render.
	objs := render(t, "namespaceSelector=truce.dev/shard=a", "leaderElection.id=truce-shard-a",
		"defaultSource.prometheusAddress=http://prometheus.monitoring:9090", "defaultSource.namespaceSelector=",
		"network.deniedNetworks={169.254.0.0/16}", "network.allowedNetworks={10.0.0.0/8}",
		"nodeSelector.pool=system", "tolerations[0].key=dedicated", "tolerations[0].operator=Exists",
		"replicas=2", "image.pullPolicy=IfNotPresent",
		"prometheus.serviceMonitor.enabled=true", "prometheus.prometheusRule.enabled=true",
		"prometheus.labels.release=kube-prometheus-stack", "grafana.dashboard.enabled=true",
		"metrics.readers[0].name=prometheus-k8s", "metrics.readers[0].namespace=monitoring")
	var crds, rest []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == "CustomResourceDefinition" {
			crds = append(crds, o)
		} else {
			rest = append(rest, o)
		}
	}
	if len(crds) != 2 {
		t.Fatalf("the chart rendered %d CRDs, want Campaign's and SalesTarget's", len(crds))
	}
	for _, crd := range crds {
		if err := c.Create(ctx, crd.DeepCopy(), client.DryRunAll); err != nil {
			t.Errorf("dry run of %s: %v", key(crd), err)
		}
		if err := c.Create(ctx, crd.DeepCopy()); err != nil {
			t.Fatalf("installing %s: %v", key(crd), err)
		}
		waitEstablished(ctx, t, c, crd.GetName())
	}
	kinds := map[string]int{}
	for _, o := range rest {
		kinds[o.GetKind()]++
		if err := c.Create(ctx, o.DeepCopy(), client.DryRunAll); err != nil {
			t.Errorf("dry run of %s: %v", key(o), err)
		}
	}
	for _, want := range []string{"Deployment", "ServiceAccount", "Service", "NetworkPolicy", "ClusterRole",
		"ClusterRoleBinding", "Role", "RoleBinding", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
		"ServiceMonitor", "PrometheusRule", "ConfigMap"} {
		if kinds[want] == 0 {
			t.Errorf("the chart rendered no %s", want)
		}
	}
	// The API server does judge what it is sent: a value it refuses fails.
	for _, o := range render(t, "resources.limits.memory=lots") {
		if o.GetKind() == "Deployment" {
			if err := c.Create(ctx, o, client.DryRunAll); err == nil {
				t.Error("a dry run accepted a Deployment whose memory limit is not a quantity")
			}
		}
	}
	// A dry run persists nothing.
	var deployments unstructured.UnstructuredList
	deployments.SetAPIVersion("apps/v1")
	deployments.SetKind("DeploymentList")
	if err := c.List(ctx, &deployments, client.InNamespace(namespace)); err != nil {
		t.Fatal(err)
	}
	if len(deployments.Items) != 0 {
		t.Errorf("the dry run left %d Deployments", len(deployments.Items))
	}

	// truce's samples validate against the CRDs the chart installed.
	c2, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "revenue"}}); err != nil {
		t.Fatal(err)
	}
	samples := decode(t, run(t, kustomizeBin(t), "build", filepath.Join(repo, "config", "samples")))
	if len(samples) == 0 {
		t.Fatal("config/samples built no objects")
	}
	for _, s := range samples {
		s.SetNamespace("revenue")
		if err := c2.Create(ctx, s, client.DryRunAll); err != nil {
			t.Errorf("dry run of sample %s: %v", key(s), err)
		}
	}
}

func waitEstablished(ctx context.Context, t *testing.T, c client.Client, name string) {
	t.Helper()
	for {
		var crd apiextensionsv1.CustomResourceDefinition
		if err := c.Get(ctx, client.ObjectKey{Name: name}, &crd); err == nil {
			for _, cond := range crd.Status.Conditions {
				if cond.Type == apiextensionsv1.Established && cond.Status == apiextensionsv1.ConditionTrue {
					return
				}
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("CRD %s was not established", name)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// prometheusOperatorCRDs is the directory of the Prometheus Operator's CRDs:
// TRUCE_PROMETHEUS_OPERATOR_CRDS (make test sets it), else what
// hack/prometheus-operator-crds.sh downloads.
func prometheusOperatorCRDs(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("TRUCE_PROMETHEUS_OPERATOR_CRDS"); d != "" {
		return d
	}
	return strings.TrimSpace(string(run(t, filepath.Join(repo, "hack", "prometheus-operator-crds.sh"))))
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// startAPIServer starts a kube-apiserver and etcd (envtest) for one test, and
// returns it with a client in system:masters.
func startAPIServer(t *testing.T) (*envtest.Environment, client.Client) {
	t.Helper()
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		out, err := exec.Command(filepath.Join(repo, "hack", "envtest-assets.sh")).Output()
		if err != nil {
			t.Fatalf("building the test control plane: %v", err)
		}
		t.Setenv("KUBEBUILDER_ASSETS", strings.TrimSpace(string(out)))
	}
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(apiextensionsv1.AddToScheme(scheme))
	env := &envtest.Environment{Scheme: scheme}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return env, c
}

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
	"path/filepath"
	"slices"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// TestHelmInstallUpgradeUninstall runs the real helm against a real
// kube-apiserver: install creates the objects, upgrade changes them, and
// uninstall removes them but keeps the CRDs (crds.keep), so uninstalling
// truce does not delete every Campaign and SalesTarget; a second shard
// installs beside the first. No controller runs
// (envtest has no nodes); what is tested is the release's objects.
func TestHelmInstallUpgradeUninstall(t *testing.T) {
	env, c := startAPIServer(t)
	admin, err := env.AddUser(envtest.User{Name: "helm-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := admin.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(path, kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}
	helm := func(args ...string) []byte {
		t.Helper()
		return run(t, helmBin(t), append(args, "--kubeconfig", path)...)
	}
	// Helm keeps its cache and config under HOME unless told otherwise.
	t.Setenv("HELM_CACHE_HOME", filepath.Join(dir, "cache"))
	t.Setenv("HELM_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("HELM_DATA_HOME", filepath.Join(dir, "data"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	helm("install", release, chart, "--namespace", namespace, "--create-namespace")
	deploymentKey := client.ObjectKey{Namespace: namespace, Name: "truce-controller-manager"}
	var d appsv1.Deployment
	if err := c.Get(ctx, deploymentKey, &d); err != nil {
		t.Fatalf("after helm install: %v", err)
	}
	if *d.Spec.Replicas != 1 {
		t.Errorf("replicas %d after install, want 1", *d.Spec.Replicas)
	}
	var policy admissionv1.ValidatingAdmissionPolicy
	if err := c.Get(ctx, client.ObjectKey{Name: "truce-tenant-guard"}, &policy); err != nil {
		t.Errorf("after helm install: %v", err)
	}

	helm("upgrade", release, chart, "--namespace", namespace, "--set", "replicas=2",
		"--set", "namespaceSelector=truce.dev/shard=a")
	if err := c.Get(ctx, deploymentKey, &d); err != nil {
		t.Fatal(err)
	}
	if *d.Spec.Replicas != 2 {
		t.Errorf("replicas %d after upgrade, want 2", *d.Spec.Replicas)
	}
	if args := d.Spec.Template.Spec.Containers[0].Args; !slices.Contains(args, "--namespace-selector=truce.dev/shard=a") {
		t.Errorf("args %q after upgrade lack the namespace selector", args)
	}

	// A second shard, in its own namespace, beside the first: its
	// cluster-wide objects are named after its release, and it leaves the
	// CRDs and the tenant guard to the first.
	helm("install", "truce-b", chart, "--namespace", "truce-b", "--create-namespace",
		"--set", "namespaceSelector=truce.dev/shard=b", "--set", "crds.install=false", "--set", "tenantGuard.enabled=false")
	var shardB appsv1.Deployment
	if err := c.Get(ctx, client.ObjectKey{Namespace: "truce-b", Name: "truce-b-controller-manager"}, &shardB); err != nil {
		t.Errorf("after installing a second shard: %v", err)
	}
	helm("uninstall", "truce-b", "--namespace", "truce-b", "--wait")

	helm("uninstall", release, "--namespace", namespace, "--wait")
	if err := c.Get(ctx, deploymentKey, &d); !apierrors.IsNotFound(err) {
		t.Errorf("the Deployment is still there after uninstall: %v", err)
	}
	if err := c.Get(ctx, client.ObjectKey{Name: "truce-tenant-guard"}, &policy); !apierrors.IsNotFound(err) {
		t.Errorf("the tenant guard is still there after uninstall: %v", err)
	}
	for _, name := range []string{"campaigns.revops.truce.dev", "salestargets.revops.truce.dev"} {
		var crd apiextensionsv1.CustomResourceDefinition
		if err := c.Get(ctx, client.ObjectKey{Name: name}, &crd); err != nil {
			t.Errorf("CRD %s was not kept on uninstall: %v", name, err)
		} else if crd.DeletionTimestamp != nil {
			t.Errorf("CRD %s is being deleted after uninstall", name)
		}
	}
}

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

// Package tenancy tests what a tenant can make truce do, on a real
// kube-apiserver with the RBAC authorizer (envtest's default), truce's
// admission policy from config/policy, and the manager running as its
// service account bound only to the generated config/rbac/role.yaml.
package tenancy

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	yamlutil "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/controllers"
	"github.com/truce-dev/truce/internal/metrics"
)

const (
	// managerUser is the identity the manager runs as, as in config/rbac.
	managerUser = "system:serviceaccount:truce-system:truce-controller-manager"
	// maxTimeout is the manager's --metrics-max-timeout in these tests.
	maxTimeout = 2 * time.Second
	// workers is the manager's --max-concurrent-reconciles: small, so four
	// black holes could take every worker.
	workers = 2
)

var (
	ctx      = context.Background()
	scheme   = runtime.NewScheme()
	cfg      *rest.Config
	admin    client.Client
	auditLog string
	repo     = filepath.Join("..", "..")
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		out, err := exec.Command(filepath.Join(repo, "hack", "envtest-assets.sh")).Output()
		if err != nil {
			panic("building the test control plane: " + err.Error())
		}
		os.Setenv("KUBEBUILDER_ASSETS", strings.TrimSpace(string(out)))
	}
	dir, err := os.MkdirTemp("", "truce-tenancy-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	// The API server audits every request on Secrets, so a test can tell
	// what the manager asked for.
	auditPolicy := filepath.Join(dir, "audit-policy.yaml")
	auditLog = filepath.Join(dir, "audit.log")
	must(os.WriteFile(auditPolicy, []byte(`apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  resources: [{group: "", resources: ["secrets"]}]
- level: None
`), 0o600))
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(repo, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		Scheme:                scheme,
	}
	// envtest runs kube-apiserver with --authorization-mode=RBAC unless told
	// otherwise; its own client is in system:masters.
	env.ControlPlane.GetAPIServer().Configure().
		Set("audit-policy-file", auditPolicy).
		Set("audit-log-path", auditLog).
		Set("audit-log-mode", "blocking")
	cfg, err = env.Start()
	if err != nil {
		panic(err)
	}
	defer func() { _ = env.Stop() }()
	admin, err = client.New(cfg, client.Options{Scheme: scheme})
	must(err)

	// The policy and the manager's role, from the files truce ships.
	for _, obj := range readObjects(filepath.Join(repo, "config", "policy", "tenant_guard.yaml")) {
		must(admin.Create(ctx, obj))
	}
	must(waitForPolicy())
	for _, obj := range readObjects(filepath.Join(repo, "config", "rbac", "role.yaml")) {
		must(admin.Create(ctx, obj))
	}
	must(admin.Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "truce-manager"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "manager-role"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: managerUser}},
	}))

	mgrCfg := rest.CopyConfig(cfg)
	mgrCfg.Impersonate = rest.ImpersonationConfig{UserName: managerUser,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:truce-system", "system:authenticated"}}
	mgr, err := ctrl.NewManager(mgrCfg, ctrl.Options{Scheme: scheme, Metrics: metricsserver.Options{BindAddress: "0"}})
	must(err)
	must(controllers.Setup(ctx, mgr, controllers.Options{
		MaxConcurrentReconciles: workers,
		Clock:                   clock.RealClock{},
		// The tests' sources listen on loopback, which the guard refuses
		// unless allowed.
		Sources: &metrics.Resolver{Secrets: mgr.GetAPIReader(), MaxTimeout: maxTimeout, Guard: metrics.LoopbackNetworkGuard()},
		Reader:  metrics.NewReader(clock.RealClock{}, 0, nil),
	}))
	mgrCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error)
	go func() { done <- mgr.Start(mgrCtx) }()
	code := m.Run()
	cancel()
	if err := <-done; err != nil {
		fmt.Fprintln(os.Stderr, "the manager stopped with an error:", err)
		return 1
	}
	return code
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// readObjects reads every object of a multi-document YAML file.
func readObjects(path string) []client.Object {
	f, err := os.Open(path)
	must(err)
	defer f.Close()
	dec := yamlutil.NewYAMLOrJSONDecoder(bufio.NewReader(f), 4096)
	var out []client.Object
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return out
			}
			panic(fmt.Sprintf("%s: %v", path, err))
		}
		if len(u.Object) > 0 {
			out = append(out, u)
		}
	}
}

// namespace creates a namespace of its own for one test.
func namespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "tenancy-"}}
	if err := admin.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Delete(ctx, ns) })
	return ns.Name
}

// user is a client acting as name, given rules in namespace ns.
func user(t *testing.T, ns, name string, rules ...rbacv1.PolicyRule) client.Client {
	t.Helper()
	c, err := newUser(ns, name, rules...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newUser(ns, name string, rules ...rbacv1.PolicyRule) (client.Client, error) {
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Rules: rules}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}},
	}
	for _, obj := range []client.Object{role, binding} {
		if err := admin.Create(ctx, obj); err != nil && !apierrors.IsAlreadyExists(err) {
			return nil, err
		}
	}
	c := rest.CopyConfig(cfg)
	c.Impersonate = rest.ImpersonationConfig{UserName: name, Groups: []string{"system:authenticated"}}
	return client.New(c, client.Options{Scheme: scheme})
}

// auditEvent is the part of an audit log line the tests read.
type auditEvent struct {
	Verb string                    `json:"verb"`
	User struct{ Username string } `json:"user"`
	// ImpersonatedUser is whom the request acted as: the manager runs
	// impersonated here, as a service account.
	ImpersonatedUser *struct{ Username string } `json:"impersonatedUser"`
	ObjectRef        *struct {
		Resource  string `json:"resource"`
		Namespace string `json:"namespace"`
		Name      string `json:"name"`
	} `json:"objectRef"`
}

// secretRequests counts the requests on Secrets that user made, by verb.
func secretRequests(t *testing.T, user string) map[string]int {
	t.Helper()
	b, err := os.ReadFile(auditLog)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" {
			continue
		}
		var e auditEvent
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("an audit line that is not JSON: %v", err)
		}
		who := e.User.Username
		if e.ImpersonatedUser != nil {
			who = e.ImpersonatedUser.Username
		}
		if who == user && e.ObjectRef != nil && e.ObjectRef.Resource == "secrets" {
			out[e.Verb]++
		}
	}
	return out
}

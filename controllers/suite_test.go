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

package controllers

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	testingclock "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/metrics"
)

// These suites run against a real kube-apiserver and etcd, built from source
// by hack/envtest-assets.sh (`make test` sets KUBEBUILDER_ASSETS).
var (
	testEnv    *envtest.Environment
	cfg        *rest.Config
	k8sClient  client.Client
	mgrClient  client.Client
	testScheme = runtime.NewScheme()
	// kubeconfig is a file for the real kubectl the control plane was built with.
	kubeconfig string
	// kubectlCache keeps kubectl's discovery cache out of the home directory.
	kubectlCache string
	// fakeNow is the controllers' clock: Wednesday 2026-05-20 10:00 UTC.
	fakeNow   = time.Date(2026, time.May, 20, 10, 0, 0, 0, time.UTC)
	testClock = testingclock.NewFakePassiveClock(fakeNow)
	ctx       context.Context
	cancel    context.CancelFunc
)

func TestControllers(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Controllers Suite")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	// Scenarios step through several 5 s polls; leave room for a loaded CI machine.
	SetDefaultEventuallyTimeout(90 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)
	ctx, cancel = context.WithCancel(context.Background())

	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		// Outside `make test`, build or find the control plane the same way.
		out, err := exec.Command(filepath.Join("..", "hack", "envtest-assets.sh")).Output()
		Expect(err).NotTo(HaveOccurred(), "building the test control plane")
		Expect(os.Setenv("KUBEBUILDER_ASSETS", strings.TrimSpace(string(out)))).To(Succeed())
	}

	utilruntime.Must(clientgoscheme.AddToScheme(testScheme))
	utilruntime.Must(v1alpha1.AddToScheme(testScheme))

	testEnv = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		Scheme:                testScheme,
	}
	var err error
	cfg, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred())

	k8sClient, err = client.New(cfg, client.Options{Scheme: testScheme})
	Expect(err).NotTo(HaveOccurred())

	admin, err := testEnv.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, cfg)
	Expect(err).NotTo(HaveOccurred())
	kc, err := admin.KubeConfig()
	Expect(err).NotTo(HaveOccurred())
	kubeconfig = filepath.Join(GinkgoT().TempDir(), "kubeconfig")
	kubectlCache = filepath.Join(GinkgoT().TempDir(), "kubectl-cache")
	Expect(os.WriteFile(kubeconfig, kc, 0o600)).To(Succeed())

	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:  testScheme,
		Metrics: metricsserver.Options{BindAddress: "0"},
		Cache:   CacheOptions(),
	})
	Expect(err).NotTo(HaveOccurred())
	crm = newTestCRM()
	notSharded, err := labels.Parse("!" + shardLabel)
	Expect(err).NotTo(HaveOccurred())
	Expect(Setup(ctx, mgr, Options{
		MaxConcurrentReconciles: 2,
		Clock:                   testClock,
		// No default source: objects that name none say so. The test CRM
		// listens on loopback, which the guard refuses unless allowed.
		Sources: &metrics.Resolver{Secrets: mgr.GetAPIReader(), Guard: metrics.LoopbackNetworkGuard()},
		// Real time for the cache, so answers expire between polls.
		Reader: metrics.NewReader(clock.RealClock{}, 0, nil),
		// Every namespace but those the sharding specs label for their own managers.
		NamespaceSelector: notSharded,
	})).To(Succeed())
	mgrClient = mgr.GetClient()
	go func() {
		defer GinkgoRecover()
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
})

var _ = AfterSuite(func() {
	if cancel != nil {
		cancel()
	}
	if crm != nil {
		crm.server.Close()
	}
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})

// newNamespace creates a namespace of its own for one test.
func newNamespace() string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "truce-test-"}}
	Expect(k8sClient.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

// kubectl runs the real kubectl against the test API server.
func kubectl(args ...string) (string, error) {
	bin := filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl")
	cmd := exec.Command(bin, append([]string{"--kubeconfig", kubeconfig, "--cache-dir", kubectlCache}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// advanceClock moves the controllers' clock on by d, as polls would over
// that much time, and puts it back at fakeNow after the spec.
func advanceClock(d time.Duration) {
	GinkgoHelper()
	if testClock.Now().Equal(fakeNow) {
		DeferCleanup(func() { testClock.SetTime(fakeNow) })
	}
	testClock.SetTime(testClock.Now().Add(d))
}

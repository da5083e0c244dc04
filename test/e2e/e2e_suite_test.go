//go:build e2e

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

// Package e2e runs truce as a user would: the truce binary against a local
// cluster (etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
// kwok's simulated nodes), manifests applied with the real kubectl, and the
// funnel simulator turning the outreach pods that actually run into leads.
// `make test-e2e` builds everything and runs it.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/test/localcluster"
)

func TestE2E(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "truce end to end")
}

var (
	ctx     context.Context
	cancel  context.CancelFunc
	cluster *localcluster.Cluster
	k8s     client.Client
	// simURL is the funnel simulator's base URL.
	simURL string
	// truce is the running controller; startTruce replaces it.
	truce *localcluster.Process
	// truceMetricsURL is the running controller's /metrics.
	truceMetricsURL string
)

// required reads an environment variable `make test-e2e` sets.
func required(name string) string {
	v := os.Getenv(name)
	if v == "" {
		Fail(fmt.Sprintf("%s is not set: run the suite with `make test-e2e`, which builds what it names", name))
	}
	return v
}

var _ = BeforeSuite(func() {
	assets := required("TRUCE_CLUSTER_ASSETS")
	truceBin, simBin := required("TRUCE_BIN"), required("FUNNELSIM_BIN")
	ctx, cancel = context.WithCancel(context.Background())

	dir, err := os.MkdirTemp("", "truce-e2e-")
	Expect(err).NotTo(HaveOccurred())
	By("starting the local cluster in " + dir)
	cluster, err = localcluster.Start(ctx, localcluster.Options{BinDir: assets, Dir: dir, Nodes: 2, Log: GinkgoWriter})
	Expect(err).NotTo(HaveOccurred())

	By("installing the CRDs with kubectl")
	kubectl("apply", "--server-side", "-f", filepath.Join("..", "..", "config", "crd", "bases"))
	kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd/campaigns.revops.truce.dev", "crd/salestargets.revops.truce.dev")

	By("installing the tenant guard, the admission policy make deploy installs")
	kubectl("apply", "--server-side", "-k", filepath.Join("..", "..", "config", "policy"))

	scheme := runtime.NewScheme()
	Expect(clientgoscheme.AddToScheme(scheme)).To(Succeed())
	Expect(v1alpha1.AddToScheme(scheme)).To(Succeed())
	k8s, err = client.New(cluster.Config, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	By("starting the funnel simulator")
	_, simURL = runFunnelsim("funnelsim", simBin, "testdata/funnel.yaml")

	By("starting truce")
	startTruce(truceBin)
})

var _ = AfterSuite(func() {
	if cluster != nil {
		if CurrentSpecReport().Failed() || !suiteOK {
			GinkgoWriter.Printf("component logs are in %s\n", filepath.Join(cluster.Dir, "logs"))
		}
		cluster.Stop()
		if suiteOK {
			_ = os.RemoveAll(cluster.Dir)
		}
	}
	if cancel != nil {
		cancel()
	}
})

// suiteOK stays true while every spec passes; the cluster's directory is
// kept, logs and all, when one fails.
var suiteOK = true

var _ = ReportAfterEach(func(r SpecReport) {
	if r.Failed() {
		suiteOK = false
	}
})

// startTruce starts the controller binary against the cluster and the
// simulator's JSON.
func startTruce(bin string) {
	truce, truceMetricsURL = runTruce("truce", bin)
}

// realClockNamespaces selects the namespaces of every truce on the real
// clock: all but those the simulated-clock spec's truce acts in
// (testdata/clock.yaml), whose times would make no sense to it.
const realClockNamespaces = "truce.dev/clock!=simulated"

// runTruce starts a truce process named name with args on top of the flags
// every one needs (args come after them, so they override them), on ports
// of its own, and waits until it is ready. It returns the process and the
// URL of its /metrics.
func runTruce(name, bin string, args ...string) (*localcluster.Process, string) {
	GinkgoHelper()
	metricsPort, err := localcluster.FreePort()
	Expect(err).NotTo(HaveOccurred())
	probePort, err := localcluster.FreePort()
	Expect(err).NotTo(HaveOccurred())
	p, err := cluster.Run(name, bin, append([]string{
		"--metrics-url=" + simURL + "/funnel",
		// The simulator listens on loopback, which sources may not be at
		// unless allowed; the tests scrape /metrics over plain HTTP.
		"--metrics-allow-loopback",
		"--metrics-secure=false",
		"--metrics-bind-address=127.0.0.1:" + strconv.Itoa(metricsPort),
		"--health-probe-bind-address=127.0.0.1:" + strconv.Itoa(probePort),
		"--namespace-selector=" + realClockNamespaces,
	}, args...)...)
	Expect(err).NotTo(HaveOccurred())
	Eventually(func() error {
		resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(probePort) + "/readyz")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("readyz: %s", resp.Status)
		}
		return nil
	}).WithTimeout(60 * time.Second).Should(Succeed())
	return p, "http://127.0.0.1:" + strconv.Itoa(metricsPort) + "/metrics"
}

// runFunnelsim starts a funnel simulator named name that plays scenario,
// with args, on a port of its own, and waits until it serves /funnel. It
// returns the process and the simulator's base URL.
func runFunnelsim(name, bin, scenario string, args ...string) (*localcluster.Process, string) {
	GinkgoHelper()
	port, err := localcluster.FreePort()
	Expect(err).NotTo(HaveOccurred())
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	p, err := cluster.Run(name, bin, append([]string{"--scenario=" + scenario, "--listen=127.0.0.1:" + strconv.Itoa(port)}, args...)...)
	Expect(err).NotTo(HaveOccurred())
	Eventually(func() error {
		resp, err := http.Get(url + "/funnel")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("/funnel: %s", resp.Status)
		}
		return nil
	}).WithTimeout(30 * time.Second).Should(Succeed())
	return p, url
}

// kubectl runs the real kubectl against the cluster, from this directory.
func kubectl(args ...string) string {
	GinkgoHelper()
	out, err := cluster.Kubectl(ctx, args...)
	Expect(err).NotTo(HaveOccurred())
	return out
}

// simSnapshot is the part of the simulator's /funnel document the tests
// read.
type simSnapshot struct {
	Campaigns map[string]struct {
		Workers      int     `json:"workers"`
		LeadsPerWeek float64 `json:"leadsPerWeek"`
	} `json:"campaigns"`
}

func funnel() (*simSnapshot, error) {
	resp, err := http.Get(simURL + "/funnel")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	s := &simSnapshot{}
	return s, json.NewDecoder(resp.Body).Decode(s)
}

// shock makes the simulator apply a shock now.
func shock(body string) {
	GinkgoHelper()
	resp, err := http.Post(simURL+"/shocks", "application/json", strings.NewReader(body))
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	Expect(resp.StatusCode).To(Equal(http.StatusAccepted))
}

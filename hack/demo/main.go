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

// Command demo shows truce working on a local cluster, in one command
// (`make demo`): it starts the local cluster (kwok's simulated nodes run the
// outreach pods), installs the CRDs, applies config/demo, starts the funnel
// simulator, a Prometheus that scrapes the simulator and truce, and the
// controller reading PromQL from that Prometheus as in production (or the
// simulator's JSON with --source=json), and redraws a live view of supply,
// demand, parallelism and conditions as the scenario's shocks arrive. Ctrl-C
// stops everything it started.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/test/localcluster"
)

func main() {
	var (
		opts                                        localcluster.Options
		truce, funnelsim, scenario, manifests, crds string
		src                                         source
		refresh, duration                           time.Duration
	)
	flag.StringVar(&opts.BinDir, "bin-dir", "", "The directory hack/cluster-assets.sh prints.")
	flag.StringVar(&opts.Dir, "dir", "tmp/demo", "Where the cluster keeps its state, logs and kubeconfig; emptied first.")
	flag.StringVar(&truce, "truce", "bin/truce", "The controller binary.")
	flag.StringVar(&funnelsim, "funnelsim", "bin/funnelsim", "The funnel simulator binary.")
	flag.StringVar(&scenario, "scenario", "hack/funnelsim/scenarios/demo.yaml", "The simulator's scenario.")
	flag.StringVar(&manifests, "manifests", "", "The SalesTarget and Campaigns to apply; config/demo, or config/demo-json with --source=json.")
	flag.StringVar(&src.kind, "source", "prometheus", "Where truce reads metrics: prometheus (a Prometheus scraping the simulator, as in production) or json (the simulator's JSON document).")
	flag.StringVar(&src.prometheus, "prometheus", "", "The Prometheus binary hack/prometheus.sh prints; needed with --source=prometheus.")
	flag.StringVar(&crds, "crds", "config/crd/bases", "truce's CRDs.")
	flag.DurationVar(&refresh, "refresh", 2*time.Second, "How often the view is redrawn.")
	flag.DurationVar(&duration, "duration", 0, "Stop by itself after this long; 0 runs until Ctrl-C.")
	flag.Parse()
	if opts.BinDir == "" {
		fmt.Fprintln(os.Stderr, "--bin-dir is required: pass the directory hack/cluster-assets.sh prints")
		os.Exit(2)
	}
	switch {
	case src.kind != "prometheus" && src.kind != "json":
		fmt.Fprintln(os.Stderr, "--source must be prometheus or json")
		os.Exit(2)
	case src.kind == "prometheus" && src.prometheus == "":
		fmt.Fprintln(os.Stderr, "--prometheus is required with --source=prometheus: pass the binary hack/prometheus.sh prints")
		os.Exit(2)
	}
	if manifests == "" {
		manifests = map[string]string{"prometheus": "config/demo", "json": "config/demo-json"}[src.kind]
	}
	opts.Log = os.Stderr

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, duration)
		defer cancel()
	}
	if err := run(ctx, opts, truce, funnelsim, scenario, manifests, crds, src, refresh); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// source is where truce reads its metrics in the demo.
type source struct {
	// kind is "prometheus" or "json".
	kind string
	// prometheus is the Prometheus binary.
	prometheus string
}

func run(ctx context.Context, opts localcluster.Options, truce, funnelsim, scenario, manifests, crds string, src source, refresh time.Duration) error {
	c, err := localcluster.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer c.Stop()

	step := func(what string, args ...string) error {
		fmt.Fprintf(os.Stderr, "%s: kubectl %v\n", what, args)
		_, err := c.Kubectl(ctx, args...)
		return err
	}
	if err := step("Installing the CRDs", "apply", "--server-side", "-f", crds); err != nil {
		return err
	}
	if err := step("Waiting for the CRDs", "wait", "--for=condition=Established", "--timeout=60s",
		"crd/campaigns.revops.truce.dev", "crd/salestargets.revops.truce.dev"); err != nil {
		return err
	}
	if err := step("Applying "+manifests, "apply", "--server-side", "-k", manifests); err != nil {
		return err
	}

	simPort, err := localcluster.FreePort()
	if err != nil {
		return err
	}
	simAddr := "127.0.0.1:" + strconv.Itoa(simPort)
	if _, err := c.Run("funnelsim", funnelsim, "--scenario="+scenario, "--listen="+simAddr); err != nil {
		return err
	}
	metricsPort, err := localcluster.FreePort()
	if err != nil {
		return err
	}
	probePort, err := localcluster.FreePort()
	if err != nil {
		return err
	}
	truceMetrics := "127.0.0.1:" + strconv.Itoa(metricsPort)
	metricsFlag, promURL := "--metrics-url=http://"+simAddr+"/funnel", ""
	if src.kind == "prometheus" {
		if promURL, err = startPrometheus(ctx, c, src.prometheus, simAddr, truceMetrics); err != nil {
			return err
		}
		metricsFlag = "--prometheus-address=" + promURL
	}
	// The simulator and Prometheus listen on loopback, which sources may
	// not be at unless allowed; Prometheus scrapes /metrics over plain HTTP.
	if _, err := c.Run("truce", truce, metricsFlag, "--metrics-allow-loopback", "--metrics-secure=false",
		"--metrics-bind-address="+truceMetrics,
		"--health-probe-bind-address=127.0.0.1:"+strconv.Itoa(probePort),
	); err != nil {
		return err
	}

	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = v1alpha1.AddToScheme(scheme)
	k8s, err := client.New(c.Config, client.Options{Scheme: scheme})
	if err != nil {
		return err
	}
	kubeconfig, _ := filepath.Rel(mustGetwd(), c.Kubeconfig)
	header := fmt.Sprintf("truce demo | KUBECONFIG=%s | funnel http://%s/funnel | truce metrics http://%s/metrics", kubeconfig, simAddr, truceMetrics)
	if promURL != "" {
		header += " | Prometheus " + promURL + " (truce reads PromQL from it)"
		fmt.Fprintf(os.Stderr, "Prometheus: %s (scrapes the simulator and truce every second; try truce_salestarget_supply_leads_per_week)\n", promURL)
	}
	v := &view{
		k8s: k8s, namespace: "default", funnelURL: "http://" + simAddr + "/funnel", started: time.Now(),
		header: header + fmt.Sprintf(" | logs %s | Ctrl-C stops", filepath.Join(c.Dir, "logs")),
	}
	tty := term.IsTerminal(int(os.Stdout.Fd()))
	if !tty {
		// A log, not a screen: draw less often.
		refresh = max(refresh, 15*time.Second)
	}
	t := time.NewTicker(refresh)
	defer t.Stop()
	for {
		var buf bytes.Buffer
		if err := v.render(ctx, &buf); err != nil && ctx.Err() == nil {
			fmt.Fprintf(&buf, "reading the cluster: %v\n", err)
		}
		if tty {
			// Home the cursor and clear the screen, then draw.
			fmt.Print("\x1b[H\x1b[2J")
		} else {
			fmt.Println("----")
		}
		_, _ = os.Stdout.Write(buf.Bytes())
		if err := c.Exited(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			fmt.Fprintln(os.Stderr, "\nStopping truce, the simulator and the cluster")
			return nil
		case <-t.C:
		}
	}
}

func mustGetwd() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	return wd
}

// startPrometheus starts the Prometheus that make test builds, scraping the
// simulator (job funnelsim) and truce (job truce, the job the alerts name)
// every second, and returns its URL once it answers.
func startPrometheus(ctx context.Context, c *localcluster.Cluster, bin, simAddr, truceAddr string) (string, error) {
	port, err := localcluster.FreePort()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(c.Dir, "prometheus")
	// Every run starts with empty storage. An earlier run's series (its
	// simulator had another address, so another instance label) would
	// still answer instant queries for Prometheus's 5-minute lookback, and
	// sum() would add them to this run's: the first minutes would read
	// several times the leads the workers make.
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// A second's scrape interval: the simulator runs an hour a second.
	config := strings.Join([]string{
		"global: {scrape_interval: 1s, evaluation_interval: 1s}",
		"scrape_configs:",
		"- job_name: funnelsim",
		"  static_configs: [{targets: ['" + simAddr + "']}]",
		"- job_name: truce",
		"  static_configs: [{targets: ['" + truceAddr + "']}]",
		"",
	}, "\n")
	configPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(configPath, []byte(config), 0o644); err != nil {
		return "", err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	if _, err := c.Run("prometheus", bin,
		"--config.file="+configPath,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
	); err != nil {
		return "", err
	}
	url := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/-/ready", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url, nil
			}
		}
		if err := c.Exited(); err != nil {
			return "", err
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return "", fmt.Errorf("prometheus did not become ready at %s; see %s", url, filepath.Join(c.Dir, "logs", "prometheus.log"))
		}
		select {
		case <-ctx.Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
}

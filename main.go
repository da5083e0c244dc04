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

// Command truce is the truce controller manager: it balances Campaigns'
// lead supply against SalesTargets' capacity and quota.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/controllers"
	"github.com/truce-dev/truce/internal/memlimit"
	"github.com/truce-dev/truce/internal/metrics"
	"github.com/truce-dev/truce/internal/simclock"
	"github.com/truce-dev/truce/internal/status"
	"github.com/truce-dev/truce/internal/telemetry"
)

var scheme = runtime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))
}

func main() {
	var (
		metricsAddr, probeAddr string
		metricsSecure          bool
		metricsCertDir         string
		pprofAddr              string
		memoryLimit            string
		leaderElect            bool
		qps                    float64
		burst, workers         int
		defaults               metrics.DefaultOptions
		cacheBytes             int64
		maxTimeout             time.Duration
		allowedNets            string
		deniedNets             string
		allowLoopback          bool
	)
	var (
		namespaceSelector, leaderElectionID, leaderElectionNamespace string
		defaultSourceNamespaces                                      string
		leaseDuration, renewDeadline, retryPeriod                    time.Duration
	)
	var (
		clockStart, clockOrigin string
		clockSpeed              float64
	)
	flag.StringVar(&metricsAddr, "metrics-bind-address", ":8443", "The address the controller's Prometheus metrics are served on; 0 turns them off.")
	flag.BoolVar(&metricsSecure, "metrics-secure", true, "Serve /metrics over HTTPS, only to clients the API server authenticates and authorizes to get /metrics (the metrics-reader ClusterRole). false serves plain HTTP to anyone: for local runs only, since /metrics tells every namespace's quota and bookings.")
	flag.StringVar(&metricsCertDir, "metrics-cert-dir", "", "A directory holding tls.crt and tls.key for /metrics over HTTPS, reloaded when they change; empty, or without them: a self-signed certificate made at start.")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "The address the /healthz and /readyz probes are served on.")
	flag.StringVar(&pprofAddr, "pprof-bind-address", "", "The address Go's pprof profiles (/debug/pprof/) are served on, such as 127.0.0.1:6060, to measure the controller's memory and CPU; empty, the default, serves none.")
	flag.StringVar(&memoryLimit, "go-memory-limit", "", "The Go runtime's soft memory limit, as a quantity such as 230Mi. Empty, the default: GOMEMLIMIT when set, otherwise 90% of the container's memory limit (cgroup), otherwise none. Near it the garbage collector runs more often instead of letting the heap grow to twice what is live.")
	flag.BoolVar(&leaderElect, "leader-elect", false, "Elect a leader, so only one of several replicas acts at a time.")
	flag.StringVar(&leaderElectionID, "leader-election-id", "truce.revops.truce.dev", "The name of the Lease the replicas elect their leader with; each shard (--namespace-selector) needs its own.")
	flag.StringVar(&leaderElectionNamespace, "leader-election-namespace", "", "The namespace of the leader election Lease; required outside a cluster, the controller's own namespace by default inside one.")
	flag.DurationVar(&leaseDuration, "leader-election-lease-duration", 15*time.Second, "How long the other replicas wait, after the leader last renewed its Lease, before one takes over.")
	flag.DurationVar(&renewDeadline, "leader-election-renew-deadline", 10*time.Second, "How long the leader tries to renew its Lease before it stops acting and exits; less than the lease duration.")
	flag.DurationVar(&retryPeriod, "leader-election-retry-period", 2*time.Second, "How often the replicas try to take or renew the Lease.")
	flag.StringVar(&namespaceSelector, "namespace-selector", "", "A label selector over Namespaces, such as truce.dev/shard=a: only Campaigns and SalesTargets in matching namespaces are acted on, so several deployments can split a fleet. Empty: every namespace.")
	flag.Float64Var(&qps, "kube-api-qps", -1, "Queries per second the controller may send the API server; negative (the default) sets no client-side limit and leaves flow control to the API server's Priority and Fairness. The controller's own concurrency bounds its requests in flight: one per reconcile worker, and the Event recorder.")
	flag.IntVar(&burst, "kube-api-burst", 300, "Burst of queries the controller may send the API server, when --kube-api-qps is positive.")
	flag.IntVar(&workers, "max-concurrent-reconciles", 4, "Reconciles each controller runs at once.")
	flag.StringVar(&defaults.PrometheusAddress, "prometheus-address", "", "The Prometheus API that answers the queries of resources that name no metrics source, such as http://prometheus.monitoring:9090.")
	flag.StringVar(&defaults.URL, "metrics-url", "", "A JSON endpoint that answers, by JSONPath, the queries of resources that name no metrics source; the alternative to --prometheus-address.")
	flag.StringVar(&defaultSourceNamespaces, "default-source-namespace-selector", metrics.DefaultSourceNamespaceSelector, "A label selector over Namespaces: only Campaigns and SalesTargets in matching namespaces may name no metrics source and be answered by --prometheus-address or --metrics-url, which ask with the operator's credentials whatever query the author writes; the others are told in MetricsAvailable to set spec.metrics.source or be opted in. The default opts in namespaces that a cluster administrator labels "+metrics.DefaultSourceNamespaceLabel+"=allowed. Empty: every namespace, for a cluster whose every author may read all the default source can answer.")
	flag.StringVar(&defaults.BearerTokenFile, "metrics-bearer-token-file", "", "A file whose content is sent as a bearer token to the default metrics source.")
	flag.StringVar(&defaults.CAFile, "metrics-ca-file", "", "A PEM bundle of the CAs that sign the default metrics source's certificate.")
	flag.DurationVar(&defaults.Timeout, "metrics-timeout", metrics.DefaultTimeout, "The time the default metrics source has to answer a query.")
	flag.Int64Var(&cacheBytes, "metrics-cache-bytes", metrics.DefaultCacheBytes, "The most bytes of metrics answers kept for reuse within a polling interval.")
	flag.DurationVar(&maxTimeout, "metrics-max-timeout", metrics.DefaultMaxTimeout, "The longest any metrics source may take to answer; a resource's larger timeoutSeconds is cut to it, and its status says so.")
	flag.StringVar(&allowedNets, "metrics-allowed-networks", "", "Comma-separated CIDRs: when set, metrics sources may only be at these addresses.")
	flag.StringVar(&deniedNets, "metrics-denied-networks", strings.Join(metrics.DefaultDeniedNetworks, ","), "Comma-separated CIDRs metrics sources may never be at, checked on the address dialled; the default refuses link-local and cloud metadata addresses. An empty value refuses nothing.")
	flag.BoolVar(&allowLoopback, "metrics-allow-loopback", false, "Let metrics sources be at loopback addresses (127.0.0.0/8, ::1, and 0.0.0.0 and :: which reach them), for a source on the same machine in tests, demos and local runs. Off by default: the manager's probes and pprof listen there.")
	flag.StringVar(&clockStart, "clock-start", "", "For tests and demos only: run truce on a simulated clock that reads this time (RFC 3339, such as 2027-05-26T00:00:00Z) at --clock-origin and advances --clock-speed simulated seconds per real second, so a test can cross a sales period in minutes. Every time truce measures (periods, polling intervals, windows, stabilization, scale-up limits) is then simulated time. Empty, the default: the real clock.")
	flag.Float64Var(&clockSpeed, "clock-speed", 1, "For tests and demos only, with --clock-start: simulated seconds per real second.")
	flag.StringVar(&clockOrigin, "clock-origin", "", "For tests and demos only, with --clock-start: the real instant (RFC 3339) at which the simulated clock reads --clock-start, so truce and a simulator can share one simulated timeline. Empty: when truce starts.")
	opts := zap.Options{Development: false}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))
	log := ctrl.Log.WithName("setup")
	var explicit int64
	if memoryLimit != "" {
		q, err := resource.ParseQuantity(memoryLimit)
		if err != nil || q.Value() <= 0 {
			log.Error(err, "Invalid --go-memory-limit: want a positive quantity such as 230Mi", "value", memoryLimit)
			os.Exit(1)
		}
		explicit = q.Value()
	}
	if limit, source, err := memlimit.Set(explicit); err != nil {
		log.Error(err, "Could not read the container's memory limit; the Go runtime has none")
	} else if limit > 0 {
		log.Info("Set the Go runtime's memory limit", "bytes", limit, "from", source)
	}
	shard, err := labels.Parse(namespaceSelector)
	if err != nil {
		log.Error(err, "Invalid --namespace-selector: want a label selector over Namespaces, such as truce.dev/shard=a", "namespaceSelector", namespaceSelector)
		os.Exit(1)
	}
	if !shard.Empty() {
		log.Info("Acting only in namespaces that match the selector", "namespaceSelector", shard.String())
	}
	defaultGrant, err := labels.Parse(defaultSourceNamespaces)
	if err != nil {
		log.Error(err, "Invalid --default-source-namespace-selector: want a label selector over Namespaces, such as "+metrics.DefaultSourceNamespaceSelector, "defaultSourceNamespaceSelector", defaultSourceNamespaces)
		os.Exit(1)
	}

	clk, err := newClock(clockStart, clockOrigin, clockSpeed)
	if err != nil {
		log.Error(err, "Invalid --clock-start, --clock-origin or --clock-speed")
		os.Exit(1)
	}
	if sim, ok := clk.(*simclock.Clock); ok {
		log.Info("Running on a simulated clock, for tests and demos only", "now", sim.Now().Format(time.RFC3339), "speed", sim.Speed())
		if defaults.PrometheusAddress != "" {
			log.Info("Prometheus evaluates $window and $period over real time, while truce expands them in simulated time: read simulated counts from gauges or a JSON source")
		}
	}

	cfg := ctrl.GetConfigOrDie()
	cfg.QPS, cfg.Burst = float32(qps), burst
	cfg.UserAgent = status.FieldManager

	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                telemetry.ServerOptions(metricsAddr, metricsSecure, metricsCertDir),
		HealthProbeBindAddress: probeAddr,
		LeaderElection:         leaderElect,
		LeaderElectionID:       leaderElectionID,
		Cache:                  controllers.CacheOptions(),
		PprofBindAddress:       pprofAddr,
		// Outside a cluster the Lease's namespace must be named.
		LeaderElectionNamespace: leaderElectionNamespace,
		LeaseDuration:           &leaseDuration,
		RenewDeadline:           &renewDeadline,
		RetryPeriod:             &retryPeriod,
		// A graceful stop hands the Lease over at once: the process exits
		// as soon as the manager stops, so nothing acts after releasing it.
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		log.Error(err, "Unable to create the manager")
		os.Exit(1)
	}
	guard, err := metrics.NewNetworkGuard(allowedNets, deniedNets)
	if err != nil {
		log.Error(err, "Invalid --metrics-allowed-networks or --metrics-denied-networks")
		os.Exit(1)
	}
	guard.AllowLoopback = allowLoopback
	defaults.Guard = guard
	if defaults.Timeout > maxTimeout {
		defaults.Timeout = maxTimeout
	}
	defaultSource, err := metrics.NewDefaultSource(defaults)
	if err != nil {
		log.Error(err, "Unable to set up the default metrics source")
		os.Exit(1)
	}
	if defaultSource != nil {
		log.Info("Answering specs that name no metrics source from the default source, in namespaces that match the selector", "defaultSourceNamespaceSelector", defaultGrant.String())
	}
	if err := controllers.Setup(context.Background(), mgr, controllers.Options{
		MaxConcurrentReconciles: workers,
		Clock:                   clk,
		// Secrets are read one at a time when a resource names them, through
		// the API reader: a cached client would list and watch them all.
		Sources: &metrics.Resolver{Secrets: mgr.GetAPIReader(), Default: defaultSource, MaxTimeout: maxTimeout, Guard: guard},
		Reader:  metrics.NewReader(clk, cacheBytes, ctrlmetrics.Registry),
		// Several deployments split a fleet by namespace.
		NamespaceSelector: shard,
		// The default source asks with the operator's credentials: only
		// for namespaces opted in.
		DefaultSourceNamespaces: defaultGrant,
	}); err != nil {
		log.Error(err, "Unable to set up the controllers")
		os.Exit(1)
	}
	if err := telemetry.Register(mgr, ctrlmetrics.Registry); err != nil {
		log.Error(err, "Unable to register the funnel metrics")
		os.Exit(1)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		log.Error(err, "Unable to set up the health check")
		os.Exit(1)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		log.Error(err, "Unable to set up the ready check")
		os.Exit(1)
	}

	log.Info("Starting the manager")
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "The manager stopped with an error")
		os.Exit(1)
	}
}

// newClock is the clock truce tells the time by: the real one, or with
// --clock-start a simulated one for tests and demos.
func newClock(start, origin string, speed float64) (clock.PassiveClock, error) {
	if start == "" {
		if origin != "" || speed != 1 {
			return nil, errors.New("--clock-origin and --clock-speed need --clock-start")
		}
		return clock.RealClock{}, nil
	}
	s, err := time.Parse(time.RFC3339, start)
	if err != nil {
		return nil, fmt.Errorf("--clock-start: %w", err)
	}
	o := time.Now()
	if origin != "" {
		if o, err = time.Parse(time.RFC3339, origin); err != nil {
			return nil, fmt.Errorf("--clock-origin: %w", err)
		}
	}
	return simclock.New(s, o, speed, clock.RealClock{})
}

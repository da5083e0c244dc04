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

// Command bench measures truce on a fleet: it starts the test control plane
// (etcd and kube-apiserver from hack/envtest-assets.sh), measures the API
// server's write floor, runs the truce binary against a JSON metrics
// document it serves on loopback, creates N SalesTargets × M Campaigns and
// prints one table: convergence time, the controller's writes by resource
// (from the API server's own counters), steady-state writes, reaction to a
// changed metric, and the controller's peak memory and CPU time.
//
// Run it with `make bench ARGS="-targets 100"`; see docs/performance.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

type options struct {
	targets, campaignsPerTarget int
	pollSeconds                 int
	floorWriters, floorWrites   int
	creators                    int
	steady, settleQuiet         time.Duration
	reactionSample              int
	timeout                     time.Duration
	truceBin, crdDir, samples   string
	controllerArgs              string
	workDir                     string
}

func main() {
	var o options
	flag.IntVar(&o.targets, "targets", 10, "SalesTargets in the fleet.")
	flag.IntVar(&o.campaignsPerTarget, "campaigns-per-target", 10, "Campaigns per SalesTarget.")
	flag.IntVar(&o.pollSeconds, "polling-interval-seconds", 30, "Every object's pollingIntervalSeconds.")
	flag.IntVar(&o.floorWriters, "floor-writers", 32, "Concurrent writers of the write-floor measurement.")
	flag.IntVar(&o.floorWrites, "floor-writes", 3000, "ConfigMaps the write-floor measurement creates.")
	flag.IntVar(&o.creators, "creators", 32, "Concurrent writers that create the fleet.")
	flag.DurationVar(&o.steady, "steady", time.Minute, "How long steady-state writes are counted, with nothing changing.")
	flag.DurationVar(&o.settleQuiet, "settle-quiet", 5*time.Second, "How long the controller must write nothing after convergence before its writes to converge are counted; longer on a busy machine.")
	flag.IntVar(&o.reactionSample, "reaction-sample", 20, "Campaigns whose leads change in the reaction measurement.")
	flag.DurationVar(&o.timeout, "timeout", 15*time.Minute, "The longest convergence may take before the run fails.")
	flag.StringVar(&o.truceBin, "truce", "bin/truce", "The truce binary to measure.")
	flag.StringVar(&o.crdDir, "crds", "config/crd/bases", "The CRDs to install.")
	flag.StringVar(&o.samples, "samples", "config/samples", "The sample manifests the fleet is made from.")
	flag.StringVar(&o.controllerArgs, "controller-args", "", "Extra flags for the controller, space-separated, such as \"--max-concurrent-reconciles=8\".")
	flag.StringVar(&o.workDir, "dir", "", "Where the controller's kubeconfig and log go; a temporary directory when empty.")
	flag.Parse()

	// The benchmark logs its own steps; client-go's and controller-runtime's
	// logs would only interleave with them.
	ctrllog.SetLogger(logr.Discard())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rows, err := run(ctx, o, os.Stderr)
	if rows != nil {
		printTable(os.Stdout, rows)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// assetsDir finds the test control plane the way the envtest suites do.
func assetsDir() (string, error) {
	if d := os.Getenv("KUBEBUILDER_ASSETS"); d != "" {
		return d, nil
	}
	out, err := exec.Command(filepath.Join("hack", "envtest-assets.sh")).Output()
	if err != nil {
		return "", fmt.Errorf("building the test control plane with hack/envtest-assets.sh: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

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

// Command local-cluster runs truce's local cluster (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok's simulated nodes, all on
// loopback) until interrupted, then stops everything it started.
//
//	go build -o bin/local-cluster ./hack/local-cluster
//	bin/local-cluster --bin-dir "$(hack/cluster-assets.sh)" --dir tmp/local-cluster
//
// `make local-cluster` does exactly that.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/truce-dev/truce/test/localcluster"
)

func main() {
	var opts localcluster.Options
	flag.StringVar(&opts.BinDir, "bin-dir", "", "The directory hack/cluster-assets.sh prints: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok.")
	flag.StringVar(&opts.Dir, "dir", "tmp/local-cluster", "Where the cluster keeps its state, logs and kubeconfig; emptied first.")
	flag.IntVar(&opts.Nodes, "nodes", 3, "How many simulated nodes to create.")
	flag.Parse()
	opts.Log = os.Stderr
	if opts.BinDir == "" {
		fmt.Fprintln(os.Stderr, "--bin-dir is required: pass the directory hack/cluster-assets.sh prints")
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := localcluster.Start(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("export KUBECONFIG=%s\n", c.Kubeconfig)
	fmt.Fprintln(os.Stderr, "Press Ctrl-C to stop the cluster.")
	<-ctx.Done()
	c.Stop()
}

// Command local-cluster runs truce's local cluster (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok's simulated nodes, all on
// loopback) until interrupted, then stops everything it started.
//
//	go run ./hack/local-cluster --bin-dir "$(hack/cluster-assets.sh)" --dir tmp/local-cluster
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

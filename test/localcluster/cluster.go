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

// Package localcluster runs a whole Kubernetes control plane on loopback
// with simulated nodes, for truce's demo and end-to-end tests: etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler and kwok, all
// built from pinned Go modules by hack/cluster-assets.sh. Jobs created there
// get Pods that are scheduled onto kwok's nodes and run (kwok moves them
// through the stages in stages.yaml), so Job and Deployment status is real.
// No container runtime is involved: a Pod's containers never execute.
package localcluster

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

//go:embed stages.yaml
var stages []byte

// RunForAnnotation on a Job's pod template makes its pods complete
// successfully after the given Go duration; without it pods run until
// they are deleted.
const RunForAnnotation = "local.truce.dev/run-for"

// The controllers of kube-controller-manager the cluster runs: enough for
// Jobs, Deployments, garbage collection, namespaces, service accounts and
// node readiness (nodelifecycle removes the not-ready taint from new nodes).
var controllers = []string{
	"job-controller", "cronjob-controller", "ttl-after-finished-controller",
	"deployment-controller", "replicaset-controller", "garbage-collector-controller",
	"namespace-controller", "serviceaccount-controller", "node-lifecycle-controller",
	"pod-garbage-collector-controller", "disruption-controller", "resourcequota-controller",
}

// Options say where the binaries are and where the cluster keeps its state.
type Options struct {
	// BinDir holds etcd, kube-apiserver, kube-controller-manager,
	// kube-scheduler and kwok.
	BinDir string
	// Dir holds the cluster's state: certificates, etcd's data, component
	// logs (logs/<component>.log) and the kubeconfig. It is emptied first.
	Dir string
	// Nodes is the number of simulated nodes; 3 when zero.
	Nodes int
	// Log, when set, receives one line per step.
	Log io.Writer
}

// Cluster is a running local cluster.
type Cluster struct {
	// Kubeconfig is the path of an admin kubeconfig for the cluster.
	Kubeconfig string
	// Config is the same admin access as a rest.Config.
	Config *rest.Config
	// Dir is the cluster's state directory.
	Dir string

	opts     Options
	mu       sync.Mutex
	procs    []*Process
	stopOnce sync.Once
}

// Process is a program the cluster started.
type Process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	// stopping is set once Stop was asked for, so the exit is expected.
	stopping atomic.Bool
	// Log is the path of the process's log.
	Log string
}

// Start starts the cluster and returns once its nodes are Ready, untainted
// and the default ServiceAccount exists, so Pods can be created at once.
// The cluster stops when Stop is called; if Start fails, everything it
// started is stopped.
func Start(ctx context.Context, opts Options) (c *Cluster, err error) {
	if opts.Nodes == 0 {
		opts.Nodes = 3
	}
	if opts.Dir, err = filepath.Abs(opts.Dir); err != nil {
		return nil, err
	}
	for _, b := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"} {
		if _, err := os.Stat(filepath.Join(opts.BinDir, b)); err != nil {
			return nil, fmt.Errorf("%s is missing from %q (build it with hack/cluster-assets.sh): %w", b, opts.BinDir, err)
		}
	}
	for _, sub := range []string{"pki", "etcd", "logs", "kubeconfig", "kwok.yaml"} {
		if err := os.RemoveAll(filepath.Join(opts.Dir, sub)); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(filepath.Join(opts.Dir, "logs"), 0o755); err != nil {
		return nil, err
	}
	c = &Cluster{Dir: opts.Dir, opts: opts, Kubeconfig: filepath.Join(opts.Dir, "kubeconfig")}
	defer func() {
		if err != nil {
			c.Stop()
			c = nil
		}
	}()
	start := time.Now()

	p, err := writePKI(filepath.Join(opts.Dir, "pki"))
	if err != nil {
		return c, fmt.Errorf("writing certificates: %w", err)
	}
	ports, err := freePorts(3)
	if err != nil {
		return c, err
	}
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(ports[0])
	if err := c.run("etcd",
		"--data-dir="+filepath.Join(opts.Dir, "etcd"),
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls=http://127.0.0.1:"+strconv.Itoa(ports[1]),
		"--initial-advertise-peer-urls=http://127.0.0.1:"+strconv.Itoa(ports[1]),
		"--initial-cluster=default=http://127.0.0.1:"+strconv.Itoa(ports[1]),
		"--unsafe-no-fsync", "--log-level=warn",
	); err != nil {
		return c, err
	}
	if err := c.waitFor(ctx, "etcd", func(ctx context.Context) error {
		return httpOK(ctx, http.DefaultClient, etcdURL+"/health")
	}); err != nil {
		return c, err
	}

	server := "https://127.0.0.1:" + strconv.Itoa(ports[2])
	if err := c.run("kube-apiserver",
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port="+strconv.Itoa(ports[2]),
		"--tls-cert-file="+p.servingCert, "--tls-private-key-file="+p.servKey,
		"--client-ca-file="+p.caCert,
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file="+p.saPub, "--service-account-signing-key-file="+p.saKey,
		"--service-cluster-ip-range=10.0.0.0/24",
		"--authorization-mode=RBAC", "--allow-privileged=true",
		"--endpoint-reconciler-type=none",
	); err != nil {
		return c, err
	}
	if err := c.writeKubeconfig(server, p); err != nil {
		return c, err
	}
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return c, err
	}
	if err := c.waitFor(ctx, "kube-apiserver", func(ctx context.Context) error {
		_, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err
	}); err != nil {
		return c, err
	}

	if err := c.run("kube-controller-manager",
		"--kubeconfig="+c.Kubeconfig, "--authentication-kubeconfig="+c.Kubeconfig, "--authorization-kubeconfig="+c.Kubeconfig,
		"--controllers="+strings.Join(controllers, ","),
		"--leader-elect=false", "--secure-port=0",
		"--service-account-private-key-file="+p.saKey, "--root-ca-file="+p.caCert,
		"--use-service-account-credentials=false",
		"--concurrent-job-syncs=10", "--kube-api-qps=200", "--kube-api-burst=300",
	); err != nil {
		return c, err
	}
	if err := c.run("kube-scheduler",
		"--kubeconfig="+c.Kubeconfig, "--authentication-kubeconfig="+c.Kubeconfig, "--authorization-kubeconfig="+c.Kubeconfig,
		"--leader-elect=false", "--secure-port=0",
	); err != nil {
		return c, err
	}
	kwokConfig := filepath.Join(opts.Dir, "kwok.yaml")
	if err := os.WriteFile(kwokConfig, stages, 0o644); err != nil {
		return c, err
	}
	if err := c.run("kwok",
		"--kubeconfig="+c.Kubeconfig, "--config="+kwokConfig,
		"--manage-all-nodes=false", "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
		"--node-lease-duration-seconds=40", "--cidr=10.244.0.0/16", "--node-ip=10.1.0.1",
	); err != nil {
		return c, err
	}

	for i := 0; i < opts.Nodes; i++ {
		if err := createNode(ctx, cs, fmt.Sprintf("kwok-node-%d", i)); err != nil {
			return c, err
		}
	}
	if err := c.waitFor(ctx, "nodes", func(ctx context.Context) error { return nodesSchedulable(ctx, cs, opts.Nodes) }); err != nil {
		return c, err
	}
	if err := c.waitFor(ctx, "the default ServiceAccount", func(ctx context.Context) error {
		_, err := cs.CoreV1().ServiceAccounts(metav1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{})
		return err
	}); err != nil {
		return c, err
	}
	c.logf("Local cluster ready in %s with %d kwok nodes; kubeconfig: %s", time.Since(start).Round(100*time.Millisecond), opts.Nodes, c.Kubeconfig)
	return c, nil
}

// Stop stops every component, newest first, and waits for them to exit.
// It is safe to call more than once.
func (c *Cluster) Stop() {
	c.stopOnce.Do(func() {
		c.mu.Lock()
		procs := c.procs
		c.mu.Unlock()
		for i := len(procs) - 1; i >= 0; i-- {
			procs[i].Stop(10 * time.Second)
		}
		c.logf("Local cluster stopped")
	})
}

// Exited names the first process (component or program started with Run)
// that exited without being stopped, for callers that watch the cluster's
// health; nil while all of them run.
func (c *Cluster) Exited() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.procs {
		if p.stopping.Load() {
			continue
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited: %v (log: %s)", p.name, p.err, p.Log)
		default:
		}
	}
	return nil
}

func (c *Cluster) logf(format string, args ...any) {
	if c.opts.Log != nil {
		fmt.Fprintf(c.opts.Log, format+"\n", args...)
	}
}

// run starts one of the cluster's components from BinDir.
func (c *Cluster) run(name string, args ...string) error {
	_, err := c.Run(name, filepath.Join(c.opts.BinDir, name), args...)
	return err
}

// Run starts a program alongside the cluster (a controller, a simulator)
// with KUBECONFIG pointing at the cluster, in its own process group and
// logging to logs/<name>.log (appended to, so a restart keeps the earlier
// run's log). Stop stops it with the cluster, before the cluster's own
// components; the child is sent SIGTERM should this process die first.
func (c *Cluster) Run(name, path string, args ...string) (*Process, error) {
	logPath := filepath.Join(c.Dir, "logs", name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.Kubeconfig)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &Process{name: name, cmd: cmd, done: make(chan struct{}), Log: logPath}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	c.mu.Lock()
	c.procs = append(c.procs, p)
	c.mu.Unlock()
	c.logf("Started %s (pid %d, log %s)", name, cmd.Process.Pid, logPath)
	return p, nil
}

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Stop sends the process SIGTERM and waits for it to exit, killing it
// after grace. It returns at once if the process has exited.
func (p *Process) Stop(grace time.Duration) {
	p.stopping.Store(true)
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// Kill sends the process SIGKILL, as a node's failure or the OOM killer
// would: it gets no chance to clean up. It waits for the process to exit.
func (p *Process) Kill() {
	p.stopping.Store(true)
	_ = p.cmd.Process.Kill()
	<-p.done
}

// waitFor polls check until it passes, a component exits, or two minutes
// pass; the error names what did not come up and quotes its log.
func (c *Cluster) waitFor(ctx context.Context, what string, check func(context.Context) error) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		if err := c.Exited(); err != nil {
			return false, err
		}
		last = check(ctx)
		return last == nil, nil
	})
	if err == nil {
		c.logf("%s is ready", what)
		return nil
	}
	if last != nil && wait.Interrupted(err) {
		err = fmt.Errorf("%w: last check: %v", err, last)
	}
	return fmt.Errorf("waiting for %s: %w%s", what, err, c.logTails())
}

// logTails quotes the end of every component's log, for errors.
func (c *Cluster) logTails() string {
	var b strings.Builder
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.procs {
		data, _ := os.ReadFile(p.Log)
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) > 10 {
			lines = lines[len(lines)-10:]
		}
		fmt.Fprintf(&b, "\n--- %s (%s):\n%s", p.name, p.Log, strings.Join(lines, "\n"))
	}
	return b.String()
}

func (c *Cluster) writeKubeconfig(server string, p *pki) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["truce-local"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: p.caPEM}
	cfg.AuthInfos["truce-admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: p.adminCertPEM, ClientKeyData: p.adminKeyPEM}
	cfg.Contexts["truce-local"] = &clientcmdapi.Context{Cluster: "truce-local", AuthInfo: "truce-admin", Namespace: metav1.NamespaceDefault}
	cfg.CurrentContext = "truce-local"
	if err := clientcmd.WriteToFile(*cfg, c.Kubeconfig); err != nil {
		return err
	}
	rc, err := clientcmd.NewDefaultClientConfig(*cfg, nil).ClientConfig()
	if err != nil {
		return err
	}
	rc.QPS, rc.Burst = 100, 200
	c.Config = rc
	return nil
}

func createNode(ctx context.Context, cs kubernetes.Interface, name string) error {
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{"kwok.x-k8s.io/node": "fake"},
			Labels: map[string]string{
				"type": "kwok", "kubernetes.io/hostname": name,
				"kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
			},
		},
		Status: corev1.NodeStatus{
			Allocatable: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("32"), corev1.ResourceMemory: resource.MustParse("256Gi"),
				corev1.ResourcePods: resource.MustParse("250"),
			},
			Capacity: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("32"), corev1.ResourceMemory: resource.MustParse("256Gi"),
				corev1.ResourcePods: resource.MustParse("250"),
			},
		},
	}
	_, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// nodesSchedulable passes when n nodes are Ready and carry no taint.
func nodesSchedulable(ctx context.Context, cs kubernetes.Interface, n int) error {
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	ready := 0
	for _, node := range nodes.Items {
		for _, cond := range node.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue && len(node.Spec.Taints) == 0 {
				ready++
			}
		}
	}
	if ready < n {
		return fmt.Errorf("%d of %d nodes are Ready and untainted", ready, n)
	}
	return nil
}

func httpOK(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s %s", url, resp.Status, bytes.TrimSpace(body))
	}
	return nil
}

// freePorts returns n distinct ports free on loopback right now.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// Kubectl runs the kubectl built with the cluster against it and returns
// its combined output; the error quotes the output.
func (c *Cluster) Kubectl(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.opts.BinDir, "kubectl"), append([]string{"--kubeconfig=" + c.Kubeconfig}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return string(out), nil
}

// FreePort returns a port free on loopback right now, for a program run
// alongside the cluster.
func FreePort() (int, error) {
	ports, err := freePorts(1)
	if err != nil {
		return 0, err
	}
	return ports[0], nil
}

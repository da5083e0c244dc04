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

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/flowcontrol"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/truce-dev/truce/api/v1alpha1"
)

const (
	fleetNamespace = "bench"
	floorNamespace = "bench-floor"
)

// bench is one run: the control plane, the benchmark's own client, the
// metrics document and the controller process.
type bench struct {
	o      options
	log    io.Writer
	cfg    *rest.Config
	c      client.Client
	own    *countingTransport
	doc    *metricsDoc
	base   *rest.Config
	ctrl   *exec.Cmd
	exited chan struct{}
	start  time.Time
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "%6.1fs  "+format+"\n", append([]any{time.Since(b.start).Seconds()}, args...)...)
}

func run(ctx context.Context, o options, log io.Writer) (rows []row, err error) {
	b := &bench{o: o, log: log, start: time.Now()}
	n := o.targets * o.campaignsPerTarget
	if n == 0 {
		return nil, errors.New("the fleet is empty: set -targets and -campaigns-per-target")
	}
	smp, err := loadSamples(o.samples)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(o.truceBin); err != nil {
		return nil, fmt.Errorf("the truce binary (build it with `go build -o bin/truce .`): %w", err)
	}
	if o.workDir == "" {
		if o.workDir, err = os.MkdirTemp("", "truce-bench-"); err != nil {
			return nil, err
		}
		defer func() {
			if err == nil {
				os.RemoveAll(o.workDir)
			} else {
				b.logf("Kept %s for the controller's log", o.workDir)
			}
		}()
	} else if err := os.MkdirAll(o.workDir, 0o755); err != nil {
		return nil, err
	}
	b.o = o
	assets, err := assetsDir()
	if err != nil {
		return nil, err
	}

	env, scheme, err := b.startControlPlane(assets)
	if err != nil {
		return nil, err
	}
	defer func() {
		if serr := env.Stop(); serr != nil && err == nil {
			err = fmt.Errorf("stopping the test control plane: %w", serr)
		}
	}()
	// Watches end before the control plane stops, or the API server waits
	// for them.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	flags := o.controllerArgs
	if flags == "" {
		flags = "defaults"
	}
	rows = append(rows, row{"fleet", fmt.Sprintf("%s SalesTargets × %d Campaigns, poll %d s, controller flags: %s",
		count(float64(o.targets)), o.campaignsPerTarget, o.pollSeconds, flags)})
	floor, err := b.writeFloor(ctx)
	if err != nil {
		return nil, err
	}
	rows = append(rows, row{fmt.Sprintf("API server write floor (ConfigMap creates, %d writers)", o.floorWriters),
		fmt.Sprintf("%s writes/s (%s in %s)", count(floor.rate()), count(float64(floor.n)), seconds(floor.took))})

	keys := make([]string, 0, n)
	for t := range o.targets {
		for c := range o.campaignsPerTarget {
			keys = append(keys, campaignKey(t, c))
		}
	}
	b.doc = newMetricsDoc(keys)
	if err := b.doc.start(); err != nil {
		return rows, err
	}
	defer b.doc.stop()

	watch, err := b.watchCampaigns(ctx, scheme)
	if err != nil {
		return rows, err
	}
	if err := b.startController(env); err != nil {
		return rows, err
	}
	defer b.stopController()

	before, err := b.serverWrites(ctx)
	if err != nil {
		return rows, err
	}
	ownBefore := b.own.snapshot()

	createStart, lastCreate, err := b.createFleet(ctx, smp)
	if err != nil {
		return rows, err
	}
	rows = append(rows, row{"creating the objects",
		fmt.Sprintf("%s SalesTargets, %s Campaigns in %s", count(float64(o.targets)), count(float64(n)), seconds(lastCreate.Sub(createStart)))})

	conv, err := b.waitConverged(ctx, watch, n, lastCreate)
	if err != nil {
		return rows, err
	}
	rows = append(rows, row{"Campaigns with their Job and allocation, from the last create",
		fmt.Sprintf("50%% at %s, 90%% at %s, 100%% at %s (%s from the first)", seconds(conv.at(50)), seconds(conv.at(90)),
			seconds(conv.at(100)), seconds(conv.at(100)+lastCreate.Sub(createStart)))})
	atConverged, err := b.procStats()
	if err != nil {
		return rows, err
	}

	after, err := b.settle(ctx)
	if err != nil {
		return rows, err
	}
	writes := after.sub(before).sub(b.own.snapshot().sub(ownBefore)).without("leases")
	rows = append(rows, writeRows(writes, floor, conv.at(100), o.targets, n)...)
	events, err := b.eventReasons(ctx)
	if err != nil {
		return rows, err
	}
	rows = append(rows, row{"  Event occurrences by kind and reason", events})
	rows = append(rows, row{"controller CPU until every Campaign converged", fmt.Sprintf("%.1f s", atConverged.cpu)})

	steady, err := b.steadyWrites(ctx)
	if err != nil {
		return rows, err
	}
	rows = append(rows, row{fmt.Sprintf("steady-state writes in %s, nothing changing", o.steady), describeWrites(steady)})

	react, err := b.reaction(ctx, watch, n)
	if err != nil {
		return rows, err
	}
	rows = append(rows, row{fmt.Sprintf("reaction to a changed metric, poll %d s (%d Campaigns)", o.pollSeconds, len(react)),
		fmt.Sprintf("p50 %s, p99 %s, max %s", seconds(percentile(react, 50)), seconds(percentile(react, 99)), seconds(percentile(react, 100)))})

	end, err := b.procStats()
	if err != nil {
		return rows, err
	}
	rows = append(rows,
		row{"controller RSS", fmt.Sprintf("peak %.0f MiB, %.0f MiB at convergence, %.0f MiB at the end", end.peakMiB, atConverged.rssMiB, end.rssMiB)},
		row{"controller CPU, whole run", fmt.Sprintf("%.1f s", end.cpu)},
		row{"metrics documents served", count(float64(b.doc.served()))},
	)
	return rows, nil
}

// startControlPlane starts etcd and kube-apiserver with truce's CRDs, and
// the benchmark's own client: unthrottled, and counting its writes so they
// can be taken out of the API server's counters.
func (b *bench) startControlPlane(assets string) (*envtest.Environment, *runtime.Scheme, error) {
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))
	env := &envtest.Environment{
		CRDDirectoryPaths:       []string{b.o.crdDir},
		ErrorIfCRDPathMissing:   true,
		BinaryAssetsDirectory:   assets,
		Scheme:                  scheme,
		ControlPlaneStopTimeout: time.Minute,
	}
	base, err := env.Start()
	if err != nil {
		return nil, nil, fmt.Errorf("starting the test control plane: %w", err)
	}
	b.base = base
	b.cfg = rest.CopyConfig(base)
	b.cfg.RateLimiter = flowcontrol.NewFakeAlwaysRateLimiter()
	b.cfg.UserAgent = "truce-bench"
	b.own = &countingTransport{n: writeCounts{}}
	b.cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { b.own.next = rt; return b.own }
	if b.c, err = client.New(b.cfg, client.Options{Scheme: scheme}); err != nil {
		_ = env.Stop()
		return nil, nil, err
	}
	b.logf("Control plane up: %s", base.Host)
	return env, scheme, nil
}

// createFleet creates every SalesTarget, then every Campaign, and returns
// when the first create was sent and the last one returned.
func (b *bench) createFleet(ctx context.Context, smp *samples) (first, last time.Time, err error) {
	o, n, poll := b.o, b.o.targets*b.o.campaignsPerTarget, int32(b.o.pollSeconds)
	// Warm up before the clock starts: the namespace, the client's
	// discovery of truce's API group and the API server's first use of
	// each CRD (dry runs, which the counters leave out).
	if err := b.create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fleetNamespace}}); err != nil {
		return first, last, err
	}
	for _, obj := range []client.Object{smp.newTarget(fleetNamespace, 0, poll), smp.newCampaign(fleetNamespace, 0, 0, poll)} {
		if err := b.c.Create(ctx, obj, client.DryRunAll); err != nil {
			return first, last, fmt.Errorf("warming up: %w", err)
		}
	}
	first = time.Now()
	if err := b.parallel(ctx, o.targets, func(t int) client.Object { return smp.newTarget(fleetNamespace, t, poll) }); err != nil {
		return first, last, err
	}
	if err := b.parallel(ctx, n, func(i int) client.Object {
		return smp.newCampaign(fleetNamespace, i/o.campaignsPerTarget, i%o.campaignsPerTarget, poll)
	}); err != nil {
		return first, last, err
	}
	last = time.Now()
	b.logf("Created %d SalesTargets and %d Campaigns in %s", o.targets, n, last.Sub(first).Round(time.Millisecond))
	return first, last, nil
}

// steadyWrites counts the controller's writes over -steady, with nothing
// changing.
func (b *bench) steadyWrites(ctx context.Context) (writeCounts, error) {
	b.logf("Counting writes for %s with nothing changing", b.o.steady)
	before, err := b.serverWrites(ctx)
	if err != nil {
		return nil, err
	}
	own := b.own.snapshot()
	select {
	case <-time.After(b.o.steady):
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-b.exited:
		return nil, errors.New("the controller exited; see its log")
	}
	after, err := b.serverWrites(ctx)
	if err != nil {
		return nil, err
	}
	return after.sub(before).sub(b.own.snapshot().sub(own)).without("leases"), nil
}

// floorResult is the write-floor measurement.
type floorResult struct {
	n    int
	took time.Duration
}

func (f floorResult) rate() float64 { return float64(f.n) / f.took.Seconds() }

// writeFloor creates ConfigMaps from many writers at once: the rate the
// API server and etcd sustain for small writes on this machine, the floor
// under any controller's convergence time.
func (b *bench) writeFloor(ctx context.Context) (floorResult, error) {
	if err := b.create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: floorNamespace}}); err != nil {
		return floorResult{}, err
	}
	var next atomic.Int64
	start := time.Now()
	err := b.workers(ctx, b.o.floorWriters, func() error {
		for {
			i := int(next.Add(1)) - 1
			if i >= b.o.floorWrites {
				return nil
			}
			cm := &corev1.ConfigMap{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("floor-%06d", i), Namespace: floorNamespace},
				Data:       map[string]string{"leads": "120", "target": targetName(i % 1000)},
			}
			if err := b.c.Create(ctx, cm); err != nil {
				return err
			}
		}
	})
	f := floorResult{n: b.o.floorWrites, took: time.Since(start)}
	if err == nil {
		b.logf("Write floor: %d ConfigMaps in %s, %.0f/s", f.n, f.took.Round(time.Millisecond), f.rate())
	}
	return f, err
}

// workers runs fn on k goroutines and returns the first error.
func (b *bench) workers(ctx context.Context, k int, fn func() error) error {
	var wg sync.WaitGroup
	errs := make(chan error, k)
	for range k {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// parallel creates the objects newObj(0..count-1) from -creators writers.
func (b *bench) parallel(ctx context.Context, count int, newObj func(int) client.Object) error {
	var next atomic.Int64
	return b.workers(ctx, b.o.creators, func() error {
		for {
			i := int(next.Add(1)) - 1
			if i >= count {
				return nil
			}
			if err := b.create(ctx, newObj(i)); err != nil {
				return err
			}
		}
	})
}

func (b *bench) create(ctx context.Context, obj client.Object) error {
	if err := b.c.Create(ctx, obj); err != nil {
		return fmt.Errorf("creating %T %s: %w", obj, obj.GetName(), err)
	}
	return nil
}

// serverWrites scrapes the API server's write counters.
func (b *bench) serverWrites(ctx context.Context) (writeCounts, error) {
	rc, err := rest.RESTClientFor(withoutCounting(b.cfg))
	if err != nil {
		return nil, err
	}
	raw, err := rc.Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("scraping the API server's /metrics: %w", err)
	}
	return parseWrites(bytes.NewReader(raw))
}

// withoutCounting is cfg for a plain REST client that needs no codec.
func withoutCounting(cfg *rest.Config) *rest.Config {
	c := rest.CopyConfig(cfg)
	c.WrapTransport = nil
	c.GroupVersion = &corev1.SchemeGroupVersion
	c.APIPath = "/api"
	c.NegotiatedSerializer = clientgoscheme.Codecs.WithoutConversion()
	return c
}

// settle waits until the controller has stopped writing (no change in the
// API server's write counters for -settle-quiet, at most 2 minutes) and
// returns the counters then: the convergence's trailing writes belong to it.
func (b *bench) settle(ctx context.Context) (writeCounts, error) {
	quiet, most := b.o.settleQuiet, 2*time.Minute
	last, err := b.serverWrites(ctx)
	if err != nil {
		return nil, err
	}
	lastChange, start := time.Now(), time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for time.Since(lastChange) < quiet && time.Since(start) < most {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
		cur, err := b.serverWrites(ctx)
		if err != nil {
			return nil, err
		}
		if len(cur.sub(last).without("leases")) > 0 {
			lastChange = time.Now()
		}
		last = cur
	}
	b.logf("Writes settled %s after convergence", time.Since(start).Round(time.Second))
	return last, nil
}

// eventReasons counts the occurrences of the fleet's Events by the kind of
// object they are about and their reason, most first: which of them a fix
// would remove.
func (b *bench) eventReasons(ctx context.Context) (string, error) {
	var list eventsv1.EventList
	if err := b.c.List(ctx, &list, client.InNamespace(fleetNamespace)); err != nil {
		return "", fmt.Errorf("listing the Events: %w", err)
	}
	byReason := writeCounts{}
	for _, e := range list.Items {
		// An Event that repeats is one object whose series counts the
		// occurrences, the first included.
		n := 1.0
		if e.Series != nil {
			n = max(n, float64(e.Series.Count))
		}
		byReason[resourceKey{Resource: e.Regarding.Kind + " " + e.Reason}] += n
	}
	if len(byReason) == 0 {
		return "none", nil
	}
	var parts []string
	for _, k := range byReason.keys() {
		parts = append(parts, fmt.Sprintf("%s %s", k.Resource, count(byReason[k])))
	}
	return strings.Join(parts, ", "), nil
}

// writeRows describes the controller's writes to converge.
func writeRows(byVerb writeCounts, floor floorResult, converged time.Duration, targets, campaigns int) []row {
	w := byVerb.byResource()
	total := w.total()
	serverTime := time.Duration(total / floor.rate() * float64(time.Second))
	rows := []row{
		{"controller writes to converge (until settled)", fmt.Sprintf("%s, %s per Campaign", count(total), per(total, campaigns))},
		{"server time for those writes at the floor rate", fmt.Sprintf("%.2f s; convergence took %.1f× that", serverTime.Seconds(), converged.Seconds()/serverTime.Seconds())},
	}
	for _, k := range w.keys() {
		v := w[k]
		unit, n := "Campaign", campaigns
		if strings.HasPrefix(k.Resource, "salestargets") {
			unit, n = "SalesTarget", targets
		}
		rows = append(rows, row{"  writes to " + k.String(), fmt.Sprintf("%s, %s per %s (%s)", count(v), per(v, n), unit, byVerb.verbs(k))})
	}
	return rows
}

// describeWrites sums writes up with the resources they went to.
func describeWrites(w writeCounts) string {
	if len(w) == 0 {
		return "0"
	}
	var parts []string
	for _, k := range w.keys() {
		parts = append(parts, fmt.Sprintf("%s %s %s", count(w[k]), k.Verb, k))
	}
	return fmt.Sprintf("%s (%s)", count(w.total()), strings.Join(parts, ", "))
}

// startController runs the truce binary with its own admin kubeconfig and
// the benchmark's metrics document as its default source.
func (b *bench) startController(env *envtest.Environment) error {
	user, err := env.AddUser(envtest.User{Name: "truce-bench-controller", Groups: []string{"system:masters"}}, b.base)
	if err != nil {
		return err
	}
	kc, err := user.KubeConfig()
	if err != nil {
		return err
	}
	kubeconfig := filepath.Join(b.o.workDir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, kc, 0o600); err != nil {
		return err
	}
	logPath := filepath.Join(b.o.workDir, "truce.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	args := append([]string{
		"--metrics-url=" + b.doc.URL,
		// The document is served on loopback, which sources may not be at
		// unless allowed.
		"--metrics-allow-loopback",
		"--metrics-bind-address=0", "--health-probe-bind-address=0",
	}, strings.Fields(b.o.controllerArgs)...)
	b.ctrl = exec.Command(b.o.truceBin, args...)
	b.ctrl.Stdout, b.ctrl.Stderr = logFile, logFile
	b.ctrl.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	b.ctrl.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := b.ctrl.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("starting %s: %w", b.o.truceBin, err)
	}
	b.exited = make(chan struct{})
	go func() {
		_ = b.ctrl.Wait()
		logFile.Close()
		close(b.exited)
	}()
	b.logf("Started %s (pid %d, log %s) %s", b.o.truceBin, b.ctrl.Process.Pid, logPath, strings.Join(args, " "))
	return nil
}

func (b *bench) stopController() {
	if b.ctrl == nil {
		return
	}
	_ = b.ctrl.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.exited:
	case <-time.After(10 * time.Second):
		_ = b.ctrl.Process.Kill()
		<-b.exited
	}
}

// procStats reads the controller's memory and CPU time from /proc.
func (b *bench) procStats() (procStats, error) {
	select {
	case <-b.exited:
		return procStats{}, errors.New("the controller exited; see its log")
	default:
	}
	return readProcStats(fmt.Sprintf("/proc/%d", b.ctrl.Process.Pid))
}

// campaignWatch follows every Campaign's status through an informer on the
// benchmark's own connection.
type campaignWatch struct {
	mu        sync.Mutex
	converged map[string]time.Time
	// waiting maps a campaign to the leads its status must show, and
	// reacted to when it did.
	waiting map[string]int64
	reacted map[string]time.Time
}

func (b *bench) watchCampaigns(ctx context.Context, scheme *runtime.Scheme) (*campaignWatch, error) {
	cch, err := cache.New(withoutCounting(b.cfg), cache.Options{Scheme: scheme, DefaultNamespaces: map[string]cache.Config{fleetNamespace: {}}})
	if err != nil {
		return nil, err
	}
	inf, err := cch.GetInformer(ctx, &v1alpha1.Campaign{})
	if err != nil {
		return nil, err
	}
	w := &campaignWatch{converged: map[string]time.Time{}, waiting: map[string]int64{}, reacted: map[string]time.Time{}}
	see := func(obj any) {
		c, ok := obj.(*v1alpha1.Campaign)
		if !ok {
			return
		}
		now := time.Now()
		w.mu.Lock()
		defer w.mu.Unlock()
		if _, done := w.converged[c.Name]; !done && c.Status.ActiveJob != "" && c.Status.AllocatedLeadsPerWeek != nil {
			w.converged[c.Name] = now
		}
		if want, ok := w.waiting[c.Name]; ok && c.Status.LeadsPerWeek != nil && c.Status.LeadsPerWeek.Value() == want {
			w.reacted[c.Name] = now
			delete(w.waiting, c.Name)
		}
	}
	if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    see,
		UpdateFunc: func(_, obj any) { see(obj) },
	}); err != nil {
		return nil, err
	}
	go func() { _ = cch.Start(ctx) }()
	if !cch.WaitForCacheSync(ctx) {
		return nil, errors.New("the Campaign informer did not sync")
	}
	return w, nil
}

// convergence holds when each campaign converged, from the last create.
type convergence []time.Duration

func (c convergence) at(pct float64) time.Duration { return percentile(c, pct) }

// waitConverged waits until every campaign has its Job and allocation.
func (b *bench) waitConverged(ctx context.Context, w *campaignWatch, n int, lastCreate time.Time) (convergence, error) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(b.o.timeout)
	report := time.Now()
	for {
		w.mu.Lock()
		done := len(w.converged)
		w.mu.Unlock()
		if done >= n {
			break
		}
		if time.Since(report) > 10*time.Second {
			b.logf("Converged %d of %d Campaigns", done, n)
			report = time.Now()
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-b.exited:
			return nil, errors.New("the controller exited; see its log")
		case <-deadline:
			return nil, fmt.Errorf("only %d of %d Campaigns converged in %s", done, n, b.o.timeout)
		case <-tick.C:
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	c := make(convergence, 0, n)
	for _, t := range w.converged {
		c = append(c, t.Sub(lastCreate))
	}
	b.logf("All %d Campaigns converged, the last %s after the last create", n, c.at(100).Round(time.Millisecond))
	return c, nil
}

// reaction changes the leads of a sample of campaigns, spread over the
// fleet, and returns how long each took to show the new number in status.
// The changes are spread evenly over one polling interval: objects created
// together poll together, and a single instant of change would measure
// one phase of their poll, not the spread a change meets in practice.
func (b *bench) reaction(ctx context.Context, w *campaignWatch, n int) ([]time.Duration, error) {
	k := min(b.o.reactionSample, n)
	if k == 0 {
		return nil, nil
	}
	names := make([]string, k)
	w.mu.Lock()
	for i := range k {
		idx := i * n / k
		names[i] = campaignName(idx/b.o.campaignsPerTarget, idx%b.o.campaignsPerTarget)
		w.waiting[names[i]] = leadsAfter
	}
	w.mu.Unlock()
	poll := time.Duration(b.o.pollSeconds) * time.Second
	b.logf("Changing the leads of %d Campaigns from %d to %d, spread over %s", k, leadsBefore, leadsAfter, poll)
	changed := make(map[string]time.Time, k)
	start := time.Now()
	next, limit := 0, time.After(poll+3*poll+30*time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		for ; next < k && time.Since(start) >= time.Duration(next)*poll/time.Duration(k); next++ {
			changed[names[next]] = time.Now()
			b.doc.setLeads([]string{campaignKeyOf(names[next])}, leadsAfter)
		}
		w.mu.Lock()
		left := len(w.waiting)
		w.mu.Unlock()
		if left == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-b.exited:
			return nil, errors.New("the controller exited; see its log")
		case <-limit:
			return nil, fmt.Errorf("%d of %d Campaigns never showed the changed leads", left, k)
		case <-tick.C:
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	ds := make([]time.Duration, 0, k)
	for name, t := range w.reacted {
		ds = append(ds, t.Sub(changed[name]))
	}
	return ds, nil
}

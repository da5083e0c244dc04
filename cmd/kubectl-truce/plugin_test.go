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
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/clock"
	testingclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/controllers"
	"github.com/truce-dev/truce/internal/metrics"
)

// These tests run the plugin as kubectl runs it, against a real API server
// (envtest) whose SalesTargets and Campaigns the controllers reconcile, and
// compare what it prints with what the controllers wrote to status.
var (
	k8sClient client.Client
	// kubeconfig reaches the API server through audit, a proxy that
	// records every request the plugin makes.
	kubeconfig string
	audit      = &auditLog{}
	// plugin is the directory holding the kubectl-truce binary; kubectl
	// is the real kubectl the control plane was built with, if present.
	plugin, kubectl string
	// now is the controllers' clock: Wednesday 2026-05-20 10:00 UTC.
	now     = time.Date(2026, time.May, 20, 10, 0, 0, 0, time.UTC)
	crmDocs = &crmServer{doc: map[string]any{}}
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	logf.SetLogger(logr.Discard())
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		out, err := exec.Command(filepath.Join("..", "..", "hack", "envtest-assets.sh")).Output()
		if err != nil {
			fmt.Fprintln(os.Stderr, "building the test control plane:", err)
			return 1
		}
		os.Setenv("KUBEBUILDER_ASSETS", strings.TrimSpace(string(out)))
	}
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		Scheme:                scheme,
	}
	cfg, err := env.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting envtest:", err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	if k8sClient, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: scheme, Metrics: metricsserver.Options{BindAddress: "0"}, Cache: controllers.CacheOptions()})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := controllers.Setup(ctx, mgr, controllers.Options{
		MaxConcurrentReconciles: 2,
		Clock:                   testingclock.NewFakePassiveClock(now),
		Sources:                 &metrics.Resolver{Secrets: mgr.GetAPIReader(), Guard: metrics.LoopbackNetworkGuard()},
		Reader:                  metrics.NewReader(clock.RealClock{}, 0, nil),
	}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	go func() { _ = mgr.Start(ctx) }()

	crmDocs.server = httptest.NewServer(crmDocs)
	defer crmDocs.server.Close()
	proxy, err := auditProxy(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer proxy.Close()

	dir, err := os.MkdirTemp("", "kubectl-truce-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	plugin = filepath.Join(dir, "bin")
	if out, err := exec.Command("go", "build", "-o", filepath.Join(plugin, "kubectl-truce"), ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building kubectl-truce: %v\n%s", err, out)
		return 1
	}
	kubeconfig = filepath.Join(dir, "kubeconfig")
	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: proxy.URL}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{}
	kc.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "admin", Namespace: "default"}
	kc.CurrentContext = "envtest"
	if err := clientcmd.WriteToFile(*kc, kubeconfig); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if k := filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl"); fileExists(k) {
		kubectl = k
	}
	return m.Run()
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// auditLog records the requests that reached the API server through the
// proxy.
type auditLog struct {
	mu       sync.Mutex
	requests []string
}

func (a *auditLog) record(r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests = append(a.requests, r.Method+" "+r.URL.RequestURI())
}

// since is what was recorded after the first n requests.
func (a *auditLog) since(n int) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.requests[n:]...)
}

func (a *auditLog) len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.requests)
}

// auditProxy serves plain HTTP on loopback and forwards every request to
// the API server as the envtest admin, recording it first.
func auditProxy(cfg *rest.Config) (*httptest.Server, error) {
	target, err := url.Parse(cfg.Host)
	if err != nil {
		return nil, err
	}
	transport, err := rest.TransportFor(cfg)
	if err != nil {
		return nil, err
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = transport
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		audit.record(r)
		rp.ServeHTTP(w, r)
	})), nil
}

// crmServer is a CRM's reporting endpoint: one JSON document the targets'
// and campaigns' queries read with JSONPath.
type crmServer struct {
	server *httptest.Server
	mu     sync.Mutex
	doc    map[string]any
}

func (c *crmServer) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = json.NewEncoder(w).Encode(c.doc)
}

func (c *crmServer) set(key string, v map[string]any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.doc[key] = v
}

func (c *crmServer) source() *v1alpha1.MetricsSource {
	return &v1alpha1.MetricsSource{HTTP: &v1alpha1.HTTPSource{URL: c.server.URL}}
}

// truce runs `kubectl truce args...` as kubectl runs a plugin: the real
// kubectl finds kubectl-truce on PATH. Without kubectl it runs the binary
// itself, as kubectl would.
func truce(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	args = append([]string{"--kubeconfig", kubeconfig, "--now", now.Format(time.RFC3339)}, args...)
	var cmd *exec.Cmd
	if kubectl != "" {
		cmd = exec.Command(kubectl, append([]string{"truce"}, args...)...)
	} else {
		cmd = exec.Command(filepath.Join(plugin, "kubectl-truce"), args...)
	}
	cmd.Env = append(os.Environ(), "PATH="+plugin+string(os.PathListSeparator)+os.Getenv("PATH"), "HOME="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// truceJSON runs the plugin with -o json and decodes what it prints.
func truceJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	out, errOut, err := truce(t, append(args, "-o", "json")...)
	if err != nil {
		t.Fatalf("kubectl truce %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("kubectl truce %s printed no JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// eventually polls cond until it holds or a minute passes.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting until %s; last: %s", what, last)
}

// team creates a namespace holding a SalesTarget with two Campaigns, whose
// CRM reports bookings, pipeline and leads, and waits until the
// controllers have judged it with every campaign's observed leads.
func team(t *testing.T) (string, *v1alpha1.SalesTarget) {
	t.Helper()
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "truce-plugin-"}}
	if err := k8sClient.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8sClient.Delete(ctx, ns) })
	key := func(name string) string { return ns.Name + "/" + name }
	q := func(name, field string) v1alpha1.Query {
		return v1alpha1.Query(`{['` + key(name) + `'].` + field + `}`)
	}
	crmDocs.set(key("emea-smb"), map[string]any{"won": 240000, "deals": 8, "accepted": 400, "cohort": 150, "pipeline": 90})
	st := &v1alpha1.SalesTarget{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "emea-smb"},
		Spec: v1alpha1.SalesTargetSpec{
			Period: v1alpha1.PeriodSpec{Cadence: v1alpha1.Quarterly, TimeZone: "Europe/Berlin"},
			Quota:  v1alpha1.QuotaSpec{Revenue: ptr.To(resource.MustParse("1.2M"))},
			Capacity: v1alpha1.CapacitySpec{
				Reps: 8, LeadsPerRepPerWeek: resource.MustParse("25"),
				Ramping: []v1alpha1.RampingReps{{Count: 2, ProductivityPercent: ptr.To[int32](50)}},
			},
			Plan: v1alpha1.PlanSpec{
				AverageDealSize: ptr.To(resource.MustParse("30k")), LeadToWinPercent: resource.MustParse("4"),
				AcceptedPercent: ptr.To[int32](60), QualifiedPercent: ptr.To[int32](40), SalesCycleDays: ptr.To[int32](30),
			},
			Strategy: v1alpha1.MeetQuota,
			Metrics: &v1alpha1.SalesTargetMetrics{
				Source:              crmDocs.source(),
				ClosedWonRevenue:    q("emea-smb", "won"),
				ClosedWonDeals:      q("emea-smb", "deals"),
				AcceptedLeads:       q("emea-smb", "accepted"),
				CohortAcceptedLeads: q("emea-smb", "cohort"),
				PipelineLeads:       q("emea-smb", "pipeline"),
			},
		},
	}
	if err := k8sClient.Create(ctx, st); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"linkedin", "webinars"} {
		crmDocs.set(key(name), map[string]any{"leads": 60 + 40*i, "qualified": 25 + 15*i})
		dep := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: name + "-workers"},
			Spec: appsv1.DeploymentSpec{
				Replicas: ptr.To[int32](3),
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "w", Image: "worker"}}},
				},
			},
		}
		if err := k8sClient.Create(ctx, dep); err != nil {
			t.Fatal(err)
		}
		camp := &v1alpha1.Campaign{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: name},
			Spec: v1alpha1.CampaignSpec{
				SalesTargetRef: v1alpha1.SalesTargetReference{Name: st.Name},
				Weight:         ptr.To(int32(1 + i)),
				Outreach: v1alpha1.OutreachSpec{
					ScaleTargetRef:        &v1alpha1.ScaleTargetReference{APIVersion: "apps/v1", Kind: "Deployment", Name: dep.Name},
					MaxParallelism:        int32(10 + 10*i),
					LeadsPerWorkerPerWeek: resource.MustParse("20"),
				},
				Metrics: v1alpha1.CampaignMetrics{Source: crmDocs.source(), Leads: q(name, "leads"), QualifiedLeads: q(name, "qualified")},
			},
		}
		if err := k8sClient.Create(ctx, camp); err != nil {
			t.Fatal(err)
		}
	}
	settled(t, st)
	return ns.Name, st
}

// settled waits until st's status was written for its generation with
// every campaign's observed leads, and reads it into st.
func settled(t *testing.T, st *v1alpha1.SalesTarget) {
	t.Helper()
	ctx := context.Background()
	eventually(t, "the SalesTarget is judged on its campaigns' observed leads", func() (bool, string) {
		if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(st), st); err != nil {
			return false, err.Error()
		}
		var camps v1alpha1.CampaignList
		if err := k8sClient.List(ctx, &camps, client.InNamespace(st.Namespace)); err != nil {
			return false, err.Error()
		}
		s := st.Status
		if s.ObservedGeneration != st.Generation || s.SupplyLeadsPerWeek == nil || len(s.Campaigns) != len(camps.Items) {
			return false, fmt.Sprintf("status %+v", s)
		}
		for _, c := range camps.Items {
			for _, a := range s.Campaigns {
				if a.Name == c.Name && (c.Status.LeadsPerWeek == nil || a.SupplyLeadsPerWeek == nil || a.SupplyLeadsPerWeek.Cmp(*c.Status.LeadsPerWeek) != 0) {
					return false, fmt.Sprintf("campaign %s status %+v, allocation %+v", c.Name, c.Status, a)
				}
			}
		}
		return true, ""
	})
}

// wholeNumber compares a plugin's number with status's rounding of it.
func wholeNumber(t *testing.T, what string, got float64, status *resource.Quantity) {
	t.Helper()
	if status == nil {
		t.Errorf("%s: status has none, the plugin says %v", what, got)
		return
	}
	if want := status.AsApproximateFloat64(); math.Round(got) != want {
		t.Errorf("%s: the plugin says %v (%v rounded), status %v", what, got, math.Round(got), want)
	}
}

// sameAsStatus checks every number of rep that status shows.
func sameAsStatus(t *testing.T, rep TargetReport, st *v1alpha1.SalesTarget) {
	t.Helper()
	s := st.Status
	wholeNumber(t, "capacity", rep.Capacity.LeadsPerWeek, s.CapacityLeadsPerWeek)
	wholeNumber(t, "need", rep.NeedLeadsPerWeek, s.NeedLeadsPerWeek)
	wholeNumber(t, "demand", rep.DemandLeadsPerWeek, s.DemandLeadsPerWeek)
	wholeNumber(t, "supply", ptr.Deref(rep.SupplyLeadsPerWeek, -1), s.SupplyLeadsPerWeek)
	wholeNumber(t, "accepted percent", rep.Capacity.AcceptedPercent, s.AcceptedPercent)
	wholeNumber(t, "attainment", ptr.Deref(rep.AttainmentPercent, -1), s.AttainmentPercent)
	wholeNumber(t, "projected attainment", ptr.Deref(rep.ProjectedAttainmentPercent, -1), s.ProjectedAttainmentPercent)
	wholeNumber(t, "horizon quota", rep.Horizon.Quota, s.Horizon.Quota)
	wholeNumber(t, "horizon booked", rep.Horizon.Booked, s.Horizon.Booked)
	if rep.Horizon.Period != s.Horizon.Period {
		t.Errorf("horizon: the plugin plans for %s, status for %s", rep.Horizon.Period, s.Horizon.Period)
	}
	if got, want := math.Round(rep.Horizon.LeadWeeksLeft*10)/10, s.Horizon.LeadWeeksLeft.AsApproximateFloat64(); got != want {
		t.Errorf("lead weeks left: the plugin says %v, status %v", got, want)
	}
	if got, want := math.Round(rep.WinRate.Value*100)/100, s.WinRatePercent.AsApproximateFloat64(); got != want || rep.WinRate.Basis != string(s.WinRateBasis) {
		t.Errorf("win rate: the plugin says %v%% (%s), status %v%% (%s)", got, rep.WinRate.Basis, want, s.WinRateBasis)
	}
	if rep.DealSize == nil || rep.DealSize.Basis != string(s.DealSizeBasis) {
		t.Errorf("deal size: the plugin says %+v, status basis %s", rep.DealSize, s.DealSizeBasis)
	} else {
		wholeNumber(t, "deal size", rep.DealSize.Value, s.AverageDealSize)
	}
	var classes []string
	for _, d := range rep.DriftClasses {
		classes = append(classes, d.Reason)
	}
	if fmt.Sprint(classes) != fmt.Sprint(s.DriftClasses) {
		t.Errorf("drift classes: the plugin says %v, status %v", classes, s.DriftClasses)
	}
	if len(rep.Campaigns) != len(s.Campaigns) {
		t.Fatalf("campaigns: the plugin shows %d, status %d", len(rep.Campaigns), len(s.Campaigns))
	}
	for _, a := range s.Campaigns {
		found := false
		for _, c := range rep.Campaigns {
			if c.Name == a.Name {
				found = true
				wholeNumber(t, "campaign "+a.Name+" share", c.ShareLeadsPerWeek, a.AllocatedLeadsPerWeek)
				if c.AtMax != a.AtMax {
					t.Errorf("campaign %s: the plugin says at max %v, status %v", a.Name, c.AtMax, a.AtMax)
				}
			}
		}
		if !found {
			t.Errorf("campaign %s is in status, not in the plugin's report", a.Name)
		}
	}
}

func TestExplainSalesTargetShowsStatusNumbers(t *testing.T) {
	ns, st := team(t)
	var rep TargetReport
	truceJSON(t, &rep, "-n", ns, "explain", "salestarget", st.Name)
	sameAsStatus(t, rep, st)
	if rep.Capacity.EffectiveReps != 9 || rep.Capacity.AcceptedLeadsPerWeek != 225 {
		t.Errorf("capacity: 8 reps and 2 at half make 9 effective reps and 225 accepted leads/wk; the plugin says %+v", rep.Capacity)
	}
	if rep.Horizon.SalesCycleDays != 30 || rep.Verdict.Team == "" {
		t.Errorf("the report names the cycle and who acts: %+v, %+v", rep.Horizon, rep.Verdict)
	}

	// st/NAME is the same object, and the table fits 100 columns.
	out, errOut, err := truce(t, "-n", ns, "explain", "st/"+st.Name)
	if err != nil {
		t.Fatalf("explain st/%s: %v\n%s", st.Name, err, errOut)
	}
	for _, want := range []string{"CAPACITY", "PLANS FOR", "NEED", "DEMAND", "SUPPLY", "linkedin", "webinars", "VERDICT  " + rep.Verdict.Reason} {
		if !strings.Contains(out, want) {
			t.Errorf("the table has no %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if n := len([]rune(line)); n > 100 {
			t.Errorf("a line of %d columns: %q", n, line)
		}
	}
	t.Logf("table:\n%s", out)
}

func TestExplainNamesAMissingObject(t *testing.T) {
	_, errOut, err := truce(t, "-n", "default", "explain", "salestarget", "nobody")
	if err == nil || !strings.Contains(errOut, `SalesTarget "nobody" not found in namespace "default"`) {
		t.Errorf("want an error naming the missing SalesTarget, got %v: %s", err, errOut)
	}
}

func TestWhatIfWritesNothingAndPredictsTheController(t *testing.T) {
	ctx := context.Background()
	ns, st := team(t)
	rv, gen := st.ResourceVersion, st.Generation
	n := audit.len()
	var rep WhatIfReport
	truceJSON(t, &rep, "-n", ns, "what-if", "salestarget", st.Name, "--set", "capacity.reps=12", "--set", "plan.salesCycleDays=45")

	// No write reached the API server: every request the plugin made
	// reads, or is a dry run.
	requests := audit.since(n)
	dryRuns := 0
	for _, r := range requests {
		method, uri, _ := strings.Cut(r, " ")
		switch {
		case method == http.MethodGet:
		case strings.Contains(uri, "dryRun=All"):
			dryRuns++
		default:
			t.Errorf("what-if wrote: %s", r)
		}
	}
	if dryRuns != 1 {
		t.Errorf("want the change validated by one server-side dry run, saw %d in %v", dryRuns, requests)
	}
	var cur v1alpha1.SalesTarget
	if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(st), &cur); err != nil {
		t.Fatal(err)
	}
	if cur.ResourceVersion != rv || cur.Generation != gen || cur.Spec.Capacity.Reps != 8 {
		t.Errorf("the SalesTarget changed: resourceVersion %s→%s, generation %d→%d, reps %d", rv, cur.ResourceVersion, gen, cur.Generation, cur.Spec.Capacity.Reps)
	}

	sameAsStatus(t, rep.Before, st)
	table, errOut, err := truce(t, "-n", ns, "what-if", "salestarget", st.Name, "--set", "capacity.reps=12", "--set", "plan.salesCycleDays=45")
	if err != nil {
		t.Fatalf("what-if: %v\n%s", err, errOut)
	}
	for _, line := range strings.Split(table, "\n") {
		if n := len([]rune(line)); n > 100 {
			t.Errorf("a line of %d columns: %q", n, line)
		}
	}
	t.Logf("table:\n%s", table)
	if rep.After.Capacity.Reps != 12 || rep.After.Horizon.SalesCycleDays != 45 || rep.After.Capacity.LeadsPerWeek <= rep.Before.Capacity.LeadsPerWeek {
		t.Errorf("after: want 12 reps, a 45-day cycle and more capacity: %+v %+v", rep.After.Capacity, rep.After.Horizon)
	}

	// Make the change for real: the controller computes what what-if said.
	patch := client.MergeFrom(cur.DeepCopy())
	cur.Spec.Capacity.Reps = 12
	cur.Spec.Plan.SalesCycleDays = ptr.To[int32](45)
	if err := k8sClient.Patch(ctx, &cur, patch); err != nil {
		t.Fatal(err)
	}
	settled(t, &cur)
	sameAsStatus(t, rep.After, &cur)
}

func TestWhatIfRefusesWhatTheAPIWould(t *testing.T) {
	ns, st := team(t)
	for _, tc := range []struct {
		set, want string
	}{
		{"capacity.repz=12", `unknown field "spec.capacity.repz"`},
		{"capacity.reps=-3", "the API server would refuse this change"},
		{"period.cadence=Daily", "the API server would refuse this change"},
	} {
		n := audit.len()
		_, errOut, err := truce(t, "-n", ns, "what-if", "st", st.Name, "--set", tc.set)
		if err == nil || !strings.Contains(errOut, tc.want) {
			t.Errorf("--set %s: want an error saying %q, got %v: %s", tc.set, tc.want, err, errOut)
		}
		for _, r := range audit.since(n) {
			if method, uri, _ := strings.Cut(r, " "); method != http.MethodGet && !strings.Contains(uri, "dryRun=All") {
				t.Errorf("--set %s wrote: %s", tc.set, r)
			}
		}
	}
}

func TestExplainCampaignShowsStatusNumbers(t *testing.T) {
	ctx := context.Background()
	ns, st := team(t)
	var camp v1alpha1.Campaign
	eventually(t, "the campaign was reconciled on its target's latest allocation", func() (bool, string) {
		if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(st), st); err != nil {
			return false, err.Error()
		}
		if err := k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "webinars"}, &camp); err != nil {
			return false, err.Error()
		}
		for _, a := range st.Status.Campaigns {
			if a.Name == camp.Name && camp.Status.AllocatedLeadsPerWeek != nil && a.AllocatedLeadsPerWeek.Cmp(*camp.Status.AllocatedLeadsPerWeek) == 0 &&
				camp.Status.ObservedGeneration == camp.Generation {
				return true, ""
			}
		}
		return false, fmt.Sprintf("target %+v, campaign %+v", st.Status.Campaigns, camp.Status)
	})
	var rep CampaignReport
	truceJSON(t, &rep, "-n", ns, "explain", "campaign", camp.Name)
	s := camp.Status
	if got, want := math.Round(rep.Yield.PerWorker*100)/100, s.YieldPerWorker.AsApproximateFloat64(); got != want || rep.Yield.Basis != string(s.YieldBasis) {
		t.Errorf("yield: the plugin says %v (%s), status %v (%s)", got, rep.Yield.Basis, want, s.YieldBasis)
	}
	wholeNumber(t, "share", ptr.Deref(rep.ShareLeadsPerWeek, -1), s.AllocatedLeadsPerWeek)
	if ptr.Deref(rep.Parallelism.Desired, -1) != ptr.Deref(s.DesiredParallelism, -2) || ptr.Deref(rep.Parallelism.Current, -1) != ptr.Deref(s.CurrentParallelism, -2) {
		t.Errorf("parallelism: the plugin says %+v, status desired %v current %v", rep.Parallelism, s.DesiredParallelism, s.CurrentParallelism)
	}
	if rep.Yield.AverageWorkers <= 0 || len(rep.Yield.History) == 0 || rep.Yield.WindowSeconds != 7*24*3600 {
		t.Errorf("the yield's worker-time: %+v", rep.Yield)
	}
	balanced := meta.FindStatusCondition(s.Conditions, v1alpha1.BalancedCondition)
	if balanced == nil || rep.Verdict.Reason != balanced.Reason || rep.Verdict.Message != balanced.Message {
		t.Errorf("verdict: the plugin says %+v, status %+v", rep.Verdict, balanced)
	}
	out, errOut, err := truce(t, "-n", ns, "explain", "camp/"+camp.Name)
	if err != nil {
		t.Fatalf("explain camp/%s: %v\n%s", camp.Name, err, errOut)
	}
	for _, want := range []string{"YIELD", "SHARE", "WORKERS", "VERDICT  " + rep.Verdict.Reason} {
		if !strings.Contains(out, want) {
			t.Errorf("the table has no %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if n := len([]rune(line)); n > 100 {
			t.Errorf("a line of %d columns: %q", n, line)
		}
	}
	t.Logf("table:\n%s", out)

	_, errOut, err = truce(t, "-n", ns, "explain", "campaign", "nobody")
	if err == nil || !strings.Contains(errOut, fmt.Sprintf(`Campaign "nobody" not found in namespace %q`, ns)) {
		t.Errorf("want an error naming the missing Campaign, got %v: %s", err, errOut)
	}
}

func TestWhatIfChangesCampaignsAndAddsOne(t *testing.T) {
	ns, st := team(t)
	file := filepath.Join(t.TempDir(), "changed.yaml")
	changed := `apiVersion: revops.truce.dev/v1alpha1
kind: Campaign
metadata:
  name: events
spec:
  salesTargetRef:
    name: emea-smb
  weight: 1
  outreach:
    scaleTargetRef:
      apiVersion: apps/v1
      kind: Deployment
      name: events-workers
    maxParallelism: 5
    leadsPerWorkerPerWeek: 10
  metrics:
    leads: "{.events.leads}"
---
apiVersion: revops.truce.dev/v1alpha1
kind: Campaign
metadata:
  name: linkedin
spec:
  salesTargetRef:
    name: emea-smb
  weight: 4
  outreach:
    scaleTargetRef:
      apiVersion: apps/v1
      kind: Deployment
      name: linkedin-workers
    maxParallelism: 10
    leadsPerWorkerPerWeek: 20
  metrics:
    leads: "{.x}"
`
	if err := os.WriteFile(file, []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	n := audit.len()
	var rep WhatIfReport
	truceJSON(t, &rep, "-n", ns, "what-if", "st/"+st.Name, "-f", file, "--set", "campaign/webinars.outreach.maxParallelism=2")
	dryRuns := 0
	for _, r := range audit.since(n) {
		method, uri, _ := strings.Cut(r, " ")
		switch {
		case method == http.MethodGet:
		case strings.Contains(uri, "dryRun=All"):
			dryRuns++
		default:
			t.Errorf("what-if wrote: %s", r)
		}
	}
	if dryRuns != 3 {
		t.Errorf("want the two changed campaigns and the new one validated by a dry run each, saw %d", dryRuns)
	}
	var list v1alpha1.CampaignList
	if err := k8sClient.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 2 {
		t.Errorf("the new campaign was stored: %d campaigns", len(list.Items))
	}
	sameAsStatus(t, rep.Before, st)
	after := map[string]CampaignShare{}
	for _, c := range rep.After.Campaigns {
		after[c.Name] = c
	}
	if len(after) != 3 || after["events"].ShareLeadsPerWeek <= 0 || after["linkedin"].Weight != 4 ||
		after["webinars"].MaxParallelism != 2 || !after["webinars"].AtMax || after["webinars"].Workers > 2 {
		t.Errorf("after: want events added with a share, linkedin at weight 4, webinars capped at 2 workers: %+v", rep.After.Campaigns)
	}

	for _, tc := range []struct{ args, want string }{
		{"--set campaign/webinars.wieght=3", `Campaign has no such field: unknown field "spec.wieght"`},
		{"--set campaign/nobody.weight=3", `no Campaign "nobody" references SalesTarget "emea-smb"`},
		{"--set campaign/webinars.outreach.maxParallelism=-1", "the API server would refuse this change"},
	} {
		_, errOut, err := truce(t, append([]string{"-n", ns, "what-if", "st", st.Name}, strings.Fields(tc.args)...)...)
		if err == nil || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: want an error saying %q, got %v: %s", tc.args, tc.want, err, errOut)
		}
	}
}

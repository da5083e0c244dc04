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

package telemetry_test

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/controllers"
	"github.com/truce-dev/truce/internal/metrics"
	"github.com/truce-dev/truce/internal/telemetry"
)

// crmDocument is what the test's JSON metrics source serves: a team that has
// won 480k of its 1.2M quota, and a campaign producing 120 leads a week, 48
// of them qualified.
const crmDocument = `{
  "teams": {"emea-smb": {"won": 480000, "deals": 16, "open": 35, "accepted": 400}},
  "campaigns": {"spring-webinar": {"leads": 120, "qualified": 48}}
}`

// TestFunnelMetrics runs truce's controllers on a real API server with the
// collector registered the way main.go registers it, and reads the registry
// after the objects are reconciled and after they are deleted.
func TestFunnelMetrics(t *testing.T) {
	g := newG(t)
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr)))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	k8s, mgr := startManager(t, ctx)
	source := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(crmDocument))
	}))
	t.Cleanup(source.Close)
	def, err := metrics.NewDefaultSource(metrics.DefaultOptions{URL: source.URL, Timeout: 5 * time.Second, Guard: metrics.LoopbackNetworkGuard()})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(controllers.Setup(ctx, mgr, controllers.Options{
		MaxConcurrentReconciles: 2,
		Clock:                   clock.RealClock{},
		Sources:                 &metrics.Resolver{Secrets: mgr.GetClient(), Default: def},
		Reader:                  metrics.NewReader(clock.RealClock{}, 0, ctrlmetrics.Registry),
	})).To(Succeed())
	// The one call main.go makes.
	g.Expect(telemetry.Register(mgr, ctrlmetrics.Registry)).To(Succeed())
	go func() { _ = mgr.Start(ctx) }()

	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "telemetry-"}}
	g.Expect(k8s.Create(ctx, ns)).To(Succeed())
	target, campaign := newTarget(ns.Name), newCampaign(ns.Name)
	g.Expect(k8s.Create(ctx, newDeployment(ns.Name))).To(Succeed())
	g.Expect(k8s.Create(ctx, target)).To(Succeed())
	g.Expect(k8s.Create(ctx, campaign)).To(Succeed())

	stLabels := map[string]string{"namespace": ns.Name, "salestarget": "emea-smb"}
	campLabels := map[string]string{"namespace": ns.Name, "campaign": "spring-webinar", "salestarget": "emea-smb"}

	t.Run("reports each SalesTarget's status as its status shows it", func(t *testing.T) {
		g := newG(t)
		g.Eventually(func(g Gomega) {
			var st v1alpha1.SalesTarget
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(target), &st)).To(Succeed())
			s := st.Status
			g.Expect(s.SupplyLeadsPerWeek).NotTo(BeNil(), "waiting for supply")
			g.Expect(s.ProjectedAttainmentPercent).NotTo(BeNil(), "waiting for the projection")
			fams := gather(g)
			g.Expect(value(fams, "truce_salestarget_capacity_leads_per_week", stLabels)).To(Equal(f(s.CapacityLeadsPerWeek)))
			g.Expect(value(fams, "truce_salestarget_need_leads_per_week", stLabels)).To(Equal(f(s.NeedLeadsPerWeek)))
			g.Expect(value(fams, "truce_salestarget_demand_leads_per_week", stLabels)).To(Equal(f(s.DemandLeadsPerWeek)))
			g.Expect(value(fams, "truce_salestarget_supply_leads_per_week", stLabels)).To(Equal(f(s.SupplyLeadsPerWeek)))
			g.Expect(value(fams, "truce_salestarget_attainment_ratio", stLabels)).To(BeNumerically("~", f(s.AttainmentPercent)/100, 1e-9))
			g.Expect(value(fams, "truce_salestarget_projected_attainment_ratio", stLabels)).To(BeNumerically("~", f(s.ProjectedAttainmentPercent)/100, 1e-9))
			g.Expect(value(fams, "truce_salestarget_win_rate_ratio", with(stLabels, "basis", string(s.WinRateBasis)))).
				To(BeNumerically("~", f(s.WinRatePercent)/100, 1e-9))
			g.Expect(value(fams, "truce_salestarget_average_deal_size", with(stLabels, "basis", string(s.DealSizeBasis)))).To(Equal(f(s.AverageDealSize)))
			g.Expect(value(fams, "truce_salestarget_period_end_timestamp_seconds", stLabels)).To(Equal(float64(s.PeriodEnd.Unix())))
			// From status.metrics: the source's numbers, as last read.
			g.Expect(value(fams, "truce_salestarget_quota", with(stLabels, "unit", "revenue"))).To(Equal(1.2e6))
			g.Expect(value(fams, "truce_salestarget_booked", with(stLabels, "unit", "revenue"))).To(Equal(480000.0))
			g.Expect(value(fams, "truce_salestarget_open_leads", stLabels)).To(Equal(35.0))
			g.Expect(value(fams, "truce_salestarget_query_consecutive_failures", with(stLabels, "metric", "openLeads"))).To(Equal(0.0))
			for _, c := range s.Conditions {
				g.Expect(value(fams, "truce_salestarget_status_condition",
					with(stLabels, "type", c.Type, "status", string(c.Status), "reason", c.Reason))).To(Equal(1.0), c.Type)
				g.Expect(value(fams, "truce_salestarget_status_condition_last_transition_timestamp_seconds",
					with(stLabels, "type", c.Type))).To(Equal(float64(c.LastTransitionTime.Unix())), c.Type)
			}
			g.Expect(series(fams, "truce_salestarget_status_condition", stLabels)).To(HaveLen(len(s.Conditions)))
			g.Expect(value(fams, "truce_salestarget_accepted_ratio", stLabels)).To(BeNumerically("~", f(s.AcceptedPercent)/100, 1e-9))
			expectHorizon(g, fams, stLabels, s)
			expectDriftClasses(g, fams, stLabels, s)
			expectSamples(g, fams, stLabels, s)
		}).Should(Succeed())
	})

	t.Run("reports every drift class and sample status lists", func(t *testing.T) {
		g := newG(t)
		// Written as a controller that judges them would write them; a
		// controller that does not leaves them (its patches carry only what
		// it changed), and one that does replaces them: either way the
		// series follow status.
		var st v1alpha1.SalesTarget
		g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(target), &st)).To(Succeed())
		before := st.DeepCopy()
		st.Status.DriftClasses = []string{v1alpha1.LeadShortfallReason, v1alpha1.LeadsUnworkedReason}
		st.Status.Samples = []v1alpha1.SampleStatus{
			{Name: v1alpha1.QualitySample, Size: 120, Minimum: 100, Judged: true},
			{Name: v1alpha1.FollowUpSample, Size: 40, Minimum: 50},
		}
		g.Expect(k8s.Status().Patch(ctx, &st, client.MergeFrom(before))).To(Succeed())
		g.Eventually(func(g Gomega) {
			var st v1alpha1.SalesTarget
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(target), &st)).To(Succeed())
			fams := gather(g)
			expectDriftClasses(g, fams, stLabels, st.Status)
			expectSamples(g, fams, stLabels, st.Status)
		}).Should(Succeed())
	})

	t.Run("reports each Campaign's status as its status shows it", func(t *testing.T) {
		g := newG(t)
		g.Eventually(func(g Gomega) {
			var c v1alpha1.Campaign
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(campaign), &c)).To(Succeed())
			s := c.Status
			g.Expect(s.AllocatedLeadsPerWeek).NotTo(BeNil(), "waiting for an allocation")
			g.Expect(s.YieldPerWorker).NotTo(BeNil(), "waiting for a yield")
			g.Expect(s.DesiredParallelism).NotTo(BeNil(), "waiting for a decision")
			fams := gather(g)
			g.Expect(value(fams, "truce_campaign_leads_per_week", campLabels)).To(Equal(120.0))
			g.Expect(value(fams, "truce_campaign_qualified_ratio", campLabels)).To(BeNumerically("~", 0.4, 1e-9))
			g.Expect(value(fams, "truce_campaign_allocated_leads_per_week", campLabels)).To(Equal(f(s.AllocatedLeadsPerWeek)))
			g.Expect(value(fams, "truce_campaign_yield_per_worker_leads_per_week", campLabels)).To(Equal(f(s.YieldPerWorker)))
			g.Expect(value(fams, "truce_campaign_desired_parallelism", campLabels)).To(Equal(float64(*s.DesiredParallelism)))
			g.Expect(value(fams, "truce_campaign_current_parallelism", campLabels)).To(Equal(float64(ptr.Deref(s.CurrentParallelism, -1))))
			g.Expect(value(fams, "truce_campaign_min_parallelism", campLabels)).To(Equal(1.0))
			g.Expect(value(fams, "truce_campaign_max_parallelism", campLabels)).To(Equal(20.0))
			g.Expect(value(fams, "truce_campaign_fallback_failure_threshold", campLabels)).To(Equal(3.0))
			g.Expect(value(fams, "truce_campaign_query_consecutive_failures", with(campLabels, "metric", "leads"))).To(Equal(0.0))
			for _, cond := range s.Conditions {
				g.Expect(value(fams, "truce_campaign_status_condition",
					with(campLabels, "type", cond.Type, "status", string(cond.Status), "reason", cond.Reason))).To(Equal(1.0), cond.Type)
			}
			g.Expect(series(fams, "truce_campaign_status_condition", campLabels)).To(HaveLen(len(s.Conditions)))
		}).Should(Succeed())
	})

	t.Run("serves exactly the listed metrics, with bounded labels", func(t *testing.T) {
		g := newG(t)
		fams := gather(g)
		byName := map[string]*dto.MetricFamily{}
		for _, fam := range fams {
			byName[fam.GetName()] = fam
		}
		listed := map[string]bool{}
		for _, m := range telemetry.Exported() {
			listed[m.Name] = true
			if m.Origin == "prometheus" {
				continue // made by Prometheus at scrape time
			}
			fam, ok := byName[m.Name]
			if !g.Expect(ok).To(BeTrue(), "the registry serves no %s", m.Name) {
				continue
			}
			g.Expect(strings.ToLower(fam.GetType().String())).To(Equal(m.Type), m.Name)
		}
		allowed := []string{"namespace", "salestarget", "campaign", "type", "status", "reason", "unit", "basis", "metric",
			"class", "sample", "period", "also_plans"}
		for name, fam := range byName {
			if !strings.HasPrefix(name, "truce_") {
				continue
			}
			g.Expect(listed).To(HaveKey(name), "%s is served but not listed in exported_metrics.txt", name)
			if strings.HasPrefix(name, "truce_metrics_") {
				continue
			}
			for _, m := range fam.GetMetric() {
				for _, l := range m.GetLabel() {
					g.Expect(allowed).To(ContainElement(l.GetName()), name)
				}
			}
		}
	})

	t.Run("drops a deleted object's series at once", func(t *testing.T) {
		g := newG(t)
		g.Expect(k8s.Delete(ctx, campaign)).To(Succeed())
		g.Eventually(func(g Gomega) {
			fams := gather(g)
			g.Expect(seriesWith(fams, "campaign", "spring-webinar", ns.Name)).To(BeEmpty())
			// The target is still reported.
			g.Expect(series(fams, "truce_salestarget_capacity_leads_per_week", stLabels)).To(HaveLen(1))
		}).Should(Succeed())
		g.Expect(k8s.Delete(ctx, target)).To(Succeed())
		g.Eventually(func(g Gomega) {
			g.Expect(seriesWith(gather(g), "salestarget", "emea-smb", ns.Name)).To(BeEmpty())
		}).Should(Succeed())
	})
}

// driftClasses are the classes every judged target reports, most urgent first.
var driftClasses = []string{
	v1alpha1.LeadOverflowReason, v1alpha1.CapacityBelowQuotaNeedReason, v1alpha1.LeadQualityLowReason,
	v1alpha1.LeadShortfallReason, v1alpha1.ConversionLowReason, v1alpha1.LeadsUnworkedReason,
}

// expectDriftClasses checks truce_salestarget_drift_class against
// status.driftClasses: 1 for each class listed, 0 for each other, and no
// series before the target is judged.
func expectDriftClasses(g Gomega, fams []*dto.MetricFamily, labels map[string]string, s v1alpha1.SalesTargetStatus) {
	balanced := meta.FindStatusCondition(s.Conditions, v1alpha1.BalancedCondition)
	if len(s.DriftClasses) == 0 && (balanced == nil || balanced.Reason == v1alpha1.AwaitingMetricsReason) {
		g.Expect(series(fams, "truce_salestarget_drift_class", labels)).To(BeEmpty())
		return
	}
	for _, class := range driftClasses {
		want := 0.0
		if slices.Contains(s.DriftClasses, class) {
			want = 1
		}
		g.Expect(value(fams, "truce_salestarget_drift_class", with(labels, "class", class))).To(Equal(want), class)
	}
	g.Expect(series(fams, "truce_salestarget_drift_class", labels)).To(HaveLen(len(driftClasses)))
}

// expectHorizon checks the planned period's series against status.horizon.
func expectHorizon(g Gomega, fams []*dto.MetricFamily, labels map[string]string, s v1alpha1.SalesTargetStatus) {
	h := s.Horizon
	g.Expect(h).NotTo(BeNil(), "waiting for the horizon")
	g.Expect(value(fams, "truce_salestarget_horizon_info", with(labels, "period", h.Period, "also_plans", h.AlsoPlans))).To(Equal(1.0))
	g.Expect(series(fams, "truce_salestarget_horizon_info", labels)).To(HaveLen(1))
	revenue := with(labels, "unit", "revenue")
	g.Expect(value(fams, "truce_salestarget_horizon_quota", revenue)).To(Equal(f(h.Quota)))
	g.Expect(value(fams, "truce_salestarget_horizon_booked", revenue)).To(Equal(f(h.Booked)))
	g.Expect(value(fams, "truce_salestarget_horizon_in_flight", with(revenue, "basis", string(h.InFlightBasis)))).To(Equal(f(h.InFlight)))
	g.Expect(value(fams, "truce_salestarget_horizon_lead_weeks_left", labels)).To(Equal(f(h.LeadWeeksLeft)))
}

// expectSamples checks the sample series against status.samples.
func expectSamples(g Gomega, fams []*dto.MetricFamily, labels map[string]string, s v1alpha1.SalesTargetStatus) {
	for _, sm := range s.Samples {
		l := with(labels, "sample", string(sm.Name))
		judged := 0.0
		if sm.Judged {
			judged = 1
		}
		g.Expect(value(fams, "truce_salestarget_sample_size", l)).To(Equal(float64(sm.Size)), string(sm.Name))
		g.Expect(value(fams, "truce_salestarget_sample_minimum", l)).To(Equal(float64(sm.Minimum)), string(sm.Name))
		g.Expect(value(fams, "truce_salestarget_sample_judged", l)).To(Equal(judged), string(sm.Name))
	}
	g.Expect(series(fams, "truce_salestarget_sample_size", labels)).To(HaveLen(len(s.Samples)))
}

// newG is a Gomega for t whose Eventually allows a loaded machine time: the
// controllers poll every 5 s.
func newG(t *testing.T) *WithT {
	g := NewWithT(t)
	g.SetDefaultEventuallyTimeout(90 * time.Second)
	g.SetDefaultEventuallyPollingInterval(200 * time.Millisecond)
	return g
}

func startManager(t *testing.T, ctx context.Context) (client.Client, ctrl.Manager) {
	t.Helper()
	g := newG(t)
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		// Outside `make test`, build or find the control plane the same way.
		out, err := exec.Command(filepath.Join("..", "..", "hack", "envtest-assets.sh")).Output()
		g.Expect(err).NotTo(HaveOccurred(), "building the test control plane")
		t.Setenv("KUBEBUILDER_ASSETS", strings.TrimSpace(string(out)))
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
	g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(func() { _ = env.Stop() })
	k8s, err := client.New(cfg, client.Options{Scheme: scheme})
	g.Expect(err).NotTo(HaveOccurred())
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: scheme, Metrics: metricsserver.Options{BindAddress: "0"}})
	g.Expect(err).NotTo(HaveOccurred())
	return k8s, mgr
}

func newTarget(ns string) *v1alpha1.SalesTarget {
	return &v1alpha1.SalesTarget{
		ObjectMeta: metav1.ObjectMeta{Name: "emea-smb", Namespace: ns},
		Spec: v1alpha1.SalesTargetSpec{
			Period:   v1alpha1.PeriodSpec{Cadence: v1alpha1.Quarterly},
			Quota:    v1alpha1.QuotaSpec{Revenue: ptr.To(resource.MustParse("1.2M"))},
			Capacity: v1alpha1.CapacitySpec{Reps: 8, LeadsPerRepPerWeek: resource.MustParse("25")},
			Plan: v1alpha1.PlanSpec{
				AverageDealSize: ptr.To(resource.MustParse("30k")), LeadToWinPercent: resource.MustParse("4"),
				QualifiedPercent: ptr.To[int32](40), SalesCycleDays: ptr.To[int32](30),
			},
			PollingIntervalSeconds: ptr.To[int32](5),
			Metrics: &v1alpha1.SalesTargetMetrics{
				ClosedWonRevenue: "{.teams.emea-smb.won}",
				ClosedWonDeals:   "{.teams.emea-smb.deals}",
				OpenLeads:        "{.teams.emea-smb.open}",
				AcceptedLeads:    "{.teams.emea-smb.accepted}",
			},
		},
	}
}

func newCampaign(ns string) *v1alpha1.Campaign {
	return &v1alpha1.Campaign{
		ObjectMeta: metav1.ObjectMeta{Name: "spring-webinar", Namespace: ns},
		Spec: v1alpha1.CampaignSpec{
			SalesTargetRef:         v1alpha1.SalesTargetReference{Name: "emea-smb"},
			PollingIntervalSeconds: ptr.To[int32](5),
			Outreach: v1alpha1.OutreachSpec{
				ScaleTargetRef:        &v1alpha1.ScaleTargetReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "webinar-followup"},
				MinParallelism:        ptr.To[int32](1),
				MaxParallelism:        20,
				LeadsPerWorkerPerWeek: resource.MustParse("15"),
				Fallback:              &v1alpha1.Fallback{FailureThreshold: 3},
			},
			Metrics: v1alpha1.CampaignMetrics{
				Leads:          "{.campaigns.spring-webinar.leads}",
				QualifiedLeads: "{.campaigns.spring-webinar.qualified}",
			},
		},
	}
}

func newDeployment(ns string) *appsv1.Deployment {
	labels := map[string]string{"app": "webinar-followup"}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "webinar-followup", Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](4),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "sequencer", Image: "sequencer:1"}}},
			},
		},
	}
}

func gather(g Gomega) []*dto.MetricFamily {
	fams, err := ctrlmetrics.Registry.(prometheus.Gatherer).Gather()
	g.Expect(err).NotTo(HaveOccurred())
	return fams
}

// series returns the series of the family name whose labels include want.
func series(fams []*dto.MetricFamily, name string, want map[string]string) []*dto.Metric {
	var out []*dto.Metric
	for _, fam := range fams {
		if fam.GetName() != name {
			continue
		}
		for _, m := range fam.GetMetric() {
			if hasLabels(m, want) {
				out = append(out, m)
			}
		}
	}
	return out
}

// seriesWith returns the names of the families with a series in namespace ns
// whose label key is value.
func seriesWith(fams []*dto.MetricFamily, key, value, ns string) []string {
	var out []string
	for _, fam := range fams {
		if len(series(fams, fam.GetName(), map[string]string{key: value, "namespace": ns})) > 0 && !slices.Contains(out, fam.GetName()) {
			out = append(out, fam.GetName())
		}
	}
	return out
}

// value is the one series of name with labels exactly want; NaN when there
// is not exactly one, so a comparison fails.
func value(fams []*dto.MetricFamily, name string, want map[string]string) float64 {
	var found []*dto.Metric
	for _, m := range series(fams, name, want) {
		if len(m.GetLabel()) == len(want) {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		return nan()
	}
	return found[0].GetGauge().GetValue()
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	n := 0
	for _, l := range m.GetLabel() {
		if v, ok := want[l.GetName()]; ok {
			if v != l.GetValue() {
				return false
			}
			n++
		}
	}
	return n == len(want)
}

func with(labels map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range labels {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func f(q *resource.Quantity) float64 {
	if q == nil {
		return nan()
	}
	return q.AsApproximateFloat64()
}

func nan() float64 { return math.NaN() }

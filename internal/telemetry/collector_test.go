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
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/telemetry"
)

// TestDriftClassSeries reads status the controller may write, from a reader
// holding one SalesTarget, and checks the drift class series of each.
func TestDriftClassSeries(t *testing.T) {
	labels := map[string]string{"namespace": "revenue", "salestarget": "emea-smb"}
	for _, tc := range []struct {
		name     string
		balanced *metav1.Condition
		classes  []string
		// want is each class's value; nil wants no series at all.
		want map[string]float64
	}{{
		name:     "reports 1 for each class that holds and 0 for every other known class",
		balanced: condition(metav1.ConditionFalse, v1alpha1.LeadQualityLowReason),
		classes:  []string{v1alpha1.LeadQualityLowReason, v1alpha1.LeadShortfallReason},
		want: map[string]float64{
			v1alpha1.LeadOverflowReason: 0, v1alpha1.CapacityBelowQuotaNeedReason: 0, v1alpha1.LeadQualityLowReason: 1,
			v1alpha1.LeadShortfallReason: 1, v1alpha1.ConversionLowReason: 0, v1alpha1.LeadsUnworkedReason: 0,
		},
	}, {
		name:     "reports LeadsUnworked when sales' follow-up misses the service level",
		balanced: condition(metav1.ConditionFalse, v1alpha1.LeadsUnworkedReason),
		classes:  []string{v1alpha1.LeadsUnworkedReason},
		want: map[string]float64{
			v1alpha1.LeadOverflowReason: 0, v1alpha1.CapacityBelowQuotaNeedReason: 0, v1alpha1.LeadQualityLowReason: 0,
			v1alpha1.LeadShortfallReason: 0, v1alpha1.ConversionLowReason: 0, v1alpha1.LeadsUnworkedReason: 1,
		},
	}, {
		name:     "reports every class at 0 for a target judged balanced",
		balanced: condition(metav1.ConditionTrue, v1alpha1.BalancedReason),
		want: map[string]float64{
			v1alpha1.LeadOverflowReason: 0, v1alpha1.CapacityBelowQuotaNeedReason: 0, v1alpha1.LeadQualityLowReason: 0,
			v1alpha1.LeadShortfallReason: 0, v1alpha1.ConversionLowReason: 0, v1alpha1.LeadsUnworkedReason: 0,
		},
	}, {
		name:     "reports the classes seen while Balanced waits out the stabilization window",
		balanced: condition(metav1.ConditionUnknown, v1alpha1.StabilizingReason),
		classes:  []string{v1alpha1.LeadOverflowReason},
		want: map[string]float64{
			v1alpha1.LeadOverflowReason: 1, v1alpha1.CapacityBelowQuotaNeedReason: 0, v1alpha1.LeadQualityLowReason: 0,
			v1alpha1.LeadShortfallReason: 0, v1alpha1.ConversionLowReason: 0, v1alpha1.LeadsUnworkedReason: 0,
		},
	}, {
		name:     "reports no class while nothing has been observed to judge by",
		balanced: condition(metav1.ConditionUnknown, v1alpha1.AwaitingMetricsReason),
	}, {
		name: "reports no class before the first reconcile",
	}, {
		name:     "reports a class it does not know, and a class listed twice, once each",
		balanced: condition(metav1.ConditionFalse, v1alpha1.LeadsUnworkedReason),
		classes:  []string{v1alpha1.LeadsUnworkedReason, "PipelineStalled", v1alpha1.LeadsUnworkedReason},
		want: map[string]float64{
			v1alpha1.LeadOverflowReason: 0, v1alpha1.CapacityBelowQuotaNeedReason: 0, v1alpha1.LeadQualityLowReason: 0,
			v1alpha1.LeadShortfallReason: 0, v1alpha1.ConversionLowReason: 0, v1alpha1.LeadsUnworkedReason: 1,
			"PipelineStalled": 1,
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			st := salesTarget()
			if tc.balanced != nil {
				st.Status.Conditions = []metav1.Condition{*tc.balanced}
			}
			st.Status.DriftClasses = tc.classes
			fams := collect(g, st)
			g.Expect(series(fams, "truce_salestarget_drift_class", labels)).To(HaveLen(len(tc.want)))
			for class, want := range tc.want {
				g.Expect(value(fams, "truce_salestarget_drift_class", with(labels, "class", class))).To(Equal(want), class)
			}
		})
	}
}

// TestHorizonAndSampleSeries checks the planned period's and the samples'
// series against a status that has them all.
func TestHorizonAndSampleSeries(t *testing.T) {
	labels := map[string]string{"namespace": "revenue", "salestarget": "emea-smb"}

	t.Run("reports the planned period by name, in the quota's unit", func(t *testing.T) {
		g := NewWithT(t)
		st := salesTarget()
		st.Spec.Quota = v1alpha1.QuotaSpec{Deals: ptr.To[int32](40)}
		st.Status.AcceptedPercent = ptr.To(resource.MustParse("60"))
		st.Status.Horizon = &v1alpha1.PlanningHorizon{
			Period: "2027-Q1", AlsoPlans: "2027-Q2",
			Quota: ptr.To(resource.MustParse("40")), Booked: ptr.To(resource.MustParse("0")),
			InFlight: ptr.To(resource.MustParse("12")), InFlightBasis: v1alpha1.PipelineQueryBasis,
			LeadWeeksLeft: ptr.To(resource.MustParse("0.5")),
		}
		fams := collect(g, st)
		deals := with(labels, "unit", "deals")
		g.Expect(value(fams, "truce_salestarget_horizon_info", with(labels, "period", "2027-Q1", "also_plans", "2027-Q2"))).To(Equal(1.0))
		g.Expect(value(fams, "truce_salestarget_horizon_quota", deals)).To(Equal(40.0))
		g.Expect(value(fams, "truce_salestarget_horizon_booked", deals)).To(Equal(0.0))
		g.Expect(value(fams, "truce_salestarget_horizon_in_flight", with(deals, "basis", "PipelineQuery"))).To(Equal(12.0))
		g.Expect(value(fams, "truce_salestarget_horizon_lead_weeks_left", labels)).To(Equal(0.5))
		g.Expect(value(fams, "truce_salestarget_accepted_ratio", labels)).To(BeNumerically("~", 0.6, 1e-9))
	})

	t.Run("reports no planned period before there is one", func(t *testing.T) {
		g := NewWithT(t)
		fams := collect(g, salesTarget())
		for _, name := range []string{"truce_salestarget_horizon_info", "truce_salestarget_horizon_quota",
			"truce_salestarget_horizon_booked", "truce_salestarget_horizon_in_flight", "truce_salestarget_horizon_lead_weeks_left"} {
			g.Expect(series(fams, name, labels)).To(BeEmpty(), name)
		}
	})

	t.Run("reports each sample's size, minimum and whether it was judged", func(t *testing.T) {
		g := NewWithT(t)
		st := salesTarget()
		st.Status.Samples = []v1alpha1.SampleStatus{
			{Name: v1alpha1.QualitySample, Size: 480, Minimum: 100, Judged: true},
			{Name: v1alpha1.ConversionSample, Size: 60, Minimum: 200},
			{Name: v1alpha1.FollowUpSample, Size: 400, Minimum: 50, Judged: true},
		}
		fams := collect(g, st)
		for _, tc := range []struct {
			sample                string
			size, minimum, judged float64
		}{{"Quality", 480, 100, 1}, {"Conversion", 60, 200, 0}, {"FollowUp", 400, 50, 1}} {
			l := with(labels, "sample", tc.sample)
			g.Expect(value(fams, "truce_salestarget_sample_size", l)).To(Equal(tc.size), tc.sample)
			g.Expect(value(fams, "truce_salestarget_sample_minimum", l)).To(Equal(tc.minimum), tc.sample)
			g.Expect(value(fams, "truce_salestarget_sample_judged", l)).To(Equal(tc.judged), tc.sample)
		}
		g.Expect(series(fams, "truce_salestarget_sample_judged", labels)).To(HaveLen(3))
	})
}

// TestQuotaSeriesFollowsTheSchedule checks that the quota series is the
// current period's, from quota.schedule when an entry is in force.
func TestQuotaSeriesFollowsTheSchedule(t *testing.T) {
	labels := map[string]string{"namespace": "revenue", "salestarget": "emea-smb", "unit": "revenue"}
	st := salesTarget()
	st.Spec.Period.TimeZone = "Europe/Berlin"
	st.Spec.Quota.Schedule = []v1alpha1.ScheduledQuota{
		{From: "2027-04-01", Revenue: ptr.To(resource.MustParse("1.5M"))},
		{From: "2027-10-01", Revenue: ptr.To(resource.MustParse("2M"))},
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		periodStart *time.Time
		want        float64
	}{
		{nil, 1.2e6},
		{ptr.To(time.Date(2027, 1, 1, 0, 0, 0, 0, berlin)), 1.2e6},
		{ptr.To(time.Date(2027, 4, 1, 0, 0, 0, 0, berlin)), 1.5e6},
		{ptr.To(time.Date(2027, 7, 1, 0, 0, 0, 0, berlin)), 1.5e6},
		{ptr.To(time.Date(2027, 10, 1, 0, 0, 0, 0, berlin)), 2e6},
	} {
		g := NewWithT(t)
		st.Status.PeriodStart = nil
		if tc.periodStart != nil {
			st.Status.PeriodStart = &metav1.Time{Time: *tc.periodStart}
		}
		g.Expect(value(collect(g, st), "truce_salestarget_quota", labels)).To(Equal(tc.want), "period from %v", tc.periodStart)
	}
}

func salesTarget() *v1alpha1.SalesTarget {
	return &v1alpha1.SalesTarget{
		ObjectMeta: metav1.ObjectMeta{Name: "emea-smb", Namespace: "revenue"},
		Spec:       v1alpha1.SalesTargetSpec{Quota: v1alpha1.QuotaSpec{Revenue: ptr.To(resource.MustParse("1.2M"))}},
	}
}

func condition(status metav1.ConditionStatus, reason string) *metav1.Condition {
	return &metav1.Condition{Type: v1alpha1.BalancedCondition, Status: status, Reason: reason}
}

// collect gathers the collector over a reader holding st, with a registry
// that also checks every series against its description.
func collect(g *WithT, st *v1alpha1.SalesTarget) []*dto.MetricFamily {
	scheme := runtime.NewScheme()
	g.Expect(v1alpha1.AddToScheme(scheme)).To(Succeed())
	reg := prometheus.NewPedanticRegistry()
	g.Expect(reg.Register(telemetry.NewCollector(fake.NewClientBuilder().WithScheme(scheme).WithObjects(st).Build()))).To(Succeed())
	fams, err := reg.Gather()
	g.Expect(err).NotTo(HaveOccurred())
	return fams
}

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

// Package telemetry exports the funnel that truce's status describes as
// Prometheus metrics: on each scrape a collector reads every SalesTarget and
// Campaign from the manager's informer cache (as kube-state-metrics does)
// and reports their status. Nothing is kept between scrapes, so a deleted
// object's series are gone from the next one.
package telemetry

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/balance"
	"github.com/truce-dev/truce/internal/snapshot"
)

// Register adds the funnel collector, reading mgr's cache, to reg
// (controller-runtime's metrics.Registry in the manager).
func Register(mgr ctrl.Manager, reg prometheus.Registerer) error {
	return reg.Register(NewCollector(mgr.GetCache()))
}

// NewCollector returns a collector that lists SalesTargets and Campaigns from
// r on each scrape. r should be a cache: a scrape must not reach the API
// server.
func NewCollector(r client.Reader) prometheus.Collector {
	return &collector{reader: r}
}

// listTimeout bounds a scrape's reads; a cache answers at once once synced.
const listTimeout = 5 * time.Second

type collector struct {
	reader client.Reader
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range descs {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), listTimeout)
	defer cancel()
	log := ctrl.Log.WithName("telemetry")
	var targets v1alpha1.SalesTargetList
	if err := c.reader.List(ctx, &targets); err != nil {
		// Not an invalid metric: that would fail the whole scrape, the
		// controller's own metrics included, and read as the controller down.
		log.Error(err, "Listing SalesTargets for a scrape")
	} else {
		for i := range targets.Items {
			collectSalesTarget(ch, &targets.Items[i])
		}
	}
	var campaigns v1alpha1.CampaignList
	if err := c.reader.List(ctx, &campaigns); err != nil {
		log.Error(err, "Listing Campaigns for a scrape")
	} else {
		for i := range campaigns.Items {
			collectCampaign(ch, &campaigns.Items[i])
		}
	}
}

func collectSalesTarget(ch chan<- prometheus.Metric, st *v1alpha1.SalesTarget) {
	s := &st.Status
	labels := []string{st.Namespace, st.Name}
	gauge := func(d *prometheus.Desc, q *resource.Quantity, scale float64, extra ...string) {
		if q == nil {
			return
		}
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, q.AsApproximateFloat64()*scale, with(labels, extra...)...)
	}
	gauge(stCapacity, s.CapacityLeadsPerWeek, 1)
	gauge(stNeed, s.NeedLeadsPerWeek, 1)
	gauge(stDemand, s.DemandLeadsPerWeek, 1)
	gauge(stSupply, s.SupplyLeadsPerWeek, 1)
	gauge(stOpenLeads, metricValue(s.Metrics, string(v1alpha1.OpenLeadsMetric)), 1)
	gauge(stAttainment, s.AttainmentPercent, 0.01)
	gauge(stProjected, s.ProjectedAttainmentPercent, 0.01)
	gauge(stWinRate, s.WinRatePercent, 0.01, string(s.WinRateBasis))
	gauge(stDealSize, s.AverageDealSize, 1, string(s.DealSizeBasis))
	if q := st.Spec.Quota; q.Revenue != nil || q.Deals != nil {
		unit, booked := quotaUnit(q), string(snapshot.BookingsMetric(st))
		if v, ok := currentQuota(st); ok {
			ch <- prometheus.MustNewConstMetric(stQuota, prometheus.GaugeValue, v, with(labels, unit)...)
		}
		gauge(stBooked, metricValue(s.Metrics, booked), 1, unit)
	}
	if s.PeriodEnd != nil {
		ch <- prometheus.MustNewConstMetric(stPeriodEnd, prometheus.GaugeValue, float64(s.PeriodEnd.Unix()), labels...)
	}
	for _, m := range s.Metrics {
		ch <- prometheus.MustNewConstMetric(stQueryFailures, prometheus.GaugeValue, float64(m.ConsecutiveFailures), with(labels, m.Name)...)
	}
	conditions(ch, stCondition, stConditionTime, labels, s.Conditions)
	gauge(stAccepted, s.AcceptedPercent, 0.01)
	if h := s.Horizon; h != nil {
		ch <- prometheus.MustNewConstMetric(stHorizon, prometheus.GaugeValue, 1, with(labels, h.Period, h.AlsoPlans)...)
		unit := quotaUnit(st.Spec.Quota)
		gauge(stHorizonQuota, h.Quota, 1, unit)
		gauge(stHorizonBooked, h.Booked, 1, unit)
		gauge(stHorizonInFlight, h.InFlight, 1, unit, string(h.InFlightBasis))
		gauge(stHorizonWeeks, h.LeadWeeksLeft, 1)
	}
	for _, sm := range s.Samples {
		sample := with(labels, string(sm.Name))
		judged := 0.0
		if sm.Judged {
			judged = 1
		}
		ch <- prometheus.MustNewConstMetric(stSampleSize, prometheus.GaugeValue, float64(sm.Size), sample...)
		ch <- prometheus.MustNewConstMetric(stSampleMinimum, prometheus.GaugeValue, float64(sm.Minimum), sample...)
		ch <- prometheus.MustNewConstMetric(stSampleJudged, prometheus.GaugeValue, judged, sample...)
	}
	collectDriftClasses(ch, labels, s)
}

// collectDriftClasses reports 1 for each class in status.driftClasses and 0
// for each other known class, once the target has been judged: before that
// (no Balanced condition, or AwaitingMetrics) 0 would claim a balance nobody
// has seen, so there are no series. A class this binary does not know (a
// newer controller's, during an upgrade) is reported too, once.
func collectDriftClasses(ch chan<- prometheus.Metric, labels []string, s *v1alpha1.SalesTargetStatus) {
	balanced := meta.FindStatusCondition(s.Conditions, v1alpha1.BalancedCondition)
	judged := balanced != nil && balanced.Reason != v1alpha1.AwaitingMetricsReason
	if !judged && len(s.DriftClasses) == 0 {
		return
	}
	holds := make(map[string]bool, len(s.DriftClasses))
	for _, c := range s.DriftClasses {
		holds[c] = true
	}
	reported := make(map[string]bool, len(driftClasses)+len(s.DriftClasses))
	report := func(class string, v float64) {
		if class == "" || reported[class] {
			return
		}
		reported[class] = true
		ch <- prometheus.MustNewConstMetric(stDriftClass, prometheus.GaugeValue, v, with(labels, class)...)
	}
	for _, c := range driftClasses {
		if holds[c] {
			report(c, 1)
		} else {
			report(c, 0)
		}
	}
	for _, c := range s.DriftClasses {
		report(c, 1)
	}
}

// currentQuota is the quota of the period in status, from spec.quota or the
// quota.schedule entry in force when it started, as the controller reads
// it; spec.quota before a period is in status. false when the time zone
// does not load (the target's status says so).
func currentQuota(st *v1alpha1.SalesTarget) (float64, bool) {
	loc := time.UTC
	if len(st.Spec.Quota.Schedule) > 0 {
		var err error
		if loc, err = balance.LoadTimeZone(st.Spec.Period.TimeZone); err != nil {
			return 0, false
		}
	}
	var start time.Time // before any schedule entry: spec.quota
	if st.Status.PeriodStart != nil {
		start = st.Status.PeriodStart.Time
	}
	v, _ := balance.QuotaFor(st.Spec.Quota, start, loc)
	return v, true
}

// quotaUnit is what the quota counts: revenue or deals.
func quotaUnit(q v1alpha1.QuotaSpec) string {
	if q.Deals != nil {
		return "deals"
	}
	return "revenue"
}

func collectCampaign(ch chan<- prometheus.Metric, camp *v1alpha1.Campaign) {
	s := &camp.Status
	labels := []string{camp.Namespace, camp.Name, camp.Spec.SalesTargetRef.Name}
	gauge := func(d *prometheus.Desc, q *resource.Quantity, scale float64) {
		if q == nil {
			return
		}
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, q.AsApproximateFloat64()*scale, labels...)
	}
	count := func(d *prometheus.Desc, v *int32) {
		if v == nil {
			return
		}
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(*v), labels...)
	}
	gauge(campLeads, s.LeadsPerWeek, 1)
	gauge(campQualified, s.QualifiedPercent, 0.01)
	gauge(campAllocated, s.AllocatedLeadsPerWeek, 1)
	gauge(campYield, s.YieldPerWorker, 1)
	count(campDesired, s.DesiredParallelism)
	count(campCurrent, s.CurrentParallelism)
	o := camp.Spec.Outreach
	minimum := int32(0)
	if o.MinParallelism != nil {
		minimum = *o.MinParallelism
	}
	count(campMin, &minimum)
	count(campMax, &o.MaxParallelism)
	if o.Fallback != nil {
		count(campFallbackThreshold, &o.Fallback.FailureThreshold)
	}
	for _, m := range s.Metrics {
		ch <- prometheus.MustNewConstMetric(campQueryFailures, prometheus.GaugeValue, float64(m.ConsecutiveFailures), with(labels, m.Name)...)
	}
	conditions(ch, campCondition, campConditionTime, labels, s.Conditions)
}

// conditions reports each condition as a series of value 1 labelled with its
// type, status and reason, and the time it last changed status.
func conditions(ch chan<- prometheus.Metric, cond, changed *prometheus.Desc, labels []string, conds []metav1.Condition) {
	for _, c := range conds {
		ch <- prometheus.MustNewConstMetric(cond, prometheus.GaugeValue, 1,
			with(labels, c.Type, string(c.Status), c.Reason)...)
		if !c.LastTransitionTime.IsZero() {
			ch <- prometheus.MustNewConstMetric(changed, prometheus.GaugeValue, float64(c.LastTransitionTime.Unix()),
				with(labels, c.Type)...)
		}
	}
}

// metricValue is the last value read for the named query, nil if none.
func metricValue(ms []v1alpha1.MetricStatus, name string) *resource.Quantity {
	for _, m := range ms {
		if m.Name == name {
			return m.Value
		}
	}
	return nil
}

// with returns labels followed by extra, never sharing labels' array.
func with(labels []string, extra ...string) []string {
	return append(labels[:len(labels):len(labels)], extra...)
}

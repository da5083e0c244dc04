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

package controllers

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/balance"
	"github.com/truce-dev/truce/internal/snapshot"
	"github.com/truce-dev/truce/internal/status"
)

// newPeriod is true when status describes an earlier period than in's.
func newPeriod(st *v1alpha1.SalesTarget, in salesTargetInput) bool {
	return snapshot.NewPeriod(st, *in.period)
}

// targetInput builds the model's input from what was gathered, by the
// function `kubectl truce` evaluates with too.
func targetInput(st *v1alpha1.SalesTarget, in salesTargetInput, now time.Time) balance.TargetInput {
	return snapshot.Target(st, *in.period, in.loc, now, in.observed.values, in.campaigns)
}

// rate is a rate or percentage as status shows it: whole numbers, so a
// quantity that drifts with the clock (need, projected pace) is not
// rewritten at every poll.
func rate(v float64) *resource.Quantity {
	q := balance.Quantity(math.Round(v))
	return &q
}

// setBalanceStatus writes the model's numbers into status.
func setBalanceStatus(st *v1alpha1.SalesTarget, in balance.TargetInput, r balance.Result) {
	s := &st.Status
	s.CapacityLeadsPerWeek = rate(r.Capacity)
	s.NeedLeadsPerWeek, s.DemandLeadsPerWeek = rate(r.Need), rate(r.Demand)
	s.Horizon = horizonStatus(st, r)
	s.AcceptedPercent = rate(100 * r.AcceptedShare)
	s.DriftClasses = nil
	for _, c := range r.Classes {
		s.DriftClasses = append(s.DriftClasses, c.Reason)
	}
	s.Samples = nil
	for _, smp := range r.Samples {
		s.Samples = append(s.Samples, v1alpha1.SampleStatus{
			Name: smp.Name, Size: int64(math.Round(smp.Size)), Minimum: int64(smp.Minimum), Judged: smp.Judged,
		})
	}
	s.SupplyLeadsPerWeek = nil
	if r.SupplyKnown {
		s.SupplyLeadsPerWeek = rate(r.Supply)
	}
	s.AttainmentPercent, s.ProjectedAttainmentPercent = nil, nil
	if r.AttainmentPercent != nil {
		s.AttainmentPercent = rate(*r.AttainmentPercent)
	}
	if r.ProjectedPercent != nil {
		s.ProjectedAttainmentPercent = rate(*r.ProjectedPercent)
	}
	w := balance.Quantity(math.Round(r.WinRate*10000) / 100)
	s.WinRatePercent, s.WinRateBasis = &w, v1alpha1.Basis(r.WinRateBasis)
	s.AverageDealSize, s.DealSizeBasis = nil, ""
	if st.Spec.Quota.Revenue != nil {
		s.AverageDealSize, s.DealSizeBasis = rate(r.DealSize), v1alpha1.Basis(r.DealSizeBasis)
	}

	s.Campaigns = make([]v1alpha1.CampaignAllocation, 0, len(r.Allocations))
	for i, a := range r.Allocations {
		ca := v1alpha1.CampaignAllocation{Name: a.Name, AllocatedLeadsPerWeek: rate(a.Leads), AtMax: a.AtMax}
		if l := in.Campaigns[i].Leads; l != nil {
			ca.SupplyLeadsPerWeek = rate(*l)
		}
		s.Campaigns = append(s.Campaigns, ca)
	}
	sort.Slice(s.Campaigns, func(i, j int) bool { return s.Campaigns[i].Name < s.Campaigns[j].Name })
	if len(s.Campaigns) == 0 {
		s.Campaigns = nil
	}
}

// horizonStatus is the planned period as status shows it. Amounts are
// whole numbers, what is in flight has three significant digits (the share
// of the pipeline that closes in a later period moves with the clock), and
// the weeks of leads left have one decimal, so the clock rewrites it every
// few hours, not at every poll.
func horizonStatus(st *v1alpha1.SalesTarget, r balance.Result) *v1alpha1.PlanningHorizon {
	h := r.Horizon
	weeks := balance.Quantity(math.Round(h.WeeksLeft*10) / 10)
	out := &v1alpha1.PlanningHorizon{
		Period:        h.Name,
		Start:         metav1.Time{Time: h.Period.Start},
		End:           metav1.Time{Time: h.Period.End},
		Quota:         rate(h.Quota),
		Booked:        rate(h.Booked),
		InFlight:      significant(h.InFlight),
		InFlightBasis: h.InFlightBasis,
		LeadWeeksLeft: &weeks,
	}
	if h.Also != nil {
		out.AlsoPlans = h.AlsoName
	}
	return out
}

// significant is v with three significant digits, as a whole number.
func significant(v float64) *resource.Quantity {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return rate(0)
	}
	scale := math.Pow(10, math.Floor(math.Log10(v))-2)
	return rate(math.Round(v/scale) * scale)
}

// setBalancedCondition makes Balanced follow the verdict once it has lasted
// the stabilization window, and returns how long until it may flip (the
// longest wait being a poll).
func setBalancedCondition(st *v1alpha1.SalesTarget, v balance.Verdict, now time.Time) time.Duration {
	s, gen := &st.Status, st.Generation
	if v.Reason == v1alpha1.AwaitingMetricsReason {
		s.Drift = nil
		status.Set(&s.Conditions, gen, v1alpha1.BalancedCondition, metav1.ConditionUnknown, v.Reason, v.Message)
		return time.Duration(math.MaxInt64)
	}
	if s.Drift == nil || s.Drift.Reason != v.Reason {
		s.Drift = &v1alpha1.DriftObservation{Reason: v.Reason, Since: metav1.Time{Time: now}}
	}
	window := 900 * time.Second
	if d := st.Spec.Drift; d != nil && d.StabilizationWindowSeconds != nil {
		window = time.Duration(*d.StabilizationWindowSeconds) * time.Second
	}
	if left := s.Drift.Since.Add(window).Sub(now); left > 0 {
		if meta.FindStatusCondition(s.Conditions, v1alpha1.BalancedCondition) == nil {
			status.Set(&s.Conditions, gen, v1alpha1.BalancedCondition, metav1.ConditionUnknown, v1alpha1.StabilizingReason,
				fmt.Sprintf("%s seen since %s; judged once it lasts the stabilization window", v.Reason, s.Drift.Since.UTC().Format(time.RFC3339)))
		}
		return left
	}
	verdict := metav1.ConditionFalse
	if v.Balanced() {
		verdict = metav1.ConditionTrue
	}
	status.Set(&s.Conditions, gen, v1alpha1.BalancedCondition, verdict, v.Reason, v.Message)
	return time.Duration(math.MaxInt64)
}

func setQuotaAtRiskCondition(st *v1alpha1.SalesTarget, r balance.Result) {
	s, gen := &st.Status, st.Generation
	switch {
	case r.QuotaAtRisk == nil:
		status.Set(&s.Conditions, gen, v1alpha1.QuotaAtRiskCondition, metav1.ConditionUnknown, v1alpha1.AwaitingMetricsReason,
			"Pace is projected once bookings are observed and a tenth of the period has passed")
	case *r.QuotaAtRisk:
		status.Set(&s.Conditions, gen, v1alpha1.QuotaAtRiskCondition, metav1.ConditionTrue, v1alpha1.BelowPaceReason,
			fmt.Sprintf("on pace for %.0f%% of quota (%.0f%% booked)", *r.ProjectedPercent, *r.AttainmentPercent))
	default:
		status.Set(&s.Conditions, gen, v1alpha1.QuotaAtRiskCondition, metav1.ConditionFalse, v1alpha1.OnPaceReason,
			fmt.Sprintf("on pace for %.0f%% of quota (%.0f%% booked)", *r.ProjectedPercent, *r.AttainmentPercent))
	}
}

// forgetEarlierPeriod drops the values of period metrics that were not read
// in this period, so that status never shows last period's bookings as held.
func forgetEarlierPeriod(health []v1alpha1.MetricStatus, o observed) {
	for i := range health {
		m := &health[i]
		if _, read := o.values[m.Name]; !read && slices.Contains(snapshot.PeriodMetrics, v1alpha1.SalesTargetMetric(m.Name)) {
			m.Value = nil
		}
	}
}

// setBookingsUnknown says in MetricsAvailable that this period's bookings
// could not be read, and what truce holds meanwhile.
func setBookingsUnknown(st *v1alpha1.SalesTarget, p *balance.Period, r balance.Result) {
	s := &st.Status
	held := "no demand was known to hold, so no campaign is given a share until they are read"
	switch {
	case !r.Horizon.Current:
		held = fmt.Sprintf("need plans for %s, which they do not change", r.Horizon.Name)
	case r.DemandHeld:
		held = fmt.Sprintf("demand is held at %.0f leads/wk", r.Demand)
	}
	if st.Spec.Strategy == v1alpha1.FillCapacity {
		held = "demand is capacity (FillCapacity)"
	}
	msg := fmt.Sprintf("The bookings of the period that began %s are unknown; earlier periods' are never counted, and %s",
		p.Start.Format(time.RFC3339), held)
	// What truce does comes first; why the reads failed follows, cut if
	// it must be.
	if c := meta.FindStatusCondition(s.Conditions, v1alpha1.MetricsAvailableCondition); c != nil && c.Status == metav1.ConditionFalse {
		msg += ". " + c.Message
	}
	status.Set(&s.Conditions, st.Generation, v1alpha1.MetricsAvailableCondition, metav1.ConditionFalse,
		v1alpha1.BookingsUnknownReason, msg)
}

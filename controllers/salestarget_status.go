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
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/balance"
)

// targetInput builds the model's input from what was gathered. A campaign's
// observed leads and yield come from its status.
func targetInput(st *v1alpha1.SalesTarget, in salesTargetInput, now time.Time) balance.TargetInput {
	// A metric that failed this round holds its last good value, so an
	// outage never reads as zero bookings.
	value := func(name string) *float64 {
		if v, ok := in.observed.values[name]; ok {
			return &v
		}
		for _, m := range st.Status.Metrics {
			if m.Name == name && m.Value != nil {
				v := m.Value.AsApproximateFloat64()
				return &v
			}
		}
		return nil
	}
	out := balance.TargetInput{
		Spec:   st.Spec,
		Period: *in.period,
		Now:    now,
		Observed: balance.TargetObserved{
			ClosedWonRevenue: value("closedWonRevenue"),
			ClosedWonDeals:   value("closedWonDeals"),
			OpenLeads:        value("openLeads"),
			AcceptedLeads:    value("acceptedLeads"),
		},
	}
	for i := range in.campaigns {
		out.Campaigns = append(out.Campaigns, balanceCampaign(&in.campaigns[i]))
	}
	return out
}

func balanceCampaign(c *v1alpha1.Campaign) balance.CampaignInput {
	ci := balance.CampaignInput{
		Name:      c.Name,
		Weight:    1,
		Suspended: c.Spec.Suspend,
		MaxLeads:  float64(c.Spec.Outreach.MaxParallelism) * campaignYield(c),
	}
	if c.Spec.Weight != nil {
		ci.Weight = *c.Spec.Weight
	}
	if l := c.Status.LeadsPerWeek; l != nil {
		leads := l.AsApproximateFloat64()
		ci.Leads = &leads
		if q := c.Status.QualifiedPercent; q != nil {
			qualified := leads * q.AsApproximateFloat64() / 100
			ci.QualifiedLeads = &qualified
		}
	}
	return ci
}

// campaignYield is the campaign's leads per worker per week: observed when
// its status has it, planned otherwise.
func campaignYield(c *v1alpha1.Campaign) float64 {
	if y := c.Status.YieldPerWorker; y != nil && y.Sign() > 0 {
		return y.AsApproximateFloat64()
	}
	return c.Spec.Outreach.LeadsPerWorkerPerWeek.AsApproximateFloat64()
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
	s.NeedLeadsPerWeek, s.DemandLeadsPerWeek = rate(r.Need), rate(r.Demand)
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
		ca := v1alpha1.CampaignAllocation{Name: a.Name, AllocatedLeadsPerWeek: rate(a.Leads)}
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

// setBalancedCondition makes Balanced follow the verdict once it has lasted
// the stabilization window, and returns how long until it may flip (the
// longest wait being a poll).
func setBalancedCondition(st *v1alpha1.SalesTarget, v balance.Verdict, now time.Time) time.Duration {
	s, gen := &st.Status, st.Generation
	if v.Reason == v1alpha1.AwaitingMetricsReason {
		s.Drift = nil
		setCondition(&s.Conditions, gen, v1alpha1.BalancedCondition, metav1.ConditionUnknown, v.Reason, v.Message)
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
			setCondition(&s.Conditions, gen, v1alpha1.BalancedCondition, metav1.ConditionUnknown, v1alpha1.AwaitingMetricsReason,
				fmt.Sprintf("%s seen since %s; judged once it lasts the stabilization window", v.Reason, s.Drift.Since.UTC().Format(time.RFC3339)))
		}
		return left
	}
	status := metav1.ConditionFalse
	if v.Balanced() {
		status = metav1.ConditionTrue
	}
	setCondition(&s.Conditions, gen, v1alpha1.BalancedCondition, status, v.Reason, v.Message)
	return time.Duration(math.MaxInt64)
}

func setQuotaAtRiskCondition(st *v1alpha1.SalesTarget, r balance.Result) {
	s, gen := &st.Status, st.Generation
	switch {
	case r.QuotaAtRisk == nil:
		setCondition(&s.Conditions, gen, v1alpha1.QuotaAtRiskCondition, metav1.ConditionUnknown, v1alpha1.AwaitingMetricsReason,
			"Pace is projected once bookings are observed and a tenth of the period has passed")
	case *r.QuotaAtRisk:
		setCondition(&s.Conditions, gen, v1alpha1.QuotaAtRiskCondition, metav1.ConditionTrue, v1alpha1.BelowPaceReason,
			fmt.Sprintf("on pace for %.0f%% of quota (%.0f%% booked)", *r.ProjectedPercent, *r.AttainmentPercent))
	default:
		setCondition(&s.Conditions, gen, v1alpha1.QuotaAtRiskCondition, metav1.ConditionFalse, v1alpha1.OnPaceReason,
			fmt.Sprintf("on pace for %.0f%% of quota (%.0f%% booked)", *r.ProjectedPercent, *r.AttainmentPercent))
	}
}

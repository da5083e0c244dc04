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

// Package snapshot turns a SalesTarget, what truce read for it and its
// Campaigns into the model's input. The SalesTarget controller builds its
// input here from the values it read this round, and `kubectl truce` from
// the values status holds, so both evaluate the same numbers with the same
// package (internal/balance).
package snapshot

import (
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/balance"
)

// PeriodMetrics count from the start of the period ($period): a value held
// from an earlier period is not this period's.
var PeriodMetrics = []v1alpha1.SalesTargetMetric{
	v1alpha1.ClosedWonRevenueMetric, v1alpha1.ClosedWonDealsMetric, v1alpha1.AcceptedLeadsMetric,
	v1alpha1.CohortAcceptedLeadsMetric, v1alpha1.LeadsPastFirstContactMetric,
}

// NewPeriod is true when st's status describes an earlier period than p.
func NewPeriod(st *v1alpha1.SalesTarget, p balance.Period) bool {
	return st.Status.PeriodStart == nil || !st.Status.PeriodStart.Time.Equal(p.Start)
}

// Target is the model's input for st in period p (in loc) at now. read
// holds the metrics read this round by name (a failed or unread one is
// absent); a metric not read holds the last value status.metrics shows,
// so an outage never reads as zero bookings, but never a period metric of
// an earlier period, which would count last quarter's bookings as this
// one's. A campaign's observed leads and yield come from its status.
//
// Status is read as it was before this round's values are written: whether
// it describes an earlier period decides which held values still count.
func Target(st *v1alpha1.SalesTarget, p balance.Period, loc *time.Location, now time.Time,
	read map[string]float64, campaigns []v1alpha1.Campaign) balance.TargetInput {
	fresh := NewPeriod(st, p)
	value := func(name v1alpha1.SalesTargetMetric) *float64 {
		if v, ok := read[string(name)]; ok {
			return &v
		}
		if fresh && slices.Contains(PeriodMetrics, name) {
			return nil
		}
		for _, m := range st.Status.Metrics {
			if m.Name == string(name) && m.Value != nil {
				v := m.Value.AsApproximateFloat64()
				return &v
			}
		}
		return nil
	}
	out := balance.TargetInput{
		Spec:     st.Spec,
		Period:   p,
		Location: loc,
		Now:      now,
		Observed: balance.TargetObserved{
			ClosedWonRevenue:      value(v1alpha1.ClosedWonRevenueMetric),
			ClosedWonDeals:        value(v1alpha1.ClosedWonDealsMetric),
			OpenLeads:             value(v1alpha1.OpenLeadsMetric),
			AcceptedLeads:         value(v1alpha1.AcceptedLeadsMetric),
			CohortAccepted:        value(v1alpha1.CohortAcceptedLeadsMetric),
			PipelineLeads:         value(v1alpha1.PipelineLeadsMetric),
			LeadsPastFirstContact: value(v1alpha1.LeadsPastFirstContactMetric),
		},
	}
	booked := BookingsMetric(st)
	if bookingsQuery(st) != "" && value(booked) == nil {
		out.BookingsUnknown = true
		if d := st.Status.DemandLeadsPerWeek; d != nil {
			out.HeldDemand = ptr.To(d.AsApproximateFloat64())
		}
		if n := st.Status.NeedLeadsPerWeek; n != nil {
			out.HeldNeed = ptr.To(n.AsApproximateFloat64())
		}
	}
	for i := range campaigns {
		out.Campaigns = append(out.Campaigns, Campaign(&campaigns[i]))
	}
	return out
}

// BookingsMetric is the metric the quota counts: won deals or won revenue.
func BookingsMetric(st *v1alpha1.SalesTarget) v1alpha1.SalesTargetMetric {
	if st.Spec.Quota.Deals != nil {
		return v1alpha1.ClosedWonDealsMetric
	}
	return v1alpha1.ClosedWonRevenueMetric
}

// bookingsQuery is the query of the metric the quota counts, empty when
// the target asks none.
func bookingsQuery(st *v1alpha1.SalesTarget) v1alpha1.Query {
	m := st.Spec.Metrics
	switch {
	case m == nil:
		return ""
	case BookingsMetric(st) == v1alpha1.ClosedWonDealsMetric:
		return m.ClosedWonDeals
	default:
		return m.ClosedWonRevenue
	}
}

// Campaign is c as the model sees it, from its spec and status.
func Campaign(c *v1alpha1.Campaign) balance.CampaignInput {
	ci := balance.CampaignInput{
		Name:        c.Name,
		WindowWeeks: float64(Window(c)) / float64(balance.Week),
		Weight:      1,
		Suspended:   c.Spec.Suspend,
		MaxLeads:    float64(c.Spec.Outreach.MaxParallelism) * Yield(c),
	}
	if c.Spec.Weight != nil {
		ci.Weight = *c.Spec.Weight
	}
	if n := c.Status.CurrentParallelism; n != nil && c.Status.YieldBasis == v1alpha1.Basis(balance.ObservedBasis) {
		// What the outreach makes a week now: its leads count a trailing
		// window, which lags a scale the campaign already made. Only an
		// observed yield says so; the plan's is a guess.
		ci.Producing = ptr.To(float64(*n) * Yield(c))
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

// Yield is the campaign's leads per worker per week: observed when its
// status has it, planned otherwise.
func Yield(c *v1alpha1.Campaign) float64 {
	if y := c.Status.YieldPerWorker; y != nil && y.Sign() > 0 {
		return y.AsApproximateFloat64()
	}
	return c.Spec.Outreach.LeadsPerWorkerPerWeek.AsApproximateFloat64()
}

// Window is the trailing window a campaign's leads are counted over
// (spec.metrics.windowSeconds, a week by default).
func Window(c *v1alpha1.Campaign) time.Duration {
	if w := c.Spec.Metrics.WindowSeconds; w != nil && *w > 0 {
		return time.Duration(*w) * time.Second
	}
	return balance.Week
}

// Held is what `kubectl truce` evaluates st with: the period of now in
// st's time zone and the metric values status holds, as the controller
// would if every read failed this round. The error is an invalid time zone.
func Held(st *v1alpha1.SalesTarget, campaigns []v1alpha1.Campaign, now time.Time) (balance.TargetInput, error) {
	loc, err := balance.LoadTimeZone(st.Spec.Period.TimeZone)
	if err != nil {
		return balance.TargetInput{}, err
	}
	p := balance.CurrentPeriod(st.Spec.Period.Cadence, loc, now)
	return Target(st, p, loc, now, nil, campaigns), nil
}

// Allocation is the campaign's share of its target's demand, from the
// target's status; nil until the target has allocated.
func Allocation(camp *v1alpha1.Campaign, target *v1alpha1.SalesTarget) *v1alpha1.CampaignAllocation {
	if target == nil {
		return nil
	}
	for i, c := range target.Status.Campaigns {
		if c.Name == camp.Name && c.AllocatedLeadsPerWeek != nil {
			return &target.Status.Campaigns[i]
		}
	}
	return nil
}

// Workers is a campaign's parallelism history in status as the model's
// worker records.
func Workers(rs []v1alpha1.ParallelismRecord) []balance.WorkerRecord {
	out := make([]balance.WorkerRecord, len(rs))
	for i, r := range rs {
		out[i] = balance.WorkerRecord{Since: r.Since.Time, Workers: r.Parallelism}
	}
	return out
}

// Judgement is what the campaign's own verdict on its share is judged on:
// its status (observed leads, quality, allocation) and its target's
// tolerance, plan and Balanced condition. target is nil when missing.
func Judgement(camp *v1alpha1.Campaign, target *v1alpha1.SalesTarget) balance.CampaignJudgement {
	s := &camp.Status
	j := balance.CampaignJudgement{
		Suspended:      camp.Spec.Suspend,
		MaxParallelism: camp.Spec.Outreach.MaxParallelism,
		Tolerance:      balance.Tolerance(nil),
		WindowWeeks:    float64(Window(camp)) / float64(balance.Week),
	}
	if s.LeadsPerWeek != nil {
		j.Leads = ptr.To(s.LeadsPerWeek.AsApproximateFloat64())
	}
	if s.QualifiedPercent != nil {
		j.QualifiedPercent = ptr.To(s.QualifiedPercent.AsApproximateFloat64())
	}
	if target != nil {
		j.Target, j.Tolerance, j.PlanQualifiedPercent = target.Name, balance.Tolerance(target.Spec.Drift), target.Spec.Plan.QualifiedPercent
		j.TargetShort = targetShort(target)
		if a := Allocation(camp, target); a != nil && s.AllocatedLeadsPerWeek != nil {
			j.Allocated, j.AtMax = ptr.To(s.AllocatedLeadsPerWeek.AsApproximateFloat64()), a.AtMax
		}
	}
	return j
}

// targetShort says whether the target's verdict is a lead shortfall, alone
// or among its classes of drift.
func targetShort(target *v1alpha1.SalesTarget) bool {
	c := meta.FindStatusCondition(target.Status.Conditions, v1alpha1.BalancedCondition)
	return c != nil && c.Status == metav1.ConditionFalse &&
		(c.Reason == v1alpha1.LeadShortfallReason || slices.Contains(target.Status.DriftClasses, v1alpha1.LeadShortfallReason))
}

// TargetReads is what a campaign's poll reads of its SalesTarget: the spec
// (by generation), the period's start, the campaign's allocation and
// whether the target is short of leads. Two that are semantically equal
// (equality.Semantic) poll alike.
type TargetReads struct {
	Generation  int64
	PeriodStart metav1.Time
	Allocation  v1alpha1.CampaignAllocation
	Short       bool
}

// ReadsOf is what campaign reads of target.
func ReadsOf(target *v1alpha1.SalesTarget, campaign string) TargetReads {
	r := TargetReads{Generation: target.Generation, Short: targetShort(target)}
	if p := target.Status.PeriodStart; p != nil {
		r.PeriodStart = *p
	}
	for _, a := range target.Status.Campaigns {
		if a.Name == campaign {
			r.Allocation = a
		}
	}
	return r
}

// Memory is what the campaign's stabilization window and scale-up rate
// limit remember, from status. A status written before truce kept it has
// none: the rate limit then counts the changes of the parallelism history,
// so an upgrade grants no extra step.
func Memory(status *v1alpha1.CampaignStatus) balance.ScaleMemory {
	var m balance.ScaleMemory
	s := status.Scaling
	if s == nil {
		m.Changes = balance.ScaleUps(balance.ChangesOf(Workers(status.ParallelismHistory)))
		return m
	}
	if r := s.Recommendation; r != nil {
		m.Current = &balance.Recommendation{Time: r.Time.Time, Parallelism: r.Parallelism}
	}
	for _, r := range s.Earlier {
		m.Earlier = append(m.Earlier, balance.Recommendation{Time: r.Time.Time, Parallelism: r.Parallelism})
	}
	for _, c := range s.Changes {
		m.Changes = append(m.Changes, balance.Change{Time: c.Time.Time, Delta: c.Delta})
	}
	m.Changes = balance.ScaleUps(m.Changes)
	return m
}

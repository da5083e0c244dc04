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

package balance

import (
	"math"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// minLeadWindow is the shortest stretch of leads need is spread over: when
// fewer days of leads are left to close in the planned period, need spreads
// what it and the next period still need over both. A campaign cannot ramp
// to a burst of a few days, and a burst that arrives late closes in the next
// period anyway. It is a week, or a quarter of the period if that is shorter
// (a Weekly team would otherwise always plan two weeks).
func minLeadWindow(p Period) time.Duration {
	return min(Week, p.Length()/4)
}

// Horizon is the period need plans for: the one in which a lead made now
// closes, a sales cycle from now.
type Horizon struct {
	// Period is the planned period; Name names it.
	Period Period
	Name   string
	// Current is true when the planned period is the current one.
	Current bool
	// Quota is the planned period's quota, in revenue or deals.
	Quota float64
	// Booked is what it has won so far: the current period's bookings, 0
	// for a later one.
	Booked float64
	// InFlight is what leads already in the pipeline will close in it, in
	// the quota's unit; PipelineLeads is the pipeline it was counted from
	// (accepted leads), and InFlightBasis how that was known.
	InFlight, PipelineLeads float64
	InFlightBasis           v1alpha1.InFlightBasis
	// WeeksLeft is W: the weeks of leads made from now that still close in
	// the planned period.
	WeeksLeft float64
	// Also is the following period when the planned one has fewer than
	// minLeadWindow of leads left, and need spreads over both; nil otherwise.
	Also     *Period
	AlsoName string
	// AlsoQuota is Also's quota.
	AlsoQuota float64
}

// QuotaFor is the quota of the period that starts at start: spec.quota, or
// the latest schedule entry that starts on or before it. The second result
// is true when the quota counts deals.
func QuotaFor(q v1alpha1.QuotaSpec, start time.Time, loc *time.Location) (float64, bool) {
	quota, deals := quotaOf(q.Revenue, q.Deals)
	var from time.Time
	for _, e := range q.Schedule {
		t, err := ParseDate(e.From, loc)
		if err != nil || t.After(start) || t.Before(from) {
			continue
		}
		from = t
		quota, _ = quotaOf(e.Revenue, e.Deals)
	}
	return quota, deals
}

// quotaOf is a quota's size and whether it counts deals.
func quotaOf(revenue *resource.Quantity, deals *int32) (float64, bool) {
	if deals != nil {
		return float64(*deals), true
	}
	if revenue != nil {
		return nonNegative(revenue.AsApproximateFloat64()), false
	}
	return 0, false
}

// planHorizon finds the planned period and what is in flight to it.
// perLead is what an accepted lead is worth in the quota's unit (w, or
// w × d); acceptedPerWeek is the accepted leads the observed supply makes
// a week, nil when no supply is observed.
func planHorizon(in TargetInput, loc *time.Location, perLead float64, acceptedPerWeek *float64, plannedAcceptedPerWeek func(Period, float64) float64) Horizon {
	s := in.Spec
	cycle := SalesCycle(s.Plan)
	h := Horizon{Period: CurrentPeriod(s.Period.Cadence, loc, in.Now.Add(cycle))}
	h.Current = !h.Period.Start.After(in.Period.Start)
	if h.Current {
		// Never plan for a period before the current one, whatever the clock.
		h.Period = in.Period
	}
	h.Name = PeriodName(s.Period.Cadence, h.Period, loc)
	h.Quota, _ = QuotaFor(s.Quota, h.Period.Start, loc)
	h.WeeksLeft = math.Max(0, float64(h.Period.End.Sub(in.Now)-cycle)/float64(Week))

	switch {
	case cycle <= 0:
		h.InFlightBasis = v1alpha1.NoSalesCycleBasis
	case in.Observed.PipelineLeads != nil:
		h.InFlightBasis = v1alpha1.PipelineQueryBasis
		h.PipelineLeads = nonNegative(*in.Observed.PipelineLeads)
	case acceptedPerWeek != nil:
		h.InFlightBasis = v1alpha1.SupplyEstimateBasis
		h.PipelineLeads = *acceptedPerWeek * cycle.Hours() / Week.Hours()
	default:
		h.InFlightBasis = v1alpha1.PlanEstimateBasis
		h.PipelineLeads = plannedAcceptedPerWeek(h.Period, h.Quota) * cycle.Hours() / Week.Hours()
	}
	// Leads in the pipeline are taken to be of every age below a cycle
	// alike; one of age a closes at now + cycle − a, so the share that
	// closes in the planned period is the part of the cycle after its start.
	share := 1.0
	if cycle > 0 && !h.Current {
		share = clamp01(float64(in.Now.Add(cycle).Sub(h.Period.Start)) / float64(cycle))
	}
	h.InFlight = finite(h.PipelineLeads * share * perLead)

	if h.Period.End.Sub(in.Now)-cycle < minLeadWindow(h.Period) {
		next := NextPeriod(s.Period.Cadence, loc, h.Period)
		h.Also, h.AlsoName = &next, PeriodName(s.Period.Cadence, next, loc)
		h.AlsoQuota, _ = QuotaFor(s.Quota, next.Start, loc)
	}
	return h
}

// SalesCycle is plan.salesCycleDays as a duration.
func SalesCycle(p v1alpha1.PlanSpec) time.Duration {
	return time.Duration(max(0, ptr.Deref(p.SalesCycleDays, 0))) * 24 * time.Hour
}

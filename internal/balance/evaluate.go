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
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"k8s.io/utils/ptr"

	"github.com/truce-dev/truce/api/v1alpha1"
)

const (
	// Week is the unit of every rate: leads per week.
	Week = 7 * 24 * time.Hour
	// MinWinRateSample is the accepted leads a period needs before its
	// observed win rate replaces the plan's.
	MinWinRateSample = 30
	// MinDealSample is the won deals a period needs before its observed
	// average deal size replaces the plan's.
	MinDealSample = 5
	// minWeeksLeft is ε: however late in the period, need is spread over at
	// least a day, so it stays finite.
	minWeeksLeft = 1.0 / 7
	// minElapsedForPace is the share of a period that must pass before its
	// pace is projected; earlier, one deal would swing it wildly.
	minElapsedForPace = 0.1
	// DefaultTolerancePercent is t when the spec gives none.
	DefaultTolerancePercent = 20
)

// Basis says where a rate used in the model came from.
type Basis string

const (
	// PlanBasis: the plan's value, for want of enough observed data.
	PlanBasis Basis = "Plan"
	// ObservedBasis: the period's observed value.
	ObservedBasis Basis = "Observed"
)

// TargetObserved is what was read for a SalesTarget; nil is unknown.
type TargetObserved struct {
	ClosedWonRevenue, ClosedWonDeals, OpenLeads, AcceptedLeads *float64
}

// CampaignInput is one campaign referencing the target.
type CampaignInput struct {
	Name string
	// Weight is the campaign's relative share of demand.
	Weight int32
	// Suspended campaigns take no share.
	Suspended bool
	// Leads and QualifiedLeads are observed per week; nil is unknown.
	Leads, QualifiedLeads *float64
	// MaxLeads is what the campaign can produce at its max parallelism.
	MaxLeads float64
}

// TargetInput is everything Evaluate needs.
type TargetInput struct {
	Spec      v1alpha1.SalesTargetSpec
	Period    Period
	Now       time.Time
	Observed  TargetObserved
	Campaigns []CampaignInput
	// BookingsUnknown is true when the target has a query for its bookings
	// but no value of this period: the read failed and what is held is from
	// an earlier period, or nothing is held. Need and demand are then not
	// computed from zero bookings; the held values stand in for them.
	BookingsUnknown bool
	// HeldNeed and HeldDemand are the last need and demand status showed;
	// nil when there are none.
	HeldNeed, HeldDemand *float64
}

// Allocation is one campaign's share of demand.
type Allocation struct {
	Name string
	// Leads is the share, in leads per week.
	Leads float64
	// AtMax is true when the share is capped by the campaign's max parallelism.
	AtMax bool
}

// Verdict is the drift class, whose problem it is, and what to do.
type Verdict struct {
	// Reason is a drift class of DESIGN.md, v1alpha1.BalancedReason, or
	// v1alpha1.AwaitingMetricsReason when supply is unknown.
	Reason  string
	Message string
}

// Balanced is true when there is no drift.
func (v Verdict) Balanced() bool { return v.Reason == v1alpha1.BalancedReason }

// Result is the model evaluated for one SalesTarget.
type Result struct {
	Capacity, Booked, Remaining, WeeksLeft, Need, Demand float64
	// Supply is Σ observed leads; SupplyKnown is false when no campaign has
	// been observed.
	Supply      float64
	SupplyKnown bool
	// Quality is the qualified share of leads, 0 to 1; nil when unknown.
	Quality *float64
	// WinRate (0 to 1) and DealSize are the values used for need.
	WinRate, DealSize           float64
	WinRateBasis, DealSizeBasis Basis
	// ObservedWinRate is the period's win rate when the sample suffices.
	ObservedWinRate *float64
	// AttainmentPercent is nil while bookings are unknown;
	// ProjectedPercent also while the period is young.
	AttainmentPercent, ProjectedPercent *float64
	// QuotaAtRisk is nil when the projection is unknown.
	QuotaAtRisk *bool
	// DemandHeld is true when need and demand were held, not computed,
	// because the period's bookings are unknown; DemandKnown is false when
	// there was nothing to hold either, and no campaign gets a share.
	DemandHeld, DemandKnown bool
	Allocations             []Allocation
	Verdict                 Verdict
}

// Evaluate computes capacity, need, demand, supply, quality, pace, each
// campaign's allocation and the drift verdict. It never returns NaN or Inf.
func Evaluate(in TargetInput) Result {
	s := in.Spec
	t := Tolerance(s.Drift)
	r := Result{Capacity: nonNegative(finite(Capacity(s.Capacity)))}

	quota, dealQuota := quotaOf(s.Quota)
	booked := in.Observed.ClosedWonRevenue
	if dealQuota {
		booked = in.Observed.ClosedWonDeals
	}
	if booked != nil {
		r.Booked = nonNegative(*booked)
	}
	r.Remaining = math.Max(0, quota-r.Booked)

	r.WinRate, r.WinRateBasis, r.ObservedWinRate = winRate(s.Plan, in.Observed)
	r.DealSize, r.DealSizeBasis = dealSize(s.Plan, in.Observed)

	cycle := time.Duration(ptr.Deref(s.Plan.SalesCycleDays, 0)) * 24 * time.Hour
	r.WeeksLeft = math.Max(minWeeksLeft, float64(in.Period.End.Sub(in.Now)-cycle)/float64(Week))
	perDeal := r.WinRate
	if !dealQuota {
		perDeal *= r.DealSize
	}
	if r.Remaining > 0 && perDeal > 0 {
		r.Need = finite(r.Remaining / perDeal / r.WeeksLeft)
	}
	r.Demand = math.Min(r.Need, r.Capacity)
	if s.Strategy == v1alpha1.FillCapacity {
		r.Demand = r.Capacity
	}
	r.DemandKnown = true
	if in.BookingsUnknown {
		// Zero bookings would ask for the whole quota again, and last
		// period's for nothing; neither is this period's. Hold what status
		// showed (FillCapacity's demand needs no bookings).
		booked, r.Booked, r.Remaining, r.Need = nil, 0, 0, 0
		if in.HeldNeed != nil {
			r.Need = nonNegative(finite(*in.HeldNeed))
		}
		r.DemandHeld = in.HeldDemand != nil
		r.DemandKnown = r.DemandHeld || s.Strategy == v1alpha1.FillCapacity
		switch {
		case s.Strategy == v1alpha1.FillCapacity:
		case r.DemandHeld:
			r.Demand = nonNegative(finite(*in.HeldDemand))
		default:
			r.Demand = 0
		}
	}

	var leads, qualified float64
	var qualityKnown bool
	for _, c := range in.Campaigns {
		if c.Leads == nil {
			continue
		}
		r.SupplyKnown = true
		l := nonNegative(*c.Leads)
		r.Supply += l
		if c.QualifiedLeads != nil {
			qualityKnown = true
			leads += l
			qualified += math.Min(nonNegative(*c.QualifiedLeads), l)
		}
	}
	r.Supply = finite(r.Supply)
	if qualityKnown && leads > 0 {
		q := qualified / leads
		r.Quality = &q
	}

	if booked != nil && quota > 0 {
		a := finite(100 * r.Booked / quota)
		r.AttainmentPercent = &a
		length, elapsed := in.Period.Length(), in.Period.Elapsed(in.Now)
		if length > 0 && float64(elapsed) >= minElapsedForPace*float64(length) {
			p := finite(a * float64(length) / float64(elapsed))
			r.ProjectedPercent = &p
			risk := p < 100*(1-t)
			r.QuotaAtRisk = &risk
		}
	}

	if r.DemandKnown {
		r.Allocations = Allocate(r.Demand, in.Campaigns)
	}
	r.Verdict = judge(in, r, t)
	return r
}

// judge classifies drift, most urgent first.
func judge(in TargetInput, r Result, t float64) Verdict {
	s := in.Spec
	reps := effectiveReps(s.Capacity)
	open := in.Observed.OpenLeads
	switch {
	case r.SupplyKnown && r.Supply > r.Capacity*(1+t):
		return Verdict{v1alpha1.LeadOverflowReason, fmt.Sprintf(
			"supply %s/wk is %s above what %s can work (%s/wk): scale down outreach or add capacity",
			num(r.Supply), pctAbove(r.Supply, r.Capacity), repsText(reps), num(r.Capacity))}
	case open != nil && *open > r.Capacity:
		return Verdict{v1alpha1.LeadOverflowReason, fmt.Sprintf(
			"%s leads wait unworked, more than a week of what %s can work (%s/wk): scale down outreach or add capacity",
			num(*open), repsText(reps), num(r.Capacity))}
	case r.Need > r.Capacity*(1+t):
		return Verdict{v1alpha1.CapacityBelowQuotaNeedReason, fmt.Sprintf(
			"the quota needs %s leads/wk but %s can work %s/wk: add reps or lower the quota",
			num(r.Need), repsText(reps), num(r.Capacity))}
	}
	if !r.SupplyKnown {
		return Verdict{v1alpha1.AwaitingMetricsReason, "No campaign's leads have been observed yet"}
	}
	if !r.DemandKnown {
		return Verdict{v1alpha1.AwaitingMetricsReason, "This period's bookings are unknown, so is demand: no share is given until they are read"}
	}
	planQ := s.Plan.QualifiedPercent
	if planQ != nil && r.Quality != nil && *r.Quality*100 < float64(*planQ)*(1-t) {
		msg := fmt.Sprintf("%s%% of leads qualify against a plan of %d%%: improve targeting, not volume",
			num(*r.Quality*100), *planQ)
		if low := lowQuality(in.Campaigns, float64(*planQ)*(1-t)/100); low != "" {
			msg += "; below plan: " + low
		}
		return Verdict{v1alpha1.LeadQualityLowReason, msg}
	}
	if r.Supply < r.Demand*(1-t) {
		return Verdict{v1alpha1.LeadShortfallReason, fmt.Sprintf(
			"supply %s/wk is %s below demand (%s/wk): marketing should add volume",
			num(r.Supply), pctBelow(r.Supply, r.Demand), num(r.Demand))}
	}
	planW := s.Plan.LeadToWinPercent.AsApproximateFloat64() / 100
	if r.ObservedWinRate != nil && *r.ObservedWinRate < planW*(1-t) && r.Supply <= r.Capacity {
		return Verdict{v1alpha1.ConversionLowReason, fmt.Sprintf(
			"%s%% of accepted leads are won against a plan of %s%%, on leads of planned quality: review how sales works them",
			num(*r.ObservedWinRate*100), num(planW*100))}
	}
	return Verdict{v1alpha1.BalancedReason, fmt.Sprintf(
		"supply %s/wk is within %d%% of demand (%s/wk) and capacity (%s/wk)",
		num(r.Supply), int(math.Round(t*100)), num(r.Demand), num(r.Capacity))}
}

// lowQuality names the campaigns whose qualified share is below floor,
// poorest first, at most three.
func lowQuality(campaigns []CampaignInput, floor float64) string {
	type low struct {
		name    string
		quality float64
	}
	var lows []low
	for _, c := range campaigns {
		if c.Suspended || c.Leads == nil || c.QualifiedLeads == nil || *c.Leads <= 0 {
			continue
		}
		if q := math.Min(nonNegative(*c.QualifiedLeads), *c.Leads) / *c.Leads; q < floor {
			lows = append(lows, low{c.Name, q})
		}
	}
	sort.SliceStable(lows, func(i, j int) bool { return lows[i].quality < lows[j].quality })
	parts := make([]string, 0, 3)
	for i, l := range lows {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(lows)-3))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%s%%)", l.name, num(100*l.quality)))
	}
	return strings.Join(parts, ", ")
}

// Allocate splits demand among the campaigns by weight, capping each at
// what it can reach and giving what it cannot take to the others
// (water-filling). Suspended campaigns get nothing. The result is in the
// campaigns' order.
func Allocate(demand float64, campaigns []CampaignInput) []Allocation {
	out := make([]Allocation, len(campaigns))
	open := make([]int, 0, len(campaigns))
	for i, c := range campaigns {
		out[i].Name = c.Name
		if !c.Suspended && c.Weight > 0 {
			open = append(open, i)
		}
	}
	remaining := nonNegative(finite(demand))
	for len(open) > 0 && remaining > 0 {
		var weights float64
		for _, i := range open {
			weights += float64(campaigns[i].Weight)
		}
		// Cap every campaign whose fair share exceeds its reach, then split
		// again among the rest; when none is capped, the shares are final.
		var next []int
		capped := false
		for _, i := range open {
			share := remaining * float64(campaigns[i].Weight) / weights
			if reach := nonNegative(campaigns[i].MaxLeads); share >= reach {
				out[i].Leads, out[i].AtMax = reach, true
				capped = true
			} else {
				next = append(next, i)
			}
		}
		if !capped {
			for _, i := range open {
				out[i].Leads = remaining * float64(campaigns[i].Weight) / weights
			}
			break
		}
		remaining = nonNegative(finite(demand))
		for i := range out {
			if out[i].AtMax {
				remaining -= out[i].Leads
			}
		}
		remaining = math.Max(0, remaining)
		open = next
	}
	return out
}

// Tolerance is t, the drift tolerance of a spec as a fraction.
func Tolerance(d *v1alpha1.DriftSpec) float64 {
	if d == nil || d.TolerancePercent == nil {
		return DefaultTolerancePercent / 100.0
	}
	return float64(*d.TolerancePercent) / 100
}

// quotaOf is the quota's size and whether it counts deals.
func quotaOf(q v1alpha1.QuotaSpec) (float64, bool) {
	if q.Deals != nil {
		return float64(*q.Deals), true
	}
	if q.Revenue != nil {
		return nonNegative(q.Revenue.AsApproximateFloat64()), false
	}
	return 0, false
}

func winRate(p v1alpha1.PlanSpec, o TargetObserved) (float64, Basis, *float64) {
	plan := nonNegative(finite(p.LeadToWinPercent.AsApproximateFloat64() / 100))
	if o.AcceptedLeads == nil || o.ClosedWonDeals == nil || *o.AcceptedLeads < MinWinRateSample {
		return plan, PlanBasis, nil
	}
	w := finite(math.Min(1, nonNegative(*o.ClosedWonDeals) / *o.AcceptedLeads))
	if w == 0 {
		// Nothing won yet is a verdict on conversion, not a reason to ask
		// for infinitely many leads.
		return plan, PlanBasis, &w
	}
	return w, ObservedBasis, &w
}

func dealSize(p v1alpha1.PlanSpec, o TargetObserved) (float64, Basis) {
	var plan float64
	if p.AverageDealSize != nil {
		plan = nonNegative(finite(p.AverageDealSize.AsApproximateFloat64()))
	}
	if o.ClosedWonRevenue == nil || o.ClosedWonDeals == nil || *o.ClosedWonDeals < MinDealSample {
		return plan, PlanBasis
	}
	if d := finite(nonNegative(*o.ClosedWonRevenue) / *o.ClosedWonDeals); d > 0 {
		return d, ObservedBasis
	}
	return plan, PlanBasis
}

func repsText(reps float64) string {
	if reps == 1 {
		return "1 rep"
	}
	return num(reps) + " reps"
}

// num formats a number for a person: whole when it is large, one decimal
// otherwise.
func num(v float64) string {
	if math.Abs(v) >= 100 || v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func pctAbove(v, base float64) string {
	if base <= 0 {
		return "infinitely far"
	}
	return fmt.Sprintf("%.0f%%", 100*(v-base)/base)
}

func pctBelow(v, base float64) string {
	if base <= 0 {
		return "0%"
	}
	return fmt.Sprintf("%.0f%%", 100*(base-v)/base)
}

// finite maps NaN to 0 and the infinities to the largest floats, so an
// overflow stays huge rather than turning into nothing.
func finite(v float64) float64 {
	switch {
	case math.IsNaN(v):
		return 0
	case math.IsInf(v, 1):
		return math.MaxFloat64
	case math.IsInf(v, -1):
		return -math.MaxFloat64
	}
	return v
}

func nonNegative(v float64) float64 {
	if v < 0 || math.IsNaN(v) {
		return 0
	}
	if math.IsInf(v, 1) {
		return math.MaxFloat64
	}
	return v
}

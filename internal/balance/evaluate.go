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
	// MinWinRateSample is the fewest accepted leads of the cohort that could
	// have closed a period needs before its observed win rate is used or
	// judged; minConversionSample asks for more at a low planned rate.
	MinWinRateSample = 30
	// PriorWins is the weight of the plan's win rate, in wins: the observed
	// rate counts as much as the plan once its cohort is expected to hold
	// this many wins.
	PriorWins = 5
	// MinDealSample is the won deals a period needs before its observed
	// average deal size is used: five deals with one windfall say little
	// about the next five.
	MinDealSample = 20
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
	// CohortAccepted is the leads accepted over the period so far moved
	// back a sales cycle: the cohort whose wins ClosedWonDeals counts.
	CohortAccepted *float64
	// PipelineLeads is the accepted leads not yet won or lost.
	PipelineLeads *float64
	// LeadsPastFirstContact is the leads accepted this period whose first
	// contact missed the sla.
	LeadsPastFirstContact *float64
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
	// WindowWeeks is the window its leads are counted over, in weeks (0 is
	// a week): leads per week times it is the sample quality is judged on.
	WindowWeeks float64
	// Producing is what the campaign's outreach makes a week now: the
	// workers running times their yield; nil is unknown. Leads count a
	// trailing window, so after demand rises they lag what the campaign
	// already runs.
	Producing *float64
	// MaxLeads is what the campaign can produce at its max parallelism.
	MaxLeads float64
}

// TargetInput is everything Evaluate needs.
type TargetInput struct {
	Spec v1alpha1.SalesTargetSpec
	// Period is the current period, in Location (nil is UTC), the time zone
	// in which later periods and ramp dates are read too.
	Period    Period
	Location  *time.Location
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

// Result is the model evaluated for one SalesTarget. Every rate is in
// campaign leads per week: the leads the campaigns make, before sales
// accepts some of them.
type Result struct {
	// Capacity is C in campaign leads: AcceptedCapacity / AcceptedShare.
	Capacity float64
	// AcceptedCapacity is the accepted leads per week sales can work.
	AcceptedCapacity float64
	// AcceptedShare is the share of campaign leads sales accepts, (0, 1].
	AcceptedShare float64
	// Booked is the current period's bookings.
	Booked float64
	// Horizon is the period need plans for and what is in flight to it.
	Horizon Horizon
	// Remaining is what the planned period still needs once its bookings
	// and what its pipeline will close are counted; WeeksLeft is W.
	Remaining, WeeksLeft float64
	Need, Demand         float64
	// SteadyNeed is what the planned period's quota needs at an even pace
	// over its whole lead window: what headcount is judged against. Need
	// above it is catch-up for a shortfall already past, which more reps
	// would not have prevented.
	SteadyNeed float64
	// Supply is Σ observed leads; SupplyKnown is false when no campaign has
	// been observed.
	Supply      float64
	SupplyKnown bool
	// AtLeast and AtMost bound supply by what each observed campaign made
	// over its window and what it makes a week now (the lesser and the
	// greater of the two; its leads when it is not known what it makes
	// now). Drift in volume is judged on both: after demand or capacity
	// moves, a campaign that already runs its new share still counts the
	// days before in its window.
	AtLeast, AtMost float64
	// Quality is the qualified share of leads, 0 to 1; nil when unknown.
	Quality *float64
	// WinRate (0 to 1) and DealSize are the values used for need.
	WinRate, DealSize           float64
	WinRateBasis, DealSizeBasis Basis
	// ObservedWinRate is the period's win rate when the sample suffices.
	ObservedWinRate *float64
	// AttainmentPercent is nil while bookings are unknown. ProjectedPercent
	// is what the current period will book: bookings, what its pipeline
	// will close, and what the observed supply will close before its end;
	// without observed supply, the pace so far, once a tenth of the period
	// has passed.
	AttainmentPercent, ProjectedPercent *float64
	// QuotaAtRisk is nil when the projection is unknown.
	QuotaAtRisk *bool
	// DemandHeld is true when need and demand were held, not computed,
	// because the period's bookings are unknown; DemandKnown is false when
	// there was nothing to hold either, and no campaign gets a share.
	DemandHeld, DemandKnown bool
	Allocations             []Allocation
	// Verdict is the most urgent class that holds, its message naming the
	// others; Classes is every class that holds, most urgent first.
	Verdict Verdict
	Classes []Verdict
	// Samples says how much of each rate was observed and whether it was
	// judged.
	Samples []Sample
	// LeadsUnworked is true when more accepted leads miss the sla than it
	// tolerates: demand is then held at what marketing makes now, as more
	// leads would wait too. QualityLow is true when fewer leads qualify
	// than the plan: demand then asks no catch-up beyond the even pace, as
	// more of the same leads would not fix it.
	LeadsUnworked, QualityLow bool
}

// Evaluate computes capacity, the planned period, need, demand, supply,
// quality, pace, each campaign's allocation and the drift verdict. It never
// returns NaN or Inf.
func Evaluate(in TargetInput) Result {
	s := in.Spec
	loc := in.Location
	if loc == nil {
		loc = time.UTC
	}
	t := Tolerance(s.Drift)
	r := Result{AcceptedShare: acceptedShare(s.Plan)}
	r.AcceptedCapacity = nonNegative(finite(Capacity(s.Capacity, in.Now, loc)))
	r.Capacity = nonNegative(finite(r.AcceptedCapacity / r.AcceptedShare))

	quota, dealQuota := QuotaFor(s.Quota, in.Period.Start, loc)
	booked := in.Observed.ClosedWonRevenue
	if dealQuota {
		booked = in.Observed.ClosedWonDeals
	}
	if booked != nil {
		r.Booked = nonNegative(*booked)
	}

	r.WinRate, r.WinRateBasis, r.ObservedWinRate = winRate(s.Plan, in.Observed)
	r.DealSize, r.DealSizeBasis = dealSize(s.Plan, in.Observed)
	// perAccepted is what an accepted lead closes, in the quota's unit;
	// perLead what a campaign lead does.
	perAccepted := r.WinRate
	if !dealQuota {
		perAccepted *= r.DealSize
	}
	perLead := perAccepted * r.AcceptedShare

	var leads, qualified float64
	var qualityKnown bool
	for _, c := range in.Campaigns {
		if c.Leads == nil {
			continue
		}
		r.SupplyKnown = true
		l := nonNegative(*c.Leads)
		r.Supply += l
		now := l
		if c.Producing != nil {
			now = nonNegative(*c.Producing)
		}
		r.AtLeast += math.Min(l, now)
		r.AtMost += math.Max(l, now)
		if c.QualifiedLeads != nil {
			qualityKnown = true
			leads += l
			qualified += math.Min(nonNegative(*c.QualifiedLeads), l)
		}
	}
	r.Supply, r.AtLeast, r.AtMost = finite(r.Supply), finite(r.AtLeast), finite(r.AtMost)
	if qualityKnown && leads > 0 {
		q := qualified / leads
		r.Quality = &q
	}

	var acceptedPerWeek *float64
	if r.SupplyKnown {
		acceptedPerWeek = ptr.To(r.Supply * r.AcceptedShare)
	}
	onPlan := func(p Period, quota float64) float64 {
		weeks := float64(p.Length()) / float64(Week)
		if weeks <= 0 || perAccepted <= 0 {
			return 0
		}
		return finite(quota / perAccepted / weeks)
	}
	h := planHorizon(in, loc, perAccepted, acceptedPerWeek, onPlan)
	if h.Current {
		h.Booked = r.Booked
	}
	r.Horizon = h
	r.Remaining = nonNegative(finite(h.Quota - h.Booked - h.InFlight))
	r.WeeksLeft = h.WeeksLeft
	need, weeks := r.Remaining, h.WeeksLeft
	if h.Also != nil {
		need += h.AlsoQuota
		weeks += float64(h.Also.Length()) / float64(Week)
	}
	if need > 0 && perLead > 0 && weeks > 0 {
		r.Need = finite(need / perLead / weeks)
	}
	if length := float64(h.Period.Length()) / float64(Week); perLead > 0 && length > 0 {
		r.SteadyNeed = finite(h.Quota / perLead / length)
	}
	r.Demand = math.Min(r.Need, r.Capacity)
	if s.Strategy == v1alpha1.FillCapacity {
		r.Demand = r.Capacity
	}
	r.DemandKnown = true
	if in.BookingsUnknown && h.Current {
		// Zero bookings would ask for the whole quota again, and last
		// period's for nothing; neither is this period's. Hold what status
		// showed (FillCapacity's demand needs no bookings). A later planned
		// period needs no bookings of this one.
		r.Booked, r.Remaining, r.Need = 0, 0, 0
		r.Horizon.Booked = 0
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
	if in.BookingsUnknown {
		booked = nil
	}

	if booked != nil && quota > 0 {
		a := finite(100 * r.Booked / quota)
		r.AttainmentPercent = &a
		if p, ok := projection(in, r, quota, perAccepted, perLead); ok {
			r.ProjectedPercent = &p
			risk := p < 100*(1-t)
			r.QuotaAtRisk = &risk
		}
	}

	r.Samples = samples(in, r)
	if q := sample(r.Samples, v1alpha1.QualitySample); s.Plan.QualifiedPercent != nil && q.Judged && r.Quality != nil &&
		belowPlan(*r.Quality*q.Size, q.Size, float64(*s.Plan.QualifiedPercent)/100, t) {
		// More of the same leads would not fix their quality: no catch-up
		// beyond the planned period's even pace, which is what the quota
		// needs of leads of planned quality.
		r.QualityLow = true
		if s.Strategy != v1alpha1.FillCapacity {
			r.Demand = math.Min(r.Demand, r.SteadyNeed)
		}
	}
	if f := sample(r.Samples, v1alpha1.FollowUpSample); f.Judged && s.SLA != nil &&
		significantlyAbove(nonNegative(*in.Observed.LeadsPastFirstContact), f.Size, float64(slaTolerance(s.SLA))/100) {
		// Leads wait: more leads would wait too. Ask for no more than
		// marketing makes now.
		r.LeadsUnworked = true
		if r.SupplyKnown {
			r.Demand = math.Min(r.Demand, r.AtMost)
		}
	}
	if r.DemandKnown {
		r.Allocations = Allocate(r.Demand, in.Campaigns)
	}
	r.Classes = judge(in, r, t)
	if len(r.Classes) == 1 && r.Classes[0].Reason == v1alpha1.AwaitingMetricsReason {
		r.Verdict, r.Classes = r.Classes[0], nil
	} else {
		r.Verdict = verdict(r.Classes, r, t)
	}
	return r
}

// samples says how much of each rate judged against the plan was observed
// and whether it was enough to judge.
func samples(in TargetInput, r Result) []Sample {
	var out []Sample
	var leads float64
	for _, c := range in.Campaigns {
		if c.Leads != nil && c.QualifiedLeads != nil {
			leads += nonNegative(*c.Leads) * windowWeeks(c)
		}
	}
	out = append(out, Sample{Name: v1alpha1.QualitySample, Size: finite(leads), Minimum: MinQualitySample,
		Judged: r.Quality != nil && leads >= MinQualitySample})

	plan := nonNegative(finite(in.Spec.Plan.LeadToWinPercent.AsApproximateFloat64() / 100))
	conv := Sample{Name: v1alpha1.ConversionSample, Minimum: minConversionSample(plan)}
	if c := cohortOf(in.Spec.Plan, in.Observed); c != nil && r.ObservedWinRate != nil {
		conv.Size = finite(nonNegative(*c))
		conv.Judged = conv.Size >= conv.Minimum
	}
	out = append(out, conv)

	deals := Sample{Name: v1alpha1.DealSizeSample, Minimum: MinDealSample}
	if d := in.Observed.ClosedWonDeals; d != nil {
		deals.Size = finite(nonNegative(*d))
		deals.Judged = r.DealSizeBasis == ObservedBasis
	}
	out = append(out, deals)

	if in.Spec.SLA != nil {
		f := Sample{Name: v1alpha1.FollowUpSample, Minimum: MinFollowUpSample}
		if a := in.Observed.AcceptedLeads; a != nil && in.Observed.LeadsPastFirstContact != nil {
			f.Size = finite(nonNegative(*a))
			f.Judged = f.Size >= MinFollowUpSample
		}
		out = append(out, f)
	}
	return out
}

// windowWeeks is the weeks a campaign's leads are counted over; its leads
// per week times it are the leads in its sample.
func windowWeeks(c CampaignInput) float64 {
	if c.WindowWeeks > 0 && !math.IsInf(c.WindowWeeks, 0) {
		return c.WindowWeeks
	}
	return 1
}

// judge lists every drift class that holds, most urgent first; an empty
// list is balanced. A single AwaitingMetrics verdict says nothing can be
// judged yet.
func judge(in TargetInput, r Result, t float64) []Verdict {
	s := in.Spec
	reps, can := canWork(in, r)
	open := in.Observed.OpenLeads
	var classes []Verdict
	switch {
	case r.SupplyKnown && r.AtLeast > r.Capacity*(1+t):
		classes = append(classes, Verdict{v1alpha1.LeadOverflowReason, fmt.Sprintf(
			"supply %s/wk is %s above what %s can work (%s): scale down outreach or add capacity",
			num(r.Supply), pctAbove(r.Supply, r.Capacity), reps, can)})
	case open != nil && *open > r.AcceptedCapacity:
		classes = append(classes, Verdict{v1alpha1.LeadOverflowReason, fmt.Sprintf(
			"%s leads wait unworked, more than a week of what %s can work (%s/wk accepted): scale down outreach or add capacity",
			num(*open), reps, num(r.AcceptedCapacity))})
	}
	if r.SteadyNeed > r.Capacity*(1+t) {
		classes = append(classes, Verdict{v1alpha1.CapacityBelowQuotaNeedReason, fmt.Sprintf(
			"the quota of %s needs %s leads/wk at an even pace but %s can work %s: add reps or lower the quota",
			r.Horizon.Name, num(r.SteadyNeed), reps, can)})
	}
	if len(classes) == 0 && !r.SupplyKnown {
		return []Verdict{{v1alpha1.AwaitingMetricsReason, "No campaign's leads have been observed yet"}}
	}
	if len(classes) == 0 && !r.DemandKnown {
		return []Verdict{{v1alpha1.AwaitingMetricsReason, "This period's bookings are unknown, so is demand: no share is given until they are read"}}
	}
	if !r.SupplyKnown || !r.DemandKnown {
		return classes
	}
	planQ := s.Plan.QualifiedPercent
	qualityLow := r.QualityLow
	if q := sample(r.Samples, v1alpha1.QualitySample); qualityLow {
		msg := fmt.Sprintf("%s%% of %s leads qualify against a plan of %d%%: improve targeting, not volume",
			num(*r.Quality*100), num(q.Size), *planQ)
		if low := lowQuality(in.Campaigns, float64(*planQ)*(1-t)/100); low != "" {
			msg += "; below plan: " + low
		}
		classes = append(classes, Verdict{v1alpha1.LeadQualityLowReason, msg})
	}
	// Marketing is short when neither the leads of the trailing window nor
	// what its outreach makes now reach demand: a campaign that already
	// runs its share is not short because its window still counts the
	// days before demand rose. (LeadOverflow above likewise needs both
	// over capacity.)
	if r.AtMost < r.Demand*(1-t) {
		classes = append(classes, Verdict{v1alpha1.LeadShortfallReason, fmt.Sprintf(
			"supply %s/wk is %s below demand (%s/wk): marketing should add volume",
			num(r.Supply), pctBelow(r.Supply, r.Demand), num(r.Demand))})
	}
	planW := s.Plan.LeadToWinPercent.AsApproximateFloat64() / 100
	if c := sample(r.Samples, v1alpha1.ConversionSample); c.Judged && !qualityLow && r.Supply <= r.Capacity &&
		belowPlan(*r.ObservedWinRate*c.Size, c.Size, planW, t) {
		classes = append(classes, Verdict{v1alpha1.ConversionLowReason, fmt.Sprintf(
			"%s%% of %s accepted leads old enough to have closed are won against a plan of %s%%, on leads of planned quality: review how sales works them",
			num(*r.ObservedWinRate*100), num(c.Size), num(planW*100))})
	}
	if r.LeadsUnworked {
		f := sample(r.Samples, v1alpha1.FollowUpSample)
		past := nonNegative(*in.Observed.LeadsPastFirstContact)
		classes = append(classes, Verdict{v1alpha1.LeadsUnworkedReason, fmt.Sprintf(
			"%s%% of accepted leads (%s of %s) got no first contact within %d minutes, against a tolerance of %d%%: sales should work them; truce adds no volume meanwhile",
			num(100*past/f.Size), num(past), num(f.Size), s.SLA.FirstContactMinutes, slaTolerance(s.SLA))})
	}
	return classes
}

// verdict is the most urgent class, its message naming the others, or
// Balanced when none holds.
func verdict(classes []Verdict, r Result, t float64) Verdict {
	if len(classes) == 0 {
		// A window that reads short (or over) while the workers running now
		// make enough (or no more than capacity) is balanced on what they
		// make now: say both, or the figure reads as a contradiction.
		supply := num(r.Supply) + "/wk"
		switch {
		case r.Supply < r.Demand*(1-t):
			supply += fmt.Sprintf(" over the metrics window, %s/wk at the workers running now,", num(r.AtMost))
		case r.Supply > r.Capacity*(1+t):
			supply += fmt.Sprintf(" over the metrics window, %s/wk at the workers running now,", num(r.AtLeast))
		}
		return Verdict{v1alpha1.BalancedReason, fmt.Sprintf(
			"supply %s is within %d%% of demand (%s/wk, for %s) and capacity (%s/wk)",
			supply, int(math.Round(t*100)), num(r.Demand), horizonText(r.Horizon), num(r.Capacity))}
	}
	v := classes[0]
	if len(classes) > 1 {
		others := make([]string, 0, len(classes)-1)
		for _, c := range classes[1:] {
			others = append(others, c.Reason)
		}
		v.Message += "; also " + strings.Join(others, ", ")
	}
	return v
}

// sample finds the named sample; a missing one is not judged.
func sample(samples []Sample, name v1alpha1.SampleName) Sample {
	for _, s := range samples {
		if s.Name == name {
			return s
		}
	}
	return Sample{Name: name}
}

// slaTolerance is the sla's tolerance in percent.
func slaTolerance(s *v1alpha1.SLASpec) int32 {
	if s == nil || s.TolerancePercent == nil {
		return 10
	}
	return *s.TolerancePercent
}

// canWork names the reps and what they can work, in campaign leads, and
// where that comes from when sales accepts only some of them.
func canWork(in TargetInput, r Result) (reps, capacity string) {
	reps = repsText(EffectiveReps(in.Spec.Capacity, in.Now, in.Location))
	if r.AcceptedShare >= 1 {
		return reps, num(r.Capacity) + "/wk"
	}
	return reps, fmt.Sprintf("%s/wk, %s accepted at %s%%",
		num(r.Capacity), num(r.AcceptedCapacity), num(100*r.AcceptedShare))
}

// horizonText names the planned period, and the next when need spans both.
func horizonText(h Horizon) string {
	if h.Also != nil {
		return h.Name + " and " + h.AlsoName
	}
	return h.Name
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

// acceptedShare is plan.acceptedPercent as a fraction; 1 when unset.
func acceptedShare(p v1alpha1.PlanSpec) float64 {
	if p.AcceptedPercent == nil || *p.AcceptedPercent <= 0 {
		return 1
	}
	return math.Min(1, float64(*p.AcceptedPercent)/100)
}

// projection is the share of the current period's quota, in percent, that
// it will book: what is booked, what its pipeline will close before its
// end, and what the observed supply will close in it. Without observed
// supply it is the pace so far, once a tenth of the period has passed.
func projection(in TargetInput, r Result, quota, perAccepted, perLead float64) (float64, bool) {
	p := in.Period
	if !r.SupplyKnown {
		length, elapsed := p.Length(), p.Elapsed(in.Now)
		if length <= 0 || float64(elapsed) < minElapsedForPace*float64(length) {
			return 0, false
		}
		return finite(100 * r.Booked / quota * float64(length) / float64(elapsed)), true
	}
	cycle := SalesCycle(in.Spec.Plan)
	left := p.End.Sub(in.Now)
	expected := r.Booked
	if cycle > 0 {
		// Pipeline leads of every age alike: those closing before the end.
		expected += r.Horizon.PipelineLeads * clamp01(float64(left)/float64(cycle)) * perAccepted
	}
	if fresh := left - cycle; fresh > 0 {
		expected += r.Supply * perLead * float64(fresh) / float64(Week)
	}
	return finite(100 * expected / quota), true
}

// winRate is the win rate need uses, its basis, and the observed rate when
// the sample suffices. Wins are divided by the leads they came from: with a
// sales cycle, those accepted a cycle earlier (the cohort query); leads
// accepted since have not had time to close. Without the cohort, a team
// with a cycle plans on the plan's rate.
//
// The rate need uses is the plan's pulled toward the observation as the
// sample grows: (won + k × plan) / (cohort + k), where k is the leads in
// which the plan expects PriorWins wins. 30 leads at 4% expect 1.2 wins, and
// one lucky deal would halve need; a quarter's 1,000 leads weigh four times
// the plan.
func winRate(p v1alpha1.PlanSpec, o TargetObserved) (float64, Basis, *float64) {
	plan := nonNegative(finite(p.LeadToWinPercent.AsApproximateFloat64() / 100))
	cohort := cohortOf(p, o)
	if cohort == nil || o.ClosedWonDeals == nil || *cohort < minConversionSample(plan) || math.IsInf(*cohort, 0) {
		return plan, PlanBasis, nil
	}
	won := math.Min(nonNegative(*o.ClosedWonDeals), *cohort)
	observed := finite(won / *cohort)
	if plan <= 0 {
		return plan, PlanBasis, &observed
	}
	k := PriorWins / plan
	w := finite((won + k*plan) / (*cohort + k))
	return w, ObservedBasis, &observed
}

// minConversionSample is the matured leads the win rate needs before it is
// used or judged: MinWinRateSample, and enough for the plan to expect
// MinConversionWins wins (125 at 4%).
func minConversionSample(plan float64) float64 {
	if plan <= 0 {
		return MinWinRateSample
	}
	return math.Max(MinWinRateSample, math.Ceil(MinConversionWins/plan))
}

// cohortOf is the accepted leads this period's wins came from: the cohort
// query, or, without a sales cycle, this period's accepted leads.
func cohortOf(p v1alpha1.PlanSpec, o TargetObserved) *float64 {
	if o.CohortAccepted == nil && SalesCycle(p) == 0 {
		return o.AcceptedLeads
	}
	return o.CohortAccepted
}

// dealSize is the deal size need uses: the plan's until MinDealSample deals
// were won this period, then the observed average pulled toward the plan
// by PriorDeals deals of the plan's size, so one windfall does not cut
// need by half.
func dealSize(p v1alpha1.PlanSpec, o TargetObserved) (float64, Basis) {
	var plan float64
	if p.AverageDealSize != nil {
		plan = nonNegative(finite(p.AverageDealSize.AsApproximateFloat64()))
	}
	if o.ClosedWonRevenue == nil || o.ClosedWonDeals == nil || *o.ClosedWonDeals < MinDealSample || math.IsInf(*o.ClosedWonDeals, 0) {
		return plan, PlanBasis
	}
	if d := finite((nonNegative(*o.ClosedWonRevenue) + PriorDeals*plan) / (*o.ClosedWonDeals + PriorDeals)); d > 0 {
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

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
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// Every archetype is here: what each team declares (its SalesTargetSpec),
// what is really true of it, and the shocks that change the truth. To run
// the benchmark on a model with new API fields, change this file only.
//
// Every team declares what the API lets it: plan.acceptedPercent when it
// knows its acceptance rate, a ramp by date for new reps, and a
// pipelineLeads query, except the one archetype that shows the estimate
// truce makes without it.

// start is the first day of the simulated year. A team starts on the
// first period start at or after it: 2027-01-01 for monthly and quarterly
// teams, Monday 2027-01-04 for weekly ones.
var start = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)

// shockDay is the day, counted from a team's start, on which off-plan
// archetypes change.
const shockDay = 100

// campaign is one of a team's campaigns.
type campaign struct {
	name   string
	weight int32
	// reach is what the campaign can make at its max parallelism, leads/wk.
	reach float64
}

// ramp is a group of new reps ramping linearly from 0 to full
// productivity.
type ramp struct {
	count int
	start time.Time
	days  int
}

// productivity is the group's share of full productivity on date t.
func (r ramp) productivity(t time.Time) float64 {
	f := t.Sub(r.start).Hours() / 24 / float64(r.days)
	return min(max(f, 0), 1)
}

// team is what a sales team declares in its SalesTarget.
type team struct {
	cadence     v1alpha1.Cadence
	quota       float64 // revenue per period
	reps        int32
	leadsPerRep float64 // leads a productive rep works a week
	dealSize    float64
	winPercent  float64 // planned lead-to-win
	qualified   int32   // planned qualified percent
	cycleDays   int32
	campaigns   []campaign
	ramp        *ramp
	// acceptedPercent is the planned share of raw leads sales accepts;
	// 0 when the plan does not say.
	acceptedPercent int32
	// noPipeline leaves out the pipelineLeads query, so truce estimates
	// the pipeline from the supply it observes.
	noPipeline bool
	// sla is the follow-up service level the team declares, with the
	// leadsPastFirstContact query; nil declares neither.
	sla *v1alpha1.SLASpec
}

// spec is the SalesTargetSpec the team declares.
func (t team) spec() v1alpha1.SalesTargetSpec {
	name := `team="bench"`
	s := v1alpha1.SalesTargetSpec{
		Period: v1alpha1.PeriodSpec{Cadence: t.cadence, TimeZone: "UTC"},
		Quota:  v1alpha1.QuotaSpec{Revenue: resource.NewQuantity(int64(t.quota), resource.DecimalSI)},
		Capacity: v1alpha1.CapacitySpec{
			Reps:               t.reps,
			LeadsPerRepPerWeek: *resource.NewQuantity(int64(t.leadsPerRep), resource.DecimalSI),
		},
		Plan: v1alpha1.PlanSpec{
			AverageDealSize:  resource.NewQuantity(int64(t.dealSize), resource.DecimalSI),
			LeadToWinPercent: *resource.NewMilliQuantity(int64(t.winPercent*1000), resource.DecimalSI),
			QualifiedPercent: ptr.To(t.qualified),
			SalesCycleDays:   ptr.To(t.cycleDays),
			AcceptedPercent:  acceptedPercent(t),
		},
		Strategy: v1alpha1.MeetQuota,
		Metrics: &v1alpha1.SalesTargetMetrics{
			ClosedWonRevenue:    v1alpha1.Query("sum(increase(crm_won_revenue_total{" + name + "}[$period]))"),
			ClosedWonDeals:      v1alpha1.Query("sum(increase(crm_won_deals_total{" + name + "}[$period]))"),
			OpenLeads:           v1alpha1.Query("sum(crm_open_leads{" + name + "})"),
			AcceptedLeads:       v1alpha1.Query("sum(increase(crm_leads_accepted_total{" + name + "}[$period]))"),
			CohortAcceptedLeads: v1alpha1.Query("sum(increase(crm_leads_accepted_total{" + name + "}[$period] offset $cycle))"),
		},
		Drift: &v1alpha1.DriftSpec{TolerancePercent: ptr.To[int32](20), StabilizationWindowSeconds: ptr.To[int32](900)},
	}
	if !t.noPipeline {
		s.Metrics.PipelineLeads = v1alpha1.Query("sum(crm_pipeline_leads{" + name + "})")
	}
	if t.sla != nil {
		s.SLA = t.sla.DeepCopy()
		s.Metrics.LeadsPastFirstContact = v1alpha1.Query("sum(increase(crm_leads_first_contact_late_total{" + name + "}[$period]))")
	}
	if r := t.ramp; r != nil {
		// The simulated ramp starts at 0, so productivityPercent is unset.
		s.Capacity.Ramping = []v1alpha1.RampingReps{{
			Count:     int32(r.count),
			StartDate: r.start.Format(time.DateOnly),
			RampDays:  ptr.To(int32(r.days)),
		}}
	}
	return s
}

func acceptedPercent(t team) *int32 {
	if t.acceptedPercent == 0 {
		return nil
	}
	return ptr.To(t.acceptedPercent)
}

// conditions are a team's true rates on one day.
type conditions struct {
	reps        float64 // fully productive reps, ramping ones at their share
	leadsPerRep float64 // leads a productive rep works a week
	qualified   float64 // share of raw leads that qualify
	accepted    float64 // share of raw leads sales accepts
	win         float64 // share of worked leads won
	dealSize    float64
	// pastSLA is the share of accepted leads whose first contact misses
	// the team's sla.
	pastSLA float64
	// surge multiplies a campaign's production (by index); nil is none.
	surge []float64
	// fixed is what each campaign makes a week (by index) whatever truce
	// asks, within its reach; nil is: what truce asked.
	fixed []float64
}

// capacityPerDay is the leads sales can work in a day.
func (c conditions) capacityPerDay() float64 { return c.reps * c.leadsPerRep / 7 }

// observability says when the CRM can first show a shock.
type observability int

const (
	// seenNextDay: what happened on the shock day is in the CRM the next
	// morning.
	seenNextDay observability = iota
	// seenSameDay: the spec changed the same morning.
	seenSameDay
	// seenAfterCycle: the first leads worked under the shock close a
	// cycle later, and are in the CRM the morning after.
	seenAfterCycle
	// seenInQualityWindow: the first morning the qualified share of the
	// trailing seven days' leads, as truce reads it, is below plan by more
	// than the tolerance (the $window is a week, so one bad day cannot
	// show).
	seenInQualityWindow
	// seenInSupplyWindow: the first morning the leads of the trailing
	// seven days, as truce reads them, and what the campaigns make now are
	// both below what truce asks by more than the tolerance (the rule of
	// LeadShortfall, read at face value).
	seenInSupplyWindow
	// seenInFollowUp: the first morning the share of this period's
	// accepted leads that missed the sla, as truce reads it
	// (leadsPastFirstContact ÷ acceptedLeads), is above the sla's
	// tolerance, read at face value.
	seenInFollowUp
)

// shock changes the truth, and perhaps the spec, from a day on.
type shock struct {
	from int // day from the team's start
	// until is the first day the shock no longer holds; 0 is never.
	until   int
	truth   func(*conditions)
	declare func(*v1alpha1.SalesTargetSpec)
	// reason is the drift class that truly holds while the shock lasts;
	// empty is Balanced.
	reason  string
	observe observability
}

func (s shock) active(day int) bool {
	return day >= s.from && (s.until == 0 || day < s.until)
}

// archetype is a team, what is true of it, and what happens to it.
type archetype struct {
	id, name string
	offPlan  bool
	// blame marks the archetypes of "blame that holds up", judged on its
	// goals: no day of a class that is not true, every true class shown on
	// the day it becomes observable, and no class shown from a sample
	// below its minimum.
	blame bool
	team  team
	// truth is the team's true rates before any shock.
	truth  conditions
	shocks []shock
	// counts draws whole leads and deals (Poisson leads, binomial shares)
	// rather than fluid expected values.
	counts bool
	// fresh is a new team: no steady-state prefill, so no lead, pipeline
	// or history before its first day, and nothing made before truce's
	// first ask is followed.
	fresh bool
	// windfall is one deal far above the plan's size; nil is none.
	windfall *windfall
}

// windfall is one deal of size: the nth won in the period from period.
type windfall struct {
	period time.Time
	nth    float64
	size   float64
}

// conditions are the archetype's true rates on day.
func (a *archetype) conditions(day int, date time.Time) conditions {
	c := a.truth
	if r := a.team.ramp; r != nil {
		c.reps += float64(r.count) * r.productivity(date)
	}
	for _, s := range a.shocks {
		if s.active(day) && s.truth != nil {
			s.truth(&c)
		}
	}
	return c
}

// spec is what the team declares on day.
func (a *archetype) spec(day int) v1alpha1.SalesTargetSpec {
	s := a.team.spec()
	for _, sh := range a.shocks {
		if sh.active(day) && sh.declare != nil {
			sh.declare(&s)
		}
	}
	return s
}

// truthOn is the set of drift classes that truly hold on day, most urgent
// first; none is Balanced. A drop in conversion is held true only from
// the morning after the first lead worked under it could have closed
// (shock + cycle + 1): before, no data can show it, and a model that shows
// it anyway is guessing.
func (a *archetype) truthOn(day int) []string {
	var out []string
	for _, s := range a.shocks {
		if !s.active(day) || s.reason == "" || slices.Contains(out, s.reason) {
			continue
		}
		if s.observe == seenAfterCycle && day < s.from+a.cycle()+1 {
			continue
		}
		out = append(out, s.reason)
	}
	slices.SortStableFunc(out, func(x, y string) int { return rank(x) - rank(y) })
	return out
}

// truthText is the truth of day as the detail CSV and messages print it.
func (a *archetype) truthText(day int) string { return classesText(a.truthOn(day)) }

// cycle is the true sales cycle in days; teams declare it as it is.
func (a *archetype) cycle() int { return int(a.team.cycleDays) }

// baseTeam is 8 reps working 25 leads a week each (200/wk), a quarterly
// quota of 1.2M in deals of 30k won from 4% of leads: 1,000 leads a
// quarter, about 77 a week. Its two campaigns can reach far more.
func baseTeam() team {
	return team{
		cadence: v1alpha1.Quarterly, quota: 1_200_000,
		reps: 8, leadsPerRep: 25,
		dealSize: 30_000, winPercent: 4, qualified: 40, cycleDays: 30,
		campaigns: []campaign{
			{name: "spring-webinar", weight: 2, reach: 250},
			{name: "sdr-outbound", weight: 1, reach: 150},
		},
	}
}

// planTruth is a team's plan, taken as true: every raw lead accepted.
func planTruth(t team) conditions {
	return conditions{
		reps: float64(t.reps), leadsPerRep: t.leadsPerRep,
		qualified: float64(t.qualified) / 100, accepted: 1,
		win: t.winPercent / 100, dealSize: t.dealSize,
	}
}

func onPlan(id, name string, t team) archetype {
	return archetype{id: id, name: name, team: t, truth: planTruth(t)}
}

func quarterly(cycle int32) team {
	t := baseTeam()
	t.cycleDays = cycle
	return t
}

// monthly is the base team on a monthly quota of 400k with a 45-day cycle.
func monthly() team {
	t := baseTeam()
	t.cadence, t.quota, t.cycleDays = v1alpha1.Monthly, 400_000, 45
	return t
}

// weekly is the base team on a thirteenth of its quarterly quota each week,
// closing what it works the same day.
func weekly() team {
	t := baseTeam()
	t.cadence, t.quota, t.cycleDays = v1alpha1.Weekly, 92_308, 0
	return t
}

// winsEarly wins 6% of its leads against a plan of 4%: on plan's volume it
// would meet its quota two thirds into the period.
func winsEarly() archetype {
	a := onPlan("wins-6pct", "quarterly 30 d, wins 6% (plan 4%)", baseTeam())
	a.truth.win = 0.06
	return a
}

// rampingReps adds two new reps who started on 2026-12-10 and ramp
// linearly to full productivity over 90 days, as the spec declares.
func rampingReps() archetype {
	t := baseTeam()
	t.ramp = &ramp{count: 2, start: time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC), days: 90}
	return onPlan("ramping", "quarterly 30 d, 2 reps ramping", t)
}

// accepted60 is a funnel in which sales accepts 60% of raw leads, and wins
// 4% of those it accepts.
func accepted60() archetype {
	t := baseTeam()
	t.acceptedPercent = 60
	a := onPlan("accepted-60pct", "quarterly 30 d, 60% accepted", t)
	a.truth.accepted = 0.6
	return a
}

func offPlan(id, name string, s shock) archetype {
	a := onPlan(id, name, baseTeam())
	a.offPlan = true
	a.shocks = []shock{s}
	return a
}

// The archetypes of "blame that holds up". Each is judged on the blame
// goals (archetype.blame); its truth is scripted and docs/decisions.md says
// when each true class becomes observable.

// jumpVolume is what marketing makes a week from the jump: twice the plan's
// 77, within the 200/wk 8 reps work, so no class holds.
const jumpVolume = 2 * 1_200_000.0 / 30_000 / 0.04 / 13

// volumeJump is the 60-day team whose marketing doubles its volume on day
// 100, to 154 leads a week split by weight, whatever truce asks; its true
// win rate stays 4%. With a 60-day cycle the leads of the jump close two
// months later: a win rate over this period's accepted leads would halve
// at once.
func volumeJump() archetype {
	a := onPlan("volume-jump", "60 d, volume 77 → 154/wk on day 100 (counts)", quarterly(60))
	a.blame, a.counts = true, true
	a.shocks = []shock{{
		from:    shockDay,
		truth:   func(c *conditions) { c.fixed = []float64{jumpVolume * 2 / 3, jumpVolume / 3} },
		observe: seenNextDay,
	}}
	return a
}

// newTeam is the 30-day team starting from nothing: no pipeline, no lead
// made before its first day, no win for a cycle.
func newTeam() archetype {
	a := onPlan("new-team", "new team, empty pipeline, 30 d (counts)", quarterly(30))
	a.blame, a.counts, a.fresh = true, true, true
	return a
}

// tinyCampaigns is a team on plan whose four campaigns make about 10 leads
// a week each: a quota of 600k needs 500 leads a quarter, 38.5 a week. A
// week's qualified share of 40 leads at 40% swings by ±8 points (one
// standard deviation): well within the noise of the plan, and, now and
// then, below 32%.
func tinyCampaigns() archetype {
	t := baseTeam()
	t.quota, t.reps = 600_000, 4
	t.campaigns = []campaign{
		{name: "webinar", weight: 1, reach: 30},
		{name: "ebook", weight: 1, reach: 30},
		{name: "referral", weight: 1, reach: 30},
		{name: "events", weight: 1, reach: 30},
	}
	a := onPlan("tiny-campaigns", "4 campaigns of ~10 leads/wk (counts)", t)
	a.blame, a.counts = true, true
	return a
}

// windfallQuarter is the quarter of the windfall deal: Q2 2027, the 30-day
// team's first judged quarter.
var windfallQuarter = time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC)

// windfallDeal is the 30-day team whose third deal of Q2 is 300k, ten
// times the plan's: with the plan's 40 deals the quarter would book 122%
// if nothing were adjusted.
func windfallDeal() archetype {
	a := onPlan("windfall", "windfall: a 300k deal, 3rd of Q2", baseTeam())
	a.blame = true
	a.windfall = &windfall{period: windfallQuarter, nth: 3, size: 300_000}
	return a
}

// unworked is the 30-day team that declares a first contact within 60
// minutes, 10% tolerated. It misses it for 5% of accepted leads, and from
// day 100 for 30%.
func unworked() archetype {
	t := baseTeam()
	t.sla = &v1alpha1.SLASpec{FirstContactMinutes: 60, TolerancePercent: ptr.To[int32](10)}
	a := onPlan("unworked", "30% of leads past the SLA from day 100", t)
	a.blame = true
	a.truth.pastSLA = 0.05
	a.shocks = []shock{{
		from:    shockDay,
		truth:   func(c *conditions) { c.pastSLA = 0.3 },
		reason:  v1alpha1.LeadsUnworkedReason,
		observe: seenInFollowUp,
	}}
	return a
}

// shortBoth is the 30-day team whose marketing, from day 100, makes 60% of
// what truce allocates and whose quality drops to 20% (sales accepts half
// as many, and wins 4% of those): short of leads and of quality at once.
func shortBoth() archetype {
	a := onPlan("short-both", "volume 60%, quality 20% from day 100", baseTeam())
	a.blame = true
	a.shocks = []shock{
		{
			from:    shockDay,
			truth:   func(c *conditions) { c.surge = []float64{0.6, 0.6} },
			reason:  v1alpha1.LeadShortfallReason,
			observe: seenInSupplyWindow,
		},
		{
			from:    shockDay,
			truth:   func(c *conditions) { c.qualified, c.accepted = 0.2, c.accepted/2 },
			reason:  v1alpha1.LeadQualityLowReason,
			observe: seenInQualityWindow,
		},
	}
	return a
}

// archetypes are the teams the benchmark runs, on plan first.
func archetypes() []archetype {
	return []archetype{
		onPlan("quarterly-30d", "quarterly, 30-day cycle", quarterly(30)),
		onPlan("no-pipeline", "quarterly 30 d, no pipeline query", func() team { t := quarterly(30); t.noPipeline = true; return t }()),
		onPlan("quarterly-60d", "quarterly, 60-day cycle", quarterly(60)),
		onPlan("quarterly-120d", "quarterly, 120-day cycle", quarterly(120)),
		onPlan("monthly-45d", "monthly 400k, 45-day cycle", monthly()),
		onPlan("weekly", "weekly 92k, no cycle", weekly()),
		winsEarly(),
		rampingReps(),
		accepted60(),
		offPlan("conversion", "conversion 4% → 2.5% on day 100", shock{
			from:    shockDay,
			truth:   func(c *conditions) { c.win = 0.025 },
			reason:  v1alpha1.ConversionLowReason,
			observe: seenAfterCycle,
		}),
		offPlan("quality", "quality 40% → 20% on day 100", shock{
			from: shockDay,
			// Sales accepts in proportion to what qualifies, so half as
			// many; those it accepts still win 4%.
			truth:   func(c *conditions) { c.qualified, c.accepted = 0.2, c.accepted/2 },
			reason:  v1alpha1.LeadQualityLowReason,
			observe: seenInQualityWindow,
		}),
		offPlan("capacity", "reps 8 → 2 on day 100", shock{
			from:    shockDay,
			truth:   func(c *conditions) { c.reps = 2 },
			declare: func(s *v1alpha1.SalesTargetSpec) { s.Capacity.Reps = 2 },
			reason:  v1alpha1.CapacityBelowQuotaNeedReason,
			observe: seenSameDay,
		}),
		// The surge (about 154 + 26 = 180 leads/wk) stays within what 8
		// reps work (200/wk), so no drift class holds: the truth is
		// Balanced, and the test is that nobody is blamed.
		offPlan("surge", "surge 3× on days 100-113", shock{
			from: shockDay, until: shockDay + 14,
			truth:   func(c *conditions) { c.surge = []float64{3, 1} },
			observe: seenNextDay,
		}),
		volumeJump(),
		newTeam(),
		tinyCampaigns(),
		windfallDeal(),
		unworked(),
		shortBoth(),
	}
}

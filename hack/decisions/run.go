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
	"time"

	"k8s.io/utils/ptr"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/balance"
)

// options are a run's settings.
type options struct {
	seed  uint64
	noise float64 // σ of the lognormal noise
	lag   int     // days from an allocation to production
	days  int     // days whose decisions are counted
	// fluid draws no counts, even for archetypes with counts: what is left
	// of their goals' misses is the model's, not the dice's.
	fluid bool
}

// planner decides the allocations of day d.
type planner int

const (
	// byTruce follows balance.Evaluate.
	byTruce planner = iota
	// byOracle follows the perfect plan (world.oracle).
	byOracle
)

// decision is what the planner showed on a day.
type decision struct {
	// reason is the verdict's; classes every class shown, most urgent
	// first (the verdict's reason alone when none holds: Balanced or
	// AwaitingMetrics).
	reason                   string
	classes                  []string
	need, demand, capacity   float64
	supply, qualifiedSupply  float64 // the trailing week's leads truce read
	producing                float64 // what the campaigns make a week now, as truce read it
	alloc                    []float64
	open, pipeline, needTrue float64 // needTrue: world.needPerDay × 7 of the day it buys
	winRate                  float64 // the win rate truce used for need
	// accepted and pastSLA are this period's accepted leads and those
	// that missed the sla, as truce read them.
	accepted, pastSLA float64
	// samples are the samples truce judged rates on; unjudged the classes
	// it showed whose sample was not judged.
	samples  []balance.Sample
	unjudged []string
}

// allocated is Σ of the day's allocations.
func (d decision) allocated() float64 {
	var v float64
	for _, a := range d.alloc {
		v += a
	}
	return v
}

// run is one archetype simulated with one planner.
type run struct {
	a       *archetype
	o       options
	w       *world
	judged  []balance.Period
	end     int        // days simulated from the start
	days    []decision // one per day in [0, end)
	planner planner
}

// teamStart is the first period start at or after start.
func teamStart(c v1alpha1.Cadence) time.Time {
	p := balance.CurrentPeriod(c, time.UTC, start)
	if p.Start.Before(start) {
		return p.End
	}
	return p.Start
}

// perYear is how many periods of a cadence make a year.
func perYear(c v1alpha1.Cadence) int {
	switch c {
	case v1alpha1.Weekly:
		return 52
	case v1alpha1.Monthly:
		return 12
	}
	return 4
}

// judgedPeriods are the year's worth of periods whose every lead is
// bought in the run: the first whose lead window [start-cycle, end-cycle)
// begins on or after t0.
func judgedPeriods(c v1alpha1.Cadence, cycle int, t0 time.Time) []balance.Period {
	var out []balance.Period
	p := balance.CurrentPeriod(c, time.UTC, t0)
	for len(out) < perYear(c) {
		if !p.Start.Add(-time.Duration(cycle) * day).Before(t0) {
			out = append(out, p)
		}
		p = balance.CurrentPeriod(c, time.UTC, p.End)
	}
	return out
}

// simulate runs a: a steady-state prefill of max(cycle, 7) days on the
// oracle's plan, then every day from the start until the last judged
// period has closed (at least o.days), deciding by p.
func simulate(a *archetype, o options, p planner) *run {
	t0 := teamStart(a.team.cadence)
	judged := judgedPeriods(a.team.cadence, a.cycle(), t0)
	end := max(o.days, int(judged[len(judged)-1].End.Sub(t0)/day))
	first := -max(a.cycle(), 7)
	if a.fresh {
		first = 0
	}
	w := newWorld(a, t0, first, end, o.lag, o.noise, o.seed)
	w.fluid = o.fluid
	r := &run{a: a, o: o, w: w, judged: judged, end: end, planner: p}

	if !a.fresh {
		w.prefill()
	}
	for d := range end {
		dec := r.decide(d)
		w.plan(d+o.lag, dec.alloc)
		r.days = append(r.days, dec)
		w.step(d)
	}
	return r
}

// prefill runs the team on the oracle's plan for the days before the
// start: what was made in the last cycle closes in the first days, the
// trailing week of leads is on plan, and the first lag days' production
// was decided before the start.
func (w *world) prefill() {
	for d := w.first; d < w.lag; d++ {
		w.plan(d, w.oracle(d))
	}
	for d := w.first; d < 0; d++ {
		w.step(d)
	}
}

// decide is the planner's decision at the start of day d, for
// production on day d+lag.
func (r *run) decide(d int) decision {
	w := r.w
	dec := decision{open: w.open, pipeline: w.pipelineLeads(d), needTrue: 7 * w.needPerDay(d+r.o.lag)}
	for k := range r.a.team.campaigns {
		l, q := w.campaignLeads(k, d)
		dec.supply += l
		dec.qualifiedSupply += q
		dec.producing += w.producing(k, d)
	}
	from := w.dayOf(w.period(d).Start)
	dec.accepted, dec.pastSLA = w.sum(w.accepted, from, d), w.sum(w.pastSLA, from, d)
	if r.planner == byOracle {
		dec.reason = v1alpha1.BalancedReason
		dec.alloc = w.oracle(d + r.o.lag)
		dec.demand = dec.allocated()
		return dec
	}
	res := balance.Evaluate(input(w, d))
	dec.reason = res.Verdict.Reason
	dec.classes = shownClasses(res)
	dec.samples = res.Samples
	dec.unjudged = unjudged(dec.classes, res.Samples)
	dec.need, dec.demand, dec.capacity, dec.winRate = res.Need, res.Demand, res.Capacity, res.WinRate
	dec.alloc = make([]float64, len(r.a.team.campaigns))
	for k, camp := range r.a.team.campaigns {
		for _, al := range res.Allocations {
			if al.Name == camp.name {
				dec.alloc[k] = al.Leads
			}
		}
	}
	return dec
}

// shownClasses are the classes a result shows, most urgent first: its
// Classes, or its verdict's reason when none holds.
func shownClasses(res balance.Result) []string {
	if len(res.Classes) == 0 {
		return []string{res.Verdict.Reason}
	}
	out := make([]string, len(res.Classes))
	for i, c := range res.Classes {
		out[i] = c.Reason
	}
	return out
}

// sampleOf names the sample each class judged on a sample is judged on.
var sampleOf = map[string]v1alpha1.SampleName{
	v1alpha1.LeadQualityLowReason: v1alpha1.QualitySample,
	v1alpha1.ConversionLowReason:  v1alpha1.ConversionSample,
	v1alpha1.LeadsUnworkedReason:  v1alpha1.FollowUpSample,
}

// unjudged are the classes shown whose sample was not judged: a verdict
// from a sample below its minimum.
func unjudged(classes []string, samples []balance.Sample) []string {
	var out []string
	for _, c := range classes {
		name, ok := sampleOf[c]
		if !ok {
			continue
		}
		judged := false
		for _, s := range samples {
			if s.Name == name {
				judged = s.Judged
			}
		}
		if !judged {
			out = append(out, c)
		}
	}
	return out
}

// input is what the simulated CRM shows at the start of day d, as truce
// reads it: this period's bookings and accepted leads so far (and those
// that missed the sla, when the team declares one), the backlog, and each
// campaign's last seven days of leads as leads per week.
func input(w *world, d int) balance.TargetInput {
	now := w.date(d)
	p := w.period(d)
	from := w.dayOf(p.Start)
	in := balance.TargetInput{
		Spec:   w.a.spec(d),
		Period: p,
		Now:    now,
		Observed: balance.TargetObserved{
			ClosedWonRevenue: ptr.To(w.sum(w.wonRevenue, from, d)),
			ClosedWonDeals:   ptr.To(w.sum(w.wonDeals, from, d)),
			AcceptedLeads:    ptr.To(w.sum(w.accepted, from, d)),
			CohortAccepted:   ptr.To(w.sum(w.accepted, from-w.a.cycle(), d-w.a.cycle())),
			OpenLeads:        ptr.To(w.open),
		},
	}
	if !w.a.team.noPipeline {
		in.Observed.PipelineLeads = ptr.To(w.pipelineLeads(d))
	}
	if w.a.team.sla != nil {
		in.Observed.LeadsPastFirstContact = ptr.To(w.sum(w.pastSLA, from, d))
	}
	for k, camp := range w.a.team.campaigns {
		l, q := w.campaignLeads(k, d)
		in.Campaigns = append(in.Campaigns, balance.CampaignInput{
			Name: camp.name, Weight: camp.weight, MaxLeads: camp.reach,
			Leads: ptr.To(l), QualifiedLeads: ptr.To(q),
			Producing: ptr.To(w.producing(k, d)),
		})
	}
	return in
}

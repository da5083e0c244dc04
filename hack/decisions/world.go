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
	"math"
	"math/rand/v2"
	"time"

	"github.com/truce-dev/truce/internal/balance"
)

const day = 24 * time.Hour

// world is one team's funnel, a day at a time. By default it is fluid:
// every flow is an expected value times a noise factor, never a draw of
// whole leads or deals, so what it shows is the plan's effect and not a
// dice roll's. An archetype with counts draws whole leads and deals
// instead (counts.go): what a small sample shows by chance.
//
// Days are counted from the team's start (day 0). Days before it are the
// steady-state prefill. Everything is indexed by day - first.
type world struct {
	a     *archetype
	t0    time.Time
	first int // the first simulated day, negative
	lag   int
	noise float64
	seed  uint64
	// fluid draws no counts even when the archetype has counts.
	fluid bool
	rng   *rand.Rand

	// planned is each campaign's allocation (leads/wk) to produce on a
	// day, decided lag days earlier.
	planned [][]float64
	// raw and qualified are each campaign's leads made on a day.
	raw, qualified [][]float64
	// accepted and worked are the team's leads accepted and worked on a
	// day; wonDeals and wonRevenue are what closes on a day.
	accepted, worked, wonDeals, wonRevenue []float64
	// pastSLA is the leads accepted on a day whose first contact missed
	// the team's sla: counted on the day they were accepted, so in the
	// period whose accepted leads they are a share of.
	pastSLA []float64
	// windfallDeals counts the deals registered to close in the windfall's
	// period so far.
	windfallDeals float64
	// open is the backlog of accepted leads not yet worked, at the end of
	// the last simulated day.
	open float64
	// next is the first day not yet simulated.
	next int
}

// newWorld makes a's funnel for days [first, last) plus room for the
// closes of the last cycle.
func newWorld(a *archetype, t0 time.Time, first, last, lag int, noise float64, seed uint64) *world {
	n := last - first + a.cycle() + lag + 1
	w := &world{
		a: a, t0: t0, first: first, lag: lag, noise: noise, seed: seed, next: first,
		rng:      rand.New(rand.NewPCG(seed, 0x7275636564656373)),
		accepted: make([]float64, n), worked: make([]float64, n),
		wonDeals: make([]float64, n), wonRevenue: make([]float64, n),
		pastSLA: make([]float64, n),
	}
	for range a.team.campaigns {
		w.planned = append(w.planned, make([]float64, n))
		w.raw = append(w.raw, make([]float64, n))
		w.qualified = append(w.qualified, make([]float64, n))
	}
	return w
}

func (w *world) i(d int) int { return d - w.first }

// date is the start of day d.
func (w *world) date(d int) time.Time { return w.t0.Add(time.Duration(d) * day) }

// dayOf is the day that starts at t (periods start at midnight UTC).
func (w *world) dayOf(t time.Time) int { return int(math.Round(t.Sub(w.t0).Hours() / 24)) }

// conditions are the true rates on day d.
func (w *world) conditions(d int) conditions { return w.a.conditions(d, w.date(d)) }

// factor is a multiplicative noise factor: lognormal with mean 1. It is
// drawn even when the noise is zero, so a run's draws never depend on its
// decisions or its noise.
func (w *world) factor() float64 {
	z := w.rng.NormFloat64()
	return math.Exp(w.noise*z - w.noise*w.noise/2)
}

// plan sets what each campaign produces on day d, in leads/wk.
func (w *world) plan(d int, alloc []float64) {
	for c := range w.planned {
		w.planned[c][w.i(d)] = alloc[c]
	}
}

// draws is the stream of uniforms for what is drawn on day d (counted from
// the team's start) for campaign k (-1 for the team).
func (w *world) draws(d, k int, s stream) *draws { return newDraws(w.seed, d, k, s) }

// making is what campaign k makes a week on day d before the day's noise:
// the team's fixed volume when marketing ignores truce, else its
// allocation of lag days ago, within its reach, times any surge.
func (w *world) making(k, d int, c conditions) float64 {
	made := min(w.planned[k][w.i(d)], w.a.team.campaigns[k].reach)
	if k < len(c.fixed) {
		made = min(c.fixed[k], w.a.team.campaigns[k].reach)
	}
	if k < len(c.surge) {
		made *= c.surge[k]
	}
	return made
}

// step simulates day d: marketing makes what it was allocated (within
// reach, times any surge, with noise); sales accepts its share, works the
// backlog up to its true capacity, and what it works closes a cycle later,
// won at the true rate (with noise). With counts, leads made are a
// Poisson count of that expectation, the qualified, accepted and late ones
// binomial shares of them, sales works whole leads, and the deals won are
// a binomial share of those worked; the day's win-rate factor is drawn
// all the same, so a seed moves the volume of leads alike with counts and
// without.
func (w *world) step(d int) {
	if d != w.next {
		panic("days must be simulated in order")
	}
	w.next++
	c := w.conditions(d)
	i := w.i(d)
	counts := w.a.counts && !w.fluid
	var accepted float64
	for k := range w.a.team.campaigns {
		made := w.making(k, d, c) / 7 * w.factor()
		if counts {
			made = w.draws(d, k, leadsStream).poisson(made)
			w.raw[k][i] = made
			w.qualified[k][i] = w.draws(d, k, qualifiedStream).binomial(made, c.qualified)
			accepted += w.draws(d, k, acceptedStream).binomial(made, c.accepted)
			continue
		}
		w.raw[k][i] = made
		w.qualified[k][i] = made * c.qualified
		accepted += made * c.accepted
	}
	w.accepted[i] = accepted
	w.pastSLA[i] = accepted * c.pastSLA
	if counts {
		w.pastSLA[i] = w.draws(d, -1, pastSLAStream).binomial(accepted, c.pastSLA)
	}
	w.open += accepted
	capacity := c.capacityPerDay()
	if counts {
		capacity = w.draws(d, -1, workedStream).round(capacity)
	}
	work := min(w.open, capacity)
	w.open -= work
	w.worked[i] = work
	won := work * c.win * w.factor()
	if counts {
		won = w.draws(d, -1, wonStream).binomial(work, c.win)
	}
	closes := i + w.a.cycle()
	w.wonDeals[closes] += won
	w.wonRevenue[closes] += won*c.dealSize + w.windfall(d+w.a.cycle(), won, c.dealSize)
}

// windfall is the revenue above its deal size that the windfall deal adds
// to what closes on day closes, won deals of the day's size: the
// windfall's deal is the nth of its period, and closes on the day the
// period's won deals reach n.
func (w *world) windfall(closes int, won, dealSize float64) float64 {
	wf := w.a.windfall
	if wf == nil || won <= 0 || !w.period(closes).Start.Equal(wf.period) {
		return 0
	}
	before := w.windfallDeals
	w.windfallDeals += won
	if before < wf.nth && w.windfallDeals >= wf.nth {
		return wf.size - dealSize
	}
	return 0
}

// sum adds s over days [from, to).
func (w *world) sum(s []float64, from, to int) float64 {
	var v float64
	for d := max(from, w.first); d < to; d++ {
		v += s[w.i(d)]
	}
	return v
}

// campaignLeads is campaign k's raw and qualified leads over the seven
// days before day d: leads per week.
func (w *world) campaignLeads(k, d int) (leads, qualified float64) {
	return w.sum(w.raw[k], d-7, d), w.sum(w.qualified[k], d-7, d)
}

// producing is what campaign k's outreach makes a week at the start of
// day d, as its workers times their yield tell truce: its allocation of
// lag days ago within its reach (or the fixed volume marketing makes
// instead), times any surge, without the day's noise.
func (w *world) producing(k, d int) float64 {
	return w.making(k, d, w.conditions(d))
}

// pipelineLeads is what the CRM shows at the start of day d as accepted
// leads worked or waiting but not yet closed: the backlog, and what was
// worked in the last cycle (a lead worked on day x closes on x+cycle).
func (w *world) pipelineLeads(d int) float64 {
	return w.open + w.sum(w.worked, d-w.a.cycle(), d)
}

// period is the sales period that contains day d.
func (w *world) period(d int) balance.Period {
	return balance.CurrentPeriod(w.a.team.cadence, time.UTC, w.date(d))
}

// needPerDay is the raw leads to make on day d for the period they close
// in to meet its quota exactly, at the true rates of day d: a period's
// quota spread evenly over its lead window [start-cycle, end-cycle),
// which is as many days long as the period.
func (w *world) needPerDay(d int) float64 {
	c := w.conditions(d)
	p := w.period(d + w.a.cycle())
	days := p.Length().Hours() / 24
	perLead := c.accepted * c.win * c.dealSize
	if perLead <= 0 || days <= 0 {
		return 0
	}
	return w.a.team.quota / days / perLead
}

// oracle is the perfect plan for production on day d: the need of the
// period those leads close in, within what sales can truly work, split
// by weight within each campaign's reach. It knows the true rates but not
// the noise, and does not correct for what earlier days made.
func (w *world) oracle(d int) []float64 {
	c := w.conditions(d)
	perDay := w.needPerDay(d)
	if c.accepted > 0 {
		perDay = min(perDay, c.capacityPerDay()/c.accepted)
	}
	total := perDay * 7
	var weights float64
	for _, camp := range w.a.team.campaigns {
		weights += float64(camp.weight)
	}
	alloc := make([]float64, len(w.a.team.campaigns))
	for k, camp := range w.a.team.campaigns {
		alloc[k] = min(camp.reach, total*float64(camp.weight)/weights)
	}
	return alloc
}

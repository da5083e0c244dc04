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
	"sync"
	"time"
)

const week = 7 * 24 * time.Hour

// Simulator is the funnel: running workers make graded leads, sales
// accepts some into its backlog, works the backlog at its capacity and wins
// a share of what it works. Everything is expected values, so a run is
// deterministic given the workers it is told about.
type Simulator struct {
	mu        sync.Mutex
	scenario  *Scenario
	started   time.Time // real time
	last      time.Time // real time of the last step
	simulated time.Duration
	campaigns []*campaignState
	teams     map[string]*teamState
	nextShock int
	applied   []AppliedShock
}

// AppliedShock is a shock and the simulated time it arrived at.
type AppliedShock struct {
	Shock
	// At is real time since the simulator started.
	At time.Duration
	// SimulatedAt is simulated time since the simulator started.
	SimulatedAt time.Duration
}

type campaignState struct {
	Campaign
	workers int
	total   [4]float64 // leads by grade since start
	window  []sample
}

type sample struct {
	end   time.Duration // simulated time at the end of the step
	span  time.Duration // simulated length of the step
	leads [4]float64
}

type teamState struct {
	Team
	// accepted, deals and revenue count the current period (from the
	// start, without a calendar), on top of booked; rejected and worked
	// count from the start.
	accepted, rejected, worked, deals, revenue float64
	// booked is what the current period had before the simulation: the
	// scenario's Booked in the first period, nothing in later ones.
	booked  Booked
	backlog [4]float64
	// cohorts are the leads worked and not yet closed, oldest first.
	cohorts []cohort
	// period is the current calendar period, with a Period.
	period calendarPeriod
}

// cohort is leads sales worked over one step: they close (won or lost)
// evenly over the same span a sales cycle later.
type cohort struct {
	// closeFrom and closeTo are the simulated times the cohort closes over.
	closeFrom, closeTo time.Duration
	leads, won         float64
	// closed is the share of the cohort closed so far.
	closed float64
}

// open is the cohort's leads not yet closed.
func (c *cohort) open() float64 { return c.leads * (1 - c.closed) }

// NewSimulator starts a simulation of the scenario at real time now.
func NewSimulator(sc *Scenario, now time.Time) *Simulator {
	s := &Simulator{scenario: sc, started: now, last: now, teams: map[string]*teamState{}}
	for _, t := range sc.Teams {
		ts := &teamState{Team: t, booked: t.Booked}
		ts.AcceptPercent, ts.WinPercent = copyMix(t.AcceptPercent), copyMix(t.WinPercent)
		// The opening backlog is spread like an even mix.
		for i := range ts.backlog {
			ts.backlog[i] = t.OpenLeads / float64(len(Grades))
		}
		// The opening pipeline was worked over the cycle before the start.
		if t.Pipeline.Leads > 0 {
			ts.cohorts = []cohort{{closeFrom: 0, closeTo: t.SalesCycle.Duration, leads: t.Pipeline.Leads, won: t.Pipeline.Deals}}
		}
		if t.Period != nil {
			ts.period = periodOf(t.Period.Cadence, t.Period.loc, s.now())
		}
		s.teams[t.Name] = ts
	}
	for _, c := range sc.Campaigns {
		cs := &campaignState{Campaign: c}
		cs.Grades = copyMix(c.Grades)
		s.campaigns = append(s.campaigns, cs)
	}
	return s
}

// Due returns the timed shocks whose time has come by real time now, in
// order, and marks them taken; the caller applies them.
func (s *Simulator) Due(now time.Time) []Shock {
	s.mu.Lock()
	defer s.mu.Unlock()
	var due []Shock
	for s.nextShock < len(s.scenario.Shocks) && now.Sub(s.started) >= s.scenario.Shocks[s.nextShock].At.Duration {
		due = append(due, s.scenario.Shocks[s.nextShock].Shock)
		s.nextShock++
	}
	return due
}

// Apply makes a shock take effect at real time now.
func (s *Simulator) Apply(sh Shock, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.campaign(sh.Campaign); c != nil {
		if sh.LeadsPerWorkerPerWeek != nil {
			c.LeadsPerWorkerPerWeek = *sh.LeadsPerWorkerPerWeek
		}
		if sh.Grades != nil {
			c.Grades = copyMix(sh.Grades)
		}
	}
	if t := s.teams[sh.Team]; t != nil {
		if sh.Reps != nil {
			t.Reps = *sh.Reps
		}
		for g, v := range sh.WinPercent {
			t.WinPercent[g] = v
		}
	}
	s.applied = append(s.applied, AppliedShock{Shock: sh, At: now.Sub(s.started), SimulatedAt: s.simulated})
}

// Step advances the simulation to real time now, with workers[campaign]
// running since the previous step. A step that crosses the end of a team's
// period is taken in two, so what is won before the end counts in the
// period that ends.
func (s *Simulator) Step(now time.Time, workers map[string]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dt := now.Sub(s.last)
	if dt <= 0 {
		return
	}
	s.last = now
	end := s.simulated + time.Duration(float64(dt)*s.scenario.Speed)
	for s.simulated < end {
		s.advance(min(end, s.nextPeriodEnd())-s.simulated, workers)
		s.startPeriods()
	}
}

// advance runs the funnel for span of simulated time.
func (s *Simulator) advance(span time.Duration, workers map[string]int) {
	s.simulated += span
	weeks := float64(span) / float64(week)

	arrivals := map[string]*[4]float64{}
	for _, c := range s.campaigns {
		c.workers = workers[c.Name]
		produced := float64(c.workers) * c.LeadsPerWorkerPerWeek * weeks
		mix := c.Grades.normalised()
		smp := sample{end: s.simulated, span: span}
		for i, g := range Grades {
			smp.leads[i] = produced * mix[g]
			c.total[i] += smp.leads[i]
		}
		c.window = append(c.window, smp)
		// Keep the samples that overlap the rate window.
		cut := 0
		for cut < len(c.window) && c.window[cut].end <= s.simulated-s.scenario.RateWindow.Duration {
			cut++
		}
		c.window = c.window[cut:]
		if arrivals[c.Team] == nil {
			arrivals[c.Team] = &[4]float64{}
		}
		for i := range smp.leads {
			arrivals[c.Team][i] += smp.leads[i]
		}
	}

	for _, t := range s.scenario.Teams {
		ts := s.teams[t.Name]
		if in := arrivals[t.Name]; in != nil {
			for i, g := range Grades {
				a := in[i] * ts.AcceptPercent[g] / 100
				ts.backlog[i] += a
				ts.accepted += a
				ts.rejected += in[i] - a
			}
		}
		ts.work(s.simulated, span, weeks)
		ts.close(s.simulated)
	}
}

// work takes what the team can work in the step that ended at simulated
// time now from its backlog, pro rata by grade. What it wins is won at
// once without a sales cycle, and a cycle later with one.
func (ts *teamState) work(now, span time.Duration, weeks float64) {
	open := sum(ts.backlog)
	work := math.Min(open, ts.Reps*ts.LeadsPerRepPerWeek*weeks)
	if open <= 0 || work <= 0 {
		return
	}
	won := 0.0
	for i, g := range Grades {
		w := ts.backlog[i] * work / open
		ts.backlog[i] -= w
		won += w * ts.WinPercent[g] / 100
	}
	ts.worked += work
	if cycle := ts.SalesCycle.Duration; cycle > 0 {
		ts.cohorts = append(ts.cohorts, cohort{closeFrom: now - span + cycle, closeTo: now + cycle, leads: work, won: won})
		return
	}
	ts.deals += won
	ts.revenue += won * ts.DealSize
}

// close closes the share of each cohort whose time has come by simulated
// time now, and forgets the cohorts that are closed.
func (ts *teamState) close(now time.Duration) {
	keep := ts.cohorts[:0]
	for _, c := range ts.cohorts {
		share := 1.0
		if now < c.closeTo {
			share = max(0, float64(now-c.closeFrom)/float64(c.closeTo-c.closeFrom))
		}
		if share > c.closed {
			won := c.won * (share - c.closed)
			ts.deals += won
			ts.revenue += won * ts.DealSize
			c.closed = share
		}
		if c.closed < 1 {
			keep = append(keep, c)
		}
	}
	ts.cohorts = keep
}

// pipeline is the team's accepted leads not yet won or lost: its backlog
// and the leads it has worked within its cycle.
func (ts *teamState) pipeline() float64 {
	n := sum(ts.backlog)
	for i := range ts.cohorts {
		n += ts.cohorts[i].open()
	}
	return n
}

// now is the simulated date and time; the zero time plus the simulated
// time without a start.
func (s *Simulator) now() time.Time {
	var start time.Time
	if s.scenario.Start != nil {
		start = s.scenario.Start.Time
	}
	return start.Add(s.simulated)
}

// nextPeriodEnd is the simulated time at which the first of the teams'
// current periods ends; never, without periods.
func (s *Simulator) nextPeriodEnd() time.Duration {
	next := time.Duration(math.MaxInt64)
	for _, ts := range s.teams {
		if ts.Period != nil {
			next = min(next, s.simulated+ts.period.end.Sub(s.now()))
		}
	}
	return next
}

// startPeriods starts the next period of each team whose period has
// ended: what it wins and accepts counts from zero again.
func (s *Simulator) startPeriods() {
	now := s.now()
	for _, ts := range s.teams {
		if ts.Period == nil || now.Before(ts.period.end) {
			continue
		}
		ts.period = periodOf(ts.Period.Cadence, ts.Period.loc, now)
		ts.accepted, ts.deals, ts.revenue = 0, 0, 0
		ts.booked = Booked{}
	}
}

// Snapshot is the simulator's state, as served.
type Snapshot struct {
	// SimulatedSeconds is simulated time since the start; Speed how many
	// simulated seconds pass per real second.
	SimulatedSeconds float64 `json:"simulatedSeconds"`
	Speed            float64 `json:"speed"`
	// Now is the simulated date and time, when the scenario has a start.
	Now       *time.Time                  `json:"now,omitempty"`
	Campaigns map[string]CampaignSnapshot `json:"campaigns"`
	Teams     map[string]TeamSnapshot     `json:"teams"`
	Shocks    []ShockSnapshot             `json:"shocks"`
}

// CampaignSnapshot is one campaign. Rates are per simulated week, over the
// scenario's rate window.
type CampaignSnapshot struct {
	Team                  string             `json:"team"`
	Workers               int                `json:"workers"`
	LeadsPerWeek          float64            `json:"leadsPerWeek"`
	QualifiedLeadsPerWeek float64            `json:"qualifiedLeadsPerWeek"`
	GradesPerWeek         map[string]float64 `json:"gradesPerWeek"`
	LeadsTotal            map[string]float64 `json:"leadsTotal"`
}

// TeamSnapshot is one team's period: what was booked before the start plus
// what the simulation added, or with a calendar what the current period
// holds.
type TeamSnapshot struct {
	// Period is the current calendar period, with one.
	Period          *PeriodSnapshot `json:"period,omitempty"`
	Reps            float64         `json:"reps"`
	CapacityPerWeek float64         `json:"capacityPerWeek"`
	// OpenLeads are accepted leads sales has not worked yet; PipelineLeads
	// all accepted leads not yet won or lost: those and the ones worked
	// within the sales cycle.
	OpenLeads          float64 `json:"openLeads"`
	PipelineLeads      float64 `json:"pipelineLeads"`
	AcceptedLeads      float64 `json:"acceptedLeads"`
	RejectedLeads      float64 `json:"rejectedLeads"`
	WorkedLeads        float64 `json:"workedLeads"`
	ClosedWonDeals     float64 `json:"closedWonDeals"`
	ClosedWonRevenue   float64 `json:"closedWonRevenue"`
	WinPercentObserved float64 `json:"winPercentObserved"`
}

// PeriodSnapshot is a team's current period: its name (2027-Q2, 2027-05,
// 2027-W18) and [start, end).
type PeriodSnapshot struct {
	Name  string    `json:"name"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// ShockSnapshot is an applied shock.
type ShockSnapshot struct {
	Shock
	AtSeconds          float64 `json:"atSeconds"`
	SimulatedAtSeconds float64 `json:"simulatedAtSeconds"`
}

// Snapshot returns the current state, rounded to hundredths.
func (s *Simulator) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Snapshot{
		SimulatedSeconds: round(s.simulated.Seconds()),
		Speed:            s.scenario.Speed,
		Campaigns:        map[string]CampaignSnapshot{},
		Teams:            map[string]TeamSnapshot{},
		Shocks:           []ShockSnapshot{},
	}
	if s.scenario.Start != nil {
		now := s.now().Truncate(time.Second)
		out.Now = &now
	}
	for _, c := range s.campaigns {
		rate := s.rate(c)
		cs := CampaignSnapshot{Team: c.Team, Workers: c.workers, GradesPerWeek: map[string]float64{}, LeadsTotal: map[string]float64{}}
		for i, g := range Grades {
			cs.GradesPerWeek[g] = round(rate[i])
			cs.LeadsTotal[g] = round(c.total[i])
			cs.LeadsPerWeek += rate[i]
		}
		cs.QualifiedLeadsPerWeek = round(rate[0] + rate[1])
		cs.LeadsPerWeek = round(cs.LeadsPerWeek)
		out.Campaigns[c.Name] = cs
	}
	for name, t := range s.teams {
		ts := TeamSnapshot{
			Reps:             t.Reps,
			CapacityPerWeek:  round(t.Reps * t.LeadsPerRepPerWeek),
			OpenLeads:        round(sum(t.backlog)),
			PipelineLeads:    round(t.pipeline()),
			AcceptedLeads:    round(t.booked.AcceptedLeads + t.accepted),
			RejectedLeads:    round(t.rejected),
			WorkedLeads:      round(t.worked),
			ClosedWonDeals:   round(t.booked.Deals + t.deals),
			ClosedWonRevenue: round(t.booked.Revenue + t.revenue),
		}
		if t.Period != nil {
			ts.Period = &PeriodSnapshot{Name: t.period.name, Start: t.period.start, End: t.period.end}
		}
		if ts.AcceptedLeads > 0 {
			ts.WinPercentObserved = round(100 * ts.ClosedWonDeals / ts.AcceptedLeads)
		}
		out.Teams[name] = ts
	}
	for _, a := range s.applied {
		out.Shocks = append(out.Shocks, ShockSnapshot{Shock: a.Shock, AtSeconds: round(a.At.Seconds()), SimulatedAtSeconds: round(a.SimulatedAt.Seconds())})
	}
	return out
}

// rate is the campaign's leads per simulated week by grade: the leads
// counted over the trailing rate window, scaled to a week. Like a counter's
// increase() over a window longer than its life, a window that is not yet
// full counts only the leads there are.
func (s *Simulator) rate(c *campaignState) [4]float64 {
	var out [4]float64
	from := max(s.simulated-s.scenario.RateWindow.Duration, 0)
	span := s.scenario.RateWindow.Duration
	if span <= 0 {
		return out
	}
	for _, smp := range c.window {
		// The part of the step inside the window counts, pro rata.
		start := smp.end - smp.span
		overlap := smp.end - max(start, from)
		if overlap <= 0 || smp.span <= 0 {
			continue
		}
		f := float64(overlap) / float64(smp.span)
		for i := range out {
			out[i] += smp.leads[i] * f
		}
	}
	for i := range out {
		out[i] = out[i] / float64(span) * float64(week)
	}
	return out
}

func (s *Simulator) campaign(name string) *campaignState {
	for _, c := range s.campaigns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func sum(v [4]float64) float64 { return v[0] + v[1] + v[2] + v[3] }

func round(v float64) float64 { return math.Round(v*100) / 100 }

func copyMix(m Mix) Mix {
	out := Mix{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

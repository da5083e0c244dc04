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
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// Grades are the lead grades the simulator produces, best first. A and B
// leads count as qualified.
var Grades = []string{"A", "B", "C", "D"}

// Mix is a share per grade, in percent; it need not add up to 100 (it is
// normalised).
type Mix map[string]float64

// Scenario is what the simulator plays: the campaigns that make leads, the
// sales teams that work them, and the shocks that arrive over time.
type Scenario struct {
	// Speed is how many simulated seconds pass per real second; 1 when zero.
	// Yields and capacities are per simulated week.
	Speed float64 `json:"speed,omitempty"`
	// RateWindow is the simulated time over which leads per week are
	// measured (leads in the window, scaled to a week, as truce's
	// spec.metrics.windowSeconds expects); 6h when empty.
	RateWindow metav1.Duration `json:"rateWindow,omitempty"`
	// Start is the simulated date and time the simulation starts at. With
	// it the simulator keeps a calendar: /funnel says what time it is, and
	// teams with a period count bookings per calendar period. truce's
	// --clock-start names the same instant.
	Start *metav1.Time `json:"start,omitempty"`
	// Namespace is where the campaigns' pods run; "default" when empty.
	Namespace string       `json:"namespace,omitempty"`
	Campaigns []Campaign   `json:"campaigns"`
	Teams     []Team       `json:"teams"`
	Shocks    []TimedShock `json:"shocks,omitempty"`
}

// Campaign turns the worker-time of its running pods into leads.
type Campaign struct {
	Name string `json:"name"`
	// Selector picks the campaign's worker pods; by default the label truce
	// puts on the pods of a campaign's Jobs, revops.truce.dev/campaign=<name>.
	Selector string `json:"selector,omitempty"`
	// Team is the sales team its leads go to.
	Team string `json:"team"`
	// LeadsPerWorkerPerWeek is what one running worker produces per
	// simulated week.
	LeadsPerWorkerPerWeek float64 `json:"leadsPerWorkerPerWeek"`
	// Grades is the quality mix of its leads.
	Grades Mix `json:"grades"`

	// sel is Selector (or the default) parsed, set by validation.
	sel labels.Selector
}

// Team accepts leads, works them at its capacity and wins some.
type Team struct {
	Name string `json:"name"`
	// Reps times LeadsPerRepPerWeek is how many leads the team works a week.
	Reps               float64 `json:"reps"`
	LeadsPerRepPerWeek float64 `json:"leadsPerRepPerWeek"`
	// AcceptPercent is the share of each grade sales accepts.
	AcceptPercent Mix `json:"acceptPercent"`
	// WinPercent is the share of each grade's worked leads that is won.
	WinPercent Mix `json:"winPercent"`
	// DealSize is the revenue of a won deal.
	DealSize float64 `json:"dealSize"`
	// SalesCycle is how long after sales works a lead it is won or lost,
	// in simulated time: a lead worked at t closes at t+salesCycle. Zero
	// closes it when it is worked.
	SalesCycle metav1.Duration `json:"salesCycle,omitempty"`
	// Booked is what the team had won and accepted this period before the
	// simulation started; OpenLeads its backlog then, and Pipeline what
	// it was working.
	Booked    Booked   `json:"booked,omitempty"`
	OpenLeads float64  `json:"openLeads,omitempty"`
	Pipeline  Pipeline `json:"pipeline,omitempty"`
	// Period, when set, makes Booked and what the team wins and accepts
	// those of the current calendar period of the simulated clock (from
	// the scenario's start): they start again from zero when a period
	// ends, as a CRM's report for truce's $period would. Without it they
	// count from the start and never reset.
	Period *Period `json:"period,omitempty"`
	// SalesTarget, when set, is the SalesTarget whose spec.capacity.reps a
	// shock that changes Reps also updates, as sales ops would.
	SalesTarget string `json:"salesTarget,omitempty"`
}

// Booked is a team's period so far.
type Booked struct {
	Revenue       float64 `json:"revenue,omitempty"`
	Deals         float64 `json:"deals,omitempty"`
	AcceptedLeads float64 `json:"acceptedLeads,omitempty"`
}

// Pipeline is the leads sales had worked in the cycle before the
// simulation started and not yet closed. They close evenly over the first
// cycle, and Deals of them are won.
type Pipeline struct {
	Leads float64 `json:"leads,omitempty"`
	Deals float64 `json:"deals,omitempty"`
}

// Shock changes a campaign or a team.
type Shock struct {
	// Description says what happened, for the log and the live view.
	Description string `json:"description,omitempty"`
	// Campaign and its new yield and/or quality mix (a channel surges or
	// its quality drops).
	Campaign              string   `json:"campaign,omitempty"`
	LeadsPerWorkerPerWeek *float64 `json:"leadsPerWorkerPerWeek,omitempty"`
	Grades                Mix      `json:"grades,omitempty"`
	// Team and its new headcount (a rep leaves) or win rates.
	Team       string   `json:"team,omitempty"`
	Reps       *float64 `json:"reps,omitempty"`
	WinPercent Mix      `json:"winPercent,omitempty"`
}

// TimedShock is a Shock that arrives At after the simulator starts, in
// real time.
type TimedShock struct {
	At    metav1.Duration `json:"at"`
	Shock `json:",inline"`
}

// LoadScenario reads and validates a scenario file; start, when not nil,
// replaces the scenario's start.
func LoadScenario(path string, start *metav1.Time) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseScenario(data, start)
}

// ParseScenario parses and validates a scenario, filling in defaults.
func ParseScenario(data []byte) (*Scenario, error) { return parseScenario(data, nil) }

func parseScenario(data []byte, start *metav1.Time) (*Scenario, error) {
	s := &Scenario{}
	if err := yaml.UnmarshalStrict(data, s); err != nil {
		return nil, fmt.Errorf("parsing the scenario: %w", err)
	}
	if start != nil {
		s.Start = start
	}
	if s.Speed == 0 {
		s.Speed = 1
	}
	if s.RateWindow.Duration == 0 {
		s.RateWindow.Duration = 6 * time.Hour
	}
	if s.Namespace == "" {
		s.Namespace = metav1.NamespaceDefault
	}
	return s, s.validate()
}

func (s *Scenario) validate() error {
	var errs []error
	if s.Speed < 0 {
		errs = append(errs, fmt.Errorf("speed: must be positive, not %g", s.Speed))
	}
	if s.RateWindow.Duration < 0 {
		errs = append(errs, fmt.Errorf("rateWindow: must be positive, not %s", s.RateWindow.Duration))
	}
	teams := map[string]bool{}
	for i, t := range s.Teams {
		f := fmt.Sprintf("teams[%d]", i)
		if t.Name == "" {
			errs = append(errs, fmt.Errorf("%s.name: required", f))
		}
		if teams[t.Name] {
			errs = append(errs, fmt.Errorf("%s.name: %q appears twice", f, t.Name))
		}
		teams[t.Name] = true
		if t.Reps < 0 || t.LeadsPerRepPerWeek < 0 || t.DealSize < 0 || t.OpenLeads < 0 {
			errs = append(errs, fmt.Errorf("%s: reps, leadsPerRepPerWeek, dealSize and openLeads must not be negative", f))
		}
		errs = append(errs, validatePercent(f+".acceptPercent", t.AcceptPercent, true)...)
		errs = append(errs, validatePercent(f+".winPercent", t.WinPercent, true)...)
		errs = append(errs, s.validateCycle(f, &s.Teams[i])...)
	}
	campaigns := map[string]bool{}
	for i, c := range s.Campaigns {
		f := fmt.Sprintf("campaigns[%d]", i)
		if c.Name == "" {
			errs = append(errs, fmt.Errorf("%s.name: required", f))
		}
		if campaigns[c.Name] {
			errs = append(errs, fmt.Errorf("%s.name: %q appears twice", f, c.Name))
		}
		campaigns[c.Name] = true
		if !teams[c.Team] {
			errs = append(errs, fmt.Errorf("%s.team: no team named %q", f, c.Team))
		}
		if c.LeadsPerWorkerPerWeek < 0 {
			errs = append(errs, fmt.Errorf("%s.leadsPerWorkerPerWeek: must not be negative", f))
		}
		sel, err := labels.Parse(c.selector())
		if err != nil {
			errs = append(errs, fmt.Errorf("%s.selector: %w", f, err))
		}
		s.Campaigns[i].sel = sel
		errs = append(errs, validatePercent(f+".grades", c.Grades, false)...)
	}
	for i, sh := range s.Shocks {
		f := fmt.Sprintf("shocks[%d]", i)
		if sh.At.Duration < 0 {
			errs = append(errs, fmt.Errorf("%s.at: must not be negative", f))
		}
		if err := sh.Shock.validate(campaigns, teams); err != nil {
			errs = append(errs, fmt.Errorf("%s.%w", f, err))
		}
	}
	sort.SliceStable(s.Shocks, func(i, j int) bool { return s.Shocks[i].At.Duration < s.Shocks[j].At.Duration })
	return errors.Join(errs...)
}

// validateCycle checks a team's sales cycle, pipeline and period.
func (s *Scenario) validateCycle(f string, t *Team) []error {
	var errs []error
	if t.SalesCycle.Duration < 0 {
		errs = append(errs, fmt.Errorf("%s.salesCycle: must not be negative", f))
	}
	switch p := t.Pipeline; {
	case p.Leads < 0 || p.Deals < 0:
		errs = append(errs, fmt.Errorf("%s.pipeline: leads and deals must not be negative", f))
	case p.Deals > p.Leads:
		errs = append(errs, fmt.Errorf("%s.pipeline.deals: %g deals out of %g leads", f, p.Deals, p.Leads))
	case p.Leads > 0 && t.SalesCycle.Duration <= 0:
		errs = append(errs, fmt.Errorf("%s.pipeline: needs a salesCycle to close over", f))
	}
	if t.Period == nil {
		return errs
	}
	if !slices.Contains(Cadences, t.Period.Cadence) {
		errs = append(errs, fmt.Errorf("%s.period.cadence: %q is not one of %s", f, t.Period.Cadence, strings.Join(Cadences, ", ")))
	}
	loc, err := time.LoadLocation(t.Period.TimeZone)
	if err != nil {
		errs = append(errs, fmt.Errorf("%s.period.timeZone: %w", f, err))
	}
	t.Period.loc = loc
	if s.Start == nil {
		errs = append(errs, fmt.Errorf("%s.period: needs the scenario's start, the simulated time its calendar begins at", f))
	}
	return errs
}

// validateShock checks a shock against the scenario's campaigns and teams.
func (s *Scenario) validateShock(sh *Shock) error {
	campaigns, teams := map[string]bool{}, map[string]bool{}
	for _, c := range s.Campaigns {
		campaigns[c.Name] = true
	}
	for _, t := range s.Teams {
		teams[t.Name] = true
	}
	return sh.validate(campaigns, teams)
}

func (sh *Shock) validate(campaigns, teams map[string]bool) error {
	var errs []error
	switch {
	case sh.Campaign == "" && sh.Team == "":
		errs = append(errs, errors.New("campaign or team: one is required"))
	case sh.Campaign != "" && !campaigns[sh.Campaign]:
		errs = append(errs, fmt.Errorf("campaign: no campaign named %q", sh.Campaign))
	case sh.Team != "" && !teams[sh.Team]:
		errs = append(errs, fmt.Errorf("team: no team named %q", sh.Team))
	}
	if sh.LeadsPerWorkerPerWeek != nil && *sh.LeadsPerWorkerPerWeek < 0 {
		errs = append(errs, errors.New("leadsPerWorkerPerWeek: must not be negative"))
	}
	if sh.Reps != nil && *sh.Reps < 0 {
		errs = append(errs, errors.New("reps: must not be negative"))
	}
	if sh.Grades != nil {
		errs = append(errs, validatePercent("grades", sh.Grades, false)...)
	}
	errs = append(errs, validatePercent("winPercent", sh.WinPercent, true)...)
	return errors.Join(errs...)
}

func validatePercent(field string, m Mix, capped bool) []error {
	var errs []error
	total := 0.0
	for g, v := range m {
		if !slices.Contains(Grades, g) {
			errs = append(errs, fmt.Errorf("%s: unknown grade %q (grades are %s)", field, g, strings.Join(Grades, ", ")))
		}
		if v < 0 || (capped && v > 100) {
			errs = append(errs, fmt.Errorf("%s.%s: %g is not a percentage", field, g, v))
		}
		total += v
	}
	if !capped && len(m) > 0 && total == 0 {
		errs = append(errs, fmt.Errorf("%s: the shares add up to zero", field))
	}
	if !capped && m == nil {
		errs = append(errs, fmt.Errorf("%s: required", field))
	}
	return errs
}

func (c *Campaign) selector() string {
	if c.Selector != "" {
		return c.Selector
	}
	return "revops.truce.dev/campaign=" + c.Name
}

// normalised returns the mix as fractions that add up to one.
func (m Mix) normalised() map[string]float64 {
	total := 0.0
	for _, v := range m {
		total += v
	}
	out := map[string]float64{}
	for g, v := range m {
		if total > 0 {
			out[g] = v / total
		}
	}
	return out
}

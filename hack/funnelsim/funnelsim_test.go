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
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

const scenarioYAML = `
speed: 3600          # an hour a second
rateWindow: 6h
campaigns:
- name: webinar
  team: smb
  leadsPerWorkerPerWeek: 14
  grades: {A: 10, B: 30, C: 40, D: 20}
teams:
- name: smb
  reps: 2
  leadsPerRepPerWeek: 7
  acceptPercent: {A: 100, B: 100, C: 50, D: 0}
  winPercent: {A: 50, B: 10, C: 0, D: 0}
  dealSize: 1000
  booked: {revenue: 5000, deals: 5, acceptedLeads: 100}
shocks:
- at: 30s
  description: webinar quality drops
  campaign: webinar
  grades: {A: 0, B: 10, C: 40, D: 50}
- at: 10s
  campaign: webinar
  leadsPerWorkerPerWeek: 28
`

func newSim(t *testing.T) (*Simulator, time.Time) {
	t.Helper()
	sc, err := ParseScenario([]byte(scenarioYAML))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 5, 20, 10, 0, 0, 0, time.UTC)
	return NewSimulator(sc, start), start
}

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 0.02 {
		t.Errorf("%s = %g, want %g", what, got, want)
	}
}

func TestWorkerTimeBecomesGradedLeads(t *testing.T) {
	sim, start := newSim(t)
	// 24 real seconds are a simulated day; two workers at 14 leads a week
	// make 4 leads in it.
	for i := 1; i <= 24; i++ {
		sim.Step(start.Add(time.Duration(i)*time.Second), map[string]int{"webinar": 2})
	}
	s := sim.Snapshot()
	c := s.Campaigns["webinar"]
	near(t, "simulated seconds", s.SimulatedSeconds, 86400)
	near(t, "A leads", c.LeadsTotal["A"], 0.4)
	near(t, "C leads", c.LeadsTotal["C"], 1.6)
	near(t, "leads per week", c.LeadsPerWeek, 28)
	near(t, "qualified per week", c.QualifiedLeadsPerWeek, 28*0.4)
	if c.Workers != 2 {
		t.Errorf("workers = %d, want 2", c.Workers)
	}
}

func TestRateFollowsWorkersWithinTheWindow(t *testing.T) {
	sim, start := newSim(t)
	at := start
	step := func(seconds, workers int) {
		for i := 0; i < seconds; i++ {
			at = at.Add(time.Second)
			sim.Step(at, map[string]int{"webinar": workers})
		}
	}
	step(3, 2) // half the first window at 2 workers: only what there is counts
	near(t, "rate in the first half window", sim.Snapshot().Campaigns["webinar"].LeadsPerWeek, 14)
	step(9, 2) // 12 simulated hours at 2 workers
	near(t, "rate at 2 workers", sim.Snapshot().Campaigns["webinar"].LeadsPerWeek, 28)
	step(3, 4) // half the 6h window at 4 workers
	near(t, "rate half way", sim.Snapshot().Campaigns["webinar"].LeadsPerWeek, 42)
	step(3, 4) // the whole window at 4 workers
	near(t, "rate at 4 workers", sim.Snapshot().Campaigns["webinar"].LeadsPerWeek, 56)
	step(6, 0)
	near(t, "rate with no workers", sim.Snapshot().Campaigns["webinar"].LeadsPerWeek, 0)
}

func TestSalesAcceptsWorksAndWins(t *testing.T) {
	sim, start := newSim(t)
	// A simulated week: 168 real seconds at 3600x. Two workers make 28
	// leads: A 2.8, B 8.4, C 11.2, D 5.6. Sales accepts A, B and half of C:
	// 16.8 leads, and works 14 of them (2 reps at 7), pro rata by grade
	// once the backlog builds up.
	for i := 1; i <= 168; i++ {
		sim.Step(start.Add(time.Duration(i)*time.Second), map[string]int{"webinar": 2})
	}
	team := sim.Snapshot().Teams["smb"]
	near(t, "accepted (booked 100 + 16.8)", team.AcceptedLeads, 116.8)
	near(t, "rejected", team.RejectedLeads, 11.2)
	if team.WorkedLeads > 14.01 || team.WorkedLeads < 13 {
		t.Errorf("worked %g leads, want at most the capacity of 14 and close to it", team.WorkedLeads)
	}
	near(t, "open = accepted - worked", team.OpenLeads, 16.8-team.WorkedLeads)
	if team.ClosedWonDeals <= 5 || math.Abs(team.ClosedWonRevenue-(5000+(team.ClosedWonDeals-5)*1000)) > 10 {
		t.Errorf("won %g deals for %g, want more than the 5 booked at 1000 each", team.ClosedWonDeals, team.ClosedWonRevenue)
	}
	near(t, "capacity", team.CapacityPerWeek, 14)
}

func TestShocksArriveInOrderAtTheirTime(t *testing.T) {
	sim, start := newSim(t)
	if due := sim.Due(start.Add(9 * time.Second)); len(due) != 0 {
		t.Fatalf("%d shocks due at 9s, want none", len(due))
	}
	due := sim.Due(start.Add(31 * time.Second))
	if len(due) != 2 || due[0].LeadsPerWorkerPerWeek == nil || due[1].Description != "webinar quality drops" {
		t.Fatalf("due at 31s: %+v, want the yield change then the quality drop", due)
	}
	if again := sim.Due(start.Add(40 * time.Second)); len(again) != 0 {
		t.Fatalf("shocks came twice: %+v", again)
	}
	for _, sh := range due {
		sim.Apply(sh, start.Add(31*time.Second))
	}
	for i := 32; i <= 60; i++ {
		sim.Step(start.Add(time.Duration(i)*time.Second), map[string]int{"webinar": 1})
	}
	c := sim.Snapshot().Campaigns["webinar"]
	near(t, "leads per week after the surge", c.LeadsPerWeek, 28)
	near(t, "qualified per week after the drop", c.QualifiedLeadsPerWeek, 2.8)
	if n := len(sim.Snapshot().Shocks); n != 2 {
		t.Errorf("%d shocks recorded, want 2", n)
	}
}

func TestScenarioErrorsNameTheField(t *testing.T) {
	for bad, want := range map[string]string{
		"campaigns: [{name: a, team: nobody, leadsPerWorkerPerWeek: 1, grades: {A: 1}}]":                 "campaigns[0].team: no team named",
		"teams: [{name: t, reps: 1, acceptPercent: {A: 120}}]":                                           "teams[0].acceptPercent.A: 120 is not a percentage",
		"teams: [{name: t}]\ncampaigns: [{name: a, team: t, grades: {E: 1}}]":                            `campaigns[0].grades: unknown grade "E"`,
		"teams: [{name: t}]\ncampaigns: [{name: a, team: t, grades: {A: 1}, selector: 'a=('}]":           "campaigns[0].selector",
		"teams: [{name: t}]\nshocks: [{at: 1s, campaign: nope}]":                                         `shocks[0].campaign: no campaign named "nope"`,
		"teams: [{name: t}]\nshocks: [{at: 1s}]":                                                         "shocks[0].campaign or team: one is required",
		"speed: 2\nspeeed: 3":                                                                            `unknown field "speeed"`,
		"teams: [{name: t}]\ncampaigns: [{name: a, team: t, leadsPerWorkerPerWeek: -1, grades: {A: 1}}]": "campaigns[0].leadsPerWorkerPerWeek: must not be negative",
	} {
		_, err := ParseScenario([]byte(bad))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("scenario %q: error %v, want one containing %q", bad, err, want)
		}
	}
}

func TestServesPrometheusMetrics(t *testing.T) {
	sim, start := newSim(t)
	for i := 1; i <= 24; i++ {
		sim.Step(start.Add(time.Duration(i)*time.Second), map[string]int{"webinar": 2})
	}
	// A day: 2 workers make 0.4 A, 1.2 B, 1.6 C and 0.8 D leads; sales
	// accepts 2.4 and works 2, of which a sixth are A (half won) and half B
	// (a tenth won): 0.27 deals.
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(&collector{sim: sim})
	want := `
# HELP marketing_leads_total Leads the campaign produced, by grade.
# TYPE marketing_leads_total counter
marketing_leads_total{campaign="webinar",grade="A",team="smb"} 0.4
marketing_leads_total{campaign="webinar",grade="B",team="smb"} 1.2
marketing_leads_total{campaign="webinar",grade="C",team="smb"} 1.6
marketing_leads_total{campaign="webinar",grade="D",team="smb"} 0.8
# HELP crm_won_deals_total Deals won this period.
# TYPE crm_won_deals_total counter
crm_won_deals_total{team="smb"} 5.27
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "marketing_leads_total", "crm_won_deals_total"); err != nil {
		t.Error(err)
	}
}

func TestShockEndpoint(t *testing.T) {
	sim, _ := newSim(t)
	w := &world{sim: sim, scenario: sim.scenario}
	for body, code := range map[string]int{
		`{"campaign": "webinar", "grades": {"D": 100}}`: http.StatusAccepted,
		`campaign: webinar
leadsPerWorkerPerWeek: 3`: http.StatusAccepted,
		`{"campaign": "nope"}`:   http.StatusUnprocessableEntity,
		`{"campain": "webinar"}`: http.StatusBadRequest,
	} {
		rec := httptest.NewRecorder()
		w.postShock(rec, httptest.NewRequest(http.MethodPost, "/shocks", strings.NewReader(body)))
		if rec.Code != code {
			t.Errorf("POST %s: %d %s, want %d", body, rec.Code, rec.Body, code)
		}
	}
	c := sim.campaign("webinar")
	if c.LeadsPerWorkerPerWeek != 3 || c.Grades["D"] != 100 || len(c.Grades) != 1 {
		t.Errorf("campaign after shocks: %+v, want yield 3 and only D leads", c.Campaign)
	}
	rec := httptest.NewRecorder()
	w.postShock(rec, httptest.NewRequest(http.MethodGet, "/shocks", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET /shocks: %d, want 405", rec.Code)
	}
}

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
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// cycleScenario is a team that accepts and works every lead (A leads, half
// of them won) well within its capacity, so what it wins follows what it
// works; an hour passes every real second. The team's extra fields are
// filled in by each test.
const cycleScenario = `
speed: 3600
rateWindow: 1h
campaigns:
- name: outbound
  team: smb
  leadsPerWorkerPerWeek: 168   # a lead an hour per worker
  grades: {A: 100}
teams:
- name: smb
  reps: 10
  leadsPerRepPerWeek: 168
  acceptPercent: {A: 100}
  winPercent: {A: 50}
  dealSize: 1000
`

func newCycleSim(t *testing.T, scenario string) (*Simulator, time.Time) {
	t.Helper()
	sc, err := ParseScenario([]byte(scenario))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 5, 20, 10, 0, 0, 0, time.UTC)
	return NewSimulator(sc, start), start
}

// runHours steps the simulation hour by simulated hour (a real second each)
// from hour from to hour to, with workers running.
func runHours(sim *Simulator, start time.Time, from, to, workers int) {
	for h := from + 1; h <= to; h++ {
		sim.Step(start.Add(time.Duration(h)*time.Second), map[string]int{"outbound": workers})
	}
}

func TestALeadWorkedAtTIsWonAtTPlusTheCycle(t *testing.T) {
	sim, start := newCycleSim(t, cycleScenario+"  salesCycle: 48h\n")
	// Two workers for the first hour: two leads, worked as they arrive,
	// one won.
	runHours(sim, start, 0, 1, 2)
	team := sim.Snapshot().Teams["smb"]
	near(t, "worked in the first hour", team.WorkedLeads, 2)
	near(t, "won when worked", team.ClosedWonDeals, 0)

	runHours(sim, start, 1, 48, 0)
	near(t, "won 47 hours later, before the cycle is over", sim.Snapshot().Teams["smb"].ClosedWonDeals, 0)
	// The leads worked over hour 0-1 close over hours 48-49, evenly.
	sim.Step(start.Add(48*time.Second+500*time.Millisecond), nil)
	near(t, "won half way through the hour a cycle later", sim.Snapshot().Teams["smb"].ClosedWonDeals, 0.5)
	runHours(sim, start, 48, 50, 0)
	team = sim.Snapshot().Teams["smb"]
	near(t, "won a cycle after they were worked", team.ClosedWonDeals, 1)
	near(t, "revenue of the deal", team.ClosedWonRevenue, 1000)
}

func TestThePipelineIsAcceptedLeadsNotYetWonOrLost(t *testing.T) {
	sim, start := newCycleSim(t, cycleScenario+"  salesCycle: 24h\n  openLeads: 4\n")
	if got := sim.Snapshot().Teams["smb"]; got.PipelineLeads != 4 || got.OpenLeads != 4 {
		t.Fatalf("at the start: %g open, %g in the pipeline; want the backlog of 4 in both", got.OpenLeads, got.PipelineLeads)
	}
	// Ten hours at 3 workers: 30 leads accepted; the team works the
	// backlog and every new lead within the hour.
	runHours(sim, start, 0, 10, 3)
	team := sim.Snapshot().Teams["smb"]
	near(t, "open (worked at once)", team.OpenLeads, 0)
	near(t, "pipeline: the backlog and the new leads, all worked and none closed", team.PipelineLeads, 34)
	// Ten more hours without workers, then the cycle: the first closes.
	runHours(sim, start, 10, 30, 0)
	team = sim.Snapshot().Teams["smb"]
	near(t, "pipeline after the backlog and the first six hours' leads closed", team.PipelineLeads, 34-4-6*3)
	runHours(sim, start, 30, 40, 0)
	near(t, "pipeline once everything closed", sim.Snapshot().Teams["smb"].PipelineLeads, 0)
	// The backlog is an even mix of grades, of which only A (one lead) wins.
	near(t, "won half of the A leads worked", sim.Snapshot().Teams["smb"].ClosedWonDeals, (30+1)/2.0)
}

func TestWithoutACycleLeadsAreWonWhenWorkedAsBefore(t *testing.T) {
	// The scenario of the other tests, with and without "salesCycle: 0s":
	// the same state after every step, as JSON.
	without, start := newSim(t)
	sc, err := ParseScenario([]byte(strings.Replace(scenarioYAML, "  dealSize: 1000\n", "  dealSize: 1000\n  salesCycle: 0s\n", 1)))
	if err != nil {
		t.Fatal(err)
	}
	with := NewSimulator(sc, start)
	for i := 1; i <= 200; i++ {
		workers := map[string]int{"webinar": 1 + i%4}
		without.Step(start.Add(time.Duration(i)*time.Second), workers)
		with.Step(start.Add(time.Duration(i)*time.Second), workers)
		a, _ := json.Marshal(without.Snapshot())
		b, _ := json.Marshal(with.Snapshot())
		if string(a) != string(b) {
			t.Fatalf("after %d steps a zero cycle differs from none:\n%s\n%s", i, a, b)
		}
	}
	team := with.Snapshot().Teams["smb"]
	near(t, "pipeline without a cycle is the backlog", team.PipelineLeads, team.OpenLeads)
}

func TestTheOpeningPipelineClosesEvenlyOverTheFirstCycle(t *testing.T) {
	sim, start := newCycleSim(t, cycleScenario+"  salesCycle: 10h\n  pipeline: {leads: 40, deals: 8}\n")
	near(t, "pipeline at the start", sim.Snapshot().Teams["smb"].PipelineLeads, 40)
	runHours(sim, start, 0, 5, 0)
	team := sim.Snapshot().Teams["smb"]
	near(t, "won half way through the cycle", team.ClosedWonDeals, 4)
	near(t, "pipeline half way through the cycle", team.PipelineLeads, 20)
	runHours(sim, start, 5, 12, 0)
	near(t, "won after the cycle", sim.Snapshot().Teams["smb"].ClosedWonDeals, 8)
}

// calendarScenario starts at noon on the last day of a quarter with 10
// deals in the pipeline that close over the next 10 days, and 100 deals
// booked this quarter.
const calendarScenario = cycleScenario + `  salesCycle: 240h
  booked: {revenue: 100000, deals: 100, acceptedLeads: 300}
  pipeline: {leads: 20, deals: 10}
  period: {cadence: Quarterly, timeZone: UTC}
start: 2027-06-30T12:00:00Z
`

func TestBookingsStartFromZeroWhenThePeriodEnds(t *testing.T) {
	sim, start := newCycleSim(t, calendarScenario)
	s := sim.Snapshot()
	team := s.Teams["smb"]
	if s.Now == nil || !s.Now.Equal(time.Date(2027, 6, 30, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("now = %v, want the scenario's start", s.Now)
	}
	if team.Period == nil || team.Period.Name != "2027-Q2" || !team.Period.End.Equal(time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("period %+v, want 2027-Q2 ending on July 1st", team.Period)
	}
	// Eleven simulated hours: still in Q2, 11/240 of the pipeline won.
	runHours(sim, start, 0, 11, 0)
	near(t, "Q2 bookings an hour before its end", sim.Snapshot().Teams["smb"].ClosedWonDeals, 100+10*11.0/240)

	// One step across the end of the quarter, to 02:00 on July 1st: the
	// hour before midnight counts in Q2, which is over; the two after in Q3.
	sim.Step(start.Add(14*time.Second), nil)
	s = sim.Snapshot()
	team = s.Teams["smb"]
	if team.Period == nil || team.Period.Name != "2027-Q3" {
		t.Fatalf("period %+v after July 1st, want 2027-Q3", team.Period)
	}
	near(t, "Q3 deals: the two hours since midnight, not Q2's", team.ClosedWonDeals, 10*2.0/240)
	near(t, "Q3 revenue", team.ClosedWonRevenue, 1000*10*2.0/240)
	near(t, "Q3 accepted leads", team.AcceptedLeads, 0)
	near(t, "pipeline still closing", team.PipelineLeads, 20*(1-14.0/240))
	if s.Now == nil || !s.Now.Equal(time.Date(2027, 7, 1, 2, 0, 0, 0, time.UTC)) {
		t.Errorf("now = %v, want 02:00 on July 1st", s.Now)
	}
}

func TestPeriodsAreCalendarAlignedInTheirTimeZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2027, 5, 5, 15, 0, 0, 0, time.UTC) // a Wednesday
	for _, tc := range []struct {
		name, cadence string
		loc           *time.Location
		want          string
		start, end    time.Time
	}{
		{"a quarter runs from the first of its first month", "Quarterly", time.UTC, "2027-Q2",
			time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC)},
		{"a month runs from its first", "Monthly", time.UTC, "2027-05",
			time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)},
		{"a week runs from Monday and is named by its ISO week", "Weekly", time.UTC, "2027-W18",
			time.Date(2027, 5, 3, 0, 0, 0, 0, time.UTC), time.Date(2027, 5, 10, 0, 0, 0, 0, time.UTC)},
		{"a quarter in Berlin starts at midnight in Berlin", "Quarterly", berlin, "2027-Q2",
			time.Date(2027, 3, 31, 22, 0, 0, 0, time.UTC), time.Date(2027, 6, 30, 22, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := periodOf(tc.cadence, tc.loc, at)
			if p.name != tc.want || !p.start.Equal(tc.start) || !p.end.Equal(tc.end) {
				t.Errorf("period %s [%s, %s), want %s [%s, %s)", p.name, p.start, p.end, tc.want, tc.start, tc.end)
			}
		})
	}
}

func TestCycleAndCalendarErrorsNameTheField(t *testing.T) {
	for bad, want := range map[string]string{
		cycleScenario + "  salesCycle: -1h\n":                                                                 "teams[0].salesCycle: must not be negative",
		cycleScenario + "  pipeline: {leads: 10, deals: 2}\n":                                                 "teams[0].pipeline: needs a salesCycle to close over",
		cycleScenario + "  salesCycle: 1h\n  pipeline: {leads: 1, deals: 2}\n":                                "teams[0].pipeline.deals: 2 deals out of 1 leads",
		cycleScenario + "  period: {cadence: Quarterly}\n":                                                    "teams[0].period: needs the scenario's start",
		cycleScenario + "  period: {cadence: Yearly}\nstart: 2027-01-01T00:00:00Z\n":                          `teams[0].period.cadence: "Yearly" is not one of`,
		cycleScenario + "  period: {cadence: Monthly, timeZone: Mars/Olympus}\nstart: 2027-01-01T00:00:00Z\n": "teams[0].period.timeZone",
	} {
		_, err := ParseScenario([]byte(bad))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want one containing %q", err, want)
		}
	}
}

func TestServesThePipeline(t *testing.T) {
	sim, start := newCycleSim(t, cycleScenario+"  salesCycle: 24h\n")
	runHours(sim, start, 0, 2, 3)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(&collector{sim: sim})
	want := `
# HELP crm_pipeline_leads Accepted leads not yet won or lost: those not worked yet and those worked within the sales cycle.
# TYPE crm_pipeline_leads gauge
crm_pipeline_leads{team="smb"} 6
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "crm_pipeline_leads"); err != nil {
		t.Error(err)
	}
}

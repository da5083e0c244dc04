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
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/balance"
)

const unwk = v1alpha1.LeadsUnworkedReason

func byID(t *testing.T, id string) archetype {
	t.Helper()
	for _, a := range archetypes() {
		if a.id == id {
			return a
		}
	}
	t.Fatalf("no archetype %q", id)
	return archetype{}
}

func TestWithCountsEveryFlowIsWholeAndTheSameSeedGivesTheSameRun(t *testing.T) {
	a := byID(t, "tiny-campaigns")
	o := options{seed: 1, noise: 0.1, lag: 2, days: 120}
	r1, r2 := simulate(&a, o, byTruce), simulate(&a, o, byTruce)
	w := r1.w
	for d := w.first; d < 120; d++ {
		i := w.i(d)
		var raw, qualified float64
		for k := range a.team.campaigns {
			raw += w.raw[k][i]
			qualified += w.qualified[k][i]
			if w.raw[k][i] != r2.w.raw[k][i] || w.qualified[k][i] != r2.w.qualified[k][i] {
				t.Fatalf("day %d: two runs with seed 1 made different leads", d)
			}
		}
		for _, v := range []float64{raw, qualified, w.accepted[i], w.worked[i], w.wonDeals[i], w.open} {
			if v != math.Trunc(v) || v < 0 {
				t.Fatalf("day %d: a count of %v is not a whole number", d, v)
			}
		}
		if qualified > raw || w.accepted[i] > raw || w.worked[i] > w.accepted[i]+w.sum(w.accepted, w.first, d) {
			t.Fatalf("day %d: %v qualified and %v accepted of %v made", d, qualified, w.accepted[i], raw)
		}
		if w.wonDeals[i+a.cycle()] > w.worked[i] {
			t.Fatalf("day %d: %v won of %v worked", d, w.wonDeals[i+a.cycle()], w.worked[i])
		}
		if w.wonDeals[i] != r2.w.wonDeals[i] {
			t.Fatalf("day %d: two runs with seed 1 won different deals", d)
		}
	}
	if !reflect.DeepEqual(r1.days[100].classes, r2.days[100].classes) {
		t.Error("two runs with seed 1 showed different classes")
	}
	other := simulate(&a, options{seed: 2, noise: 0.1, lag: 2, days: 120}, byTruce)
	if reflect.DeepEqual(other.w.raw, w.raw) {
		t.Error("seeds 1 and 2 made the same leads")
	}
}

func TestCountsMakeWhatIsExpectedOnAverage(t *testing.T) {
	a := byID(t, "tiny-campaigns") // 4 campaigns × 10 leads/wk, 40% qualify, 4% won
	w := newWorld(&a, teamStart(a.team.cadence), 0, 3000, 0, 0, 1)
	for d := range 3000 {
		w.plan(d, []float64{10, 10, 10, 10})
		w.step(d)
	}
	var raw, qualified float64
	for k := range a.team.campaigns {
		raw += w.sum(w.raw[k], 0, 3000)
		qualified += w.sum(w.qualified[k], 0, 3000)
	}
	worked, won := w.sum(w.worked, 0, 3000-a.cycle()), w.sum(w.wonDeals, a.cycle(), 3000)
	if want := 3000 * 40.0 / 7; math.Abs(raw-want) > 4*math.Sqrt(want) {
		t.Errorf("made %v leads in 3000 days, want about %v", raw, want)
	}
	if q := qualified / raw; math.Abs(q-0.4) > 0.02 {
		t.Errorf("%.3f of leads qualified, want 0.4", q)
	}
	if r := won / worked; math.Abs(r-0.04) > 0.006 {
		t.Errorf("%.4f of worked leads won, want 0.04", r)
	}
}

func TestFluidArchetypesDrawNoCounts(t *testing.T) {
	for _, a := range archetypes() {
		if a.counts && !a.blame {
			t.Errorf("%s draws counts: only archetypes of the blame issue may, so the table of the others does not move", a.id)
		}
	}
	a := byID(t, "tiny-campaigns")
	r := simulate(&a, options{seed: 1, noise: 0, lag: 2, days: 60, fluid: true}, byTruce)
	// 600k over Q1's 90 days at 1,200 a lead, split among four campaigns:
	// 1.39 leads a day each, not a whole number.
	if got, want := r.w.raw[0][r.w.i(-1)], r.w.oracle(-1)[0]/7; !near(got, want) || got == math.Trunc(got) {
		t.Errorf("with -fluid a tiny campaign made %v leads on the day before the start, want the oracle's fluid %v", got, want)
	}
}

func TestALeadPastTheSLAIsCountedInThePeriodItWasAccepted(t *testing.T) {
	a := byID(t, "unworked")
	a.shocks[0].from = 85 // 30% past from 2027-03-27
	w := quiet(&a, -30, 100)
	w.prefill()
	for d := range 95 {
		w.plan(d, w.oracle(d))
		w.step(d)
	}
	ratio := func(d int) (past, accepted float64) {
		in := input(w, d)
		if in.Spec.SLA == nil || in.Spec.Metrics.LeadsPastFirstContact == "" {
			t.Fatal("the team must declare the sla and its leadsPastFirstContact query")
		}
		return *in.Observed.LeadsPastFirstContact, *in.Observed.AcceptedLeads
	}
	// 2027-03-31, Q1's last morning: Q1's 89 days read, 4 of them at 30%.
	past, accepted := ratio(89)
	want := 0.05*w.sum(w.accepted, 0, 85) + 0.3*w.sum(w.accepted, 85, 89)
	if !near(past, want) || !near(accepted, w.sum(w.accepted, 0, 89)) {
		t.Errorf("on Q1's last morning %v of %v accepted leads read past the sla, want %v of %v", past, accepted, want, w.sum(w.accepted, 0, 89))
	}
	// 2027-04-01: the leads accepted on Q1's last day are Q1's; Q2 starts
	// from zero.
	if past, accepted := ratio(90); past != 0 || accepted != 0 {
		t.Errorf("on Q2's first morning %v of %v leads read past the sla, want none of none", past, accepted)
	}
	if past, accepted := ratio(91); !near(past, 0.3*accepted) || !near(accepted, w.accepted[w.i(90)]) {
		t.Errorf("on Q2's second morning %v of %v leads read past the sla, want 30%% of Q2's first day", past, accepted)
	}
	if w.pastSLA[w.i(89)] == 0 || !near(w.pastSLA[w.i(89)], 0.3*w.accepted[w.i(89)]) {
		t.Errorf("Q1's last day counts %v past the sla of %v accepted, want 30%%", w.pastSLA[w.i(89)], w.accepted[w.i(89)])
	}
}

func TestANewTeamStartsWithNothing(t *testing.T) {
	a := byID(t, "new-team")
	r := simulate(&a, options{seed: 1, noise: 0.1, lag: 2, days: 365, fluid: true}, byTruce)
	w := r.w
	if w.first != 0 {
		t.Fatalf("a new team's world starts on day %d, want 0: no prefill", w.first)
	}
	in := input(w, 0)
	if *in.Observed.PipelineLeads != 0 || *in.Observed.ClosedWonDeals != 0 || *in.Observed.CohortAccepted != 0 || *in.Campaigns[0].Leads != 0 {
		t.Errorf("on its first morning a new team reads pipeline %v, deals %v, cohort %v, leads %v; want nothing",
			*in.Observed.PipelineLeads, *in.Observed.ClosedWonDeals, *in.Observed.CohortAccepted, *in.Campaigns[0].Leads)
	}
	for d := range r.o.lag {
		if w.raw[0][w.i(d)] != 0 || w.raw[1][w.i(d)] != 0 {
			t.Errorf("day %d: marketing made leads before it could follow truce's first ask", d)
		}
	}
	if w.raw[0][w.i(r.o.lag)] == 0 {
		t.Errorf("day %d: marketing made nothing of truce's first ask", r.o.lag)
	}
	if won := w.sum(w.wonDeals, 0, a.cycle()+r.o.lag); won != 0 {
		t.Errorf("%v deals closed before the first leads were a cycle old", won)
	}
	if w.wonDeals[w.i(a.cycle()+r.o.lag)] == 0 {
		t.Error("the first leads did not close a cycle after they were made")
	}
}

func TestTheWindfallIsTheNthDealOfItsPeriod(t *testing.T) {
	a := byID(t, "windfall")
	r := simulate(&a, options{seed: 1, noise: 0, lag: 2, days: 365}, byOracle)
	w := r.w
	q2 := w.period(w.dayOf(windfallQuarter))
	from, to := w.dayOf(q2.Start), w.dayOf(q2.End)
	var deals float64
	jump := -1
	for d := from; d < to; d++ {
		before := deals
		deals += w.wonDeals[w.i(d)]
		if extra := w.wonRevenue[w.i(d)] - 30_000*w.wonDeals[w.i(d)]; math.Abs(extra) > 1e-6 {
			if before >= 3 || deals < 3 || jump >= 0 || !near(extra, 270_000) {
				t.Errorf("day %d: %v above the deals' size with %v→%v deals of Q2 won; want 270,000 once, when the third is won", d, extra, before, deals)
			}
			jump = d
		}
	}
	if jump < 0 {
		t.Fatal("no windfall in Q2")
	}
	if got := attainment(w, q2); !near(got, 100+100*270_000/a.team.quota) {
		t.Errorf("the oracle, which ignores the windfall, booked %v%% of Q2, want 122.5", got)
	}
	if got := attainment(w, w.period(w.dayOf(q2.End))); !near(got, 100) {
		t.Errorf("Q3 booked %v%%, want 100: the windfall is Q2's alone", got)
	}
}

func TestMarketingMakesItsOwnVolumeWhateverTruceAsks(t *testing.T) {
	a := byID(t, "volume-jump")
	if jumpVolume >= 200 {
		t.Fatalf("the jump to %v/wk must stay within the 200/wk 8 reps work, or its truth is LeadOverflow", jumpVolume)
	}
	r := simulate(&a, options{seed: 1, noise: 0, lag: 2, days: 365, fluid: true}, byTruce)
	for _, d := range []int{99, 100, 200} {
		var made, asked float64
		for k := range a.team.campaigns {
			made += r.w.raw[k][r.w.i(d)]
			asked += r.w.planned[k][r.w.i(d)]
		}
		switch {
		case d < shockDay && !near(made, asked/7):
			t.Errorf("day %d: made %v, want what was asked, %v", d, made, asked/7)
		case d >= shockDay && !near(made, jumpVolume/7):
			t.Errorf("day %d: made %v, want %v whatever was asked (%v)", d, made, jumpVolume/7, asked/7)
		}
	}
	if len(r.days[200].classes) == 0 || !near(r.days[200].producing, jumpVolume) {
		t.Errorf("on day 200 truce read the campaigns make %v a week, want %v", r.days[200].producing, jumpVolume)
	}
}

func TestTheBlameArchetypesTruth(t *testing.T) {
	cases := []struct {
		id   string
		day  int
		want []string
	}{
		{"volume-jump", 200, nil},
		{"new-team", 10, nil},
		{"tiny-campaigns", 200, nil},
		{"windfall", 100, nil},
		{"unworked", 99, nil},
		{"unworked", 100, []string{unwk}},
		{"short-both", 99, nil},
		// Most urgent first, whatever the order of the shocks.
		{"short-both", 100, []string{qual, sfall}},
	}
	for _, c := range cases {
		a := byID(t, c.id)
		if got := a.truthOn(c.day); !slices.Equal(got, c.want) {
			t.Errorf("%s on day %d: truth %q, want %q", c.id, c.day, got, c.want)
		}
		if !a.blame {
			t.Errorf("%s is not judged on the blame goals", c.id)
		}
	}
	u := byID(t, "unworked")
	if got := u.conditions(99, start.AddDate(0, 0, 99)).pastSLA; got != 0.05 {
		t.Errorf("before the shock %v of leads miss the sla, want 5%%, within the 10%% tolerated", got)
	}
	if s := u.spec(0); s.SLA == nil || s.SLA.FirstContactMinutes != 60 || *s.SLA.TolerancePercent != 10 || s.Metrics.LeadsPastFirstContact == "" {
		t.Error("the unworked team must declare sla {60 minutes, 10%} and leadsPastFirstContact")
	}
}

// classes is a run showing one set of classes a day, asking for the need.
func classes(a *archetype, days ...[]string) *run {
	r := &run{a: a, o: options{days: len(days)}}
	for _, c := range days {
		reason := bal
		if len(c) > 0 {
			reason = c[0]
		}
		r.days = append(r.days, decision{reason: reason, classes: c, alloc: []float64{50, 25}, needTrue: 75, demand: 75, capacity: 200})
	}
	return r
}

func TestEveryClassShownIsCountedAgainstEveryClassTrue(t *testing.T) {
	both := offPlan("t", "t", shock{from: 3, reason: qual, observe: seenSameDay})
	both.shocks = append(both.shocks, shock{from: 3, reason: sfall, observe: seenSameDay})
	r := classes(&both,
		nil, nil, nil,
		[]string{qual},              // day 3: the day the truth changes, forgiven
		[]string{qual},              // day 4: LeadShortfall missed: not wrong, but other
		[]string{qual, sfall},       // day 5: both, right
		[]string{qual, sfall, capn}, // day 6: a false class beside the true ones: wrong
		[]string{sfall},             // day 7: LeadQualityLow missed
	)
	var o outcome
	o.scoreDays(r, []int{3, 3})
	if o.wrongBlame != 1 || o.other != 3 || o.drift != 5 || o.wrongCapacity != 1 {
		t.Errorf("wrong %d, other %d, drift %d, capacity wrongly short %d; want 1, 3, 5 and 1", o.wrongBlame, o.other, o.drift, o.wrongCapacity)
	}
	wantShown := map[string]int{bal: 3, qual: 4, sfall: 3, capn: 1}
	wantTrue := map[string]int{bal: 3, qual: 5, sfall: 5}
	if !reflect.DeepEqual(o.shownDays, wantShown) || !reflect.DeepEqual(o.trueDays, wantTrue) {
		t.Errorf("shown %v and true %v, want %v and %v", o.shownDays, o.trueDays, wantShown, wantTrue)
	}
	want := []detection{{qual, 3, 3}, {sfall, 3, 5}}
	if !reflect.DeepEqual(o.detections, want) {
		t.Errorf("detections %+v, want %+v", o.detections, want)
	}
}

func TestAClassListedAfterAnotherIsShown(t *testing.T) {
	// The capacity cut: LeadOverflow ranks first for two days, and
	// CapacityBelowQuotaNeed, listed second, is shown from the first.
	a := offPlan("t", "t", shock{from: 1, reason: capn, observe: seenSameDay})
	r := classes(&a, nil, []string{v1alpha1.LeadOverflowReason, capn}, []string{capn})
	var o outcome
	o.scoreDays(r, []int{1})
	if o.detections[0].firstShown != 1 {
		t.Errorf("CapacityBelowQuotaNeed first shown on day %d, want 1", o.detections[0].firstShown)
	}
}

func TestAClassShownFromASampleNotJudgedIsCounted(t *testing.T) {
	samples := []balance.Sample{
		{Name: v1alpha1.QualitySample, Size: 20, Minimum: 30, Judged: false},
		{Name: v1alpha1.ConversionSample, Size: 400, Minimum: 125, Judged: true},
	}
	got := unjudged([]string{v1alpha1.LeadOverflowReason, qual, conv, unwk}, samples)
	// No sample is needed for LeadOverflow; quality's was too small;
	// conversion's was judged; the follow-up's is missing, so not judged.
	if want := []string{qual, unwk}; !slices.Equal(got, want) {
		t.Errorf("unjudged %q, want %q", got, want)
	}
	a := onPlan("t", "t", quarterly(30))
	r := classes(&a, []string{qual}, nil, []string{conv})
	r.days[0].unjudged = []string{qual}
	var o outcome
	o.scoreDays(r, nil)
	if o.unjudged != 1 {
		t.Errorf("%d days of a verdict from a sample not judged, want 1", o.unjudged)
	}
}

func TestBlameGoals(t *testing.T) {
	a := byID(t, "short-both")
	w := byID(t, "windfall")
	meets := outcome{a: &a, windfall: -1, detections: []detection{{sfall, 104, 104}, {qual, 104, 104}}}
	cases := []struct {
		name string
		o    outcome
		want []string
	}{
		{"every true class shown the day it is seen, nothing else: met", meets, nil},
		{"a day of a class not true misses", with(meets, func(o *outcome) { o.wrongBlame = 1 }), []string{"wrong class 1 d"}},
		{
			"each true class is timed on its own",
			with(meets, func(o *outcome) { o.detections = []detection{{sfall, 104, 104}, {qual, 104, 106}} }),
			[]string{"Quality shown 2 d late"},
		},
		{"a class never shown misses", with(meets, func(o *outcome) { o.detections = []detection{{sfall, 104, -1}} }), []string{"Shortfall never shown"}},
		{"a class that never became observable is not late", with(meets, func(o *outcome) { o.detections = []detection{{sfall, -1, -1}} }), nil},
		{"a verdict from a sample not judged misses", with(meets, func(o *outcome) { o.unjudged = 2 }), []string{"unjudged 2 d"}},
		{"the windfall's quarter at 104.6% is near 100%", outcome{a: &w, windfall: 104.6}, nil},
		{"the windfall's quarter at 122% is not", outcome{a: &w, windfall: 122.4}, []string{"windfall's period at 122%"}},
		{
			"attainment, leads bought and drift of a Balanced truth are not goals here; a wrong class is",
			outcome{a: &w, windfall: 100, attainment: []float64{80}, bought: 1, needed: 2, drift: 3, wrongBlame: 3},
			[]string{"wrong class 3 d"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.o.goals(); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestTheNewDriftsAreSeenWhenTheirRuleHoldsAtFaceValue(t *testing.T) {
	a := byID(t, "short-both")
	supply := &run{a: &a, days: make([]decision, 104)}
	for d := range supply.days {
		supply.days[d] = decision{demand: 80, supply: 80, producing: 80}
	}
	supply.days[101] = decision{demand: 80, supply: 70, producing: 48}   // only what is made now is short
	supply.days[102] = decision{demand: 80, supply: 63.9, producing: 64} // 64 is not below 80 × 0.8
	supply.days[103] = decision{demand: 80, supply: 63.9, producing: 48}
	if got := observableDay(supply, a.shocks[0]); got != 103 {
		t.Errorf("the shortfall is seen on day %d, want 103", got)
	}
	u := byID(t, "unworked")
	follow := &run{a: &u, days: make([]decision, 104)}
	follow.days[100] = decision{accepted: 100, pastSLA: 8}
	follow.days[101] = decision{accepted: 110, pastSLA: 11} // 10% is not above 10%
	follow.days[102] = decision{accepted: 120, pastSLA: 12.1}
	if got := observableDay(follow, u.shocks[0]); got != 102 {
		t.Errorf("leads past the sla are seen on day %d, want 102", got)
	}
}

func TestEveryBlameArchetypeKeepsItsDatesInTheRun(t *testing.T) {
	for _, a := range archetypes() {
		if !a.blame {
			continue
		}
		for _, s := range a.shocks {
			if s.from >= 365 {
				t.Errorf("%s: a shock on day %d is after the counted days", a.id, s.from)
			}
		}
		if wf := a.windfall; wf != nil {
			judged := judgedPeriods(a.team.cadence, a.cycle(), teamStart(a.team.cadence))
			if !slices.ContainsFunc(judged, func(p balance.Period) bool { return p.Start.Equal(wf.period) }) {
				t.Errorf("%s: the windfall's period from %s is not judged", a.id, wf.period.Format(time.DateOnly))
			}
		}
	}
}

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
	"reflect"
	"testing"

	"github.com/truce-dev/truce/api/v1alpha1"
)

const (
	bal   = v1alpha1.BalancedReason
	sfall = v1alpha1.LeadShortfallReason
	conv  = v1alpha1.ConversionLowReason
	qual  = v1alpha1.LeadQualityLowReason
	capn  = v1alpha1.CapacityBelowQuotaNeedReason
)

// drifting is an off-plan team whose truth becomes reason on day 3.
func drifting(reason string) *archetype {
	a := offPlan("t", "t", shock{from: 3, reason: reason, observe: seenSameDay})
	return &a
}

// shown is a run that showed reasons, one a day, asking for the need.
func shown(a *archetype, reasons ...string) *run {
	r := &run{a: a, o: options{days: len(reasons)}}
	for _, reason := range reasons {
		r.days = append(r.days, decision{reason: reason, alloc: []float64{50, 25}, needTrue: 75, demand: 75, capacity: 200})
	}
	return r
}

func TestDaysAreCountedAgainstTheTruth(t *testing.T) {
	onPlanTeam := onPlan("t", "t", quarterly(30))
	type counts struct{ drift, wrongBlame, other, firstShown int }
	cases := []struct {
		name       string
		run        *run
		observable int
		want       counts
	}{
		{
			name: "a drift class shown to an on-plan team is wrong blame on each day it shows",
			run:  shown(&onPlanTeam, bal, sfall, sfall, bal), observable: -1,
			want: counts{drift: 2, wrongBlame: 2, other: 2, firstShown: -1},
		},
		{
			name: "a reason shown on the day the truth changes is forgiven",
			run:  shown(drifting(conv), bal, bal, bal, sfall, conv, conv), observable: 3,
			want: counts{drift: 3, firstShown: 4},
		},
		{
			name: "Balanced shown the day after a drift became observable is another reason",
			run:  shown(drifting(conv), bal, bal, bal, bal, bal, conv), observable: 3,
			want: counts{drift: 1, other: 1, firstShown: 5},
		},
		{
			name: "Balanced shown while a drift cannot yet be seen is not counted",
			run:  shown(drifting(qual), bal, bal, bal, bal, bal, qual), observable: 5,
			want: counts{drift: 1, firstShown: 5},
		},
		{
			name: "another drift class shown while a drift cannot yet be seen is wrong blame",
			run:  shown(drifting(qual), bal, bal, bal, bal, sfall, qual), observable: 5,
			want: counts{drift: 2, wrongBlame: 1, other: 1, firstShown: 5},
		},
		{
			name: "the true reason shown before it can be seen does not count as shown in time",
			run:  shown(drifting(qual), bal, bal, bal, qual, bal, bal, qual), observable: 5,
			want: counts{drift: 2, other: 1, firstShown: 6},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var o outcome
			o.scoreDays(c.run, []int{c.observable})
			firstShown := -1
			if len(o.detections) > 0 {
				firstShown = o.detections[0].firstShown
			}
			got := counts{o.drift, o.wrongBlame, o.other, firstShown}
			if got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
			if o.days != len(c.run.days) {
				t.Errorf("counted %d days, want %d", o.days, len(c.run.days))
			}
		})
	}
}

func TestAsksAreCountedAtZeroAtCapacityAndOnNeed(t *testing.T) {
	a := onPlan("t", "t", quarterly(30))
	r := &run{a: &a, o: options{days: 4}, days: []decision{
		{reason: bal, alloc: []float64{0, 0}, needTrue: 77, capacity: 200},
		{reason: bal, alloc: []float64{100, 50}, needTrue: 77, demand: 150, capacity: 150},
		{reason: bal, alloc: []float64{60, 30}, needTrue: 77, demand: 90, capacity: 200},
		{reason: bal, alloc: []float64{70, 35}, needTrue: 77, demand: 105, capacity: 200},
	}}
	var o outcome
	o.scoreDays(r, nil)
	if o.zero != 1 || o.atCapacity != 1 || o.onNeed != 1 {
		t.Errorf("zero %d, at capacity %d, on need %d; want 1, 1 and 1 (an ask of 90 is within 20%% of 77, 105 is not)",
			o.zero, o.atCapacity, o.onNeed)
	}
}

func TestLeadsNeededAddEachWindowDaysNeedAtThatDaysTrueRates(t *testing.T) {
	a := offPlan("t", "t", shock{from: 100, truth: func(c *conditions) { c.win = 0.02 }})
	r := simulate(&a, options{seed: 1, noise: 0, lag: 0, days: 365}, byOracle)
	var o outcome
	o.scorePeriods(r, r)
	// Q2 2027 (91 days) closes what is made from day 60 to day 150: 40
	// days at 4%, 51 at 2%. The other quarters are all at 2%.
	q2 := 1_200_000.0 / 91 / 30_000 * (40/0.04 + 51/0.02)
	rest := 1_200_000.0 / 0.02 / 30_000 * 3
	if !near(o.needed, q2+rest) {
		t.Errorf("needed %v leads, want %v", o.needed, q2+rest)
	}
	if !near(o.bought, o.needed) {
		t.Errorf("the oracle bought %v leads, want the %v needed", o.bought, o.needed)
	}
}

func TestGoals(t *testing.T) {
	base := onPlan("t", "t", quarterly(30))
	next := onPlan("t", "t", quarterly(120))
	meets := outcome{a: &base, attainment: []float64{95.4, 104.6, 100, 99}, bought: 1040, needed: 1000, days: 365, onNeed: 365}
	cases := []struct {
		name string
		o    outcome
		want []string
	}{
		{"an on-plan team within 95-105%, within 5% of need and never drifting meets its goals", meets, nil},
		{"a period at 94.4% misses", with(meets, func(o *outcome) { o.attainment[0] = 94.4 }), []string{"1 of 4 periods outside 95–105%"}},
		{"leads bought 6% over need miss", with(meets, func(o *outcome) { o.bought = 1060 }), []string{"bought 1.06× need"}},
		{"a day of drift misses", with(meets, func(o *outcome) { o.drift = 1 }), []string{"drift shown 1 d"}},
		{
			"a team whose leads close next period misses when asked all of capacity or told capacity is short",
			with(meets, func(o *outcome) {
				o.a, o.nextPeriod, o.atCapacity, o.wrongCapacity, o.onNeed, o.drift = &next, true, 3, 2, 360, 2
			}),
			[]string{"drift shown 2 d", "asked all of capacity 3 d", "capacity wrongly short 2 d", "off need 5 d"},
		},
		{"an off-plan team that shows the truth the day it is seen, and one other day, meets its goals", offPlanOutcome(3, 3, 1), nil},
		{"an off-plan team that shows the truth a day late misses", offPlanOutcome(3, 4, 0), []string{"Conv shown 1 d late"}},
		{"an off-plan team that never shows the truth misses", offPlanOutcome(3, -1, 0), []string{"Conv never shown"}},
		{"an off-plan team shown other reasons on two days misses", offPlanOutcome(3, 3, 2), []string{"other reasons 2 d"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.o.goals(); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func with(o outcome, change func(*outcome)) outcome {
	o.attainment = append([]float64(nil), o.attainment...)
	change(&o)
	return o
}

func offPlanOutcome(observable, firstShown, other int) outcome {
	return outcome{a: drifting(conv), detections: []detection{{conv, observable, firstShown}}, other: other}
}

func TestTheQualityDropIsSeenWhenTheWeeksQualifiedShareFallsPastTheTolerance(t *testing.T) {
	a := offPlan("t", "t", shock{from: 2, observe: seenInQualityWindow})
	r := &run{a: &a, days: []decision{
		{supply: 100, qualifiedSupply: 40},
		{supply: 100, qualifiedSupply: 40},
		{supply: 100, qualifiedSupply: 37},
		{supply: 100, qualifiedSupply: 32}, // 32% is not below 40% × 0.8
		{supply: 100, qualifiedSupply: 31.9},
	}}
	if got := observableDay(r, a.shocks[0]); got != 4 {
		t.Errorf("seen on day %d, want 4", got)
	}
}

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
	"fmt"
	"math"
	"time"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/balance"
)

// Goals, from the issue.
const (
	// attainmentLow and attainmentHigh bound an on-plan period's attainment,
	// in percent.
	attainmentLow, attainmentHigh = 95.0, 105.0
	// boughtTolerance is how far leads bought may stray from leads needed.
	boughtTolerance = 0.05
	// needTolerance is how far an ask may stray from the true need and
	// still count as asking for it: the default drift tolerance.
	needTolerance = 0.20
	// graceDays follow a change of the truth in which a reason that is not
	// (or no longer) true is not counted against the model.
	graceDays = 1
)

// reasons are the drift classes in the order DESIGN.md ranks them, after
// Balanced; anything else the model shows is counted after them.
var reasons = []string{
	v1alpha1.BalancedReason,
	v1alpha1.LeadOverflowReason,
	v1alpha1.CapacityBelowQuotaNeedReason,
	v1alpha1.LeadQualityLowReason,
	v1alpha1.LeadShortfallReason,
	v1alpha1.ConversionLowReason,
	v1alpha1.AwaitingMetricsReason,
}

// outcome is an archetype's row, in numbers.
type outcome struct {
	a *archetype
	// periods are the judged periods; attainment and oracle their
	// attainment in percent by truce and by the oracle's plan.
	periods            []balance.Period
	attainment, oracle []float64
	bought, needed     float64
	// days is how many days the reason counts cover.
	days                int
	shownDays, trueDays map[string]int
	// wrongBlame counts days a drift class was shown that was not true;
	// drift days a drift class was shown at all; other days any reason
	// but the true one was shown, Balanced while the truth could not yet
	// be seen excepted. Days of grace after a change of truth are left
	// out of wrongBlame and other.
	wrongBlame, drift, other int
	// wrongCapacity counts days CapacityBelowQuotaNeed was shown and not true.
	wrongCapacity int
	// zero and atCapacity count days outreach was asked for nothing and
	// for all of capacity; onNeed days the ask was within needTolerance of
	// the true need.
	zero, atCapacity, onNeed int
	// observable is the day the off-plan truth could first be seen, -1
	// for none; firstShown the first day from then the true reason was
	// shown, -1 for never.
	observable, firstShown int
	// nextPeriod is true when the team's leads all close in a later
	// period: its cycle is at least as long as its shortest period.
	nextPeriod bool
}

// score judges a truce run against the oracle's run of the same archetype.
func score(r, oracle *run) outcome {
	o := outcome{
		a: r.a, periods: r.judged,
		nextPeriod: r.a.cycle() >= shortestPeriod(r.a.team.cadence),
	}
	o.scorePeriods(r, oracle)
	o.scoreDays(r, observableDay(r))
	return o
}

// scorePeriods fills in attainment, the oracle's attainment, and leads
// bought and needed over the judged periods' lead windows.
func (o *outcome) scorePeriods(r, oracle *run) {
	w, cycle := r.w, r.a.cycle()
	for _, p := range r.judged {
		o.attainment = append(o.attainment, attainment(w, p))
		o.oracle = append(o.oracle, attainment(oracle.w, p))
		from, to := w.dayOf(p.Start)-cycle, w.dayOf(p.End)-cycle
		for d := from; d < to; d++ {
			o.needed += w.needPerDay(d)
		}
		for k := range r.a.team.campaigns {
			o.bought += w.sum(w.raw[k], from, to)
		}
	}
}

// scoreDays counts what truce showed on each of the first r.o.days days
// against the truth, the off-plan truth being visible from observable.
func (o *outcome) scoreDays(r *run, observable int) {
	o.days = min(r.o.days, len(r.days))
	o.shownDays, o.trueDays = map[string]int{}, map[string]int{}
	o.observable, o.firstShown = observable, -1
	for d := range o.days {
		dec, truth := r.days[d], r.a.truthOn(d)
		o.shownDays[dec.reason]++
		o.trueDays[truth]++
		grace := d > 0 && d-lastChange(r.a, d) < graceDays
		unseen := truth != v1alpha1.BalancedReason && (observable < 0 || d < observable)
		drift := dec.reason != v1alpha1.BalancedReason
		if drift {
			o.drift++
		}
		if drift && dec.reason != truth && !grace {
			o.wrongBlame++
			if dec.reason == v1alpha1.CapacityBelowQuotaNeedReason {
				o.wrongCapacity++
			}
		}
		if dec.reason != truth && !grace && !(unseen && !drift) {
			o.other++
		}
		asked := dec.allocated()
		if asked == 0 {
			o.zero++
		}
		if dec.capacity > 0 && dec.demand >= dec.capacity*(1-1e-9) {
			o.atCapacity++
		}
		if math.Abs(asked-dec.needTrue) <= needTolerance*dec.needTrue {
			o.onNeed++
		}
		if observable >= 0 && o.firstShown < 0 && d >= observable && dec.reason == r.a.truthOn(observable) {
			o.firstShown = d
		}
	}
}

// attainment is what closed in p as a percentage of its quota.
func attainment(w *world, p balance.Period) float64 {
	return 100 * w.sum(w.wonRevenue, w.dayOf(p.Start), w.dayOf(p.End)) / w.a.team.quota
}

// lastChange is the latest day, at or before d, on which the truth changed;
// 0 when it never did.
func lastChange(a *archetype, d int) int {
	for ; d > 0; d-- {
		if a.truthOn(d) != a.truthOn(d-1) {
			return d
		}
	}
	return 0
}

// shortestPeriod is the shortest period of a cadence, in days.
func shortestPeriod(c v1alpha1.Cadence) int {
	switch c {
	case v1alpha1.Weekly:
		return 7
	case v1alpha1.Monthly:
		return 28
	}
	return 90
}

// observableDay is the first day the off-plan shock could be seen in what
// truce reads; -1 for an on-plan archetype.
func observableDay(r *run) int {
	if !r.a.offPlan || len(r.a.shocks) == 0 {
		return -1
	}
	s := r.a.shocks[0]
	switch s.observe {
	case seenSameDay:
		return s.from
	case seenAfterCycle:
		return s.from + r.a.cycle() + 1
	case seenInQualityWindow:
		spec := r.a.spec(s.from)
		// In percent, as DESIGN.md states the rule: q < plan × (1−t).
		floor := float64(*spec.Plan.QualifiedPercent) * (1 - balance.Tolerance(spec.Drift))
		for d := s.from; d < len(r.days); d++ {
			if dec := r.days[d]; dec.supply > 0 && 100*dec.qualifiedSupply/dec.supply < floor {
				return d
			}
		}
		return -1
	}
	return s.from + 1
}

// goals lists the goals the outcome misses; none when it meets them all.
func (o outcome) goals() []string {
	var miss []string
	if !o.a.offPlan {
		if out := outside(o.attainment); out != "" {
			miss = append(miss, out)
		}
		if o.needed > 0 && math.Abs(o.bought/o.needed-1) > boughtTolerance {
			miss = append(miss, fmt.Sprintf("bought %.2f× need", o.bought/o.needed))
		}
		if o.drift > 0 {
			miss = append(miss, fmt.Sprintf("drift shown %d d", o.drift))
		}
		if o.nextPeriod {
			if o.atCapacity > 0 {
				miss = append(miss, fmt.Sprintf("asked all of capacity %d d", o.atCapacity))
			}
			if o.wrongCapacity > 0 {
				miss = append(miss, fmt.Sprintf("capacity wrongly short %d d", o.wrongCapacity))
			}
			if o.onNeed < o.days {
				miss = append(miss, fmt.Sprintf("off need %d d", o.days-o.onNeed))
			}
		}
		return miss
	}
	if o.observable >= 0 {
		truth := short(o.a.truthOn(o.observable))
		switch {
		case truth == short(v1alpha1.BalancedReason):
		case o.firstShown < 0:
			miss = append(miss, truth+" never shown")
		case o.firstShown > o.observable:
			miss = append(miss, fmt.Sprintf("%s shown %d d late", truth, o.firstShown-o.observable))
		}
	}
	if o.other > 1 {
		miss = append(miss, fmt.Sprintf("other reasons %d d", o.other))
	}
	return miss
}

// outside says which judged periods are outside the on-plan band, or ""
// when none is.
func outside(att []float64) string {
	n := 0
	for _, a := range att {
		if math.Round(a) < attainmentLow || math.Round(a) > attainmentHigh {
			n++
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d periods outside %.0f–%.0f%%", n, len(att), attainmentLow, attainmentHigh)
}

// label names a judged period: Q2, Mar, or the week's Monday; with the
// year when it is not the first period's.
func label(p balance.Period, c v1alpha1.Cadence, year int) string {
	var s string
	switch c {
	case v1alpha1.Weekly:
		s = p.Start.Format("Jan 2")
	case v1alpha1.Monthly:
		s = p.Start.Format("Jan")
	default:
		s = fmt.Sprintf("Q%d", (int(p.Start.Month())-1)/3+1)
	}
	if p.Start.Year() != year {
		s += p.Start.Format("'06")
	}
	return s
}

// periodYear is the year of the first judged period, which labels omit.
func periodYear(ps []balance.Period) int {
	if len(ps) == 0 {
		return 0
	}
	return ps[0].Start.In(time.UTC).Year()
}

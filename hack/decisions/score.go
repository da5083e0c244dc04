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
	"slices"
	"strings"
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
	v1alpha1.LeadsUnworkedReason,
	v1alpha1.AwaitingMetricsReason,
}

// rank is a reason's place in reasons; reasons it does not know come last.
func rank(reason string) int {
	if i := slices.Index(reasons, reason); i >= 0 {
		return i
	}
	return len(reasons)
}

// classesText joins classes with "+", or says Balanced when there are none.
func classesText(classes []string) string {
	if len(classes) == 0 {
		return v1alpha1.BalancedReason
	}
	return strings.Join(classes, "+")
}

// driftClasses are the classes a decision shows, without Balanced: none
// when it shows Balanced.
func (d decision) driftClasses() []string {
	shown := d.classes
	if len(shown) == 0 {
		shown = []string{d.reason}
	}
	if len(shown) == 1 && shown[0] == v1alpha1.BalancedReason {
		return nil
	}
	return shown
}

// detection is when one shock's class became observable and when truce
// first showed it from then; -1 for never.
type detection struct {
	reason                 string
	observable, firstShown int
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
	// wrongBlame counts days a class was shown that was not true (a day
	// showing a true class and a false one counts); drift days a class was
	// shown at all; other days the classes shown were not the true ones:
	// a class shown that is not true, or a true class not shown once it
	// could be seen. Days of grace after a change of truth are left out of
	// wrongBlame and other.
	wrongBlame, drift, other int
	// unjudged counts days a class judged on a sample (LeadQualityLow,
	// ConversionLow, LeadsUnworked) was shown while its sample was not
	// judged: a verdict from a sample below its minimum. No grace.
	unjudged int
	// wrongCapacity counts days CapacityBelowQuotaNeed was shown and not true.
	wrongCapacity int
	// zero and atCapacity count days outreach was asked for nothing and
	// for all of capacity; onNeed days the ask was within needTolerance of
	// the true need.
	zero, atCapacity, onNeed int
	// detections are, for each shock that makes a class true, when it
	// could first be seen and when truce first showed it from then.
	detections []detection
	// windfall is the attainment of the windfall's period, in percent;
	// -1 when there is none or it is not judged.
	windfall float64
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
	o.scoreDays(r, observableDays(r))
	return o
}

// scorePeriods fills in attainment, the oracle's attainment, and leads
// bought and needed over the judged periods' lead windows.
func (o *outcome) scorePeriods(r, oracle *run) {
	w, cycle := r.w, r.a.cycle()
	o.windfall = -1
	for _, p := range r.judged {
		o.attainment = append(o.attainment, attainment(w, p))
		if wf := r.a.windfall; wf != nil && p.Start.Equal(wf.period) {
			o.windfall = o.attainment[len(o.attainment)-1]
		}
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
// against the truth; observable[i] is the day the class of r.a.shocks[i]
// could first be seen, -1 for never (or for a shock that makes no class
// true).
func (o *outcome) scoreDays(r *run, observable []int) {
	o.days = min(r.o.days, len(r.days))
	o.shownDays, o.trueDays = map[string]int{}, map[string]int{}
	o.detections = nil
	seenFrom := map[string]int{} // the first day each true class can be seen
	for i, s := range r.a.shocks {
		if s.reason == "" || i >= len(observable) {
			continue
		}
		o.detections = append(o.detections, detection{reason: s.reason, observable: observable[i], firstShown: -1})
		at, ok := seenFrom[s.reason]
		if !ok || (observable[i] >= 0 && (at < 0 || observable[i] < at)) {
			seenFrom[s.reason] = observable[i]
		}
	}
	for d := range o.days {
		dec, truth := r.days[d], r.a.truthOn(d)
		shown := dec.driftClasses()
		for _, c := range orBalanced(shown) {
			o.shownDays[c]++
		}
		for _, c := range orBalanced(truth) {
			o.trueDays[c]++
		}
		grace := d > 0 && d-lastChange(r.a, d) < graceDays
		var wrong, missed bool
		for _, c := range shown {
			if !slices.Contains(truth, c) {
				wrong = true
				if c == v1alpha1.CapacityBelowQuotaNeedReason && !grace {
					o.wrongCapacity++
				}
			}
		}
		for _, c := range truth {
			if at, ok := seenFrom[c]; ok && at >= 0 && d >= at && !slices.Contains(shown, c) {
				missed = true
			}
		}
		if len(shown) > 0 {
			o.drift++
		}
		if wrong && !grace {
			o.wrongBlame++
		}
		if (wrong || missed) && !grace {
			o.other++
		}
		if len(dec.unjudged) > 0 {
			o.unjudged++
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
		for i := range o.detections {
			det := &o.detections[i]
			if det.observable >= 0 && det.firstShown < 0 && d >= det.observable && slices.Contains(shown, det.reason) {
				det.firstShown = d
			}
		}
	}
}

// orBalanced is classes, or Balanced alone when there are none.
func orBalanced(classes []string) []string {
	if len(classes) == 0 {
		return []string{v1alpha1.BalancedReason}
	}
	return classes
}

// attainment is what closed in p as a percentage of its quota.
func attainment(w *world, p balance.Period) float64 {
	return 100 * w.sum(w.wonRevenue, w.dayOf(p.Start), w.dayOf(p.End)) / w.a.team.quota
}

// lastChange is the latest day, at or before d, on which the truth changed;
// 0 when it never did.
func lastChange(a *archetype, d int) int {
	for ; d > 0; d-- {
		if !slices.Equal(a.truthOn(d), a.truthOn(d-1)) {
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

// observableDays are, for each of r's shocks, the first day its class could
// be seen in what truce reads; -1 for a shock that makes no class true, or
// one never seen.
func observableDays(r *run) []int {
	out := make([]int, len(r.a.shocks))
	for i, s := range r.a.shocks {
		out[i] = -1
		if s.reason != "" {
			out[i] = observableDay(r, s)
		}
	}
	return out
}

// observableDay is the first day shock s could be seen in what truce
// reads; -1 for never.
func observableDay(r *run, s shock) int {
	spec := r.a.spec(s.from)
	t := balance.Tolerance(spec.Drift)
	// first is the first day from the shock on which seen holds.
	first := func(seen func(decision) bool) int {
		for d := s.from; d < len(r.days); d++ {
			if seen(r.days[d]) {
				return d
			}
		}
		return -1
	}
	switch s.observe {
	case seenSameDay:
		return s.from
	case seenAfterCycle:
		return s.from + r.a.cycle() + 1
	case seenInQualityWindow:
		// In percent, as DESIGN.md states the rule: q < plan × (1−t).
		floor := float64(*spec.Plan.QualifiedPercent) * (1 - t)
		return first(func(dec decision) bool { return dec.supply > 0 && 100*dec.qualifiedSupply/dec.supply < floor })
	case seenInSupplyWindow:
		return first(func(dec decision) bool {
			return dec.supply < dec.demand*(1-t) && dec.producing < dec.demand*(1-t)
		})
	case seenInFollowUp:
		if spec.SLA == nil {
			return -1
		}
		tolerance := 10.0
		if spec.SLA.TolerancePercent != nil {
			tolerance = float64(*spec.SLA.TolerancePercent)
		}
		return first(func(dec decision) bool { return dec.accepted > 0 && 100*dec.pastSLA/dec.accepted > tolerance })
	}
	return s.from + 1
}

// goals lists the goals the outcome misses; none when it meets them all.
func (o outcome) goals() []string {
	if o.a.blame {
		return o.blameGoals()
	}
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
	for _, det := range o.detections {
		miss = append(miss, det.late()...)
	}
	if o.other > 1 {
		miss = append(miss, fmt.Sprintf("other reasons %d d", o.other))
	}
	return miss
}

// late says how late a true class was shown once it could be seen, if it
// was; nothing when it was shown on time or could never be seen.
func (det detection) late() []string {
	switch {
	case det.observable < 0:
		return nil
	case det.firstShown < 0:
		return []string{short(det.reason) + " never shown"}
	case det.firstShown > det.observable:
		return []string{fmt.Sprintf("%s shown %d d late", short(det.reason), det.firstShown-det.observable)}
	}
	return nil
}

// blameGoals are the goals of "blame that holds up" an outcome misses: no
// day of a class that is not true, every true class shown on the day it
// becomes observable (the stabilization window fits in the day), no class
// shown from a sample too small to judge, and a windfall's period still
// within 95–105% of quota.
func (o outcome) blameGoals() []string {
	var miss []string
	if o.wrongBlame > 0 {
		miss = append(miss, fmt.Sprintf("wrong class %d d", o.wrongBlame))
	}
	for _, det := range o.detections {
		miss = append(miss, det.late()...)
	}
	if o.unjudged > 0 {
		miss = append(miss, fmt.Sprintf("unjudged %d d", o.unjudged))
	}
	if r := math.Round(o.windfall); o.windfall >= 0 && (r < attainmentLow || r > attainmentHigh) {
		miss = append(miss, fmt.Sprintf("windfall's period at %.0f%%", o.windfall))
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

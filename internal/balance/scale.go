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

package balance

import (
	"fmt"
	"math"
	"time"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// Scaling defaults, as the API documents them.
const (
	DefaultScaleTolerancePercent        = 10
	DefaultScaleDownStabilization       = 300 * time.Second
	DefaultScaleUpPercent               = 100
	DefaultScaleUpWorkers               = 4
	DefaultScaleUpPeriod                = 60 * time.Second
	maxParallelism                int32 = 10000
)

// Recommendation is a raw desired parallelism at a time, kept for the
// scale-down stabilization window.
type Recommendation struct {
	Time        time.Time
	Parallelism int32
}

// Change is a scale change made at a time, kept for the scale-up rate limit.
type Change struct {
	Time  time.Time
	Delta int32
}

// ScaleInput is everything a scaling decision needs.
type ScaleInput struct {
	Now time.Time
	// Current is the parallelism the outreach runs at.
	Current int32
	// Allocated is the campaign's share of demand, leads per week.
	Allocated float64
	// Yield is leads per week per worker.
	Yield    float64
	Min, Max int32
	// Suspended holds the outreach at zero.
	Suspended bool
	Behavior  *v1alpha1.ScalingBehavior
	// History holds earlier recommendations; Changes earlier scale changes.
	History []Recommendation
	Changes []Change
	// MetricsFailing is true when this round's read of the campaign's leads
	// failed, Failures the consecutive failed reads so far.
	MetricsFailing bool
	Failures       int32
	Fallback       *v1alpha1.Fallback
	// Unlimited skips the scale-up rate limit: for a recommendation that no
	// workload follows, the limit would only hide where scaling is headed.
	Unlimited bool
}

// ScaleDecision is the parallelism to run at and why.
type ScaleDecision struct {
	Desired int32
	// History and Changes are the inputs' lists for the next decision:
	// pruned to their windows, with this decision added.
	History []Recommendation
	Changes []Change
	Reason  string
	// Raw is the recommendation before stabilization and rate limits; nil
	// when none was made (suspended, metrics failing, no yield).
	Raw *int32
}

// DesiredParallelism decides a campaign's parallelism the way the HPA
// decides replicas: ceil(allocated / yield) clamped to [min, max], unchanged
// within a tolerance band, scaled down to the highest recommendation of the
// stabilization window, scaled up no faster than the rate limit. A failed
// read never scales down: it holds, or after the fallback's threshold rises
// to the fallback's parallelism.
func DesiredParallelism(in ScaleInput) ScaleDecision {
	b := behavior(in.Behavior)
	lo, hi := clampRange(in.Min, in.Max)
	d := ScaleDecision{History: prune(in.History, in.Now.Add(-b.downWindow)), Changes: pruneChanges(in.Changes, in.Now.Add(-b.upPeriod))}
	current := max(in.Current, 0)

	switch {
	case in.Suspended:
		d.Desired, d.Reason = 0, "suspended"
	case in.MetricsFailing:
		d.Desired, d.Reason = current, "metrics unavailable: holding the current parallelism"
		if f := in.Fallback; f != nil && f.Parallelism != nil && in.Failures >= f.FailureThreshold && min(*f.Parallelism, hi) > current {
			d.Desired = min(*f.Parallelism, hi)
			d.Reason = fmt.Sprintf("metrics unavailable for %d reads: running the fallback parallelism", in.Failures)
		}
	case in.Yield <= 0 || math.IsNaN(in.Yield) || math.IsInf(in.Yield, 0):
		d.Desired, d.Reason = current, "no yield per worker known: holding the current parallelism"
	default:
		d = decide(in, b, lo, hi, current, d)
	}
	if d.Desired != current {
		d.Changes = append(d.Changes, Change{Time: in.Now, Delta: d.Desired - current})
	}
	return d
}

func decide(in ScaleInput, b scaleBehavior, lo, hi, current int32, d ScaleDecision) ScaleDecision {
	need := nonNegative(in.Allocated) / in.Yield
	raw := clamp(ceilWorkers(need), lo, hi)
	// Like the HPA, the band is on the ratio of what is needed to what runs,
	// before rounding: 4.02 workers' worth of leads keeps 4 running.
	if current > 0 && raw != current && current >= lo && current <= hi && math.Abs(need/float64(current)-1) <= b.tolerance+1e-9 {
		raw = current
	}
	d.History = append(d.History, Recommendation{Time: in.Now, Parallelism: raw})
	d.Raw = &raw
	stabilized := raw
	for _, r := range d.History {
		stabilized = max(stabilized, r.Parallelism)
	}
	switch {
	case current < lo:
		d.Desired, d.Reason = lo, "below minParallelism"
	case current > hi:
		d.Desired, d.Reason = hi, "above maxParallelism"
	case stabilized < current:
		d.Desired, d.Reason = stabilized, fmt.Sprintf("allocation needs %d workers (highest recommendation in the stabilization window)", stabilized)
	case raw < current:
		d.Desired, d.Reason = current, fmt.Sprintf("allocation needs %d workers; scale-down waits out the stabilization window", raw)
	case raw > current:
		// Growth is measured from the parallelism at the start of the period.
		base := current
		for _, c := range d.Changes {
			if c.Delta > 0 {
				base -= c.Delta
			}
		}
		base = max(base, 0)
		limit := max(base+int32(math.Ceil(float64(base)*b.upPercent)), base+b.upWorkers)
		if in.Unlimited {
			limit = raw
		}
		// The limit only slows growth: it never takes back workers.
		d.Desired = max(current, min(raw, limit))
		d.Reason = fmt.Sprintf("allocation needs %d workers", raw)
		if d.Desired < raw {
			d.Reason += fmt.Sprintf("; scale-up limited to %d this period", limit)
		}
	default:
		d.Desired, d.Reason = current, "within tolerance"
	}
	return d
}

// Yield is leads per week per worker: observed (see ObservedYield) once
// enough worker-time is behind the window's leads, the last observed one
// while it cannot be told, the plan's before anything was observed.
func Yield(leads *float64, averageWorkers float64, previous *float64, plan float64) (float64, Basis) {
	if leads != nil {
		if y, ok := ObservedYield(*leads, averageWorkers); ok {
			return y, ObservedBasis
		}
	}
	if previous != nil && *previous > 0 && !math.IsInf(*previous, 0) && !math.IsNaN(*previous) {
		return *previous, ObservedBasis
	}
	return nonNegative(finite(plan)), PlanBasis
}

type scaleBehavior struct {
	tolerance, upPercent float64
	upWorkers            int32
	downWindow, upPeriod time.Duration
}

func behavior(b *v1alpha1.ScalingBehavior) scaleBehavior {
	out := scaleBehavior{
		tolerance:  DefaultScaleTolerancePercent / 100.0,
		upPercent:  DefaultScaleUpPercent / 100.0,
		upWorkers:  DefaultScaleUpWorkers,
		downWindow: DefaultScaleDownStabilization,
		upPeriod:   DefaultScaleUpPeriod,
	}
	if b == nil {
		return out
	}
	if b.TolerancePercent != nil {
		out.tolerance = float64(*b.TolerancePercent) / 100
	}
	if b.ScaleUpPercent != nil {
		out.upPercent = float64(*b.ScaleUpPercent) / 100
	}
	if b.ScaleUpWorkers != nil {
		out.upWorkers = max(*b.ScaleUpWorkers, 1)
	}
	if b.ScaleDownStabilizationSeconds != nil {
		out.downWindow = time.Duration(*b.ScaleDownStabilizationSeconds) * time.Second
	}
	if b.ScaleUpPeriodSeconds != nil {
		out.upPeriod = time.Duration(*b.ScaleUpPeriodSeconds) * time.Second
	}
	return out
}

func clampRange(lo, hi int32) (int32, int32) {
	lo = clamp(lo, 0, maxParallelism)
	hi = clamp(hi, 0, maxParallelism)
	return min(lo, hi), hi
}

func clamp(v, lo, hi int32) int32 { return max(lo, min(v, hi)) }

// ceilWorkers rounds workers up, saturating instead of overflowing.
func ceilWorkers(v float64) int32 {
	if math.IsNaN(v) || v <= 0 {
		return 0
	}
	if v >= float64(maxParallelism) {
		return maxParallelism
	}
	// Forgive float noise: 10.000000001 workers are 10.
	return int32(math.Ceil(v - 1e-9))
}

func prune(h []Recommendation, since time.Time) []Recommendation {
	out := make([]Recommendation, 0, len(h)+1)
	for _, r := range h {
		if r.Time.After(since) {
			out = append(out, r)
		}
	}
	return out
}

func pruneChanges(c []Change, since time.Time) []Change {
	out := make([]Change, 0, len(c)+1)
	for _, x := range c {
		if x.Time.After(since) {
			out = append(out, x)
		}
	}
	return out
}

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
	"math"
	"time"

	"k8s.io/utils/ptr"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// Capacity is the accepted leads per week sales can work at now: fully
// productive reps plus ramping reps at their share of productivity that
// day, times leads per rep. loc is the period's time zone, in which ramp
// dates are read; nil is UTC.
func Capacity(c v1alpha1.CapacitySpec, now time.Time, loc *time.Location) float64 {
	return EffectiveReps(c, now, loc) * c.LeadsPerRepPerWeek.AsApproximateFloat64()
}

// EffectiveReps counts ramping reps at their share of productivity at now.
func EffectiveReps(c v1alpha1.CapacitySpec, now time.Time, loc *time.Location) float64 {
	reps := float64(c.Reps)
	for _, r := range c.Ramping {
		reps += float64(r.Count) * Productivity(r, now, loc)
	}
	return reps
}

// Productivity is a ramping group's share of a full rep's productivity at
// now, 0 to 1. A fixed group counts at productivityPercent from startDate
// (or always, without one); a group with rampDays rises linearly from
// productivityPercent on startDate to 1 rampDays later, and counts nothing
// before startDate.
func Productivity(r v1alpha1.RampingReps, now time.Time, loc *time.Location) float64 {
	p := float64(ptr.Deref(r.ProductivityPercent, 0)) / 100
	if r.StartDate == "" {
		return clamp01(p)
	}
	start, err := ParseDate(r.StartDate, loc)
	if err != nil {
		// The API validates the format; a date it let through that Go cannot
		// read (it should not happen) counts as the fixed share.
		return clamp01(p)
	}
	if now.Before(start) {
		return 0
	}
	if r.RampDays == nil || *r.RampDays <= 0 {
		return clamp01(p)
	}
	ramp := time.Duration(*r.RampDays) * 24 * time.Hour
	done := float64(now.Sub(start)) / float64(ramp)
	return clamp01(p + (1-p)*math.Min(1, done))
}

// ParseDate reads a YYYY-MM-DD date as midnight in loc (nil is UTC).
func ParseDate(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	return time.ParseInLocation(time.DateOnly, s, loc)
}

func clamp01(v float64) float64 { return math.Min(1, math.Max(0, v)) }

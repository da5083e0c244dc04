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
	"slices"
	"time"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// MaxRemembered bounds each list of a ScaleMemory, as status does.
const MaxRemembered = 16

// ScaleMemory is what DesiredParallelism's stabilization window and rate
// limit remember between decisions, in a form that changes only when a
// decision does: the HPA appends a recommendation at every poll, which
// kept in status would be a write per poll. Here the current
// recommendation keeps the time it was first made and is taken to be made
// until another replaces it; earlier ones are kept only while they can
// still hold a scale-down back, so the stabilized parallelism is the same
// as over the full list, or higher by at most one poll's worth of window.
type ScaleMemory struct {
	// Current is the latest raw recommendation and when it was first made;
	// nil before the first.
	Current *Recommendation
	// Earlier are earlier recommendations, oldest first, each at the last
	// time it was made and higher than every later one.
	Earlier []Recommendation
	// Changes are the scale-ups made, oldest first: the rate limit counts
	// only workers added.
	Changes []Change
}

// Recommendations are the memory as DesiredParallelism reads its History:
// the current recommendation as made at now.
func (m ScaleMemory) Recommendations(now time.Time) []Recommendation {
	out := slices.Clone(m.Earlier)
	if m.Current != nil {
		out = append(out, Recommendation{Time: now, Parallelism: m.Current.Parallelism})
	}
	return out
}

// Remember is the memory after a decision at now that recommended raw (nil
// for none) and changed the parallelism by delta. It is m itself when the
// recommendation is the current one and no worker was added, so a steady
// campaign's status is not rewritten.
//
// A decision that made no recommendation (suspended, metrics failing, no
// yield) ends the current one: it is kept as earlier, made now, and ages
// out of the window as the HPA's last recommendation would.
func (m ScaleMemory) Remember(raw *int32, delta int32, now time.Time, b *v1alpha1.ScalingBehavior) ScaleMemory {
	beh := behavior(b)
	out := m
	if (raw == nil && m.Current != nil) || (raw != nil && (m.Current == nil || m.Current.Parallelism != *raw)) {
		earlier := prune(m.Earlier, now.Add(-beh.downWindow))
		if m.Current != nil {
			earlier = append(earlier, Recommendation{Time: now, Parallelism: m.Current.Parallelism})
		}
		floor := int32(-1)
		out.Current = nil
		if raw != nil {
			floor = *raw
			out.Current = &Recommendation{Time: now, Parallelism: *raw}
		}
		out.Earlier = capRecommendations(dominant(earlier, floor))
	}
	if delta > 0 {
		out.Changes = append(pruneChanges(m.Changes, now.Add(-beh.upPeriod)), Change{Time: now, Delta: delta})
	}
	// Status is the memory, and anyone who may write it may write more
	// than its bounds allow truce to write back: every list is capped.
	out.Earlier, out.Changes = capRecommendations(slices.Clone(out.Earlier)), capChanges(slices.Clone(out.Changes))
	return out
}

// ScaleUps are the scale-ups among changes, capped as a ScaleMemory keeps
// them: the rate limit counts only workers added.
func ScaleUps(changes []Change) []Change {
	var out []Change
	for _, c := range changes {
		if c.Delta > 0 {
			out = append(out, Change{Time: c.Time, Delta: min(c.Delta, maxParallelism)})
		}
	}
	return capChanges(out)
}

// dominant keeps the recommendations higher than every later one and than
// raw: one that is not can never be the highest of a window again, as a
// later, higher one outlasts it.
func dominant(rs []Recommendation, raw int32) []Recommendation {
	var out []Recommendation
	floor := raw
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].Parallelism > floor {
			out = append(out, rs[i])
			floor = rs[i].Parallelism
		}
	}
	slices.Reverse(out)
	return out
}

// capRecommendations merges the oldest two until at most MaxRemembered
// remain: the higher value with the later time, which only holds a
// scale-down back longer, never shorter.
func capRecommendations(rs []Recommendation) []Recommendation {
	for len(rs) > MaxRemembered {
		rs[1].Parallelism = max(rs[0].Parallelism, rs[1].Parallelism)
		rs = rs[1:]
	}
	return rs
}

// capChanges merges the oldest two until at most MaxRemembered remain: their
// sum at the later time, so the rate limit counts every worker added, for
// longer rather than shorter.
func capChanges(cs []Change) []Change {
	for len(cs) > MaxRemembered {
		cs[1].Delta += cs[0].Delta
		cs = cs[1:]
	}
	return cs
}

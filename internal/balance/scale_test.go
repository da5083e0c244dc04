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
	"testing"
	"time"

	"k8s.io/utils/ptr"

	"github.com/truce-dev/truce/api/v1alpha1"
)

func TestDesiredParallelism(t *testing.T) {
	now := time.Date(2026, 5, 20, 10, 0, 0, 0, time.UTC)
	ago := func(s int) time.Time { return now.Add(-time.Duration(s) * time.Second) }
	base := func() ScaleInput {
		return ScaleInput{Now: now, Current: 8, Allocated: 150, Yield: 15, Min: 0, Max: 20}
	}
	cases := []struct {
		name   string
		change func(*ScaleInput)
		want   int32
	}{
		{"scales up to allocation over yield", func(in *ScaleInput) {}, 10},
		{"rounds workers up", func(in *ScaleInput) { in.Allocated = 151 }, 11},
		{"holds inside the tolerance band", func(in *ScaleInput) { in.Current = 10; in.Allocated = 165 }, 10},
		{"moves just outside the tolerance band", func(in *ScaleInput) { in.Current = 10; in.Allocated = 166 }, 12},
		{"never goes past maxParallelism", func(in *ScaleInput) { in.Current = 12; in.Allocated = 10000 }, 20},
		{"never goes below minParallelism", func(in *ScaleInput) { in.Min, in.Current, in.Allocated = 2, 0, 0 }, 2},
		{"scale-up is limited to double per period", func(in *ScaleInput) { in.Current = 6; in.Allocated = 1000 }, 12},
		{"scale-up of a small campaign is limited to four workers per period", func(in *ScaleInput) { in.Current = 1; in.Allocated = 1000 }, 5},
		{"a recommendation nobody follows is not rate-limited", func(in *ScaleInput) { in.Current = 1; in.Allocated = 1000; in.Unlimited = true }, 20},
		{"a second step within the period waits", func(in *ScaleInput) {
			in.Current, in.Allocated, in.Changes = 5, 1000, []Change{{ago(30), 4}}
		}, 5},
		{"the scale-up limit never takes back workers", func(in *ScaleInput) {
			in.Current, in.Allocated, in.Changes = 5, 1000, []Change{{ago(30), 4}, {ago(20), 3}}
		}, 5},
		{"the next period may step again", func(in *ScaleInput) {
			in.Current, in.Allocated, in.Changes = 5, 1000, []Change{{ago(61), 4}}
		}, 10},
		{"scale-down waits for the highest recommendation of the window", func(in *ScaleInput) {
			in.Current, in.Allocated, in.History = 12, 75, []Recommendation{{ago(100), 12}}
		}, 12},
		{"scale-down goes to the highest recommendation still in the window", func(in *ScaleInput) {
			in.Current, in.Allocated, in.History = 12, 75, []Recommendation{{ago(400), 12}, {ago(100), 8}}
		}, 8},
		{"scale-down goes to the allocation once the window has passed", func(in *ScaleInput) {
			in.Current, in.Allocated, in.History = 12, 75, []Recommendation{{ago(301), 12}}
		}, 5},
		{"suspension holds at zero", func(in *ScaleInput) { in.Suspended = true; in.Min = 3 }, 0},
		{"a failed read holds even when the allocation is zero", func(in *ScaleInput) {
			in.MetricsFailing, in.Failures, in.Allocated = true, 10, 0
		}, 8},
		{"a failed read below the fallback threshold holds", func(in *ScaleInput) {
			in.Current, in.MetricsFailing, in.Failures = 1, true, 2
			in.Fallback = &v1alpha1.Fallback{FailureThreshold: 3, Parallelism: ptr.To[int32](4)}
		}, 1},
		{"failed reads at the threshold run the fallback", func(in *ScaleInput) {
			in.Current, in.MetricsFailing, in.Failures = 1, true, 3
			in.Fallback = &v1alpha1.Fallback{FailureThreshold: 3, Parallelism: ptr.To[int32](4)}
		}, 4},
		{"a fallback below the current parallelism does not scale down", func(in *ScaleInput) {
			in.MetricsFailing, in.Failures = true, 5
			in.Fallback = &v1alpha1.Fallback{FailureThreshold: 3, Parallelism: ptr.To[int32](2)}
		}, 8},
		{"an unknown yield holds", func(in *ScaleInput) { in.Yield = 0 }, 8},
		{"custom behavior: no tolerance, one worker per period", func(in *ScaleInput) {
			in.Behavior = &v1alpha1.ScalingBehavior{TolerancePercent: ptr.To[int32](0), ScaleUpPercent: ptr.To[int32](1), ScaleUpWorkers: ptr.To[int32](1)}
		}, 9},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := base()
			c.change(&in)
			d := DesiredParallelism(in)
			if d.Desired != c.want {
				t.Fatalf("got %d (%s), want %d", d.Desired, d.Reason, c.want)
			}
			if d.Reason == "" {
				t.Error("no reason given")
			}
			if d.Desired != max(in.Current, 0) && (len(d.Changes) == 0 || d.Changes[len(d.Changes)-1].Delta != d.Desired-in.Current) {
				t.Errorf("the change is not recorded: %+v", d.Changes)
			}
		})
	}
}

func TestStabilizationAcrossDecisions(t *testing.T) {
	// Allocation drops for a moment and comes back: the HPA-like window
	// rides it out instead of flapping.
	now := time.Date(2026, 5, 20, 10, 0, 0, 0, time.UTC)
	in := ScaleInput{Now: now, Current: 10, Allocated: 150, Yield: 15, Max: 20}
	var history []Recommendation
	for i, alloc := range []float64{150, 45, 45, 150, 45} {
		in.Now, in.Allocated, in.History = now.Add(time.Duration(i)*30*time.Second), alloc, history
		d := DesiredParallelism(in)
		if d.Desired != 10 {
			t.Fatalf("step %d: scaled to %d (%s)", i, d.Desired, d.Reason)
		}
		history = d.History
	}
	in.Now, in.History = now.Add(10*time.Minute), history
	if d := DesiredParallelism(in); d.Desired != 3 {
		t.Fatalf("after the window: got %d (%s), want 3", d.Desired, d.Reason)
	}
}

func TestYield(t *testing.T) {
	for _, c := range []struct {
		name     string
		leads    *float64
		workers  float64
		previous *float64
		want     float64
		basis    Basis
	}{
		{"the plan before any worker has run", ptr.To(0.0), 0, nil, 15, PlanBasis},
		{"the plan while leads are unknown", nil, 5, nil, 15, PlanBasis},
		{"observed leads per average worker", ptr.To(120.0), 10, nil, 12, ObservedBasis},
		{"a window half worked by 4 workers averages 2", ptr.To(100.0), 2, nil, 50, ObservedBasis},
		{"the newest observation replaces the previous one", ptr.To(120.0), 10, ptr.To(16.0), 12, ObservedBasis},
		{"the previous yield while leads are unknown", nil, 10, ptr.To(16.0), 16, ObservedBasis},
		{"workers that produced nothing yet are no evidence", ptr.To(0.0), 4, nil, 15, PlanBasis},
		{"a broken reading is ignored", ptr.To(math.NaN()), 4, nil, 15, PlanBasis},
		{"a week of leads is never divided by a minute of work", ptr.To(300.0), 2.0 / (7 * 24 * 60), nil, 15, PlanBasis},
		{"less than a day of one worker in the week is too little to tell", ptr.To(10.0), 23.0 / 168, nil, 15, PlanBasis},
		{"a day of one worker in the week is enough to tell", ptr.To(10.0), 1.0 / 7, nil, 70, ObservedBasis},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, basis := Yield(c.leads, c.workers, c.previous, 15)
			if math.Abs(got-c.want) > 1e-9 || basis != c.basis {
				t.Errorf("got %v (%s), want %v (%s)", got, basis, c.want, c.basis)
			}
		})
	}
}

// FuzzDesiredParallelism checks that any input gives a parallelism within
// the API's bounds, and that a failed read never scales down.
func FuzzDesiredParallelism(f *testing.F) {
	f.Add(int32(8), 150.0, 15.0, int32(0), int32(20), false, false, int32(0), int32(3), int32(2), int32(12), int64(100))
	f.Add(int32(-5), math.Inf(1), math.NaN(), int32(30), int32(3), false, true, int32(9), int32(1), int32(50), int32(-1), int64(-7))
	f.Fuzz(func(t *testing.T, current int32, allocated, yield float64, lo, hi int32, suspended, failing bool,
		failures, threshold, fallback, past int32, secondsAgo int64) {
		now := time.Date(2026, 5, 20, 10, 0, 0, 0, time.UTC)
		in := ScaleInput{
			Now: now, Current: current, Allocated: allocated, Yield: yield, Min: lo, Max: hi,
			Suspended: suspended, MetricsFailing: failing, Failures: failures,
			Fallback: &v1alpha1.Fallback{FailureThreshold: threshold, Parallelism: &fallback},
			History:  []Recommendation{{now.Add(-time.Duration(secondsAgo) * time.Second), past}},
			Changes:  []Change{{now.Add(-time.Duration(secondsAgo) * time.Second), past}},
		}
		d := DesiredParallelism(in)
		if d.Desired < 0 || d.Desired > maxParallelism && d.Desired > current {
			t.Fatalf("desired %d from %+v", d.Desired, in)
		}
		if failing && !suspended && d.Desired < max(current, 0) {
			t.Fatalf("a failed read scaled down from %d to %d", current, d.Desired)
		}
		if suspended && d.Desired != 0 {
			t.Fatalf("suspended but desired %d", d.Desired)
		}
	})
}

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
	"math/rand/v2"
	"testing"
	"time"

	"k8s.io/utils/ptr"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// highest is the highest recommendation after since, raw included.
func highest(rs []Recommendation, since time.Time, raw int32) int32 {
	for _, r := range prune(rs, since) {
		raw = max(raw, r.Parallelism)
	}
	return raw
}

// TestScaleMemoryStabilizesLikeTheFullHistory replays random
// recommendations at every poll and compares the stabilized parallelism
// the compact memory gives with the HPA's full list: never lower, and
// never higher than the full list over a window one poll longer.
func TestScaleMemoryStabilizesLikeTheFullHistory(t *testing.T) {
	const poll = 30 * time.Second
	window := 300 * time.Second
	b := &v1alpha1.ScalingBehavior{ScaleDownStabilizationSeconds: ptr.To(int32(window / time.Second))}
	rng := rand.New(rand.NewPCG(1, 2))
	for run := range 200 {
		var full []Recommendation
		var mem ScaleMemory
		now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
		raw := int32(rng.IntN(20))
		for range 400 {
			now = now.Add(poll)
			if rng.IntN(4) == 0 {
				raw = int32(rng.IntN(20))
			}
			got := highest(mem.Recommendations(now), now.Add(-window), raw)
			want := highest(full, now.Add(-window), raw)
			loosest := highest(full, now.Add(-window-poll), raw)
			if got < want || got > loosest {
				t.Fatalf("run %d at %v: memory stabilizes at %d, the full history at %d (%d over a window a poll longer)", run, now, got, want, loosest)
			}
			full = append(full, Recommendation{Time: now, Parallelism: raw})
			mem = mem.Remember(&raw, 0, now, b)
			if len(mem.Earlier) > MaxRemembered {
				t.Fatalf("run %d: %d earlier recommendations kept", run, len(mem.Earlier))
			}
		}
	}
}

func TestScaleMemoryChangesOnlyWhenADecisionDoes(t *testing.T) {
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	var m ScaleMemory
	m = m.Remember(ptr.To(int32(6)), 4, now, nil)
	if m.Current == nil || m.Current.Parallelism != 6 || len(m.Changes) != 1 {
		t.Fatalf("after the first decision: %+v", m)
	}
	same := m.Remember(ptr.To(int32(6)), 0, now.Add(time.Minute), nil)
	if same.Current != m.Current || len(same.Changes) != 1 || same.Current.Time != now {
		t.Errorf("the same recommendation a minute later changed the memory: %+v", same)
	}
	// A decision without a recommendation ends the current one: it ages
	// out of the window from then, as the HPA's last one would; another
	// such decision changes nothing.
	held := m.Remember(nil, 0, now.Add(time.Hour), nil)
	if held.Current != nil || len(held.Earlier) != 1 || held.Earlier[0].Parallelism != 6 || !held.Earlier[0].Time.Equal(now.Add(time.Hour)) {
		t.Errorf("a decision without a recommendation: %+v", held)
	}
	if again := held.Remember(nil, 0, now.Add(2*time.Hour), nil); again.Current != nil || len(again.Earlier) != 1 || !again.Earlier[0].Time.Equal(now.Add(time.Hour)) {
		t.Errorf("a second decision without a recommendation changed the memory: %+v", again)
	}
	// Lists longer than status allows, as a person may write them, are
	// capped on the way back.
	long := ScaleMemory{Changes: make([]Change, 3*MaxRemembered)}
	for i := range long.Changes {
		long.Changes[i] = Change{Time: now, Delta: 1}
	}
	if capped := long.Remember(ptr.To(int32(6)), 0, now, nil); len(capped.Changes) > MaxRemembered {
		t.Errorf("%d changes written back, the most is %d", len(capped.Changes), MaxRemembered)
	}
	down := m.Remember(ptr.To(int32(2)), -4, now.Add(time.Minute), nil)
	if len(down.Changes) != 1 || len(down.Earlier) != 1 || down.Earlier[0].Parallelism != 6 {
		t.Errorf("a scale-down should keep the 6 as earlier and record no scale-up: %+v", down)
	}
	// Scale-ups beyond the bound merge, keeping every worker added.
	many := ScaleMemory{}
	for i := range 3 * MaxRemembered {
		many = many.Remember(nil, 1, now.Add(time.Duration(i)*time.Second), nil)
	}
	total := int32(0)
	for _, c := range many.Changes {
		total += c.Delta
	}
	if len(many.Changes) != MaxRemembered || total != 3*MaxRemembered {
		t.Errorf("%d changes adding %d workers kept, want %d adding %d", len(many.Changes), total, MaxRemembered, 3*MaxRemembered)
	}
}

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
	"testing"
	"time"

	"k8s.io/utils/ptr"
)

// like the HPA, a recommendation made before an outage longer than
// the stabilization window (metrics failing, no yield, suspended: no
// recommendation is made) must not hold a scale-down after it. ScaleMemory
// keeps the pre-outage recommendation "made until another replaces it",
// so the first poll after the outage moves it to Earlier at now and the
// scale-down waits another full window.
func TestOutageLongerThanTheWindowHoldsNothing(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	var m ScaleMemory
	m = m.Remember(ptr.To[int32](10), 0, t0, nil) // 10 recommended, 10 run
	// Metrics fail for an hour: no recommendation (raw nil) at each poll.
	for ts := t0.Add(time.Minute); ts.Before(t0.Add(time.Hour)); ts = ts.Add(time.Minute) {
		m = m.Remember(nil, 0, ts, nil)
	}
	now := t0.Add(time.Hour)
	d := DesiredParallelism(ScaleInput{Now: now, Current: 10, Allocated: 20, Yield: 10, Max: 100,
		History: m.Recommendations(now), Changes: m.Changes})
	if d.Desired != 2 {
		t.Fatalf("after an hour without recommendations, 2 needed: desired %d (%s)", d.Desired, d.Reason)
	}
}

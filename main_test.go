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
	"strings"
	"testing"
	"time"

	"k8s.io/utils/clock"

	"github.com/truce-dev/truce/internal/simclock"
)

func TestClockFlags(t *testing.T) {
	t.Run("without --clock-start truce runs on the real clock", func(t *testing.T) {
		c, err := newClock("", "", 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := c.(clock.RealClock); !ok {
			t.Errorf("clock %T, want the real clock", c)
		}
	})
	t.Run("a start, an origin and a speed make a simulated clock on that timeline", func(t *testing.T) {
		origin := time.Now().Add(-10 * time.Second)
		c, err := newClock("2027-05-26T00:00:00Z", origin.Format(time.RFC3339Nano), 3600)
		if err != nil {
			t.Fatal(err)
		}
		sim, ok := c.(*simclock.Clock)
		if !ok {
			t.Fatalf("clock %T, want a simulated one", c)
		}
		// Ten real seconds at 3600: ten simulated hours, and a little more.
		want := time.Date(2027, 5, 26, 10, 0, 0, 0, time.UTC)
		if got := sim.Now(); got.Before(want) || got.After(want.Add(time.Hour)) {
			t.Errorf("Now() = %s, want just after %s", got, want)
		}
	})
	for _, tc := range []struct {
		name                string
		start, origin, want string
		speed               float64
	}{
		{"an origin needs a start", "", "2026-11-23T09:00:00Z", "need --clock-start", 1},
		{"a speed needs a start", "", "", "need --clock-start", 60},
		{"the start is RFC 3339", "26 May 2027", "", "--clock-start", 1},
		{"the origin is RFC 3339", "2027-05-26T00:00:00Z", "now", "--clock-origin", 1},
		{"the speed is positive", "2027-05-26T00:00:00Z", "", "speed must be above 0", 0},
	} {
		t.Run("refuses: "+tc.name, func(t *testing.T) {
			_, err := newClock(tc.start, tc.origin, tc.speed)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

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

package simclock

import (
	"math"
	"strings"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

var (
	origin = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	start  = time.Date(2027, 5, 26, 0, 0, 0, 0, time.UTC)
)

func TestClock(t *testing.T) {
	for _, tc := range []struct {
		name   string
		speed  float64
		real   time.Duration // after the origin
		reads  time.Time
		waited time.Duration // RealDuration(an hour)
	}{
		{"reads the start at the origin", 20160, 0, start, time.Hour / 20160},
		{"advances a simulated week every 30 real seconds at 20160", 20160, 30 * time.Second, start.Add(7 * 24 * time.Hour), time.Hour / 20160},
		{"runs like the real clock from another start at speed 1", 1, 90 * time.Minute, start.Add(90 * time.Minute), time.Hour},
		{"runs slower than real time below speed 1", 0.5, time.Hour, start.Add(30 * time.Minute), 2 * time.Hour},
		{"reads earlier than the start before the origin", 3600, -time.Second, start.Add(-time.Hour), time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			real := clocktesting.NewFakePassiveClock(origin.Add(tc.real))
			c, err := New(start, origin, tc.speed, real)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Now(); !got.Equal(tc.reads) {
				t.Errorf("Now() = %s, want %s", got, tc.reads)
			}
			if got := c.Since(start); got != tc.reads.Sub(start) {
				t.Errorf("Since(start) = %s, want %s", got, tc.reads.Sub(start))
			}
			if got := c.RealDuration(time.Hour); absDiff(got, tc.waited) > time.Microsecond {
				t.Errorf("RealDuration(1h) = %s, want %s", got, tc.waited)
			}
		})
	}
}

func TestAPositiveWaitNeverBecomesZero(t *testing.T) {
	c, err := New(start, origin, MaxSpeed, clocktesting.NewFakePassiveClock(origin))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.RealDuration(time.Nanosecond); got != time.Nanosecond {
		t.Errorf("RealDuration(1ns) = %s, want 1ns: a zero RequeueAfter would mean no requeue at all", got)
	}
	if got := c.RealDuration(0); got != 0 {
		t.Errorf("RealDuration(0) = %s, want 0", got)
	}
	if got := c.RealDuration(-time.Second); got != -time.Second {
		t.Errorf("RealDuration(-1s) = %s, want -1s unchanged", got)
	}
}

func TestSaturatesInsteadOfOverflowing(t *testing.T) {
	real := clocktesting.NewFakePassiveClock(origin.Add(100 * 365 * 24 * time.Hour))
	c, err := New(start, origin, MaxSpeed, real)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Now(); got.Before(start) {
		t.Errorf("Now() = %s went back before the start", got)
	}
	if got := c.RealDuration(math.MaxInt64); got <= 0 {
		t.Errorf("RealDuration(max) = %s, want a positive wait", got)
	}
}

func TestRefusesAClockItCannotRun(t *testing.T) {
	real := clocktesting.NewFakePassiveClock(origin)
	for _, tc := range []struct {
		name          string
		start, origin time.Time
		speed         float64
		want          string
	}{
		{"no start", time.Time{}, origin, 1, "start is required"},
		{"no origin", start, time.Time{}, 1, "origin is required"},
		{"zero speed", start, origin, 0, "speed must be above 0"},
		{"negative speed", start, origin, -2, "speed must be above 0"},
		{"NaN speed", start, origin, math.NaN(), "speed must be above 0"},
		{"speed above the bound", start, origin, 2e6, "at most 1e6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.start, tc.origin, tc.speed, real)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func absDiff(a, b time.Duration) time.Duration {
	if a > b {
		return a - b
	}
	return b - a
}

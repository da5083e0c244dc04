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

// Package simclock is a clock that runs from a chosen start at a chosen
// speed: simulated time, for end-to-end tests and demos that must cross a
// sales period in minutes. It is not for production, which runs on the real
// clock.
package simclock

import (
	"errors"
	"math"
	"time"

	"k8s.io/utils/clock"
)

// MaxSpeed bounds the speed: at a million simulated seconds per real
// second, a simulated clock still reads within time.Time's range for over
// three real days.
const MaxSpeed = 1e6

// Clock reads Start at the real instant Origin and then advances Speed
// simulated seconds per real second. It is a clock.PassiveClock, so it
// can stand wherever truce tells the time.
type Clock struct {
	start, origin time.Time
	speed         float64
	real          clock.PassiveClock
}

// New is a clock that reads start at the real instant origin and advances
// speed simulated seconds per real second, as measured by real.
func New(start, origin time.Time, speed float64, real clock.PassiveClock) (*Clock, error) {
	switch {
	case start.IsZero():
		return nil, errors.New("the simulated start is required")
	case origin.IsZero():
		return nil, errors.New("the real origin is required")
	case !(speed > 0) || speed > MaxSpeed:
		return nil, errors.New("the speed must be above 0 and at most 1e6 simulated seconds per real second")
	}
	return &Clock{start: start, origin: origin, speed: speed, real: real}, nil
}

// Now is the simulated time.
func (c *Clock) Now() time.Time {
	return c.start.Add(scale(c.real.Since(c.origin), c.speed))
}

// Since is the simulated time elapsed since t.
func (c *Clock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// Speed is how many simulated seconds pass per real second.
func (c *Clock) Speed() float64 { return c.speed }

// RealDuration is how long d of simulated time takes in real time: what a
// wait computed on this clock must be handed to a timer that runs on the
// real one. A positive d never becomes zero, which timers read as "do not
// wait" or "never".
func (c *Clock) RealDuration(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return max(scale(d, 1/c.speed), time.Nanosecond)
}

// scale multiplies d by f, saturating instead of overflowing.
func scale(d time.Duration, f float64) time.Duration {
	v := float64(d) * f
	switch {
	case v >= math.MaxInt64:
		return math.MaxInt64
	case v <= math.MinInt64:
		return math.MinInt64
	}
	return time.Duration(v)
}

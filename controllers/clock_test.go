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

package controllers

import (
	"testing"
	"time"

	"k8s.io/utils/clock"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/truce-dev/truce/internal/simclock"
)

func TestRequeuesWaitInRealTime(t *testing.T) {
	real := clocktesting.NewFakePassiveClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	sim, err := simclock.New(time.Date(2027, 5, 26, 0, 0, 0, 0, time.UTC), real.Now(), 3600, real)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		clock clock.PassiveClock
		wait  time.Duration
		want  time.Duration
	}{
		{"on the real clock a poll an hour away is an hour away", clock.RealClock{}, time.Hour, time.Hour},
		{"on a fake clock the wait is left as it is", real, time.Hour, time.Hour},
		{"at 3600 simulated seconds a second a simulated hour is a real second", sim, time.Hour, time.Second},
		{"on a simulated clock no wait stays no wait", sim, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := realWait(tc.clock, tc.wait); got != tc.want {
				t.Errorf("realWait(%s) = %s, want %s", tc.wait, got, tc.want)
			}
		})
	}
}

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
	"time"

	"k8s.io/utils/clock"
)

// realTimer is a clock that does not run at real speed (truce's simulated
// clock, for tests and demos): it says how long a wait on it takes in real
// time.
type realTimer interface {
	RealDuration(time.Duration) time.Duration
}

// realWait converts a wait measured on c, such as the time to the next
// poll, into the real time a requeue waits: controller-runtime's queue runs
// on the real clock. On the real clock it is d.
func realWait(c clock.PassiveClock, d time.Duration) time.Duration {
	if t, ok := c.(realTimer); ok {
		return t.RealDuration(d)
	}
	return d
}

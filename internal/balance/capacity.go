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

import "github.com/truce-dev/truce/api/v1alpha1"

// Capacity is C, the leads per week sales can work: fully productive reps
// plus ramping reps at their share of productivity, times leads per rep.
func Capacity(c v1alpha1.CapacitySpec) float64 {
	return effectiveReps(c) * c.LeadsPerRepPerWeek.AsApproximateFloat64()
}

// effectiveReps counts ramping reps at their share of productivity.
func effectiveReps(c v1alpha1.CapacitySpec) float64 {
	reps := float64(c.Reps)
	for _, r := range c.Ramping {
		reps += float64(r.Count) * float64(r.ProductivityPercent) / 100
	}
	return reps
}

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

	"github.com/truce-dev/truce/api/v1alpha1"
)

// Blame that holds up: a rate is below plan only on a sample large enough
// to say something, when it is below the plan by more than the tolerance
// (the drift is material) and the plan lies above the 99% Wilson score
// interval of the sample (the drift is no accident of a small sample). A
// dozen leads of which 3 qualify say little: 25% observed, but anything
// from 7% to 61% is as likely, and a plan of 40% is inside it.
//
// 99%, not 95%: the test is repeated at every poll on samples that
// overlap, so a 95% test flags a team truly on plan within weeks (in the
// decision benchmark, 5 days of LeadQualityLow for campaigns of 10 leads a
// week, and 52 days of ConversionLow after an early unlucky streak).
const (
	// z is the two-sided 99% normal quantile of the Wilson interval.
	z = 2.575829
	// MinQualitySample is the campaign leads quality needs before it is
	// judged: below it the plan stands.
	MinQualitySample = 30
	// MinConversionWins is the wins the plan expects of the matured cohort
	// before conversion is judged: 125 accepted leads at a plan of 4%.
	MinConversionWins = 5
	// MinFollowUpSample is the accepted leads the follow-up service level
	// needs before it is judged.
	MinFollowUpSample = 30
	// PriorDeals is the weight of the plan's deal size, in deals: one deal
	// of ten times the plan among 20 moves the size used by 30%, not 45%.
	PriorDeals = 10
)

// Sample is how much of a rate was observed and whether it was enough to
// judge it against the plan.
type Sample struct {
	Name v1alpha1.SampleName
	// Size is what was observed (leads, or deals); Minimum what it takes.
	Size, Minimum float64
	Judged        bool
}

// wilson is the 99% Wilson score interval of x successes in n trials.
func wilson(x, n float64) (lo, hi float64) {
	if n <= 0 || math.IsNaN(x) || math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, 1
	}
	p := math.Min(1, math.Max(0, x/n))
	z2 := z * z
	denom := 1 + z2/n
	center := (p + z2/(2*n)) / denom
	half := z * math.Sqrt(p*(1-p)/n+z2/(4*n*n)) / denom
	return math.Max(0, center-half), math.Min(1, center+half)
}

// belowPlan is true when x of n is below plan by more than the tolerance t
// and significantly so: plan is above the 99% interval of x in n.
func belowPlan(x, n, plan, t float64) bool {
	if n <= 0 {
		return false
	}
	_, hi := wilson(x, n)
	return x/n < plan*(1-t) && hi < plan
}

// significantlyAbove is true when even the bottom of the 99% interval of x
// in n is above ceiling.
func significantlyAbove(x, n, ceiling float64) bool {
	lo, _ := wilson(x, n)
	return lo > ceiling
}

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
	"fmt"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// CampaignJudgement is what a campaign's own verdict is judged from.
type CampaignJudgement struct {
	Suspended bool
	// Leads and QualifiedPercent are observed; nil is unknown.
	Leads, QualifiedPercent *float64
	// Allocated is the campaign's share of demand; nil when it has none
	// (its target is missing, or the target's demand is unknown).
	Allocated *float64
	// AtMax is true when the target capped the share at what the campaign
	// reaches at MaxParallelism.
	AtMax          bool
	MaxParallelism int32
	// Target is the SalesTarget's name; TargetShort is true when it is
	// judged LeadShortfall.
	Target      string
	TargetShort bool
	// Tolerance is the target's t; PlanQualifiedPercent its plan's quality.
	Tolerance            float64
	PlanQualifiedPercent *int32
	// WindowWeeks is the window the campaign's leads are counted over, in
	// weeks (0 is a week): leads per week times it is the sample its
	// quality is judged on.
	WindowWeeks float64
}

// JudgeCampaign is a campaign's own verdict on its share, with the target's
// tolerance and in the target's order of urgency: poor quality is named
// before volume, because more of the same leads would not fix it. Quality
// is judged like the target's (belowPlan), on MinQualitySample leads at
// least.
func JudgeCampaign(c CampaignJudgement) Verdict {
	t := c.Tolerance
	switch {
	case c.Suspended:
		return Verdict{v1alpha1.BalancedReason, "Suspended: the campaign takes no share of demand"}
	case c.Allocated == nil && c.Target == "":
		return Verdict{v1alpha1.NotAllocatedReason, "The campaign has no SalesTarget, so no share of demand to be judged against"}
	case c.Allocated == nil:
		return Verdict{v1alpha1.NotAllocatedReason, fmt.Sprintf("SalesTarget %q has not allocated a share of its demand to the campaign yet", c.Target)}
	case c.Leads == nil:
		return Verdict{v1alpha1.AwaitingMetricsReason, "The campaign's leads have not been read yet"}
	}
	leads, share := nonNegative(*c.Leads), nonNegative(*c.Allocated)
	n := leads * windowWeeks(CampaignInput{WindowWeeks: c.WindowWeeks})
	if p := c.PlanQualifiedPercent; p != nil && c.QualifiedPercent != nil && n >= MinQualitySample &&
		belowPlan(n*nonNegative(*c.QualifiedPercent)/100, n, float64(*p)/100, t) {
		return Verdict{v1alpha1.LeadQualityLowReason, fmt.Sprintf(
			"%s%% of the campaign's leads qualify against a plan of %d%%: improve its targeting, not its volume",
			num(*c.QualifiedPercent), *p)}
	}
	switch {
	case c.AtMax && c.TargetShort:
		// Its share is capped at what it reaches at max, so it meets its
		// share and still leaves the target short.
		return Verdict{v1alpha1.LeadShortfallReason, fmt.Sprintf(
			"produces %s leads/wk at maxParallelism (%d) while SalesTarget %q is short of leads: raise maxParallelism or improve yield",
			num(leads), c.MaxParallelism, c.Target)}
	case leads < share*(1-t):
		msg := fmt.Sprintf("produces %s leads/wk of its %s/wk share", num(leads), num(share))
		if c.AtMax {
			msg += fmt.Sprintf(" at maxParallelism (%d): raise it or improve yield", c.MaxParallelism)
		}
		return Verdict{v1alpha1.LeadShortfallReason, msg}
	case leads > share*(1+t):
		return Verdict{v1alpha1.LeadOverflowReason, fmt.Sprintf("produces %s leads/wk against a %s/wk share", num(leads), num(share))}
	}
	return Verdict{v1alpha1.BalancedReason, fmt.Sprintf("produces %s leads/wk of its %s/wk share", num(leads), num(share))}
}

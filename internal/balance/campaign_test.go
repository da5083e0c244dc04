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
	"strings"
	"testing"

	"k8s.io/utils/ptr"

	"github.com/truce-dev/truce/api/v1alpha1"
)

func TestJudgeCampaign(t *testing.T) {
	base := func() CampaignJudgement {
		return CampaignJudgement{
			Leads: ptr.To(56.0), QualifiedPercent: ptr.To(40.0), Allocated: ptr.To(56.0),
			MaxParallelism: 6, Target: "emea-smb", Tolerance: 0.2, PlanQualifiedPercent: ptr.To[int32](40),
		}
	}
	for _, c := range []struct {
		name   string
		change func(*CampaignJudgement)
		reason string
		says   string
	}{
		{"on its share is balanced", func(*CampaignJudgement) {}, v1alpha1.BalancedReason, "produces 56 leads/wk of its 56/wk share"},
		{"suspended takes no share and is balanced", func(j *CampaignJudgement) { j.Suspended, j.Leads = true, ptr.To(0.0) }, v1alpha1.BalancedReason, "Suspended"},
		{"without a target has no share to be judged against", func(j *CampaignJudgement) { j.Target, j.Allocated = "", nil }, v1alpha1.NotAllocatedReason, "no SalesTarget"},
		{"before its target allocated is not judged", func(j *CampaignJudgement) { j.Allocated = nil }, v1alpha1.NotAllocatedReason, `SalesTarget "emea-smb" has not allocated`},
		{"before its leads are read is awaiting metrics", func(j *CampaignJudgement) { j.Leads = nil }, v1alpha1.AwaitingMetricsReason, "not been read"},
		{"just inside the tolerance below its share is balanced", func(j *CampaignJudgement) { j.Leads = ptr.To(44.81) }, v1alpha1.BalancedReason, ""},
		{"just outside the tolerance below its share is short", func(j *CampaignJudgement) { j.Leads = ptr.To(44.7) }, v1alpha1.LeadShortfallReason, "produces 44.7 leads/wk of its 56/wk share"},
		{"short at its max says to raise it", func(j *CampaignJudgement) { j.Leads, j.AtMax = ptr.To(30.0), true }, v1alpha1.LeadShortfallReason, "at maxParallelism (6): raise it"},
		{"capped at max while its target is short is short", func(j *CampaignJudgement) { j.AtMax, j.TargetShort = true, true }, v1alpha1.LeadShortfallReason, `while SalesTarget "emea-smb" is short of leads`},
		{"above its share beyond the tolerance overflows", func(j *CampaignJudgement) { j.Leads = ptr.To(67.3) }, v1alpha1.LeadOverflowReason, "against a 56/wk share"},
		{"its own leads below the plan's quality name it", func(j *CampaignJudgement) { j.QualifiedPercent = ptr.To(10.0) }, v1alpha1.LeadQualityLowReason, "10% of the campaign's leads qualify against a plan of 40%"},
		{"poor quality outranks its shortfall: volume would not fix it", func(j *CampaignJudgement) { j.QualifiedPercent, j.Leads = ptr.To(10.0), ptr.To(40.0) }, v1alpha1.LeadQualityLowReason, ""},
		{"five poor leads are too few to judge their quality: the shortfall is named", func(j *CampaignJudgement) { j.QualifiedPercent, j.Leads = ptr.To(10.0), ptr.To(5.0) }, v1alpha1.LeadShortfallReason, ""},
		{"a month's window counts four weeks of leads", func(j *CampaignJudgement) {
			j.QualifiedPercent, j.Leads, j.Allocated, j.WindowWeeks = ptr.To(10.0), ptr.To(10.0), ptr.To(10.0), 4
		}, v1alpha1.LeadQualityLowReason, ""},
		{"quality just inside the tolerance is fine", func(j *CampaignJudgement) { j.QualifiedPercent = ptr.To(32.0) }, v1alpha1.BalancedReason, ""},
		{"quality is not judged without a plan for it", func(j *CampaignJudgement) { j.QualifiedPercent, j.PlanQualifiedPercent = ptr.To(1.0), nil }, v1alpha1.BalancedReason, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			j := base()
			c.change(&j)
			v := JudgeCampaign(j)
			if v.Reason != c.reason || !strings.Contains(v.Message, c.says) {
				t.Errorf("got %s: %q, want %s saying %q", v.Reason, v.Message, c.reason, c.says)
			}
		})
	}
}

func TestTargetNamesTheCampaignsThatPullQualityDown(t *testing.T) {
	in := baseInput()
	// Counted over ten weeks, 900 leads: enough to judge 24% against 32%.
	in.Campaigns = []CampaignInput{
		{Name: "webinar", Weight: 1, Leads: ptr.To(50.0), QualifiedLeads: ptr.To(5.0), MaxLeads: 300, WindowWeeks: 10},
		{Name: "outbound", Weight: 1, Leads: ptr.To(30.0), QualifiedLeads: ptr.To(15.0), MaxLeads: 300, WindowWeeks: 10},
		{Name: "events", Weight: 1, Leads: ptr.To(10.0), QualifiedLeads: ptr.To(2.0), MaxLeads: 300, WindowWeeks: 10},
	}
	v := Evaluate(in).Verdict
	want := "below plan: webinar (10%), events (20%)"
	if v.Reason != v1alpha1.LeadQualityLowReason || !strings.Contains(v.Message, want) {
		t.Errorf("got %s: %q, want LeadQualityLow naming %q", v.Reason, v.Message, want)
	}
}

// A new period whose bookings cannot be read must not reuse the last
// period's (attainment 110%, need 0, every campaign scaled down) nor assume
// zero (the whole quota again): demand is held where it was.
func TestUnknownBookingsHoldDemand(t *testing.T) {
	in := baseInput()
	in.Observed.ClosedWonRevenue = nil
	in.BookingsUnknown = true
	in.HeldNeed, in.HeldDemand = ptr.To(84.0), ptr.To(84.0)
	r := Evaluate(in)
	if !r.DemandHeld || !r.DemandKnown || r.Demand != 84 || r.Need != 84 {
		t.Errorf("demand %v need %v held %v known %v, want 84 held", r.Demand, r.Need, r.DemandHeld, r.DemandKnown)
	}
	if r.AttainmentPercent != nil || r.ProjectedPercent != nil || r.QuotaAtRisk != nil {
		t.Errorf("attainment %s projected %s: want unknown", ptrString(r.AttainmentPercent), ptrString(r.ProjectedPercent))
	}
	if len(r.Allocations) != 1 || r.Allocations[0].Leads != 84 {
		t.Errorf("allocations %+v, want the held 84 to the one campaign", r.Allocations)
	}

	in.HeldNeed, in.HeldDemand = nil, nil
	r = Evaluate(in)
	if r.DemandKnown || r.Allocations != nil || r.Verdict.Reason != v1alpha1.AwaitingMetricsReason {
		t.Errorf("with nothing to hold: known %v, allocations %+v, verdict %s; want no share given", r.DemandKnown, r.Allocations, r.Verdict.Reason)
	}

	fillCapacity(&in)
	if r = Evaluate(in); !r.DemandKnown || r.Demand != 200 {
		t.Errorf("FillCapacity: demand %v known %v, want capacity, which needs no bookings", r.Demand, r.DemandKnown)
	}
}

// Numbers keep their size in status: 1e21 leads were once stored as 1.
func TestQuantityKeepsItsSize(t *testing.T) {
	for _, v := range []float64{0, 0.001, 84.3, 123456789.123, 1e15, 9.3e18, 1e21, 1.234567e25, -42} {
		q := Quantity(v)
		if got := q.AsApproximateFloat64(); math.Abs(got-v) > math.Abs(v)*1e-9+0.0005 {
			t.Errorf("Quantity(%g) is %s, which reads %g", v, q.String(), got)
		}
	}
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if q := Quantity(v); !q.IsZero() {
			t.Errorf("Quantity(%g) is %s, want zero", v, q.String())
		}
	}
}

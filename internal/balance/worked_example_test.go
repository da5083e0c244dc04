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
	"math"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// TestWorkedExampleAQuarterEndWithA30DayCycle is the worked example of
// docs/how-it-works.md ("A quarter-end, worked"): 8 reps working 25 leads
// a week (200/wk), 1.2M a quarter in deals of 30k won from 4% of leads
// (a lead is worth 1,200), leads close 30 days after they are made, and
// the CRM reports 330 leads in the pipeline. On plan that is 1,000 leads a
// quarter, about 77 a week. The table in the doc is this test's output.
func TestWorkedExampleAQuarterEndWithA30DayCycle(t *testing.T) {
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
	q4 := CurrentPeriod(v1alpha1.Quarterly, time.UTC, day(time.November, 1))
	spec := v1alpha1.SalesTargetSpec{
		Period:   v1alpha1.PeriodSpec{Cadence: v1alpha1.Quarterly},
		Quota:    v1alpha1.QuotaSpec{Revenue: ptr.To(resource.MustParse("1.2M"))},
		Capacity: v1alpha1.CapacitySpec{Reps: 8, LeadsPerRepPerWeek: resource.MustParse("25")},
		Plan: v1alpha1.PlanSpec{
			AverageDealSize:  ptr.To(resource.MustParse("30k")),
			LeadToWinPercent: resource.MustParse("4"),
			SalesCycleDays:   ptr.To[int32](30),
		},
		Strategy: v1alpha1.MeetQuota,
	}
	steps := []struct {
		when    time.Time
		booked  float64
		planned string
		// inFlight, weeks and need are the doc's arithmetic.
		inFlight, weeks, need float64
	}{
		// A lead made on 15 November closes on 15 December, in Q4; the
		// pipeline closes in Q4 in full; leads made until 2 December still
		// close in it.
		{day(time.November, 15), 560e3, "2026-Q4", 330 * 1200, 17.0 / 7, (1.2e6 - 560e3 - 330*1200) / 1200 / (17.0 / 7)},
		// 4 days of Q4's leads are left, less than a week: need spreads
		// what Q4 still needs and Q1's 1.2M over both.
		{day(time.November, 28), 700e3, "2026-Q4 and 2027-Q1", 330 * 1200, 4.0 / 7, (1.2e6 - 700e3 - 330*1200 + 1.2e6) / 1200 / (4.0/7 + 90.0/7)},
		// A lead made on 10 December closes on 9 January: need plans for
		// Q1. 8 of the pipeline's 30 days close in Q1; Q1's leads are made
		// until 2 March.
		{day(time.December, 10), 850e3, "2027-Q1", 330 * 8.0 / 30 * 1200, 82.0 / 7, (1.2e6 - 330*8.0/30*1200) / 1200 / (82.0 / 7)},
		// Q4's quota is met, and Q1 still needs its leads: 18 of the
		// pipeline's 30 days close in Q1.
		{day(time.December, 20), 1.25e6, "2027-Q1", 330 * 18.0 / 30 * 1200, 72.0 / 7, (1.2e6 - 330*18.0/30*1200) / 1200 / (72.0 / 7)},
	}
	for _, s := range steps {
		t.Run(s.when.Format(time.DateOnly), func(t *testing.T) {
			r := Evaluate(TargetInput{
				Spec: spec, Period: q4, Now: s.when,
				Observed: TargetObserved{ClosedWonRevenue: ptr.To(s.booked), PipelineLeads: ptr.To(330.0)},
				Campaigns: []CampaignInput{
					{Name: "webinar", Weight: 1, Leads: ptr.To(math.Round(s.need)), MaxLeads: 300},
				},
			})
			if got := horizonText(r.Horizon); got != s.planned {
				t.Fatalf("plans for %s, want %s", got, s.planned)
			}
			expectNear(t, "in flight", r.Horizon.InFlight, s.inFlight)
			expectNear(t, "weeks left", r.WeeksLeft, s.weeks)
			expectNear(t, "need", r.Need, s.need)
			if r.Verdict.Reason != v1alpha1.BalancedReason {
				t.Errorf("got %s: %s", r.Verdict.Reason, r.Verdict.Message)
			}
			t.Log(fmt.Sprintf("| %s | %s | %s | %s | %.0fk | %.1f | %.1f | %s |", s.when.Format("2 Jan"), num(s.booked/1000)+"k",
				r.Horizon.Name, map[bool]string{true: "+ " + r.Horizon.AlsoName, false: ""}[r.Horizon.Also != nil],
				r.Horizon.InFlight/1000, r.WeeksLeft, r.Need, r.Verdict.Reason))
		})
	}
}

// TestWorkedExampleWhenQualityIsJudged is "Significance before blame,
// worked" in docs/how-it-works.md: the base team's plan says 40% of leads
// qualify, so with a tolerance of 20% quality is low below 32%, and only
// when the plan lies above the sample's 99% Wilson interval.
func TestWorkedExampleWhenQualityIsJudged(t *testing.T) {
	for _, c := range []struct {
		leads, qualified float64
		lo, hi           float64
		judged, low      bool
	}{
		// 12 leads, 3 qualify: 25%, but anything from 7% to 61% is as
		// likely, and below 30 leads nothing is judged.
		{12, 3, 0.066, 0.612, false, false},
		// 83 leads, 25 qualify: 30%, below 32%, but 40% is inside 19-44%.
		{83, 25, 0.190, 0.442, true, false},
		// 83 leads, 21 qualify: 25%, and 40% is above 15-39%.
		{83, 21, 0.152, 0.391, true, true},
	} {
		t.Run(fmt.Sprintf("%v of %v", c.qualified, c.leads), func(t *testing.T) {
			lo, hi := wilson(c.qualified, c.leads)
			if math.Abs(lo-c.lo) > 0.001 || math.Abs(hi-c.hi) > 0.001 {
				t.Errorf("interval %.3f-%.3f, want %.3f-%.3f", lo, hi, c.lo, c.hi)
			}
			in := baseInput()
			in.Campaigns[0].Leads, in.Campaigns[0].QualifiedLeads = ptr.To(c.leads), ptr.To(c.qualified)
			// Demand is met whatever the supply, so only quality is judged.
			in.Spec.Quota.Revenue = ptr.To(resource.MustParse("1k"))
			r := Evaluate(in)
			if s := sample(r.Samples, v1alpha1.QualitySample); s.Judged != c.judged {
				t.Errorf("judged %v, want %v", s.Judged, c.judged)
			}
			if low := r.Verdict.Reason == v1alpha1.LeadQualityLowReason; low != c.low {
				t.Errorf("got %s (%s), want LeadQualityLow %v", r.Verdict.Reason, r.Verdict.Message, c.low)
			}
		})
	}
}

// TestWorkedExampleLeadsLeftUnworked is "The follow-up service level,
// worked" in docs/how-it-works.md: sales agreed to call an accepted lead
// within an hour, and 10% may miss it.
func TestWorkedExampleLeadsLeftUnworked(t *testing.T) {
	in := baseInput()
	in.Spec.SLA = &v1alpha1.SLASpec{FirstContactMinutes: 60, TolerancePercent: ptr.To[int32](10)}
	// 300 leads accepted this quarter, 90 of them called late or not yet.
	in.Observed.AcceptedLeads, in.Observed.LeadsPastFirstContact = ptr.To(300.0), ptr.To(90.0)
	// Marketing makes 60 leads a week against a need of 83: short, but
	// more leads would wait too.
	supply(60)(&in)
	r := Evaluate(in)
	lo, _ := wilson(90, 300)
	if math.Abs(lo-0.237) > 0.001 {
		t.Errorf("the share's interval starts at %.3f, want 0.237", lo)
	}
	if r.Verdict.Reason != v1alpha1.LeadsUnworkedReason ||
		!strings.Contains(r.Verdict.Message, "30% of accepted leads (90 of 300) got no first contact within 60 minutes, against a tolerance of 10%") {
		t.Errorf("got %s: %s", r.Verdict.Reason, r.Verdict.Message)
	}
	expectNear(t, "demand held at what marketing makes", r.Demand, 60)
	if len(r.Classes) != 1 {
		t.Errorf("classes %v: LeadShortfall must not ask marketing for leads that would wait", r.Classes)
	}
	// 40 of 300 (13%): above the tolerance, but 10% is inside 9-19%.
	in.Observed.LeadsPastFirstContact = ptr.To(40.0)
	if r := Evaluate(in); r.LeadsUnworked {
		t.Errorf("40 of 300 judged unworked: %s", r.Verdict.Message)
	}
}

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

// The base case, in round numbers: 8 reps working 25 leads a week (C=200), a
// 1.2M quarter of which 600k is booked 7 weeks in, 30k deals won from 4% of
// leads (a lead is worth 1200), no sales-cycle lag: 6 weeks left, so the
// quota needs 600000/1200/6 = 83.3 leads a week, well within capacity.
var (
	q2      = Period{Start: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)}
	weekSev = q2.Start.Add(49 * 24 * time.Hour)
)

func baseInput() TargetInput {
	return TargetInput{
		Spec: v1alpha1.SalesTargetSpec{
			Period:   v1alpha1.PeriodSpec{Cadence: v1alpha1.Quarterly},
			Quota:    v1alpha1.QuotaSpec{Revenue: ptr.To(resource.MustParse("1.2M"))},
			Capacity: v1alpha1.CapacitySpec{Reps: 8, LeadsPerRepPerWeek: resource.MustParse("25")},
			Plan: v1alpha1.PlanSpec{
				AverageDealSize:  ptr.To(resource.MustParse("30k")),
				LeadToWinPercent: resource.MustParse("4"),
				QualifiedPercent: ptr.To[int32](40),
			},
			Strategy: v1alpha1.MeetQuota,
		},
		Period:   q2,
		Now:      weekSev,
		Observed: TargetObserved{ClosedWonRevenue: ptr.To(600000.0)},
		Campaigns: []CampaignInput{
			{Name: "webinar", Weight: 1, Leads: ptr.To(83.3), QualifiedLeads: ptr.To(33.3), MaxLeads: 300},
		},
	}
}

// supply sets the one campaign's leads, keeping 40% of them qualified.
func supply(leads float64) func(*TargetInput) {
	return func(in *TargetInput) {
		in.Campaigns[0].Leads = ptr.To(leads)
		in.Campaigns[0].QualifiedLeads = ptr.To(leads * 0.4)
	}
}

func TestDriftClasses(t *testing.T) {
	cases := []struct {
		name   string
		change []func(*TargetInput)
		reason string
		says   string
	}{
		{"supply near need is balanced", nil, v1alpha1.BalancedReason, "within 20% of demand"},

		{"supply just inside the shortfall tolerance is balanced", []func(*TargetInput){supply(66.7)}, v1alpha1.BalancedReason, ""},
		{"supply just below demand minus the tolerance is a shortfall", []func(*TargetInput){supply(66.6)}, v1alpha1.LeadShortfallReason,
			"supply 66.6/wk is 20% below demand (83.3/wk): marketing should add volume"},

		{"supply at capacity plus the tolerance is not an overflow", []func(*TargetInput){fillCapacity, supply(240)}, v1alpha1.BalancedReason, ""},
		{"supply just above capacity plus the tolerance is an overflow", []func(*TargetInput){fillCapacity, supply(241)}, v1alpha1.LeadOverflowReason,
			"supply 241/wk is 20% above what 8 reps can work (200/wk): scale down outreach or add capacity"},
		{"a backlog of a week of capacity is not an overflow", []func(*TargetInput){openLeads(200)}, v1alpha1.BalancedReason, ""},
		{"a backlog over a week of capacity is an overflow", []func(*TargetInput){openLeads(201)}, v1alpha1.LeadOverflowReason,
			"201 leads wait unworked"},

		{"a quota that needs capacity plus the tolerance at an even pace is not beyond capacity", []func(*TargetInput){quota("3.744M"), supply(200)}, v1alpha1.BalancedReason, ""},
		{"a quota that needs more than capacity plus the tolerance at an even pace is beyond capacity", []func(*TargetInput){quota("3.75M"), supply(200)}, v1alpha1.CapacityBelowQuotaNeedReason,
			"the quota of 2026-Q2 needs 240 leads/wk at an even pace but 8 reps can work 200/wk: add reps or lower the quota"},
		{"catching up a shortfall already past is not a lack of reps", []func(*TargetInput){quota("1.73M"), supply(200)}, v1alpha1.BalancedReason, ""},

		{"quality at plan minus the tolerance is not low", []func(*TargetInput){qualified(0.32)}, v1alpha1.BalancedReason, ""},
		{"quality below plan minus the tolerance but within what 83 leads allow of the plan is not low", []func(*TargetInput){qualified(0.30)}, v1alpha1.BalancedReason, ""},
		{"quality significantly below plan minus the tolerance is low", []func(*TargetInput){qualified(0.15)}, v1alpha1.LeadQualityLowReason,
			"15% of 83.3 leads qualify against a plan of 40%: improve targeting, not volume"},
		{"a dozen leads of which 3 qualify are too few to judge quality: the shortfall is named", []func(*TargetInput){supply(12), qualified(0.25)}, v1alpha1.LeadShortfallReason,
			"supply 12/wk is 86% below demand"},

		{"conversion just inside the tolerance is balanced", []func(*TargetInput){converted(1000, 33), supply(170)}, v1alpha1.BalancedReason, ""},
		{"conversion below the tolerance but within what 300 leads allow of the plan is balanced", []func(*TargetInput){converted(300, 8), supply(170)}, v1alpha1.BalancedReason, ""},
		{"conversion significantly below plan on leads of planned quality is low", []func(*TargetInput){converted(1000, 20), supply(160)}, v1alpha1.ConversionLowReason,
			"2% of 1000 accepted leads old enough to have closed are won against a plan of 4%"},
		{"a new team's first 30 leads without a win are too few to judge conversion", []func(*TargetInput){converted(30, 0)}, v1alpha1.BalancedReason, ""},

		{"an overflow outranks poor quality", []func(*TargetInput){fillCapacity, supply(300), qualified(0.1)}, v1alpha1.LeadOverflowReason, ""},
		{"a team short of leads and of quality is told both, quality first", []func(*TargetInput){supply(40), qualified(0.1)}, v1alpha1.LeadQualityLowReason,
			"10% of 40 leads qualify against a plan of 40%: improve targeting, not volume...; also LeadShortfall"},
		{"a window short of leads while the campaigns make enough now is not a shortfall, and says so", []func(*TargetInput){supply(40), producing(80)}, v1alpha1.BalancedReason,
			"supply 40/wk over the metrics window, 80/wk at the workers running now, is within 20% of demand"},
		{"a window short of leads while the campaigns still make too few now is a shortfall", []func(*TargetInput){supply(40), producing(60)}, v1alpha1.LeadShortfallReason,
			"supply 40/wk is 52% below demand"},
		{"a window over capacity while the campaigns make what capacity works now is not an overflow", []func(*TargetInput){fillCapacity, supply(300), producing(200)}, v1alpha1.BalancedReason,
			"supply 300/wk over the metrics window, 200/wk at the workers running now, is within 20% of demand"},
		{"nothing observed yet awaits metrics", []func(*TargetInput){func(in *TargetInput) { in.Campaigns[0].Leads = nil }}, v1alpha1.AwaitingMetricsReason, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := baseInput()
			for _, f := range c.change {
				f(&in)
			}
			r := Evaluate(in)
			if r.Verdict.Reason != c.reason {
				t.Fatalf("got %s (%s), want %s; need %.2f demand %.2f supply %.2f capacity %.2f",
					r.Verdict.Reason, r.Verdict.Message, c.reason, r.Need, r.Demand, r.Supply, r.Capacity)
			}
			for _, part := range strings.Split(c.says, "...") {
				if !strings.Contains(r.Verdict.Message, part) {
					t.Errorf("message %q does not say %q", r.Verdict.Message, part)
				}
			}
		})
	}
}

func fillCapacity(in *TargetInput) { in.Spec.Strategy = v1alpha1.FillCapacity }

// producing sets what the one campaign's outreach makes a week at the
// workers it runs now.
func producing(leads float64) func(*TargetInput) {
	return func(in *TargetInput) { in.Campaigns[0].Producing = ptr.To(leads) }
}
func openLeads(n float64) func(*TargetInput) {
	return func(in *TargetInput) { in.Observed.OpenLeads = &n }
}
func quota(q string) func(*TargetInput) {
	return func(in *TargetInput) {
		// Keep 600k booked: the remaining quota grows with it.
		in.Spec.Quota.Revenue = ptr.To(resource.MustParse(q))
		in.Observed.ClosedWonRevenue = ptr.To(0.0)
	}
}
func qualified(share float64) func(*TargetInput) {
	return func(in *TargetInput) { in.Campaigns[0].QualifiedLeads = ptr.To(*in.Campaigns[0].Leads * share) }
}

// converted observes deals won from accepted leads; the revenue booked is
// 600k, so a lead is worth 600 either way.
func converted(accepted, deals float64) func(*TargetInput) {
	return func(in *TargetInput) {
		in.Observed.AcceptedLeads, in.Observed.ClosedWonDeals = &accepted, &deals
	}
}

func TestNeed(t *testing.T) {
	t.Run("the base case needs 83.3 leads a week and asks for them", func(t *testing.T) {
		r := Evaluate(baseInput())
		expectNear(t, "need", r.Need, 600000.0/1200/6)
		expectNear(t, "demand", r.Demand, r.Need)
		expectNear(t, "weeks left", r.WeeksLeft, 6)
	})
	t.Run("FillCapacity asks for capacity whatever the quota needs", func(t *testing.T) {
		in := baseInput()
		fillCapacity(&in)
		expectNear(t, "demand", Evaluate(in).Demand, 200)
	})
	t.Run("MeetQuota never asks for more than capacity", func(t *testing.T) {
		in := baseInput()
		quota("5M")(&in)
		r := Evaluate(in)
		expectNear(t, "demand", r.Demand, 200)
		if r.Need <= 200 {
			t.Errorf("need %v should exceed capacity", r.Need)
		}
	})
	t.Run("a sales cycle counts the pipeline and spreads the rest over the weeks whose leads still close", func(t *testing.T) {
		in := baseInput()
		in.Spec.Plan.SalesCycleDays = ptr.To[int32](28)
		r := Evaluate(in)
		// Without a pipeline query, four weeks of the observed 83.3 leads
		// are in flight, worth 1200 each.
		expectNear(t, "weeks left", r.WeeksLeft, 2)
		expectNear(t, "in flight", r.Horizon.InFlight, 83.3*4*1200)
		expectNear(t, "need", r.Need, (600000-83.3*4*1200)/1200/2)
		if r.Horizon.Name != "2026-Q2" || r.Horizon.InFlightBasis != v1alpha1.SupplyEstimateBasis {
			t.Errorf("planned %s from %s, want 2026-Q2 from the supply", r.Horizon.Name, r.Horizon.InFlightBasis)
		}
	})
	t.Run("a pipeline query replaces the estimate", func(t *testing.T) {
		in := baseInput()
		in.Spec.Plan.SalesCycleDays = ptr.To[int32](28)
		in.Observed.PipelineLeads = ptr.To(250.0)
		r := Evaluate(in)
		expectNear(t, "in flight", r.Horizon.InFlight, 250*1200)
		expectNear(t, "need", r.Need, (600000-250*1200)/1200/2)
		if r.Horizon.InFlightBasis != v1alpha1.PipelineQueryBasis {
			t.Errorf("basis %s, want PipelineQuery", r.Horizon.InFlightBasis)
		}
	})
	t.Run("six days before the quarter ends a 30-day cycle plans for the next quarter, not a burst", func(t *testing.T) {
		in := baseInput()
		in.Spec.Plan.SalesCycleDays = ptr.To[int32](30)
		in.Now = q2.End.Add(-6 * 24 * time.Hour)
		r := Evaluate(in)
		// A lead made now closes on 24 July: Q3, whose leads are made from
		// 1 June to 1 September. 24 of the 30 days of the pipeline close
		// in Q3; 68 days of leads are left for it.
		if r.Horizon.Name != "2026-Q3" || r.Horizon.Current {
			t.Fatalf("planned %s, want 2026-Q3", r.Horizon.Name)
		}
		inFlight := 83.3 * 30.0 / 7 * 24 / 30 * 1200
		expectNear(t, "in flight", r.Horizon.InFlight, inFlight)
		expectNear(t, "weeks left", r.WeeksLeft, 68.0/7)
		expectNear(t, "need", r.Need, (1.2e6-inFlight)/1200/(68.0/7))
		if r.Verdict.Reason != v1alpha1.BalancedReason {
			t.Errorf("got %s (%s), want Balanced", r.Verdict.Reason, r.Verdict.Message)
		}
	})
	t.Run("with less than a week of leads left for the planned period need spans the next one too", func(t *testing.T) {
		in := baseInput()
		in.Observed.ClosedWonRevenue = ptr.To(1.1e6)
		in.Now = q2.End.Add(-3 * 24 * time.Hour)
		r := Evaluate(in)
		if r.Horizon.Also == nil || r.Horizon.AlsoName != "2026-Q3" {
			t.Fatalf("also plans %q, want 2026-Q3", r.Horizon.AlsoName)
		}
		q3Weeks := 92.0 / 7
		expectNear(t, "need", r.Need, (100000+1.2e6)/1200/(3.0/7+q3Weeks))
	})
	t.Run("a deal-count quota needs remaining deals over the win rate", func(t *testing.T) {
		in := baseInput()
		in.Spec.Quota = v1alpha1.QuotaSpec{Deals: ptr.To[int32](40)}
		in.Observed = TargetObserved{ClosedWonDeals: ptr.To(20.0)}
		r := Evaluate(in)
		expectNear(t, "need", r.Need, 20/0.04/6)
		expectNear(t, "attainment", *r.AttainmentPercent, 50)
	})
	t.Run("a met quota needs nothing", func(t *testing.T) {
		in := baseInput()
		in.Observed.ClosedWonRevenue = ptr.To(1.3e6)
		r := Evaluate(in)
		if r.Need != 0 || r.Remaining != 0 {
			t.Errorf("need %v, remaining %v; want 0", r.Need, r.Remaining)
		}
	})
}

func TestObservedReplacesPlanOnlyWithEnoughData(t *testing.T) {
	in := baseInput()
	r := Evaluate(in)
	if r.WinRateBasis != PlanBasis || r.DealSizeBasis != PlanBasis || r.WinRate != 0.04 || r.DealSize != 30000 {
		t.Fatalf("cold start: got %v %v from %s/%s, want the plan's", r.WinRate, r.DealSize, r.WinRateBasis, r.DealSizeBasis)
	}
	converted(124, MinDealSample-1)(&in)
	if r := Evaluate(in); r.WinRateBasis != PlanBasis || r.DealSizeBasis != PlanBasis {
		t.Fatalf("124 accepted leads, in which 4%% expects fewer than 5 wins, and 19 deals: got %s/%s, want the plan's", r.WinRateBasis, r.DealSizeBasis)
	}
	converted(300, MinDealSample)(&in)
	r = Evaluate(in)
	if r.WinRateBasis != ObservedBasis || r.DealSizeBasis != ObservedBasis {
		t.Fatalf("300 accepted leads and 20 deals: got %s/%s, want observed", r.WinRateBasis, r.DealSizeBasis)
	}
	// 20 wins of 300 leads, pulled toward the plan's 4% with the weight of
	// the leads in which the plan expects PriorWins wins.
	expectNear(t, "win rate", r.WinRate, (20.0+PriorWins)/(300+PriorWins/0.04))
	expectNear(t, "observed win rate", *r.ObservedWinRate, 20.0/300)
	// 600k from 20 deals, pulled toward 30k with the weight of 10 deals.
	expectNear(t, "deal size", r.DealSize, (600000.0+10*30000)/30)
}

func TestOneWindfallDoesNotHalveNeed(t *testing.T) {
	// Five deals, one of them 300k: 420k, an average of 84k against a plan
	// of 30k. Divided by it, need fell from 79.5 to 21/wk, and the quarter
	// ended at 95%. Five deals are too few to judge a deal size by.
	in := baseInput()
	in.Observed.ClosedWonRevenue, in.Observed.ClosedWonDeals = ptr.To(420000.0), ptr.To(5.0)
	r := Evaluate(in)
	if r.DealSizeBasis != PlanBasis || r.DealSize != 30000 {
		t.Fatalf("deal size %v from %s, want the plan's 30k", r.DealSize, r.DealSizeBasis)
	}
	expectNear(t, "need", r.Need, (1.2e6-420000)/1200/6)
	if s := sample(r.Samples, v1alpha1.DealSizeSample); s.Judged || s.Size != 5 || s.Minimum != MinDealSample {
		t.Errorf("deal size sample %+v, want 5 of 20, not judged", s)
	}
	// At 20 deals the windfall is one of 20, and pulled toward the plan.
	in.Observed.ClosedWonRevenue, in.Observed.ClosedWonDeals = ptr.To(19*30000.0+300000), ptr.To(20.0)
	expectNear(t, "deal size at 20 deals", Evaluate(in).DealSize, (19*30000.0+300000+10*30000)/30)
}

func TestWithASalesCycleWinsAreDividedByTheLeadsTheyCameFrom(t *testing.T) {
	// Marketing doubled volume this period: 2,000 leads accepted so far,
	// but the 40 wins came from the 1,000 accepted a cycle earlier.
	in := baseInput()
	in.Spec.Plan.SalesCycleDays = ptr.To[int32](60)
	in.Observed.AcceptedLeads, in.Observed.ClosedWonDeals = ptr.To(2000.0), ptr.To(40.0)
	if r := Evaluate(in); r.WinRateBasis != PlanBasis || r.ObservedWinRate != nil {
		t.Errorf("without the cohort: %s %v, want the plan's rate and no observation", r.WinRateBasis, ptrString(r.ObservedWinRate))
	}
	in.Observed.CohortAccepted = ptr.To(1000.0)
	r := Evaluate(in)
	expectNear(t, "observed win rate", *r.ObservedWinRate, 0.04)
	expectNear(t, "win rate", r.WinRate, 0.04)
	if r.Verdict.Reason == v1alpha1.ConversionLowReason {
		t.Errorf("conversion on plan read low: %s", r.Verdict.Message)
	}
}

func TestQuotaAtRisk(t *testing.T) {
	for _, c := range []struct {
		name     string
		booked   float64
		now      time.Time
		noSupply bool
		risk     *bool
	}{
		{"half booked seven weeks into thirteen is on pace", 600000, weekSev, false, ptr.To(false)},
		{"a quarter booked seven weeks in is at risk", 300000, weekSev, false, ptr.To(true)},
		{"the first days of a period are projected from the supply", 10000, q2.Start.Add(5 * 24 * time.Hour), false, ptr.To(false)},
		{"without supply the first days of a period are not projected", 10000, q2.Start.Add(5 * 24 * time.Hour), true, nil},
		{"without supply a quarter booked seven weeks in is behind its pace", 300000, weekSev, true, ptr.To(true)},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := baseInput()
			in.Now, in.Observed.ClosedWonRevenue = c.now, &c.booked
			if c.noSupply {
				in.Campaigns[0].Leads = nil
			}
			r := Evaluate(in)
			if (r.QuotaAtRisk == nil) != (c.risk == nil) || (c.risk != nil && *r.QuotaAtRisk != *c.risk) {
				t.Errorf("got %v (projected %v), want %v", ptrString(r.QuotaAtRisk), ptrString(r.ProjectedPercent), ptrString(c.risk))
			}
		})
	}
}

func TestProjectionCountsThePipeline(t *testing.T) {
	// 30-day cycle, seven weeks in: 400k booked, 300 accepted leads in the
	// pipeline (all close within the quarter's six weeks), and 83.3 leads a
	// week of supply whose leads made in the next 2 weeks − 2 days close in
	// time.
	in := baseInput()
	in.Spec.Plan.SalesCycleDays = ptr.To[int32](30)
	in.Observed.ClosedWonRevenue = ptr.To(400000.0)
	in.Observed.PipelineLeads = ptr.To(300.0)
	r := Evaluate(in)
	fresh := (42.0 - 30) / 7
	expectNear(t, "projected", *r.ProjectedPercent, 100*(400000+300*1200+83.3*1200*fresh)/1.2e6)
}

func TestOneUnit(t *testing.T) {
	// Sales accepts 60% of leads; the win rate counts accepted leads. Every
	// rate is then in campaign leads: need asks for 1/0.6 as many, and the
	// 200 accepted leads sales works are 333 campaign leads.
	in := baseInput()
	in.Spec.Plan.AcceptedPercent = ptr.To[int32](60)
	r := Evaluate(in)
	expectNear(t, "need", r.Need, 600000.0/1200/6/0.6)
	expectNear(t, "capacity", r.Capacity, 200/0.6)
	expectNear(t, "accepted capacity", r.AcceptedCapacity, 200)
	if r.Verdict.Reason != v1alpha1.LeadShortfallReason {
		t.Errorf("83 campaign leads against a need of 139: got %s, want LeadShortfall", r.Verdict.Reason)
	}
	supply(600000.0 / 1200 / 6 / 0.6)(&in)
	if r := Evaluate(in); r.Verdict.Reason != v1alpha1.BalancedReason {
		t.Errorf("supply at need: got %s (%s)", r.Verdict.Reason, r.Verdict.Message)
	}
	openLeads(201)(&in)
	if r := Evaluate(in); r.Verdict.Reason != v1alpha1.LeadOverflowReason {
		t.Errorf("a backlog of more than a week of accepted capacity: got %s", r.Verdict.Reason)
	}
}

func TestQuotaSchedule(t *testing.T) {
	q := v1alpha1.QuotaSpec{Revenue: ptr.To(resource.MustParse("1.2M")), Schedule: []v1alpha1.ScheduledQuota{
		{From: "2027-01-01", Revenue: ptr.To(resource.MustParse("1.5M"))},
		{From: "2026-07-01", Revenue: ptr.To(resource.MustParse("1.3M"))},
	}}
	for _, c := range []struct {
		start time.Time
		want  float64
	}{
		{q2.Start, 1.2e6},
		{time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), 1.3e6},
		{time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), 1.3e6},
		{time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), 1.5e6},
	} {
		if got, _ := QuotaFor(q, c.start, time.UTC); got != c.want {
			t.Errorf("the period from %s: got %v, want %v", c.start.Format(time.DateOnly), got, c.want)
		}
	}
	// Next quarter's raised quota is what need plans for once leads close in it.
	in := baseInput()
	in.Spec.Quota = q
	in.Spec.Plan.SalesCycleDays = ptr.To[int32](30)
	in.Now = q2.End.Add(-6 * 24 * time.Hour)
	if r := Evaluate(in); r.Horizon.Quota != 1.3e6 {
		t.Errorf("planned %s with quota %v, want 1.3M", r.Horizon.Name, r.Horizon.Quota)
	}
}

func TestAllocate(t *testing.T) {
	camp := func(name string, weight int32, max float64, suspended bool) CampaignInput {
		return CampaignInput{Name: name, Weight: weight, MaxLeads: max, Suspended: suspended}
	}
	for _, c := range []struct {
		name      string
		demand    float64
		campaigns []CampaignInput
		want      []float64
		atMax     []bool
	}{
		{"equal weights split demand evenly", 100,
			[]CampaignInput{camp("a", 1, 1000, false), camp("b", 1, 1000, false)}, []float64{50, 50}, []bool{false, false}},
		{"unequal weights split it by weight", 90,
			[]CampaignInput{camp("a", 2, 1000, false), camp("b", 1, 1000, false)}, []float64{60, 30}, []bool{false, false}},
		{"a campaign at its max gives the rest to the others", 100,
			[]CampaignInput{camp("a", 1, 20, false), camp("b", 1, 1000, false), camp("c", 2, 1000, false)}, []float64{20, 80.0 / 3, 160.0 / 3}, []bool{true, false, false}},
		{"capping cascades", 100,
			[]CampaignInput{camp("a", 1, 10, false), camp("b", 1, 40, false), camp("c", 1, 1000, false)}, []float64{10, 40, 50}, []bool{true, true, false}},
		{"all at max leave demand unmet", 100,
			[]CampaignInput{camp("a", 1, 10, false), camp("b", 1, 20, false)}, []float64{10, 20}, []bool{true, true}},
		{"a suspended campaign takes no share", 100,
			[]CampaignInput{camp("a", 1, 1000, true), camp("b", 1, 1000, false)}, []float64{0, 100}, []bool{false, false}},
		{"all suspended take nothing", 100,
			[]CampaignInput{camp("a", 1, 1000, true), camp("b", 3, 1000, true)}, []float64{0, 0}, []bool{false, false}},
		{"no demand allocates nothing", 0,
			[]CampaignInput{camp("a", 1, 1000, false)}, []float64{0}, []bool{false}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Allocate(c.demand, c.campaigns)
			for i := range c.want {
				if got[i].Name != c.campaigns[i].Name || math.Abs(got[i].Leads-c.want[i]) > 1e-9 || got[i].AtMax != c.atMax[i] {
					t.Fatalf("got %+v, want leads %v at max %v", got, c.want, c.atMax)
				}
			}
		})
	}
}

func expectNear(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

func ptrString[T any](p *T) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

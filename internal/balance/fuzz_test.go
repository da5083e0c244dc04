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
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// FuzzEvaluate feeds the model any spec numbers and any observations,
// including NaN, infinities and negatives from a broken source, and checks
// that nothing it reports is NaN, infinite or negative, that allocations never
// exceed demand, and that it never panics.
func FuzzEvaluate(f *testing.F) {
	f.Add(int32(8), int64(25000), int64(1200000000), false, int32(40), int64(4000), int64(30000000), int32(30), int32(20), false,
		600000.0, 100.0, 4.0, 50.0, 83.3, 33.3, 300.0, int32(1), int64(49*24), 250.0, int32(60), int32(90))
	f.Add(int32(0), int64(1), int64(1), true, int32(1), int64(1), int64(1), int32(365), int32(0), true,
		math.NaN(), math.Inf(1), math.Inf(-1), -5.0, math.NaN(), math.Inf(1), -1.0, int32(0), int64(-1000), math.NaN(), int32(1), int32(0))
	f.Fuzz(func(t *testing.T, reps int32, perRepMilli, revenueMilli int64, dealQuota bool, deals int32, winMilli, dealMilli int64,
		cycleDays, tolerance int32, fill bool,
		booked, accepted, won, open, leads, qualified, maxLeads float64, weight int32, hoursIn int64,
		pipeline float64, acceptedPct, rampDays int32) {
		spec := v1alpha1.SalesTargetSpec{
			Period: v1alpha1.PeriodSpec{Cadence: v1alpha1.Quarterly},
			Capacity: v1alpha1.CapacitySpec{Reps: reps, LeadsPerRepPerWeek: *resource.NewMilliQuantity(perRepMilli, resource.DecimalSI),
				Ramping: []v1alpha1.RampingReps{{Count: 2, StartDate: "2026-05-01", RampDays: &rampDays}}},
			Plan: v1alpha1.PlanSpec{
				AverageDealSize:  resource.NewMilliQuantity(dealMilli, resource.DecimalSI),
				LeadToWinPercent: *resource.NewMilliQuantity(winMilli, resource.DecimalSI),
				QualifiedPercent: ptr.To[int32](40),
				SalesCycleDays:   &cycleDays,
				AcceptedPercent:  &acceptedPct,
			},
			Drift: &v1alpha1.DriftSpec{TolerancePercent: &tolerance},
		}
		if dealQuota {
			spec.Quota.Deals = &deals
		} else {
			spec.Quota.Revenue = resource.NewMilliQuantity(revenueMilli, resource.DecimalSI)
		}
		if fill {
			spec.Strategy = v1alpha1.FillCapacity
		}
		in := TargetInput{
			Spec:   spec,
			Period: q2,
			Now:    q2.Start.Add(time.Duration(hoursIn%100000) * time.Hour),
			Observed: TargetObserved{
				ClosedWonRevenue: &booked, ClosedWonDeals: &won, OpenLeads: &open, AcceptedLeads: &accepted,
				PipelineLeads: &pipeline,
			},
			Campaigns: []CampaignInput{
				{Name: "a", Weight: weight, Leads: &leads, QualifiedLeads: &qualified, MaxLeads: maxLeads},
				{Name: "b", Weight: 1, Leads: &qualified, MaxLeads: 100},
			},
		}
		r := Evaluate(in)
		for name, v := range map[string]float64{
			"capacity": r.Capacity, "booked": r.Booked, "remaining": r.Remaining, "weeks left": r.WeeksLeft,
			"need": r.Need, "demand": r.Demand, "supply": r.Supply, "win rate": r.WinRate, "deal size": r.DealSize,
			"in flight": r.Horizon.InFlight, "pipeline": r.Horizon.PipelineLeads, "accepted capacity": r.AcceptedCapacity,
		} {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				t.Fatalf("%s is %v", name, v)
			}
		}
		for name, p := range map[string]*float64{"quality": r.Quality, "attainment": r.AttainmentPercent, "projected": r.ProjectedPercent} {
			if p != nil && (math.IsNaN(*p) || math.IsInf(*p, 0) || *p < 0) {
				t.Fatalf("%s is %v", name, *p)
			}
		}
		var total float64
		for _, a := range r.Allocations {
			if math.IsNaN(a.Leads) || math.IsInf(a.Leads, 0) || a.Leads < 0 {
				t.Fatalf("allocation %+v", a)
			}
			total += a.Leads
		}
		if total > r.Demand*(1+1e-9)+1e-9 {
			t.Fatalf("allocated %v of a demand of %v", total, r.Demand)
		}
		if r.Verdict.Reason == "" || r.Verdict.Message == "" {
			t.Fatalf("verdict %+v", r.Verdict)
		}
	})
}

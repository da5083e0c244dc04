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
	"encoding/json"
	"math"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/balance"
	"github.com/truce-dev/truce/internal/outreach"
	"github.com/truce-dev/truce/internal/status"
)

// FuzzCampaignDecision runs a Campaign reconcile's pure decisions (status,
// yield, parallelism, verdict, history) over any numbers the API accepts
// and any a source may answer: no panic, no parallelism outside the spec's
// bounds, nothing in status that is not a finite number, and a status that
// still marshals.
func FuzzCampaignDecision(f *testing.F) {
	f.Add(84.0, 34.0, 100.0, int64(15000), int32(0), int32(20), int32(3), int32(4), int64(3600), int32(604800), false, false, int64(30))
	f.Add(math.Inf(1), math.NaN(), -5.0, int64(1), int32(5), int32(5), int32(-1), int32(10000), int64(-10), int32(1), true, true, int64(0))
	f.Add(1e21, 1e22, 1e300, int64(math.MaxInt64), int32(10000), int32(10000), int32(10000), int32(0), int64(math.MaxInt32), int32(7776000), false, true, int64(-1))
	f.Fuzz(func(t *testing.T, leads, qualified, allocated float64, planMilli int64, lo, hi, current, historyWorkers int32,
		historyAgeSeconds int64, windowSeconds int32, suspend, recommend bool, _ int64) {
		now := time.Date(2026, 5, 20, 10, 0, 0, 0, time.UTC)
		hi = max(1, min(hi, 10000))
		lo = max(0, min(lo, hi))
		camp := &v1alpha1.Campaign{}
		camp.Name, camp.Generation = "c", 1
		camp.Spec.Suspend = suspend
		if recommend {
			camp.Spec.Mode = v1alpha1.RecommendMode
		}
		camp.Spec.Outreach.MinParallelism, camp.Spec.Outreach.MaxParallelism = &lo, hi
		camp.Spec.Outreach.LeadsPerWorkerPerWeek = *resource.NewMilliQuantity(max(planMilli, 1), resource.DecimalSI)
		camp.Spec.Metrics.Leads, camp.Spec.Metrics.QualifiedLeads = "l", "q"
		camp.Spec.Metrics.WindowSeconds = ptr.To(max(1, windowSeconds))
		camp.Status.ParallelismHistory = []v1alpha1.ParallelismRecord{{
			Since: metav1.NewTime(now.Add(-time.Duration(historyAgeSeconds%(400*24*3600)) * time.Second)), Parallelism: max(0, historyWorkers),
		}}
		a := balance.Quantity(allocated)
		target := &v1alpha1.SalesTarget{}
		target.Name = "t"
		target.Status.Campaigns = []v1alpha1.CampaignAllocation{{Name: "c", AllocatedLeadsPerWeek: &a, AtMax: suspend}}
		in := campaignInput{
			campaign: camp, target: target, now: now,
			observed: observed{at: now, interval: 30 * time.Second,
				values: map[string]float64{"leads": leads, "qualifiedLeads": qualified}, errs: map[string]error{}},
			workload: outreach.Observation{State: outreach.State{Parallelism: max(0, current), Running: max(0, current)}},
		}
		p := plan(in)
		d := p.decision
		camp.Status = summarise(in, p, p.expected(in))
		switch {
		case suspend && d.Desired != 0:
			t.Fatalf("suspended but desired %d", d.Desired)
		case !suspend && d.Desired > max(hi, in.workload.State.Parallelism):
			t.Fatalf("desired %d above max %d", d.Desired, hi)
		case d.Desired < 0:
			t.Fatalf("desired %d", d.Desired)
		}
		for name, q := range map[string]*resource.Quantity{
			"leadsPerWeek": camp.Status.LeadsPerWeek, "qualifiedPercent": camp.Status.QualifiedPercent,
			"yieldPerWorker": camp.Status.YieldPerWorker, "allocatedLeadsPerWeek": camp.Status.AllocatedLeadsPerWeek,
		} {
			if q == nil {
				continue
			}
			if v := q.AsApproximateFloat64(); math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%s is %s", name, q)
			}
		}
		for _, c := range camp.Status.Conditions {
			if c.Reason == "" || c.Message == "" || len(c.Message) > status.MaxConditionMessage {
				t.Fatalf("condition %+v", c)
			}
		}
		if len(camp.Status.ParallelismHistory) > balance.MaxWorkerRecords {
			t.Fatalf("history of %d records", len(camp.Status.ParallelismHistory))
		}
		if _, err := json.Marshal(camp.Status); err != nil {
			t.Fatal(err)
		}
	})
}

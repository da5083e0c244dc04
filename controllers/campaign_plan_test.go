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

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/outreach"
)

// A reconcile between polls (the controller's own Job update triggers one)
// reads the same cached leads after a scale-up. Divided by the workers
// running now they would read the yield low and ask for more workers within
// one interval; divided by the worker-time over the window, as the history
// in status records it, they read it right.
func TestYieldComesFromTheWorkersThatProducedTheLeads(t *testing.T) {
	allocated := resource.MustParse("100")
	now := time.Date(2026, 5, 20, 10, 0, 0, 0, time.UTC)
	camp := &v1alpha1.Campaign{}
	camp.Name = "webinar"
	camp.Spec.Outreach.MaxParallelism = 20
	camp.Spec.Outreach.LeadsPerWorkerPerWeek = resource.MustParse("10")
	camp.Spec.Outreach.Behavior = &v1alpha1.ScalingBehavior{ScaleUpWorkers: ptr.To(int32(20)), ScaleUpPercent: ptr.To(int32(1000))}
	// 4 workers ran all week.
	camp.Status.ParallelismHistory = []v1alpha1.ParallelismRecord{{Since: metav1.NewTime(now.Add(-8 * 24 * time.Hour)), Parallelism: 4}}
	target := &v1alpha1.SalesTarget{}
	target.Status.Campaigns = []v1alpha1.CampaignAllocation{{Name: "webinar", AllocatedLeadsPerWeek: &allocated}}
	input := func(leads float64, workers int32) campaignInput {
		return campaignInput{
			campaign: camp, target: target, now: now,
			observed: observed{at: now, interval: 5 * time.Second, values: map[string]float64{"leads": leads}, errs: map[string]error{}},
			workload: outreach.Observation{State: outreach.State{Parallelism: workers, Running: workers, ActiveJob: "webinar-0123456789"}},
		}
	}
	step := func(what string, leads float64, workers, want int32, yield string) {
		t.Helper()
		in := input(leads, workers)
		p := plan(in)
		camp.Status = summarise(in, p, p.expected(in))
		if p.decision.Desired != want || camp.Status.YieldPerWorker.String() != yield || camp.Status.YieldBasis != "Observed" {
			t.Errorf("%s: desired %d (%s) at yield %s (%s), want %d at %s", what, p.decision.Desired, p.decision.Reason,
				camp.Status.YieldPerWorker, camp.Status.YieldBasis, want, yield)
		}
		now = now.Add(5 * time.Second)
	}
	step("80 leads/wk from 4 workers: 20 each, 5 for 100", 80, 4, 5, "20")
	step("the same cached reading once 5 run", 80, 5, 5, "20")
	now = now.Add(24 * time.Hour)
	// Six days of 4 workers and one of 5 at 20 leads a worker-week.
	step("a day later the week's leads come from 4 and 5 workers", 20*(6*4+5)/7.0, 5, 5, "20")
}

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
	"k8s.io/utils/ptr"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/outreach"
)

// A reconcile between polls (the controller's own Job update triggers one)
// reads the same cached leads; it must divide them by the workers that
// produced them, not by the parallelism just set, or each such reconcile
// reads the yield lower and asks for more workers within one interval.
func TestCachedLeadsKeepTheirWorkers(t *testing.T) {
	allocated := resource.MustParse("100")
	camp := &v1alpha1.Campaign{}
	camp.Name = "webinar"
	camp.Spec.Outreach.MaxParallelism = 20
	camp.Spec.Outreach.LeadsPerWorkerPerWeek = resource.MustParse("10")
	camp.Spec.Outreach.Behavior = &v1alpha1.ScalingBehavior{ScaleUpWorkers: ptr.To(int32(20)), ScaleUpPercent: ptr.To(int32(1000))}
	target := &v1alpha1.SalesTarget{}
	target.Status.Campaigns = []v1alpha1.CampaignAllocation{{Name: "webinar", AllocatedLeadsPerWeek: &allocated}}
	now := time.Date(2026, 5, 20, 10, 0, 0, 0, time.UTC)
	input := func(leads float64, fetchedAt time.Time, workers int32) campaignInput {
		return campaignInput{
			campaign: camp, target: target,
			observed: observed{at: now, interval: 5 * time.Second, values: map[string]float64{"leads": leads},
				errs: map[string]error{}, fetched: map[string]time.Time{"leads": fetchedAt}},
			workload: outreach.State{Parallelism: workers, ActiveJob: "webinar-0123456789"},
		}
	}
	var hist scaleHistory
	poll := now
	step := func(what string, fresh bool, leads float64, workers, want int32) {
		t.Helper()
		if fresh {
			poll = now
		}
		d := decideScale(camp.DeepCopy(), input(leads, poll, workers), &hist, now)
		if d.Desired != want {
			t.Errorf("%s: desired %d (%s), want %d", what, d.Desired, d.Reason, want)
		}
		hist.recommendations, hist.changes = d.History, d.Changes
		now = now.Add(time.Second)
	}
	step("80 leads/wk from 4 workers: 20 each, 5 for 100", true, 80, 4, 5)
	step("the same cached reading after scaling to 5", false, 80, 5, 5)
	step("a fresh reading from the 5 workers", true, 100, 5, 5)
	step("a fresh reading after yield fell to 10 each", true, 50, 5, 10)
	step("the same cached reading once 10 run", false, 50, 10, 10)
	step("a fresh reading of the same value from the 10", true, 50, 10, 20)
}

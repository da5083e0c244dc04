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
	"fmt"
	"math"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/balance"
	"github.com/truce-dev/truce/internal/metrics"
)

// scaleMemory keeps each campaign's recent recommendations and scale
// changes, like the HPA does, for the stabilization window and the scale-up
// rate limit. It is lost on restart, which only makes the next decisions
// start their windows afresh.
type scaleMemory struct {
	mu sync.Mutex
	m  map[types.NamespacedName]scaleHistory
}

type scaleHistory struct {
	recommendations []balance.Recommendation
	changes         []balance.Change
	// reading is when the leads last read were fetched and the workers
	// that were running when that reading was first seen.
	reading *leadsReading
}

// leadsReading pairs a leads reading with the workers that produced it. A
// reconcile between polls (an owned Job changed, often because this
// controller just scaled it) gets the same cached reading back; dividing it
// by the new parallelism would read the yield low and ask for more workers
// again and again within one interval.
type leadsReading struct {
	fetchedAt time.Time
	workers   int32
}

// observe records a leads reading fetched at fetchedAt, keeping the worker
// count of the first time this reading was seen, and returns the workers
// to divide it by.
func (h *scaleHistory) observe(fetchedAt time.Time, workers int32) int32 {
	if h.reading == nil || !h.reading.fetchedAt.Equal(fetchedAt) {
		h.reading = &leadsReading{fetchedAt: fetchedAt, workers: workers}
	}
	return h.reading.workers
}

func (s *scaleMemory) get(k types.NamespacedName) scaleHistory {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[k]
}

func (s *scaleMemory) put(k types.NamespacedName, h scaleHistory) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[types.NamespacedName]scaleHistory{}
	}
	s.m[k] = h
}

func (s *scaleMemory) forget(k types.NamespacedName) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, k)
}

// allocationOf is the campaign's share of its target's demand, from the
// target's status; nil until the target has allocated.
func allocationOf(camp *v1alpha1.Campaign, target *v1alpha1.SalesTarget) *float64 {
	if target == nil {
		return nil
	}
	for _, c := range target.Status.Campaigns {
		if c.Name == camp.Name && c.AllocatedLeadsPerWeek != nil {
			v := c.AllocatedLeadsPerWeek.AsApproximateFloat64()
			return &v
		}
	}
	return nil
}

// decideScale sets the campaign's yield, allocation and desired
// parallelism in status and returns the decision.
func decideScale(camp *v1alpha1.Campaign, in campaignInput, hist *scaleHistory, now time.Time) balance.ScaleDecision {
	s := &camp.Status
	var leads *float64
	workers := in.workload.Parallelism
	if v, ok := in.observed.values["leads"]; ok {
		leads = &v
		workers = hist.observe(in.observed.fetched["leads"], in.workload.Parallelism)
	}
	var prev *float64
	if s.YieldPerWorker != nil {
		p := s.YieldPerWorker.AsApproximateFloat64()
		prev = &p
	}
	plan := camp.Spec.Outreach.LeadsPerWorkerPerWeek.AsApproximateFloat64()
	yield, _ := balance.Yield(leads, workers, prev, plan)
	y := balance.Quantity(math.Round(yield*100) / 100)
	s.YieldPerWorker = &y

	allocated := allocationOf(camp, in.target)
	s.AllocatedLeadsPerWeek = nil
	if allocated != nil {
		s.AllocatedLeadsPerWeek = rate(*allocated)
	}
	_, leadsFailed := in.observed.errs["leads"]
	d := balance.DesiredParallelism(balance.ScaleInput{
		Now:            now,
		Current:        in.workload.Parallelism,
		Allocated:      ptr.Deref(allocated, 0),
		Yield:          yield,
		Min:            ptr.Deref(camp.Spec.Outreach.MinParallelism, 0),
		Max:            camp.Spec.Outreach.MaxParallelism,
		Suspended:      camp.Spec.Suspend,
		Behavior:       camp.Spec.Outreach.Behavior,
		History:        hist.recommendations,
		Changes:        hist.changes,
		MetricsFailing: leadsFailed || (allocated == nil && !camp.Spec.Suspend),
		Failures:       metrics.Failures(s.Metrics, "leads"),
		Fallback:       camp.Spec.Outreach.Fallback,
		Unlimited:      camp.Spec.Mode == v1alpha1.RecommendMode,
	})
	s.DesiredParallelism = ptr.To(d.Desired)
	return d
}

// setCampaignBalanced judges the campaign's own share: its leads against
// its allocation, within the target's tolerance.
func setCampaignBalanced(camp *v1alpha1.Campaign, target *v1alpha1.SalesTarget) {
	s, gen := &camp.Status, camp.Generation
	t := balance.Tolerance(nil)
	if target != nil {
		t = balance.Tolerance(target.Spec.Drift)
	}
	switch {
	case camp.Spec.Suspend:
		setCondition(&s.Conditions, gen, v1alpha1.BalancedCondition, metav1.ConditionTrue, v1alpha1.BalancedReason,
			"Suspended: the campaign takes no share of demand")
		return
	case s.LeadsPerWeek == nil || s.AllocatedLeadsPerWeek == nil:
		setCondition(&s.Conditions, gen, v1alpha1.BalancedCondition, metav1.ConditionUnknown, v1alpha1.AwaitingMetricsReason,
			"The campaign's leads and allocation are not both known yet")
		return
	}
	leads, share := s.LeadsPerWeek.AsApproximateFloat64(), s.AllocatedLeadsPerWeek.AsApproximateFloat64()
	atMax := ptr.Deref(s.DesiredParallelism, 0) >= camp.Spec.Outreach.MaxParallelism
	targetShort := target != nil && meta.IsStatusConditionFalse(target.Status.Conditions, v1alpha1.BalancedCondition) &&
		meta.FindStatusCondition(target.Status.Conditions, v1alpha1.BalancedCondition).Reason == v1alpha1.LeadShortfallReason
	switch {
	case atMax && targetShort:
		// Its share is capped at what it reaches at max, so it meets its
		// share and still leaves the target short.
		setCondition(&s.Conditions, gen, v1alpha1.BalancedCondition, metav1.ConditionFalse, v1alpha1.LeadShortfallReason,
			fmt.Sprintf("produces %s leads/wk at maxParallelism (%d) while SalesTarget %q is short of leads: raise maxParallelism or improve yield",
				balanceNum(leads), camp.Spec.Outreach.MaxParallelism, target.Name))
	case leads < share*(1-t):
		msg := fmt.Sprintf("produces %s leads/wk of its %s/wk share", balanceNum(leads), balanceNum(share))
		if atMax {
			msg += fmt.Sprintf(" at maxParallelism (%d): raise it or improve yield", camp.Spec.Outreach.MaxParallelism)
		}
		setCondition(&s.Conditions, gen, v1alpha1.BalancedCondition, metav1.ConditionFalse, v1alpha1.LeadShortfallReason, msg)
	case leads > share*(1+t):
		setCondition(&s.Conditions, gen, v1alpha1.BalancedCondition, metav1.ConditionFalse, v1alpha1.LeadOverflowReason,
			fmt.Sprintf("produces %s leads/wk against a %s/wk share", balanceNum(leads), balanceNum(share)))
	default:
		setCondition(&s.Conditions, gen, v1alpha1.BalancedCondition, metav1.ConditionTrue, v1alpha1.BalancedReason,
			fmt.Sprintf("produces %s leads/wk of its %s/wk share", balanceNum(leads), balanceNum(share)))
	}
}

func balanceNum(v float64) string { return fmt.Sprintf("%.0f", v) }

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
	"math"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/balance"
	"github.com/truce-dev/truce/internal/metrics"
	"github.com/truce-dev/truce/internal/snapshot"
)

// scaleMemory keeps each campaign's recent recommendations and scale
// changes, like the HPA does, for the scale-down stabilization window and
// the scale-up rate limit. It is lost on restart: the stabilization window
// then starts afresh, and the rate limit counts the changes the parallelism
// history in status records, so a restart never grants an extra step.
type scaleMemory struct {
	mu sync.Mutex
	m  map[types.NamespacedName]scaleHistory
}

type scaleHistory struct {
	recommendations []balance.Recommendation
	// changes are the scale changes this process made; nil until it made
	// one, and then preferred to those in status, which the cache may not
	// show yet.
	changes []balance.Change
	// workers is the parallelism history this process last wrote to status.
	workers []balance.WorkerRecord
}

// latestWorkers is the newer of the parallelism history in status and the
// one this process last wrote. A reconcile can read the campaign from the
// cache before its own last status write has reached it; the history from
// that stale copy would lose the newest record, and with it worker-time.
func latestWorkers(status []v1alpha1.ParallelismRecord, written []balance.WorkerRecord) []balance.WorkerRecord {
	fromStatus := fromRecords(status)
	switch {
	case len(written) == 0:
		return fromStatus
	case len(fromStatus) == 0:
		return written
	case fromStatus[len(fromStatus)-1].Since.After(written[len(written)-1].Since):
		return fromStatus
	}
	return written
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
func allocationOf(camp *v1alpha1.Campaign, target *v1alpha1.SalesTarget) *v1alpha1.CampaignAllocation {
	return snapshot.Allocation(camp, target)
}

// decideScale sets the campaign's yield, allocation and desired
// parallelism in status and returns the decision. The yield divides the
// window's leads by the average workers over the window, from the
// parallelism history in status, so a reading is never divided by workers
// that did not produce it.
func decideScale(camp *v1alpha1.Campaign, in campaignInput, hist *scaleHistory, now time.Time) balance.ScaleDecision {
	s := &camp.Status
	var leads *float64
	if v, ok := in.observed.values[string(v1alpha1.LeadsMetric)]; ok {
		leads = &v
	}
	var prev *float64
	if s.YieldPerWorker != nil && s.YieldBasis == v1alpha1.Basis(balance.ObservedBasis) {
		p := s.YieldPerWorker.AsApproximateFloat64()
		prev = &p
	}
	plan := camp.Spec.Outreach.LeadsPerWorkerPerWeek.AsApproximateFloat64()
	history := fromRecords(s.ParallelismHistory)
	// The leads were made over the window that ended the source's delay ago.
	workers := balance.AverageWorkers(history, now.Add(-metricsDelay(camp)), metricsWindow(camp))
	changes := hist.changes
	if changes == nil {
		changes = balance.ChangesOf(history)
	}
	yield, basis := balance.Yield(leads, workers, prev, plan)
	y := balance.Quantity(math.Round(yield*100) / 100)
	s.YieldPerWorker, s.YieldBasis = &y, v1alpha1.Basis(basis)

	var allocated *float64
	s.AllocatedLeadsPerWeek = nil
	if a := allocationOf(camp, in.target); a != nil {
		v := a.AllocatedLeadsPerWeek.AsApproximateFloat64()
		allocated = &v
		s.AllocatedLeadsPerWeek = rate(v)
	}
	_, leadsFailed := in.observed.errs[string(v1alpha1.LeadsMetric)]
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
		Changes:        changes,
		MetricsFailing: leadsFailed || (allocated == nil && !camp.Spec.Suspend),
		Failures:       metrics.Failures(s.Metrics, string(v1alpha1.LeadsMetric)),
		Fallback:       camp.Spec.Outreach.Fallback,
		Unlimited:      camp.Spec.Mode == v1alpha1.RecommendMode,
	})
	s.DesiredParallelism = ptr.To(d.Desired)
	return d
}

// setCampaignBalanced sets the campaign's own verdict on its share, judged
// by balance.JudgeCampaign with its target's tolerance and plan.
func setCampaignBalanced(camp *v1alpha1.Campaign, target *v1alpha1.SalesTarget) {
	s := &camp.Status
	j := snapshot.Judgement(camp, target)
	v := balance.JudgeCampaign(j)
	status := metav1.ConditionFalse
	switch {
	case v.Balanced():
		status = metav1.ConditionTrue
	case v.Reason == v1alpha1.AwaitingMetricsReason || v.Reason == v1alpha1.NotAllocatedReason:
		status = metav1.ConditionUnknown
	}
	setCondition(&s.Conditions, camp.Generation, v1alpha1.BalancedCondition, status, v.Reason, v.Message)
}

// fromRecords and toRecords convert the parallelism history between status
// and the model.
func fromRecords(rs []v1alpha1.ParallelismRecord) []balance.WorkerRecord {
	return snapshot.Workers(rs)
}

func toRecords(ws []balance.WorkerRecord) []v1alpha1.ParallelismRecord {
	if len(ws) == 0 {
		return nil
	}
	out := make([]v1alpha1.ParallelismRecord, len(ws))
	for i, w := range ws {
		out[i] = v1alpha1.ParallelismRecord{Since: metav1.Time{Time: w.Since}, Parallelism: w.Workers}
	}
	return out
}

// bounded cuts a condition message to maxConditionMessage bytes, far below
// the API's 32 KiB, so that a long error can never make a status write fail.
func bounded(msg string) string { return metrics.Truncate(msg, maxConditionMessage) }

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
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/balance"
	"github.com/truce-dev/truce/internal/snapshot"
)

// This file converts between a Campaign's status and the model's types:
// once on the way in (plan) and once on the way out (summarise).

// metricsDelay is how late a campaign's source counts leads
// (spec.metrics.delaySeconds): its leads were made by the workers of the
// window that ended this long ago.
func metricsDelay(c *v1alpha1.Campaign) time.Duration {
	if d := c.Spec.Metrics.DelaySeconds; d != nil && *d > 0 {
		return time.Duration(*d) * time.Second
	}
	return 0
}

// historySpan is how far back a campaign's parallelism history must reach:
// the window, ending metricsDelay ago.
func historySpan(c *v1alpha1.Campaign) time.Duration {
	return snapshot.Window(c) + metricsDelay(c)
}

// observedYield is the yield status last observed, nil when it holds the
// plan's or none.
func observedYield(s *v1alpha1.CampaignStatus) *float64 {
	if s.YieldPerWorker == nil || s.YieldBasis != v1alpha1.Basis(balance.ObservedBasis) {
		return nil
	}
	y := s.YieldPerWorker.AsApproximateFloat64()
	return &y
}

// observedRates are the leads per week and qualified share this round read,
// or the ones status holds where a read failed.
func observedRates(o observed, leads, qualifiedPercent *resource.Quantity) (*resource.Quantity, *resource.Quantity) {
	l, ok := o.values[string(v1alpha1.LeadsMetric)]
	if !ok {
		return leads, qualifiedPercent
	}
	q := balance.Quantity(l)
	leads = &q
	if qualified, ok := o.values[string(v1alpha1.QualifiedLeadsMetric)]; ok && l > 0 {
		p := balance.Quantity(100 * qualified / l)
		qualifiedPercent = &p
	}
	return leads, qualifiedPercent
}

// leadsFailed says whether this round's read of the leads failed.
func leadsFailed(o observed) bool {
	_, failed := o.errs[string(v1alpha1.LeadsMetric)]
	return failed
}

// verdictStatus is the Balanced status of a campaign's verdict.
func verdictStatus(v balance.Verdict) metav1.ConditionStatus {
	switch {
	case v.Balanced():
		return metav1.ConditionTrue
	case v.Reason == v1alpha1.AwaitingMetricsReason || v.Reason == v1alpha1.NotAllocatedReason:
		return metav1.ConditionUnknown
	}
	return metav1.ConditionFalse
}

// scalingStatus is the model's scale memory as status keeps it; nil when
// it holds nothing.
func scalingStatus(m balance.ScaleMemory) *v1alpha1.ScalingMemory {
	if m.Current == nil && len(m.Earlier) == 0 && len(m.Changes) == 0 {
		return nil
	}
	s := &v1alpha1.ScalingMemory{}
	if m.Current != nil {
		s.Recommendation = &v1alpha1.ScaleRecommendation{Time: metav1.Time{Time: m.Current.Time}, Parallelism: m.Current.Parallelism}
	}
	for _, r := range m.Earlier {
		s.Earlier = append(s.Earlier, v1alpha1.ScaleRecommendation{Time: metav1.Time{Time: r.Time}, Parallelism: r.Parallelism})
	}
	for _, c := range m.Changes {
		s.Changes = append(s.Changes, v1alpha1.ScaleChange{Time: metav1.Time{Time: c.Time}, Delta: c.Delta})
	}
	return s
}

// parallelismRecords is the model's worker history as status keeps it.
func parallelismRecords(ws []balance.WorkerRecord) []v1alpha1.ParallelismRecord {
	if len(ws) == 0 {
		return nil
	}
	out := make([]v1alpha1.ParallelismRecord, len(ws))
	for i, w := range ws {
		out[i] = v1alpha1.ParallelismRecord{Since: metav1.Time{Time: w.Since}, Parallelism: w.Workers}
	}
	return out
}

// ptrIf is &v when ok, else nil.
func ptrIf[T any](v T, ok bool) *T {
	if !ok {
		return nil
	}
	return &v
}

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

// Package status owns truce's writes of API status: conditions, the health
// of each query, the bounds on what a message may hold, and the patch that
// writes a reconcile's status with the resource version it read.
package status

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/balance"
)

// FieldManager is the name truce writes and records Events under.
const FieldManager = "truce-controller"

const (
	// MaxConditionMessage bounds a condition's message, far below the API's
	// 32 KiB, so that a long error can never make a status write fail.
	MaxConditionMessage = 1024
	// MaxErrorMessage bounds one metric's lastError: the kind, the query
	// (cut) and what was wrong fit; status stays small at fleet scale.
	MaxErrorMessage = 256
)

// Truncate cuts s to at most n bytes, on a rune boundary, marking the cut
// with an ellipsis.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "..."
	if n <= len(mark) {
		return mark[:max(n, 0)]
	}
	cut := n - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}

// Set sets a condition at the object's generation, its message cut to
// MaxConditionMessage.
func Set(conds *[]metav1.Condition, generation int64, typ string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(conds, metav1.Condition{
		Type:               typ,
		Status:             status,
		ObservedGeneration: generation,
		Reason:             reason,
		Message:            Truncate(message, MaxConditionMessage),
	})
}

// RecordHealth returns list with the health of metric name updated by one
// read at now: the value on success; otherwise the error and, at most once
// per interval, one more consecutive failure. A failure keeps the last good
// value, so status still shows what the controller holds to.
func RecordHealth(list []v1alpha1.MetricStatus, name string, value float64, err error, now time.Time, interval time.Duration) []v1alpha1.MetricStatus {
	i := indexOf(list, name)
	if i < 0 {
		list = append(list, v1alpha1.MetricStatus{Name: name})
		i = len(list) - 1
	}
	m := &list[i]
	if err != nil {
		m.LastError = Truncate(err.Error(), MaxErrorMessage)
		// Reconciles between polls see the same cached failure: count it once.
		if m.LastFailureTime == nil || now.Sub(m.LastFailureTime.Time) >= interval*3/4 {
			m.ConsecutiveFailures++
			m.LastFailureTime = &metav1.Time{Time: now}
		}
		return list
	}
	q := balance.Quantity(value)
	m.Value, m.ConsecutiveFailures, m.LastError, m.LastFailureTime = &q, 0, "", nil
	return list
}

// Failures is the number of consecutive failed reads of metric name.
func Failures(list []v1alpha1.MetricStatus, name string) int32 {
	if i := indexOf(list, name); i >= 0 {
		return list[i].ConsecutiveFailures
	}
	return 0
}

func indexOf(list []v1alpha1.MetricStatus, name string) int {
	for i := range list {
		if list[i].Name == name {
			return i
		}
	}
	return -1
}

// Object is an API object with status conditions.
type Object interface {
	client.Object
	GetConditions() []metav1.Condition
}

// Write patches updated's status when it differs from orig's, or always when
// check is set, with orig's resource version: a reconcile that read a stale
// copy gets a conflict (apierrors.IsConflict) and writes nothing, so what was
// read is what is written. check makes the patch a test of that before an
// action: unchanged, it writes nothing to storage. It emits an Event for
// every condition whose status changed, or whose reason did while it calls
// for action.
func Write(ctx context.Context, c client.Client, rec events.EventRecorder, orig, updated Object, origStatus, newStatus any, check bool) error {
	if !check && equality.Semantic.DeepEqual(origStatus, newStatus) {
		return nil
	}
	patch := client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{})
	if err := c.Status().Patch(ctx, updated, patch, client.FieldOwner(FieldManager)); err != nil {
		return fmt.Errorf("writing status: %w", err)
	}
	recordTransitions(rec, orig.GetConditions(), updated)
	return nil
}

// recordTransitions emits an Event for each condition of obj whose status
// changed, or whose reason changed while it calls for action (a Warning):
// Balanced=False moving from LeadShortfall to CapacityBelowQuotaNeed names
// another team, and is news even though the status stays False; Unknown
// moving from AwaitingMetrics to NotAllocated is not. A condition's first
// setting is an observation, not news: at fleet scale those Events would
// outnumber every other write.
func recordTransitions(rec events.EventRecorder, before []metav1.Condition, obj Object) {
	if rec == nil {
		return
	}
	for _, cond := range obj.GetConditions() {
		old := meta.FindStatusCondition(before, cond.Type)
		if old == nil || (old.Status == cond.Status && (old.Reason == cond.Reason || eventType(cond) != corev1.EventTypeWarning)) {
			continue
		}
		rec.Eventf(obj, nil, eventType(cond), cond.Reason, "Set"+cond.Type,
			"%s=%s: %s", cond.Type, cond.Status, cond.Message)
	}
}

// eventType is Warning for the states a person should act on.
func eventType(cond metav1.Condition) string {
	bad := map[string]metav1.ConditionStatus{
		v1alpha1.ReadyCondition:            metav1.ConditionFalse,
		v1alpha1.BalancedCondition:         metav1.ConditionFalse,
		v1alpha1.MetricsAvailableCondition: metav1.ConditionFalse,
		v1alpha1.QuotaAtRiskCondition:      metav1.ConditionTrue,
	}
	if s, ok := bad[cond.Type]; ok && s == cond.Status {
		return corev1.EventTypeWarning
	}
	return corev1.EventTypeNormal
}

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
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// FieldManager is the name truce writes and records events under.
const FieldManager = "truce-controller"

// conditioned is an API object with status conditions.
type conditioned interface {
	client.Object
	GetConditions() []metav1.Condition
}

// writeStatus patches updated's status when it differs from orig's and emits
// an Event for every condition whose status changed, or whose reason did
// while it calls for action. It is the only status
// write of a reconcile; when nothing changed it writes nothing.
func writeStatus(ctx context.Context, c client.Client, rec events.EventRecorder, orig, updated conditioned, origStatus, newStatus any) error {
	if equality.Semantic.DeepEqual(origStatus, newStatus) {
		return nil
	}
	if err := c.Status().Patch(ctx, updated, client.MergeFrom(orig), client.FieldOwner(FieldManager)); err != nil {
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
// setting is an observation, not news: at
// fleet scale those Events would outnumber every other write.
func recordTransitions(rec events.EventRecorder, before []metav1.Condition, obj conditioned) {
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

// setCondition sets a condition at the object's generation.
func setCondition(conds *[]metav1.Condition, generation int64, typ string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(conds, metav1.Condition{
		Type:               typ,
		Status:             status,
		ObservedGeneration: generation,
		Reason:             reason,
		Message:            message,
	})
}

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

package status

import (
	"strings"
	"testing"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// TestEventsFollowStatusAndReason checks which condition changes are
// recorded as Events: a new status, or the same status that calls for
// action for another reason (another class of drift names another team),
// never the first setting, another reason for a state that calls for
// nothing, or a message that moved alone.
func TestEventsFollowStatusAndReason(t *testing.T) {
	balanced := func(status metav1.ConditionStatus, reason, message string) []metav1.Condition {
		return []metav1.Condition{{Type: v1alpha1.BalancedCondition, Status: status, Reason: reason, Message: message}}
	}
	for _, tc := range []struct {
		name          string
		before, after []metav1.Condition
		want          []string
	}{
		{"first setting", nil, balanced(metav1.ConditionFalse, v1alpha1.LeadShortfallReason, "short"), nil},
		{"status changes", balanced(metav1.ConditionTrue, v1alpha1.BalancedReason, "ok"), balanced(metav1.ConditionFalse, v1alpha1.LeadShortfallReason, "short"),
			[]string{"Warning LeadShortfall Balanced=False: short"}},
		{"reason changes, status stays False", balanced(metav1.ConditionFalse, v1alpha1.LeadShortfallReason, "short"),
			balanced(metav1.ConditionFalse, v1alpha1.CapacityBelowQuotaNeedReason, "add reps"),
			[]string{"Warning CapacityBelowQuotaNeed Balanced=False: add reps"}},
		{"reason changes, status stays Unknown", balanced(metav1.ConditionUnknown, v1alpha1.AwaitingMetricsReason, "waiting"),
			balanced(metav1.ConditionUnknown, v1alpha1.NotAllocatedReason, "no share"), nil},
		{"message alone changes", balanced(metav1.ConditionFalse, v1alpha1.LeadShortfallReason, "supply 10/wk"),
			balanced(metav1.ConditionFalse, v1alpha1.LeadShortfallReason, "supply 12/wk"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := events.NewFakeRecorder(10)
			st := &v1alpha1.SalesTarget{ObjectMeta: metav1.ObjectMeta{Name: "emea-smb", Namespace: "revenue"}}
			st.Status.Conditions = tc.after
			recordTransitions(rec, tc.before, st)
			close(rec.Events)
			var got []string
			for e := range rec.Events {
				got = append(got, e)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("Events %q, want %q", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("Event %q, want %q", got[i], tc.want[i])
				}
			}
		})
	}
}

// A 40 KB error text once made every status patch fail, forever.
func TestMessagesAreBounded(t *testing.T) {
	var conds []metav1.Condition
	Set(&conds, 1, v1alpha1.ReadyCondition, metav1.ConditionFalse, v1alpha1.ReconcileFailedReason, strings.Repeat("é", 20000))
	got := conds[0].Message
	if len(got) > MaxConditionMessage || !utf8.ValidString(got) || !strings.HasSuffix(got, "...") {
		t.Errorf("bounded to %d bytes, valid UTF-8 %v", len(got), utf8.ValidString(got))
	}
	if Truncate("short", MaxConditionMessage) != "short" {
		t.Error("a short message changed")
	}
	// A cut never splits a character, whatever the bound.
	for n := range 12 {
		if cut := Truncate("ééééé€€", n); len(cut) > n || !utf8.ValidString(cut) {
			t.Errorf("Truncate to %d: %q", n, cut)
		}
	}
}

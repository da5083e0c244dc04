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
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// TestATargetsStatusWritePollsOnlyTheCampaignsItChanged: a SalesTarget's
// status write used to poll every one of its campaigns again (an echo of
// their own reports); now only those whose reads of it changed are.
func TestATargetsStatusWritePollsOnlyTheCampaignsItChanged(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	var objs []client.Object
	for _, name := range []string{"webinar", "outbound", "ads"} {
		c := &v1alpha1.Campaign{ObjectMeta: metav1.ObjectMeta{Namespace: "revenue", Name: name}}
		c.Spec.SalesTargetRef.Name = "emea"
		objs = append(objs, c)
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).
		WithIndex(&v1alpha1.Campaign{}, SalesTargetRefIndex, func(o client.Object) []string {
			return []string{o.(*v1alpha1.Campaign).Spec.SalesTargetRef.Name}
		}).Build()
	h := targetToCampaigns(c)
	leads := func(v string) *resource.Quantity { q := resource.MustParse(v); return &q }
	old := &v1alpha1.SalesTarget{ObjectMeta: metav1.ObjectMeta{Namespace: "revenue", Name: "emea", Generation: 1}}
	old.Status.PeriodStart = &metav1.Time{}
	old.Status.Campaigns = []v1alpha1.CampaignAllocation{
		{Name: "webinar", AllocatedLeadsPerWeek: leads("100")}, {Name: "outbound", AllocatedLeadsPerWeek: leads("50")},
		{Name: "ads", AllocatedLeadsPerWeek: leads("20")},
	}
	enqueued := func(update func(st *v1alpha1.SalesTarget)) []string {
		t.Helper()
		cur := old.DeepCopy()
		update(cur)
		q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
		defer q.ShutDown()
		h.Update(context.Background(), event.UpdateEvent{ObjectOld: old, ObjectNew: cur}, q)
		var got []string
		for q.Len() > 0 {
			r, _ := q.Get()
			got = append(got, r.Name)
			q.Done(r)
		}
		slices.Sort(got)
		return got
	}
	for _, tc := range []struct {
		name   string
		update func(*v1alpha1.SalesTarget)
		want   []string
	}{
		{"capacity and need move, no share does", func(st *v1alpha1.SalesTarget) {
			st.Status.CapacityLeadsPerWeek, st.Status.NeedLeadsPerWeek = leads("300"), leads("250")
		}, nil},
		{"the same share as another Quantity", func(st *v1alpha1.SalesTarget) { st.Status.Campaigns[0].AllocatedLeadsPerWeek = leads("1e2") }, nil},
		{"one share moves", func(st *v1alpha1.SalesTarget) { st.Status.Campaigns[1].AllocatedLeadsPerWeek = leads("60") }, []string{"outbound"}},
		{"one campaign reaches its max", func(st *v1alpha1.SalesTarget) { st.Status.Campaigns[2].AtMax = true }, []string{"ads"}},
		{"a new period", func(st *v1alpha1.SalesTarget) { st.Status.PeriodStart = &metav1.Time{Time: metav1.Now().Time} }, []string{"ads", "outbound", "webinar"}},
		{"a spec change", func(st *v1alpha1.SalesTarget) { st.Generation++ }, []string{"ads", "outbound", "webinar"}},
		{"the target turns short of leads", func(st *v1alpha1.SalesTarget) {
			st.Status.Conditions = []metav1.Condition{{Type: v1alpha1.BalancedCondition, Status: metav1.ConditionFalse, Reason: v1alpha1.LeadShortfallReason}}
		}, []string{"ads", "outbound", "webinar"}},
	} {
		if got := enqueued(tc.update); !slices.Equal(got, tc.want) {
			t.Errorf("%s: polled %v, want %v", tc.name, got, tc.want)
		}
	}
}

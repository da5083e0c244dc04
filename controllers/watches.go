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
	"reflect"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/snapshot"
)

// DefaultTargetBatchDelay is how long a SalesTarget waits after the first of
// its campaigns reports before it is evaluated, so that the campaigns that
// report together are evaluated, and written, once.
const DefaultTargetBatchDelay = time.Second

type requestQueue = workqueue.TypedRateLimitingInterface[reconcile.Request]

// campaignToTarget enqueues a campaign's SalesTarget delay after the campaign
// changes in a way the target reads. The queue holds a request once, and a
// request already waiting keeps its earlier time, so every campaign that
// reports within delay of the first is evaluated in the same reconcile.
// Changes the target does not read (conditions, the Job, the parallelism
// history) enqueue nothing.
func campaignToTarget(delay time.Duration) handler.EventHandler {
	return handler.Funcs{
		CreateFunc: func(_ context.Context, e event.CreateEvent, q requestQueue) {
			enqueueTargetOf(q, e.Object, delay)
		},
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, q requestQueue) {
			old, ok1 := e.ObjectOld.(*v1alpha1.Campaign)
			cur, ok2 := e.ObjectNew.(*v1alpha1.Campaign)
			if !ok1 || !ok2 {
				return
			}
			if old.Spec.SalesTargetRef.Name != cur.Spec.SalesTargetRef.Name {
				enqueueTargetOf(q, old, delay)
				enqueueTargetOf(q, cur, delay)
				return
			}
			if targetReadsChanged(old, cur) {
				enqueueTargetOf(q, cur, delay)
			}
		},
		DeleteFunc: func(_ context.Context, e event.DeleteEvent, q requestQueue) {
			enqueueTargetOf(q, e.Object, delay)
		},
		GenericFunc: func(_ context.Context, e event.GenericEvent, q requestQueue) {
			enqueueTargetOf(q, e.Object, delay)
		},
	}
}

// targetReadsChanged says whether a SalesTarget would see a difference
// between two versions of a campaign: it reads campaigns only through
// snapshot.Campaign.
func targetReadsChanged(old, cur *v1alpha1.Campaign) bool {
	return !reflect.DeepEqual(snapshot.Campaign(old), snapshot.Campaign(cur))
}

func enqueueTargetOf(q requestQueue, obj client.Object, delay time.Duration) {
	c, ok := obj.(*v1alpha1.Campaign)
	if !ok {
		return
	}
	req := reconcile.Request{NamespacedName: types.NamespacedName{Namespace: c.Namespace, Name: c.Spec.SalesTargetRef.Name}}
	if delay <= 0 {
		q.Add(req)
		return
	}
	q.AddAfter(req, delay)
}

// targetToCampaigns enqueues the Campaigns of a SalesTarget, through the
// cache's field index: all of them when the target is created or deleted,
// and on an update only those whose reads of it changed (snapshot.ReadsOf),
// so a target's status write does not poll every campaign again.
func targetToCampaigns(c client.Reader) handler.EventHandler {
	enqueue := func(ctx context.Context, q requestQueue, st client.Object, changed func(name string) bool) {
		var list v1alpha1.CampaignList
		if err := c.List(ctx, &list, client.InNamespace(st.GetNamespace()), client.MatchingFields{SalesTargetRefIndex: st.GetName()}); err != nil {
			logf.FromContext(ctx).Error(err, "Listing campaigns of SalesTarget", "salesTarget", st.GetName())
			return
		}
		for i := range list.Items {
			if changed == nil || changed(list.Items[i].Name) {
				q.Add(reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
			}
		}
	}
	return handler.Funcs{
		CreateFunc: func(ctx context.Context, e event.CreateEvent, q requestQueue) { enqueue(ctx, q, e.Object, nil) },
		DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q requestQueue) { enqueue(ctx, q, e.Object, nil) },
		GenericFunc: func(ctx context.Context, e event.GenericEvent, q requestQueue) {
			enqueue(ctx, q, e.Object, nil)
		},
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q requestQueue) {
			old, ok1 := e.ObjectOld.(*v1alpha1.SalesTarget)
			cur, ok2 := e.ObjectNew.(*v1alpha1.SalesTarget)
			if !ok1 || !ok2 {
				return
			}
			enqueue(ctx, q, cur, func(name string) bool {
				return !equality.Semantic.DeepEqual(snapshot.ReadsOf(old, name), snapshot.ReadsOf(cur, name))
			})
		},
	}
}

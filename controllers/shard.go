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
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch

// shard is the set of namespaces one truce deployment acts in: those whose
// labels match selector. Several deployments split a fleet by giving each a
// selector of its own. A nil or empty selector is every namespace, and then
// no Namespace is read or watched.
type shard struct {
	selector labels.Selector
}

// everything says whether the shard is every namespace.
func (s shard) everything() bool {
	return s.selector == nil || s.selector.Empty()
}

// matches says whether a namespace with these labels is in the shard.
func (s shard) matches(nsLabels map[string]string) bool {
	return s.everything() || s.selector.Matches(labels.Set(nsLabels))
}

// owns says whether namespace is in the shard, from the metadata of
// Namespaces in c's cache. A namespace the cache does not hold is not: it is
// gone, or not yet seen, and its arrival enqueues what it holds.
func (s shard) owns(ctx context.Context, c client.Reader, namespace string) (bool, error) {
	if s.everything() {
		return true, nil
	}
	ns := &metav1.PartialObjectMetadata{}
	ns.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
	switch err := c.Get(ctx, client.ObjectKey{Name: namespace}, ns); {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("reading namespace %s for the shard's selector: %w", namespace, err)
	}
	return s.matches(ns.Labels), nil
}

// predicate passes the events of objects in the shard's namespaces, and of
// cluster-scoped objects (Namespaces, which watchNamespaces filters). When the
// namespace cannot be read the event passes, and the reconcile's own check
// decides.
func (s shard) predicate(c client.Reader) predicate.Predicate {
	return predicate.NewPredicateFuncs(func(obj client.Object) bool {
		if obj.GetNamespace() == "" {
			return true
		}
		owned, err := s.owns(context.Background(), c, obj.GetNamespace())
		return owned || err != nil
	})
}

// watchNamespaces makes b enqueue, through objectsIn, what a namespace holds
// when the namespace enters or leaves the shard: entering, so it is acted on
// at once; leaving, so each reconcile forgets what it held. So too when it
// is opted in to or out of the default metrics source (defaultSource, nil
// when no label decides that), so its specs' MetricsAvailable says so at
// once. Only the Namespaces' metadata is cached. Nothing is watched when the
// shard is every namespace and defaultSource is nil.
func (s shard) watchNamespaces(b *builder.Builder, objectsIn handler.MapFunc, defaultSource labels.Selector) *builder.Builder {
	if s.everything() && defaultSource == nil {
		return b
	}
	mayUseDefault := func(nsLabels map[string]string) bool {
		return defaultSource != nil && defaultSource.Matches(labels.Set(nsLabels))
	}
	return b.Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(objectsIn),
		builder.OnlyMetadata, builder.WithPredicates(predicate.Funcs{
			// The cache's first list is a create of every namespace; what
			// a shard of every namespace holds is enqueued by its own watch.
			CreateFunc: func(e event.CreateEvent) bool { return !s.everything() && s.matches(e.Object.GetLabels()) },
			UpdateFunc: func(e event.UpdateEvent) bool {
				return s.matches(e.ObjectOld.GetLabels()) != s.matches(e.ObjectNew.GetLabels()) ||
					mayUseDefault(e.ObjectOld.GetLabels()) != mayUseDefault(e.ObjectNew.GetLabels())
			},
			DeleteFunc:  func(event.DeleteEvent) bool { return false },
			GenericFunc: func(event.GenericEvent) bool { return false },
		}))
}

// requestsFor lists the objects of list's kind in the event's namespace from
// c's cache, as reconcile requests. The list is only read for names, so it is
// not copied out of the cache.
func requestsFor(c client.Reader, list client.ObjectList, what string) handler.MapFunc {
	return func(ctx context.Context, ns client.Object) []reconcile.Request {
		l := list.DeepCopyObject().(client.ObjectList)
		if err := c.List(ctx, l, client.InNamespace(ns.GetName()), client.UnsafeDisableDeepCopy); err != nil {
			logf.FromContext(ctx).Error(err, "Listing "+what+" of a namespace that entered or left the shard", "namespace", ns.GetName())
			return nil
		}
		var reqs []reconcile.Request
		_ = meta.EachListItem(l, func(o runtime.Object) error {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(o.(client.Object))})
			return nil
		})
		return reqs
	}
}

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
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/metrics"
)

// defaultSourceGrant is the set of namespaces whose Campaigns and
// SalesTargets may have their queries answered by the controller's default
// metrics source. The default source asks with the operator's address and
// credentials whatever a spec's author writes, so the platform team opts
// namespaces in, by namespace labels that tenants cannot set themselves.
type defaultSourceGrant struct {
	// selector picks the namespaces, from their labels; nil is none, and an
	// empty selector is every namespace.
	selector labels.Selector
	// namespaces reads Namespaces' metadata from the manager's cache.
	namespaces client.Reader
}

// watched is the selector whose matches the manager must watch, so a
// namespace that is opted in or out is acted on at once; nil when no
// namespace's labels change the answer.
func (d defaultSourceGrant) watched() labels.Selector {
	if d.selector == nil || d.selector.Empty() {
		return nil
	}
	return d.selector
}

// allows says whether the specs in namespace may use the default source,
// from the namespace's labels in the cache. A namespace the cache does not
// hold may not: it is gone, or not yet seen, and its arrival enqueues what
// it holds.
func (d defaultSourceGrant) allows(ctx context.Context, namespace string) (bool, error) {
	switch {
	case d.selector == nil:
		return false, nil
	case d.selector.Empty():
		return true, nil
	}
	ns := &metav1.PartialObjectMetadata{}
	ns.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
	switch err := d.namespaces.Get(ctx, client.ObjectKey{Name: namespace}, ns); {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("reading namespace %s for --default-source-namespace-selector: %w", namespace, err)
	}
	return d.selector.Matches(labels.Set(ns.Labels)), nil
}

// refusal is the error every query of a spec gets when its namespace may
// not use the default source: what to do, in MetricsAvailable's message,
// within the 256 characters a query's error keeps.
func (d defaultSourceGrant) refusal() error {
	err := errors.New("spec.metrics.source is unset, and the controller's default source is open to no namespace (--default-source-namespace-selector): set one")
	if d.selector != nil {
		err = fmt.Errorf("spec.metrics.source is unset, and this namespace may not use the controller's default source: set one, or have a cluster admin opt the namespace in with labels matching %s", d.selector)
	}
	return &metrics.Error{Kind: metrics.Misconfigured, Err: err}
}

// usesDefault says whether a spec's metrics are read from the controller's
// default source: it names no provider.
func usesDefault(spec *v1alpha1.MetricsSource) bool {
	return spec == nil || (spec.Prometheus == nil && spec.HTTP == nil)
}

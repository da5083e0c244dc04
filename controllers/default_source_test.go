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
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/truce-dev/truce/internal/metrics"
	"github.com/truce-dev/truce/internal/status"
)

func TestTheDefaultSourceIsGrantedByNamespaceLabels(t *testing.T) {
	optedIn, err := labels.Parse(metrics.DefaultSourceNamespaceSelector)
	if err != nil {
		t.Fatal(err)
	}
	namespaces := fake.NewClientBuilder().WithObjects(
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "revenue", Labels: map[string]string{metrics.DefaultSourceNamespaceLabel: "allowed"}}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "other-team", Labels: map[string]string{metrics.DefaultSourceNamespaceLabel: "yes"}}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "plain"}},
	).Build()
	for _, tc := range []struct {
		name      string
		selector  labels.Selector
		namespace string
		want      bool
	}{
		{"no selector grants no namespace", nil, "revenue", false},
		{"an empty selector grants every namespace", labels.Everything(), "plain", true},
		{"a namespace labelled allowed is granted", optedIn, "revenue", true},
		{"a namespace with another value is not", optedIn, "other-team", false},
		{"a namespace without the label is not", optedIn, "plain", false},
		{"a namespace the cache does not hold is not", optedIn, "gone", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := defaultSourceGrant{selector: tc.selector, namespaces: namespaces}.allows(context.Background(), tc.namespace)
			if err != nil || got != tc.want {
				t.Fatalf("allows(%q) = %v, %v; want %v", tc.namespace, got, err, tc.want)
			}
		})
	}
}

func TestTheDefaultSourcesRefusalSaysHowToOptIn(t *testing.T) {
	optedIn, err := labels.Parse(metrics.DefaultSourceNamespaceSelector)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		selector labels.Selector
		want     string
	}{
		{"names the label to set", optedIn, "opt the namespace in with labels matching revops.truce.dev/default-metrics-source=allowed"},
		{"says no namespace is opted in without a selector", nil, "open to no namespace (--default-source-namespace-selector)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := defaultSourceGrant{selector: tc.selector}.refusal()
			if metrics.KindOf(err) != metrics.Misconfigured {
				t.Errorf("kind %q, want Misconfigured", metrics.KindOf(err))
			}
			// A query's error keeps MaxErrorMessage characters: what to do
			// must fit.
			if msg := err.Error(); !strings.Contains(msg, tc.want) || len(msg) > status.MaxErrorMessage {
				t.Errorf("%d characters: %s; want at most %d, with %q", len(msg), msg, status.MaxErrorMessage, tc.want)
			}
		})
	}
}

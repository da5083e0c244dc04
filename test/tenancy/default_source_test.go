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

package tenancy

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/metrics"
)

// operatorSource stands for the operator's --prometheus-address and its
// token: it answers any query, and records what it was asked.
var operatorSource = &recordingSource{}

type recordingSource struct {
	mu    sync.Mutex
	asked []string
}

func (s *recordingSource) Key() string                    { return "operator-default" }
func (s *recordingSource) RequestKey(query string) string { return query }

func (s *recordingSource) Fetch(_ context.Context, query string) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, query)
	return 3.0, nil
}

func (s *recordingSource) Extract(_ context.Context, response any, _ string) (float64, error) {
	return response.(float64), nil
}

func (s *recordingSource) wasAsked(query string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Contains(s.asked, query)
}

// metricsCondition is obj's MetricsAvailable condition, read afresh.
func metricsCondition(g Gomega, obj client.Object, conds func() []metav1.Condition) *metav1.Condition {
	g.Expect(admin.Get(ctx, client.ObjectKeyFromObject(obj), obj)).To(Succeed())
	cond := meta.FindStatusCondition(conds(), v1alpha1.MetricsAvailableCondition)
	g.Expect(cond).NotTo(BeNil())
	return cond
}

// TestTheDefaultSourceAnswersOnlyNamespacesOptedIn: a spec that names no
// metrics source is answered by the operator's default source with the
// operator's credentials, whatever query its author wrote, so a tenant
// could read another team's series with it. Only namespaces a cluster
// administrator labels may use it; the others are told how to opt in.
func TestTheDefaultSourceAnswersOnlyNamespacesOptedIn(t *testing.T) {
	ns := namespace(t)
	tenant := user(t, ns, "tenant", truceRules, jobRules)
	const snoop = `count(kube_secret_info{namespace="other-team"})`
	const teamQuery = `sum(crm_open_leads{team="snoop"})`
	camp := withJob(campaign(ns, "snoop"))
	camp.Spec.Metrics.Leads = snoop
	NewWithT(t).Expect(tenant.Create(ctx, camp)).To(Succeed())
	st := salesTarget(ns, "snoop", nil)
	st.Spec.Metrics.OpenLeads = teamQuery
	NewWithT(t).Expect(tenant.Create(ctx, st)).To(Succeed())
	campConds := func() []metav1.Condition { return camp.Status.Conditions }
	stConds := func() []metav1.Condition { return st.Status.Conditions }

	refusedUntilOptedIn := func(g Gomega) {
		for _, c := range []*metav1.Condition{metricsCondition(g, camp, campConds), metricsCondition(g, st, stConds)} {
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse), c.Message)
			g.Expect(c.Message).To(And(
				ContainSubstring("spec.metrics.source is unset, and this namespace may not use the controller's default source"),
				ContainSubstring("opt the namespace in with labels matching "+metrics.DefaultSourceNamespaceLabel+"=allowed")))
		}
	}

	t.Run("a namespace that is not opted in is told how to opt in, and its queries are never sent", func(t *testing.T) {
		g := NewWithT(t)
		g.Eventually(refusedUntilOptedIn, 30*time.Second, 200*time.Millisecond).Should(Succeed())
		g.Expect(operatorSource.wasAsked(snoop)).To(BeFalse(), "the default source was asked the tenant's query")
		g.Expect(operatorSource.wasAsked(teamQuery)).To(BeFalse(), "the default source was asked the tenant's query")
	})

	setLabel := func(g Gomega, value *string) {
		n := &corev1.Namespace{}
		g.Expect(admin.Get(ctx, client.ObjectKey{Name: ns}, n)).To(Succeed())
		patch := client.MergeFrom(n.DeepCopy())
		if value == nil {
			delete(n.Labels, metrics.DefaultSourceNamespaceLabel)
		} else {
			n.Labels[metrics.DefaultSourceNamespaceLabel] = *value
		}
		g.Expect(admin.Patch(ctx, n, patch)).To(Succeed())
	}

	t.Run("a namespace the administrator opts in is answered at once", func(t *testing.T) {
		g := NewWithT(t)
		allowed := "allowed"
		setLabel(g, &allowed)
		// Sooner than the campaign's next poll: the label change enqueues it.
		g.Eventually(func(g Gomega) {
			for _, c := range []*metav1.Condition{metricsCondition(g, camp, campConds), metricsCondition(g, st, stConds)} {
				g.Expect(c.Status).To(Equal(metav1.ConditionTrue), c.Message)
			}
		}, 10*time.Second, 200*time.Millisecond).Should(Succeed())
		g.Expect(operatorSource.wasAsked(snoop)).To(BeTrue())
	})

	t.Run("and refused again once opted out", func(t *testing.T) {
		g := NewWithT(t)
		setLabel(g, nil)
		g.Eventually(refusedUntilOptedIn, 10*time.Second, 200*time.Millisecond).Should(Succeed())
	})
}

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
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/metrics"
)

// shardLabel is the namespace label the sharding specs split by. The suite's
// own manager acts only where it is absent (see suite_test.go), so each
// namespace that carries it belongs to the spec's manager or to none.
const shardLabel = "truce.dev/shard"

func TestShardMatchesNamespaceLabels(t *testing.T) {
	a := labels.SelectorFromSet(labels.Set{shardLabel: "a"})
	notSharded, err := labels.Parse("!" + shardLabel)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		shard    shard
		nsLabels map[string]string
		want     bool
	}{
		{"no selector is every namespace", shard{}, nil, true},
		{"an empty selector is every namespace", shard{labels.Everything()}, map[string]string{shardLabel: "b"}, true},
		{"a namespace with the shard's label is in it", shard{a}, map[string]string{shardLabel: "a", "team": "emea"}, true},
		{"a namespace with another shard's label is not", shard{a}, map[string]string{shardLabel: "b"}, false},
		{"a namespace without labels is not in a shard that names one", shard{a}, nil, false},
		{"a namespace without the label is in the shard that excludes it", shard{notSharded}, map[string]string{"team": "emea"}, true},
	} {
		if got := tc.shard.matches(tc.nsLabels); got != tc.want {
			t.Errorf("%s: matches(%v) = %v, want %v", tc.name, tc.nsLabels, got, tc.want)
		}
	}
}

var _ = Describe("Splitting a fleet by namespace", func() {
	It("acts only in the namespaces its selector matches, and follows their labels", func() {
		shardClient := startShardManager(shardLabel + "=a")
		inside, outside := shardNamespace("a"), shardNamespace("b")
		campIn, _ := balancedCampaign(inside)
		campOut, stOut := balancedCampaign(outside)

		By("running the Job of the campaign in its shard")
		jobIn := &batchv1.Job{}
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(campIn), campIn)).To(Succeed())
			condition(v1alpha1.ReadyCondition, metav1.ConditionTrue, v1alpha1.ReconciledReason)(g, campIn, campIn.Status.Conditions)
			g.Expect(campIn.Status.ActiveJob).NotTo(BeEmpty())
			g.Expect(campIn.Status.CurrentParallelism).To(Equal(ptr.To[int32](4)))
			// Status is written just before the Job is scaled: the Job
			// follows within the same reconcile.
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: inside, Name: campIn.Status.ActiveJob}, jobIn)).To(Succeed())
			g.Expect(jobIn.Spec.Parallelism).To(Equal(ptr.To[int32](4)))
		}).Should(Succeed())

		By("leaving the campaign and target of another shard alone")
		Consistently(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(campOut), campOut)).To(Succeed())
			g.Expect(campOut.Status.ObservedGeneration).To(BeZero())
			g.Expect(campOut.Status.Conditions).To(BeEmpty())
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(stOut), stOut)).To(Succeed())
			g.Expect(stOut.Status.Conditions).To(BeEmpty())
			g.Expect(jobsIn(g, outside)).To(BeEmpty())
		}, 6*time.Second, 500*time.Millisecond).Should(Succeed())

		By("picking up the other namespace's campaign once it is labelled into the shard")
		relabel(outside, "a")
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(campOut), campOut)).To(Succeed())
			condition(v1alpha1.ReadyCondition, metav1.ConditionTrue, v1alpha1.ReconciledReason)(g, campOut, campOut.Status.Conditions)
			g.Expect(campOut.Status.ActiveJob).NotTo(BeEmpty())
			g.Expect(jobsIn(g, outside)).To(ConsistOf(HaveField("Name", campOut.Status.ActiveJob)))
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(stOut), stOut)).To(Succeed())
			condition(v1alpha1.BalancedCondition, metav1.ConditionTrue, v1alpha1.BalancedReason)(g, stOut, stOut.Status.Conditions)
		}).Should(Succeed())

		By("not acting on a spec change once the first namespace is labelled out of the shard")
		relabel(inside, "b")
		// The label change reaches the manager's cache through a watch; a
		// spec change made before it could still be acted on, rightly.
		Eventually(func(g Gomega) {
			g.Expect(shardOf(g, shardClient, inside)).To(Equal("b"))
		}).Should(Succeed())
		update(campIn, func() { campIn.Spec.Suspend = true })
		changed := campIn.ResourceVersion
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(jobIn), jobIn)).To(Succeed())
		jobRV := jobIn.ResourceVersion
		Consistently(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(campIn), campIn)).To(Succeed())
			g.Expect(campIn.ResourceVersion).To(Equal(changed), "the campaign's status was written")
			g.Expect(campIn.Status.ObservedGeneration).To(BeNumerically("<", campIn.Generation))
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(jobIn), jobIn)).To(Succeed())
			g.Expect(jobIn.ResourceVersion).To(Equal(jobRV), "the Job was written")
		}, 6*time.Second, 500*time.Millisecond).Should(Succeed())

		By("acting on that change once the namespace is back in the shard, as it would have")
		relabel(inside, "a")
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(campIn), campIn)).To(Succeed())
			g.Expect(campIn.Status.ObservedGeneration).To(Equal(campIn.Generation))
			condition(v1alpha1.SuspendedCondition, metav1.ConditionTrue, v1alpha1.SuspendedBySpecReason)(g, campIn, campIn.Status.Conditions)
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(jobIn), jobIn)).To(Succeed())
			g.Expect(jobIn.Spec.Suspend).To(Equal(ptr.To(true)))
		}).Should(Succeed())
	})
})

// startShardManager runs a second manager, as a second truce deployment
// would, that acts only in namespaces matching selector; it stops after the
// spec. It returns the manager's cached client.
func startShardManager(selector string) client.Client {
	GinkgoHelper()
	sel, err := labels.Parse(selector)
	Expect(err).NotTo(HaveOccurred())
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:  testScheme,
		Metrics: metricsserver.Options{BindAddress: "0"},
		Cache:   CacheOptions(),
		// Its controllers have the suite manager's names.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	Expect(err).NotTo(HaveOccurred())
	Expect(Setup(ctx, mgr, Options{
		MaxConcurrentReconciles: 2,
		Clock:                   testClock,
		Sources:                 &metrics.Resolver{Secrets: mgr.GetAPIReader(), Guard: metrics.LoopbackNetworkGuard()},
		Reader:                  metrics.NewReader(clock.RealClock{}, 0, nil),
		NamespaceSelector:       sel,
	})).To(Succeed())
	mgrCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(done)
		Expect(mgr.Start(mgrCtx)).To(Succeed())
	}()
	DeferCleanup(func() {
		stop()
		Eventually(done).Should(BeClosed())
	})
	return mgr.GetClient()
}

// shardNamespace creates a namespace labelled into shard, which the suite's
// own manager leaves alone.
func shardNamespace(shard string) string {
	GinkgoHelper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "truce-shard-", Labels: map[string]string{shardLabel: shard}}}
	Expect(k8sClient.Create(ctx, ns)).To(Succeed())
	DeferCleanup(func() { Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, ns))).To(Succeed()) })
	return ns.Name
}

// relabel moves namespace ns into shard.
func relabel(ns, shard string) {
	GinkgoHelper()
	obj := &corev1.Namespace{}
	Expect(k8sClient.Get(ctx, client.ObjectKey{Name: ns}, obj)).To(Succeed())
	update(obj, func() { obj.Labels[shardLabel] = shard })
}

// shardOf is the shard label of namespace ns as c's cache holds it.
func shardOf(g Gomega, c client.Reader, ns string) string {
	obj := &metav1.PartialObjectMetadata{}
	obj.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
	g.Expect(c.Get(ctx, client.ObjectKey{Name: ns}, obj)).To(Succeed())
	return obj.Labels[shardLabel]
}

// balancedCampaign makes, in ns, a SalesTarget that needs 84 leads/wk and a
// Job campaign that brings 84, both read from the test CRM: acted on, the
// campaign runs a Job at the 4 workers the plan and the first scale-up limit
// allow (see "writes nothing when a reconcile finds nothing changed").
func balancedCampaign(ns string) (*v1alpha1.Campaign, *v1alpha1.SalesTarget) {
	GinkgoHelper()
	crmSecret(ns)
	DeferCleanup(func() {
		Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "crm-reporting"}}))).To(Succeed())
	})
	st := create(targetSample, ns, &v1alpha1.SalesTarget{}, targetReadsFromCRM)
	crm.setTarget(ns, st.Name, 600000)
	camp := create(jobCampaignSample, ns, &v1alpha1.Campaign{}, readFromCRM)
	crm.set(ns, camp.Name, 84, 34)
	return camp, st
}

// jobsIn lists the Jobs in ns.
func jobsIn(g Gomega, ns string) []batchv1.Job {
	var jobs batchv1.JobList
	g.Expect(k8sClient.List(ctx, &jobs, client.InNamespace(ns))).To(Succeed())
	return jobs.Items
}

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
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/outreach"
)

// Each scenario runs a SalesTarget that needs 84 leads/wk of the 200 its 8
// reps can work (see "Judging a SalesTarget's balance") and Campaigns whose
// leads the test CRM reports. The CRM's leads do not grow with workers, so
// the tests choose numbers whose equilibrium they know.
var _ = Describe("Scaling outreach", func() {
	var (
		ns string
		st *v1alpha1.SalesTarget
	)
	BeforeEach(func() {
		ns = newNamespace()
		crmSecret(ns)
	})
	target := func(change ...func(*v1alpha1.SalesTarget)) {
		st = create(targetSample, ns, &v1alpha1.SalesTarget{}, append([]func(*v1alpha1.SalesTarget){targetReadsFromCRM}, change...)...)
		crm.setTarget(ns, st.Name, 600000)
	}
	campaign := func(change ...func(*v1alpha1.Campaign)) *v1alpha1.Campaign {
		return create(jobCampaignSample, ns, &v1alpha1.Campaign{}, append([]func(*v1alpha1.Campaign){readFromCRM, func(c *v1alpha1.Campaign) {
			c.Spec.Outreach.Behavior = &v1alpha1.ScalingBehavior{ScaleDownStabilizationSeconds: ptr.To[int32](0)}
		}}, change...)...)
	}
	job := func(g Gomega, c *v1alpha1.Campaign) *batchv1.Job {
		var list batchv1.JobList
		g.Expect(k8sClient.List(ctx, &list, client.InNamespace(ns), client.MatchingLabels{outreach.CampaignLabel: c.Name})).To(Succeed())
		g.Expect(list.Items).To(HaveLen(1))
		return &list.Items[0]
	}
	targetBalanced := func(g Gomega, reason string) *metav1.Condition {
		g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(st), st)).To(Succeed())
		c := meta.FindStatusCondition(st.Status.Conditions, v1alpha1.BalancedCondition)
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.Reason).To(Equal(reason), c.Message)
		return c
	}

	It("scales a shortfall up to max and flags LeadShortfall there", func() {
		target()
		camp := campaign(func(c *v1alpha1.Campaign) { c.Spec.Outreach.MaxParallelism = 3 })
		crm.set(ns, camp.Name, 30, 12)
		Eventually(func(g Gomega) {
			g.Expect(*job(g, camp).Spec.Parallelism).To(Equal(int32(3)))
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
			condition(v1alpha1.BalancedCondition, metav1.ConditionFalse, v1alpha1.LeadShortfallReason)(g, camp, camp.Status.Conditions)
			g.Expect(meta.FindStatusCondition(camp.Status.Conditions, v1alpha1.BalancedCondition).Message).To(
				ContainSubstring("produces 30 leads/wk at maxParallelism (3) while SalesTarget \"emea-smb\" is short of leads"))
			targetBalanced(g, v1alpha1.LeadShortfallReason)
		}).Should(Succeed())
	})

	It("scales down when supply overflows what sales can work", func() {
		target()
		camp := campaign()
		crm.set(ns, camp.Name, 300, 120)
		// From the plan (15 per worker) it starts at 4 workers; at 300
		// leads/wk the observed yield asks for ever fewer, down to one.
		Eventually(func(g Gomega) {
			g.Expect(*job(g, camp).Spec.Parallelism).To(Equal(int32(1)))
			c := targetBalanced(g, v1alpha1.LeadOverflowReason)
			g.Expect(c.Message).To(ContainSubstring("supply 300/wk is 50% above what 8 reps can work (200/wk)"))
		}).Should(Succeed())
	})

	It("flags LeadQualityLow without asking for more volume", func() {
		target()
		camp := campaign()
		crm.set(ns, camp.Name, 84, 10)
		Eventually(func(g Gomega) {
			c := targetBalanced(g, v1alpha1.LeadQualityLowReason)
			g.Expect(c.Message).To(ContainSubstring("improve targeting, not volume"))
			g.Expect(st.Status.DemandLeadsPerWeek.String()).To(Equal("84"))
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
			g.Expect(camp.Status.AllocatedLeadsPerWeek.String()).To(Equal("84"))
		}).Should(Succeed())
	})

	It("flags ConversionLow when good leads do not win", func() {
		target()
		// 31 deals from 1000 accepted leads: 3.1% against a plan of 4%. The
		// observed rates make a lead worth 600, so the quota needs 168/wk.
		crm.setTargetConversion(ns, st.Name, 600000, 1000, 31)
		camp := campaign()
		crm.set(ns, camp.Name, 170, 68)
		Eventually(func(g Gomega) {
			c := targetBalanced(g, v1alpha1.ConversionLowReason)
			g.Expect(c.Message).To(ContainSubstring("3.1% of accepted leads are won against a plan of 4%"))
			g.Expect(st.Status.WinRateBasis).To(Equal(v1alpha1.Basis("Observed")))
		}).Should(Succeed())
	})

	It("flags CapacityBelowQuotaNeed and never asks for more than capacity", func() {
		target(func(s *v1alpha1.SalesTarget) { s.Spec.Quota.Revenue = ptr.To(resource.MustParse("2M")) })
		crm.setTarget(ns, st.Name, 0)
		camp := campaign()
		crm.set(ns, camp.Name, 200, 80)
		Eventually(func(g Gomega) {
			c := targetBalanced(g, v1alpha1.CapacityBelowQuotaNeedReason)
			g.Expect(c.Message).To(ContainSubstring("add reps or lower the quota"))
			g.Expect(st.Status.NeedLeadsPerWeek.Value()).To(BeNumerically(">", 240))
			g.Expect(st.Status.DemandLeadsPerWeek.String()).To(Equal("200"))
		}).Should(Succeed())
	})

	It("holds parallelism through a metrics outage and recovers", func() {
		target()
		camp := campaign()
		crm.set(ns, camp.Name, 84, 34)
		var held int32
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
			condition(v1alpha1.BalancedCondition, metav1.ConditionTrue, v1alpha1.BalancedReason)(g, camp, camp.Status.Conditions)
			held = *job(g, camp).Spec.Parallelism
			g.Expect(held).To(BeNumerically(">", 0))
		}).Should(Succeed())

		crm.fail(true)
		DeferCleanup(crm.fail, false)
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
			condition(v1alpha1.MetricsAvailableCondition, metav1.ConditionFalse, v1alpha1.MetricsUnavailableReason)(g, camp, camp.Status.Conditions)
		}).Should(Succeed())
		// Two polls of the outage: nothing is scaled.
		Consistently(func(g Gomega) {
			g.Expect(*job(g, camp).Spec.Parallelism).To(Equal(held))
		}, 11*time.Second, time.Second).Should(Succeed())

		crm.fail(false)
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
			condition(v1alpha1.MetricsAvailableCondition, metav1.ConditionTrue, v1alpha1.MetricsReadReason)(g, camp, camp.Status.Conditions)
			g.Expect(*job(g, camp).Spec.Parallelism).To(Equal(held))
		}).Should(Succeed())
	})

	It("suspends the Job at zero and keeps it there", func() {
		target()
		camp := campaign()
		crm.set(ns, camp.Name, 84, 34)
		Eventually(func(g Gomega) {
			g.Expect(*job(g, camp).Spec.Parallelism).To(BeNumerically(">", 0))
		}).Should(Succeed())
		update(camp, func() { camp.Spec.Suspend = true })
		Eventually(func(g Gomega) {
			j := job(g, camp)
			g.Expect(*j.Spec.Suspend).To(BeTrue())
			g.Expect(*j.Spec.Parallelism).To(BeZero())
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
			condition(v1alpha1.SuspendedCondition, metav1.ConditionTrue, v1alpha1.SuspendedBySpecReason)(g, camp, camp.Status.Conditions)
		}).Should(Succeed())
		// Its target no longer counts on it, and a poll later it is still at zero.
		Consistently(func(g Gomega) {
			g.Expect(*job(g, camp).Spec.Suspend).To(BeTrue())
		}, 6*time.Second, time.Second).Should(Succeed())
	})

	It("in Recommend mode reports the desired parallelism and touches no workload", func() {
		target()
		camp := campaign(func(c *v1alpha1.Campaign) { c.Spec.Mode = v1alpha1.RecommendMode })
		crm.set(ns, camp.Name, 30, 12)
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
			// 84 leads/wk at the plan's 15 per worker.
			g.Expect(camp.Status.DesiredParallelism).To(Equal(ptr.To[int32](6)))
		}).Should(Succeed())
		var list batchv1.JobList
		Expect(k8sClient.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
		Expect(list.Items).To(BeEmpty())
	})

	It("replaces the Job when the template changes, and keeps one Job per revision", func() {
		target()
		camp := campaign()
		crm.set(ns, camp.Name, 84, 34)
		var first string
		Eventually(func(g Gomega) { first = job(g, camp).Name }).Should(Succeed())
		update(camp, func() {
			camp.Spec.Outreach.JobTemplate.Spec.Template.Spec.Containers[0].Image = "registry.example.com/growth/webinar-followup:2.5.0"
		})
		Eventually(func(g Gomega) {
			j := job(g, camp)
			g.Expect(j.Name).NotTo(Equal(first))
			g.Expect(j.Spec.Template.Spec.Containers[0].Image).To(HaveSuffix(":2.5.0"))
		}).Should(Succeed())
	})
})

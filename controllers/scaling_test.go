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
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/balance"
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
		// The plan (15 per worker) asks for 6; the first step is 4, the
		// scale-up limit of a period, and the clock stands still.
		Eventually(func(g Gomega) { g.Expect(*job(g, camp).Spec.Parallelism).To(Equal(int32(4))) }).Should(Succeed())
		// A day of their work later, 300 leads/wk from an average of 4/7
		// of a worker over the week is 525 a worker: one is enough.
		advanceClock(24 * time.Hour)
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
		// The quota needs 84/wk to catch up; while leads do not qualify,
		// demand asks no more than the quarter's even pace, 1.2M / 1200 /
		// 13 weeks = 77/wk: more of the same leads would not fix it.
		Eventually(func(g Gomega) {
			c := targetBalanced(g, v1alpha1.LeadQualityLowReason)
			g.Expect(c.Message).To(ContainSubstring("improve targeting, not volume"))
			g.Expect(st.Status.NeedLeadsPerWeek.String()).To(Equal("84"))
			g.Expect(st.Status.DemandLeadsPerWeek.String()).To(Equal("77"))
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
			g.Expect(camp.Status.AllocatedLeadsPerWeek.String()).To(Equal("77"))
		}).Should(Succeed())
	})

	It("flags ConversionLow when good leads do not win", func() {
		target()
		// 20 deals from 1000 accepted leads: 2% against a plan of 4%, whose
		// 99% interval (1.2% to 3.4%) leaves the plan out. Pulled toward the
		// plan, the win rate used is 2.2%, and 20 deals of 30k on average
		// make a lead worth 667: the quota needs about 150/wk.
		crm.setTargetConversion(ns, st.Name, 600000, 1000, 20)
		camp := campaign()
		crm.set(ns, camp.Name, 170, 68)
		Eventually(func(g Gomega) {
			c := targetBalanced(g, v1alpha1.ConversionLowReason)
			g.Expect(c.Message).To(ContainSubstring("2% of 1000 accepted leads old enough to have closed are won against a plan of 4%"))
			g.Expect(st.Status.WinRateBasis).To(Equal(v1alpha1.Basis("Observed")))
			g.Expect(st.Status.Samples).To(ContainElement(v1alpha1.SampleStatus{
				Name: v1alpha1.ConversionSample, Size: 1000, Minimum: 125, Judged: true}))
		}).Should(Succeed())
	})

	It("flags LeadsUnworked when sales misses its follow-up service level, and adds no volume", func() {
		target(func(s *v1alpha1.SalesTarget) {
			s.Spec.SLA = &v1alpha1.SLASpec{FirstContactMinutes: 60, TolerancePercent: ptr.To[int32](10)}
			s.Spec.Metrics.LeadsPastFirstContact = v1alpha1.Query(`{['` + s.Namespace + "/" + s.Name + `'].pastFirstContact}`)
		})
		// 90 of the 300 leads accepted this quarter waited more than an
		// hour: 30%, against a tolerance of 10%.
		crm.setTargetFollowUp(ns, st.Name, 600000, 300, 90)
		camp := campaign()
		crm.set(ns, camp.Name, 60, 24)
		Eventually(func(g Gomega) {
			c := targetBalanced(g, v1alpha1.LeadsUnworkedReason)
			g.Expect(c.Message).To(ContainSubstring("30% of accepted leads (90 of 300) got no first contact within 60 minutes"))
			g.Expect(st.Status.DriftClasses).To(Equal([]string{v1alpha1.LeadsUnworkedReason}))
			// The quota needs 84/wk; marketing is not asked for more than
			// its outreach makes now.
			g.Expect(st.Status.DemandLeadsPerWeek.Value()).To(BeNumerically("<", 84))
		}).Should(Succeed())
	})

	It("flags CapacityBelowQuotaNeed and never asks for more than capacity", func() {
		// 4M a quarter needs 256 leads/wk at an even pace, more than 8 reps
		// work even with the tolerance (240).
		target(func(s *v1alpha1.SalesTarget) { s.Spec.Quota.Revenue = ptr.To(resource.MustParse("4M")) })
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

	It("caches a campaign without its Job template and runs the Job of the full template", func() {
		target()
		camp := campaign(func(c *v1alpha1.Campaign) {
			t := c.Spec.Outreach.JobTemplate
			t.Annotations = map[string]string{"growth.example.com/owner": "webinars"}
			t.Spec.Template.Labels = map[string]string{"app.kubernetes.io/component": "sequencer"}
			t.Spec.Template.Annotations = map[string]string{"growth.example.com/sequence": "followup-3-touch"}
		})
		tmpl := camp.Spec.Outreach.JobTemplate.DeepCopy()
		crm.set(ns, camp.Name, 84, 34)
		var j *batchv1.Job
		Eventually(func(g Gomega) { j = job(g, camp) }).Should(Succeed())

		// The Job is the whole template, which only the API server holds.
		Expect(j.Name).To(Equal(outreach.JobName(camp.Name, tmpl)))
		Expect(j.Labels).To(HaveKeyWithValue("app.kubernetes.io/name", "webinar-followup"))
		Expect(j.Labels).To(HaveKeyWithValue(outreach.TemplateHashLabel, outreach.TemplateHash(tmpl)))
		Expect(j.Annotations).To(HaveKeyWithValue("growth.example.com/owner", "webinars"))
		Expect(j.Spec.BackoffLimit).To(Equal(ptr.To[int32](6)))
		pod := j.Spec.Template
		Expect(pod.Labels).To(HaveKeyWithValue("app.kubernetes.io/component", "sequencer"))
		Expect(pod.Labels).To(HaveKeyWithValue(outreach.CampaignLabel, camp.Name))
		Expect(pod.Annotations).To(HaveKeyWithValue("growth.example.com/sequence", "followup-3-touch"))
		Expect(pod.Spec.RestartPolicy).To(Equal(corev1.RestartPolicyOnFailure))
		Expect(pod.Spec.Containers).To(HaveLen(1))
		Expect(pod.Spec.Containers[0]).To(And(
			HaveField("Image", "registry.example.com/growth/webinar-followup:2.4.1"),
			HaveField("Args", tmpl.Spec.Template.Spec.Containers[0].Args),
			HaveField("Resources.Requests", HaveKeyWithValue(corev1.ResourceMemory, resource.MustParse("128Mi")))))

		// The manager's cache holds a stub that names the Job's revision.
		cached := &v1alpha1.Campaign{}
		Expect(mgrClient.Get(ctx, client.ObjectKeyFromObject(camp), cached)).To(Succeed())
		Expect(outreach.Trimmed(cached)).To(BeTrue())
		Expect(cached.Spec.Outreach.JobTemplate).NotTo(BeNil())
		Expect(cached.Spec.Outreach.JobTemplate.Spec).To(Equal(batchv1.JobSpec{}))
		Expect(cached.Spec.Outreach.JobTemplate.Labels).To(BeEmpty())
		Expect(cached.ManagedFields).To(BeEmpty())
		name, hash := outreach.Revision(cached)
		Expect(name).To(Equal(j.Name))
		Expect(hash).To(Equal(j.Labels[outreach.TemplateHashLabel]))

		// Its status writes left the stored template, and no annotation of
		// the cache's, on the API server.
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
			g.Expect(camp.Status.ActiveJob).To(Equal(j.Name))
		}).Should(Succeed())
		Expect(camp.Spec.Outreach.JobTemplate).To(Equal(tmpl))
		Expect(camp.Annotations).NotTo(HaveKey(outreach.CachedRevisionAnnotation))
	})

	It("falls back after failureThreshold failed reads, one counted per poll as the clock moves", func() {
		target()
		camp := campaign(func(c *v1alpha1.Campaign) {
			c.Spec.Outreach.Fallback = &v1alpha1.Fallback{FailureThreshold: 3, Parallelism: ptr.To[int32](8)}
		})
		crm.set(ns, camp.Name, 84, 34)
		// The plan asks for 6; the first period's scale-up limit allows 4.
		Eventually(func(g Gomega) { g.Expect(*job(g, camp).Spec.Parallelism).To(Equal(int32(4))) }).Should(Succeed())
		// The reads before crm.set found no leads and counted a failure:
		// the count starts again from the read that found them, which the
		// status written after the scale says.
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
			g.Expect(camp.Status.Metrics).To(ContainElement(And(
				HaveField("Name", "leads"), HaveField("ConsecutiveFailures", int32(0)))))
		}).Should(Succeed())
		crm.fail(true)
		DeferCleanup(crm.fail, false)
		failures := func(n int32) {
			GinkgoHelper()
			Eventually(func(g Gomega) {
				g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
				g.Expect(camp.Status.Metrics).To(ContainElement(And(
					HaveField("Name", "leads"), HaveField("ConsecutiveFailures", n))))
			}).Should(Succeed())
		}
		failures(1)
		// However often it is reconciled within one poll, a failure counts once.
		Consistently(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
			g.Expect(camp.Status.Metrics).To(ContainElement(HaveField("ConsecutiveFailures", int32(1))))
			g.Expect(*job(g, camp).Spec.Parallelism).To(Equal(int32(4)))
		}, 6*time.Second, time.Second).Should(Succeed())
		advanceClock(5 * time.Second)
		failures(2)
		Expect(*job(Default, camp).Spec.Parallelism).To(Equal(int32(4)))
		advanceClock(5 * time.Second)
		failures(3)
		Eventually(func(g Gomega) { g.Expect(*job(g, camp).Spec.Parallelism).To(Equal(int32(8))) }).Should(Succeed())
	})

	It("scales up one step per period, and steps again once the clock passes it", func() {
		target()
		camp := campaign(func(c *v1alpha1.Campaign) {
			c.Spec.Outreach.Behavior = &v1alpha1.ScalingBehavior{
				ScaleUpWorkers: ptr.To[int32](1), ScaleUpPercent: ptr.To[int32](1), ScaleUpPeriodSeconds: ptr.To[int32](60),
			}
		})
		// No leads yet: the plan's 15 a worker asks for 6.
		crm.set(ns, camp.Name, 0, 0)
		parallelism := func(n int32) {
			GinkgoHelper()
			Eventually(func(g Gomega) { g.Expect(*job(g, camp).Spec.Parallelism).To(Equal(n)) }).Should(Succeed())
		}
		parallelism(1)
		Consistently(func(g Gomega) { g.Expect(*job(g, camp).Spec.Parallelism).To(Equal(int32(1))) }, 6*time.Second, time.Second).Should(Succeed())
		advanceClock(61 * time.Second)
		parallelism(2)
		Consistently(func(g Gomega) { g.Expect(*job(g, camp).Spec.Parallelism).To(Equal(int32(2))) }, 6*time.Second, time.Second).Should(Succeed())
		advanceClock(61 * time.Second)
		parallelism(3)
	})

	It("scales down only once the stabilization window has passed on the clock", func() {
		target()
		camp := campaign(func(c *v1alpha1.Campaign) {
			c.Spec.Outreach.Behavior = &v1alpha1.ScalingBehavior{ScaleDownStabilizationSeconds: ptr.To[int32](300)}
		})
		crm.set(ns, camp.Name, 0, 0)
		Eventually(func(g Gomega) { g.Expect(*job(g, camp).Spec.Parallelism).To(Equal(int32(4))) }).Should(Succeed())
		// 1M of the 1.2M booked: 200k needs 28 leads/wk, 2 workers.
		crm.setTarget(ns, st.Name, 1000000)
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
			g.Expect(camp.Status.AllocatedLeadsPerWeek.String()).To(Equal("28"))
		}).Should(Succeed())
		Consistently(func(g Gomega) { g.Expect(*job(g, camp).Spec.Parallelism).To(Equal(int32(4))) }, 6*time.Second, time.Second).Should(Succeed())
		advanceClock(301 * time.Second)
		Eventually(func(g Gomega) { g.Expect(*job(g, camp).Spec.Parallelism).To(Equal(int32(2))) }).Should(Succeed())
	})

	// The ramp that ran away (2 → 4 → 6 → … → 192) when a week's leads
	// were divided by the workers running now: a Deployment found at 2
	// replicas that made 100 leads a worker-week all week, and a share of
	// 400 leads/wk. The test plays the metrics source: the leads counted
	// over the trailing week are 100 times the worker-time the Deployment
	// really ran, hour by hour of the controllers' clock.
	It("ramps a campaign found at 2 workers to its 4 without overshooting", func() {
		target(func(s *v1alpha1.SalesTarget) {
			s.Spec.Strategy = v1alpha1.FillCapacity
			s.Spec.Capacity.Reps = 16 // 400 leads/wk
		})
		deploy := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "prospecting-workers", Namespace: ns},
			Spec: appsv1.DeploymentSpec{
				Replicas: ptr.To[int32](2),
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "prospecting"}},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "prospecting"}},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "p", Image: "p"}}},
				},
			},
		}
		Expect(k8sClient.Create(ctx, deploy)).To(Succeed())
		DeferCleanup(k8sClient.Delete, ctx, deploy)
		truth := []balance.WorkerRecord{{Since: testClock.Now(), Workers: 2}}
		leadsNow := func() float64 { return 100 * balance.AverageWorkers(truth, testClock.Now(), balance.Week) }
		camp := create(scaleCampSample, ns, &v1alpha1.Campaign{}, readFromCRM, func(c *v1alpha1.Campaign) {
			// The plan is wrong (60 a worker would ask for 7); the observed
			// yield must win.
			c.Spec.Outreach.LeadsPerWorkerPerWeek = resource.MustParse("60")
			c.Spec.Outreach.MaxParallelism = 20
		})
		highest := int32(2)
		for step := range 10 {
			leads := leadsNow()
			crm.set(ns, camp.Name, leads, leads/2)
			Eventually(func(g Gomega) {
				g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
				g.Expect(camp.Status.LeadsPerWeek).NotTo(BeNil())
				g.Expect(camp.Status.LeadsPerWeek.AsApproximateFloat64()).To(BeNumerically("~", leads, 0.001))
				g.Expect(camp.Status.YieldBasis).To(Equal(v1alpha1.Basis("Observed")))
			}).Should(Succeed(), "step %d", step)
			Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(deploy), deploy)).To(Succeed())
			n := *deploy.Spec.Replicas
			if n != truth[len(truth)-1].Workers {
				truth = append(truth, balance.WorkerRecord{Since: testClock.Now(), Workers: n})
			}
			highest = max(highest, n)
			advanceClock(3 * time.Hour)
		}
		Expect(highest).To(Equal(int32(4)), "the Deployment ran %v", truth)
		Expect(truth[len(truth)-1].Workers).To(Equal(int32(4)))
		Expect(camp.Status.YieldPerWorker.AsApproximateFloat64()).To(BeNumerically("~", 100, 1))
	})
	// Workers make leads once their pods run, not when truce asks for them.
	// The test plays the Job controller, whose pods here take three hours
	// of the controllers' clock to start (envtest runs none: it writes the
	// Job's status.ready), and the metrics source, whose leads are 100 a
	// worker-week of the pods that ran. Counted from when truce asked, the
	// workers still starting would read the yield low after each scale-up
	// and ask for more again.
	It("counts a Job's workers from when its pods run, and ramps to its 4 without overshooting", func() {
		target(func(s *v1alpha1.SalesTarget) {
			s.Spec.Strategy = v1alpha1.FillCapacity
			s.Spec.Capacity.Reps = 16 // 400 leads/wk
		})
		camp := campaign(func(c *v1alpha1.Campaign) {
			// The plan is wrong (200 a worker asks for 2); the observed
			// yield must win.
			c.Spec.Outreach.LeadsPerWorkerPerWeek = resource.MustParse("200")
		})
		crm.set(ns, camp.Name, 0, 0)
		var running []balance.WorkerRecord
		ready := func(n int32) {
			GinkgoHelper()
			Eventually(func(g Gomega) {
				j := job(g, camp)
				j.Status.Active, j.Status.Ready = *j.Spec.Parallelism, ptr.To(n)
				if j.Status.StartTime == nil {
					j.Status.StartTime = &metav1.Time{Time: testClock.Now()}
				}
				g.Expect(k8sClient.Status().Update(ctx, j)).To(Succeed())
			}).Should(Succeed())
			if len(running) == 0 || running[len(running)-1].Workers != n {
				running = append(running, balance.WorkerRecord{Since: testClock.Now(), Workers: n})
			}
			// truce records it before the clock moves on: the pods that
			// run, and never more than it asks for.
			Eventually(func(g Gomega) {
				p := *job(g, camp).Spec.Parallelism
				g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
				h := camp.Status.ParallelismHistory
				g.Expect(h).NotTo(BeEmpty())
				g.Expect(h[len(h)-1].Parallelism).To(Equal(min(n, p)))
			}).Should(Succeed())
		}
		Eventually(func(g Gomega) { g.Expect(*job(g, camp).Spec.Parallelism).To(Equal(int32(2))) }).Should(Succeed())
		ready(0)
		highest, asked := int32(2), int32(2)
		for step := range 16 {
			advanceClock(3 * time.Hour)
			// The leads of the pods that ran, then what truce asked for
			// three hours ago runs from now.
			leads := 100 * balance.AverageWorkers(running, testClock.Now(), balance.Week)
			crm.set(ns, camp.Name, leads, leads/2)
			ready(asked)
			Eventually(func(g Gomega) {
				g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
				g.Expect(camp.Status.LeadsPerWeek).NotTo(BeNil())
				g.Expect(camp.Status.LeadsPerWeek.AsApproximateFloat64()).To(BeNumerically("~", leads, 0.001))
			}).Should(Succeed(), "step %d", step)
			Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
			asked = *job(Default, camp).Spec.Parallelism
			highest = max(highest, asked)
		}
		Expect(highest).To(Equal(int32(4)), "the Job's pods ran %v", running)
		Expect(asked).To(Equal(int32(4)))
		Expect(camp.Status.YieldBasis).To(Equal(v1alpha1.Basis("Observed")))
		Expect(camp.Status.YieldPerWorker.AsApproximateFloat64()).To(BeNumerically("~", 100, 2))
	})
})

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
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/metrics"
	"github.com/truce-dev/truce/internal/outreach"
)

// create makes a typed object from a sample in namespace ns.
func create[T client.Object](file, ns string, obj T, change ...func(T)) T {
	u := sample(file)
	Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, obj)).To(Succeed())
	obj.SetNamespace(ns)
	for _, c := range change {
		c(obj)
	}
	Expect(k8sClient.Create(ctx, obj)).To(Succeed())
	// Later specs must not find it still reconciled, on their clock.
	DeferCleanup(func() { Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, obj))).To(Succeed()) })
	return obj
}

// update changes obj's spec with a merge patch, which the controller's
// concurrent status writes cannot conflict with.
func update(obj client.Object, change func()) {
	before := obj.DeepCopyObject().(client.Object)
	change()
	Expect(k8sClient.Patch(ctx, obj, client.MergeFrom(before))).To(Succeed())
}

// condition is a matcher for a condition of the given type, status and
// reason at the object's generation.
func condition(typ string, status metav1.ConditionStatus, reason string) func(g Gomega, obj client.Object, conds []metav1.Condition) {
	return func(g Gomega, obj client.Object, conds []metav1.Condition) {
		c := meta.FindStatusCondition(conds, typ)
		g.Expect(c).NotTo(BeNil(), "condition %s is not set", typ)
		g.Expect(c.Status).To(Equal(status), "condition %s: %s", typ, c.Message)
		g.Expect(c.Reason).To(Equal(reason))
		g.Expect(c.ObservedGeneration).To(Equal(obj.GetGeneration()))
		g.Expect(c.Message).NotTo(BeEmpty())
	}
}

var _ = Describe("SalesTarget controller", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("sets every condition, the period and the capacity on the first visit", func() {
		st := create(targetSample, ns, &v1alpha1.SalesTarget{})
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(st), st)).To(Succeed())
			g.Expect(st.Status.ObservedGeneration).To(Equal(st.Generation))
			g.Expect(st.Status.Conditions).To(HaveLen(4))
			condition(v1alpha1.ReadyCondition, metav1.ConditionTrue, v1alpha1.ReconciledReason)(g, st, st.Status.Conditions)
			condition(v1alpha1.BalancedCondition, metav1.ConditionUnknown, v1alpha1.AwaitingMetricsReason)(g, st, st.Status.Conditions)
			condition(v1alpha1.QuotaAtRiskCondition, metav1.ConditionUnknown, v1alpha1.AwaitingMetricsReason)(g, st, st.Status.Conditions)
			// The sample names no source and this controller has no default,
			// so the period's bookings are unknown.
			condition(v1alpha1.MetricsAvailableCondition, metav1.ConditionFalse, v1alpha1.BookingsUnknownReason)(g, st, st.Status.Conditions)
		}).Should(Succeed())
		Expect(meta.FindStatusCondition(st.Status.Conditions, v1alpha1.MetricsAvailableCondition).Message).To(And(
			ContainSubstring("no metrics source"), ContainSubstring("no campaign is given a share until they are read")))

		// 8 reps and 2 at half speed work 25 accepted leads each (the two
		// who start in 2027 add nothing yet); sales accepts 60% of the
		// campaigns' leads, so that is 225 / 0.6 = 375 campaign leads.
		Expect(st.Status.CapacityLeadsPerWeek.String()).To(Equal("375"))
		Expect(st.Status.AcceptedPercent.String()).To(Equal("60"))
		// A lead made now closes 30 days later, still in Q2; with no metrics
		// read and no supply, the pipeline is taken to be on plan.
		Expect(st.Status.Horizon).NotTo(BeNil())
		Expect(st.Status.Horizon.Period).To(Equal("2026-Q2"))
		Expect(st.Status.Horizon.InFlightBasis).To(Equal(v1alpha1.PlanEstimateBasis))
		// The second quarter of 2026 in Berlin, where midnight is 22:00 UTC
		// the day before in summer time.
		berlin, err := time.LoadLocation("Europe/Berlin")
		Expect(err).NotTo(HaveOccurred())
		Expect(st.Status.PeriodStart.Time).To(BeTemporally("==", time.Date(2026, time.April, 1, 0, 0, 0, 0, berlin)))
		Expect(st.Status.PeriodEnd.Time).To(BeTemporally("==", time.Date(2026, time.July, 1, 0, 0, 0, 0, berlin)))
	})

	It("is not Ready with a time zone that does not exist, and recovers when it is fixed", func() {
		st := create(targetSample, ns, &v1alpha1.SalesTarget{}, func(s *v1alpha1.SalesTarget) {
			s.Spec.Period.TimeZone = "Mars/Olympus_Mons"
		})
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(st), st)).To(Succeed())
			condition(v1alpha1.ReadyCondition, metav1.ConditionFalse, v1alpha1.InvalidTimeZoneReason)(g, st, st.Status.Conditions)
			g.Expect(meta.FindStatusCondition(st.Status.Conditions, v1alpha1.ReadyCondition).Message).To(ContainSubstring("spec.period.timeZone"))
		}).Should(Succeed())

		update(st, func() { st.Spec.Period.TimeZone = "America/New_York" })
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(st), st)).To(Succeed())
			condition(v1alpha1.ReadyCondition, metav1.ConditionTrue, v1alpha1.ReconciledReason)(g, st, st.Status.Conditions)
			g.Expect(st.Status.ObservedGeneration).To(Equal(int64(2)))
		}).Should(Succeed())
	})

	It("writes nothing when a reconcile finds nothing changed", func() {
		// Without queries there is nothing to read: the plan is in use.
		st := create(targetSample, ns, &v1alpha1.SalesTarget{}, func(s *v1alpha1.SalesTarget) { s.Spec.Metrics, s.Spec.SLA = nil, nil })
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(st), st)).To(Succeed())
			condition(v1alpha1.MetricsAvailableCondition, metav1.ConditionTrue, v1alpha1.MetricsReadReason)(g, st, st.Status.Conditions)
		}).Should(Succeed())
		settled := st.ResourceVersion
		// Wait until the cache has the settled object, then reconcile again.
		r := &SalesTargetReconciler{Client: mgrClient, Clock: testClock, Metrics: testGatherer()}
		Eventually(func(g Gomega) {
			cached := &v1alpha1.SalesTarget{}
			g.Expect(mgrClient.Get(ctx, client.ObjectKeyFromObject(st), cached)).To(Succeed())
			g.Expect(cached.ResourceVersion).To(Equal(settled))
		}).Should(Succeed())
		for range 3 {
			res, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(st)})
			Expect(err).NotTo(HaveOccurred())
			Expect(res.RequeueAfter).To(BeNumerically(">", 0), "requeues at the period's end")
		}
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(st), st)).To(Succeed())
		Expect(st.ResourceVersion).To(Equal(settled))
	})
})

var _ = Describe("Campaign controller", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("is not Ready while its SalesTarget is missing and recovers when it appears", func() {
		camp := create(jobCampaignSample, ns, &v1alpha1.Campaign{})
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
			g.Expect(camp.Status.ObservedGeneration).To(Equal(camp.Generation))
			g.Expect(camp.Status.Conditions).To(HaveLen(4))
			condition(v1alpha1.ReadyCondition, metav1.ConditionFalse, v1alpha1.SalesTargetNotFoundReason)(g, camp, camp.Status.Conditions)
			condition(v1alpha1.BalancedCondition, metav1.ConditionUnknown, v1alpha1.NotAllocatedReason)(g, camp, camp.Status.Conditions)
			condition(v1alpha1.MetricsAvailableCondition, metav1.ConditionFalse, v1alpha1.MetricsUnavailableReason)(g, camp, camp.Status.Conditions)
			condition(v1alpha1.SuspendedCondition, metav1.ConditionFalse, v1alpha1.ActiveReason)(g, camp, camp.Status.Conditions)
		}).Should(Succeed())
		Expect(meta.FindStatusCondition(camp.Status.Conditions, v1alpha1.ReadyCondition).Message).To(ContainSubstring(`"emea-smb"`))

		create(targetSample, ns, &v1alpha1.SalesTarget{})
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
			condition(v1alpha1.ReadyCondition, metav1.ConditionTrue, v1alpha1.ReconciledReason)(g, camp, camp.Status.Conditions)
		}).Should(Succeed())
	})

	It("says when it is suspended", func() {
		create(targetSample, ns, &v1alpha1.SalesTarget{})
		camp := create(scaleCampSample, ns, &v1alpha1.Campaign{}, func(c *v1alpha1.Campaign) { c.Spec.Suspend = true })
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
			condition(v1alpha1.SuspendedCondition, metav1.ConditionTrue, v1alpha1.SuspendedBySpecReason)(g, camp, camp.Status.Conditions)
		}).Should(Succeed())

		update(camp, func() { camp.Spec.Suspend = false })
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
			condition(v1alpha1.SuspendedCondition, metav1.ConditionFalse, v1alpha1.ActiveReason)(g, camp, camp.Status.Conditions)
		}).Should(Succeed())
	})

	It("writes nothing when a reconcile finds nothing changed", func() {
		crmSecret(ns)
		// The target needs 84 leads/wk (see "Judging a SalesTarget's
		// balance") and the campaign brings 84: in balance at whatever
		// parallelism it reaches.
		st := create(targetSample, ns, &v1alpha1.SalesTarget{}, targetReadsFromCRM)
		crm.setTarget(ns, st.Name, 600000)
		camp := create(jobCampaignSample, ns, &v1alpha1.Campaign{}, readFromCRM)
		crm.set(ns, camp.Name, 84, 34)
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
			condition(v1alpha1.ReadyCondition, metav1.ConditionTrue, v1alpha1.ReconciledReason)(g, camp, camp.Status.Conditions)
			condition(v1alpha1.BalancedCondition, metav1.ConditionTrue, v1alpha1.BalancedReason)(g, camp, camp.Status.Conditions)
			// The clock stands still, so no worker-time is behind the leads
			// yet: the plan's 15 leads a worker asks for 6 workers, and the
			// first period's scale-up limit allows 4.
			g.Expect(camp.Status.ActiveJob).NotTo(BeEmpty())
			g.Expect(camp.Status.CurrentParallelism).To(Equal(ptr.To[int32](4)))
			g.Expect(camp.Status.DesiredParallelism).To(Equal(ptr.To[int32](4)))
			g.Expect(camp.Status.YieldPerWorker.String()).To(Equal("15"))
			g.Expect(camp.Status.YieldBasis).To(Equal(v1alpha1.Basis("Plan")))
			// And the target has judged the campaign's latest numbers.
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(st), st)).To(Succeed())
			g.Expect(st.Status.SupplyLeadsPerWeek).NotTo(BeNil())
			g.Expect(st.Status.SupplyLeadsPerWeek.String()).To(Equal("84"))
			condition(v1alpha1.BalancedCondition, metav1.ConditionTrue, v1alpha1.BalancedReason)(g, st, st.Status.Conditions)
		}).Should(Succeed())
		// Settled: two whole polls pass without a write to the campaign, its
		// target or its Job.
		settled := camp.ResourceVersion
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(st), st)).To(Succeed())
		jobs := &batchv1.JobList{}
		Expect(k8sClient.List(ctx, jobs, client.InNamespace(ns))).To(Succeed())
		Expect(jobs.Items).To(HaveLen(1))
		targetRV, jobRV := st.ResourceVersion, jobs.Items[0].ResourceVersion
		Consistently(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
			g.Expect(camp.ResourceVersion).To(Equal(settled))
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(st), st)).To(Succeed())
			g.Expect(st.ResourceVersion).To(Equal(targetRV))
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(&jobs.Items[0]), &jobs.Items[0])).To(Succeed())
			g.Expect(jobs.Items[0].ResourceVersion).To(Equal(jobRV))
		}, 11*time.Second, 500*time.Millisecond).Should(Succeed())
		r := &CampaignReconciler{Client: mgrClient, Clock: testClock, Metrics: testGatherer(),
			Outreach: &outreach.Actuator{Client: mgrClient, Scheme: testScheme}}
		Eventually(func(g Gomega) {
			cached := &v1alpha1.Campaign{}
			g.Expect(mgrClient.Get(ctx, client.ObjectKeyFromObject(camp), cached)).To(Succeed())
			g.Expect(cached.ResourceVersion).To(Equal(settled))
		}).Should(Succeed())
		// A reconciler with no memory, as after a restart, changes nothing
		// and makes no second Job.
		for range 3 {
			_, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(camp)})
			Expect(err).NotTo(HaveOccurred())
		}
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
		Expect(camp.ResourceVersion).To(Equal(settled))
		Expect(k8sClient.List(ctx, jobs, client.InNamespace(ns))).To(Succeed())
		Expect(jobs.Items).To(HaveLen(1))
		Expect(jobs.Items[0].ResourceVersion).To(Equal(jobRV))

		// A poll that read a stale copy, one that has not seen the scale-up
		// to 4 recorded yet, would grant the rate limit's step again and
		// scale to the 6 the plan's yield asks for. The status write it makes
		// before acting carries that copy's resource version: it is refused,
		// nothing acts, and the poll runs again soon.
		stale := camp.DeepCopy()
		stale.ResourceVersion = "1"
		stale.Status.Scaling.Changes = nil
		r.Client = staleCampaign{Client: mgrClient, stale: stale}
		res, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(camp)})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.RequeueAfter).To(Equal(conflictRetry))
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
		Expect(camp.ResourceVersion).To(Equal(settled))
		Expect(k8sClient.List(ctx, jobs, client.InNamespace(ns))).To(Succeed())
		Expect(jobs.Items).To(HaveLen(1))
		Expect(jobs.Items[0].ResourceVersion).To(Equal(jobRV), "a poll acted on a stale copy")
		Expect(jobs.Items[0].Spec.Parallelism).To(Equal(ptr.To[int32](4)))
		// The same copy, current, does act: the test would pass for nothing
		// if it did not.
		stale.ResourceVersion = settled
		res, err = r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(camp)})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.RequeueAfter).NotTo(Equal(conflictRetry))
		Expect(k8sClient.List(ctx, jobs, client.InNamespace(ns))).To(Succeed())
		Expect(jobs.Items[0].Spec.Parallelism).To(Equal(ptr.To[int32](6)))
	})
})

// staleCampaign answers every Get of a Campaign with stale, as a cache that
// has not caught up would.
type staleCampaign struct {
	client.Client
	stale *v1alpha1.Campaign
}

func (s staleCampaign) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if c, ok := obj.(*v1alpha1.Campaign); ok && key == client.ObjectKeyFromObject(s.stale) {
		s.stale.DeepCopyInto(c)
		return nil
	}
	return s.Client.Get(ctx, key, obj, opts...)
}

var _ = Describe("kubectl", func() {
	It("explains the API from the field docs", func() {
		// The API server publishes a new CRD's OpenAPI a moment after it is
		// established.
		Eventually(func(g Gomega) {
			out, err := kubectl("explain", "campaign.spec.outreach")
			g.Expect(err).NotTo(HaveOccurred(), out)
			g.Expect(out).To(ContainSubstring("GROUP:      revops.truce.dev"))
			g.Expect(out).To(ContainSubstring("jobTemplate is the Job the controller runs for the campaign"))
			g.Expect(out).To(ContainSubstring("maxParallelism is the most workers the campaign runs"))
		}).Should(Succeed())

		out, err := kubectl("explain", "st.spec.quota")
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("revenue is the won revenue to book in each period"))
	})

	It("prints the columns a person looks for first", func() {
		ns := newNamespace()
		out, err := kubectl("apply", "--server-side", "-n", ns, "-k", "../config/samples")
		DeferCleanup(func() {
			out, err := kubectl("delete", "-n", ns, "--ignore-not-found", "-k", filepath.Join("..", "config", "samples"))
			Expect(err).NotTo(HaveOccurred(), out)
		})
		Expect(err).NotTo(HaveOccurred(), out)
		Eventually(func(g Gomega) {
			out, err := kubectl("get", "st", "-n", ns)
			g.Expect(err).NotTo(HaveOccurred(), out)
			g.Expect(out).To(MatchRegexp(`NAME\s+CAPACITY\s+DEMAND\s+SUPPLY\s+ATTAINMENT\s+BALANCED\s+AGE`))
			g.Expect(out).To(MatchRegexp(`emea-smb\s+375\s+.*Unknown`))
		}).Should(Succeed())
		// -o wide adds the drift reason and the period need plans for.
		Eventually(func(g Gomega) {
			out, err := kubectl("get", "st", "-n", ns, "-o", "wide")
			g.Expect(err).NotTo(HaveOccurred(), out)
			g.Expect(out).To(MatchRegexp(`BALANCED\s+DRIFT\s+PLANNING\s+AGE`))
			g.Expect(out).To(MatchRegexp(`emea-smb\s+.*\s+2026-Q2\s+`))
		}).Should(Succeed())
		out, err = kubectl("get", "camp", "-n", ns)
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(out).To(MatchRegexp(`NAME\s+TARGET\s+LEADS/WK\s+ALLOCATED\s+PARALLELISM\s+BALANCED\s+AGE`))
		Expect(out).To(MatchRegexp(`spring-webinar\s+emea-smb`))
		out, err = kubectl("get", "revops", "-n", ns)
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("campaign.revops.truce.dev/outbound-prospecting"))
		Expect(out).To(ContainSubstring("salestarget.revops.truce.dev/emea-smb"))
	})
})

// testGatherer reads metrics the way the suite's controllers do.
func testGatherer() metricsGatherer {
	// Secrets are read uncached, as the manager reads them.
	return metricsGatherer{resolver: &metrics.Resolver{Secrets: k8sClient, Guard: metrics.LoopbackNetworkGuard()}, reader: metrics.NewReader(clock.RealClock{}, 0, nil)}
}

var _ = Describe("Reading a campaign's metrics", func() {
	var ns string
	BeforeEach(func() {
		ns = newNamespace()
		crmSecret(ns)
		create(targetSample, ns, &v1alpha1.SalesTarget{})
	})

	It("shows what the source reports, holds it through an outage and recovers", func() {
		camp := create(jobCampaignSample, ns, &v1alpha1.Campaign{}, readFromCRM)
		crm.set(ns, camp.Name, 120, 46)
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
			condition(v1alpha1.MetricsAvailableCondition, metav1.ConditionTrue, v1alpha1.MetricsReadReason)(g, camp, camp.Status.Conditions)
			g.Expect(camp.Status.LeadsPerWeek).NotTo(BeNil())
			g.Expect(camp.Status.LeadsPerWeek.String()).To(Equal("120"))
			g.Expect(camp.Status.QualifiedPercent.String()).To(Equal("38333m"))
			g.Expect(camp.Status.Metrics).To(ConsistOf(
				HaveField("Name", "leads"), HaveField("Name", "qualifiedLeads")))
		}).Should(Succeed())

		crm.fail(true)
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
			condition(v1alpha1.MetricsAvailableCondition, metav1.ConditionFalse, v1alpha1.MetricsUnavailableReason)(g, camp, camp.Status.Conditions)
			g.Expect(meta.FindStatusCondition(camp.Status.Conditions, v1alpha1.MetricsAvailableCondition).Message).To(
				And(ContainSubstring("leads: BadResponse"), ContainSubstring("500"), ContainSubstring("holding the last values")))
			g.Expect(camp.Status.Metrics[0].ConsecutiveFailures).To(BeNumerically(">=", 1))
			// The source's status and size, never its body.
			g.Expect(camp.Status.Metrics[0].LastError).To(And(ContainSubstring("HTTP 500"), Not(ContainSubstring("reporting database unavailable"))))
		}).Should(Succeed())
		// The last good value is held, not zeroed.
		Expect(camp.Status.LeadsPerWeek.String()).To(Equal("120"))
		Expect(camp.Status.Metrics[0].Value.String()).To(Equal("120"))

		crm.set(ns, camp.Name, 90, 45)
		crm.fail(false)
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
			condition(v1alpha1.MetricsAvailableCondition, metav1.ConditionTrue, v1alpha1.MetricsReadReason)(g, camp, camp.Status.Conditions)
			g.Expect(camp.Status.LeadsPerWeek.String()).To(Equal("90"))
			g.Expect(camp.Status.QualifiedPercent.String()).To(Equal("50"))
			g.Expect(camp.Status.Metrics[0].ConsecutiveFailures).To(BeZero())
			g.Expect(camp.Status.Metrics[0].LastError).To(BeEmpty())
		}).Should(Succeed())
	})

	It("reads an empty result as zero only for the metrics that say so", func() {
		noQualifiedYet := func(c *v1alpha1.Campaign) { c.Spec.Metrics.QualifiedLeads = `{['no-grades-yet'].qualified}` }
		strict := create(jobCampaignSample, ns, &v1alpha1.Campaign{}, readFromCRM, noQualifiedYet)
		lenient := create(jobCampaignSample, ns, &v1alpha1.Campaign{}, func(c *v1alpha1.Campaign) { c.Name = "lenient" },
			readFromCRM, noQualifiedYet, func(c *v1alpha1.Campaign) {
				c.Spec.Metrics.EmptyResultIsZero = []v1alpha1.CampaignMetric{"qualifiedLeads"}
			})
		crm.set(ns, strict.Name, 50, 0)
		crm.set(ns, lenient.Name, 50, 0)
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(strict), strict)).To(Succeed())
			condition(v1alpha1.MetricsAvailableCondition, metav1.ConditionFalse, v1alpha1.MetricsUnavailableReason)(g, strict, strict.Status.Conditions)
			g.Expect(meta.FindStatusCondition(strict.Status.Conditions, v1alpha1.MetricsAvailableCondition).Message).To(ContainSubstring("qualifiedLeads: EmptyResult"))
		}).Should(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(lenient), lenient)).To(Succeed())
			condition(v1alpha1.MetricsAvailableCondition, metav1.ConditionTrue, v1alpha1.MetricsReadReason)(g, lenient, lenient.Status.Conditions)
			g.Expect(lenient.Status.QualifiedPercent).NotTo(BeNil())
			g.Expect(lenient.Status.QualifiedPercent.IsZero()).To(BeTrue())
		}).Should(Succeed())
	})

	It("says which Secret is missing", func() {
		camp := create(jobCampaignSample, ns, &v1alpha1.Campaign{}, readFromCRM, func(c *v1alpha1.Campaign) {
			c.Spec.Metrics.Source.HTTP.Auth.BearerToken.Name = "no-such-secret"
		})
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(camp), camp)).To(Succeed())
			condition(v1alpha1.MetricsAvailableCondition, metav1.ConditionFalse, v1alpha1.MetricsUnavailableReason)(g, camp, camp.Status.Conditions)
			g.Expect(meta.FindStatusCondition(camp.Status.Conditions, v1alpha1.MetricsAvailableCondition).Message).To(
				ContainSubstring(`Misconfigured: spec.metrics.source.http.auth.bearerToken: Secret "no-such-secret" not found`))
		}).Should(Succeed())
	})

	It("reads each of many campaigns' own numbers from one shared document", func() {
		var camps []*v1alpha1.Campaign
		for i := range 10 {
			camps = append(camps, create(jobCampaignSample, ns, &v1alpha1.Campaign{}, func(c *v1alpha1.Campaign) {
				c.Name = fmt.Sprintf("webinar-%d", i)
			}, readFromCRM))
			crm.set(ns, camps[i].Name, float64(10*(i+1)), 5)
		}
		for i, c := range camps {
			Eventually(func(g Gomega) {
				g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(c), c)).To(Succeed())
				g.Expect(c.Status.LeadsPerWeek).NotTo(BeNil())
				g.Expect(c.Status.LeadsPerWeek.Value()).To(Equal(int64(10 * (i + 1))))
			}).Should(Succeed())
		}
	})
})

var _ = Describe("Judging a SalesTarget's balance", func() {
	It("splits demand by weight and names the drift from its campaigns' observed leads", func() {
		ns := newNamespace()
		crmSecret(ns)
		// 8 reps x 25 = 200 leads/wk. 600k of 1.2M is booked on 20 May, with
		// 41 days and 14 hours of the quarter left: a lead is worth
		// 30k x 4% = 1200, so the quota needs 600000/1200/5.94 = 84 leads/wk.
		st := create(targetSample, ns, &v1alpha1.SalesTarget{}, targetReadsFromCRM)
		crm.setTarget(ns, st.Name, 600000)
		webinar := create(jobCampaignSample, ns, &v1alpha1.Campaign{}, readFromCRM)
		outbound := create(scaleCampSample, ns, &v1alpha1.Campaign{}, readFromCRM)
		crm.set(ns, webinar.Name, 30, 12)
		crm.set(ns, outbound.Name, 20, 8)

		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(st), st)).To(Succeed())
			s := st.Status
			g.Expect(s.NeedLeadsPerWeek).NotTo(BeNil())
			g.Expect(s.NeedLeadsPerWeek.String()).To(Equal("84"))
			g.Expect(s.DemandLeadsPerWeek.String()).To(Equal("84"))
			g.Expect(s.SupplyLeadsPerWeek).NotTo(BeNil())
			g.Expect(s.SupplyLeadsPerWeek.String()).To(Equal("50"))
			g.Expect(s.AttainmentPercent.String()).To(Equal("50"))
			g.Expect(s.WinRateBasis).To(Equal(v1alpha1.Basis("Plan")))
			// Weights 2:1.
			g.Expect(s.Campaigns).To(HaveLen(2))
			g.Expect(s.Campaigns[0].Name).To(Equal("outbound-prospecting"))
			g.Expect(s.Campaigns[0].AllocatedLeadsPerWeek.String()).To(Equal("28"))
			g.Expect(s.Campaigns[1].AllocatedLeadsPerWeek.String()).To(Equal("56"))
			g.Expect(s.Campaigns[1].SupplyLeadsPerWeek.String()).To(Equal("30"))
			condition(v1alpha1.BalancedCondition, metav1.ConditionFalse, v1alpha1.LeadShortfallReason)(g, st, s.Conditions)
			g.Expect(meta.FindStatusCondition(s.Conditions, v1alpha1.BalancedCondition).Message).To(ContainSubstring("marketing should add volume"))
			// 600k booked, and 50 leads/wk for 5.94 weeks close 356k more:
			// 80% of the quota, just below 100% × (1 − 20%).
			condition(v1alpha1.QuotaAtRiskCondition, metav1.ConditionTrue, v1alpha1.BelowPaceReason)(g, st, s.Conditions)
			g.Expect(s.ProjectedAttainmentPercent.String()).To(Equal("80"))
		}).Should(Succeed())

		// The campaigns surge past what 8 reps can work.
		crm.set(ns, webinar.Name, 200, 80)
		crm.set(ns, outbound.Name, 100, 40)
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(st), st)).To(Succeed())
			condition(v1alpha1.BalancedCondition, metav1.ConditionFalse, v1alpha1.LeadOverflowReason)(g, st, st.Status.Conditions)
			g.Expect(meta.FindStatusCondition(st.Status.Conditions, v1alpha1.BalancedCondition).Message).To(
				ContainSubstring("supply 300/wk is 50% above what 8 reps can work (200/wk)"))
		}).Should(Succeed())
	})
})

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
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/outreach"
)

// Every case here is accepted by the API. Each must end with a condition
// that says what to fix, and a healthy campaign beside it must keep being
// reconciled.
var _ = Describe("Status that always tells the truth", func() {
	var (
		ns      string
		healthy *v1alpha1.Campaign
	)
	BeforeEach(func() {
		ns = newNamespace()
		crmSecret(ns)
		st := create(targetSample, ns, &v1alpha1.SalesTarget{}, targetReadsFromCRM)
		crm.setTarget(ns, st.Name, 600000)
		healthy = create(jobCampaignSample, ns, &v1alpha1.Campaign{}, func(c *v1alpha1.Campaign) { c.Name = "healthy" }, readFromCRM)
		crm.set(ns, healthy.Name, 40, 16)
	})
	// stillReconciled changes the healthy campaign's leads and waits for
	// its status to show them.
	stillReconciled := func() {
		GinkgoHelper()
		leads := float64(41 + time.Now().UnixNano()%50)
		crm.set(ns, healthy.Name, leads, leads/2)
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(healthy), healthy)).To(Succeed())
			g.Expect(healthy.Status.LeadsPerWeek).NotTo(BeNil())
			g.Expect(healthy.Status.LeadsPerWeek.AsApproximateFloat64()).To(Equal(leads))
		}).Should(Succeed())
	}
	campaign := func(change ...func(*v1alpha1.Campaign)) *v1alpha1.Campaign {
		// Named first: readFromCRM reads the numbers kept under the name.
		c := create(jobCampaignSample, ns, &v1alpha1.Campaign{}, append(change, readFromCRM)...)
		crm.set(ns, c.Name, 30, 12)
		return c
	}
	ready := func(c *v1alpha1.Campaign, reason string, says ...string) {
		GinkgoHelper()
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(c), c)).To(Succeed())
			condition(v1alpha1.ReadyCondition, metav1.ConditionFalse, reason)(g, c, c.Status.Conditions)
			for _, s := range says {
				g.Expect(meta.FindStatusCondition(c.Status.Conditions, v1alpha1.ReadyCondition).Message).To(ContainSubstring(s))
			}
		}).Should(Succeed())
	}
	activeJob := func(c *v1alpha1.Campaign) *batchv1.Job {
		GinkgoHelper()
		j := &batchv1.Job{}
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(c), c)).To(Succeed())
			g.Expect(c.Status.ActiveJob).NotTo(BeEmpty())
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: c.Status.ActiveJob}, j)).To(Succeed())
		}).Should(Succeed())
		return j
	}

	It("reports a failed Job and runs nothing, instead of a parallelism nothing runs", func() {
		c := campaign()
		j := activeJob(c)
		now := metav1.Now()
		j.Status.StartTime = &now
		j.Status.Failed = 1
		j.Status.Conditions = []batchv1.JobCondition{
			{Type: batchv1.JobFailureTarget, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, LastTransitionTime: now, Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit"},
		}
		Expect(k8sClient.Status().Update(ctx, j)).To(Succeed())
		ready(c, v1alpha1.JobFailedReason, "BackoffLimitExceeded", "delete the Job to run it again")
		Expect(c.Status.CurrentParallelism).To(Equal(ptr.To[int32](0)))
		stillReconciled()

		// Deleting the Job, as the message says, runs the revision again.
		Expect(k8sClient.Delete(ctx, j, client.PropagationPolicy(metav1.DeletePropagationBackground))).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(c), c)).To(Succeed())
			condition(v1alpha1.ReadyCondition, metav1.ConditionTrue, v1alpha1.ReconciledReason)(g, c, c.Status.Conditions)
			g.Expect(*c.Status.CurrentParallelism).To(BeNumerically(">", 0))
		}).Should(Succeed())
	})

	It("never shows or adopts a Job of its name that it does not control", func() {
		c := &v1alpha1.Campaign{}
		Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(sample(jobCampaignSample).Object, c)).To(Succeed())
		name := outreach.JobName(c.Name, c.Spec.Outreach.JobTemplate)
		foreign := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: *c.Spec.Outreach.JobTemplate.Spec.DeepCopy()}
		foreign.Spec.Parallelism = ptr.To[int32](7)
		Expect(k8sClient.Create(ctx, foreign)).To(Succeed())
		c = campaign()
		ready(c, v1alpha1.JobConflictReason, name, "not controlled by the campaign")
		Expect(c.Status.ActiveJob).To(BeEmpty())
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(foreign), foreign)).To(Succeed())
		Expect(foreign.OwnerReferences).To(BeEmpty())
		Expect(*foreign.Spec.Parallelism).To(Equal(int32(7)))
		stillReconciled()
	})

	It("says what to fix when the scale target does not exist or cannot be scaled", func() {
		missing := create(scaleCampSample, ns, &v1alpha1.Campaign{}, func(c *v1alpha1.Campaign) { c.Name = "missing" }, readFromCRM)
		crm.set(ns, missing.Name, 30, 12)
		ready(missing, v1alpha1.WorkloadUnavailableReason, `"prospecting-workers"`, "not found", "spec.outreach.scaleTargetRef")

		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "not-scalable", Namespace: ns}}
		Expect(k8sClient.Create(ctx, cm)).To(Succeed())
		noScale := create(scaleCampSample, ns, &v1alpha1.Campaign{}, func(c *v1alpha1.Campaign) {
			c.Name = "no-scale"
			c.Spec.Outreach.ScaleTargetRef = &v1alpha1.ScaleTargetReference{APIVersion: "v1", Kind: "ConfigMap", Name: cm.Name}
		}, readFromCRM)
		crm.set(ns, noScale.Name, 30, 12)
		ready(noScale, v1alpha1.WorkloadUnavailableReason, `ConfigMap "not-scalable"`, "spec.outreach.scaleTargetRef")
		stillReconciled()
	})

	It("writes a refused scale to status with the API's message, then retries", func() {
		// An admission policy of the cluster's refuses Jobs of more than two
		// workers in this namespace.
		policy := &admissionregistrationv1.ValidatingAdmissionPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "at-most-two-workers-" + ns},
			Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
				FailurePolicy: ptr.To(admissionregistrationv1.Fail),
				MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
					RuleWithOperations: admissionregistrationv1.RuleWithOperations{
						Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
						Rule:       admissionregistrationv1.Rule{APIGroups: []string{"batch"}, APIVersions: []string{"v1"}, Resources: []string{"jobs"}},
					},
				}}},
				Validations: []admissionregistrationv1.Validation{{
					Expression: "!has(object.spec.parallelism) || object.spec.parallelism <= 2",
					Message:    "outreach Jobs here may run at most two workers",
				}},
			},
		}
		Expect(k8sClient.Create(ctx, policy)).To(Succeed())
		DeferCleanup(k8sClient.Delete, ctx, policy)
		binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
			ObjectMeta: metav1.ObjectMeta{Name: policy.Name},
			Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
				PolicyName:        policy.Name,
				ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
				MatchResources: &admissionregistrationv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
					MatchLabels: map[string]string{corev1.LabelMetadataName: ns},
				}},
			},
		}
		Expect(k8sClient.Create(ctx, binding)).To(Succeed())
		DeferCleanup(k8sClient.Delete, ctx, binding)
		// The policy takes effect once the API server has loaded it.
		Eventually(func() error {
			probe := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{GenerateName: "probe-", Namespace: ns}, Spec: batchv1.JobSpec{
				Parallelism: ptr.To[int32](3), Suspend: ptr.To(true),
				Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
					Containers: []corev1.Container{{Name: "x", Image: "x"}}}},
			}}
			return k8sClient.Create(ctx, probe, client.DryRunAll)
		}).Should(MatchError(ContainSubstring("at most two workers")))

		// Its share at the plan's 15 leads per worker asks for more than two.
		c := campaign(func(c *v1alpha1.Campaign) { c.Name = "refused"; c.Spec.Weight = ptr.To[int32](10) })
		crm.set(ns, c.Name, 0, 0)
		ready(c, v1alpha1.ScaleFailedReason, "Could not scale the outreach to ", "outreach Jobs here may run at most two workers")
		Expect(*c.Status.DesiredParallelism).To(BeNumerically(">", 2))
		stillReconciled()
	})

	It("holds its workload when its SalesTarget is deleted, and is not judged against the allocation that went with it", func() {
		c := campaign()
		j := activeJob(c)
		// The Job may be created before the allocation arrives; hold
		// what runs once the campaign acted on its allocation.
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(c), c)).To(Succeed())
			g.Expect(c.Status.AllocatedLeadsPerWeek).NotTo(BeNil())
			g.Expect(c.Status.CurrentParallelism).NotTo(BeNil())
			g.Expect(*c.Status.CurrentParallelism).To(BeNumerically(">", 0))
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(j), j)).To(Succeed())
			g.Expect(*j.Spec.Parallelism).To(Equal(*c.Status.CurrentParallelism))
		}).Should(Succeed())
		held := *j.Spec.Parallelism
		st := &v1alpha1.SalesTarget{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: c.Spec.SalesTargetRef.Name}, st)).To(Succeed())
		Expect(k8sClient.Delete(ctx, st)).To(Succeed())
		ready(c, v1alpha1.SalesTargetNotFoundReason, "the outreach is held as it is")
		Expect(c.Status.AllocatedLeadsPerWeek).To(BeNil())
		condition(v1alpha1.BalancedCondition, metav1.ConditionUnknown, v1alpha1.NotAllocatedReason)(Default, c, c.Status.Conditions)
		// Two polls later nothing was scaled.
		Consistently(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(j), j)).To(Succeed())
			g.Expect(*j.Spec.Parallelism).To(Equal(held))
		}, 11*time.Second, time.Second).Should(Succeed())
	})

	It("gives campaigns with long names that share a prefix Jobs of their own", func() {
		prefix := strings.Repeat("spring-webinar-", 5)
		var jobs []string
		for _, region := range []string{"emea", "apac"} {
			c := campaign(func(c *v1alpha1.Campaign) { c.Name = prefix + region })
			j := activeJob(c)
			Expect(len(j.Name)).To(BeNumerically("<=", 63))
			Expect(metav1.IsControlledBy(j, c)).To(BeTrue())
			jobs = append(jobs, j.Name)
		}
		Expect(jobs[0]).NotTo(Equal(jobs[1]), fmt.Sprint(jobs))
	})
})

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
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// a poll writes the planned status (Ready=True) before it acts, and
// the failure after. A Job the API server refuses (an invalid container
// name the CRD accepts) so makes Ready flap True/False on every retry, with
// an Event for each flip, though nothing ever ran.
var _ = Describe("a refused act", func() {
	It("never reports Ready=True for a Job that was never created", func() {
		ns := newNamespace()
		crmSecret(ns)
		st := create(targetSample, ns, &v1alpha1.SalesTarget{}, targetReadsFromCRM)
		crm.setTarget(ns, st.Name, 600000)
		c := create(jobCampaignSample, ns, &v1alpha1.Campaign{}, func(c *v1alpha1.Campaign) {
			c.Name = "refused"
			c.Spec.Weight = ptr.To[int32](10)
			c.Spec.Outreach.JobTemplate.Spec.Template.Spec.Containers[0].Name = "Not_A_DNS_Label"
		}, readFromCRM)
		crm.set(ns, c.Name, 0, 0)
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(c), c)).To(Succeed())
			condition(v1alpha1.ReadyCondition, metav1.ConditionFalse, v1alpha1.ScaleFailedReason)(g, c, c.Status.Conditions)
		}).Should(Succeed())
		// Over the workqueue's retries, Ready never goes back to True.
		readyEvents := func(g Gomega) (toTrue, toFalse int) {
			var evs eventsv1.EventList
			g.Expect(k8sClient.List(ctx, &evs, client.InNamespace(ns))).To(Succeed())
			for _, e := range evs.Items {
				if e.Regarding.Name != c.Name || e.Action != "Set"+v1alpha1.ReadyCondition {
					continue
				}
				switch e.Reason {
				case v1alpha1.ReconciledReason:
					toTrue++
				case v1alpha1.ScaleFailedReason:
					toFalse++
				}
			}
			return toTrue, toFalse
		}
		Consistently(func(g Gomega) {
			toTrue, _ := readyEvents(g)
			g.Expect(toTrue).To(BeZero(), "Ready went True while no Job was ever created")
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(c), c)).To(Succeed())
			condition(v1alpha1.ReadyCondition, metav1.ConditionFalse, v1alpha1.ScaleFailedReason)(g, c, c.Status.Conditions)
		}).WithTimeout(3 * time.Second).WithPolling(200 * time.Millisecond).Should(Succeed())
		_, toFalse := readyEvents(Default)
		Expect(toFalse).To(Equal(1), "Ready went False more than once: it flapped")
	})
})

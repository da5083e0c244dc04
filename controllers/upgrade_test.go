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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// a status written before status.scaling existed, whose
// parallelism history holds more than 16 changes, makes every later
// status write of the campaign fail validation (status.scaling.changes
// MaxItems=16), so the campaign never acts or reports again.
var _ = Describe("an upgraded status", func() {
	It("keeps being reconciled when its history holds more than 16 changes", func() {
		ns := newNamespace()
		crmSecret(ns)
		st := create(targetSample, ns, &v1alpha1.SalesTarget{}, targetReadsFromCRM)
		crm.setTarget(ns, st.Name, 600000)
		c := create(jobCampaignSample, ns, &v1alpha1.Campaign{}, func(c *v1alpha1.Campaign) { c.Name = "upgraded"; c.Spec.Suspend = true }, readFromCRM)
		crm.set(ns, c.Name, 40, 16)
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(c), c)).To(Succeed())
			g.Expect(c.Status.ObservedGeneration).NotTo(BeZero())
		}).Should(Succeed())
		// What an earlier truce left: no status.scaling, and a Job whose
		// ready pods changed 20 times over the last 20 minutes.
		Eventually(func() error {
			if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(c), c); err != nil {
				return err
			}
			c.Status.Scaling = nil
			c.Status.ParallelismHistory = nil
			now := testClock.Now()
			for i := range 21 {
				c.Status.ParallelismHistory = append(c.Status.ParallelismHistory, v1alpha1.ParallelismRecord{
					Since: metav1.Time{Time: now.Add(time.Duration(i-21) * time.Minute)}, Parallelism: int32(i % 2)})
			}
			return k8sClient.Status().Update(ctx, c)
		}).Should(Succeed())
		// A spec change polls it. Suspended, it adds no workers, which is
		// the only path that caps the list.
		Eventually(func() error {
			if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(c), c); err != nil {
				return err
			}
			c.Spec.Weight = ptr.To[int32](3)
			return k8sClient.Update(ctx, c)
		}).Should(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(c), c)).To(Succeed())
			g.Expect(c.Status.ObservedGeneration).To(Equal(c.Generation))
		}).WithTimeout(20 * time.Second).Should(Succeed())
	})
})

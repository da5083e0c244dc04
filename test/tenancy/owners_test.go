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
	"testing"
	"time"

	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/outreach"
)

// TestTheManagerMayOwnItsJobsWhereOwnerReferencesAreEnforced runs a Job
// campaign on an API server with OwnerReferencesPermissionEnforcement, as
// OpenShift does: the Job's controller reference blocks the campaign's
// deletion, which the plugin lets only a user who may update the
// campaign's finalizers set. The manager runs as its service account bound
// to the generated role alone.
func TestTheManagerMayOwnItsJobsWhereOwnerReferencesAreEnforced(t *testing.T) {
	ns := namespace(t)

	t.Run("the role lets the manager create a Job that blocks its campaign's deletion", func(t *testing.T) {
		g := NewWithT(t)
		camp := withJob(campaign(ns, "owner"))
		g.Expect(admin.Create(ctx, camp)).To(Succeed())
		manager := asManager(t)
		job := &batchv1.Job{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "owned", OwnerReferences: []metav1.OwnerReference{{
				APIVersion: v1alpha1.GroupVersion.String(), Kind: "Campaign", Name: camp.Name, UID: camp.UID,
				Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
			}}},
			Spec: *camp.Spec.Outreach.JobTemplate.Spec.DeepCopy(),
		}
		job.Spec.Suspend = ptr.To(true)
		g.Expect(manager.Create(ctx, job, client.DryRunAll)).To(Succeed())
	})

	t.Run("the controller runs a Job campaign's Job", func(t *testing.T) {
		g := NewWithT(t)
		g.Expect(admin.Create(ctx, salesTarget(ns, "emea-smb", nil))).To(Succeed())
		camp := withJob(campaign(ns, "runs-a-job"))
		g.Expect(admin.Create(ctx, camp)).To(Succeed())
		g.Eventually(func(g Gomega) {
			c := &v1alpha1.Campaign{}
			g.Expect(admin.Get(ctx, client.ObjectKeyFromObject(camp), c)).To(Succeed())
			ready := meta.FindStatusCondition(c.Status.Conditions, v1alpha1.ReadyCondition)
			g.Expect(ready).NotTo(BeNil())
			g.Expect(ready.Reason).NotTo(Equal(v1alpha1.ScaleFailedReason), ready.Message)
			var jobs batchv1.JobList
			g.Expect(admin.List(ctx, &jobs, client.InNamespace(ns),
				client.MatchingLabels{outreach.CampaignLabel: camp.Name})).To(Succeed())
			g.Expect(jobs.Items).To(HaveLen(1))
			g.Expect(metav1.IsControlledBy(&jobs.Items[0], c)).To(BeTrue())
			g.Expect(*jobs.Items[0].OwnerReferences[0].BlockOwnerDeletion).To(BeTrue())
		}, 30*time.Second, 200*time.Millisecond).Should(Succeed())
	})
}

// asManager is a client acting as the manager's service account.
func asManager(t *testing.T) client.Client {
	t.Helper()
	c := rest.CopyConfig(cfg)
	c.Impersonate = rest.ImpersonationConfig{UserName: managerUser,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:truce-system", "system:authenticated"}}
	cl, err := client.New(c, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

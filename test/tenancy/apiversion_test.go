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
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// coreRules gives every right in the core group, and none in apps.
var coreRules = rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"*"}, Verbs: []string{"*"}}

// deployment creates a Deployment of five replicas; no controller runs
// here, so its replicas change only when someone scales it.
func deployment(t *testing.T, ns, name string) *appsv1.Deployment {
	t.Helper()
	labels := map[string]string{"app": name}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](5),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "w", Image: "w:1"}}},
			},
		},
	}
	if err := admin.Create(ctx, dep); err != nil {
		t.Fatal(err)
	}
	return dep
}

func replicasOf(g Gomega, dep *appsv1.Deployment) int32 {
	d := &appsv1.Deployment{}
	g.Expect(admin.Get(ctx, client.ObjectKeyFromObject(dep), d)).To(Succeed())
	return *d.Spec.Replicas
}

// TestAnAPIVersionMeansOneGroupEverywhere: the policy read an empty
// scaleTargetRef.apiVersion as the core group and the controller as apps,
// so a user with core rights and none in apps had truce scale a Deployment
// from 5 to 0. An empty apiVersion is now refused at apply time, and v1
// means the core group to the policy and the controller alike.
func TestAnAPIVersionMeansOneGroupEverywhere(t *testing.T) {
	ns := namespace(t)
	coreAdmin := user(t, ns, "core-admin", truceRules, coreRules)
	web := deployment(t, ns, "web")
	suspended := func(name, apiVersion string) *v1alpha1.Campaign {
		c := withScale(campaign(ns, name), "Deployment", web.Name, "")
		c.Spec.Outreach.ScaleTargetRef.APIVersion = apiVersion
		c.Spec.Suspend = true
		return c
	}

	t.Run("an empty apiVersion is refused at apply time, naming the field", func(t *testing.T) {
		g := NewWithT(t)
		// As kubectl sends `apiVersion: ""`; the Go type would omit it.
		obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(suspended("empty-version", "apps/v1"))
		g.Expect(err).NotTo(HaveOccurred())
		camp := &unstructured.Unstructured{Object: obj}
		camp.SetGroupVersionKind(v1alpha1.GroupVersion.WithKind("Campaign"))
		g.Expect(unstructured.SetNestedField(camp.Object, "", "spec", "outreach", "scaleTargetRef", "apiVersion")).To(Succeed())
		err = coreAdmin.Create(ctx, camp)
		g.Expect(err).To(HaveOccurred(), "the API server accepted it")
		g.Expect(err.Error()).To(ContainSubstring("spec.outreach.scaleTargetRef.apiVersion"))
		// Had it been accepted, truce would scale the suspended campaign's
		// target to zero.
		g.Consistently(func(g Gomega) int32 { return replicasOf(g, web) }, 3*time.Second, 200*time.Millisecond).Should(Equal(int32(5)))
	})

	t.Run("v1 is the core group to the policy and to the controller", func(t *testing.T) {
		// The policy checks core deployments/scale, which core-admin may
		// update; the controller looks for a Deployment in the core group,
		// finds no such kind, and scales nothing.
		g := NewWithT(t)
		camp := suspended("core-version", "v1")
		g.Expect(coreAdmin.Create(ctx, camp)).To(Succeed())
		g.Eventually(func(g Gomega) {
			c := &v1alpha1.Campaign{}
			g.Expect(admin.Get(ctx, client.ObjectKeyFromObject(camp), c)).To(Succeed())
			ready := meta.FindStatusCondition(c.Status.Conditions, v1alpha1.ReadyCondition)
			g.Expect(ready).NotTo(BeNil())
			g.Expect(ready.Reason).To(Equal(v1alpha1.WorkloadUnavailableReason))
			g.Expect(ready.Message).To(ContainSubstring("kind Deployment is not served"))
		}, 30*time.Second, 200*time.Millisecond).Should(Succeed())
		g.Expect(replicasOf(g, web)).To(Equal(int32(5)))
	})

	t.Run("apps/v1 is the apps group, where core-admin may scale nothing", func(t *testing.T) {
		refused(NewWithT(t), coreAdmin.Create(ctx, suspended("apps-version", "apps/v1")), "spec.outreach.scaleTargetRef")
	})
}

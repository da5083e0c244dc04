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
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/truce-dev/truce/api/v1alpha1"
)

var (
	truceRules = rbacv1.PolicyRule{APIGroups: []string{v1alpha1.GroupVersion.Group}, Resources: []string{"campaigns", "salestargets"}, Verbs: []string{"*"}}
	jobRules   = rbacv1.PolicyRule{APIGroups: []string{"batch"}, Resources: []string{"jobs"}, Verbs: []string{"create"}}
	scaleRules = rbacv1.PolicyRule{APIGroups: []string{"apps"}, Resources: []string{"deployments/scale"}, Verbs: []string{"update"}}
	// secretRules lets a user get the Secret named crm-token, and no other.
	secretRules = rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{"crm-token"}, Verbs: []string{"get"}}
)

func campaign(ns, name string) *v1alpha1.Campaign {
	return &v1alpha1.Campaign{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.CampaignSpec{
			SalesTargetRef:         v1alpha1.SalesTargetReference{Name: "emea-smb"},
			PollingIntervalSeconds: ptr.To[int32](5),
			Outreach: v1alpha1.OutreachSpec{
				MaxParallelism:        10,
				LeadsPerWorkerPerWeek: resource.MustParse("15"),
			},
			Metrics: v1alpha1.CampaignMetrics{Leads: "sum(leads)"},
		},
	}
}

func withJob(c *v1alpha1.Campaign) *v1alpha1.Campaign {
	c.Spec.Outreach.JobTemplate = &batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		RestartPolicy: corev1.RestartPolicyOnFailure,
		Containers:    []corev1.Container{{Name: "sequencer", Image: "sequencer:1"}},
	}}}}
	return c
}

func withScale(c *v1alpha1.Campaign, kind, name, resource string) *v1alpha1.Campaign {
	c.Spec.Outreach.ScaleTargetRef = &v1alpha1.ScaleTargetReference{APIVersion: "apps/v1", Kind: kind, Name: name, Resource: resource}
	return c
}

func tokenAuth(secret string) *v1alpha1.SourceAuth {
	return &v1alpha1.SourceAuth{BearerToken: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: "token"}}
}

func httpSource(url string, auth *v1alpha1.SourceAuth) *v1alpha1.MetricsSource {
	return &v1alpha1.MetricsSource{HTTP: &v1alpha1.HTTPSource{URL: url, Connection: v1alpha1.Connection{Auth: auth}}}
}

// salesTarget is the shipped sample SalesTarget with its metrics source
// replaced.
func salesTarget(ns, name string, src *v1alpha1.MetricsSource) *v1alpha1.SalesTarget {
	b, err := os.ReadFile(filepath.Join(repo, "config", "samples", "revops_v1alpha1_salestarget.yaml"))
	must(err)
	st := &v1alpha1.SalesTarget{}
	must(yaml.Unmarshal(b, st))
	st.Namespace, st.Name = ns, name
	st.Spec.Metrics.Source = src
	return st
}

// refused checks that err is the policy's refusal naming field.
func refused(g Gomega, err error, field string) {
	g.ExpectWithOffset(1, err).To(HaveOccurred(), "the API server accepted it")
	g.ExpectWithOffset(1, err.Error()).To(And(ContainSubstring("ValidatingAdmissionPolicy"), ContainSubstring(field+": you may not")))
}

func TestThePolicyRefusesWhatTheAuthorCouldNotDo(t *testing.T) {
	ns := namespace(t)
	// tenant may only write Campaigns and SalesTargets; scaler may also
	// scale Deployments; operator may also create Jobs and read crm-token.
	tenant := user(t, ns, "tenant", truceRules)
	scaler := user(t, ns, "scaler", truceRules, scaleRules)
	operator := user(t, ns, "operator", truceRules, jobRules, scaleRules, secretRules)

	t.Run("a tenant may not have truce run Jobs they may not create", func(t *testing.T) {
		refused(NewWithT(t), tenant.Create(ctx, withJob(campaign(ns, "run-jobs"))), "spec.outreach.jobTemplate")
	})

	t.Run("a tenant may not have truce scale what they may not scale", func(t *testing.T) {
		refused(NewWithT(t), tenant.Create(ctx, withScale(campaign(ns, "scale-db"), "Deployment", "web", "")), "spec.outreach.scaleTargetRef")
	})
	t.Run("a tenant may not have truce send a Secret they may not read", func(t *testing.T) {
		refused(NewWithT(t), scaler.Create(ctx, func() *v1alpha1.Campaign {
			c := withScale(campaign(ns, "exfiltrate"), "Deployment", "web", "")
			c.Spec.Metrics.Source = httpSource("http://127.0.0.1:1/", tokenAuth("crm-token"))
			return c
		}()), "spec.metrics.source.http.auth.bearerToken")
		st := salesTarget(ns, "exfiltrate", &v1alpha1.MetricsSource{Prometheus: &v1alpha1.PrometheusSource{
			Address: "http://127.0.0.1:1", Connection: v1alpha1.Connection{Auth: &v1alpha1.SourceAuth{CA: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: "tls"}, Key: "ca.crt"}}}}})
		refused(NewWithT(t), tenant.Create(ctx, st), "spec.metrics.source.prometheus.auth.ca")
		// operator may read crm-token but not tls.
		refused(NewWithT(t), operator.Create(ctx, st), "spec.metrics.source.prometheus.auth.ca")
	})

	t.Run("a user with the rights is let through", func(t *testing.T) {
		g := NewWithT(t)
		g.Expect(operator.Create(ctx, withJob(campaign(ns, "jobs")))).To(Succeed())
		g.Expect(scaler.Create(ctx, withScale(campaign(ns, "scaled"), "Deployment", "web", ""))).To(Succeed())
		c := withJob(campaign(ns, "with-secret"))
		c.Spec.Metrics.Source = httpSource("http://127.0.0.1:1/", tokenAuth("crm-token"))
		g.Expect(operator.Create(ctx, c)).To(Succeed())
		g.Expect(operator.Create(ctx, salesTarget(ns, "with-secret", httpSource("http://127.0.0.1:1/", tokenAuth("crm-token"))))).To(Succeed())
	})

	t.Run("edits that leave the guarded fields alone pass", func(t *testing.T) {
		g := NewWithT(t)
		g.Expect(updateCampaign(tenant, ns, "with-secret", func(c *v1alpha1.Campaign) {
			c.Spec.Weight = ptr.To[int32](7)
			c.Spec.Outreach.MaxParallelism = 3
		})).To(Succeed())
	})

	t.Run("a tenant may not repoint another's source, or retarget another's campaign", func(t *testing.T) {
		g := NewWithT(t)
		refused(g, updateCampaign(tenant, ns, "with-secret", func(c *v1alpha1.Campaign) {
			c.Spec.Metrics.Source.HTTP.URL = "http://127.0.0.1:2/tenant-owned"
		}), "spec.metrics.source.http.auth.bearerToken")
		refused(g, updateCampaign(tenant, ns, "scaled", func(c *v1alpha1.Campaign) {
			c.Spec.Outreach.ScaleTargetRef.Name = "payments"
		}), "spec.outreach.scaleTargetRef")
		refused(g, updateCampaign(tenant, ns, "jobs", func(c *v1alpha1.Campaign) {
			c.Spec.Outreach.JobTemplate.Spec.Template.Spec.ServiceAccountName = "deployer"
		}), "spec.outreach.jobTemplate")
	})

	t.Run("a tenant may not change the queries sent with another's Secret", func(t *testing.T) {
		g := NewWithT(t)
		refused(g, updateCampaign(tenant, ns, "with-secret", func(c *v1alpha1.Campaign) {
			c.Spec.Metrics.Leads = "{.secrets}"
		}), "spec.metrics.source.http.auth.bearerToken")
		refused(g, updateSalesTarget(tenant, ns, "with-secret", func(st *v1alpha1.SalesTarget) {
			st.Spec.Metrics.PipelineLeads = "{.other.team.pipeline}"
		}), "spec.metrics.source.http.auth.bearerToken")
		// The Secret's reader may add the pipeline query.
		g.Expect(updateSalesTarget(operator, ns, "with-secret", func(st *v1alpha1.SalesTarget) {
			st.Spec.Metrics.PipelineLeads = "{.pipeline}"
		})).To(Succeed())
		// Planning fields that send nothing anywhere stay open to the tenant.
		g.Expect(updateSalesTarget(tenant, ns, "with-secret", func(st *v1alpha1.SalesTarget) {
			st.Spec.Plan.AcceptedPercent = ptr.To[int32](60)
			st.Spec.Plan.SalesCycleDays = ptr.To[int32](45)
		})).To(Succeed())
	})

	t.Run("the controller's status writes pass", func(t *testing.T) {
		// The manager, as its service account, writes every campaign's
		// status, including those whose guarded fields it may not set.
		g := NewWithT(t)
		for _, name := range []string{"jobs", "scaled", "with-secret"} {
			g.Eventually(func(g Gomega) {
				c := &v1alpha1.Campaign{}
				g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, c)).To(Succeed())
				g.Expect(meta.FindStatusCondition(c.Status.Conditions, v1alpha1.MetricsAvailableCondition)).NotTo(BeNil())
				g.Expect(c.Status.ObservedGeneration).To(Equal(c.Generation))
			}, 30*time.Second, 200*time.Millisecond).Should(Succeed(), name)
		}
	})
}

func TestAKindServedAsAnotherResourceIsNotScaled(t *testing.T) {
	// scaler may scale Deployments; naming a StatefulSet with resource
	// deployments gets past admission, and truce refuses to scale it.
	g := NewWithT(t)
	ns := namespace(t)
	scaler := user(t, ns, "scaler", truceRules, scaleRules)
	g.Expect(scaler.Create(ctx, withScale(campaign(ns, "sneaky"), "StatefulSet", "db", "deployments"))).To(Succeed())
	g.Eventually(func(g Gomega) {
		c := &v1alpha1.Campaign{}
		g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "sneaky"}, c)).To(Succeed())
		ready := meta.FindStatusCondition(c.Status.Conditions, v1alpha1.ReadyCondition)
		g.Expect(ready).NotTo(BeNil())
		g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(ready.Reason).To(Equal(v1alpha1.WorkloadUnavailableReason))
		g.Expect(ready.Message).To(ContainSubstring(`set scaleTargetRef.resource to "statefulsets"`))
	}, 30*time.Second, 200*time.Millisecond).Should(Succeed())
}

func TestTheManagerRoleHasOnlyGetOnSecrets(t *testing.T) {
	for _, obj := range readObjects(repo + "/config/rbac/role.yaml") {
		rules, _, _ := unstructuredRules(obj.(interface{ UnstructuredContent() map[string]any }).UnstructuredContent())
		for _, r := range rules {
			if strings.Contains(r, "secrets") && r != "secrets:get" {
				t.Fatalf("config/rbac/role.yaml grants %s; want get only", r)
			}
		}
	}
}

// unstructuredRules flattens a role's rules to resource:verbs strings.
func unstructuredRules(obj map[string]any) ([]string, bool, error) {
	var out []string
	rules, _ := obj["rules"].([]any)
	for _, r := range rules {
		m := r.(map[string]any)
		res, _ := m["resources"].([]any)
		verbs, _ := m["verbs"].([]any)
		var vs []string
		for _, v := range verbs {
			vs = append(vs, v.(string))
		}
		for _, x := range res {
			out = append(out, x.(string)+":"+strings.Join(vs, ","))
		}
	}
	return out, true, nil
}

// waitForPolicy returns once the API server enforces the policy, which it
// loads a moment after it is created: a dry-run create by a user without
// Job rights is refused.
func waitForPolicy() error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "policy-probe-"}}
	if err := admin.Create(ctx, ns); err != nil {
		return err
	}
	probe, err := newUser(ns.Name, "policy-probe", truceRules)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(time.Minute)
	for {
		err := probe.Create(ctx, withJob(campaign(ns.Name, "probe")), client.DryRunAll)
		if err != nil && strings.Contains(err.Error(), "ValidatingAdmissionPolicy") {
			return admin.Delete(ctx, ns)
		}
		if time.Now().After(deadline) {
			vap := &unstructured.Unstructured{}
			vap.SetAPIVersion("admissionregistration.k8s.io/v1")
			vap.SetKind("ValidatingAdmissionPolicy")
			_ = admin.Get(ctx, client.ObjectKey{Name: "tenant-guard"}, vap)
			return fmt.Errorf("the policy is not enforced a minute after it was created; the last answer: %v; its status: %v", err, vap.Object["status"])
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// updateCampaign changes a Campaign as cl, reading it afresh when the
// controller's status writes got in between.
func updateCampaign(cl client.Client, ns, name string, change func(*v1alpha1.Campaign)) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		c := &v1alpha1.Campaign{}
		if err := cl.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, c); err != nil {
			return err
		}
		change(c)
		return cl.Update(ctx, c)
	})
}

// updateSalesTarget changes a SalesTarget as cl, reading it afresh when the
// controller's status writes got in between.
func updateSalesTarget(cl client.Client, ns, name string, change func(*v1alpha1.SalesTarget)) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		st := &v1alpha1.SalesTarget{}
		if err := cl.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, st); err != nil {
			return err
		}
		change(st)
		return cl.Update(ctx, st)
	})
}

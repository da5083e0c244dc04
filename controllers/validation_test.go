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
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// sample reads a manifest of config/samples as an unstructured object, the
// valid base every invalid case below changes in one place.
func sample(file string) *unstructured.Unstructured {
	data, err := os.ReadFile(filepath.Join("..", "config", "samples", file))
	Expect(err).NotTo(HaveOccurred())
	obj := &unstructured.Unstructured{}
	Expect(yaml.Unmarshal(data, &obj.Object)).To(Succeed())
	return obj
}

func set(value any, path ...string) func(*unstructured.Unstructured) {
	return func(u *unstructured.Unstructured) {
		Expect(unstructured.SetNestedField(u.Object, value, path...)).To(Succeed())
	}
}

func unset(path ...string) func(*unstructured.Unstructured) {
	return func(u *unstructured.Unstructured) { unstructured.RemoveNestedField(u.Object, path...) }
}

func both(fs ...func(*unstructured.Unstructured)) func(*unstructured.Unstructured) {
	return func(u *unstructured.Unstructured) {
		for _, f := range fs {
			f(u)
		}
	}
}

const (
	targetSample      = "revops_v1alpha1_salestarget.yaml"
	jobCampaignSample = "revops_v1alpha1_campaign_job.yaml"
	scaleCampSample   = "revops_v1alpha1_campaign_scale.yaml"
)

var _ = Describe("Validation at apply time", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("accepts every sample as written", func() {
		out, err := kubectl("apply", "--server-side", "--field-manager=test", "-n", ns, "-k", filepath.Join("..", "config", "samples"))
		DeferCleanup(func() {
			out, err := kubectl("delete", "-n", ns, "--ignore-not-found", "-k", filepath.Join("..", "config", "samples"))
			Expect(err).NotTo(HaveOccurred(), out)
		})
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("salestarget.revops.truce.dev/emea-smb serverside-applied"))
		Expect(out).To(ContainSubstring("campaign.revops.truce.dev/spring-webinar serverside-applied"))
		Expect(out).To(ContainSubstring("campaign.revops.truce.dev/outbound-prospecting serverside-applied"))
	})

	DescribeTable("rejects an invalid manifest with an error that names the field",
		func(file string, change func(*unstructured.Unstructured), field string) {
			obj := sample(file)
			obj.SetNamespace(ns)
			change(obj)
			err := k8sClient.Create(ctx, obj, client.FieldValidation("Strict"))
			Expect(err).To(HaveOccurred(), "the API server accepted it")
			Expect(apierrors.IsInvalid(err) || apierrors.IsBadRequest(err)).To(BeTrue(), err.Error())
			Expect(err.Error()).To(ContainSubstring(field))
		},
		// SalesTarget
		Entry("a target without a period", targetSample, unset("spec", "period"), "spec.period: Required value"),
		Entry("a cadence that is not Weekly, Monthly or Quarterly", targetSample, set("Yearly", "spec", "period", "cadence"), "spec.period.cadence: Unsupported value"),
		Entry("a time zone that is not a zone name", targetSample, set("Europe Berlin", "spec", "period", "timeZone"), "spec.period.timeZone"),
		Entry("a quota with both revenue and deals", targetSample, set(int64(40), "spec", "quota", "deals"), "spec.quota: Invalid value: quota must set exactly one of revenue or deals"),
		Entry("a quota with neither revenue nor deals", targetSample, unset("spec", "quota", "revenue"), "spec.quota: Invalid value: quota must set exactly one"),
		Entry("a zero revenue quota", targetSample, set("0", "spec", "quota", "revenue"), "spec.quota.revenue: Invalid value"),
		Entry("a negative revenue quota", targetSample, set("-5k", "spec", "quota", "revenue"), "spec.quota.revenue: Invalid value: \"-5k\": revenue must be greater than zero"),
		Entry("a deal quota of zero", targetSample, both(unset("spec", "quota", "revenue"), set(int64(0), "spec", "quota", "deals")), "spec.quota.deals"),
		Entry("a negative number of reps", targetSample, set(int64(-1), "spec", "capacity", "reps"), "spec.capacity.reps"),
		Entry("zero leads per rep", targetSample, set("0", "spec", "capacity", "leadsPerRepPerWeek"), "spec.capacity.leadsPerRepPerWeek"),
		Entry("ramping reps above full productivity", targetSample, set([]any{map[string]any{"count": int64(2), "productivityPercent": int64(150)}}, "spec", "capacity", "ramping"), "spec.capacity.ramping[0].productivityPercent"),
		Entry("ramping reps with neither a productivity nor a ramp", targetSample, set([]any{map[string]any{"count": int64(2)}}, "spec", "capacity", "ramping"),
			"spec.capacity.ramping[0].productivityPercent: Invalid value: set productivityPercent, or startDate and rampDays"),
		Entry("a ramp without a start date", targetSample, set([]any{map[string]any{"count": int64(2), "rampDays": int64(90)}}, "spec", "capacity", "ramping"),
			"spec.capacity.ramping[0].startDate: Invalid value: rampDays needs startDate"),
		Entry("a ramp start date that is not a date", targetSample, set([]any{map[string]any{"count": int64(2), "startDate": "2026-13-01", "rampDays": int64(90)}}, "spec", "capacity", "ramping"),
			"spec.capacity.ramping[0].startDate"),
		Entry("a ramp of zero days", targetSample, set([]any{map[string]any{"count": int64(2), "startDate": "2026-12-01", "rampDays": int64(0)}}, "spec", "capacity", "ramping"),
			"spec.capacity.ramping[0].rampDays"),
		Entry("an acceptance rate of zero", targetSample, set(int64(0), "spec", "plan", "acceptedPercent"), "spec.plan.acceptedPercent"),
		Entry("an acceptance rate above 100 percent", targetSample, set(int64(101), "spec", "plan", "acceptedPercent"), "spec.plan.acceptedPercent"),
		Entry("a quota schedule that counts deals for a revenue quota", targetSample, set([]any{map[string]any{"from": "2027-01-01", "deals": int64(40)}}, "spec", "quota", "schedule"),
			"spec.quota.schedule: Invalid value"),
		Entry("a quota schedule entry with neither revenue nor deals", targetSample, set([]any{map[string]any{"from": "2027-01-01"}}, "spec", "quota", "schedule"),
			"spec.quota.schedule[0]: Invalid value: a quota.schedule entry must set exactly one of revenue or deals"),
		Entry("a quota schedule date that is not a date", targetSample, set([]any{map[string]any{"from": "next year", "revenue": "1.5M"}}, "spec", "quota", "schedule"),
			"spec.quota.schedule[0].from"),
		Entry("a follow-up service level without the query that counts its misses", targetSample, both(set(map[string]any{"firstContactMinutes": int64(60)}, "spec", "sla"), unset("spec", "metrics", "leadsPastFirstContact")),
			"spec.sla: Invalid value: sla needs metrics.leadsPastFirstContact and metrics.acceptedLeads"),
		Entry("a follow-up service level of zero minutes", targetSample, both(set(map[string]any{"firstContactMinutes": int64(0)}, "spec", "sla"),
			set("sum(late)", "spec", "metrics", "leadsPastFirstContact")), "spec.sla.firstContactMinutes"),
		Entry("a blank pipeline query", targetSample, set(" ", "spec", "metrics", "pipelineLeads"), "spec.metrics.pipelineLeads"),
		Entry("a zero lead-to-win rate", targetSample, set("0", "spec", "plan", "leadToWinPercent"), "spec.plan.leadToWinPercent"),
		Entry("a lead-to-win rate above 100 percent", targetSample, set("120", "spec", "plan", "leadToWinPercent"), "spec.plan.leadToWinPercent: Invalid value: \"120\": leadToWinPercent must be greater than 0 and at most 100"),
		Entry("a qualified share above 100 percent", targetSample, set(int64(101), "spec", "plan", "qualifiedPercent"), "spec.plan.qualifiedPercent"),
		Entry("a sales cycle longer than a year", targetSample, set(int64(400), "spec", "plan", "salesCycleDays"), "spec.plan.salesCycleDays"),
		Entry("a revenue quota without a planned deal size", targetSample, unset("spec", "plan", "averageDealSize"), "spec.plan.averageDealSize"),
		Entry("an unknown strategy", targetSample, set("Maximize", "spec", "strategy"), "spec.strategy: Unsupported value"),
		Entry("a drift tolerance above 100 percent", targetSample, set(int64(150), "spec", "drift", "tolerancePercent"), "spec.drift.tolerancePercent"),
		Entry("a negative stabilization window", targetSample, set(int64(-1), "spec", "drift", "stabilizationWindowSeconds"), "spec.drift.stabilizationWindowSeconds"),
		Entry("a polling interval under five seconds", targetSample, set(int64(1), "spec", "pollingIntervalSeconds"), "spec.pollingIntervalSeconds"),
		Entry("an empty query", targetSample, set("", "spec", "metrics", "acceptedLeads"), "spec.metrics.acceptedLeads"),
		Entry("a metrics source with two providers", targetSample, set(map[string]any{
			"prometheus": map[string]any{"address": "http://prometheus:9090"},
			"http":       map[string]any{"url": "http://crm/report"},
		}, "spec", "metrics", "source"), "spec.metrics.source: Invalid value: source must set exactly one of prometheus or http"),
		Entry("an unknown metrics source type", targetSample, set(map[string]any{"graphite": map[string]any{"address": "http://graphite"}}, "spec", "metrics", "source"), `unknown field "spec.metrics.source.graphite"`),
		Entry("a Prometheus address that is not a URL", targetSample, set(map[string]any{"prometheus": map[string]any{"address": "prometheus:9090"}}, "spec", "metrics", "source"), "spec.metrics.source.prometheus.address"),
		Entry("basic and bearer auth together", targetSample, set(map[string]any{"prometheus": map[string]any{"address": "https://prometheus:9090", "auth": map[string]any{
			"bearerToken": map[string]any{"name": "prom", "key": "token"},
			"basic":       map[string]any{"username": map[string]any{"name": "prom", "key": "user"}, "password": map[string]any{"name": "prom", "key": "pass"}},
		}}}, "spec", "metrics", "source"), "spec.metrics.source.prometheus.auth: Invalid value: auth may set bearerToken or basic, not both"),

		// Campaign
		Entry("a campaign without a sales target name", jobCampaignSample, unset("spec", "salesTargetRef", "name"), "spec.salesTargetRef.name: Required value"),
		Entry("a sales target name that is not a DNS name", jobCampaignSample, set("EMEA_SMB", "spec", "salesTargetRef", "name"), "spec.salesTargetRef.name"),
		Entry("both a job template and a scale target", jobCampaignSample, set(map[string]any{"kind": "Deployment", "name": "x"}, "spec", "outreach", "scaleTargetRef"), "spec.outreach: Invalid value: outreach must set exactly one of jobTemplate or scaleTargetRef"),
		Entry("neither a job template nor a scale target", jobCampaignSample, unset("spec", "outreach", "jobTemplate"), "spec.outreach: Invalid value"),
		Entry("a job template without a spec", jobCampaignSample, set(map[string]any{"metadata": map[string]any{"labels": map[string]any{"a": "b"}}}, "spec", "outreach", "jobTemplate"), "spec.outreach.jobTemplate: Invalid value: jobTemplate.spec is required"),
		Entry("a job template whose pods restart Always", jobCampaignSample, set("Always", "spec", "outreach", "jobTemplate", "spec", "template", "spec", "restartPolicy"),
			"spec.outreach.jobTemplate.spec.template.spec.restartPolicy: Invalid value: jobTemplate.spec.template.spec.restartPolicy must be Never or OnFailure"),
		Entry("a job template whose pods set no restartPolicy", jobCampaignSample, unset("spec", "outreach", "jobTemplate", "spec", "template", "spec", "restartPolicy"),
			"spec.outreach.jobTemplate.spec.template.spec.restartPolicy: Invalid value: jobTemplate.spec.template.spec.restartPolicy must be Never or OnFailure"),
		Entry("a metrics window of zero", jobCampaignSample, set(int64(0), "spec", "metrics", "windowSeconds"), "spec.metrics.windowSeconds"),
		Entry("a negative metrics delay", jobCampaignSample, set(int64(-1), "spec", "metrics", "delaySeconds"), "spec.metrics.delaySeconds"),
		Entry("a metrics delay over 90 days", jobCampaignSample, set(int64(7776001), "spec", "metrics", "delaySeconds"), "spec.metrics.delaySeconds"),
		Entry("a scale target without a kind", scaleCampSample, unset("spec", "outreach", "scaleTargetRef", "kind"), "spec.outreach.scaleTargetRef.kind"),
		Entry("a scale target with an empty apiVersion, which names no group", scaleCampSample, set("", "spec", "outreach", "scaleTargetRef", "apiVersion"),
			`spec.outreach.scaleTargetRef.apiVersion: Invalid value: ""`),
		Entry("a scale target whose apiVersion is not group/version", scaleCampSample, set("apps/v1/deployments", "spec", "outreach", "scaleTargetRef", "apiVersion"),
			`spec.outreach.scaleTargetRef.apiVersion: Invalid value: "apps/v1/deployments": must be group/version`),
		Entry("a minimum parallelism above the maximum", jobCampaignSample, set(int64(30), "spec", "outreach", "minParallelism"), "spec.outreach.minParallelism: Invalid value: minParallelism must not exceed maxParallelism"),
		Entry("a negative minimum parallelism", jobCampaignSample, set(int64(-1), "spec", "outreach", "minParallelism"), "spec.outreach.minParallelism"),
		Entry("a maximum parallelism of zero", jobCampaignSample, set(int64(0), "spec", "outreach", "maxParallelism"), "spec.outreach.maxParallelism"),
		Entry("zero leads per worker", jobCampaignSample, set("0", "spec", "outreach", "leadsPerWorkerPerWeek"), "spec.outreach.leadsPerWorkerPerWeek"),
		Entry("an unknown mode", jobCampaignSample, set("Auto", "spec", "mode"), "spec.mode: Unsupported value"),
		Entry("an unknown channel", jobCampaignSample, set("Fax", "spec", "channel"), "spec.channel: Unsupported value"),
		Entry("a weight of zero", jobCampaignSample, set(int64(0), "spec", "weight"), "spec.weight"),
		Entry("a scaling tolerance above 100 percent", jobCampaignSample, set(int64(101), "spec", "outreach", "behavior", "tolerancePercent"), "spec.outreach.behavior.tolerancePercent"),
		Entry("a scale-down window over an hour", jobCampaignSample, set(int64(7200), "spec", "outreach", "behavior", "scaleDownStabilizationSeconds"), "spec.outreach.behavior.scaleDownStabilizationSeconds"),
		Entry("a fallback that never triggers", jobCampaignSample, set(int64(0), "spec", "outreach", "fallback", "failureThreshold"), "spec.outreach.fallback.failureThreshold"),
		Entry("a fallback parallelism above the maximum", jobCampaignSample, set(int64(50), "spec", "outreach", "fallback", "parallelism"), "spec.outreach.fallback.parallelism"),
		Entry("a campaign without a leads query", jobCampaignSample, unset("spec", "metrics", "leads"), "spec.metrics.leads: Required value"),
		Entry("a blank leads query", jobCampaignSample, set("   ", "spec", "metrics", "leads"), "spec.metrics.leads: Invalid value: \"   \": query must not be blank"),
		Entry("a JSON source URL that is not http", jobCampaignSample, set(map[string]any{"http": map[string]any{"url": "ftp://crm/report"}}, "spec", "metrics", "source"), "spec.metrics.source.http.url"),
		Entry("an empty-as-zero metric the campaign does not have", jobCampaignSample, set([]any{"closedWonDeals"}, "spec", "metrics", "emptyResultIsZero"), "spec.metrics.emptyResultIsZero[0]: Unsupported value"),
		Entry("a response cap below a kilobyte", jobCampaignSample, set(map[string]any{"http": map[string]any{"url": "https://crm/report", "maxResponseBytes": int64(10)}}, "spec", "metrics", "source"), "spec.metrics.source.http.maxResponseBytes"),
		Entry("a response cap above 4 MiB", jobCampaignSample, set(map[string]any{"http": map[string]any{"url": "https://crm/report", "maxResponseBytes": int64(4<<20 + 1)}}, "spec", "metrics", "source"),
			"spec.metrics.source.http.maxResponseBytes: Invalid value: 4194305: spec.metrics.source.http.maxResponseBytes in body should be less than or equal to 4194304"),
	)
})

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

package v1alpha1

import (
	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Channel is the marketing channel a campaign generates leads through.
// +kubebuilder:validation:Enum=Email;Webinar;Event;PaidSearch;PaidSocial;Content;Referral;Outbound;Partner;Other
type Channel string

// Mode says whether the controller acts on a campaign's outreach.
// +kubebuilder:validation:Enum=Scale;Recommend
type Mode string

const (
	// ScaleMode scales the campaign's outreach to its allocation.
	ScaleMode Mode = "Scale"
	// RecommendMode computes and reports the desired parallelism and touches no workload.
	RecommendMode Mode = "Recommend"
)

// CampaignSpec is a lead-generation campaign whose outreach truce scales.
type CampaignSpec struct {
	// salesTargetRef names the SalesTarget, in the same namespace, whose
	// demand this campaign helps meet.
	// +required
	SalesTargetRef SalesTargetReference `json:"salesTargetRef"`

	// weight is the campaign's share of its SalesTarget's demand relative to
	// the other campaigns that reference it. Defaults to 1.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +kubebuilder:default=1
	// +optional
	Weight *int32 `json:"weight,omitempty"`

	// channel is the marketing channel the campaign uses, for reporting.
	// +optional
	Channel Channel `json:"channel,omitempty"`

	// suspend scales the campaign's outreach to zero and keeps it there; a
	// suspended campaign takes no share of demand.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// mode is Scale (act on the outreach) or Recommend (compute and report
	// the desired parallelism, touch nothing). Defaults to Scale.
	// +kubebuilder:default=Scale
	// +optional
	Mode Mode `json:"mode,omitempty"`

	// pollingIntervalSeconds is how often the campaign's metrics are read and
	// its outreach scaled. Defaults to 30.
	// +kubebuilder:validation:Minimum=5
	// +kubebuilder:validation:Maximum=3600
	// +kubebuilder:default=30
	// +optional
	PollingIntervalSeconds *int32 `json:"pollingIntervalSeconds,omitempty"`

	// outreach is the workload that generates the campaign's leads and the
	// limits within which it is scaled.
	// +required
	Outreach OutreachSpec `json:"outreach"`

	// metrics are the queries for the campaign's observed leads.
	// +required
	Metrics CampaignMetrics `json:"metrics"`
}

// SalesTargetReference names a SalesTarget in the same namespace.
type SalesTargetReference struct {
	// name is the SalesTarget's name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +required
	Name string `json:"name"`
}

// OutreachSpec is a campaign's workload: a Job the controller owns, or an
// existing resource scaled through its /scale subresource.
// +kubebuilder:validation:XValidation:rule="has(self.jobTemplate) != has(self.scaleTargetRef)",message="outreach must set exactly one of jobTemplate or scaleTargetRef"
// +kubebuilder:validation:XValidation:rule="!has(self.minParallelism) || self.minParallelism <= self.maxParallelism",message="minParallelism must not exceed maxParallelism",fieldPath=".minParallelism"
// +kubebuilder:validation:XValidation:rule="!has(self.fallback) || !has(self.fallback.parallelism) || self.fallback.parallelism <= self.maxParallelism",message="fallback.parallelism must not exceed maxParallelism",fieldPath=".fallback.parallelism"
type OutreachSpec struct {
	// jobTemplate is the Job the controller runs for the campaign. It owns one
	// Job per revision of this template and sets its parallelism. Its pods
	// must set restartPolicy to Never or OnFailure, as every Job's must.
	// +kubebuilder:validation:XValidation:rule="has(self.spec)",message="jobTemplate.spec is required"
	// +kubebuilder:validation:XValidation:rule="!has(self.spec) || (has(self.spec.template.spec) && has(self.spec.template.spec.restartPolicy) && self.spec.template.spec.restartPolicy in ['Never', 'OnFailure'])",message="jobTemplate.spec.template.spec.restartPolicy must be Never or OnFailure: a Job's pods cannot restart Always",fieldPath=".spec.template.spec.restartPolicy"
	// +optional
	JobTemplate *batchv1.JobTemplateSpec `json:"jobTemplate,omitempty"`

	// scaleTargetRef names an existing resource in the same namespace with a
	// /scale subresource, such as a Deployment, whose replicas the controller
	// sets.
	// +optional
	ScaleTargetRef *ScaleTargetReference `json:"scaleTargetRef,omitempty"`

	// minParallelism is the fewest workers the campaign runs while not
	// suspended. Defaults to 0.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10000
	// +kubebuilder:default=0
	// +optional
	MinParallelism *int32 `json:"minParallelism,omitempty"`

	// maxParallelism is the most workers the campaign runs.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10000
	// +required
	MaxParallelism int32 `json:"maxParallelism"`

	// leadsPerWorkerPerWeek is the planned yield of one worker, used until an
	// observed yield replaces it.
	// +kubebuilder:validation:XValidation:rule="isQuantity(string(self)) && quantity(string(self)).isGreaterThan(quantity('0'))",message="leadsPerWorkerPerWeek must be greater than zero"
	// +required
	LeadsPerWorkerPerWeek resource.Quantity `json:"leadsPerWorkerPerWeek"`

	// behavior tunes how fast and how eagerly the outreach is scaled.
	// +optional
	Behavior *ScalingBehavior `json:"behavior,omitempty"`

	// fallback says what to do when the campaign's metrics cannot be read.
	// Absent: hold the current parallelism. A failed read never scales down.
	// +optional
	Fallback *Fallback `json:"fallback,omitempty"`

	// successfulJobsHistoryLimit is how many finished, successful Jobs of
	// earlier template revisions are kept. Defaults to 3.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +kubebuilder:default=3
	// +optional
	SuccessfulJobsHistoryLimit *int32 `json:"successfulJobsHistoryLimit,omitempty"`

	// failedJobsHistoryLimit is how many failed Jobs of earlier template
	// revisions are kept. Defaults to 1.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +kubebuilder:default=1
	// +optional
	FailedJobsHistoryLimit *int32 `json:"failedJobsHistoryLimit,omitempty"`
}

// ScaleTargetReference names a resource with a /scale subresource.
type ScaleTargetReference struct {
	// apiVersion is the referent's API version: group/version, such as
	// apps/v1, or v1 alone for the core group. Defaults to apps/v1 when
	// omitted. An empty value is refused: truce's admission policy checks
	// your rights in the group named here, and the controller scales in
	// that same group, so neither guesses one.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^([a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[a-z]([-a-z0-9]*[a-z0-9])?$')",message="must be group/version, such as apps/v1, or v1 for the core group"
	// +kubebuilder:default="apps/v1"
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`

	// kind is the referent's kind, such as Deployment.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +required
	Kind string `json:"kind"`

	// name is the referent's name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`

	// resource is the referent's resource, the plural name in its API path,
	// such as deployments. Unset, it is the kind in lower case plus "s"
	// (Deployment: deployments). truce's admission policy lets you name a
	// target only if you may update this resource's scale subresource, and
	// truce scales the target only if its kind is served as this resource: set
	// it for a kind whose plural is not kind+s.
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +optional
	Resource string `json:"resource,omitempty"`
}

// ScalingBehavior tunes scaling the way the HorizontalPodAutoscaler's
// behavior does.
type ScalingBehavior struct {
	// tolerancePercent is the band, in percent of the current parallelism,
	// within which no change is made. Defaults to 10.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +kubebuilder:default=10
	// +optional
	TolerancePercent *int32 `json:"tolerancePercent,omitempty"`

	// scaleDownStabilizationSeconds is the window over which the highest
	// recommendation is used when scaling down. Defaults to 300.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=3600
	// +kubebuilder:default=300
	// +optional
	ScaleDownStabilizationSeconds *int32 `json:"scaleDownStabilizationSeconds,omitempty"`

	// scaleUpPercent caps growth per scaleUpPeriodSeconds to this percentage
	// of the current parallelism (or scaleUpWorkers, whichever allows more).
	// Defaults to 100.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +kubebuilder:default=100
	// +optional
	ScaleUpPercent *int32 `json:"scaleUpPercent,omitempty"`

	// scaleUpWorkers caps growth per scaleUpPeriodSeconds to this many
	// workers (or scaleUpPercent, whichever allows more). Defaults to 4.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10000
	// +kubebuilder:default=4
	// +optional
	ScaleUpWorkers *int32 `json:"scaleUpWorkers,omitempty"`

	// scaleUpPeriodSeconds is the period the scale-up limits apply to.
	// Defaults to 60.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=3600
	// +kubebuilder:default=60
	// +optional
	ScaleUpPeriodSeconds *int32 `json:"scaleUpPeriodSeconds,omitempty"`
}

// Fallback is what a campaign does when its metrics cannot be read.
type Fallback struct {
	// failureThreshold is how many consecutive failed reads trigger the fallback.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	// +required
	FailureThreshold int32 `json:"failureThreshold"`

	// parallelism is the parallelism to run at after failureThreshold failed
	// reads, if it is higher than the current one. Absent: hold the current
	// parallelism.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10000
	// +optional
	Parallelism *int32 `json:"parallelism,omitempty"`
}

// CampaignMetrics are the queries for a campaign's observed leads.
type CampaignMetrics struct {
	// source is where the queries are sent. Absent: the controller's default
	// source, set by its flags.
	// +optional
	Source *MetricsSource `json:"source,omitempty"`

	// leads is the campaign's leads per week, for example
	// sum(increase(marketing_leads_total{campaign="spring-webinar"}[$window])).
	// +required
	Leads Query `json:"leads"`

	// qualifiedLeads is the campaign's qualified leads per week. Absent: lead
	// quality is not judged for this campaign.
	// +optional
	QualifiedLeads Query `json:"qualifiedLeads,omitempty"`

	// emptyResultIsZero names the metrics whose empty result means zero
	// rather than an error, for a new campaign whose series do not exist yet.
	// +listType=set
	// +kubebuilder:validation:MaxItems=2
	// +optional
	EmptyResultIsZero []CampaignMetric `json:"emptyResultIsZero,omitempty"`

	// windowSeconds is the trailing window the queries count leads over:
	// $window stands for it, and truce divides the leads by the average
	// number of workers over the same window to learn a worker's yield. The
	// queries must still return leads per week: with the default, a week,
	// increase(x[$window]) does; with another window, scale it, for example
	// rate(x[$window]) * 604800. Defaults to 604800 (a week).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=7776000
	// +kubebuilder:default=604800
	// +optional
	WindowSeconds *int32 `json:"windowSeconds,omitempty"`

	// delaySeconds is how late the source counts leads: a CRM that syncs
	// every hour, a scrape, the time a new worker takes to start. The leads
	// a query returns now were made by the workers that ran over the window
	// that ended this long ago, so truce averages workers over that window.
	// Without it, leads not yet counted are divided by workers already
	// running, and a scale-up reads as a lower yield and asks for more.
	// Defaults to 0: the source counts leads as they happen.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=7776000
	// +optional
	DelaySeconds *int32 `json:"delaySeconds,omitempty"`
}

// CampaignMetric names one of a Campaign's metrics.
// +kubebuilder:validation:Enum=leads;qualifiedLeads
type CampaignMetric string

// A Campaign's metrics, as spec.metrics and status.metrics name them.
const (
	// LeadsMetric is spec.metrics.leads.
	LeadsMetric CampaignMetric = "leads"
	// QualifiedLeadsMetric is spec.metrics.qualifiedLeads.
	QualifiedLeadsMetric CampaignMetric = "qualifiedLeads"
)

// ParallelismRecord is the parallelism a campaign's outreach ran at from a
// time until the next record.
type ParallelismRecord struct {
	// since is when the outreach started to run at this parallelism.
	// +required
	Since metav1.Time `json:"since"`

	// parallelism is the number of workers from since until the next record.
	// +kubebuilder:validation:Minimum=0
	// +required
	Parallelism int32 `json:"parallelism"`
}

// ScalingMemory is what the scale-down stabilization window and the scale-up
// rate limit remember between polls. The HPA keeps this in memory; truce
// keeps it in status, so a restarted controller or a new leader honours
// the window instead of scaling down at once.
type ScalingMemory struct {
	// recommendation is the parallelism the allocation needs now, before
	// stabilization and rate limits, and since is when it was first
	// recommended; it is taken to be recommended until another replaces it.
	// +optional
	Recommendation *ScaleRecommendation `json:"recommendation,omitempty"`

	// earlier are the earlier recommendations of the stabilization window
	// that still hold a scale-down back, oldest first, each with the last
	// time it was recommended. Each is higher than every later one, so a
	// recommendation that can no longer decide anything is dropped.
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=16
	// +optional
	Earlier []ScaleRecommendation `json:"earlier,omitempty"`

	// changes are the changes of parallelism truce made within the scale-up
	// period, oldest first, which the scale-up rate limit counts.
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=16
	// +optional
	Changes []ScaleChange `json:"changes,omitempty"`
}

// ScaleRecommendation is a raw recommendation of parallelism at a time.
type ScaleRecommendation struct {
	// time is when it was recommended: for status.scaling.recommendation
	// the first time, for earlier ones the last.
	// +required
	Time metav1.Time `json:"time"`

	// parallelism is the recommended number of workers.
	// +kubebuilder:validation:Minimum=0
	// +required
	Parallelism int32 `json:"parallelism"`
}

// ScaleChange is a change of parallelism truce made.
type ScaleChange struct {
	// time is when the change was made.
	// +required
	Time metav1.Time `json:"time"`

	// delta is the workers added, negative for workers removed.
	// +required
	Delta int32 `json:"delta"`
}

// CampaignStatus is what the controller observed and decided for a campaign.
type CampaignStatus struct {
	// observedGeneration is the generation of the spec this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// leadsPerWeek is the campaign's observed lead rate.
	// +optional
	LeadsPerWeek *resource.Quantity `json:"leadsPerWeek,omitempty"`

	// qualifiedPercent is the observed share of the campaign's leads that qualify.
	// +optional
	QualifiedPercent *resource.Quantity `json:"qualifiedPercent,omitempty"`

	// yieldPerWorker is the leads per week of one worker: the window's leads
	// divided by the average workers over the window once enough worker-time
	// was observed, the plan's leadsPerWorkerPerWeek before.
	// +optional
	YieldPerWorker *resource.Quantity `json:"yieldPerWorker,omitempty"`

	// yieldBasis says whether yieldPerWorker was observed or is the plan's.
	// +optional
	YieldBasis Basis `json:"yieldBasis,omitempty"`

	// parallelismHistory is the workers the outreach ran over the metrics
	// window, oldest first, so that the window's leads are divided by the
	// workers that produced them, across restarts of the controller. For a
	// Job these are its ready pods (at most its parallelism); for a
	// scaleTargetRef, its replicas.
	// It holds at most 32 records; older changes are merged.
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	// +optional
	ParallelismHistory []ParallelismRecord `json:"parallelismHistory,omitempty"`

	// allocatedLeadsPerWeek is the campaign's share of its SalesTarget's demand.
	// +optional
	AllocatedLeadsPerWeek *resource.Quantity `json:"allocatedLeadsPerWeek,omitempty"`

	// desiredParallelism is the parallelism the controller wants.
	// +optional
	DesiredParallelism *int32 `json:"desiredParallelism,omitempty"`

	// currentParallelism is the parallelism the outreach runs at now.
	// +optional
	CurrentParallelism *int32 `json:"currentParallelism,omitempty"`

	// activeJob is the name of the Job of the current template revision.
	// +optional
	ActiveJob string `json:"activeJob,omitempty"`

	// lastScaleTime is when the controller last changed the parallelism.
	// +optional
	LastScaleTime *metav1.Time `json:"lastScaleTime,omitempty"`

	// scaling is what the scale-down stabilization window and the scale-up
	// rate limit remember between polls: the recent recommendations and
	// changes.
	// +optional
	Scaling *ScalingMemory `json:"scaling,omitempty"`

	// metrics is the health of each query: its last value, last error and
	// consecutive failures.
	// +listType=map
	// +listMapKey=name
	// +optional
	Metrics []MetricStatus `json:"metrics,omitempty"`

	// conditions are Ready, Balanced, MetricsAvailable and Suspended.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// Campaign is marketing's lead generation: an outreach workload that truce
// scales to the campaign's share of what its SalesTarget can work and needs.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=camp,categories=revops
// +kubebuilder:printcolumn:name="Target",type=string,JSONPath=`.spec.salesTargetRef.name`,description="The SalesTarget this campaign supplies"
// +kubebuilder:printcolumn:name="Leads/Wk",type=string,JSONPath=`.status.leadsPerWeek`,description="Observed leads per week"
// +kubebuilder:printcolumn:name="Allocated",type=string,JSONPath=`.status.allocatedLeadsPerWeek`,description="Share of demand, leads per week"
// +kubebuilder:printcolumn:name="Parallelism",type=integer,JSONPath=`.status.currentParallelism`,description="Workers running now"
// +kubebuilder:printcolumn:name="Desired",type=integer,JSONPath=`.status.desiredParallelism`,priority=1
// +kubebuilder:printcolumn:name="Balanced",type=string,JSONPath=`.status.conditions[?(@.type=="Balanced")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Balanced")].reason`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Campaign struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the campaign's target, outreach and queries.
	// +required
	Spec CampaignSpec `json:"spec"`

	// status is what the controller observed and decided.
	// +optional
	Status CampaignStatus `json:"status,omitempty"`
}

// CampaignList is a list of Campaigns.
// +kubebuilder:object:root=true
type CampaignList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Campaign `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Campaign{}, &CampaignList{})
}

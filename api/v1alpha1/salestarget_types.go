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
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Cadence is the length of a sales period.
// +kubebuilder:validation:Enum=Weekly;Monthly;Quarterly
type Cadence string

const (
	// Weekly periods start on Monday at 00:00.
	Weekly Cadence = "Weekly"
	// Monthly periods start on the first of the month.
	Monthly Cadence = "Monthly"
	// Quarterly periods start on the first of January, April, July and October.
	Quarterly Cadence = "Quarterly"
)

// Strategy says how much lead supply a SalesTarget asks of its Campaigns.
// +kubebuilder:validation:Enum=MeetQuota;FillCapacity
type Strategy string

const (
	// MeetQuota asks for the leads the quota needs, never more than sales can work.
	MeetQuota Strategy = "MeetQuota"
	// FillCapacity asks for as many leads as sales can work.
	FillCapacity Strategy = "FillCapacity"
)

// SalesTargetSpec is a sales team's quota for a period and its capacity to
// work leads.
// +kubebuilder:validation:XValidation:rule="!has(self.quota.revenue) || has(self.plan.averageDealSize)",message="plan.averageDealSize is required when quota.revenue is set",fieldPath=".plan.averageDealSize"
// +kubebuilder:validation:XValidation:rule="!has(self.sla) || (has(self.metrics) && has(self.metrics.leadsPastFirstContact) && has(self.metrics.acceptedLeads))",message="sla needs metrics.leadsPastFirstContact and metrics.acceptedLeads, to count the accepted leads that miss it",fieldPath=".sla"
type SalesTargetSpec struct {
	// period is the sales period the quota applies to.
	// +required
	Period PeriodSpec `json:"period"`

	// quota is what the team must win in each period: revenue or a number of
	// deals, exactly one.
	// +required
	Quota QuotaSpec `json:"quota"`

	// capacity is how many leads the team can work each week.
	// +required
	Capacity CapacitySpec `json:"capacity"`

	// plan holds the planning assumptions used until enough observed data
	// replaces them.
	// +required
	Plan PlanSpec `json:"plan"`

	// strategy is MeetQuota (ask for the leads the quota needs, at most
	// capacity) or FillCapacity (ask for as many leads as sales can work).
	// Defaults to MeetQuota.
	// +kubebuilder:default=MeetQuota
	// +optional
	Strategy Strategy `json:"strategy,omitempty"`

	// metrics are the queries for the team's observed results. Absent
	// queries leave the plan's values in use.
	// +optional
	Metrics *SalesTargetMetrics `json:"metrics,omitempty"`

	// drift sets how far supply may stray from demand before it is flagged.
	// +optional
	Drift *DriftSpec `json:"drift,omitempty"`

	// sla is sales' side of the agreement with marketing: how soon an
	// accepted lead is first contacted. When more than its tolerance of
	// accepted leads miss it, Balanced says LeadsUnworked, with the share
	// and the count, and truce adds no volume to a funnel whose leads wait.
	// +optional
	SLA *SLASpec `json:"sla,omitempty"`

	// pollingIntervalSeconds is how often the target's metrics are read and its
	// balance evaluated. Defaults to 30.
	// +kubebuilder:validation:Minimum=5
	// +kubebuilder:validation:Maximum=3600
	// +kubebuilder:default=30
	// +optional
	PollingIntervalSeconds *int32 `json:"pollingIntervalSeconds,omitempty"`
}

// PeriodSpec is a calendar-aligned sales period.
type PeriodSpec struct {
	// cadence is the period's length: Weekly, Monthly or Quarterly.
	// +required
	Cadence Cadence `json:"cadence"`

	// timeZone is the IANA time zone the period's boundaries are aligned in,
	// such as Europe/Berlin. Defaults to UTC.
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z][A-Za-z0-9_+/-]*$`
	// +kubebuilder:default=UTC
	// +optional
	TimeZone string `json:"timeZone,omitempty"`
}

// QuotaSpec is a period's quota: revenue or deals, exactly one.
// +kubebuilder:validation:XValidation:rule="has(self.revenue) != has(self.deals)",message="quota must set exactly one of revenue or deals"
// +kubebuilder:validation:XValidation:rule="!has(self.schedule) || self.schedule.all(e, has(e.revenue) == has(self.revenue) && has(e.deals) == has(self.deals))",message="quota.schedule entries must count what the quota counts: revenue, or deals",fieldPath=".schedule"
type QuotaSpec struct {
	// revenue is the won revenue to book in each period, such as "1.2M".
	// +kubebuilder:validation:XValidation:rule="isQuantity(string(self)) && quantity(string(self)).isGreaterThan(quantity('0'))",message="revenue must be greater than zero"
	// +optional
	Revenue *resource.Quantity `json:"revenue,omitempty"`

	// deals is the number of deals to win in each period.
	// +kubebuilder:validation:Minimum=1
	// +optional
	Deals *int32 `json:"deals,omitempty"`

	// schedule changes the quota from a date on: each period that starts on
	// or after an entry's from date has that entry's quota (the latest such
	// entry wins); earlier periods have revenue or deals above. truce plans
	// for the period a lead made now closes in, so next period's quota is
	// read here before that period begins.
	// +kubebuilder:validation:MaxItems=6
	// +listType=map
	// +listMapKey=from
	// +optional
	Schedule []ScheduledQuota `json:"schedule,omitempty"`
}

// ScheduledQuota is the quota of the periods that start on or after a date.
// +kubebuilder:validation:XValidation:rule="has(self.revenue) != has(self.deals)",message="a quota.schedule entry must set exactly one of revenue or deals"
type ScheduledQuota struct {
	// from is the first day, as YYYY-MM-DD in the period's time zone, of the
	// periods this quota applies to.
	// +kubebuilder:validation:Format=date
	// +kubebuilder:validation:MaxLength=10
	// +required
	From string `json:"from"`

	// revenue is the won revenue to book in each period from then on.
	// +kubebuilder:validation:XValidation:rule="isQuantity(string(self)) && quantity(string(self)).isGreaterThan(quantity('0'))",message="revenue must be greater than zero"
	// +optional
	Revenue *resource.Quantity `json:"revenue,omitempty"`

	// deals is the number of deals to win in each period from then on.
	// +kubebuilder:validation:Minimum=1
	// +optional
	Deals *int32 `json:"deals,omitempty"`
}

// CapacitySpec is how many leads the team can work each week.
type CapacitySpec struct {
	// reps is the number of fully productive sales reps.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100000
	// +required
	Reps int32 `json:"reps"`

	// ramping lists reps still ramping up, each group at a share of full
	// productivity.
	// +kubebuilder:validation:MaxItems=20
	// +listType=atomic
	// +optional
	Ramping []RampingReps `json:"ramping,omitempty"`

	// leadsPerRepPerWeek is how many leads one productive rep works in a week.
	// +kubebuilder:validation:XValidation:rule="isQuantity(string(self)) && quantity(string(self)).isGreaterThan(quantity('0'))",message="leadsPerRepPerWeek must be greater than zero"
	// +required
	LeadsPerRepPerWeek resource.Quantity `json:"leadsPerRepPerWeek"`
}

// RampingReps is a group of reps at the same stage of ramping up: at a fixed
// share of productivity, or, with startDate and rampDays, on a ramp that
// capacity follows by the calendar.
// +kubebuilder:validation:XValidation:rule="has(self.productivityPercent) || has(self.rampDays)",message="set productivityPercent, or startDate and rampDays",fieldPath=".productivityPercent"
// +kubebuilder:validation:XValidation:rule="!has(self.rampDays) || has(self.startDate)",message="rampDays needs startDate: the day the ramp begins",fieldPath=".startDate"
type RampingReps struct {
	// count is the number of reps in the group.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100000
	// +required
	Count int32 `json:"count"`

	// productivityPercent is the group's productivity as a percentage of a
	// fully ramped rep, 0 to 100. With rampDays it is the productivity on
	// startDate (default 0), from which the group rises linearly to 100.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +optional
	ProductivityPercent *int32 `json:"productivityPercent,omitempty"`

	// startDate is the group's first day, as YYYY-MM-DD in the period's time
	// zone. Before it the group adds no capacity.
	// +kubebuilder:validation:Format=date
	// +kubebuilder:validation:MaxLength=10
	// +optional
	StartDate string `json:"startDate,omitempty"`

	// rampDays is how many days after startDate the group reaches full
	// productivity, rising linearly from productivityPercent; from then on
	// it counts as fully productive reps.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=730
	// +optional
	RampDays *int32 `json:"rampDays,omitempty"`
}

// PlanSpec holds the planning assumptions of the period.
type PlanSpec struct {
	// averageDealSize is the planned revenue of a won deal, such as "30k".
	// Required when the quota is revenue.
	// +kubebuilder:validation:XValidation:rule="isQuantity(string(self)) && quantity(string(self)).isGreaterThan(quantity('0'))",message="averageDealSize must be greater than zero"
	// +optional
	AverageDealSize *resource.Quantity `json:"averageDealSize,omitempty"`

	// leadToWinPercent is the planned share of accepted leads that become won
	// deals, a percentage above 0 and at most 100, such as "4" or "2.5".
	// +kubebuilder:validation:XValidation:rule="isQuantity(string(self)) && quantity(string(self)).isGreaterThan(quantity('0')) && quantity(string(self)).compareTo(quantity('100')) <= 0",message="leadToWinPercent must be greater than 0 and at most 100"
	// +required
	LeadToWinPercent resource.Quantity `json:"leadToWinPercent"`

	// acceptedPercent is the planned share of the campaigns' leads that sales
	// accepts, 1 to 100; leadToWinPercent counts wins of accepted leads.
	// Need, demand, supply and capacity are all in campaign leads, so need
	// asks for 100/acceptedPercent campaign leads per accepted lead it needs,
	// and capacity is leadsPerRepPerWeek accepted leads' worth of campaign
	// leads. Defaults to 100: every lead is accepted.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	// +optional
	AcceptedPercent *int32 `json:"acceptedPercent,omitempty"`

	// qualifiedPercent is the planned share of leads that qualify, 0 to 100.
	// Lead quality is judged against it.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +optional
	QualifiedPercent *int32 `json:"qualifiedPercent,omitempty"`

	// salesCycleDays is the typical time from accepting a lead to winning it.
	// A lead made now closes salesCycleDays from now, so need plans for the
	// period that contains that day, counting what leads already in the
	// pipeline will close in it. Defaults to 0: leads close as they arrive.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=365
	// +optional
	SalesCycleDays *int32 `json:"salesCycleDays,omitempty"`
}

// SalesTargetMetrics are the queries for a team's observed results.
type SalesTargetMetrics struct {
	// source is where the queries are sent. Absent: the controller's default
	// source, set by its flags.
	// +optional
	Source *MetricsSource `json:"source,omitempty"`

	// closedWonRevenue is the revenue won so far this period, for example
	// sum(increase(crm_won_revenue_total{team="emea-smb"}[$period])).
	// +optional
	ClosedWonRevenue Query `json:"closedWonRevenue,omitempty"`

	// closedWonDeals is the number of deals won so far this period.
	// +optional
	ClosedWonDeals Query `json:"closedWonDeals,omitempty"`

	// openLeads is the number of leads waiting for sales to work them.
	// +optional
	OpenLeads Query `json:"openLeads,omitempty"`

	// acceptedLeads is the number of leads sales accepted this period.
	// +optional
	AcceptedLeads Query `json:"acceptedLeads,omitempty"`

	// cohortAcceptedLeads is the number of leads accepted a sales cycle
	// before the wins closedWonDeals counts: over the period so far, moved
	// back by plan.salesCycleDays, for example
	// sum(increase(crm_leads_accepted_total{team="emea-smb"}[$period] offset $cycle)).
	// With a sales cycle, the observed win rate is closedWonDeals divided by
	// it: leads accepted this period have not had time to close, and
	// dividing this period's wins by them reads conversion low whenever
	// volume rises. Absent, a team with a sales cycle plans on
	// plan.leadToWinPercent; without a cycle, acceptedLeads is the cohort.
	// +optional
	CohortAcceptedLeads Query `json:"cohortAcceptedLeads,omitempty"`

	// leadsPastFirstContact is the number of leads accepted this period whose
	// first contact came later than sla.firstContactMinutes after they were
	// accepted, or has not come and is already late, for example
	// sum(increase(crm_leads_first_contact_late_total{team="emea-smb"}[$period])).
	// Divided by acceptedLeads, it is the share the sla is judged on.
	// +optional
	LeadsPastFirstContact Query `json:"leadsPastFirstContact,omitempty"`

	// pipelineLeads is the number of accepted leads still in the pipeline:
	// not yet won or lost, for example sum(crm_open_opportunities{team="emea-smb"}).
	// truce counts what they will close in the period it plans for. Absent,
	// it estimates the pipeline as a sales cycle of the supply it observes,
	// and status.horizon.inFlightBasis says so.
	// +optional
	PipelineLeads Query `json:"pipelineLeads,omitempty"`

	// emptyResultIsZero names the metrics whose empty result means zero
	// rather than an error, such as closedWonDeals before the first win of
	// a period, when its series does not exist yet.
	// +listType=set
	// +kubebuilder:validation:MaxItems=7
	// +optional
	EmptyResultIsZero []SalesTargetMetric `json:"emptyResultIsZero,omitempty"`
}

// SalesTargetMetric names one of a SalesTarget's metrics.
// +kubebuilder:validation:Enum=closedWonRevenue;closedWonDeals;openLeads;acceptedLeads;cohortAcceptedLeads;pipelineLeads;leadsPastFirstContact
type SalesTargetMetric string

// A SalesTarget's metrics, as spec.metrics and status.metrics name them.
const (
	// ClosedWonRevenueMetric is spec.metrics.closedWonRevenue.
	ClosedWonRevenueMetric SalesTargetMetric = "closedWonRevenue"
	// ClosedWonDealsMetric is spec.metrics.closedWonDeals.
	ClosedWonDealsMetric SalesTargetMetric = "closedWonDeals"
	// OpenLeadsMetric is spec.metrics.openLeads.
	OpenLeadsMetric SalesTargetMetric = "openLeads"
	// AcceptedLeadsMetric is spec.metrics.acceptedLeads.
	AcceptedLeadsMetric SalesTargetMetric = "acceptedLeads"
	// CohortAcceptedLeadsMetric is spec.metrics.cohortAcceptedLeads.
	CohortAcceptedLeadsMetric SalesTargetMetric = "cohortAcceptedLeads"
	// PipelineLeadsMetric is spec.metrics.pipelineLeads.
	PipelineLeadsMetric SalesTargetMetric = "pipelineLeads"
	// LeadsPastFirstContactMetric is spec.metrics.leadsPastFirstContact.
	LeadsPastFirstContactMetric SalesTargetMetric = "leadsPastFirstContact"
)

// SLASpec is the follow-up service level sales agrees to.
type SLASpec struct {
	// firstContactMinutes is how long after sales accepts a lead its first
	// contact may come, at most; metrics.leadsPastFirstContact counts the
	// leads that miss it.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=43200
	// +required
	FirstContactMinutes int32 `json:"firstContactMinutes"`

	// tolerancePercent is the share of accepted leads that may miss the
	// first contact before the funnel is judged LeadsUnworked. Defaults to 10.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +kubebuilder:default=10
	// +optional
	TolerancePercent *int32 `json:"tolerancePercent,omitempty"`
}

// DriftSpec sets how drift between supply and demand is judged.
type DriftSpec struct {
	// tolerancePercent is how far, in percent, supply may stray from demand
	// (and quality and conversion from plan) before it is drift. Defaults to 20.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +kubebuilder:default=20
	// +optional
	TolerancePercent *int32 `json:"tolerancePercent,omitempty"`

	// stabilizationWindowSeconds is how long drift must persist before the
	// Balanced condition changes. Defaults to 900.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=86400
	// +kubebuilder:default=900
	// +optional
	StabilizationWindowSeconds *int32 `json:"stabilizationWindowSeconds,omitempty"`
}

// SalesTargetStatus is what the controller observed and decided for a team.
type SalesTargetStatus struct {
	// observedGeneration is the generation of the spec this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// periodStart is the start of the current sales period.
	// +optional
	PeriodStart *metav1.Time `json:"periodStart,omitempty"`

	// periodEnd is the end of the current sales period.
	// +optional
	PeriodEnd *metav1.Time `json:"periodEnd,omitempty"`

	// capacityLeadsPerWeek is C, the campaign leads per week sales can work:
	// the accepted leads its reps work, divided by the acceptance rate.
	// +optional
	CapacityLeadsPerWeek *resource.Quantity `json:"capacityLeadsPerWeek,omitempty"`

	// needLeadsPerWeek is N, the campaign leads per week that the quota of
	// the planned period (status.horizon) still needs.
	// +optional
	NeedLeadsPerWeek *resource.Quantity `json:"needLeadsPerWeek,omitempty"`

	// horizon is the period need plans for: the one in which a lead made now
	// closes, a sales cycle from now, and what is already on its way to it.
	// +optional
	Horizon *PlanningHorizon `json:"horizon,omitempty"`

	// demandLeadsPerWeek is D, the leads per week asked of the campaigns.
	// +optional
	DemandLeadsPerWeek *resource.Quantity `json:"demandLeadsPerWeek,omitempty"`

	// supplyLeadsPerWeek is S, the leads per week the campaigns produce.
	// +optional
	SupplyLeadsPerWeek *resource.Quantity `json:"supplyLeadsPerWeek,omitempty"`

	// attainmentPercent is the share of the quota booked so far.
	// +optional
	AttainmentPercent *resource.Quantity `json:"attainmentPercent,omitempty"`

	// projectedAttainmentPercent is the share of the quota the period is on
	// pace to book.
	// +optional
	ProjectedAttainmentPercent *resource.Quantity `json:"projectedAttainmentPercent,omitempty"`

	// acceptedPercent is the share of campaign leads sales accepts that the
	// model uses (spec.plan.acceptedPercent, 100 when unset).
	// +optional
	AcceptedPercent *resource.Quantity `json:"acceptedPercent,omitempty"`

	// winRatePercent is the lead-to-win rate used for need.
	// +optional
	WinRatePercent *resource.Quantity `json:"winRatePercent,omitempty"`

	// winRateBasis says where winRatePercent came from: Plan, until enough
	// accepted leads of the cohort that could have closed were observed
	// this period, then Observed.
	// +optional
	WinRateBasis Basis `json:"winRateBasis,omitempty"`

	// averageDealSize is the deal size used for need.
	// +optional
	AverageDealSize *resource.Quantity `json:"averageDealSize,omitempty"`

	// dealSizeBasis says where averageDealSize came from: Plan or Observed.
	// +optional
	DealSizeBasis Basis `json:"dealSizeBasis,omitempty"`

	// driftClasses lists every drift class that holds, most urgent first.
	// The Balanced condition's reason is the first of them (once it has
	// lasted the stabilization window), and its message names the others.
	// Empty when supply is balanced.
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=8
	// +optional
	DriftClasses []string `json:"driftClasses,omitempty"`

	// samples says, for each rate judged against the plan, how much was
	// observed and whether that was enough to judge it: below the minimum
	// the plan stands and no class is shown on it.
	// +listType=map
	// +listMapKey=name
	// +optional
	Samples []SampleStatus `json:"samples,omitempty"`

	// drift is the drift class observed at the last evaluation and since when;
	// the Balanced condition follows it once it has lasted
	// spec.drift.stabilizationWindowSeconds.
	// +optional
	Drift *DriftObservation `json:"drift,omitempty"`

	// campaigns lists each referencing campaign's share of demand and its supply.
	// +listType=map
	// +listMapKey=name
	// +optional
	Campaigns []CampaignAllocation `json:"campaigns,omitempty"`

	// metrics is the health of each query: its last value, last error and
	// consecutive failures.
	// +listType=map
	// +listMapKey=name
	// +optional
	Metrics []MetricStatus `json:"metrics,omitempty"`

	// conditions are Ready, Balanced, QuotaAtRisk and MetricsAvailable.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// Basis says where a value used by the model came from.
// +kubebuilder:validation:Enum=Plan;Observed
type Basis string

// InFlightBasis says how truce counted the leads already in the pipeline.
// +kubebuilder:validation:Enum=PipelineQuery;SupplyEstimate;PlanEstimate;NoSalesCycle
type InFlightBasis string

const (
	// PipelineQueryBasis: spec.metrics.pipelineLeads was read.
	PipelineQueryBasis InFlightBasis = "PipelineQuery"
	// SupplyEstimateBasis: no pipeline query (or no value of it yet), so the
	// pipeline is taken to hold a sales cycle of the accepted leads the
	// observed supply makes.
	SupplyEstimateBasis InFlightBasis = "SupplyEstimate"
	// PlanEstimateBasis: neither a pipeline query nor any observed supply,
	// so the pipeline is taken to hold a sales cycle of the leads the plan
	// needs.
	PlanEstimateBasis InFlightBasis = "PlanEstimate"
	// NoSalesCycleBasis: plan.salesCycleDays is 0, so nothing is in flight:
	// leads close as they arrive.
	NoSalesCycleBasis InFlightBasis = "NoSalesCycle"
)

// PlanningHorizon is the period need plans for and what is already on its
// way to it.
type PlanningHorizon struct {
	// period names the planned period: 2027-Q1, 2027-01 or 2027-W01 (ISO
	// week), in spec.period.timeZone. It is the current period while a lead
	// made now still closes in it, and a later one from a sales cycle before
	// the current period ends.
	// +required
	Period string `json:"period"`

	// start and end bound the planned period.
	// +required
	Start metav1.Time `json:"start"`
	// +required
	End metav1.Time `json:"end"`

	// quota is the planned period's quota (spec.quota, or its schedule).
	// +optional
	Quota *resource.Quantity `json:"quota,omitempty"`

	// booked is what the planned period has won so far: this period's
	// bookings, or 0 for a later period.
	// +optional
	Booked *resource.Quantity `json:"booked,omitempty"`

	// inFlight is what the leads already in the pipeline are expected to
	// close in the planned period, in the quota's unit.
	// +optional
	InFlight *resource.Quantity `json:"inFlight,omitempty"`

	// inFlightBasis says how the pipeline was counted: PipelineQuery,
	// SupplyEstimate, PlanEstimate or NoSalesCycle.
	// +optional
	InFlightBasis InFlightBasis `json:"inFlightBasis,omitempty"`

	// leadWeeksLeft is how many weeks of leads made from now still close in
	// the planned period: what is left of it is spread over them.
	// +optional
	LeadWeeksLeft *resource.Quantity `json:"leadWeeksLeft,omitempty"`

	// alsoPlans names the following period when fewer than 7 days of leads
	// are left for the planned one: need then spreads what both still need
	// over both, rather than asking for the rest in a burst no campaign can
	// ramp to.
	// +optional
	AlsoPlans string `json:"alsoPlans,omitempty"`
}

// SampleName names a rate judged against the plan.
// +kubebuilder:validation:Enum=Quality;Conversion;DealSize;FollowUp
type SampleName string

const (
	// QualitySample: qualified ÷ campaign leads, against plan.qualifiedPercent.
	QualitySample SampleName = "Quality"
	// ConversionSample: wins ÷ the accepted leads they came from, against
	// plan.leadToWinPercent.
	ConversionSample SampleName = "Conversion"
	// DealSizeSample: won revenue ÷ won deals, against plan.averageDealSize.
	DealSizeSample SampleName = "DealSize"
	// FollowUpSample: leads past the first contact ÷ accepted leads, against
	// sla.tolerancePercent.
	FollowUpSample SampleName = "FollowUp"
)

// SampleStatus is how much of a rate was observed and whether it was
// enough to judge it against the plan.
type SampleStatus struct {
	// name is the rate: Quality, Conversion, DealSize or FollowUp.
	// +required
	Name SampleName `json:"name"`

	// size is what was observed: leads, or deals for DealSize.
	// +required
	Size int64 `json:"size"`

	// minimum is the size it must reach to be judged.
	// +required
	Minimum int64 `json:"minimum"`

	// judged is true when the sample reached the minimum and was tested
	// against the plan; false is "too small to judge".
	// +required
	Judged bool `json:"judged"`
}

// DriftObservation is a drift class and when it was first seen.
type DriftObservation struct {
	// reason is the drift class, or Balanced.
	// +required
	Reason string `json:"reason"`

	// since is when the class was first seen without interruption.
	// +required
	Since metav1.Time `json:"since"`
}

// CampaignAllocation is one campaign's share of a SalesTarget's demand.
type CampaignAllocation struct {
	// name is the Campaign's name.
	// +required
	Name string `json:"name"`

	// allocatedLeadsPerWeek is the campaign's share of demand.
	// +optional
	AllocatedLeadsPerWeek *resource.Quantity `json:"allocatedLeadsPerWeek,omitempty"`

	// supplyLeadsPerWeek is the campaign's observed lead rate.
	// +optional
	SupplyLeadsPerWeek *resource.Quantity `json:"supplyLeadsPerWeek,omitempty"`

	// atMax is true when the share is capped at what the campaign reaches at
	// its maxParallelism.
	// +optional
	AtMax bool `json:"atMax,omitempty"`
}

// SalesTarget is a sales team's quota and capacity for a period. truce
// balances the lead supply of the Campaigns that reference it against it.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=st,categories=revops
// +kubebuilder:printcolumn:name="Capacity",type=string,JSONPath=`.status.capacityLeadsPerWeek`,description="Leads per week sales can work"
// +kubebuilder:printcolumn:name="Demand",type=string,JSONPath=`.status.demandLeadsPerWeek`,description="Leads per week asked of the campaigns"
// +kubebuilder:printcolumn:name="Supply",type=string,JSONPath=`.status.supplyLeadsPerWeek`,description="Leads per week the campaigns produce"
// +kubebuilder:printcolumn:name="Attainment",type=string,JSONPath=`.status.attainmentPercent`,description="Percent of quota booked"
// +kubebuilder:printcolumn:name="Balanced",type=string,JSONPath=`.status.conditions[?(@.type=="Balanced")].status`
// +kubebuilder:printcolumn:name="Drift",type=string,JSONPath=`.status.conditions[?(@.type=="Balanced")].reason`,priority=1
// +kubebuilder:printcolumn:name="Planning",type=string,JSONPath=`.status.horizon.period`,description="The period need plans for: where a lead made now closes",priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type SalesTarget struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the team's quota, capacity and plan.
	// +required
	Spec SalesTargetSpec `json:"spec"`

	// status is what the controller observed and decided.
	// +optional
	Status SalesTargetStatus `json:"status,omitempty"`
}

// SalesTargetList is a list of SalesTargets.
// +kubebuilder:object:root=true
type SalesTargetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SalesTarget `json:"items"`
}

func init() {
	SchemeBuilder.Register(&SalesTarget{}, &SalesTargetList{})
}

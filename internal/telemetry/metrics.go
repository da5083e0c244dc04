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

package telemetry

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// The label sets. Each is bounded by the number of objects: names, condition
// types and reasons, query names, a basis, unit, drift class or sample from
// a fixed set, and the name of the one period a target plans for.
var (
	targetLabels   = []string{"namespace", "salestarget"}
	campaignLabels = []string{"namespace", "campaign", "salestarget"}
)

func targetDesc(name, help string, extra ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, with(targetLabels, extra...), nil)
}

func campaignDesc(name, help string, extra ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, with(campaignLabels, extra...), nil)
}

// Per SalesTarget. Rates are leads per week; ratios are 0.41, not 41.
var (
	stCapacity = targetDesc("truce_salestarget_capacity_leads_per_week",
		"Leads per week sales can work (status.capacityLeadsPerWeek).")
	stNeed = targetDesc("truce_salestarget_need_leads_per_week",
		"Leads per week the quota needs (status.needLeadsPerWeek).")
	stDemand = targetDesc("truce_salestarget_demand_leads_per_week",
		"Leads per week marketing should supply (status.demandLeadsPerWeek).")
	stSupply = targetDesc("truce_salestarget_supply_leads_per_week",
		"Leads per week the target's campaigns produce (status.supplyLeadsPerWeek).")
	stOpenLeads = targetDesc("truce_salestarget_open_leads",
		"Accepted leads not worked yet, as last read (the openLeads query).")
	stQuota = targetDesc("truce_salestarget_quota",
		"The current period's quota (spec.quota, or the quota.schedule entry in force when it started), in revenue or in deals (unit).", "unit")
	stBooked = targetDesc("truce_salestarget_booked",
		"Won so far this period, in the quota's unit, as last read (the closedWonRevenue or closedWonDeals query).", "unit")
	stAttainment = targetDesc("truce_salestarget_attainment_ratio",
		"Booked over quota (status.attainmentPercent / 100).")
	stProjected = targetDesc("truce_salestarget_projected_attainment_ratio",
		"Projected attainment at the period's end (status.projectedAttainmentPercent / 100).")
	stWinRate = targetDesc("truce_salestarget_win_rate_ratio",
		"Lead-to-win rate in use, Planned or Observed (basis).", "basis")
	stDealSize = targetDesc("truce_salestarget_average_deal_size",
		"Average deal size in use, Planned or Observed (basis).", "basis")
	stPeriodEnd = targetDesc("truce_salestarget_period_end_timestamp_seconds",
		"When the current period ends, in seconds since the epoch.")
	stQueryFailures = targetDesc("truce_salestarget_query_consecutive_failures",
		"Consecutive failed reads of each query (status.metrics).", "metric")
	stCondition = targetDesc("truce_salestarget_status_condition",
		"1 for each status condition, with its type, status and reason.", "type", "status", "reason")
	stConditionTime = targetDesc("truce_salestarget_status_condition_last_transition_timestamp_seconds",
		"When each status condition last changed status, in seconds since the epoch.", "type")
	stDriftClass = targetDesc("truce_salestarget_drift_class",
		"1 for each drift class that holds (status.driftClasses), 0 for each other known class; absent until the target is judged.", "class")
	stAccepted = targetDesc("truce_salestarget_accepted_ratio",
		"Share of campaign leads sales accepts, as the model uses it (status.acceptedPercent / 100).")
	stHorizon = targetDesc("truce_salestarget_horizon_info",
		"1, naming the period need plans for (status.horizon.period) and the next one when need also plans for it (alsoPlans).", "period", "also_plans")
	stHorizonQuota = targetDesc("truce_salestarget_horizon_quota",
		"The planned period's quota, in revenue or in deals (status.horizon.quota).", "unit")
	stHorizonBooked = targetDesc("truce_salestarget_horizon_booked",
		"Won so far in the planned period, in the quota's unit: 0 for a later period (status.horizon.booked).", "unit")
	stHorizonInFlight = targetDesc("truce_salestarget_horizon_in_flight",
		"What leads already in the pipeline will close in the planned period, in the quota's unit, and how it was counted (status.horizon.inFlight, inFlightBasis).", "unit", "basis")
	stHorizonWeeks = targetDesc("truce_salestarget_horizon_lead_weeks_left",
		"Weeks of leads made from now that still close in the planned period (status.horizon.leadWeeksLeft).")
	stSampleSize = targetDesc("truce_salestarget_sample_size",
		"How much of each rate was observed: leads, or deals for DealSize (status.samples).", "sample")
	stSampleMinimum = targetDesc("truce_salestarget_sample_minimum",
		"The size each rate's sample must reach to be judged against the plan (status.samples).", "sample")
	stSampleJudged = targetDesc("truce_salestarget_sample_judged",
		"1 when the rate's sample was large enough to be judged against the plan, 0 while the plan stands (status.samples).", "sample")
)

// driftClasses are the Balanced condition's drift classes, most urgent
// first: each target reports a series for each, so a query or alert can
// select any class by name and read 0 rather than nothing when it does not
// hold.
var driftClasses = []string{
	v1alpha1.LeadOverflowReason,
	v1alpha1.CapacityBelowQuotaNeedReason,
	v1alpha1.LeadQualityLowReason,
	v1alpha1.LeadShortfallReason,
	v1alpha1.ConversionLowReason,
	v1alpha1.LeadsUnworkedReason,
}

// Per Campaign.
var (
	campLeads = campaignDesc("truce_campaign_leads_per_week",
		"Leads per week the campaign produces (status.leadsPerWeek).")
	campQualified = campaignDesc("truce_campaign_qualified_ratio",
		"Share of the campaign's leads that qualify (status.qualifiedPercent / 100).")
	campAllocated = campaignDesc("truce_campaign_allocated_leads_per_week",
		"The campaign's share of its target's demand (status.allocatedLeadsPerWeek).")
	campYield = campaignDesc("truce_campaign_yield_per_worker_leads_per_week",
		"Leads per week one worker produces, as used to scale (status.yieldPerWorker).")
	campDesired = campaignDesc("truce_campaign_desired_parallelism",
		"Workers truce wants (status.desiredParallelism).")
	campCurrent = campaignDesc("truce_campaign_current_parallelism",
		"Workers the outreach runs (status.currentParallelism).")
	campMin = campaignDesc("truce_campaign_min_parallelism",
		"spec.outreach.minParallelism (0 when unset).")
	campMax = campaignDesc("truce_campaign_max_parallelism",
		"spec.outreach.maxParallelism.")
	campFallbackThreshold = campaignDesc("truce_campaign_fallback_failure_threshold",
		"spec.outreach.fallback.failureThreshold, for campaigns with a fallback.")
	campQueryFailures = campaignDesc("truce_campaign_query_consecutive_failures",
		"Consecutive failed reads of each query (status.metrics).", "metric")
	campCondition = campaignDesc("truce_campaign_status_condition",
		"1 for each status condition, with its type, status and reason.", "type", "status", "reason")
	campConditionTime = campaignDesc("truce_campaign_status_condition_last_transition_timestamp_seconds",
		"When each status condition last changed status, in seconds since the epoch.", "type")
)

var descs = []*prometheus.Desc{
	stCapacity, stNeed, stDemand, stSupply, stOpenLeads, stQuota, stBooked, stAttainment, stProjected,
	stWinRate, stDealSize, stPeriodEnd, stQueryFailures, stCondition, stConditionTime,
	stDriftClass, stAccepted, stHorizon, stHorizonQuota, stHorizonBooked, stHorizonInFlight, stHorizonWeeks,
	stSampleSize, stSampleMinimum, stSampleJudged,
	campLeads, campQualified, campAllocated, campYield, campDesired, campCurrent, campMin, campMax,
	campFallbackThreshold, campQueryFailures, campCondition, campConditionTime,
}

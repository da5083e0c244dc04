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

import "github.com/prometheus/client_golang/prometheus"

// The label sets. Each is bounded by the number of objects: names, condition
// types and reasons, query names and a basis or unit from a fixed set.
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
		"The period's quota, in revenue or in deals (unit).", "unit")
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
)

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
	campLeads, campQualified, campAllocated, campYield, campDesired, campCurrent, campMin, campMax,
	campFallbackThreshold, campQueryFailures, campCondition, campConditionTime,
}

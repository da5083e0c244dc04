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

package main

import (
	"github.com/prometheus/client_golang/prometheus"
)

// The simulator's series carry the names the sample manifests query, so a
// Prometheus that scrapes the simulator answers them. Counters count
// simulated leads; rates are per simulated week.
var (
	leadsTotal = prometheus.NewDesc("marketing_leads_total",
		"Leads the campaign produced, by grade.", []string{"campaign", "team", "grade"}, nil)
	workers = prometheus.NewDesc("marketing_outreach_workers",
		"The campaign's outreach pods that are running and ready.", []string{"campaign"}, nil)
	leadsPerWeek = prometheus.NewDesc("funnelsim_leads_per_week",
		"Leads the campaign produces per simulated week, by grade, over the rate window.", []string{"campaign", "grade"}, nil)
	accepted = prometheus.NewDesc("crm_leads_accepted_total",
		"Leads sales accepted this period.", []string{"team"}, nil)
	worked = prometheus.NewDesc("crm_leads_worked_total",
		"Leads sales worked since the simulation started.", []string{"team"}, nil)
	wonDeals = prometheus.NewDesc("crm_won_deals_total",
		"Deals won this period.", []string{"team"}, nil)
	wonRevenue = prometheus.NewDesc("crm_won_revenue_total",
		"Revenue won this period.", []string{"team"}, nil)
	openLeads = prometheus.NewDesc("crm_open_leads",
		"Accepted leads sales has not worked yet.", []string{"team"}, nil)
	pipelineLeads = prometheus.NewDesc("crm_pipeline_leads",
		"Accepted leads not yet won or lost: those not worked yet and those worked within the sales cycle.", []string{"team"}, nil)
	simulated = prometheus.NewDesc("funnelsim_simulated_seconds",
		"Simulated time since the simulator started.", nil, nil)
)

type collector struct{ sim *Simulator }

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{leadsTotal, workers, leadsPerWeek, accepted, worked, wonDeals, wonRevenue, openLeads, pipelineLeads, simulated} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	s := c.sim.Snapshot()
	ch <- prometheus.MustNewConstMetric(simulated, prometheus.GaugeValue, s.SimulatedSeconds)
	for name, cs := range s.Campaigns {
		ch <- prometheus.MustNewConstMetric(workers, prometheus.GaugeValue, float64(cs.Workers), name)
		for _, g := range Grades {
			ch <- prometheus.MustNewConstMetric(leadsTotal, prometheus.CounterValue, cs.LeadsTotal[g], name, cs.Team, g)
			ch <- prometheus.MustNewConstMetric(leadsPerWeek, prometheus.GaugeValue, cs.GradesPerWeek[g], name, g)
		}
	}
	for name, t := range s.Teams {
		ch <- prometheus.MustNewConstMetric(accepted, prometheus.CounterValue, t.AcceptedLeads, name)
		ch <- prometheus.MustNewConstMetric(worked, prometheus.CounterValue, t.WorkedLeads, name)
		ch <- prometheus.MustNewConstMetric(wonDeals, prometheus.CounterValue, t.ClosedWonDeals, name)
		ch <- prometheus.MustNewConstMetric(wonRevenue, prometheus.CounterValue, t.ClosedWonRevenue, name)
		ch <- prometheus.MustNewConstMetric(openLeads, prometheus.GaugeValue, t.OpenLeads, name)
		ch <- prometheus.MustNewConstMetric(pipelineLeads, prometheus.GaugeValue, t.PipelineLeads, name)
	}
}

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
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// The numbers the metrics document answers before the reaction phase
// changes some campaigns' leads.
const (
	leadsBefore = 120
	leadsAfter  = 180
	qualified   = 48
)

// campaignName and targetName name the fleet's objects; campaignKey is a
// campaign's key in the metrics document (a plain JSONPath field name).
func targetName(t int) string             { return fmt.Sprintf("t%04d", t) }
func campaignName(t, c int) string        { return fmt.Sprintf("t%04d-c%02d", t, c) }
func campaignKey(t, c int) string         { return fmt.Sprintf("t%04dc%02d", t, c) }
func campaignKeyOf(name string) string    { return name[:5] + name[6:] }
func campaignLeadsPath(key string) string { return "{.campaigns." + key + ".leads}" }

// metricsDoc is the one JSON document every object reads, as a CRM's
// reporting endpoint would serve it.
type metricsDoc struct {
	mu       sync.Mutex
	leads    map[string]int
	requests int
	server   *http.Server
	URL      string
}

type campaignFigures struct {
	Leads     int `json:"leads"`
	Qualified int `json:"qualified"`
}

func newMetricsDoc(keys []string) *metricsDoc {
	d := &metricsDoc{leads: make(map[string]int, len(keys))}
	for _, k := range keys {
		d.leads[k] = leadsBefore
	}
	return d
}

// setLeads changes the leads the document answers for the given campaigns.
func (d *metricsDoc) setLeads(keys []string, leads int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, k := range keys {
		d.leads[k] = leads
	}
}

func (d *metricsDoc) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	d.mu.Lock()
	d.requests++
	doc := struct {
		Team      map[string]int             `json:"team"`
		Campaigns map[string]campaignFigures `json:"campaigns"`
	}{
		Team:      map[string]int{"wonRevenue": 300000, "wonDeals": 10, "openLeads": 50, "acceptedLeads": 400},
		Campaigns: make(map[string]campaignFigures, len(d.leads)),
	}
	for k, l := range d.leads {
		doc.Campaigns[k] = campaignFigures{Leads: l, Qualified: qualified}
	}
	d.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(doc)
}

// served returns the number of documents served so far.
func (d *metricsDoc) served() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.requests
}

// start serves the document on a free loopback port.
func (d *metricsDoc) start() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	d.URL = "http://" + l.Addr().String() + "/report"
	d.server = &http.Server{Handler: d}
	go func() { _ = d.server.Serve(l) }()
	return nil
}

func (d *metricsDoc) stop() { _ = d.server.Close() }

// samples are the manifests of config/samples the fleet is made from, so
// the benchmark runs what a user would apply.
type samples struct {
	target   v1alpha1.SalesTarget
	campaign v1alpha1.Campaign
}

func loadSamples(dir string) (*samples, error) {
	s := &samples{}
	for file, into := range map[string]any{
		"revops_v1alpha1_salestarget.yaml":  &s.target,
		"revops_v1alpha1_campaign_job.yaml": &s.campaign,
	} {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			return nil, err
		}
		if err := yaml.UnmarshalStrict(b, into); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
	}
	return s, nil
}

// target returns SalesTarget t, reading its metrics from the default
// source (the controller's --metrics-url).
func (s *samples) newTarget(ns string, t int, poll int32) *v1alpha1.SalesTarget {
	st := s.target.DeepCopy()
	st.Name, st.Namespace = targetName(t), ns
	st.Spec.PollingIntervalSeconds = ptr.To(poll)
	// The fleet's source serves the four numbers below, no follow-up.
	st.Spec.SLA = nil
	st.Spec.Metrics = &v1alpha1.SalesTargetMetrics{
		ClosedWonRevenue: "{.team.wonRevenue}",
		ClosedWonDeals:   "{.team.wonDeals}",
		OpenLeads:        "{.team.openLeads}",
		AcceptedLeads:    "{.team.acceptedLeads}",
	}
	return st
}

// newCampaign returns Campaign c of target t, with its own leads in the
// shared document.
func (s *samples) newCampaign(ns string, t, c int, poll int32) *v1alpha1.Campaign {
	camp := s.campaign.DeepCopy()
	camp.Name, camp.Namespace = campaignName(t, c), ns
	camp.Spec.SalesTargetRef.Name = targetName(t)
	camp.Spec.PollingIntervalSeconds = ptr.To(poll)
	key := campaignKey(t, c)
	camp.Spec.Metrics = v1alpha1.CampaignMetrics{
		Leads:          v1alpha1.Query(campaignLeadsPath(key)),
		QualifiedLeads: v1alpha1.Query("{.campaigns." + key + ".qualified}"),
	}
	return camp
}

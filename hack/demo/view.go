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
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// funnel is the part of the simulator's /funnel document the view shows.
type funnel struct {
	SimulatedSeconds float64 `json:"simulatedSeconds"`
	Speed            float64 `json:"speed"`
	Campaigns        map[string]struct {
		Workers int `json:"workers"`
	} `json:"campaigns"`
	Teams map[string]struct {
		OpenLeads float64 `json:"openLeads"`
	} `json:"teams"`
	Shocks []struct {
		Description string  `json:"description"`
		AtSeconds   float64 `json:"atSeconds"`
	} `json:"shocks"`
}

// view renders the live state: the SalesTargets and Campaigns as truce
// sees them, the simulator's clock and shocks, and truce's recent Events.
type view struct {
	k8s       client.Client
	namespace string
	funnelURL string
	started   time.Time
	header    string
}

func (v *view) render(ctx context.Context, w io.Writer) error {
	var targets v1alpha1.SalesTargetList
	if err := v.k8s.List(ctx, &targets, client.InNamespace(v.namespace)); err != nil {
		return err
	}
	var camps v1alpha1.CampaignList
	if err := v.k8s.List(ctx, &camps, client.InNamespace(v.namespace)); err != nil {
		return err
	}
	var events corev1.EventList
	if err := v.k8s.List(ctx, &events, client.InNamespace(v.namespace)); err != nil {
		return err
	}
	f, ferr := v.funnel(ctx)

	fmt.Fprintf(w, "%s\n", v.header)
	fmt.Fprintf(w, "real time +%s", time.Since(v.started).Round(time.Second))
	if ferr == nil {
		sim := time.Duration(f.SimulatedSeconds) * time.Second
		fmt.Fprintf(w, " | simulated +%dd%02dh (%gx)", int(sim.Hours())/24, int(sim.Hours())%24, f.Speed)
	} else {
		fmt.Fprintf(w, " | simulator: %v", ferr)
	}
	fmt.Fprint(w, "\n\n")

	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SALESTARGET\tCAPACITY\tDEMAND\tSUPPLY\tQUALIFIED\tOPEN\tATTAINMENT\tBALANCED\tREASON")
	for _, t := range targets.Items {
		s := t.Status
		open := "-"
		if ferr == nil {
			if team, ok := f.Teams[t.Name]; ok {
				open = fmt.Sprintf("%.0f", team.OpenLeads)
			}
		}
		status, reason := condition(s.Conditions, v1alpha1.BalancedCondition)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s%%\t%s\t%s\n", t.Name, q(s.CapacityLeadsPerWeek), q(s.DemandLeadsPerWeek),
			q(s.SupplyLeadsPerWeek), qualified(camps.Items, t.Name), open, q(s.AttainmentPercent), status, reason)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "CAMPAIGN\tLEADS/WK\tQUALIFIED\tALLOCATED\tYIELD/WORKER\tDESIRED\tPARALLELISM\tRUNNING\tBALANCED\tREASON")
	for _, c := range camps.Items {
		s := c.Status
		running := "-"
		if ferr == nil {
			if fc, ok := f.Campaigns[c.Name]; ok {
				running = fmt.Sprint(fc.Workers)
			}
		}
		status, reason := condition(s.Conditions, v1alpha1.BalancedCondition)
		fmt.Fprintf(tw, "%s\t%s\t%s%%\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, q(s.LeadsPerWeek), q(s.QualifiedPercent),
			q(s.AllocatedLeadsPerWeek), q(s.YieldPerWorker), i32(s.DesiredParallelism), i32(s.CurrentParallelism), running, status, reason)
	}
	_ = tw.Flush()

	if ferr == nil && len(f.Shocks) > 0 {
		fmt.Fprintln(w, "\nShocks so far:")
		for _, sh := range f.Shocks {
			fmt.Fprintf(w, "  +%-5s %s\n", (time.Duration(sh.AtSeconds) * time.Second).String(), sh.Description)
		}
	}

	// truce's Events: drift transitions and scale changes, newest last.
	var recent []corev1.Event
	for _, e := range events.Items {
		if e.InvolvedObject.Kind == "Campaign" || e.InvolvedObject.Kind == "SalesTarget" {
			recent = append(recent, e)
		}
	}
	sort.Slice(recent, func(i, j int) bool { return eventTime(recent[i]).Before(eventTime(recent[j])) })
	if len(recent) > 8 {
		recent = recent[len(recent)-8:]
	}
	if len(recent) > 0 {
		fmt.Fprintln(w, "\nRecent events:")
		for _, e := range recent {
			fmt.Fprintf(w, "  %s  %s/%s  %s: %s\n", eventTime(e).Local().Format("15:04:05"), e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Reason, truncate(e.Message, 110))
		}
	}
	return nil
}

func (v *view) funnel(ctx context.Context) (*funnel, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.funnelURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	f := &funnel{}
	return f, json.NewDecoder(resp.Body).Decode(f)
}

// qualified is the share of the target's leads that qualify, from its
// campaigns' status.
func qualified(camps []v1alpha1.Campaign, target string) string {
	var leads, good float64
	for _, c := range camps {
		if c.Spec.SalesTargetRef.Name != target || c.Status.LeadsPerWeek == nil || c.Status.QualifiedPercent == nil {
			continue
		}
		l := c.Status.LeadsPerWeek.AsApproximateFloat64()
		leads += l
		good += l * c.Status.QualifiedPercent.AsApproximateFloat64() / 100
	}
	if leads == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*good/leads)
}

func condition(conds []metav1.Condition, t string) (string, string) {
	c := meta.FindStatusCondition(conds, t)
	if c == nil {
		return "-", ""
	}
	return string(c.Status), c.Reason
}

// q prints a rate or a percentage as a whole number.
func q(v *resource.Quantity) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.0f", v.AsApproximateFloat64())
}

func i32(v *int32) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprint(*v)
}

func eventTime(e corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.CreationTimestamp.Time
}

func truncate(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

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
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/balance"
	"github.com/truce-dev/truce/internal/snapshot"
	"github.com/truce-dev/truce/internal/status"
)

// CampaignReport is a campaign's yield, share and parallelism as truce
// decided them, and what holds its parallelism.
type CampaignReport struct {
	Namespace   string    `json:"namespace"`
	Name        string    `json:"name"`
	SalesTarget string    `json:"salesTarget"`
	EvaluatedAt time.Time `json:"evaluatedAt"`
	Mode        string    `json:"mode"`

	Yield YieldReport `json:"yield"`
	// ShareLeadsPerWeek is its allocation from the target's status; nil
	// until the target has allocated.
	ShareLeadsPerWeek *float64 `json:"shareLeadsPerWeek,omitempty"`
	AtMax             bool     `json:"atMax,omitempty"`
	Weight            int32    `json:"weight"`

	Parallelism ParallelismReport `json:"parallelism"`
	// Verdict is the campaign's own verdict, judged from status by the
	// function the controller judges with.
	Verdict Drift `json:"verdict"`
}

// YieldReport is the campaign's leads per worker per week, and the
// worker-time behind it.
type YieldReport struct {
	PerWorker float64 `json:"perWorker"`
	Basis     string  `json:"basis"`
	Plan      float64 `json:"plan"`
	// LeadsPerWeek are the window's leads; AverageWorkers the workers
	// that ran over the window that ended DelaySeconds ago.
	LeadsPerWeek   *float64      `json:"leadsPerWeek,omitempty"`
	AverageWorkers float64       `json:"averageWorkers"`
	WindowSeconds  int64         `json:"windowSeconds"`
	DelaySeconds   int64         `json:"delaySeconds"`
	History        []WorkerSpell `json:"history,omitempty"`
}

// WorkerSpell is a parallelism the outreach ran from Since.
type WorkerSpell struct {
	Since   time.Time `json:"since"`
	Workers int32     `json:"workers"`
}

// ParallelismReport is desired against current parallelism and why.
type ParallelismReport struct {
	// Needed is share ÷ yield, in workers, before rounding and clamping.
	Needed  float64 `json:"needed"`
	Min     int32   `json:"min"`
	Max     int32   `json:"max"`
	Desired *int32  `json:"desired,omitempty"`
	Current *int32  `json:"current,omitempty"`
	// Decision is balance.DesiredParallelism replayed on status, without
	// the controller's in-memory recommendations of the stabilization window.
	Decision       int32    `json:"decision"`
	DecisionReason string   `json:"decisionReason"`
	HeldBy         []string `json:"heldBy,omitempty"`
}

func (o *options) explainCampaign(ctx context.Context, name string) error {
	c, ns, err := o.client()
	if err != nil {
		return err
	}
	now, err := o.clock()
	if err != nil {
		return err
	}
	var camp v1alpha1.Campaign
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &camp); err != nil {
		return notFound(err, "Campaign", ns, name)
	}
	var target *v1alpha1.SalesTarget
	var st v1alpha1.SalesTarget
	switch err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: camp.Spec.SalesTargetRef.Name}, &st); {
	case err == nil:
		target = &st
	case !apierrors.IsNotFound(err):
		return err
	}
	rep := campaignReport(&camp, target, now)
	return o.print(rep, func(w io.Writer) error { return rep.table(w) })
}

// campaignReport explains camp from its status and its target's (nil when
// missing).
func campaignReport(camp *v1alpha1.Campaign, target *v1alpha1.SalesTarget, now time.Time) CampaignReport {
	s, o := camp.Status, camp.Spec.Outreach
	window, delay := snapshot.Window(camp), time.Duration(ptr.Deref(camp.Spec.Metrics.DelaySeconds, 0))*time.Second
	history := snapshot.Workers(s.ParallelismHistory)
	rep := CampaignReport{
		Namespace: camp.Namespace, Name: camp.Name, SalesTarget: camp.Spec.SalesTargetRef.Name,
		EvaluatedAt: now.UTC(), Mode: string(camp.Spec.Mode), Weight: ptr.Deref(camp.Spec.Weight, 1),
		Yield: YieldReport{
			PerWorker: snapshot.Yield(camp), Basis: string(s.YieldBasis),
			Plan:           o.LeadsPerWorkerPerWeek.AsApproximateFloat64(),
			AverageWorkers: balance.AverageWorkers(history, now.Add(-delay), window),
			WindowSeconds:  int64(window / time.Second), DelaySeconds: int64(delay / time.Second),
		},
		Parallelism: ParallelismReport{
			Min: ptr.Deref(o.MinParallelism, 0), Max: o.MaxParallelism,
			Desired: s.DesiredParallelism, Current: s.CurrentParallelism,
		},
		Verdict: drift(balance.JudgeCampaign(snapshot.Judgement(camp, target))),
	}
	if rep.Mode == "" {
		rep.Mode = string(v1alpha1.ScaleMode)
	}
	if rep.Yield.Basis == "" {
		rep.Yield.Basis = string(balance.PlanBasis)
	}
	if l := s.LeadsPerWeek; l != nil {
		rep.Yield.LeadsPerWeek = ptr.To(l.AsApproximateFloat64())
	}
	for _, r := range s.ParallelismHistory {
		rep.Yield.History = append(rep.Yield.History, WorkerSpell{Since: r.Since.UTC(), Workers: r.Parallelism})
	}
	if a := snapshot.Allocation(camp, target); a != nil {
		rep.ShareLeadsPerWeek, rep.AtMax = ptr.To(a.AllocatedLeadsPerWeek.AsApproximateFloat64()), a.AtMax
	}
	rep.Parallelism = parallelism(camp, rep, history, now)
	return rep
}

// parallelism replays the controller's decision on status and says what
// holds the parallelism where it is.
func parallelism(camp *v1alpha1.Campaign, rep CampaignReport, history []balance.WorkerRecord, now time.Time) ParallelismReport {
	s, o, p := camp.Status, camp.Spec.Outreach, rep.Parallelism
	failures := status.Failures(s.Metrics, string(v1alpha1.LeadsMetric))
	current := ptr.Deref(s.CurrentParallelism, 0)
	share := ptr.Deref(rep.ShareLeadsPerWeek, 0)
	if rep.Yield.PerWorker > 0 {
		p.Needed = share / rep.Yield.PerWorker
	}
	memory := snapshot.Memory(&s)
	d := balance.DesiredParallelism(balance.ScaleInput{
		Now: now, Current: current, Allocated: share, Yield: rep.Yield.PerWorker,
		Min: p.Min, Max: p.Max, Suspended: camp.Spec.Suspend, Behavior: o.Behavior,
		History: memory.Recommendations(now), Changes: memory.Changes,
		MetricsFailing: failures > 0 || (rep.ShareLeadsPerWeek == nil && !camp.Spec.Suspend),
		Failures:       failures, Fallback: o.Fallback,
		Unlimited: camp.Spec.Mode == v1alpha1.RecommendMode,
	})
	p.Decision, p.DecisionReason = d.Desired, d.Reason
	ceil := int32(math.Ceil(p.Needed - 1e-9))
	tolerance := 0.1
	if b := o.Behavior; b != nil && b.TolerancePercent != nil {
		tolerance = float64(*b.TolerancePercent) / 100
	}
	hold := func(format string, a ...any) { p.HeldBy = append(p.HeldBy, fmt.Sprintf(format, a...)) }
	switch {
	case camp.Spec.Suspend:
		hold("suspend: the campaign is suspended")
	case rep.ShareLeadsPerWeek == nil:
		hold("no share: its SalesTarget has not allocated one; parallelism holds")
	}
	if ceil > p.Max {
		hold("maxParallelism: the share needs %d workers, the most is %d", ceil, p.Max)
	}
	if ceil < p.Min {
		hold("minParallelism: the share needs %d workers, the fewest is %d", ceil, p.Min)
	}
	if current > 0 && ceil != current && ceil <= p.Max && ceil >= p.Min && math.Abs(p.Needed/float64(current)-1) <= tolerance+1e-9 {
		hold("tolerance: %.2f workers' worth is within %.0f%% of the %d running", p.Needed, 100*tolerance, current)
	}
	if strings.Contains(d.Reason, "scale-up limited") {
		hold("scale-up limit: %s", d.Reason)
	}
	if strings.Contains(d.Reason, "stabilization") {
		hold("stabilization: %s", d.Reason)
	}
	if p.Desired != nil && *p.Desired > d.Desired && !camp.Spec.Suspend && !strings.Contains(d.Reason, "stabilization") {
		hold("stabilization: the controller keeps %d, the highest recommendation of its scale-down window", *p.Desired)
	}
	if strings.Contains(d.Reason, "metrics unavailable") {
		hold("metrics: %s", d.Reason)
		if f := o.Fallback; f != nil && f.Parallelism != nil {
			hold("fallback: %d workers after %d failed reads (%d so far)", *f.Parallelism, f.FailureThreshold, failures)
		}
	}
	if camp.Spec.Mode == v1alpha1.RecommendMode {
		hold("mode Recommend: truce recommends and touches no workload")
	}
	return p
}

func (r CampaignReport) table(out io.Writer) error {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	y, par := r.Yield, r.Parallelism
	p("Campaign %s/%s of SalesTarget %s, mode %s", r.Namespace, r.Name, r.SalesTarget, r.Mode)
	p("evaluated %s on the values status holds", r.EvaluatedAt.Format(time.RFC3339))
	p("")
	p("1 YIELD\t%s leads/worker/wk\t%s (plan %s)", num(y.PerWorker), y.Basis, num(y.Plan))
	ending := "now"
	if y.DelaySeconds > 0 {
		ending = span(y.DelaySeconds) + " ago"
	}
	p("\t%s leads/wk\t÷ %s workers on average over the %s window ending %s",
		optNum(y.LeadsPerWeek), num(y.AverageWorkers), span(y.WindowSeconds), ending)
	for _, h := range y.History {
		p("\t%d workers\tsince %s", h.Workers, h.Since.Format(time.RFC3339))
	}
	share := "none yet"
	if r.ShareLeadsPerWeek != nil {
		share = num(*r.ShareLeadsPerWeek) + " leads/wk"
		if r.AtMax {
			share += " (capped at max parallelism)"
		}
	}
	p("2 SHARE\t%s\tweight %d", share, r.Weight)
	p("3 WORKERS\t%s needed\tshare ÷ yield, within min %d and max %d", num(par.Needed), par.Min, par.Max)
	p("\tdesired %s, current %s\treplayed on status: %d", optInt(par.Desired), optInt(par.Current), par.Decision)
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "  because %s\n", wrap(par.DecisionReason, 10, 4))
	for _, h := range par.HeldBy {
		fmt.Fprintf(out, "  held by %s\n", wrap(h, 10, 4))
	}
	fmt.Fprintf(out, "\nVERDICT  %s: %s\n", r.Verdict.Reason, wrap(r.Verdict.Message, len("VERDICT  "+r.Verdict.Reason+": "), 9))
	return nil
}

// span is a number of seconds as days when whole, as a duration otherwise.
func span(seconds int64) string {
	d := time.Duration(seconds) * time.Second
	if day := 24 * time.Hour; d >= day && d%day == 0 {
		return fmt.Sprintf("%dd", d/day)
	}
	return d.String()
}

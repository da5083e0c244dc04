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

	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/balance"
	"github.com/truce-dev/truce/internal/snapshot"
)

// TargetReport is a SalesTarget's funnel as truce evaluates it: every rate
// in campaign leads per week, unrounded (status rounds rates to whole
// numbers, the win rate to two decimals).
type TargetReport struct {
	Namespace   string    `json:"namespace"`
	Name        string    `json:"name"`
	EvaluatedAt time.Time `json:"evaluatedAt"`
	Period      string    `json:"period"`

	Capacity CapacityReport `json:"capacity"`
	Horizon  HorizonReport  `json:"horizon"`
	WinRate  RateReport     `json:"winRate"`
	// DealSize is nil when the quota counts deals.
	DealSize *RateReport `json:"dealSize,omitempty"`

	NeedLeadsPerWeek       float64 `json:"needLeadsPerWeek"`
	SteadyNeedLeadsPerWeek float64 `json:"steadyNeedLeadsPerWeek"`
	DemandLeadsPerWeek     float64 `json:"demandLeadsPerWeek"`
	DemandBasis            string  `json:"demandBasis"`
	// SupplyLeadsPerWeek is nil while no campaign has been observed.
	SupplyLeadsPerWeek         *float64 `json:"supplyLeadsPerWeek,omitempty"`
	AttainmentPercent          *float64 `json:"attainmentPercent,omitempty"`
	ProjectedAttainmentPercent *float64 `json:"projectedAttainmentPercent,omitempty"`

	Campaigns []CampaignShare `json:"campaigns,omitempty"`
	// Verdict is the most urgent drift class; DriftClasses every class
	// that holds, most urgent first.
	Verdict      Drift   `json:"verdict"`
	DriftClasses []Drift `json:"driftClasses,omitempty"`
}

// CapacityReport is what sales can work and where it comes from.
type CapacityReport struct {
	Reps               int32   `json:"reps"`
	EffectiveReps      float64 `json:"effectiveReps"`
	RampingReps        int32   `json:"rampingReps,omitempty"`
	LeadsPerRepPerWeek float64 `json:"leadsPerRepPerWeek"`
	// AcceptedLeadsPerWeek is effective reps × leads per rep.
	AcceptedLeadsPerWeek float64 `json:"acceptedLeadsPerWeek"`
	AcceptedPercent      float64 `json:"acceptedPercent"`
	// LeadsPerWeek is the capacity in campaign leads: accepted ÷ accepted share.
	LeadsPerWeek float64 `json:"leadsPerWeek"`
}

// HorizonReport is the period need plans for, and why.
type HorizonReport struct {
	Period         string  `json:"period"`
	Current        bool    `json:"current"`
	SalesCycleDays int32   `json:"salesCycleDays"`
	Quota          float64 `json:"quota"`
	Unit           string  `json:"unit"`
	Booked         float64 `json:"booked"`
	InFlight       float64 `json:"inFlight"`
	InFlightBasis  string  `json:"inFlightBasis,omitempty"`
	PipelineLeads  float64 `json:"pipelineLeads"`
	Remaining      float64 `json:"remaining"`
	LeadWeeksLeft  float64 `json:"leadWeeksLeft"`
	AlsoPlans      string  `json:"alsoPlans,omitempty"`
}

// RateReport is a rate the model used and its basis.
type RateReport struct {
	Value float64 `json:"value"`
	Basis string  `json:"basis"`
	Plan  float64 `json:"plan"`
}

// CampaignShare is one campaign's share of demand and the workers it
// asks.
type CampaignShare struct {
	Name      string `json:"name"`
	Weight    int32  `json:"weight"`
	Suspended bool   `json:"suspended,omitempty"`
	// ShareLeadsPerWeek is its allocation; AtMax when max parallelism caps it.
	ShareLeadsPerWeek float64  `json:"shareLeadsPerWeek"`
	AtMax             bool     `json:"atMax,omitempty"`
	LeadsPerWeek      *float64 `json:"leadsPerWeek,omitempty"`
	YieldPerWorker    float64  `json:"yieldPerWorker"`
	YieldBasis        string   `json:"yieldBasis"`
	// Workers is the parallelism the share asks (ceil(share ÷ yield),
	// within min and max parallelism), before stabilization and the
	// scale-up limit; CurrentWorkers what the outreach runs.
	Workers        int32  `json:"workers"`
	CurrentWorkers *int32 `json:"currentWorkers,omitempty"`
	MaxParallelism int32  `json:"maxParallelism"`
}

// Drift is a drift class, whose problem it is and what truce does.
type Drift struct {
	Reason  string `json:"reason"`
	Team    string `json:"team,omitempty"`
	Message string `json:"message"`
}

// owners is who should act on each drift class (docs/how-it-works.md).
var owners = map[string]string{
	v1alpha1.LeadOverflowReason:           "sales capacity: leads are being wasted; outreach scales down",
	v1alpha1.CapacityBelowQuotaNeedReason: "sales headcount or the plan: the quota needs more than sales can work",
	v1alpha1.LeadQualityLowReason:         "marketing quality: more volume will not fix it",
	v1alpha1.LeadShortfallReason:          "marketing volume: outreach scales up to its max",
	v1alpha1.ConversionLowReason:          "sales conversion: leads qualify but win below plan",
	v1alpha1.LeadsUnworkedReason:          "sales follow-up: accepted leads wait past the sla",
	v1alpha1.BalancedReason:               "nobody: supply is within the tolerance of demand",
	v1alpha1.AwaitingMetricsReason:        "nobody yet: nothing observed to judge by",
}

func drift(v balance.Verdict) Drift {
	return Drift{Reason: v.Reason, Team: owners[v.Reason], Message: v.Message}
}

// targetReport explains r, the model evaluated on in for st.
func targetReport(st *v1alpha1.SalesTarget, camps []v1alpha1.Campaign, in balance.TargetInput, r balance.Result) TargetReport {
	s := st.Spec
	rep := TargetReport{
		Namespace: st.Namespace, Name: st.Name, EvaluatedAt: in.Now.UTC(),
		Period: fmt.Sprintf("%s %s to %s", s.Period.Cadence, in.Period.Start.Format(time.DateOnly), in.Period.End.Format(time.DateOnly)),
		Capacity: CapacityReport{
			Reps:                 s.Capacity.Reps,
			EffectiveReps:        balance.EffectiveReps(s.Capacity, in.Now, in.Location),
			LeadsPerRepPerWeek:   s.Capacity.LeadsPerRepPerWeek.AsApproximateFloat64(),
			AcceptedLeadsPerWeek: r.AcceptedCapacity,
			AcceptedPercent:      100 * r.AcceptedShare,
			LeadsPerWeek:         r.Capacity,
		},
		Horizon: HorizonReport{
			Period: r.Horizon.Name, Current: r.Horizon.Current,
			SalesCycleDays: ptr.Deref(s.Plan.SalesCycleDays, 0),
			Quota:          r.Horizon.Quota, Unit: "revenue",
			Booked:        r.Horizon.Booked,
			InFlight:      r.Horizon.InFlight,
			InFlightBasis: string(r.Horizon.InFlightBasis),
			PipelineLeads: r.Horizon.PipelineLeads,
			Remaining:     r.Remaining,
			LeadWeeksLeft: r.WeeksLeft,
			AlsoPlans:     r.Horizon.AlsoName,
		},
		WinRate:                RateReport{Value: 100 * r.WinRate, Basis: string(r.WinRateBasis), Plan: s.Plan.LeadToWinPercent.AsApproximateFloat64()},
		NeedLeadsPerWeek:       r.Need,
		SteadyNeedLeadsPerWeek: r.SteadyNeed,
		DemandLeadsPerWeek:     r.Demand,
		DemandBasis:            demandBasis(s, r),
		Verdict:                drift(r.Verdict),
	}
	for _, g := range s.Capacity.Ramping {
		rep.Capacity.RampingReps += g.Count
	}
	if s.Quota.Deals != nil {
		rep.Horizon.Unit = "deals"
	} else {
		rep.DealSize = &RateReport{Value: r.DealSize, Basis: string(r.DealSizeBasis)}
		if d := s.Plan.AverageDealSize; d != nil {
			rep.DealSize.Plan = d.AsApproximateFloat64()
		}
	}
	if r.SupplyKnown {
		rep.SupplyLeadsPerWeek = ptr.To(r.Supply)
	}
	rep.AttainmentPercent, rep.ProjectedAttainmentPercent = r.AttainmentPercent, r.ProjectedPercent
	for _, c := range r.Classes {
		rep.DriftClasses = append(rep.DriftClasses, drift(c))
	}
	for i, a := range r.Allocations {
		rep.Campaigns = append(rep.Campaigns, campaignShare(&camps[i], in.Campaigns[i], a, in.Now))
	}
	return rep
}

// campaignShare is a campaign's allocation and the workers it asks.
func campaignShare(c *v1alpha1.Campaign, ci balance.CampaignInput, a balance.Allocation, now time.Time) CampaignShare {
	yield := snapshot.Yield(c)
	basis := string(c.Status.YieldBasis)
	if basis == "" {
		basis = string(balance.PlanBasis)
	}
	d := balance.DesiredParallelism(balance.ScaleInput{
		Now: now, Current: ptr.Deref(c.Status.CurrentParallelism, 0), Allocated: a.Leads, Yield: yield,
		Min: ptr.Deref(c.Spec.Outreach.MinParallelism, 0), Max: c.Spec.Outreach.MaxParallelism,
		Suspended: c.Spec.Suspend, Behavior: noTolerance(c.Spec.Outreach.Behavior), Unlimited: true,
	})
	sh := CampaignShare{
		Name: c.Name, Weight: ci.Weight, Suspended: ci.Suspended,
		ShareLeadsPerWeek: a.Leads, AtMax: a.AtMax,
		YieldPerWorker: yield, YieldBasis: basis,
		Workers: d.Desired, CurrentWorkers: c.Status.CurrentParallelism, MaxParallelism: c.Spec.Outreach.MaxParallelism,
	}
	if ci.Leads != nil {
		sh.LeadsPerWeek = ptr.To(*ci.Leads)
	}
	return sh
}

// noTolerance is b without a tolerance band, so the workers a share asks
// are ceil(share ÷ yield) whatever the outreach runs now.
func noTolerance(b *v1alpha1.ScalingBehavior) *v1alpha1.ScalingBehavior {
	out := &v1alpha1.ScalingBehavior{}
	if b != nil {
		out = b.DeepCopy()
	}
	out.TolerancePercent = ptr.To[int32](0)
	return out
}

// demandBasis says what demand was set from.
func demandBasis(s v1alpha1.SalesTargetSpec, r balance.Result) string {
	switch {
	case s.Strategy == v1alpha1.FillCapacity:
		return "capacity (strategy FillCapacity)"
	case r.DemandHeld:
		return "held from status: this period's bookings are unknown"
	case !r.DemandKnown:
		return "unknown: no bookings read and none held"
	case r.LeadsUnworked:
		return "held at what marketing makes now: accepted leads wait past the sla"
	case r.Demand < r.Need:
		return "need, capped at capacity"
	}
	return "need"
}

// getTarget reads a SalesTarget and its campaigns.
func getTarget(ctx context.Context, c client.Client, ns, name string) (*v1alpha1.SalesTarget, []v1alpha1.Campaign, error) {
	var st v1alpha1.SalesTarget
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &st); err != nil {
		return nil, nil, notFound(err, "SalesTarget", ns, name)
	}
	camps, err := campaignsOf(ctx, c, ns, name)
	return &st, camps, err
}

func (o *options) explainSalesTarget(ctx context.Context, name string) error {
	c, ns, err := o.client()
	if err != nil {
		return err
	}
	now, err := o.clock()
	if err != nil {
		return err
	}
	st, camps, err := getTarget(ctx, c, ns, name)
	if err != nil {
		return err
	}
	rep, err := evaluate(st, camps, now)
	if err != nil {
		return err
	}
	return o.print(rep, func(w io.Writer) error { return rep.table(w) })
}

// table writes the funnel step by step, within 100 columns.
func (t TargetReport) table(out io.Writer) error {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	c, h := t.Capacity, t.Horizon
	p("SalesTarget %s/%s, %s", t.Namespace, t.Name, t.Period)
	p("evaluated %s on the values status holds", t.EvaluatedAt.Format(time.RFC3339))
	p("")
	p("1 CAPACITY\t%s leads/wk\t%s effective reps (%d full, %d ramping) × %s leads/rep/wk",
		num(c.LeadsPerWeek), num(c.EffectiveReps), c.Reps, c.RampingReps, num(c.LeadsPerRepPerWeek))
	p("\t\t= %s accepted leads/wk ÷ %s%% accepted", num(c.AcceptedLeadsPerWeek), num(c.AcceptedPercent))
	why := "the current period"
	if !h.Current {
		why = fmt.Sprintf("a %d-day sales cycle: leads made now close after this period", h.SalesCycleDays)
	}
	p("2 PLANS FOR\t%s\t%s", h.Period, why)
	p("\tquota %s %s\tbooked %s, in flight %s", num(h.Quota), h.Unit, num(h.Booked), num(h.InFlight))
	p("\t\tin flight from %s pipeline leads (%s)", num(h.PipelineLeads), orDash(h.InFlightBasis))
	also := ""
	if h.AlsoPlans != "" {
		also = ", spread over " + h.AlsoPlans + " too"
	}
	p("\tremaining %s\tover %s weeks of leads left%s", num(h.Remaining), num(h.LeadWeeksLeft), also)
	p("3 WIN RATE\t%s%%\t%s (plan %s%%)", num(t.WinRate.Value), t.WinRate.Basis, num(t.WinRate.Plan))
	if d := t.DealSize; d != nil {
		p("  DEAL SIZE\t%s\t%s (plan %s)", num(d.Value), d.Basis, num(d.Plan))
	}
	p("4 NEED\t%s leads/wk\tsteady pace %s leads/wk", num(t.NeedLeadsPerWeek), num(t.SteadyNeedLeadsPerWeek))
	p("5 DEMAND\t%s leads/wk\t%s", num(t.DemandLeadsPerWeek), t.DemandBasis)
	supply := "unknown: no campaign observed yet"
	if t.SupplyLeadsPerWeek != nil {
		supply = num(*t.SupplyLeadsPerWeek) + " leads/wk"
	}
	p("6 SUPPLY\t%s", supply)
	if t.AttainmentPercent != nil || t.ProjectedAttainmentPercent != nil {
		p("  ATTAINMENT\t%s%% booked\tprojected %s%%", optNum(t.AttainmentPercent), optNum(t.ProjectedAttainmentPercent))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if len(t.Campaigns) > 0 {
		fmt.Fprintln(out)
		w = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "CAMPAIGN\tWEIGHT\tSHARE/WK\tLEADS/WK\tYIELD/WORKER\tWORKERS\tNOW\tMAX")
		for _, s := range t.Campaigns {
			share := num(s.ShareLeadsPerWeek)
			if s.AtMax {
				share += " (at max)"
			}
			if s.Suspended {
				share = "suspended"
			}
			fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s %s\t%d\t%s\t%d\n", s.Name, s.Weight, share, optNum(s.LeadsPerWeek),
				num(s.YieldPerWorker), s.YieldBasis, s.Workers, optInt(s.CurrentWorkers), s.MaxParallelism)
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(out)
	fmt.Fprintf(out, "VERDICT  %s: %s\n", t.Verdict.Reason, wrap(t.Verdict.Message, len("VERDICT  "+t.Verdict.Reason+": "), 9))
	for _, d := range t.DriftClasses {
		fmt.Fprintf(out, "  %s -> %s\n", d.Reason, d.Team)
	}
	return nil
}

// num is v as the table shows it: whole from 100 on, with up to two
// decimals below.
func num(v float64) string {
	if v == math.Trunc(v) || math.Abs(v) >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

func optNum(v *float64) string {
	if v == nil {
		return "-"
	}
	return num(*v)
}

func optInt(v *int32) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprint(*v)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// wrap breaks s into lines of at most 100 columns, the first starting at
// column first, the ones after it indented by indent.
func wrap(s string, first, indent int) string {
	var b strings.Builder
	col := first
	for i, word := range strings.Fields(s) {
		if i > 0 && col+1+len(word) > 100 {
			b.WriteString("\n" + strings.Repeat(" ", indent))
			col = indent
		} else if i > 0 {
			b.WriteString(" ")
			col++
		}
		b.WriteString(word)
		col += len(word)
	}
	return b.String()
}

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
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// header is the table's columns.
var header = []string{
	"archetype",
	"attainment %",
	"oracle %",
	"bought ÷ needed",
	"asked ±20% of need",
	"reasons shown/true (days)",
	"wrong blame",
	"unjudged",
	"zero · at capacity",
	"goals",
}

// abbreviations keep the reasons column narrow; the footer spells them out.
var abbreviations = map[string]string{
	v1alpha1.BalancedReason:               "Bal",
	v1alpha1.LeadOverflowReason:           "Overflow",
	v1alpha1.CapacityBelowQuotaNeedReason: "CapNeed",
	v1alpha1.LeadQualityLowReason:         "Quality",
	v1alpha1.LeadShortfallReason:          "Shortfall",
	v1alpha1.ConversionLowReason:          "Conv",
	v1alpha1.LeadsUnworkedReason:          "Unworked",
	v1alpha1.AwaitingMetricsReason:        "Awaiting",
}

// short is a reason's abbreviation.
func short(reason string) string {
	if s, ok := abbreviations[reason]; ok {
		return s
	}
	return reason
}

// cells are an outcome's row.
func (o outcome) cells() []string {
	goals := "yes"
	if miss := o.goals(); len(miss) > 0 {
		goals = "no: " + strings.Join(miss, "; ")
	}
	return []string{
		o.a.name,
		attainmentCell(o),
		spread(o.oracle),
		ratio(o.bought, o.needed),
		fmt.Sprintf("%d/%d", o.onNeed, o.days),
		reasonsCell(o),
		fmt.Sprint(o.wrongBlame),
		fmt.Sprint(o.unjudged),
		fmt.Sprintf("%d · %d", o.zero, o.atCapacity),
		goals,
	}
}

// attainmentCell lists up to four periods, and sums up more.
func attainmentCell(o outcome) string {
	if len(o.attainment) > 4 {
		in := 0
		for _, a := range o.attainment {
			if r := math.Round(a); r >= attainmentLow && r <= attainmentHigh {
				in++
			}
		}
		unit := "months"
		if o.a.team.cadence == v1alpha1.Weekly {
			unit = "weeks"
		}
		return fmt.Sprintf("%s, %d of %d %s in 95–105", spread(o.attainment), in, len(o.attainment), unit)
	}
	year := periodYear(o.periods)
	parts := make([]string, len(o.attainment))
	for i, a := range o.attainment {
		parts[i] = fmt.Sprintf("%s %.0f", label(o.periods[i], o.a.team.cadence, year), a)
	}
	return strings.Join(parts, " · ")
}

// spread is the lowest and highest of vs, in whole percent.
func spread(vs []float64) string {
	if len(vs) == 0 {
		return "n/a"
	}
	lo, hi := slices.Min(vs), slices.Max(vs)
	if math.Round(lo) == math.Round(hi) {
		return fmt.Sprintf("%.0f", lo)
	}
	return fmt.Sprintf("%.0f–%.0f", lo, hi)
}

// ratio is a ÷ b with two decimals.
func ratio(a, b float64) string {
	if b <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", a/b)
}

// reasonsCell is each class shown or true, shown/true days, in the
// design's order. A day shows and holds every class of its set, so the
// days of the classes may add up to more than the days counted.
func reasonsCell(o outcome) string {
	var parts []string
	seen := map[string]bool{}
	add := func(r string) {
		if seen[r] || o.shownDays[r]+o.trueDays[r] == 0 {
			return
		}
		seen[r] = true
		parts = append(parts, fmt.Sprintf("%s %d/%d", short(r), o.shownDays[r], o.trueDays[r]))
	}
	for _, r := range reasons {
		add(r)
	}
	var rest []string
	for r := range o.shownDays {
		if !seen[r] {
			rest = append(rest, r)
		}
	}
	slices.Sort(rest)
	for _, r := range rest {
		add(r)
	}
	return strings.Join(parts, " · ")
}

// printText writes the table with aligned columns.
func printText(w io.Writer, rows [][]string) {
	widths := make([]int, len(header))
	for _, row := range append([][]string{header}, rows...) {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	line := func(row []string) {
		var b strings.Builder
		for i, c := range row {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(c)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)))
			}
		}
		fmt.Fprintln(w, b.String())
	}
	line(header)
	rule := make([]string, len(header))
	for i := range rule {
		rule[i] = strings.Repeat("-", widths[i])
	}
	line(rule)
	for _, row := range rows {
		line(row)
	}
}

// printMarkdown writes the table as Markdown, for docs/decisions.md.
func printMarkdown(w io.Writer, rows [][]string) {
	line := func(row []string) {
		fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
	}
	line(header)
	rule := make([]string, len(header))
	for i := range rule {
		rule[i] = "---"
	}
	line(rule)
	for _, row := range rows {
		line(row)
	}
}

// footer says how the table was made and what its abbreviations mean.
func footer(o options) string {
	noise := "none"
	if o.noise > 0 {
		noise = fmt.Sprintf("lognormal, mean 1, σ %.2f, drawn each day for each campaign's leads and for the win rate of the leads worked that day", o.noise)
	}
	counts := "archetypes marked (counts) draw whole leads and deals from it: Poisson leads, binomial qualified, accepted and late leads and wins"
	if o.fluid {
		counts = "no archetype draws whole counts (-fluid)"
	}
	return fmt.Sprintf("Seed %d. Noise: %s; %s. "+
		"Marketing makes an allocation %d days after truce decides it. Teams start on 2027-01-01 (weekly ones on Monday 2027-01-04) in steady state, but for the new team; "+
		"reasons, asks and outreach are counted over the first %d days; attainment and leads over the year of periods whose leads are all bought in the run. "+
		"Oracle: attainment when marketing follows the perfect open-loop plan (the true rates and shocks, but neither the noise, the surge, marketing's own volume nor the windfall) under the same noise. "+
		"Reasons count every class truce listed each day (Result.Classes), against every class true that day. Bal = Balanced, Overflow = LeadOverflow, CapNeed = CapacityBelowQuotaNeed, Quality = LeadQualityLow, "+
		"Shortfall = LeadShortfall, Conv = ConversionLow, Unworked = LeadsUnworked, Awaiting = AwaitingMetrics.",
		o.seed, noise, counts, o.lag, o.days)
}

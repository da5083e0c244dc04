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

// Command decisions judges truce's model by its decisions: it simulates
// archetypal sales teams day by day for a year, with marketing following
// the allocations of balance.Evaluate, and prints one table of attainment,
// leads bought against needed, and the days each drift class was shown
// against the days it was true. It is the decision-quality counterpart of
// `make bench`.
//
// Run it with `make bench-decisions`; see docs/decisions.md.
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/balance"
)

func main() {
	o := options{}
	var markdown bool
	var only, detail string
	flag.Uint64Var(&o.seed, "seed", 1, "Seed of the noise.")
	flag.Float64Var(&o.noise, "noise", 0.10, "σ of the daily lognormal noise on leads made and on win rates; 0 for none.")
	flag.IntVar(&o.lag, "lag", 2, "Days from truce's allocation to marketing's production.")
	flag.IntVar(&o.days, "days", 365, "Days whose decisions are counted (the run lasts until the last judged period closes).")
	flag.BoolVar(&o.fluid, "fluid", false, "Draw no whole counts, even for the archetypes marked (counts): what they still miss is the model's, not the dice's.")
	flag.BoolVar(&markdown, "markdown", false, "Print the table as Markdown, for docs/decisions.md.")
	flag.StringVar(&only, "only", "", "Comma-separated archetype ids to run; all when empty.")
	flag.StringVar(&detail, "detail", "", "Print one archetype's days as CSV instead of the table: the truth, the verdict, every class shown, the samples, need, asks and the funnel.")
	flag.Parse()
	if o.days < 1 || o.lag < 0 || o.noise < 0 {
		fmt.Fprintln(os.Stderr, "-days must be positive, -lag and -noise not negative")
		os.Exit(2)
	}

	all := archetypes()
	if detail != "" {
		i := slices.IndexFunc(all, func(a archetype) bool { return a.id == detail })
		if i < 0 {
			fmt.Fprintf(os.Stderr, "No archetype %q; the ids are %s\n", detail, ids(all))
			os.Exit(2)
		}
		if err := printDetail(os.Stdout, simulate(&all[i], o, byTruce)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	var rows [][]string
	for i := range all {
		a := &all[i]
		if only != "" && !slices.Contains(strings.Split(only, ","), a.id) {
			continue
		}
		rows = append(rows, score(simulate(a, o, byTruce), simulate(a, o, byOracle)).cells())
	}
	if len(rows) == 0 {
		fmt.Fprintf(os.Stderr, "No archetype matches -only %q; the ids are %s\n", only, ids(all))
		os.Exit(2)
	}
	if markdown {
		printMarkdown(os.Stdout, rows)
	} else {
		printText(os.Stdout, rows)
	}
	fmt.Println()
	fmt.Println(footer(o))
}

func ids(all []archetype) string {
	var s []string
	for _, a := range all {
		s = append(s, a.id)
	}
	return strings.Join(s, ", ")
}

// printDetail writes a run's days as CSV: what truce showed and the truth.
func printDetail(w io.Writer, r *run) error {
	cw := csv.NewWriter(w)
	head := []string{"day", "date", "truth", "reason", "classes", "need", "demand", "capacity", "win_rate", "asked", "true_need",
		"supply", "qualified", "producing", "open", "pipeline", "made", "accepted", "worked", "won_deals", "won_revenue",
		"period_accepted", "period_past_sla", "quality_sample", "conversion_sample", "followup_sample", "unjudged"}
	for _, c := range r.a.team.campaigns {
		head = append(head, "alloc_"+c.name)
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	for d, dec := range r.days {
		i := r.w.i(d)
		var made float64
		for k := range r.a.team.campaigns {
			made += r.w.raw[k][i]
		}
		rec := []string{strconv.Itoa(d), r.w.date(d).Format("2006-01-02"), r.a.truthText(d), dec.reason,
			classesText(dec.driftClasses()),
			f(dec.need), f(dec.demand), f(dec.capacity), strconv.FormatFloat(100*dec.winRate, 'f', 2, 64), f(dec.allocated()), f(dec.needTrue),
			f(dec.supply), f(dec.qualifiedSupply), f(dec.producing), f(dec.open), f(dec.pipeline),
			f(made), f(r.w.accepted[i]), f(r.w.worked[i]), strconv.FormatFloat(r.w.wonDeals[i], 'f', 2, 64), f(r.w.wonRevenue[i]),
			f(dec.accepted), f(dec.pastSLA),
			sampleText(dec.samples, v1alpha1.QualitySample), sampleText(dec.samples, v1alpha1.ConversionSample),
			sampleText(dec.samples, v1alpha1.FollowUpSample), strings.Join(dec.unjudged, "+")}
		for _, a := range dec.alloc {
			rec = append(rec, f(a))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// sampleText is a sample as size/minimum, with "judged" when it was:
// "77/30 judged"; empty when the result has no such sample.
func sampleText(samples []balance.Sample, name v1alpha1.SampleName) string {
	for _, s := range samples {
		if s.Name == name {
			t := strconv.FormatFloat(s.Size, 'f', 0, 64) + "/" + strconv.FormatFloat(s.Minimum, 'f', 0, 64)
			if s.Judged {
				t += " judged"
			}
			return t
		}
	}
	return ""
}

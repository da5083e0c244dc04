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

package observability

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// The rules of Grafana's dashboard linter (github.com/grafana/dashboard-linter)
// that the dashboard follows, checked here as the linter checks them. The
// linter itself cannot be a dependency: it has no release the module proxy
// serves, and it imports AGPL-licensed Grafana and Loki modules.
//
//   - template-job-rule, template-instance-rule: `job` and `instance`
//     variables, Prometheus queries on $datasource, multi-select, labelled
//     "Job" and "Instance", with ".+" as the value of All;
//   - target-job-rule, target-instance-rule: every selector matches
//     job=~"$job" and instance=~"$instance";
//   - target-rate-interval-rule: rate and irate take $__rate_interval;
//   - panel-units-rule: stat, time series and gauge panels without value
//     mappings have a unit Grafana knows (its unit ids, or a custom unit
//     such as "suffix: leads/wk").

// rateIntervalMagic stands for $__rate_interval while a query is parsed, as
// the linter does, so the range a rate takes can be told apart.
const rateIntervalMagic = 7*time.Minute + 13*time.Second

type lintDashboard struct {
	Templating struct {
		List []templateVar `json:"list"`
	} `json:"templating"`
	Panels []lintPanel `json:"panels"`
}

type templateVar struct {
	Name       string `json:"name"`
	Label      string `json:"label"`
	Type       string `json:"type"`
	Multi      bool   `json:"multi"`
	AllValue   string `json:"allValue"`
	Datasource struct {
		UID string `json:"uid"`
	} `json:"datasource"`
}

type lintPanel struct {
	Title       string `json:"title"`
	Type        string `json:"type"`
	FieldConfig struct {
		Defaults struct {
			Unit     string            `json:"unit"`
			Mappings []json.RawMessage `json:"mappings"`
		} `json:"defaults"`
		Overrides []struct {
			Properties []struct {
				ID    string `json:"id"`
				Value any    `json:"value"`
			} `json:"properties"`
		} `json:"overrides"`
	} `json:"fieldConfig"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []lintPanel `json:"panels"`
}

func readLintDashboard(t *testing.T) (lintDashboard, []lintPanel) {
	t.Helper()
	b, err := os.ReadFile(dashboard)
	if err != nil {
		t.Fatal(err)
	}
	var d lintDashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	var all []lintPanel
	var walk func([]lintPanel)
	walk = func(ps []lintPanel) {
		for _, p := range ps {
			if p.Type != "row" {
				all = append(all, p)
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return d, all
}

// parseLint parses a panel's query with $__rate_interval as the magic
// duration and the other variables left in their label values.
func parseLint(t *testing.T, expr string) parser.Expr {
	t.Helper()
	for _, v := range []string{"${__rate_interval}", "$__rate_interval"} {
		expr = strings.ReplaceAll(expr, v, "7m13s")
	}
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		t.Fatalf("%q does not parse: %v", expr, err)
	}
	return e
}

func TestDashboardJobAndInstanceTemplates(t *testing.T) {
	d, _ := readLintDashboard(t)
	for _, name := range []string{"job", "instance"} {
		i := slices.IndexFunc(d.Templating.List, func(v templateVar) bool { return v.Name == name })
		if i < 0 {
			t.Errorf("the dashboard has no %s variable", name)
			continue
		}
		v := d.Templating.List[i]
		if v.Type != "query" || (v.Datasource.UID != "$datasource" && v.Datasource.UID != "${datasource}") {
			t.Errorf("the %s variable is a %s on %q, want a query on $datasource", name, v.Type, v.Datasource.UID)
		}
		if want := strings.ToUpper(name[:1]) + name[1:]; v.Label != want {
			t.Errorf("the %s variable is labelled %q, want %q", name, v.Label, want)
		}
		if !v.Multi || v.AllValue != ".+" {
			t.Errorf("the %s variable: multi %v, allValue %q; want a multi-select whose All is .+", name, v.Multi, v.AllValue)
		}
	}
}

func TestDashboardTargetsMatchJobAndInstance(t *testing.T) {
	_, panels := readLintDashboard(t)
	for _, p := range panels {
		for _, target := range p.Targets {
			for _, sel := range parser.ExtractSelectors(parseLint(t, target.Expr)) {
				for _, label := range []string{"job", "instance"} {
					if !slices.ContainsFunc(sel, func(m *labels.Matcher) bool {
						return m.Name == label && m.Type == labels.MatchRegexp && m.Value == "$"+label
					}) {
						t.Errorf("panel %q: a selector of %q lacks %s=~\"$%s\"", p.Title, target.Expr, label, label)
					}
				}
			}
		}
	}
}

func TestDashboardRatesTakeTheRateInterval(t *testing.T) {
	_, panels := readLintDashboard(t)
	rates := 0
	for _, p := range panels {
		for _, target := range p.Targets {
			parser.Inspect(parseLint(t, target.Expr), func(n parser.Node, path []parser.Node) error {
				ms, ok := n.(*parser.MatrixSelector)
				if !ok || len(path) == 0 {
					return nil
				}
				call, ok := path[len(path)-1].(*parser.Call)
				if !ok || (call.Func.Name != "rate" && call.Func.Name != "irate") {
					return nil
				}
				rates++
				if ms.Range != rateIntervalMagic {
					t.Errorf("panel %q: %q takes a rate over %s, not $__rate_interval", p.Title, target.Expr, ms.Range)
				}
				return nil
			})
		}
	}
	if rates == 0 {
		t.Error("no rate found: is the dashboard read right?")
	}
}

// grafanaUnits are the unit ids the linter knows (Grafana's value formats)
// that a funnel's panels may use; custom units are checked by their prefix.
var grafanaUnits = []string{"none", "short", "percent", "percentunit", "s", "ms", "m", "h", "d",
	"ops", "reqps", "rps", "cps", "bool", "dateTimeAsIso", "dateTimeFromNow", "currencyUSD", "currencyEUR", "currencyGBP"}

func TestDashboardPanelsHaveUnits(t *testing.T) {
	_, panels := readLintDashboard(t)
	for _, p := range panels {
		if !slices.Contains([]string{"stat", "singlestat", "graph", "table-old", "timeseries", "gauge"}, p.Type) ||
			len(p.FieldConfig.Defaults.Mappings) > 0 {
			continue
		}
		unit := p.FieldConfig.Defaults.Unit
		for _, o := range p.FieldConfig.Overrides {
			for _, prop := range o.Properties {
				if u, ok := prop.Value.(string); ok && prop.ID == "unit" {
					unit = u
				}
			}
		}
		custom := false
		for _, prefix := range []string{"suffix:", "prefix:", "si:", "count:", "currency:", "time:"} {
			custom = custom || (strings.HasPrefix(unit, prefix) && len(unit) > len(prefix))
		}
		if !custom && !slices.Contains(grafanaUnits, unit) {
			t.Errorf("panel %q has no unit Grafana knows: %q", p.Title, unit)
		}
	}
}

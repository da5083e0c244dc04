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

// Package observability tests what truce ships for Prometheus and Grafana:
// every query of the dashboard (config/grafana) and every rule expression
// (config/prometheus) parses with Prometheus' own parser and names only
// metrics truce exports (internal/telemetry/exported_metrics.txt, the list
// the registry test checks truce serves), and promtool's unit tests cover
// every alert firing and not firing.
package observability

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"sigs.k8s.io/yaml"
)

const (
	exportedList = "../../internal/telemetry/exported_metrics.txt"
	dashboard    = "../../config/grafana/truce-dashboard.json"
	ruleFile     = "../../config/prometheus/prometheusrule.yaml"
	ruleTests    = "../../config/prometheus/rules_test.yaml"
)

// exported reads the list of metric names and types truce exports.
func exported(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(exportedList)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		out[f[0]] = f[1]
	}
	if len(out) == 0 {
		t.Fatal("no metrics listed in " + exportedList)
	}
	return out
}

// known reports whether a selector's metric name is one truce exports: a
// listed name, or a listed histogram's _bucket, _sum or _count series.
func known(list map[string]string, name string) bool {
	if _, ok := list[name]; ok {
		return true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && list[base] == "histogram" {
			return true
		}
	}
	return false
}

// metricNames parses expr with Prometheus' parser and returns the metric
// name of each selector in it.
func metricNames(t *testing.T, expr string) []string {
	t.Helper()
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		t.Errorf("%q does not parse: %v", expr, err)
		return nil
	}
	var names []string
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		name := vs.Name
		for _, m := range vs.LabelMatchers {
			if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
				name = m.Value
			}
		}
		if name == "" {
			t.Errorf("%q selects series without naming a metric", expr)
		}
		names = append(names, name)
		return nil
	})
	if len(names) == 0 {
		t.Errorf("%q names no metric", expr)
	}
	return names
}

// grafanaVariables replaces the dashboard's variables with values the parser
// accepts: each stands for a label value or a regular expression.
var grafanaVariables = regexp.MustCompile(`\$\{?(namespace|target|job|instance|datasource|__rate_interval|__interval)\}?`)

func substitute(expr string) string {
	return grafanaVariables.ReplaceAllStringFunc(expr, func(v string) string {
		if strings.Contains(v, "interval") {
			return "5m"
		}
		return "x"
	})
}

type panel struct {
	Title   string `json:"title"`
	Type    string `json:"type"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}

type dashboardJSON struct {
	Title      string `json:"title"`
	UID        string `json:"uid"`
	Templating struct {
		List []struct {
			Name  string          `json:"name"`
			Type  string          `json:"type"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
	Panels []panel `json:"panels"`
}

var labelValues = regexp.MustCompile(`^label_values\((.*),\s*([a-z_]+)\)$`)

func TestDashboardQueriesNameOnlyExportedMetrics(t *testing.T) {
	list := exported(t)
	b, err := os.ReadFile(dashboard)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboardJSON
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", dashboard, err)
	}
	vars := map[string]bool{}
	for _, v := range d.Templating.List {
		vars[v.Name] = true
		if v.Type != "query" {
			continue
		}
		var q struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(v.Query, &q); err != nil {
			t.Fatalf("variable %s: %v", v.Name, err)
		}
		m := labelValues.FindStringSubmatch(q.Query)
		if m == nil {
			t.Errorf("variable %s: %q is not label_values(<selector>, <label>)", v.Name, q.Query)
			continue
		}
		for _, name := range metricNames(t, substitute(m[1])) {
			if !known(list, name) {
				t.Errorf("variable %s names %s, which truce does not export", v.Name, name)
			}
		}
	}
	for _, want := range []string{"datasource", "namespace", "target"} {
		if !vars[want] {
			t.Errorf("the dashboard has no %q variable", want)
		}
	}

	var all []panel
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			all = append(all, p)
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	queries := 0
	for _, p := range all {
		if p.Type == "row" {
			continue
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, target := range p.Targets {
			queries++
			names := metricNames(t, substitute(target.Expr))
			for _, name := range names {
				if !known(list, name) {
					t.Errorf("panel %q: %s is not a metric truce exports", p.Title, name)
				}
				// The funnel's panels follow the namespace and target variables.
				if strings.HasPrefix(name, "truce_salestarget_") || strings.HasPrefix(name, "truce_campaign_") {
					if !strings.Contains(target.Expr, `namespace="$namespace"`) || !strings.Contains(target.Expr, `salestarget=~"$target"`) {
						t.Errorf("panel %q: %q ignores the namespace or target variable", p.Title, target.Expr)
					}
				}
			}
		}
	}
	if queries < 10 {
		t.Errorf("only %d queries found: is the dashboard read right?", queries)
	}
}

// ruleGroups is the spec of the PrometheusRule: plain Prometheus rule groups.
type ruleGroups struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []struct {
			Alert  string `json:"alert"`
			Record string `json:"record"`
			Expr   string `json:"expr"`
		} `json:"rules"`
	} `json:"groups"`
}

// extractRules returns the PrometheusRule's spec as a rule file's YAML, and
// the alerts in it.
func extractRules(t *testing.T) ([]byte, ruleGroups) {
	t.Helper()
	b, err := os.ReadFile(ruleFile)
	if err != nil {
		t.Fatal(err)
	}
	var pr struct {
		Kind string          `json:"kind"`
		Spec json.RawMessage `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &pr); err != nil {
		t.Fatalf("%s: %v", ruleFile, err)
	}
	if pr.Kind != "PrometheusRule" {
		t.Fatalf("%s is a %q, not a PrometheusRule", ruleFile, pr.Kind)
	}
	var groups ruleGroups
	if err := json.Unmarshal(pr.Spec, &groups); err != nil {
		t.Fatal(err)
	}
	plain, err := yaml.JSONToYAML(pr.Spec)
	if err != nil {
		t.Fatal(err)
	}
	return plain, groups
}

func TestRuleExpressionsNameOnlyExportedMetrics(t *testing.T) {
	list := exported(t)
	_, groups := extractRules(t)
	alerts := 0
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			alerts++
			for _, name := range metricNames(t, r.Expr) {
				if !known(list, name) {
					t.Errorf("alert %s: %s is not a metric truce exports", r.Alert, name)
				}
			}
		}
	}
	if alerts == 0 {
		t.Fatal("no rules found")
	}
}

// TestPromtoolRuleTests runs promtool, built pinned by hack/promtool.sh, on
// the rule groups and their unit tests, and checks that every alert is
// tested both firing and not firing.
func TestPromtoolRuleTests(t *testing.T) {
	promtool := os.Getenv("TRUCE_PROMTOOL")
	if promtool == "" {
		out, err := exec.Command("../../hack/promtool.sh").Output()
		if err != nil {
			t.Fatalf("building promtool: %v", err)
		}
		promtool = strings.TrimSpace(string(out))
	}
	plain, groups := extractRules(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), plain, 0o644); err != nil {
		t.Fatal(err)
	}
	tests, err := os.ReadFile(ruleTests)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules_test.yaml"), tests, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"check", "rules", "rules.yaml"}, {"test", "rules", "rules_test.yaml"}} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		} else {
			t.Logf("promtool %s:\n%s", strings.Join(args, " "), out)
		}
	}

	var unit struct {
		Tests []struct {
			AlertRuleTest []struct {
				Alertname string            `json:"alertname"`
				ExpAlerts []json.RawMessage `json:"exp_alerts"`
			} `json:"alert_rule_test"`
		} `json:"tests"`
	}
	if err := yaml.Unmarshal(tests, &unit); err != nil {
		t.Fatal(err)
	}
	fires, silent := map[string]bool{}, map[string]bool{}
	for _, tc := range unit.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			} else {
				silent[a.Alertname] = true
			}
		}
	}
	var names []string
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			names = append(names, r.Alert)
			if !fires[r.Alert] {
				t.Errorf("no unit test sees %s fire", r.Alert)
			}
			if !silent[r.Alert] {
				t.Errorf("no unit test sees %s stay silent", r.Alert)
			}
		}
	}
	for name := range fires {
		if !slices.Contains(names, name) {
			t.Errorf("rules_test.yaml tests %s, which no rule defines", name)
		}
	}
}

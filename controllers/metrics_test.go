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

package controllers

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/metrics"
	"github.com/truce-dev/truce/internal/status"
)

// recordHealth is what a poll records of one round of reads: each query's
// health and the MetricsAvailable condition.
func recordHealth(list *[]v1alpha1.MetricStatus, conds *[]metav1.Condition, gen int64, queries []namedQuery, o observed) {
	*list = health(*list, queries, o)
	s, reason, msg := metricsCondition(queries, o)
	status.Set(conds, gen, v1alpha1.MetricsAvailableCondition, s, reason, msg)
}

func TestRecordHealth(t *testing.T) {
	queries := []namedQuery{{name: "leads", query: "a"}, {name: "qualifiedLeads", query: "b"}}
	var health []v1alpha1.MetricStatus
	var conds []metav1.Condition
	available := func() metav1.ConditionStatus {
		return meta.FindStatusCondition(conds, v1alpha1.MetricsAvailableCondition).Status
	}

	now := time.Date(2026, 5, 20, 10, 0, 0, 0, time.UTC)
	round := func(seconds int, values map[string]float64, errs map[string]error) observed {
		return observed{at: now.Add(time.Duration(seconds) * time.Second), interval: 30 * time.Second, values: values, errs: errs}
	}
	recordHealth(&health, &conds, 1, queries, round(0, map[string]float64{"leads": 120, "qualifiedLeads": 40}, nil))
	if available() != metav1.ConditionTrue || len(health) != 2 || health[0].Value.String() != "120" {
		t.Fatalf("all read: got %s, %+v", available(), health)
	}

	failure := errors.New("TimedOut: query \"a\": deadline exceeded")
	for i := 1; i <= 3; i++ {
		recordHealth(&health, &conds, 1, queries, round(30*i, map[string]float64{"qualifiedLeads": 40}, map[string]error{"leads": failure}))
		if available() != metav1.ConditionFalse || health[0].ConsecutiveFailures != int32(i) {
			t.Fatalf("failure %d: got %s, %+v", i, available(), health[0])
		}
	}
	// Reconciles between polls see the cached failure again: not a new one.
	recordHealth(&health, &conds, 1, queries, round(95, map[string]float64{"qualifiedLeads": 40}, map[string]error{"leads": failure}))
	if health[0].ConsecutiveFailures != 3 {
		t.Fatalf("a failure counted twice in one interval: %+v", health[0])
	}
	if health[0].Value.String() != "120" || health[0].LastError != failure.Error() {
		t.Fatalf("a failure must keep the last value and say why: %+v", health[0])
	}

	// A query removed from the spec leaves status.
	recordHealth(&health, &conds, 2, queries[:1], round(120, map[string]float64{"leads": 100}, nil))
	if len(health) != 1 || health[0].Name != "leads" || health[0].ConsecutiveFailures != 0 || health[0].LastError != "" || health[0].LastFailureTime != nil {
		t.Fatalf("after recovery with one query: %+v", health)
	}

	recordHealth(&health, &conds, 3, nil, round(150, nil, nil))
	if available() != metav1.ConditionTrue || len(health) != 0 {
		t.Fatalf("no queries: got %s, %+v", available(), health)
	}
}

func TestRecordHealthBoundsItsMessages(t *testing.T) {
	long := strings.Repeat("sum(increase(marketing_leads_total{campaign=\"é\"}[$window])) + ", 60)
	var queries []namedQuery
	errs := map[string]error{}
	for i := range 8 {
		name := fmt.Sprintf("metric%d", i)
		queries = append(queries, namedQuery{name: name, query: v1alpha1.Query(long)})
		errs[name] = &metrics.Error{Kind: metrics.BadQuery, Query: long, Err: errors.New("the source rejected the query")}
	}
	var health []v1alpha1.MetricStatus
	var conds []metav1.Condition
	o := observed{at: time.Now(), interval: 30 * time.Second, values: map[string]float64{}, errs: errs,
		notes: []string{"spec.metrics.source.http.timeoutSeconds 300 is above the controller's ceiling; 30s is used"}}
	recordHealth(&health, &conds, 1, queries, o)
	for _, m := range health {
		if len(m.LastError) > status.MaxErrorMessage || !utf8.ValidString(m.LastError) {
			t.Fatalf("lastError of %d bytes (valid UTF-8: %v), want at most %d", len(m.LastError), utf8.ValidString(m.LastError), status.MaxErrorMessage)
		}
		if !strings.HasPrefix(m.LastError, "BadQuery") {
			t.Fatalf("the cut lost the kind: %q", m.LastError)
		}
	}
	c := meta.FindStatusCondition(conds, v1alpha1.MetricsAvailableCondition)
	if len(c.Message) > status.MaxConditionMessage || !utf8.ValidString(c.Message) {
		t.Fatalf("a condition message of %d bytes, want at most %d", len(c.Message), status.MaxConditionMessage)
	}
	if !strings.HasSuffix(c.Message, "holding the last values read; spec.metrics.source.http.timeoutSeconds 300 is above the controller's ceiling; 30s is used") {
		t.Fatalf("the cut lost the outcome or the note: %q", c.Message)
	}
}

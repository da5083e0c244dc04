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
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/balance"
	"github.com/truce-dev/truce/internal/metrics"
)

// loadSample reads a sample manifest into obj, for tests without an API server.
func loadSample(t *testing.T, file string, obj any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "config", "samples", file))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, obj); err != nil {
		t.Fatal(err)
	}
}

// A source that is down at 00:05 on the first day of a quarter must not
// carry last quarter's bookings into the new one (attainment 92%, need next
// to nothing, every campaign scaled down), nor count zero (the whole quota
// again, every campaign scaled up on a failed read). The sample team plans in
// Europe/Berlin, where Q2 begins on summer time (UTC+2) and Q1 began on
// winter time (UTC+1).
func TestANewPeriodStartsFromZeroNotFromLastPeriodsBookings(t *testing.T) {
	st := &v1alpha1.SalesTarget{}
	loadSample(t, targetSample, st)
	st.Generation = 1
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	q1Start := time.Date(2026, time.January, 1, 0, 0, 0, 0, berlin)
	q2Start := time.Date(2026, time.April, 1, 0, 0, 0, 0, berlin)
	if got := q2Start.UTC(); got != time.Date(2026, time.March, 31, 22, 0, 0, 0, time.UTC) {
		t.Fatalf("Q2 in Berlin begins at %s UTC; the test assumes summer time", got)
	}
	camp := v1alpha1.Campaign{}
	loadSample(t, jobCampaignSample, &camp)
	camp.Status.LeadsPerWeek = ptr.To(resource.MustParse("84"))
	down := &metrics.Error{Kind: metrics.Unreachable, Query: "q", Err: errors.New("connection refused")}
	reconcile := func(now time.Time, booked *float64) {
		t.Helper()
		p := balance.CurrentPeriod(v1alpha1.Quarterly, berlin, now)
		o := observed{at: now, interval: 30 * time.Second, values: map[string]float64{}, errs: map[string]error{}}
		for _, m := range []v1alpha1.SalesTargetMetric{v1alpha1.ClosedWonRevenueMetric, v1alpha1.ClosedWonDealsMetric, v1alpha1.AcceptedLeadsMetric, v1alpha1.PipelineLeadsMetric} {
			o.errs[string(m)] = down
		}
		o.values[string(v1alpha1.OpenLeadsMetric)] = 10
		if booked != nil {
			delete(o.errs, string(v1alpha1.ClosedWonRevenueMetric))
			o.values[string(v1alpha1.ClosedWonRevenueMetric)] = *booked
		}
		decideSalesTargetStatus(st, salesTargetInput{target: st, period: &p, loc: berlin, observed: o, campaigns: []v1alpha1.Campaign{camp}}, now)
	}
	cond := func(typ string) *metav1.Condition { return meta.FindStatusCondition(st.Status.Conditions, typ) }

	// An hour before Q1 ends the CRM reports 1.1M (92% of quota). A lead
	// made now closes 30 days later, in Q2, so need plans for Q2: its 1.2M,
	// less what the pipeline will close in it (no pipeline value is read:
	// 30 days of the campaign's 84 leads/wk, 60% accepted, 1200 per accepted
	// lead, 259k), over the 61 days of leads that close in it, in campaign
	// leads worth 720 each: 941k / 720 / 8.72 = 150/wk. Q1's last 100k is
	// not asked for in a burst of all of capacity (375/wk).
	reconcile(q2Start.Add(-time.Hour), ptr.To(1100000.0))
	if got := st.Status.AttainmentPercent.String(); got != "92" {
		t.Fatalf("Q1 attainment %s, want 92", got)
	}
	if h := st.Status.Horizon; h == nil || h.Period != "2026-Q2" || h.InFlightBasis != v1alpha1.SupplyEstimateBasis ||
		!h.Start.Time.Equal(q2Start) || math.Abs(h.InFlight.AsApproximateFloat64()-258.8e3) > 500 {
		t.Fatalf("an hour before Q1 ends, the horizon is %+v; want 2026-Q2 with 259k in flight, estimated from supply", h)
	}
	q1Demand := st.Status.DemandLeadsPerWeek.String()
	if q1Demand != "150" {
		t.Fatalf("Q1's last hour: demand %s, want Q2's 150", q1Demand)
	}
	if !st.Status.PeriodStart.Time.Equal(q1Start) {
		t.Fatalf("period start %s, want %s", st.Status.PeriodStart, q1Start)
	}
	// Five minutes before the boundary the source fails: within the
	// period, the last good value holds.
	reconcile(q2Start.Add(-5*time.Minute), nil)
	if got := st.Status.AttainmentPercent.String(); got != "92" {
		t.Errorf("an outage within Q1: attainment %s, want the held 92", got)
	}

	// 00:05 on 1 April, Berlin time: the source is still down.
	for _, at := range []time.Duration{5 * time.Minute, 10 * time.Minute} {
		reconcile(q2Start.Add(at), nil)
		if !st.Status.PeriodStart.Time.Equal(q2Start) {
			t.Fatalf("period start %s, want %s", st.Status.PeriodStart, q2Start)
		}
		if st.Status.AttainmentPercent != nil {
			t.Errorf("+%s: attainment %s; last quarter's bookings were counted in the new one", at, st.Status.AttainmentPercent)
		}
		if got := st.Status.DemandLeadsPerWeek.String(); got != q1Demand {
			t.Errorf("+%s: demand %s, want it held at %s where it was", at, got, q1Demand)
		}
		if got := st.Status.Campaigns[0].AllocatedLeadsPerWeek.String(); got != q1Demand {
			t.Errorf("+%s: the campaign's share is %s, want the held %s", at, got, q1Demand)
		}
		for _, m := range st.Status.Metrics {
			if m.Name == string(v1alpha1.ClosedWonRevenueMetric) && m.Value != nil {
				t.Errorf("+%s: status still holds %s of revenue from the last quarter", at, m.Value)
			}
		}
		c := cond(v1alpha1.MetricsAvailableCondition)
		if c.Status != metav1.ConditionFalse || c.Reason != v1alpha1.BookingsUnknownReason ||
			!strings.Contains(c.Message, "bookings of the period that began 2026-04-01T00:00:00+02:00 are unknown") ||
			!strings.Contains(c.Message, "demand is held at 150 leads/wk") {
			t.Errorf("+%s: MetricsAvailable %s/%s: %q", at, c.Status, c.Reason, c.Message)
		}
		if qr := cond(v1alpha1.QuotaAtRiskCondition); qr.Status != metav1.ConditionUnknown {
			t.Errorf("+%s: QuotaAtRisk %s: %s, want Unknown while bookings are unknown", at, qr.Status, qr.Message)
		}
	}

	// The source recovers: Q2 has booked nothing yet, and the pipeline
	// closes in it in full: (1.2M − 259k) / 720 / 8.71 weeks = 150 leads/wk,
	// what was planned for Q2 before it began.
	reconcile(q2Start.Add(15*time.Minute), ptr.To(0.0))
	if got := st.Status.AttainmentPercent.String(); got != "0" {
		t.Errorf("after recovery: attainment %s, want 0", got)
	}
	if got := st.Status.DemandLeadsPerWeek.String(); got != "150" {
		t.Errorf("after recovery: demand %s, want the new quarter's 150", got)
	}
	if c := cond(v1alpha1.MetricsAvailableCondition); c.Reason == v1alpha1.BookingsUnknownReason {
		t.Errorf("after recovery MetricsAvailable still says %q", c.Message)
	}
}

func TestInFlightMovesStatusEveryFewHoursNotEveryPoll(t *testing.T) {
	for v, want := range map[float64]string{396000: "396k", 105600: "106k", 1234567: "1230k", 87.4: "87", 0: "0"} {
		if got := significant(v).String(); got != want {
			t.Errorf("%v: got %s, want %s", v, got, want)
		}
	}
}

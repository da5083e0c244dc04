//go:build e2e

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

package e2e

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/simclock"
)

// The simulated-clock spec's objects (testdata/clock.yaml) and the timeline
// its truce and its simulator (testdata/funnel-cycle.yaml) share.
const (
	clockNamespace = "e2e-clock"
	clockTarget    = "e2e-clock-team"
	clockCampaign  = "e2e-clock-outreach"
	// clockSpeed is a simulated week every 30 real seconds.
	clockSpeed = 20160
	// steadyLeadsPerWeek is the campaign leads a week that make the
	// team's quota in the scenario's steady state.
	steadyLeadsPerWeek = 100
)

var (
	clockStart = time.Date(2027, 5, 27, 0, 0, 0, 0, time.UTC)
	q2Start    = time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC)
	q2End      = time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC)
	q3End      = time.Date(2027, 10, 1, 0, 0, 0, 0, time.UTC)
	salesCycle = 30 * 24 * time.Hour
	// horizonSwitch is when a lead made now stops closing in Q2, June
	// 1st: from then on truce plans for Q3.
	horizonSwitch = q2End.Add(-salesCycle)
	clockEnd      = q2End.Add(36 * time.Hour)
	// settled is when the loop, started from nothing, runs at its share.
	settled = clockStart.Add(24 * time.Hour)
	// switchGuard is how close to a switch a sample is not judged: a poll
	// (an hour), the reconcile, and the stabilization window (6 hours).
	switchGuard = 12 * time.Hour
)

var _ = Describe("a SalesTarget on a simulated clock", func() {
	It("plans for the period a lead closes in, across the end of a quarter, with leads that close a cycle later", func() {
		truceBin, simBin := required("TRUCE_BIN"), required("FUNNELSIM_BIN")
		origin := time.Now()
		clk, err := simclock.New(clockStart, origin, clockSpeed, clock.RealClock{})
		Expect(err).NotTo(HaveOccurred())
		timeline := []string{
			"--clock-start=" + clockStart.Format(time.RFC3339),
			"--clock-origin=" + origin.Format(time.RFC3339Nano),
		}

		By("starting a simulator and a truce of its own on one simulated timeline, from " + clockStart.Format(time.DateOnly))
		kubectl("apply", "-f", "testdata/clock.yaml")
		DeferCleanup(func() { kubectl("delete", "namespace", clockNamespace, "--wait=false") })
		sim, simURL := runFunnelsim("funnelsim-clock", simBin, "testdata/funnel-cycle.yaml", timeline...)
		DeferCleanup(func() { sim.Stop(15 * time.Second) })
		p, _ := runTruce("truce-clock", truceBin, append(timeline,
			fmt.Sprintf("--clock-speed=%d", clockSpeed),
			"--metrics-url="+simURL+"/funnel",
			"--namespace-selector=truce.dev/clock=simulated")...)
		DeferCleanup(func() { p.Stop(15 * time.Second) })

		trace := &clockTrace{clock: clk, simURL: simURL}
		By("planning for Q2 until a lead made now would close after it, on June 1st")
		trace.until(horizonSwitch)
		By("planning for Q3 from June 1st, while Q2's leads still close")
		trace.until(q2End)
		By("starting Q3 on July 1st from no bookings")
		trace.until(clockEnd)
		GinkgoWriter.Println(trace.table())

		By("having told the same simulated time as the simulator")
		for _, s := range trace.samples {
			Expect(s.simNow).To(BeTemporally(">=", s.at.Add(-2*time.Hour)), "the simulator's clock, read after %s", s.at)
			Expect(s.simNow).To(BeTemporally("<=", s.answered.Add(2*time.Hour)), "the simulator's clock, answered by %s", s.answered)
		}

		By("counting Q2 until July 1st and Q3 from then on, in simulated time")
		for _, s := range trace.between(settled, q2End) {
			Expect(s.period).To(Equal(period{q2Start, q2End}), "truce's period at %s", s.at)
			Expect(s.simPeriod).To(Equal("2027-Q2"), "the simulator's period at %s", s.at)
		}
		for _, s := range trace.between(q2End, clockEnd) {
			Expect(s.period).To(Equal(period{q2End, q3End}), "truce's period at %s", s.at)
			Expect(s.simPeriod).To(Equal("2027-Q3"), "the simulator's period at %s", s.at)
		}
		first := trace.firstIn(period{q2End, q3End})
		Expect(first).NotTo(BeNil(), "truce never moved to Q3")
		Expect(first.at).To(BeTemporally(">=", q2End.Add(-time.Hour)), "truce moved to Q3 before its clock reached July 1st")

		By("starting Q3's bookings from zero")
		before, after := trace.last(q2End.Add(-switchGuard)), trace.last(clockEnd)
		Expect(before.attainment).To(BeNumerically(">", 50), "Q2's attainment near its end")
		Expect(after.simWon).To(BeNumerically("<", 0.05*364000), "the simulator's Q3 bookings")
		Expect(after.attainment).To(BeNumerically("<", 5), "Q3's attainment a day and a half in")

		By("closing the leads sales works a cycle later")
		// The pipeline at the end is what sales worked in the last cycle,
		// not closed yet, and what it has not worked yet.
		cycleAgo := trace.last(after.at.Add(-salesCycle))
		worked := after.simWorked - cycleAgo.simWorked
		Expect(after.simPipeline-after.simOpen).To(BeNumerically("~", worked, 0.05*worked+1),
			"leads worked within the last cycle (%s to %s)", cycleAgo.at.Format(time.DateTime), after.at.Format(time.DateTime))
		// Q3's bookings are the deals of the leads worked from a cycle
		// before it began: 4.6% of them at 10k.
		q3Worked := cycleAgo.simWorked - trace.last(horizonSwitch).simWorked
		Expect(after.simWon).To(BeNumerically("~", q3Worked*0.046*10000, 0.2*q3Worked*0.046*10000+1000),
			"Q3's bookings, from the %.0f leads worked from June 1st to %s", q3Worked, cycleAgo.at.Format(time.DateTime))
		GinkgoWriter.Printf("at %s: %.0f leads in the pipeline, %.0f of them worked since %s; Q3 booked %.0f from %.0f leads worked a cycle before\n",
			after.at.Format(time.DateTime), after.simPipeline, worked, cycleAgo.at.Format(time.DateTime), after.simWon, q3Worked)

		By("planning for Q2, and spreading over Q3 too, until June 1st; for Q3 from then on")
		model := &modelCheck{}
		for _, s := range trace.between(settled, horizonSwitch) {
			at := s.at.Format(time.DateTime)
			model.expect("Q2 planned before June 1st", s.horizon == (horizon{"2027-Q2", period{q2Start, q2End}, "2027-Q3"}),
				"horizon %+v at %s, want 2027-Q2 and also 2027-Q3 (less than a week of leads left for Q2)", s.horizon, at)
			want := max(horizonSwitch.Sub(s.at), 24*time.Hour).Hours() / (7 * 24)
			model.expect("Q2's lead weeks left", math.Abs(s.leadWeeksLeft-want) <= 0.1,
				"%.1f weeks of leads left at %s, want %.2f", s.leadWeeksLeft, at, want)
		}
		for _, s := range trace.between(horizonSwitch, clockEnd) {
			at := s.at.Format(time.DateTime)
			model.expect("Q3 planned from June 1st", s.horizon == (horizon{"2027-Q3", period{q2End, q3End}, ""}),
				"horizon %+v at %s, want 2027-Q3 alone", s.horizon, at)
			want := q3End.Add(-salesCycle).Sub(s.at).Hours() / (7 * 24)
			model.expect("Q3's lead weeks left", math.Abs(s.leadWeeksLeft-want) <= 0.1,
				"%.1f weeks of leads left at %s, want %.2f", s.leadWeeksLeft, at, want)
			// The pipeline's leads close evenly over the next cycle: from
			// June 1st, those that close after July 1st count for Q3, at
			// the planned 4.6% and the observed 10k deal.
			share := min(1, s.at.Sub(horizonSwitch).Hours()/salesCycle.Hours())
			wantInFlight := s.simPipeline * share * 0.046 * 10000
			model.expect("in flight for Q3 from the pipeline", math.Abs(s.inFlight-wantInFlight) <= 0.05*wantInFlight+1000,
				"%.0f in flight for Q3 at %s, want %.0f: %.0f%% of the %.0f leads in the pipeline", s.inFlight, at, wantInFlight, 100*share, s.simPipeline)
		}
		for _, s := range trace.between(settled, clockEnd) {
			model.expect("pipeline read", s.inFlightBasis == v1alpha1.PipelineQueryBasis,
				"inFlightBasis %q at %s", s.inFlightBasis, s.at.Format(time.DateTime))
		}

		By("asking, across the switch, for about the steady rate and never for all of capacity")
		for _, s := range trace.between(settled, clockEnd) {
			at := s.at.Format(time.DateTime)
			model.expect("need near the steady rate", s.need != nil && math.Abs(*s.need-steadyLeadsPerWeek) <= 0.25*steadyLeadsPerWeek,
				"need %s at %s, want %d±25%%", show(s.need), at, steadyLeadsPerWeek)
			model.expect("need below capacity", s.need != nil && s.capacity != nil && *s.need < *s.capacity,
				"need %s at %s asks for all of capacity (%s)", show(s.need), at, show(s.capacity))
			model.expect("no CapacityBelowQuotaNeed", s.reason != v1alpha1.CapacityBelowQuotaNeedReason && !slices.Contains(s.driftClasses, v1alpha1.CapacityBelowQuotaNeedReason),
				"Balanced=%s (%s), drift classes %v at %s", s.balanced, s.reason, s.driftClasses, at)
		}
		blamed := clockEvents(v1alpha1.CapacityBelowQuotaNeedReason)
		model.expect("no CapacityBelowQuotaNeed Event", blamed == 0, "%d CapacityBelowQuotaNeed Events", blamed)
		model.report()
	})
})

// period is a period's [start, end).
type period struct{ start, end time.Time }

// horizon is what status.horizon says is planned: the period, and the next
// one when it is planned too.
type horizon struct {
	name      string
	period    period
	alsoPlans string
}

// clockSample is what the spec read at one simulated instant: the
// SalesTarget's status and the simulator's team.
type clockSample struct {
	at time.Time
	// answered is when the simulator's answer arrived: on a busy machine
	// the request takes a good part of a real second, hours of simulated
	// time, so the simulator's clock is read between at and answered.
	answered                                time.Time
	period                                  period
	need, demand, supply, capacity          *float64
	attainment                              float64
	horizon                                 horizon
	leadWeeksLeft, inFlight                 float64
	inFlightBasis                           v1alpha1.InFlightBasis
	balanced, reason                        string
	driftClasses                            []string
	simNow                                  time.Time
	simPeriod                               string
	simOpen, simPipeline, simWorked, simWon float64
}

// clockTrace samples the spec's SalesTarget and simulator as simulated
// time passes.
type clockTrace struct {
	clock   *simclock.Clock
	simURL  string
	samples []clockSample
}

// until samples until the simulated clock reaches t.
func (tr *clockTrace) until(t time.Time) {
	GinkgoHelper()
	timeout := tr.clock.RealDuration(t.Sub(tr.clock.Now())) + time.Minute
	Eventually(func(g Gomega) {
		tr.sample(g)
		g.Expect(tr.clock.Now()).To(BeTemporally(">=", t), "simulated time")
	}).WithTimeout(timeout).WithPolling(250 * time.Millisecond).Should(Succeed())
}

func (tr *clockTrace) sample(g Gomega) {
	st := &v1alpha1.SalesTarget{}
	g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: clockNamespace, Name: clockTarget}, st)).To(Succeed())
	at := tr.clock.Now()
	f, err := clockFunnelAt(tr.simURL)
	g.Expect(err).NotTo(HaveOccurred())
	team := f.Teams[clockTarget]
	s := clockSample{
		at:          at,
		answered:    tr.clock.Now(),
		need:        value(st.Status.NeedLeadsPerWeek),
		demand:      value(st.Status.DemandLeadsPerWeek),
		supply:      value(st.Status.SupplyLeadsPerWeek),
		capacity:    value(st.Status.CapacityLeadsPerWeek),
		simOpen:     team.OpenLeads,
		simPipeline: team.PipelineLeads,
		simWorked:   team.WorkedLeads,
		simWon:      team.ClosedWonRevenue,
	}
	if f.Now != nil {
		s.simNow = *f.Now
	}
	if team.Period != nil {
		s.simPeriod = team.Period.Name
	}
	if st.Status.PeriodStart != nil && st.Status.PeriodEnd != nil {
		s.period = period{st.Status.PeriodStart.UTC(), st.Status.PeriodEnd.UTC()}
	}
	if a := value(st.Status.AttainmentPercent); a != nil {
		s.attainment = *a
	}
	if h := st.Status.Horizon; h != nil {
		s.horizon = horizon{h.Period, period{h.Start.UTC(), h.End.UTC()}, h.AlsoPlans}
		s.inFlightBasis = h.InFlightBasis
		if w := value(h.LeadWeeksLeft); w != nil {
			s.leadWeeksLeft = *w
		}
		if i := value(h.InFlight); i != nil {
			s.inFlight = *i
		}
	}
	s.driftClasses = st.Status.DriftClasses
	if c := meta.FindStatusCondition(st.Status.Conditions, v1alpha1.BalancedCondition); c != nil {
		s.balanced, s.reason = string(c.Status), c.Reason
	}
	tr.samples = append(tr.samples, s)
}

// between is the samples from from to to, less switchGuard at either end,
// that truce had already judged.
func (tr *clockTrace) between(from, to time.Time) []clockSample {
	var out []clockSample
	for _, s := range tr.samples {
		if !s.at.Before(from.Add(switchGuard)) && s.at.Before(to.Add(-switchGuard)) && !s.period.start.IsZero() {
			out = append(out, s)
		}
	}
	return out
}

// last is the last sample taken at or before t.
func (tr *clockTrace) last(t time.Time) clockSample {
	GinkgoHelper()
	var found *clockSample
	for i := range tr.samples {
		if !tr.samples[i].at.After(t) {
			found = &tr.samples[i]
		}
	}
	Expect(found).NotTo(BeNil(), "no sample by %s", t)
	return *found
}

// firstIn is the first sample in which truce counted period p.
func (tr *clockTrace) firstIn(p period) *clockSample {
	for i := range tr.samples {
		if tr.samples[i].period == p {
			return &tr.samples[i]
		}
	}
	return nil
}

// table is the trace a line per simulated half day, for the log.
func (tr *clockTrace) table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-16s  %-10s  %-18s  %5s  %8s  %6s  %6s  %6s  %6s  %6s  %-24s  %8s  %8s  %8s\n",
		"SIMULATED", "PERIOD", "PLANS", "WEEKS", "INFLIGHT", "NEED", "DEMAND", "SUPPLY", "CAP", "ATT%", "BALANCED", "PIPELINE", "WORKED", "WON")
	var next time.Time
	for _, s := range tr.samples {
		if s.at.Before(next) {
			continue
		}
		next = s.at.Truncate(12 * time.Hour).Add(12 * time.Hour)
		plans := s.horizon.name
		if s.horizon.alsoPlans != "" {
			plans += " + " + s.horizon.alsoPlans
		}
		fmt.Fprintf(&b, "%-16s  %-10s  %-18s  %5.1f  %8.0f  %6s  %6s  %6s  %6s  %6.1f  %-24s  %8.0f  %8.0f  %8.0f\n",
			s.at.Format("2006-01-02 15:04"), s.simPeriod, plans, s.leadWeeksLeft, s.inFlight, show(s.need), show(s.demand), show(s.supply), show(s.capacity),
			s.attainment, s.balanced+" "+s.reason, s.simPipeline, s.simWorked, s.simWon)
	}
	return b.String()
}

// modelCheck collects what the spec expects of the planning model over the
// whole trace, so a failure says how often each check failed and when
// first, not only which sample failed first.
type modelCheck struct {
	checks []string
	// failed counts each check's failures; first is its first.
	failed map[string]int
	first  map[string]string
}

func (m *modelCheck) expect(check string, ok bool, format string, args ...any) {
	GinkgoHelper()
	if ok {
		return
	}
	if m.failed == nil {
		m.failed, m.first = map[string]int{}, map[string]string{}
	}
	if m.failed[check] == 0 {
		m.checks = append(m.checks, check)
		m.first[check] = fmt.Sprintf(format, args...)
	}
	m.failed[check]++
}

// report fails the spec with every check that failed.
func (m *modelCheck) report() {
	GinkgoHelper()
	var lines []string
	for _, c := range m.checks {
		lines = append(lines, fmt.Sprintf("%s: failed %d times, first: %s", c, m.failed[c], m.first[c]))
	}
	Expect(lines).To(BeEmpty(), "the planning model across the switch")
}

// clockEvents counts the Events with reason on the spec's SalesTarget.
func clockEvents(reason string) int32 {
	GinkgoHelper()
	var list corev1.EventList
	Expect(k8s.List(ctx, &list, client.InNamespace(clockNamespace))).To(Succeed())
	var n int32
	for _, e := range list.Items {
		if e.InvolvedObject.Name == clockTarget && e.Reason == reason {
			n += max(e.Count, 1)
		}
	}
	return n
}

// clockFunnel is the part of the spec's simulator's /funnel it reads.
type clockFunnel struct {
	Now   *time.Time `json:"now"`
	Teams map[string]struct {
		Period *struct {
			Name string `json:"name"`
		} `json:"period"`
		OpenLeads        float64 `json:"openLeads"`
		PipelineLeads    float64 `json:"pipelineLeads"`
		WorkedLeads      float64 `json:"workedLeads"`
		ClosedWonRevenue float64 `json:"closedWonRevenue"`
	} `json:"teams"`
}

func clockFunnelAt(url string) (*clockFunnel, error) {
	resp, err := http.Get(url + "/funnel")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	f := &clockFunnel{}
	return f, json.NewDecoder(resp.Body).Decode(f)
}

// value is a status quantity as a number, nil when unset.
func value(q *resource.Quantity) *float64 {
	if q == nil {
		return nil
	}
	v := q.AsApproximateFloat64()
	return &v
}

func show(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.0f", *v)
}

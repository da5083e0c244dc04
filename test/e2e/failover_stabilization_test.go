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
	"fmt"
	"slices"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	"k8s.io/apimachinery/pkg/types"
)

// The stabilization failover spec's own SalesTarget and Campaign
// (testdata/failover-stabilization.yaml, and a team and campaign of the
// same names in the simulator), so it runs in any order with the others.
const (
	stabTarget   = "e2e-failover-stab-team"
	stabCampaign = "e2e-failover-stab"
	// stabHigh is the workers the campaign's share needs at first: 100
	// leads/wk of capacity at 10 a worker; stabLow those it needs once the
	// team is cut to 4 reps: 40 leads/wk.
	stabHigh, stabLow = 10, 4
	// stabWindow is the campaign's scaleDownStabilizationSeconds and
	// stabPoll its pollingIntervalSeconds.
	stabWindow = 60 * time.Second
	stabPoll   = 5 * time.Second
)

var _ = Describe("two truce replicas with leader election", func() {
	It("keep a scale-down's stabilization window across a failover: the new leader does not scale down before the window ends", func() {
		replicas := electingReplicas(required("TRUCE_BIN"))
		leader, leaderID := leaderOf(replicas)
		GinkgoWriter.Printf("%s leads as %s\n", leader.name, leaderID)

		kubectl("apply", "-f", "testdata/failover-stabilization.yaml")
		DeferCleanup(func() { kubectl("delete", "--ignore-not-found", "-f", "testdata/failover-stabilization.yaml") })

		By(fmt.Sprintf("settling the campaign at the %d workers its share needs", stabHigh))
		Eventually(loopOf).WithArguments(stabCampaign, stabTarget, int32(stabHigh)).
			WithTimeout(settle).WithPolling(time.Second).Should(Succeed())
		settled := failoverState(Default, stabCampaign)
		Expect(settled.jobs).To(HaveLen(1))
		jobUID := settled.jobs[0]
		Expect(settled.allocated).NotTo(BeNil())
		highAllocation := float(settled.allocated)

		By(fmt.Sprintf("cutting the team to 4 reps, so that the campaign's share needs %d workers", stabLow))
		// And the quota with it, as salestarget-cut.yaml does, so that the
		// cut is a capacity the quota can be made with.
		kubectl("patch", "salestarget", stabTarget, "--type=merge", "-p", `{"spec":{"quota":{"revenue":"200k"},"capacity":{"reps":4}}}`)
		// drop is when the campaign's status first shows the lower
		// allocation: the reconcile that wrote it made the campaign's first
		// low recommendation. The Job must not leave n before the window
		// from there has passed.
		var drop time.Time
		var n int32
		// observe reads the campaign and its Job, and stops the spec at once
		// on a second Job.
		observe := func(g Gomega) failoverCampaignState {
			s := failoverState(g, stabCampaign)
			if !slices.Equal(s.jobs, []types.UID{jobUID}) {
				StopTrying(fmt.Sprintf("the campaign has Jobs %v, want only %s", s.jobs, jobUID)).Now()
			}
			return s
		}
		Eventually(func(g Gomega) {
			s := observe(g)
			g.Expect(s.allocated).NotTo(BeNil())
			g.Expect(float(s.allocated)).To(BeNumerically("<", highAllocation), "the campaign's allocation has not dropped yet")
			drop, n = time.Now(), s.parallelism
		}).WithTimeout(time.Minute).WithPolling(100 * time.Millisecond).Should(Succeed())
		Expect(n).To(BeNumerically(">=", stabHigh), "the Job was below its share when the allocation dropped")
		GinkgoWriter.Printf("the campaign's allocation dropped from %v leads/wk with the Job at %d workers\n", highAllocation, n)

		// The figures, reported whether the spec passes or fails, as times
		// after drop.
		var killed, tookLease, left, scaled time.Duration
		var leftTo int32
		var newLeader string
		DeferCleanup(func() {
			figure := fmt.Sprintf("window %v, lease timings %v: leader killed at %s; the other replica (%s) held the Lease at %s; the Job held %d workers until %s (then %d); reached %d at %s",
				stabWindow, leaseTimings, afterDrop(killed), newLeader, afterDrop(tookLease), n, afterDrop(left), leftTo, stabLow, afterDrop(scaled))
			AddReportEntry("failover within a stabilization window", figure)
			GinkgoWriter.Println("failover within a stabilization window: " + figure)
		})
		var follower *replica
		// reconciledAtLease is the follower's count of campaign reconciles
		// when it was first seen to hold the Lease.
		var reconciledAtLease float64
		// hold reads the campaign and its Job, and, once the leader is
		// killed, the Lease; it fails once the Job has left n workers.
		hold := func(g Gomega) {
			since := time.Since(drop)
			if follower != nil && tookLease == 0 {
				if id := leaseHolder(g); id != "" && id != leaderID {
					tookLease, newLeader = since, id
					reconciledAtLease = reconciles(g, follower.metricsURL, "campaign")
				}
			}
			s := observe(g)
			if left == 0 && s.parallelism != n {
				left, leftTo = since, s.parallelism
			}
			g.Expect(s.parallelism).To(Equal(n), "the Job went from %d to %d workers at %s, inside the %v window (leader killed at %s, Lease taken over at %s)",
				n, s.parallelism, afterDrop(since), stabWindow, afterDrop(killed), afterDrop(tookLease))
		}

		By("killing the leader with SIGKILL a few seconds into the window, while it holds the Job")
		// The leader that wrote the drop holds the Job a few seconds too, so
		// the low recommendation is in status well before its writer dies.
		Consistently(hold).WithTimeout(time.Until(drop.Add(3 * time.Second))).WithPolling(250 * time.Millisecond).Should(Succeed())
		// Leadership may have moved on a busy machine: kill whoever leads now.
		leader, leaderID = leaderOf(replicas)
		follower = otherThan(replicas, leader)
		leader.proc.Kill()
		killed = time.Since(drop)
		GinkgoWriter.Printf("killed %s at %s\n", leader.name, afterDrop(killed))

		By("holding the Job at its workers until the window from the drop has passed, although the other replica leads")
		// The window counts from the last high recommendation, which the old
		// leader made at its poll before the drop (up to a polling interval
		// earlier: the drop's reconcile came from the target's change, not a
		// poll), with its time truncated to the second; and the drop is seen
		// here a little after its reconcile. A controller that keeps the
		// window may so scale down up to a poll and a second before
		// drop+window: the hold is asserted until two polls before it.
		holdUntil := drop.Add(stabWindow - 2*stabPoll)
		Expect(time.Until(holdUntil)).To(BeNumerically(">", 30*time.Second),
			"too little of the window is left to tell a kept window from a lost one")
		Consistently(hold).WithTimeout(time.Until(holdUntil)).WithPolling(250 * time.Millisecond).Should(Succeed())
		Expect(tookLease).NotTo(BeZero(), "the other replica never took the Lease while the Job held")
		Eventually(follower.leading).WithTimeout(10*time.Second).Should(BeTrue(), "%s does not say it leads", follower.name)
		// The Job held because the new leader kept the window, not because
		// it never acted: its campaign controller went on reconciling (the
		// campaign polls every 5 s) while it led.
		Expect(reconciles(Default, follower.metricsURL, "campaign")-reconciledAtLease).To(BeNumerically(">=", 2),
			"%s led but its campaign controller did not reconcile during the hold", follower.name)

		By(fmt.Sprintf("scaling down to the %d workers of the lower share once the window has passed", stabLow))
		// The first poll after the window ends scales down; the rest of the
		// margin is for the Job controller and a busy machine.
		Eventually(func(g Gomega) {
			s := observe(g)
			if left == 0 && s.parallelism != n {
				left, leftTo = time.Since(drop), s.parallelism
			}
			g.Expect(s.parallelism).To(Equal(int32(stabLow)))
			scaled = time.Since(drop)
		}).WithTimeout(time.Until(drop.Add(stabWindow + time.Minute))).WithPolling(250 * time.Millisecond).Should(Succeed())
		Eventually(func(g Gomega) {
			observe(g)
			g.Expect(loopOf(stabCampaign, stabTarget, stabLow)).To(Succeed())
		}).WithTimeout(settle).WithPolling(time.Second).Should(Succeed())
		Expect(events(stabCampaign, "CreatedJob", time.Time{})).To(Equal(int32(1)))
	})
})

// afterDrop shows a time after the stabilization spec's drop; zero is one
// not seen (yet).
func afterDrop(d time.Duration) string {
	if d == 0 {
		return "(not seen)"
	}
	return fmt.Sprintf("drop+%.1fs", d.Seconds())
}

// reconciles is the count of reconciles the named controller of the truce
// at url has done, of every result.
func reconciles(g Gomega, url, controller string) float64 {
	fam, ok := scrapeURL(g, url)["controller_runtime_reconcile_total"]
	if !ok {
		return 0
	}
	var n float64
	for _, m := range fam.GetMetric() {
		if slices.ContainsFunc(m.GetLabel(), func(l *dto.LabelPair) bool {
			return l.GetName() == "controller" && l.GetValue() == controller
		}) {
			n += m.GetCounter().GetValue()
		}
	}
	return n
}

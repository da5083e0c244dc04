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
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/test/localcluster"
)

// The failover spec's own SalesTarget and Campaign (testdata/failover.yaml,
// and a team and campaign of the same names in the simulator), so it runs
// in any order with the others, and its replicas' Lease.
const (
	failoverTarget   = "e2e-failover-team"
	failoverCampaign = "e2e-failover"
	failoverLease    = "truce-e2e-failover"
	// failoverShare is the workers the campaign's share needs: 100 leads/wk
	// of capacity at 10 a worker.
	failoverShare = 10
)

// leaseTimings shorten controller-runtime's defaults (15 s, 10 s, 2 s) so
// the spec does not wait on them; the time to fail over follows the lease
// duration.
var leaseTimings = []string{
	"--leader-election-lease-duration=5s",
	"--leader-election-renew-deadline=4s",
	"--leader-election-retry-period=1s",
}

// replica is one of several truce processes that elect a leader.
type replica struct {
	name       string
	proc       *localcluster.Process
	metricsURL string
}

// leading says whether the replica reports, on its /metrics, that it holds
// the failover Lease.
func (r *replica) leading(g Gomega) bool {
	v := gauge(scrapeURL(g, r.metricsURL), "leader_election_master_status", map[string]string{"name": failoverLease})
	return v == 1.0
}

var _ = Describe("two truce replicas with leader election", func() {
	It("fail over when the leader is killed mid-scale: one Job throughout, and the campaign still reaches its share", func() {
		replicas := electingReplicas(required("TRUCE_BIN"))
		leader, leaderID := leaderOf(replicas)
		follower := otherThan(replicas, leader)
		GinkgoWriter.Printf("%s leads as %s\n", leader.name, leaderID)

		kubectl("apply", "-f", "testdata/failover.yaml")
		DeferCleanup(func() { kubectl("delete", "--ignore-not-found", "-f", "testdata/failover.yaml") })

		By("killing the leader with SIGKILL while the campaign scales up to its share")
		var jobUID types.UID
		Eventually(func(g Gomega) {
			jobs := jobsOf(failoverCampaign)
			g.Expect(jobs).To(HaveLen(1))
			jobUID = jobs[0].UID
			g.Expect(ptr.Deref(jobs[0].Spec.Parallelism, 0)).To(BeNumerically(">", 1), "not scaled up yet")
		}).WithTimeout(settle).WithPolling(200 * time.Millisecond).Should(Succeed())
		killed := time.Now()
		leader.proc.Kill()
		// Read after the kill, so any change from here is the follower's.
		atKill := failoverState(Default, failoverCampaign)
		Expect(atKill.jobs).To(Equal([]types.UID{jobUID}))
		Expect(atKill.parallelism).To(BeNumerically("<", failoverShare), "the campaign reached its share before its leader could be killed")
		GinkgoWriter.Printf("killed %s with the Job at %d of %d workers\n", leader.name, atKill.parallelism, failoverShare)

		By("measuring the time until the other replica holds the Lease and acts")
		var tookLease, wrote, scaled time.Duration
		lowest := atKill.parallelism
		// observe reads the campaign and its Job, notes how low the Job
		// went, and stops the spec at once on a second Job.
		observe := func(g Gomega) failoverCampaignState {
			s := failoverState(g, failoverCampaign)
			if !slices.Equal(s.jobs, []types.UID{jobUID}) {
				StopTrying(fmt.Sprintf("the campaign has Jobs %v, want only %s", s.jobs, jobUID)).Now()
			}
			lowest = min(lowest, s.parallelism)
			return s
		}
		Eventually(func(g Gomega) {
			since := time.Since(killed)
			if id := leaseHolder(g); tookLease == 0 && id != "" && id != leaderID {
				tookLease = since
			}
			s := observe(g)
			if wrote == 0 && (s.campaignRV != atKill.campaignRV || s.parallelism != atKill.parallelism) {
				wrote = since
			}
			if scaled == 0 && s.parallelism != atKill.parallelism {
				scaled = since
			}
			g.Expect(tookLease).NotTo(BeZero(), "the other replica does not hold the Lease yet")
			g.Expect(scaled).NotTo(BeZero(), "the Job has not been scaled since the kill")
		}).WithTimeout(2 * time.Minute).WithPolling(100 * time.Millisecond).Should(Succeed())
		Eventually(follower.leading).WithTimeout(10 * time.Second).Should(BeTrue())
		figure := fmt.Sprintf("lease durations %v: %s held the Lease %.1fs after %s was killed, wrote the campaign at %.1fs and scaled its Job (from %d) at %.1fs",
			leaseTimings, follower.name, tookLease.Seconds(), leader.name, wrote.Seconds(), atKill.parallelism, scaled.Seconds())
		AddReportEntry("failover", figure)
		GinkgoWriter.Println("failover: " + figure)

		By("reaching the campaign's share with the same Job, never scaling back below where the leader left it")
		Eventually(func(g Gomega) {
			observe(g)
			g.Expect(loopOf(failoverCampaign, failoverTarget, failoverShare)).To(Succeed())
		}).WithTimeout(settle).WithPolling(time.Second).Should(Succeed())
		Consistently(func(g Gomega) { observe(g) }).WithTimeout(12 * time.Second).WithPolling(time.Second).Should(Succeed())
		Expect(lowest).To(BeNumerically(">=", atKill.parallelism), "the new leader scaled the Job back below the %d the old one had reached", atKill.parallelism)
		Expect(events(failoverCampaign, "CreatedJob", time.Time{})).To(Equal(int32(1)))
	})
})

// failoverCampaignState is what the failover specs watch of a campaign.
type failoverCampaignState struct {
	campaignRV string
	// allocated is the campaign's status.allocatedLeadsPerWeek.
	allocated *resource.Quantity
	// jobs are the UIDs of the campaign's Jobs.
	jobs []types.UID
	// parallelism is the first Job's.
	parallelism int32
}

// failoverState reads the named campaign and its Jobs.
func failoverState(g Gomega, campaign string) failoverCampaignState {
	c := &v1alpha1.Campaign{}
	g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: campaign}, c)).To(Succeed())
	s := failoverCampaignState{campaignRV: c.ResourceVersion, allocated: c.Status.AllocatedLeadsPerWeek}
	for i, j := range jobsOf(campaign) {
		s.jobs = append(s.jobs, j.UID)
		if i == 0 {
			s.parallelism = ptr.Deref(j.Spec.Parallelism, 0)
		}
	}
	return s
}

// electingReplicas replaces the suite's truce with two replicas, truce-a
// and truce-b, that elect a leader on failoverLease with leaseTimings, and
// has the spec's cleanup stop them, delete the Lease and start the suite's
// single truce again.
func electingReplicas(bin string) []*replica {
	GinkgoHelper()
	By("replacing the suite's truce with two replicas that elect a leader")
	truce.Stop(15 * time.Second)
	DeferCleanup(func() { startTruce(bin) })
	DeferCleanup(func() {
		Expect(client.IgnoreNotFound(k8s.Delete(ctx, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: failoverLease}}))).To(Succeed())
	})
	var replicas []*replica
	for _, name := range []string{"truce-a", "truce-b"} {
		p, metricsURL := runTruce(name, bin, append([]string{
			"--leader-elect", "--leader-election-namespace=" + ns, "--leader-election-id=" + failoverLease,
		}, leaseTimings...)...)
		DeferCleanup(func() { p.Stop(15 * time.Second) })
		replicas = append(replicas, &replica{name: name, proc: p, metricsURL: metricsURL})
	}
	return replicas
}

// leaderOf waits until the Lease has a holder and exactly one of replicas
// says it leads, and returns that one and its identity in the Lease.
func leaderOf(replicas []*replica) (*replica, string) {
	GinkgoHelper()
	var leader *replica
	var leaderID string
	Eventually(func(g Gomega) {
		leaderID = leaseHolder(g)
		g.Expect(leaderID).NotTo(BeEmpty(), "nobody holds the Lease yet")
		var leading []*replica
		for _, r := range replicas {
			if r.leading(g) {
				leading = append(leading, r)
			}
		}
		g.Expect(leading).To(HaveLen(1), "replicas that say they lead")
		leader = leading[0]
	}).WithTimeout(time.Minute).WithPolling(200 * time.Millisecond).Should(Succeed())
	return leader, leaderID
}

// otherThan is the one of two replicas that is not r.
func otherThan(replicas []*replica, r *replica) *replica {
	if replicas[0] == r {
		return replicas[1]
	}
	return replicas[0]
}

// leaseHolder is the holderIdentity of the replicas' Lease, empty while
// there is none.
func leaseHolder(g Gomega) string {
	l := &coordinationv1.Lease{}
	err := k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: failoverLease}, l)
	if apierrors.IsNotFound(err) {
		return ""
	}
	g.Expect(err).NotTo(HaveOccurred())
	return ptr.Deref(l.Spec.HolderIdentity, "")
}

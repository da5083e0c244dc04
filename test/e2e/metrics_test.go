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
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// metricsTarget and metricsCampaign are objects of this spec's own, so it
// runs in any order with the others: the campaign recommends only (its
// Deployment is left alone) and reads the simulator's e2e-outreach numbers,
// whatever they are when it runs.
const (
	metricsTarget   = "e2e-metrics-team"
	metricsCampaign = "e2e-metrics-outreach"
)

var _ = Describe("truce's /metrics", func() {
	It("serves a SalesTarget's supply, demand and judged drift condition as its status shows them", func() {
		kubectl("apply", "-f", "testdata/metrics.yaml")
		DeferCleanup(func() { kubectl("delete", "--ignore-not-found", "-f", "testdata/metrics.yaml") })

		Eventually(func(g Gomega) {
			st := &v1alpha1.SalesTarget{}
			g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: metricsTarget}, st)).To(Succeed())
			s := st.Status
			g.Expect(s.SupplyLeadsPerWeek).NotTo(BeNil(), "no supply in status yet")
			g.Expect(s.DemandLeadsPerWeek).NotTo(BeNil(), "no demand in status yet")
			drift := meta.FindStatusCondition(s.Conditions, v1alpha1.BalancedCondition)
			g.Expect(drift).NotTo(BeNil(), "no Balanced condition yet")
			g.Expect(drift.Status).NotTo(Equal(metav1.ConditionUnknown), "drift not judged yet: %s", drift.Reason)

			fams := scrape(g)
			labels := map[string]string{"namespace": ns, "salestarget": metricsTarget}
			g.Expect(gauge(fams, "truce_salestarget_supply_leads_per_week", labels)).To(Equal(float(s.SupplyLeadsPerWeek)))
			g.Expect(gauge(fams, "truce_salestarget_demand_leads_per_week", labels)).To(Equal(float(s.DemandLeadsPerWeek)))
			labels["type"], labels["status"], labels["reason"] = v1alpha1.BalancedCondition, string(drift.Status), drift.Reason
			g.Expect(gauge(fams, "truce_salestarget_status_condition", labels)).To(Equal(1.0))
			GinkgoWriter.Printf("/metrics: supply %v, demand %v, Balanced=%s (%s), as status shows\n",
				float(s.SupplyLeadsPerWeek), float(s.DemandLeadsPerWeek), drift.Status, drift.Reason)
		}).WithTimeout(settle).WithPolling(time.Second).Should(Succeed())

		By("dropping the target's series once it is deleted")
		kubectl("delete", "-f", "testdata/metrics.yaml")
		Eventually(func(g Gomega) {
			fams := scrape(g)
			g.Expect(gauge(fams, "truce_salestarget_supply_leads_per_week",
				map[string]string{"namespace": ns, "salestarget": metricsTarget})).To(BeNil())
		}).WithTimeout(30 * time.Second).WithPolling(time.Second).Should(Succeed())
	})
})

// scrape reads truce's /metrics in the text format.
func scrape(g Gomega) map[string]*dto.MetricFamily { return scrapeURL(g, truceMetricsURL) }

// scrapeURL reads a /metrics in the text format.
func scrapeURL(g Gomega, url string) map[string]*dto.MetricFamily {
	resp, err := http.Get(url)
	g.Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusOK))
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	g.Expect(err).NotTo(HaveOccurred())
	return fams
}

// gauge is the value of the one series of name whose labels include want,
// nil when there is none; it fails on more than one.
func gauge(fams map[string]*dto.MetricFamily, name string, want map[string]string) any {
	fam, ok := fams[name]
	if !ok {
		return nil
	}
	var found []float64
	for _, m := range fam.GetMetric() {
		match := 0
		for _, l := range m.GetLabel() {
			if v, ok := want[l.GetName()]; ok && v == l.GetValue() {
				match++
			}
		}
		if match == len(want) {
			found = append(found, m.GetGauge().GetValue())
		}
	}
	switch len(found) {
	case 0:
		return nil
	case 1:
		return found[0]
	}
	return fmt.Sprintf("%d series of %s match %v", len(found), name, want)
}

func float(q *resource.Quantity) float64 { return q.AsApproximateFloat64() }

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
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// crmToken is the bearer token the test CRM demands.
const crmToken = "crm-reporting-token"

// testCRM is a CRM's reporting API: a JSON document the tests change, behind
// a bearer token, that can be made to fail.
type testCRM struct {
	server   *httptest.Server
	mu       sync.Mutex
	doc      map[string]any
	failing  bool
	requests int
}

var crm *testCRM

func newTestCRM() *testCRM {
	c := &testCRM{doc: map[string]any{}}
	c.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.requests++
		switch {
		case r.Header.Get("Authorization") != "Bearer "+crmToken:
			http.Error(w, "unauthorized", http.StatusUnauthorized)
		case c.failing:
			http.Error(w, "reporting database unavailable", http.StatusInternalServerError)
		default:
			_ = json.NewEncoder(w).Encode(c.doc)
		}
	}))
	return c
}

// set puts a campaign's weekly numbers in the document.
func (c *testCRM) set(ns, campaign string, leads, qualified float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.doc[ns+"/"+campaign] = map[string]any{"leads": leads, "qualified": qualified}
}

func (c *testCRM) fail(failing bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failing = failing
}

// readFromCRM points a campaign's queries at the test CRM, with the token in
// a Secret of the campaign's namespace, and polls every five seconds.
func readFromCRM(c *v1alpha1.Campaign) {
	key := c.Namespace + "/" + c.Name
	c.Spec.PollingIntervalSeconds = ptr.To[int32](5)
	c.Spec.Metrics = v1alpha1.CampaignMetrics{
		Source: &v1alpha1.MetricsSource{HTTP: &v1alpha1.HTTPSource{
			URL: crm.server.URL,
			Connection: v1alpha1.Connection{Auth: &v1alpha1.SourceAuth{BearerToken: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: "crm-reporting"}, Key: "token",
			}}},
		}},
		Leads:          v1alpha1.Query(`{['` + key + `'].leads}`),
		QualifiedLeads: v1alpha1.Query(`{['` + key + `'].qualified}`),
	}
}

// crmSecret creates the Secret holding the CRM's token in ns.
func crmSecret(ns string) {
	Expect(k8sClient.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "crm-reporting"},
		StringData: map[string]string{"token": crmToken},
	})).To(Succeed())
}

// setTarget puts a team's period numbers in the document.
func (c *testCRM) setTarget(ns, target string, wonRevenue float64) {
	c.setTargetConversion(ns, target, wonRevenue, 0, 0)
}

// setTargetConversion also reports accepted leads and won deals.
func (c *testCRM) setTargetConversion(ns, target string, wonRevenue, accepted, deals float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.doc[ns+"/"+target] = map[string]any{"wonRevenue": wonRevenue, "accepted": accepted, "deals": deals}
}

// setTargetFollowUp reports accepted leads, won at the plan's 4%, and
// those past the first contact.
func (c *testCRM) setTargetFollowUp(ns, target string, wonRevenue, accepted, past float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.doc[ns+"/"+target] = map[string]any{"wonRevenue": wonRevenue, "accepted": accepted, "deals": accepted * 0.04, "pastFirstContact": past}
}

// targetReadsFromCRM points a target's won revenue at the test CRM and
// judges drift at once (no stabilization window), in UTC.
func targetReadsFromCRM(st *v1alpha1.SalesTarget) {
	st.Spec.Period.TimeZone = "UTC"
	// The plain funnel the scenarios' numbers were worked out for: 8 reps,
	// every lead accepted, closed as it arrives, one quota all year.
	st.Spec.Capacity.Ramping = nil
	st.Spec.Plan.SalesCycleDays = ptr.To[int32](0)
	st.Spec.Plan.AcceptedPercent = nil
	st.Spec.Quota.Schedule = nil
	st.Spec.SLA = nil
	st.Spec.PollingIntervalSeconds = ptr.To[int32](5)
	st.Spec.Drift = &v1alpha1.DriftSpec{TolerancePercent: ptr.To[int32](20), StabilizationWindowSeconds: ptr.To[int32](0)}
	st.Spec.Metrics = &v1alpha1.SalesTargetMetrics{
		Source: &v1alpha1.MetricsSource{HTTP: &v1alpha1.HTTPSource{
			URL: crm.server.URL,
			Connection: v1alpha1.Connection{Auth: &v1alpha1.SourceAuth{BearerToken: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: "crm-reporting"}, Key: "token",
			}}},
		}},
		ClosedWonRevenue: v1alpha1.Query(`{['` + st.Namespace + "/" + st.Name + `'].wonRevenue}`),
		AcceptedLeads:    v1alpha1.Query(`{['` + st.Namespace + "/" + st.Name + `'].accepted}`),
		ClosedWonDeals:   v1alpha1.Query(`{['` + st.Namespace + "/" + st.Name + `'].deals}`),
	}
}

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

package tenancy

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestOneTenantsCapIsNotAnothersError: tenant A reads a CRM's 4 KiB report
// with maxResponseBytes 1024, tenant B reads the same URL with the default
// cap. Both poll in the same slots, through the manager's one cache; A's
// error must never be B's.
func TestOneTenantsCapIsNotAnothersError(t *testing.T) {
	g := NewWithT(t)
	doc := fmt.Sprintf(`{"leads":120,"qualified":46,"pad":%q}`, strings.Repeat("x", 4<<10))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, doc)
	}))
	t.Cleanup(srv.Close)
	create := func(ns, name string, maxBytes *int64) client.ObjectKey {
		c := withJob(campaign(ns, name))
		c.Spec.Metrics.Source = httpSource(srv.URL, nil)
		c.Spec.Metrics.Source.HTTP.MaxResponseBytes = maxBytes
		c.Spec.Metrics.Leads, c.Spec.Metrics.QualifiedLeads = "{.leads}", "{.qualified}"
		g.Expect(admin.Create(ctx, c)).To(Succeed())
		return client.ObjectKeyFromObject(c)
	}
	capped := create(namespace(t), "capped", ptr.To[int64](1024))
	g.Eventually(func(g Gomega) {
		cond := metricsAvailable(g, capped)
		g.Expect(cond.Status).To(Equal(metav1.ConditionFalse), cond.Message)
		g.Expect(cond.Message).To(ContainSubstring("maxResponseBytes (1024)"))
	}, 30*time.Second, 200*time.Millisecond).Should(Succeed())

	victim := create(namespace(t), "victim", nil)
	var first *metav1.Condition
	g.Eventually(func(g Gomega) {
		first = metricsAvailable(g, victim)
		g.Expect(first.Status).NotTo(Equal(metav1.ConditionUnknown))
	}, 30*time.Second, 100*time.Millisecond).Should(Succeed())
	g.Expect(first.Status).To(Equal(metav1.ConditionTrue), "the victim's first read: %s", first.Message)
	// Two more polls (every 5 s) in the slots the capped campaign polls in.
	g.Consistently(func(g Gomega) {
		cond := metricsAvailable(g, victim)
		g.Expect(cond.Status).To(Equal(metav1.ConditionTrue), cond.Message)
	}, 11*time.Second, 250*time.Millisecond).Should(Succeed())
}

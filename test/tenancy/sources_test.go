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
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// crm is a JSON endpoint on loopback that wants a bearer token and records
// when it is asked.
type crm struct {
	*httptest.Server
	mu    sync.Mutex
	asked []time.Time
}

func newCRM(t *testing.T, token string) *crm {
	c := &crm{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		c.mu.Lock()
		c.asked = append(c.asked, time.Now())
		c.mu.Unlock()
		fmt.Fprint(w, `{"leads":120,"qualified":46}`)
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *crm) times() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Time(nil), c.asked...)
}

// healthyCampaign reads leads from c with the token in Secret crm-token.
func healthyCampaign(t *testing.T, ns, name string, c *crm) *v1alpha1.Campaign {
	t.Helper()
	if err := admin.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "crm-token"},
		Data: map[string][]byte{"token": []byte("s3cret")}}); err != nil {
		t.Fatal(err)
	}
	camp := withJob(campaign(ns, name))
	camp.Spec.Metrics.Source = httpSource(c.URL, tokenAuth("crm-token"))
	camp.Spec.Metrics.Leads, camp.Spec.Metrics.QualifiedLeads = "{.leads}", "{.qualified}"
	if err := admin.Create(ctx, camp); err != nil {
		t.Fatal(err)
	}
	return camp
}

func metricsAvailable(g Gomega, key client.ObjectKey) *metav1.Condition {
	c := &v1alpha1.Campaign{}
	g.Expect(admin.Get(ctx, key, c)).To(Succeed())
	cond := meta.FindStatusCondition(c.Status.Conditions, v1alpha1.MetricsAvailableCondition)
	g.Expect(cond).NotTo(BeNil())
	return cond
}

// TestTheManagerGetsSecretsAndNeverListsThem runs the manager as its
// service account with the generated role, which has get on Secrets and no
// list or watch: a Secret read through the cache would start an informer
// that lists and watches every Secret, be forbidden, and never answer. The
// API server's audit log shows what the manager asked for.
func TestTheManagerGetsSecretsAndNeverListsThem(t *testing.T) {
	g := NewWithT(t)
	ns := namespace(t)
	camp := healthyCampaign(t, ns, "reads-a-secret", newCRM(t, "s3cret"))
	g.Eventually(func(g Gomega) {
		cond := metricsAvailable(g, client.ObjectKeyFromObject(camp))
		g.Expect(cond.Status).To(Equal(metav1.ConditionTrue), cond.Message)
	}, 30*time.Second, 200*time.Millisecond).Should(Succeed())

	verbs := secretRequests(t, managerUser)
	g.Expect(verbs["get"]).To(BeNumerically(">", 0), "the audit log shows no get: it is not recording what the test reads")
	g.Expect(verbs["list"]).To(BeZero(), "the manager listed Secrets")
	g.Expect(verbs["watch"]).To(BeZero(), "the manager watched Secrets")
}

// TestBlackHolesDoNotStallOtherTenants points four campaigns at listeners
// that accept and never answer, asking for 300 s timeouts, with two
// workers; a healthy campaign must still be read every polling interval.
func TestBlackHolesDoNotStallOtherTenants(t *testing.T) {
	g := NewWithT(t)
	ns := namespace(t)
	var holes []client.ObjectKey
	for i := range 4 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var conns []net.Conn
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
			}
		}()
		t.Cleanup(func() {
			_ = l.Close()
			mu.Lock()
			defer mu.Unlock()
			for _, c := range conns {
				_ = c.Close()
			}
		})
		camp := withJob(campaign(ns, fmt.Sprintf("black-hole-%d", i)))
		camp.Spec.Metrics.Source = &v1alpha1.MetricsSource{Prometheus: &v1alpha1.PrometheusSource{
			Address: "http://" + l.Addr().String(), Connection: v1alpha1.Connection{TimeoutSeconds: ptr.To[int32](300)}}}
		camp.Spec.Metrics.Leads = v1alpha1.Query(fmt.Sprintf(`sum(leads{campaign="%d"})`, i))
		camp.Spec.Metrics.QualifiedLeads = v1alpha1.Query(fmt.Sprintf(`sum(qualified{campaign="%d"})`, i))
		if err := admin.Create(ctx, camp); err != nil {
			t.Fatal(err)
		}
		holes = append(holes, client.ObjectKeyFromObject(camp))
	}
	healthy := newCRM(t, "s3cret")
	camp := healthyCampaign(t, ns, "healthy", healthy)
	interval := time.Duration(*camp.Spec.PollingIntervalSeconds) * time.Second

	// Six polls of the healthy campaign, each within its interval plus what
	// one black hole may hold a worker for (the ceiling, and a second).
	const polls = 6
	g.Eventually(healthy.times, polls*interval+time.Minute, time.Second).Should(HaveLen(polls + 1))
	times := healthy.times()
	slack := 2*maxTimeout + time.Second
	for i := 1; i < len(times); i++ {
		g.Expect(times[i].Sub(times[i-1])).To(BeNumerically("<=", interval+slack),
			"poll %d of the healthy campaign came %s after the one before", i, times[i].Sub(times[i-1]))
	}

	// The black holes say they time out, and that their timeout was cut.
	for _, key := range holes {
		g.Eventually(func(g Gomega) {
			cond := metricsAvailable(g, key)
			g.Expect(cond.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(cond.Message).To(And(ContainSubstring("TimedOut"), ContainSubstring("timeoutSeconds 300 is above the controller's ceiling; 2s is used")))
		}, 30*time.Second, 200*time.Millisecond).Should(Succeed(), key.Name)
	}
}

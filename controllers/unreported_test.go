package controllers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/metrics"
)

// Review: readUnreported reads every never-reported campaign's source one
// after another, each up to its timeout (+1 s). A tenant whose new
// campaigns name sources that never answer (distinct URLs, so neither the
// cache nor the per-source backoff helps) holds a SalesTarget worker for
// N x (timeout + 1 s): with the controller's 30 s ceiling, 1,000 campaigns
// hold it for over 8 hours, and four such targets stop every tenant's
// SalesTargets (--max-concurrent-reconciles defaults to 4).
func TestReadingUnreportedCampaignsIsBounded(t *testing.T) {
	tarpit := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(4 * time.Second):
		}
	}))
	defer tarpit.Close()
	r := &SalesTargetReconciler{Metrics: metricsGatherer{
		resolver: &metrics.Resolver{Guard: metrics.LoopbackNetworkGuard()},
		reader:   metrics.NewReader(clock.RealClock{}, 0, nil),
	}}
	st := &v1alpha1.SalesTarget{ObjectMeta: metav1.ObjectMeta{Name: "t", Namespace: "tenant-a"}}
	var camps []v1alpha1.Campaign
	for i := range 100 {
		camps = append(camps, v1alpha1.Campaign{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("c%d", i), Namespace: "tenant-a"},
			Spec: v1alpha1.CampaignSpec{Metrics: v1alpha1.CampaignMetrics{
				Source: &v1alpha1.MetricsSource{HTTP: &v1alpha1.HTTPSource{
					URL:        fmt.Sprintf("%s/%d", tarpit.URL, i),
					Connection: v1alpha1.Connection{TimeoutSeconds: ptr.To[int32](30)},
				}},
				Leads: "{.leads}",
			}},
		})
	}
	start := time.Now()
	r.readUnreported(context.Background(), st, camps, time.Now())
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("readUnreported of 100 campaigns with 30 s timeouts took %s: a target's reconcile grows by (timeout+1s) per new campaign", d.Round(100*time.Millisecond))
	}
}

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
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/truce-dev/truce/internal/telemetry"
)

// TestMetricsAreServedOnlyToWhoMayReadThem starts a manager as its service
// account, bound to the roles config/rbac ships, serving /metrics as
// main.go does by default (--metrics-secure): the manager asks the real API
// server to authenticate each scraper's token (TokenReview) and to
// authorize GET /metrics (SubjectAccessReview). /metrics tells every
// namespace's quota and bookings: a tenant's token, or none, reads nothing;
// Prometheus, with the metrics-reader role, reads them.
func TestMetricsAreServedOnlyToWhoMayReadThem(t *testing.T) {
	g := NewWithT(t)
	ns := namespace(t)
	create := func(obj client.Object) {
		t.Helper()
		if err := admin.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = admin.Delete(ctx, obj) })
	}
	for _, file := range []string{"metrics_auth_role.yaml", "metrics_reader_role.yaml"} {
		for _, obj := range readObjects(filepath.Join(repo, "config", "rbac", file)) {
			create(obj)
		}
	}
	create(&rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "truce-metrics-auth"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "metrics-auth-role"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: managerUser}},
	})
	for _, sa := range []string{"prometheus", "tenant"} {
		create(&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: sa}})
	}
	create(&rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "truce-metrics-reader-" + ns},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "metrics-reader"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: "prometheus"}},
	})
	// The tenant may edit everything in its namespace, and still not read
	// /metrics.
	create(&rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "tenant-edit"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "edit"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: "tenant"}},
	})
	clientset, err := kubernetes.NewForConfig(cfg)
	g.Expect(err).NotTo(HaveOccurred())
	token := func(sa string) string {
		tr, err := clientset.CoreV1().ServiceAccounts(ns).CreateToken(ctx, sa,
			&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](600)}}, metav1.CreateOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		return tr.Status.Token
	}
	prometheus, tenant := token("prometheus"), token("tenant")

	addr := freeAddress(t)
	startMetricsManager(t, telemetry.ServerOptions(addr, true, ""))
	https := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		// The certificate is self-signed, made at start.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // a test of the filter, not of the certificate
	}}
	scrape := func(g Gomega, c *http.Client, url, bearer string) (int, string) {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		g.Expect(err).NotTo(HaveOccurred())
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := c.Do(req)
		g.Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	url := "https://" + addr + "/metrics"
	g.Eventually(func(g Gomega) {
		code, body := scrape(g, https, url, prometheus)
		g.Expect(code).To(Equal(http.StatusOK), body)
		g.Expect(body).To(ContainSubstring("# TYPE "))
	}, 30*time.Second, 200*time.Millisecond).Should(Succeed(), "Prometheus, with the metrics-reader role, reads /metrics")

	for _, c := range []struct {
		name, token string
		want        []int
	}{
		{"no token", "", []int{http.StatusUnauthorized}},
		// The API server's TokenReview says why such a token is invalid, and
		// controller-runtime's filter answers an invalid token with that
		// error as a 500.
		{"a token the API server did not issue", "not-a-token", []int{http.StatusUnauthorized, http.StatusInternalServerError}},
		{"a tenant's token, without the metrics-reader role", tenant, []int{http.StatusForbidden}},
	} {
		code, body := scrape(g, https, url, c.token)
		g.Expect(c.want).To(ContainElement(code), "%s: %s", c.name, body)
		g.Expect(body).NotTo(ContainSubstring("# TYPE "), c.name)
	}
	// Plain HTTP reaches nothing.
	code, body := scrape(g, http.DefaultClient, "http://"+addr+"/metrics", prometheus)
	g.Expect(code).To(Equal(http.StatusBadRequest), body)
	g.Expect(body).NotTo(ContainSubstring("# TYPE "))

	// --metrics-secure=false, for local runs: plain HTTP to anyone.
	plain := freeAddress(t)
	startMetricsManager(t, telemetry.ServerOptions(plain, false, ""))
	g.Eventually(func(g Gomega) {
		code, body := scrape(g, http.DefaultClient, "http://"+plain+"/metrics", "")
		g.Expect(code).To(Equal(http.StatusOK), body)
	}, 30*time.Second, 200*time.Millisecond).Should(Succeed())
}

// startMetricsManager runs a manager, as the manager's service account,
// that serves /metrics with o and nothing else, until the test ends.
func startMetricsManager(t *testing.T, o metricsserver.Options) {
	t.Helper()
	mgrCfg := rest.CopyConfig(cfg)
	mgrCfg.Impersonate = rest.ImpersonationConfig{UserName: managerUser,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:truce-system", "system:authenticated"}}
	mgr, err := ctrl.NewManager(mgrCfg, ctrl.Options{Scheme: scheme, Metrics: o, HealthProbeBindAddress: "0"})
	if err != nil {
		t.Fatal(err)
	}
	mctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- mgr.Start(mctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !strings.Contains(err.Error(), "context canceled") {
			t.Errorf("the manager stopped with an error: %v", err)
		}
	})
}

// freeAddress is a loopback address with a port nothing listens on.
func freeAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

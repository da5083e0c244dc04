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

package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"
)

const apiserverMetrics = `# HELP apiserver_request_total [STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.
# TYPE apiserver_request_total counter
apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="configmaps",scope="resource",subresource="",verb="POST",version="v1"} 32
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="LIST",version="v1"} 7
apiserver_request_total{code="200",component="apiserver",dry_run="",group="revops.truce.dev",resource="campaigns",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 90
apiserver_request_total{code="409",component="apiserver",dry_run="",group="revops.truce.dev",resource="campaigns",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 10
apiserver_request_total{code="201",component="apiserver",dry_run="",group="events.k8s.io",resource="events",scope="resource",subresource="",verb="POST",version="v1"} 550
apiserver_request_total{code="201",component="apiserver",dry_run="All",group="revops.truce.dev",resource="campaigns",scope="resource",subresource="",verb="POST",version="v1alpha1"} 1
apiserver_request_total{code="200",component="apiserver",dry_run="",group="coordination.k8s.io",resource="leases",scope="resource",subresource="",verb="PUT",version="v1"} 6
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="",scope="cluster",subresource="",verb="GET",version=""} 3
# HELP etcd_request_duration_seconds x
# TYPE etcd_request_duration_seconds histogram
etcd_request_duration_seconds_bucket{operation="get",le="+Inf"} 1
etcd_request_duration_seconds_sum{operation="get"} 0.1
etcd_request_duration_seconds_count{operation="get"} 1
`

func TestParseWritesCountsWritesByResourceAndSubresource(t *testing.T) {
	byVerb, err := parseWrites(strings.NewReader(apiserverMetrics))
	if err != nil {
		t.Fatal(err)
	}
	w := byVerb.byResource()
	want := writeCounts{
		{Resource: "configmaps"}:                                  32,
		{Group: "revops.truce.dev", Resource: "campaigns/status"}: 100,
		{Group: "events.k8s.io", Resource: "events"}:              550,
		{Group: "coordination.k8s.io", Resource: "leases"}:        6,
	}
	if len(w) != len(want) {
		t.Fatalf("got %v, want %v", w, want)
	}
	for k, v := range want {
		if w[k] != v {
			t.Errorf("%s: got %v, want %v", k, w[k], v)
		}
	}
	if got := w.without("leases").total(); got != 682 {
		t.Errorf("total without leases: got %v, want 682", got)
	}
	if got := w.sum("events", "campaigns/status"); got != 650 {
		t.Errorf("events and campaign status: got %v, want 650", got)
	}
	if got := byVerb.verbs(resourceKey{Group: "revops.truce.dev", Resource: "campaigns/status"}); got != "100 PATCH" {
		t.Errorf("campaign status by verb: got %q", got)
	}
}

func TestParseWritesFailsWithoutTheRequestCounter(t *testing.T) {
	if _, err := parseWrites(strings.NewReader("# TYPE up gauge\nup 1\n")); err == nil {
		t.Fatal("want an error for metrics without apiserver_request_total")
	}
}

func TestSubKeepsOnlyResourcesThatChanged(t *testing.T) {
	before := writeCounts{{Resource: "configmaps"}: 10, {Resource: "jobs", Group: "batch"}: 3}
	after := writeCounts{{Resource: "configmaps"}: 10, {Resource: "jobs", Group: "batch"}: 8, {Resource: "events"}: 2}
	d := after.sub(before)
	if len(d) != 2 || d[resourceKey{Resource: "jobs", Group: "batch"}] != 5 || d[resourceKey{Resource: "events"}] != 2 {
		t.Fatalf("got %v", d)
	}
	if ks := d.keys(); ks[0].Resource != "jobs" || ks[0].String() != "jobs (batch)" {
		t.Fatalf("most writes first: got %v", ks)
	}
}

func TestVerbsSplitsAResourcesWritesMostFirst(t *testing.T) {
	w := writeCounts{
		{Group: "batch", Resource: "jobs", Verb: "POST"}:  10,
		{Group: "batch", Resource: "jobs", Verb: "PATCH"}: 4,
		{Resource: "events", Verb: "POST"}:                7,
	}
	if got := w.verbs(resourceKey{Group: "batch", Resource: "jobs"}); got != "10 POST, 4 PATCH" {
		t.Fatalf("got %q", got)
	}
}

func TestRequestVerbNamesApplyAndCollectionDeletes(t *testing.T) {
	for _, c := range []struct {
		method, path, contentType, want string
	}{
		{"POST", "/api/v1/namespaces/bench/configmaps", "application/json", "POST"},
		{"PATCH", "/apis/batch/v1/namespaces/bench/jobs/j", "application/merge-patch+json", "PATCH"},
		{"PATCH", "/apis/batch/v1/namespaces/bench/jobs/j", "application/apply-patch+yaml", "APPLY"},
		{"DELETE", "/apis/batch/v1/namespaces/bench/jobs/j", "", "DELETE"},
		{"DELETE", "/apis/batch/v1/namespaces/bench/jobs", "", "DELETECOLLECTION"},
		{"DELETE", "/api/v1/namespaces/bench", "", "DELETE"},
	} {
		req, err := http.NewRequest(c.method, "https://127.0.0.1:6443"+c.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", c.contentType)
		if got := requestVerb(req); got != c.want {
			t.Errorf("%s %s (%s): got %s, want %s", c.method, c.path, c.contentType, got, c.want)
		}
	}
}

func TestRequestResourceNamesWhatTheAPIServerLabels(t *testing.T) {
	for _, c := range []struct {
		path string
		want resourceKey
		ok   bool
	}{
		{"/api/v1/namespaces", resourceKey{Resource: "namespaces"}, true},
		{"/api/v1/namespaces/bench", resourceKey{Resource: "namespaces"}, true},
		{"/api/v1/namespaces/bench/configmaps", resourceKey{Resource: "configmaps"}, true},
		{"/api/v1/namespaces/bench/configmaps/x", resourceKey{Resource: "configmaps"}, true},
		{"/apis/revops.truce.dev/v1alpha1/namespaces/bench/campaigns", resourceKey{Group: "revops.truce.dev", Resource: "campaigns"}, true},
		{"/apis/revops.truce.dev/v1alpha1/namespaces/bench/campaigns/c/status", resourceKey{Group: "revops.truce.dev", Resource: "campaigns/status"}, true},
		{"/apis/rbac.authorization.k8s.io/v1/clusterroles/x", resourceKey{Group: "rbac.authorization.k8s.io", Resource: "clusterroles"}, true},
		{"/metrics", resourceKey{}, false},
		{"/apis/revops.truce.dev/v1alpha1", resourceKey{}, false},
	} {
		got, ok := requestResource(c.path)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: got %v %v, want %v %v", c.path, got, ok, c.want, c.ok)
		}
	}
}

func TestPercentileTakesTheNearestRank(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Second)
	}
	if got := percentile(ds, 50); got != 50*time.Second {
		t.Errorf("p50: got %v", got)
	}
	if got := percentile(ds, 99); got != 99*time.Second {
		t.Errorf("p99: got %v", got)
	}
	if got := percentile(ds[:3], 99); got != 3*time.Second {
		t.Errorf("p99 of three: got %v", got)
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("no values: got %v", got)
	}
}

func TestPrintTableAlignsAMarkdownTable(t *testing.T) {
	var b bytes.Buffer
	printTable(&b, []row{{"writes", count(12345)}, {"per Campaign", per(830, 100)}})
	want := "| figure       | value  |\n" +
		"| ------------ | ------ |\n" +
		"| writes       | 12,345 |\n" +
		"| per Campaign | 8.30   |\n"
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestParseStatCPUAddsUserAndSystemTime(t *testing.T) {
	stat := "4242 (truce worker) S 1 4242 4242 0 -1 4194560 5000 0 0 0 1234 266 0 0 20 0 12 0 100 1000000 2000 18446744073709551615\n"
	got, err := parseStatCPU(stat)
	if err != nil {
		t.Fatal(err)
	}
	if got != 15 {
		t.Fatalf("got %v s, want 15 s", got)
	}
}

func TestReadProcStatsReadsThisProcess(t *testing.T) {
	s, err := readProcStats("/proc/self")
	if err != nil {
		t.Fatal(err)
	}
	if s.peakMiB <= 0 || s.rssMiB <= 0 || s.peakMiB < s.rssMiB {
		t.Fatalf("implausible memory: %+v", s)
	}
}

func TestCampaignKeyOfMatchesCampaignKey(t *testing.T) {
	if got := campaignKeyOf(campaignName(12, 3)); got != campaignKey(12, 3) {
		t.Fatalf("got %s, want %s", got, campaignKey(12, 3))
	}
}

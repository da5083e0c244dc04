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
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// writeVerbs are the verbs of apiserver_request_total that change state.
var writeVerbs = map[string]bool{
	"POST": true, "PUT": true, "PATCH": true, "APPLY": true, "DELETE": true, "DELETECOLLECTION": true,
}

// resourceKey names what a write went to: the resource, with its
// subresource after a slash (campaigns/status), its API group, and the
// verb as the API server labels it (POST, PUT, PATCH, APPLY, DELETE).
type resourceKey struct {
	Group, Resource, Verb string
}

// String names the resource, and its group unless it is the core group
// or truce's own.
func (k resourceKey) String() string {
	if k.Group == "" || k.Group == "core" || k.Group == v1alpha1.GroupVersion.Group {
		return k.Resource
	}
	return k.Resource + " (" + k.Group + ")"
}

// writeCounts counts writes by resource.
type writeCounts map[resourceKey]float64

// total adds every resource's writes up.
func (w writeCounts) total() float64 {
	var t float64
	for _, v := range w {
		t += v
	}
	return t
}

// sub returns w - o, resource by resource, leaving out resources that did
// not change.
func (w writeCounts) sub(o writeCounts) writeCounts {
	d := writeCounts{}
	for k, v := range w {
		if v-o[k] != 0 {
			d[k] = v - o[k]
		}
	}
	for k, v := range o {
		if _, ok := w[k]; !ok && v != 0 {
			d[k] = -v
		}
	}
	return d
}

// without returns w without the given resources.
func (w writeCounts) without(resources ...string) writeCounts {
	d := writeCounts{}
	for k, v := range w {
		if !slices.Contains(resources, k.Resource) {
			d[k] = v
		}
	}
	return d
}

// sum returns the writes to the resources whose name (with subresource)
// is one of names.
func (w writeCounts) sum(names ...string) float64 {
	var t float64
	for k, v := range w {
		if slices.Contains(names, k.Resource) {
			t += v
		}
	}
	return t
}

// byResource adds the verbs of each resource up.
func (w writeCounts) byResource() writeCounts {
	d := writeCounts{}
	for k, v := range w {
		k.Verb = ""
		d[k] += v
	}
	return d
}

// verbs says how a resource's writes split by verb: "10 POST, 4 PUT".
func (w writeCounts) verbs(res resourceKey) string {
	byVerb := writeCounts{}
	for k, v := range w {
		if k.Group == res.Group && k.Resource == res.Resource {
			byVerb[resourceKey{Verb: k.Verb}] += v
		}
	}
	var parts []string
	for _, k := range byVerb.keys() {
		parts = append(parts, count(byVerb[k])+" "+k.Verb)
	}
	return strings.Join(parts, ", ")
}

// keys returns the resources, most writes first.
func (w writeCounts) keys() []resourceKey {
	ks := make([]resourceKey, 0, len(w))
	for k := range w {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, func(a, b resourceKey) int {
		if w[a] != w[b] {
			if w[a] > w[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a.String()+a.Verb, b.String()+b.Verb)
	})
	return ks
}

// parseWrites reads the API server's /metrics text and counts
// apiserver_request_total's writes by resource, subresource and verb,
// leaving out dry runs.
func parseWrites(r io.Reader) (writeCounts, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("parsing the API server's metrics: %w", err)
	}
	fam, ok := families["apiserver_request_total"]
	if !ok {
		return nil, fmt.Errorf("the API server's metrics have no apiserver_request_total")
	}
	w := writeCounts{}
	for _, m := range fam.GetMetric() {
		l := labels(m)
		// Dry runs change nothing; the benchmark's warm-up sends some.
		if !writeVerbs[l["verb"]] || l["resource"] == "" || l["dry_run"] != "" {
			continue
		}
		res := l["resource"]
		if l["subresource"] != "" {
			res += "/" + l["subresource"]
		}
		w[resourceKey{Group: l["group"], Resource: res, Verb: l["verb"]}] += m.GetCounter().GetValue()
	}
	return w, nil
}

func labels(m *dto.Metric) map[string]string {
	l := make(map[string]string, len(m.GetLabel()))
	for _, p := range m.GetLabel() {
		l[p.GetName()] = p.GetValue()
	}
	return l
}

// requestResource names the resource a request path goes to, the way the
// API server labels it: /api/v1/namespaces/ns/configmaps/x gives
// configmaps, /apis/g/v/namespaces/ns/campaigns/x/status gives
// campaigns/status in group g. ok is false for paths that name no resource.
func requestResource(path string) (key resourceKey, ok bool) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		key.Group = parts[1]
		parts = parts[3:]
	default:
		return key, false
	}
	// Namespaced paths, except the namespace itself (/api/v1/namespaces/x).
	if len(parts) >= 3 && parts[0] == "namespaces" {
		parts = parts[2:]
	}
	if len(parts) == 0 || parts[0] == "" {
		return key, false
	}
	key.Resource = parts[0]
	if len(parts) >= 3 {
		key.Resource += "/" + parts[2]
	}
	return key, true
}

// requestVerb is the verb the API server's counters give req: server-side
// apply is APPLY, a DELETE of a collection DELETECOLLECTION.
func requestVerb(req *http.Request) string {
	switch {
	case req.Method == http.MethodPatch && strings.HasPrefix(req.Header.Get("Content-Type"), "application/apply-patch"):
		return "APPLY"
	case req.Method == http.MethodDelete:
		if k, ok := requestResource(req.URL.Path); ok && !namesObject(req.URL.Path, k) {
			return "DELETECOLLECTION"
		}
	}
	return req.Method
}

// namesObject tells whether path names one object of resource k rather
// than the collection.
func namesObject(path string, k resourceKey) bool {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	res, _, _ := strings.Cut(k.Resource, "/")
	for i, p := range parts {
		if p == res {
			return i+1 < len(parts)
		}
	}
	return false
}

// countingTransport counts the writes its own client sends, so they can be
// taken out of the API server's counters, which say nothing of who wrote.
type countingTransport struct {
	next http.RoundTripper
	mu   sync.Mutex
	n    writeCounts
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead && !req.URL.Query().Has("dryRun") {
		if k, ok := requestResource(req.URL.Path); ok {
			k.Verb = requestVerb(req)
			t.mu.Lock()
			t.n[k]++
			t.mu.Unlock()
		}
	}
	return t.next.RoundTrip(req)
}

// snapshot returns the writes counted so far.
func (t *countingTransport) snapshot() writeCounts {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := make(writeCounts, len(t.n))
	for k, v := range t.n {
		s[k] = v
	}
	return s
}

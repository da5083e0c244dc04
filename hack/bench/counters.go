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
// subresource after a slash (campaigns/status), and its API group.
type resourceKey struct {
	Group, Resource string
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
		return strings.Compare(a.String(), b.String())
	})
	return ks
}

// parseWrites reads the API server's /metrics text and counts
// apiserver_request_total's writes by resource and subresource.
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
		if !writeVerbs[l["verb"]] || l["resource"] == "" {
			continue
		}
		res := l["resource"]
		if l["subresource"] != "" {
			res += "/" + l["subresource"]
		}
		w[resourceKey{Group: l["group"], Resource: res}] += m.GetCounter().GetValue()
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

// countingTransport counts the writes its own client sends, so they can be
// taken out of the API server's counters, which say nothing of who wrote.
type countingTransport struct {
	next http.RoundTripper
	mu   sync.Mutex
	n    writeCounts
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		if k, ok := requestResource(req.URL.Path); ok {
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

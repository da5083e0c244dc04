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

package metrics

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
)

// BenchmarkOneDocumentManyPaths reads a path for each of n campaigns from
// one shared document, as a fleet on one CRM report does every polling
// interval. It was once quadratic: the document was decoded for every path.
func BenchmarkOneDocumentManyPaths(b *testing.B) {
	for _, n := range []int{100, 1000} {
		doc := map[string]any{}
		for i := range n {
			doc[fmt.Sprintf("ns/campaign-%d", i)] = map[string]any{"leads": i, "qualified": i / 2}
		}
		raw, err := json.Marshal(doc)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("%d paths", n), func(b *testing.B) {
			for b.Loop() {
				d := newJSONDoc(raw)
				for i := range n {
					if _, err := extractJSON(context.Background(), d, fmt.Sprintf("{['ns/campaign-%d'].leads}", i)); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkLargestAllowedDocument decodes the documents that take the most
// memory among those truce reads, and reports the heap each keeps decoded,
// what the cache counts for it, and what decoding allocates on the way.
func BenchmarkLargestAllowedDocument(b *testing.B) {
	for _, c := range largestDocuments() {
		b.Run(c.name, func(b *testing.B) {
			var retained, alloc, counted int64
			for b.Loop() {
				r, a, n, err := decodeHeap(c.doc)
				if err != nil {
					b.Fatal(err)
				}
				retained, alloc, counted = retained+r, alloc+a, counted+n
			}
			b.ReportMetric(mib(retained)/float64(b.N), "heap-MiB")
			b.ReportMetric(mib(counted)/float64(b.N), "counted-MiB")
			b.ReportMetric(mib(alloc)/float64(b.N), "allocated-MiB")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkWorstJSONPath runs paths that use up MaxPathSteps on the deepest
// document truce reads: the longest any path may run.
func BenchmarkWorstJSONPath(b *testing.B) {
	doc := newJSONDoc(nested(MaxDocumentDepth))
	if _, err := doc.decoded(context.Background()); err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{"{..a..a..a..b}", "{..a..a..a..a..a..a..a..a..a..a..b}"} {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				if _, err := extractJSON(context.Background(), doc, q); KindOf(err) != BadQuery {
					b.Fatalf("%s: %v, want the step bound", q, err)
				}
			}
		})
	}
}

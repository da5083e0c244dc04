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
				d := &jsonDoc{raw: raw}
				for i := range n {
					if _, err := extractJSON(d, fmt.Sprintf("{['ns/campaign-%d'].leads}", i)); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

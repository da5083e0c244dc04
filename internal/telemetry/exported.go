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

package telemetry

import (
	_ "embed"
	"strings"
)

// exportedList is the one list of the metrics truce's /metrics serves for
// dashboards and alerts; tests here and in test/observability read it.
//
//go:embed exported_metrics.txt
var exportedList string

// ExportedMetric is one line of exported_metrics.txt.
type ExportedMetric struct {
	Name, Type, Origin string
}

// Exported returns the metrics listed in exported_metrics.txt.
func Exported() []ExportedMetric {
	var out []ExportedMetric
	for _, line := range strings.Split(exportedList, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		out = append(out, ExportedMetric{Name: f[0], Type: f[1], Origin: f[2]})
	}
	return out
}

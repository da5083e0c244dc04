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
	"math"
	"slices"
	"strings"
	"time"
)

// row is one figure of the result table.
type row struct {
	Figure, Value string
}

// printTable writes rows as a Markdown table, so a run's output can be
// pasted into docs/performance.md as it is.
func printTable(w io.Writer, rows []row) {
	fw, vw := len("figure"), len("value")
	for _, r := range rows {
		fw, vw = max(fw, len(r.Figure)), max(vw, len(r.Value))
	}
	line := func(a, b string) {
		fmt.Fprintf(w, "| %-*s | %-*s |\n", fw, a, vw, b)
	}
	line("figure", "value")
	fmt.Fprintf(w, "| %s | %s |\n", strings.Repeat("-", fw), strings.Repeat("-", vw))
	for _, r := range rows {
		line(r.Figure, r.Value)
	}
}

// percentile returns the p-th percentile (0 < p <= 100) of ds by the
// nearest-rank method: the smallest value at least p% of the values are
// no greater than. It returns 0 for no values.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[min(max(rank, 1), len(s))-1]
}

// seconds formats d in seconds with one decimal.
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// count formats a whole number with thousands separators.
func count(v float64) string {
	neg := v < 0
	s := fmt.Sprintf("%d", int64(math.Round(math.Abs(v))))
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// per formats v divided by n with two decimals.
func per(v float64, n int) string {
	if n == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", v/float64(n))
}

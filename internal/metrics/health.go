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
	"time"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/balance"
)

// RecordHealth returns list with the health of metric name updated by one
// read at now: the value on success; otherwise the error and, at most once
// per interval, one more consecutive failure. A failure keeps the last good
// value, so status still shows what the controller holds to.
func RecordHealth(list []v1alpha1.MetricStatus, name string, value float64, err error, now time.Time, interval time.Duration) []v1alpha1.MetricStatus {
	i := indexOf(list, name)
	if i < 0 {
		list = append(list, v1alpha1.MetricStatus{Name: name})
		i = len(list) - 1
	}
	m := &list[i]
	if err != nil {
		m.LastError = Truncate(err.Error(), MaxErrorMessage)
		// Reconciles between polls see the same cached failure: count it once.
		if m.LastFailureTime == nil || now.Sub(m.LastFailureTime.Time) >= interval*3/4 {
			m.ConsecutiveFailures++
			m.LastFailureTime = &metav1.Time{Time: now}
		}
		return list
	}
	q := balance.Quantity(value)
	m.Value, m.ConsecutiveFailures, m.LastError, m.LastFailureTime = &q, 0, "", nil
	return list
}

// MaxErrorMessage bounds one metric's lastError: the kind, the query (cut)
// and what was wrong fit; status stays small at fleet scale.
const MaxErrorMessage = 256

// Truncate cuts s to at most n bytes, on a rune boundary, marking the cut
// with an ellipsis.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "..."
	if n <= len(mark) {
		return mark[:max(n, 0)]
	}
	cut := n - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}

// Failures is the number of consecutive failed reads of metric name.
func Failures(list []v1alpha1.MetricStatus, name string) int32 {
	if i := indexOf(list, name); i >= 0 {
		return list[i].ConsecutiveFailures
	}
	return 0
}

func indexOf(list []v1alpha1.MetricStatus, name string) int {
	for i := range list {
		if list[i].Name == name {
			return i
		}
	}
	return -1
}

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
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// Source is a metrics endpoint with its credentials. A query is answered in
// two steps, so that one response can serve many queries: Fetch sends the
// request that RequestKey names, Extract reads one value from its response.
type Source interface {
	// Key identifies the endpoint, credentials and headers; two sources with
	// the same key answer a request the same way.
	Key() string
	// RequestKey is what decides the request a query needs: the query itself
	// for Prometheus; nothing for a JSON document, whose one response serves
	// every JSONPath.
	RequestKey(query string) string
	// Fetch sends the request for query.
	Fetch(ctx context.Context, query string) (any, error)
	// Extract reads query's single value from a response of Fetch, within
	// ctx's deadline.
	Extract(ctx context.Context, response any, query string) (float64, error)
}

// sourceKey identifies a source by everything that can change its answer:
// the endpoint, the timeout (a shorter one times out where a longer one
// answers), the response cap, the addresses it may connect to, and the
// credentials and headers. Two tenants' sources share cached answers and
// backoff only when they would be answered the same: one tenant's 1 KiB cap
// or 1 s timeout never becomes another's error.
func sourceKey(kind, endpoint string, timeout time.Duration, maxBytes int64, auth Auth, o clientOptions) string {
	return fmt.Sprintf("%s|%s|timeout=%s|max=%d|guard=%s|auth=%s", kind, endpoint, timeout, maxBytes, o.guard.fingerprint(), auth.fingerprint())
}

// DefaultWindow is what $window stands for: a week, so increase(x[$window])
// counts per week.
const DefaultWindow = 7 * 24 * time.Hour

// Vars are the values of a query's placeholders.
type Vars struct {
	// Window replaces $window; zero means DefaultWindow.
	Window time.Duration
	// PeriodStart is the start of the current sales period; $period is the
	// time elapsed since it.
	PeriodStart time.Time
	// Cycle replaces $cycle: the sales cycle, 0s when there is none.
	Cycle time.Duration
}

// Expand replaces $window, $period and $cycle in a PromQL query with durations. The
// elapsed period is rounded down to the minute (at least one minute), so
// every resource asking within the same minute sends the same text.
func Expand(query string, v Vars, now time.Time) string {
	if !strings.Contains(query, "$") {
		return query
	}
	window := v.Window
	if window <= 0 {
		window = DefaultWindow
	}
	elapsed := max(now.Sub(v.PeriodStart).Truncate(time.Minute), time.Minute)
	return strings.NewReplacer("$window", promDuration(window), "$period", promDuration(elapsed),
		"$cycle", promDuration(max(v.Cycle, 0))).Replace(query)
}

// promDuration formats d as a PromQL duration such as 7d or 1d2h30m.
func promDuration(d time.Duration) string {
	return model.Duration(d).String()
}

// ParseWindow parses a PromQL-style duration such as 7d for $window.
func ParseWindow(s string) (time.Duration, error) {
	d, err := model.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("window %q: %w", s, err)
	}
	if d <= 0 {
		return 0, fmt.Errorf("window %q must be positive", s)
	}
	return time.Duration(d), nil
}

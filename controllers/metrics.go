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

package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/metrics"
	"github.com/truce-dev/truce/internal/status"
)

// Secrets are read one by one, when a resource names them, through the API
// reader: get and nothing more, so no informer can hold the cluster's Secrets.
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get

// metricsGatherer reads an object's queries through the shared Reader.
type metricsGatherer struct {
	resolver *metrics.Resolver
	reader   *metrics.Reader
	// defaults says which namespaces may use the resolver's default source.
	defaults defaultSourceGrant
}

// namedQuery is one query of a spec's metrics block.
type namedQuery struct {
	name  string
	query v1alpha1.Query
	// emptyIsZero reads an empty result as zero.
	emptyIsZero bool
}

// observed is what one round of reads found.
type observed struct {
	// at is when the round ran; interval is the object's polling interval.
	at       time.Time
	interval time.Duration
	// values holds the metrics read this round; a failed one is absent.
	values map[string]float64
	// errs holds the error of each metric that failed.
	errs map[string]error
	// notes are what status should say about how the source is used, such
	// as a timeout cut to the controller's ceiling.
	notes []string
}

// defaultSourceNamespaces is the selector of the namespaces that may use the
// default source, for the manager to watch; nil when nothing need be
// watched.
func (g metricsGatherer) defaultSourceNamespaces() labels.Selector {
	if g.resolver == nil || g.resolver.Default == nil {
		return nil
	}
	return g.defaults.watched()
}

// read sends each query (skipping empty ones) to the spec's source, or the
// controller's default where the namespace may use it. A source that cannot
// be resolved, or may not be used, fails every query.
// The queries run concurrently under one deadline, the source's timeout, so
// a slow source holds a worker for one timeout per poll, not one per query.
func (g metricsGatherer) read(ctx context.Context, namespace string, spec *v1alpha1.MetricsSource,
	queries []namedQuery, vars metrics.Vars, now time.Time, interval time.Duration) (observed, error) {
	o := observed{at: now, interval: interval, values: map[string]float64{}, errs: map[string]error{}}
	timeout, note := g.resolver.Timeout(spec)
	if note != "" {
		o.notes = append(o.notes, note)
	}
	src, srcErr, err := g.source(ctx, namespace, spec)
	if err != nil {
		return o, err
	}
	// A little past the source's own timeout, so a request's own timeout
	// error, which says more, comes first.
	ctx, cancel := context.WithTimeout(ctx, timeout+time.Second)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, q := range queries {
		if q.query == "" {
			continue
		}
		if srcErr != nil {
			o.errs[q.name] = srcErr
			continue
		}
		wg.Go(func() {
			v, qerr := g.reader.Read(ctx, src, string(q.query), vars, interval)
			if q.emptyIsZero && metrics.KindOf(qerr) == metrics.EmptyResult {
				v, qerr = 0, nil
			}
			mu.Lock()
			defer mu.Unlock()
			if qerr != nil {
				o.errs[q.name] = qerr
				return
			}
			o.values[q.name] = v
		})
	}
	wg.Wait()
	return o, nil
}

// source is the spec's source, or the default where the namespace may use
// it. srcErr is a verdict on the source, which fails every query; err is a
// failure to tell (a Secret or a namespace that could not be read).
func (g metricsGatherer) source(ctx context.Context, namespace string, spec *v1alpha1.MetricsSource) (src metrics.Source, srcErr, err error) {
	if g.resolver.Default != nil && usesDefault(spec) {
		switch allowed, aerr := g.defaults.allows(ctx, namespace); {
		case aerr != nil:
			return nil, nil, aerr
		case !allowed:
			return nil, g.defaults.refusal(), nil
		}
	}
	src, srcErr = g.resolver.Source(ctx, namespace, spec)
	if srcErr != nil && metrics.KindOf(srcErr) == "" {
		// Not a verdict on the source: the Secret could not be read.
		return nil, nil, srcErr
	}
	return src, srcErr, nil
}

// health is each query's health after one round of reads: the queries the
// spec no longer has are forgotten.
func health(list []v1alpha1.MetricStatus, queries []namedQuery, o observed) []v1alpha1.MetricStatus {
	list = slices.DeleteFunc(slices.Clone(list), func(m v1alpha1.MetricStatus) bool {
		return !slices.ContainsFunc(queries, func(q namedQuery) bool { return q.name == m.Name && q.query != "" })
	})
	for _, q := range queries {
		if q.query != "" {
			list = status.RecordHealth(list, q.name, o.values[q.name], o.errs[q.name], o.at, o.interval)
		}
	}
	return list
}

// metricsCondition is the MetricsAvailable condition after one round of
// reads. Queries that failed alike are named together: a SalesTarget with
// no source has seven queries and one reason.
func metricsCondition(queries []namedQuery, o observed) (metav1.ConditionStatus, string, string) {
	var failed []string
	var failedNames [][]string
	read := 0
	for _, q := range queries {
		err := o.errs[q.name]
		switch {
		case q.query == "":
		case err == nil:
			read++
		default:
			text := status.Truncate(err.Error(), status.MaxErrorMessage)
			if i := slices.Index(failed, text); i >= 0 {
				failedNames[i] = append(failedNames[i], q.name)
			} else {
				failed, failedNames = append(failed, text), append(failedNames, []string{q.name})
			}
		}
	}
	notes := ""
	if len(o.notes) > 0 {
		notes = "; " + strings.Join(o.notes, "; ")
	}
	for i := range failed {
		failed[i] = strings.Join(failedNames[i], ", ") + ": " + failed[i]
	}
	switch {
	case len(failed) > 0:
		// The outcome and the notes are kept whole; the failures give way.
		tail := "; holding the last values read" + notes
		return metav1.ConditionFalse, v1alpha1.MetricsUnavailableReason,
			status.Truncate(strings.Join(failed, "; "), status.MaxConditionMessage-len(tail)) + tail
	case read == 0:
		return metav1.ConditionTrue, v1alpha1.MetricsReadReason, "No queries are set: the plan's values are in use" + notes
	}
	return metav1.ConditionTrue, v1alpha1.MetricsReadReason, fmt.Sprintf("Read all %d queries", read) + notes
}

// pollingInterval is a spec's interval, 30 s when unset.
func pollingInterval(seconds *int32) time.Duration {
	if seconds == nil || *seconds <= 0 {
		return 30 * time.Second
	}
	return time.Duration(*seconds) * time.Second
}

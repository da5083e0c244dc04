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
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/utils/clock"
	"k8s.io/utils/lru"
)

// DefaultCacheEntries bounds the Reader's memory: distinct requests kept.
const DefaultCacheEntries = 20000

// Reader answers queries through a cache shared by every reconcile: identical
// requests to the same source within maxAge are sent once, and concurrent
// askers of a request in flight wait for its answer instead of sending their
// own. Failures are cached too, so a dead source is not hit once per object.
type Reader struct {
	clock   clock.PassiveClock
	mu      sync.Mutex
	entries *lru.Cache
	metrics *readerMetrics
}

type entry struct {
	ready     chan struct{} // closed when response and err are set
	fetchedAt time.Time
	response  any
	err       error
}

// NewReader is a Reader that keeps at most size requests (DefaultCacheEntries
// when size is not positive). reg, when not nil, gets the Reader's own
// metrics.
func NewReader(c clock.PassiveClock, size int, reg prometheus.Registerer) *Reader {
	if size <= 0 {
		size = DefaultCacheEntries
	}
	return &Reader{clock: c, entries: lru.New(size), metrics: newReaderMetrics(reg)}
}

// Read returns query's value from src, with its placeholders expanded from
// vars, reusing a response younger than maxAge. Every failure is an *Error
// that names the query.
func (r *Reader) Read(ctx context.Context, src Source, query string, vars Vars, maxAge time.Duration) (float64, error) {
	v, _, err := r.ReadFetched(ctx, src, query, vars, maxAge)
	return v, err
}

// ReadFetched is Read that also returns when the response it answered from
// was fetched, so a caller can tell a new reading from one it saw before.
func (r *Reader) ReadFetched(ctx context.Context, src Source, query string, vars Vars, maxAge time.Duration) (float64, time.Time, error) {
	expanded := Expand(query, vars, r.clock.Now())
	resp, fetchedAt, err := r.fetch(ctx, src, expanded, maxAge)
	if err != nil {
		return 0, fetchedAt, withQuery(err, query)
	}
	v, err := src.Extract(resp, expanded)
	if err != nil {
		return 0, fetchedAt, withQuery(err, query)
	}
	return v, fetchedAt, nil
}

func (r *Reader) fetch(ctx context.Context, src Source, expanded string, maxAge time.Duration) (any, time.Time, error) {
	key := src.Key() + "\x00" + src.RequestKey(expanded)
	now := r.clock.Now()

	r.mu.Lock()
	if v, ok := r.entries.Get(key); ok {
		e := v.(*entry)
		select {
		case <-e.ready:
			if now.Sub(e.fetchedAt) < maxAge {
				r.mu.Unlock()
				r.metrics.hit()
				return e.response, e.fetchedAt, e.err
			}
		default:
			// In flight: wait for it rather than send a second request.
			r.mu.Unlock()
			r.metrics.hit()
			return e.wait(ctx)
		}
	}
	e := &entry{ready: make(chan struct{})}
	r.entries.Add(key, e)
	r.mu.Unlock()

	start := time.Now()
	// The request outlives a caller that gives up, because others may wait
	// for it; the source's own timeout bounds it.
	e.response, e.err = src.Fetch(context.WithoutCancel(ctx), expanded)
	e.fetchedAt = r.clock.Now()
	close(e.ready)
	r.metrics.request(src, e.err, time.Since(start))
	return e.response, e.fetchedAt, e.err
}

func (e *entry) wait(ctx context.Context) (any, time.Time, error) {
	select {
	case <-e.ready:
		return e.response, e.fetchedAt, e.err
	case <-ctx.Done():
		return nil, time.Time{}, &Error{Kind: TimedOut, Err: ctx.Err()}
	}
}

// readerMetrics are the Reader's own Prometheus metrics.
type readerMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	hits     prometheus.Counter
}

func newReaderMetrics(reg prometheus.Registerer) *readerMetrics {
	m := &readerMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "truce_metrics_source_requests_total",
			Help: "Requests sent to metrics sources, by source type and outcome (ok or the error kind).",
		}, []string{"source", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "truce_metrics_source_request_duration_seconds",
			Help:    "Time taken by requests to metrics sources.",
			Buckets: prometheus.ExponentialBuckets(0.005, 3, 9),
		}, []string{"source"}),
		hits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "truce_metrics_cache_hits_total",
			Help: "Queries answered from a response already fetched or in flight.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.duration, m.hits)
	}
	return m
}

func (m *readerMetrics) hit() { m.hits.Inc() }

func (m *readerMetrics) request(src Source, err error, took time.Duration) {
	typ := "http"
	if _, ok := src.(*Prometheus); ok {
		typ = "prometheus"
	}
	outcome := "ok"
	if err != nil {
		outcome = string(KindOf(withQuery(err, "")))
	}
	m.requests.WithLabelValues(typ, outcome).Inc()
	m.duration.WithLabelValues(typ).Observe(took.Seconds())
}

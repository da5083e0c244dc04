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
	"container/list"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/utils/clock"
)

// DefaultCacheBytes bounds the Reader's memory: the bytes of the answers it
// keeps for reuse within a polling interval.
const DefaultCacheBytes = 64 << 20

// MaxValue is the largest value truce accepts from a query. No lead count,
// deal count or revenue in a period comes near it; a larger number is a
// wrong query or a hostile source, and would be stored with less precision.
const MaxValue = 1e15

// Reader answers queries through a cache shared by every reconcile: identical
// requests to the same source within one polling interval are sent once, and concurrent
// askers of a request in flight wait for its answer instead of sending their
// own. Failures are cached too, so a dead source is not hit once per object,
// and a source that keeps failing is backed off.
type Reader struct {
	clock   clock.PassiveClock
	mu      sync.Mutex
	entries *byteLRU
	backoff *backoff
	metrics *readerMetrics
}

type entry struct {
	ready     chan struct{} // closed when response and err are set
	fetchedAt time.Time
	response  any
	err       error
	// values holds what each query extracted from response, so a document
	// is decoded once per query however many objects ask.
	mu     sync.Mutex
	values map[string]extracted
}

type extracted struct {
	v   float64
	err error
}

// sizer is a response that knows the bytes it takes.
type sizer interface{ Size() int64 }

// entryOverhead approximates the bytes of an entry besides its response.
const entryOverhead = 256

func (e *entry) size(key string) int64 {
	n := int64(entryOverhead + len(key))
	if s, ok := e.response.(sizer); ok {
		n += s.Size()
	}
	if e.err != nil {
		n += int64(len(e.err.Error()))
	}
	e.mu.Lock()
	for q := range e.values {
		n += int64(len(q)) + 64
	}
	e.mu.Unlock()
	return n
}

// NewReader is a Reader that keeps at most maxBytes of answers
// (DefaultCacheBytes when not positive). reg, when not nil, gets the
// Reader's own metrics.
func NewReader(c clock.PassiveClock, maxBytes int64, reg prometheus.Registerer) *Reader {
	if maxBytes <= 0 {
		maxBytes = DefaultCacheBytes
	}
	return &Reader{clock: c, entries: newByteLRU(maxBytes), backoff: newBackoff(), metrics: newReaderMetrics(reg)}
}

// Read returns query's value from src, with its placeholders expanded from
// vars, reusing a response fetched within the current polling interval.
// Intervals are slots of the clock (time.Truncate), and the controllers poll
// at their starts (NextPoll), so the first poll of a slot sends the request
// and every other poll of that slot reuses it: a poll never reads an answer
// fetched before its slot began, and so never one older than its interval.
// Every failure is an *Error that names the query.
func (r *Reader) Read(ctx context.Context, src Source, query string, vars Vars, interval time.Duration) (float64, error) {
	v, _, err := r.readFetched(ctx, src, query, vars, interval)
	return v, err
}

// readFetched is Read that also returns when the response it answered from
// was fetched, so a caller can tell a new reading from one it saw before.
func (r *Reader) readFetched(ctx context.Context, src Source, query string, vars Vars, interval time.Duration) (float64, time.Time, error) {
	expanded := Expand(query, vars, r.clock.Now())
	e, key, err := r.fetch(ctx, src, expanded, interval)
	if err != nil {
		return 0, time.Time{}, withQuery(err, query)
	}
	if e.err != nil {
		return 0, e.fetchedAt, withQuery(e.err, query)
	}
	v, err := r.extract(ctx, e, key, src, expanded)
	if err != nil {
		return 0, e.fetchedAt, withQuery(err, query)
	}
	return v, e.fetchedAt, nil
}

// extract reads query's value from e once, and remembers it. An extraction
// cut short by this caller's deadline is not remembered: another caller may
// have the time.
func (r *Reader) extract(ctx context.Context, e *entry, key string, src Source, expanded string) (float64, error) {
	e.mu.Lock()
	if x, ok := e.values[expanded]; ok {
		e.mu.Unlock()
		return x.v, x.err
	}
	e.mu.Unlock()
	v, err := safeExtract(ctx, src, e.response, expanded)
	if err == nil {
		err = checkRange(v)
	}
	if KindOf(err) == TimedOut && ctx.Err() != nil {
		r.mu.Lock()
		r.entries.resize(key, e.size(key))
		r.mu.Unlock()
		return v, err
	}
	e.mu.Lock()
	if e.values == nil {
		e.values = map[string]extracted{}
	}
	e.values[expanded] = extracted{v, err}
	e.mu.Unlock()
	r.mu.Lock()
	r.entries.resize(key, e.size(key))
	r.mu.Unlock()
	return v, err
}

// safeExtract is src.Extract with a panic turned into an error: it runs in
// a reconcile's goroutines, which nothing else recovers, and one document or
// query must not take the controller down.
func safeExtract(ctx context.Context, src Source, response any, query string) (v float64, err error) {
	defer func() {
		if p := recover(); p != nil {
			v, err = 0, newError(BadQuery, "the query could not be evaluated against the response")
		}
	}()
	return src.Extract(ctx, response, query)
}

// checkRange refuses values truce cannot use: every metric counts leads,
// deals or money, so it is not negative, and no real one exceeds MaxValue.
func checkRange(v float64) error {
	switch {
	case v < 0:
		return newError(OutOfRange, "the value is negative; leads, deals and revenue are counted from zero")
	case v > MaxValue:
		return newError(OutOfRange, "the value is larger than %g", float64(MaxValue))
	}
	return nil
}

func (r *Reader) fetch(ctx context.Context, src Source, expanded string, interval time.Duration) (*entry, string, error) {
	reqKey := src.RequestKey(expanded)
	key := src.Key() + "\x00" + reqKey
	now := r.clock.Now()

	r.mu.Lock()
	if e, ok := r.entries.get(key); ok {
		select {
		case <-e.ready:
			if !e.fetchedAt.Before(SlotStart(now, interval)) {
				r.mu.Unlock()
				r.metrics.hit()
				return e, key, nil
			}
		default:
			// In flight: wait for it rather than send a second request.
			r.mu.Unlock()
			r.metrics.hit()
			return e, key, e.wait(ctx)
		}
	}
	if err := r.backoff.check(now, src.Key(), key); err != nil {
		r.mu.Unlock()
		r.metrics.backedOff()
		return nil, key, err
	}
	e := &entry{ready: make(chan struct{})}
	r.entries.add(key, e, int64(entryOverhead+len(key)))
	r.mu.Unlock()

	start := time.Now()
	// The request outlives a caller that gives up, because others may wait
	// for it; the source's own timeout bounds it.
	e.response, e.err = src.Fetch(context.WithoutCancel(ctx), expanded)
	e.fetchedAt = r.clock.Now()
	close(e.ready)
	r.metrics.request(src, e.err, time.Since(start))

	r.mu.Lock()
	r.backoff.record(e.fetchedAt, src.Key(), key, e.err)
	r.entries.resize(key, e.size(key))
	r.mu.Unlock()
	return e, key, e.wait(ctx)
}

func (e *entry) wait(ctx context.Context) error {
	select {
	case <-e.ready:
		return nil
	case <-ctx.Done():
		return &Error{Kind: TimedOut, Err: fmt.Errorf("the answer did not come within this reconcile's deadline")}
	}
}

// byteLRU is a least-recently-used map bounded by the bytes its values take.
// Callers hold the Reader's lock.
type byteLRU struct {
	max, used int64
	order     *list.List // front is most recent
	items     map[string]*list.Element
}

type lruItem struct {
	key  string
	e    *entry
	size int64
}

func newByteLRU(max int64) *byteLRU {
	return &byteLRU{max: max, order: list.New(), items: map[string]*list.Element{}}
}

func (c *byteLRU) get(key string) (*entry, bool) {
	el, ok := c.items[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*lruItem).e, true
}

func (c *byteLRU) add(key string, e *entry, size int64) {
	if el, ok := c.items[key]; ok {
		c.used -= el.Value.(*lruItem).size
		c.order.Remove(el)
	}
	c.items[key] = c.order.PushFront(&lruItem{key: key, e: e, size: size})
	c.used += size
	c.evict()
}

// resize sets the size of key's entry, if it is still the one cached.
func (c *byteLRU) resize(key string, size int64) {
	el, ok := c.items[key]
	if !ok {
		return
	}
	it := el.Value.(*lruItem)
	c.used += size - it.size
	it.size = size
	c.evict()
}

// evict drops the least recently used entries until the cache fits; an
// entry larger than the whole bound is not kept at all.
func (c *byteLRU) evict() {
	for c.used > c.max && c.order.Len() > 0 {
		el := c.order.Back()
		it := el.Value.(*lruItem)
		c.order.Remove(el)
		delete(c.items, it.key)
		c.used -= it.size
	}
}

// Len is the number of entries kept.
func (c *byteLRU) Len() int { return c.order.Len() }

// readerMetrics are the Reader's own Prometheus metrics.
type readerMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	hits     prometheus.Counter
	backoffs prometheus.Counter
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
		backoffs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "truce_metrics_source_backoffs_total",
			Help: "Requests not sent because their source, or the request itself, kept failing and is backed off.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.duration, m.hits, m.backoffs)
	}
	return m
}

func (m *readerMetrics) hit() { m.hits.Inc() }

func (m *readerMetrics) backedOff() { m.backoffs.Inc() }

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

// SlotStart is the start of the polling slot of interval that now falls in:
// polls are aligned to multiples of their interval, so every object with the
// same interval polls, and shares a request, at the same instants.
func SlotStart(now time.Time, interval time.Duration) time.Time {
	if interval <= 0 {
		return now
	}
	return now.Truncate(interval)
}

// NextPoll is how long after now the next slot of interval starts: when an
// object that polls every interval is read next.
func NextPoll(now time.Time, interval time.Duration) time.Duration {
	if interval <= 0 {
		return 0
	}
	return SlotStart(now, interval).Add(interval).Sub(now)
}

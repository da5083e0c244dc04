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
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	testingclock "k8s.io/utils/clock/testing"
)

// countingPrometheus answers every query with one sample and counts the
// requests it receives per query.
type countingPrometheus struct {
	mu     sync.Mutex
	counts map[string]int
	// release, when not nil, holds every answer until it is closed.
	release chan struct{}
}

func (c *countingPrometheus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	c.mu.Lock()
	c.counts[r.Form.Get("query")]++
	c.mu.Unlock()
	if c.release != nil {
		<-c.release
	}
	promAPI(200, oneSample)(w, r)
}

func (c *countingPrometheus) count(q string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[q]
}

func TestReaderSendsEachRequestOncePerInterval(t *testing.T) {
	server := &countingPrometheus{counts: map[string]int{}, release: make(chan struct{})}
	srv := newServer(t, server)
	clock := testingclock.NewFakeClock(time.Date(2026, 5, 20, 10, 0, 0, 0, time.UTC))
	reg := prometheus.NewRegistry()
	reader := NewReader(clock, 0, reg)
	src, err := NewPrometheus(srv.URL, 5*time.Second, Auth{}, loopback)
	if err != nil {
		t.Fatal(err)
	}
	const query = `sum(increase(marketing_leads_total{campaign="spring-webinar"}[$window]))`
	const sent = `sum(increase(marketing_leads_total{campaign="spring-webinar"}[1w]))`
	interval := 30 * time.Second

	// 200 resources ask at once while the first request is still in flight.
	const askers = 200
	var wg sync.WaitGroup
	var ok atomic.Int32
	for range askers {
		wg.Go(func() {
			if v, err := reader.Read(context.Background(), src, query, Vars{}, interval); err == nil && v == 42.5 {
				ok.Add(1)
			}
		})
	}
	// Let the one request through once it has arrived.
	for server.count(sent) == 0 {
		runtime.Gosched()
	}
	close(server.release)
	wg.Wait()
	if got := ok.Load(); got != askers {
		t.Fatalf("%d of %d askers got the value", got, askers)
	}
	if got := server.count(sent); got != 1 {
		t.Fatalf("the server received %d requests for %d askers, want 1", got, askers)
	}

	// Within the interval, later askers are answered from the cache, and
	// told the reading is the one fetched at the start.
	fetched := clock.Now()
	clock.Step(interval - time.Second)
	for range 10 {
		_, at, err := reader.readFetched(context.Background(), src, query, Vars{}, interval)
		if err != nil {
			t.Fatal(err)
		}
		if !at.Equal(fetched) {
			t.Fatalf("a cached answer says it was fetched at %s, want %s", at, fetched)
		}
	}
	if got := server.count(sent); got != 1 {
		t.Fatalf("the server received %d requests within one interval, want 1", got)
	}

	// The next interval sends the query again, once: a new reading.
	clock.Step(2 * time.Second)
	for range 10 {
		_, at, err := reader.readFetched(context.Background(), src, query, Vars{}, interval)
		if err != nil {
			t.Fatal(err)
		}
		if !at.Equal(clock.Now()) {
			t.Fatalf("the next interval's answer says it was fetched at %s, want %s", at, clock.Now())
		}
	}
	if got := server.count(sent); got != 2 {
		t.Fatalf("the server received %d requests over two intervals, want 2", got)
	}
	if got := testutil.ToFloat64(reader.metrics.requests.WithLabelValues("prometheus", "ok")); got != 2 {
		t.Errorf("truce_metrics_source_requests_total{outcome=ok} is %v, want 2", got)
	}
	if got := testutil.ToFloat64(reader.metrics.hits); got != askers-1+20-1 {
		t.Errorf("truce_metrics_cache_hits_total is %v, want %d", got, askers-1+20-1)
	}
}

func TestReaderKeepsSourcesAndQueriesApart(t *testing.T) {
	server := &countingPrometheus{counts: map[string]int{}}
	srv := newServer(t, server)
	clock := testingclock.NewFakeClock(time.Now())
	reader := NewReader(clock, 0, nil)
	alice, _ := NewPrometheus(srv.URL, time.Second, Auth{BearerToken: "alice"}, loopback)
	bob, _ := NewPrometheus(srv.URL, time.Second, Auth{BearerToken: "bob"}, loopback)
	for _, src := range []Source{alice, bob} {
		for _, q := range []string{"a", "b"} {
			if _, err := reader.Read(context.Background(), src, q, Vars{}, time.Minute); err != nil {
				t.Fatal(err)
			}
		}
	}
	if server.count("a") != 2 || server.count("b") != 2 {
		t.Fatalf("two credentials times two queries: got a=%d b=%d requests, want 2 each", server.count("a"), server.count("b"))
	}
}

func TestReaderCachesFailuresForTheInterval(t *testing.T) {
	var requests atomic.Int32
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		promAPI(500, serverError)(w, r)
	}))
	clock := testingclock.NewFakeClock(time.Now())
	reader := NewReader(clock, 0, nil)
	src, _ := NewPrometheus(srv.URL, time.Second, Auth{}, loopback)
	for range 5 {
		_, err := reader.Read(context.Background(), src, "up", Vars{}, time.Minute)
		if KindOf(err) != BadResponse {
			t.Fatalf("got %v, want a BadResponse error", err)
		}
		var e *Error
		if !errors.As(err, &e) || e.Query != "up" {
			t.Fatalf("the error does not name the query: %v", err)
		}
	}
	if got := requests.Load(); got != 1 {
		t.Fatalf("a failing source received %d requests in one interval, want 1", got)
	}
}

func TestReaderReadsOneDocumentForManyPaths(t *testing.T) {
	var requests atomic.Int32
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		fmt.Fprint(w, `{"leads":120,"qualified":46,"won":{"deals":3,"revenue":"90000"}}`)
	}))
	reader := NewReader(testingclock.NewFakeClock(time.Now()), 0, nil)
	src, _ := NewHTTP(srv.URL, time.Second, 0, Auth{}, loopback)
	want := map[string]float64{"{.leads}": 120, ".qualified": 46, "{.won.deals}": 3, "{.won.revenue}": 90000}
	for q, w := range want {
		got, err := reader.Read(context.Background(), src, q, Vars{}, time.Minute)
		if err != nil || got != w {
			t.Fatalf("%s: got %v, %v; want %v", q, got, err, w)
		}
	}
	if got := requests.Load(); got != 1 {
		t.Fatalf("four paths into one document sent %d requests, want 1", got)
	}
}

func TestReaderStaysWithinItsBoundInBytes(t *testing.T) {
	// Each document is 100 KiB and lives at its own URL; once read, it counts
	// at what its decoded tree takes, its one long string: 100 KiB. The
	// cache may keep 450 KiB.
	pad := strings.Repeat("x", 100<<10)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"pad":%q,"leads":7}`, pad)
	}))
	const bound = 450 << 10
	reader := NewReader(testingclock.NewFakeClock(time.Now()), bound, nil)
	for i := range 20 {
		src, err := NewHTTP(fmt.Sprintf("%s/?doc=%d", srv.URL, i), time.Second, 200<<10, Auth{}, loopback)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := reader.Read(context.Background(), src, "{.leads}", Vars{}, time.Hour); err != nil || v != 7 {
			t.Fatalf("document %d: got %v, %v", i, v, err)
		}
	}
	if got := reader.entries.used; got > bound {
		t.Fatalf("the cache holds %d bytes, over its bound of %d", got, bound)
	}
	if got := reader.entries.Len(); got < 3 || got > 5 {
		t.Fatalf("the cache holds %d documents of 100 KiB in 450 KiB, want 3 to 5", got)
	}

	// Prometheus answers are kept as numbers: thousands fit where five
	// documents did.
	prom := newServer(t, &countingPrometheus{counts: map[string]int{}})
	src, _ := NewPrometheus(prom.URL, time.Second, Auth{}, loopback)
	for i := range 1000 {
		if _, err := reader.Read(context.Background(), src, fmt.Sprintf("q%d", i), Vars{}, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if got := reader.entries.Len(); got < 1000 {
		t.Fatalf("the cache holds %d entries after 1000 Prometheus answers, want them all", got)
	}
}

func TestPollsStartAtTheSlotsOfTheirInterval(t *testing.T) {
	base := time.Date(2026, 5, 20, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		now      time.Time
		interval time.Duration
		want     time.Duration
	}{
		{base, 30 * time.Second, 30 * time.Second},
		{base.Add(time.Second), 30 * time.Second, 29 * time.Second},
		{base.Add(29*time.Second + 999*time.Millisecond), 30 * time.Second, time.Millisecond},
		{base.Add(7 * time.Second), 5 * time.Second, 3 * time.Second},
	} {
		got := NextPoll(c.now, c.interval)
		if got != c.want {
			t.Errorf("NextPoll(%s, %s) = %s, want %s", c.now.Format(time.TimeOnly), c.interval, got, c.want)
		}
		if next := c.now.Add(got); !SlotStart(next, c.interval).Equal(next) {
			t.Errorf("the next poll at %s is not the start of a slot", next.Format(time.TimeOnly))
		}
	}
}

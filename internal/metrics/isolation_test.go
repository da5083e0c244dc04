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
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// httpSpec is a tenant's JSON source at url.
func httpSpec(url string, maxBytes *int64, timeoutSeconds *int32) *v1alpha1.MetricsSource {
	return &v1alpha1.MetricsSource{HTTP: &v1alpha1.HTTPSource{
		URL: url, MaxResponseBytes: maxBytes, Connection: v1alpha1.Connection{TimeoutSeconds: timeoutSeconds},
	}}
}

// TestOneTenantsSourceSettingsDoNotBreakAnothersReads: two tenants name the
// same URL with different caps or timeouts, or a tenant names the default
// source's URL with a cap of its own. The settings change the answer, so
// each reads its own answer, never the other's error or backoff.
func TestOneTenantsSourceSettingsDoNotBreakAnothersReads(t *testing.T) {
	// A 4 KiB document that takes 1.3 s to come: past a 1 KiB cap and a 1 s
	// timeout, within the defaults.
	doc := fmt.Sprintf(`{"leads": 7, "pad": %q}`, strings.Repeat("x", 4<<10))
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("slow") != "" {
			time.Sleep(1300 * time.Millisecond)
		}
		_, _ = w.Write([]byte(doc))
	}))
	def, err := NewDefaultSource(DefaultOptions{URL: srv.URL + "/?default", Guard: LoopbackNetworkGuard()})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name             string
		attacker, victim *v1alpha1.MetricsSource
		wantAttacker     string
	}{
		{"a 1 KiB cap is not another tenant's cap",
			httpSpec(srv.URL, ptr.To[int64](1024), nil), httpSpec(srv.URL, nil, nil), "larger than maxResponseBytes (1024)"},
		{"a 1 s timeout does not back another tenant off",
			httpSpec(srv.URL+"/?slow=1", nil, ptr.To[int32](1)), httpSpec(srv.URL+"/?slow=1", nil, nil), "no answer within the timeout"},
		{"a tenant's source at the default's URL does not fail the default",
			httpSpec(srv.URL+"/?default", ptr.To[int64](1024), nil), nil, "larger than maxResponseBytes (1024)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := &Resolver{Default: def, Guard: LoopbackNetworkGuard()}
			reader := NewReader(clock.RealClock{}, 0, nil)
			read := func(spec *v1alpha1.MetricsSource) (float64, error) {
				src, err := r.Source(context.Background(), "tenant", spec)
				if err != nil {
					t.Fatal(err)
				}
				return reader.Read(context.Background(), src, "{.leads}", Vars{}, time.Hour)
			}
			if _, err := read(c.attacker); err == nil || !strings.Contains(err.Error(), c.wantAttacker) {
				t.Fatalf("the attacker's read: got %v, want %q", err, c.wantAttacker)
			}
			// The victim reads within the same polling interval, and again.
			for i := range 2 {
				if v, err := read(c.victim); err != nil || v != 7 {
					t.Fatalf("the victim's read %d: got %v, %v; want 7", i+1, v, err)
				}
			}
		})
	}
}

// TestSourceKeysNameEverythingThatChangesTheAnswer: the key of a source, on
// which the Reader caches answers and backs off, differs with each setting.
func TestSourceKeysNameEverythingThatChangesTheAnswer(t *testing.T) {
	keys := map[string]string{}
	add := func(name string, s Source, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		for other, k := range keys {
			if k == s.Key() {
				t.Errorf("%s has the key of %s", name, other)
			}
		}
		keys[name] = s.Key()
	}
	const url = "http://crm.example/report"
	h, err := NewHTTP(url, time.Second, 0, Auth{})
	add("an HTTP source", h, err)
	h, err = NewHTTP(url, 2*time.Second, 0, Auth{})
	add("another timeout", h, err)
	h, err = NewHTTP(url, time.Second, 1024, Auth{})
	add("another cap", h, err)
	h, err = NewHTTP(url, time.Second, 0, Auth{BearerToken: "t"})
	add("a token", h, err)
	h, err = NewHTTP(url, time.Second, 0, Auth{}, loopback)
	add("another network guard", h, err)
	p, err := NewPrometheus(url, time.Second, Auth{})
	add("a Prometheus source", p, err)
	p, err = NewPrometheus(url, 2*time.Second, Auth{})
	add("a Prometheus source with another timeout", p, err)

	same, _ := NewHTTP(url, time.Second, 0, Auth{})
	if same.Key() != keys["an HTTP source"] {
		t.Error("two sources with the same settings have different keys: their answers are not shared")
	}
}

// TestTheBackoffTableForgetsTheOldestNotEverything: past its bound the
// table drops the state that failed least recently; a source failing now
// keeps its wait.
func TestTheBackoffTableForgetsTheOldestNotEverything(t *testing.T) {
	now := time.Date(2026, 5, 20, 10, 0, 0, 0, time.UTC)
	b := newBackoff()
	timeout := newError(TimedOut, "no answer within the timeout")
	for i := range maxBackoffStates - 1 {
		b.record(now, "src", fmt.Sprintf("old-%d", i), timeout)
	}
	now = now.Add(time.Second)
	b.record(now, "src", "victim", timeout)
	// More failing requests than there is room for.
	for i := range 100 {
		b.record(now, "src", fmt.Sprintf("new-%d", i), timeout)
	}
	if b.Len() > maxBackoffStates {
		t.Fatalf("the table holds %d states, past its bound of %d", b.Len(), maxBackoffStates)
	}
	if err := b.check(now, "src", "victim"); err == nil {
		t.Fatal("a request that failed a moment ago is no longer backed off: the table was wiped")
	}
	if err := b.check(now, "src", "new-99"); err == nil {
		t.Fatal("the latest failure is not backed off")
	}
	if err := b.check(now, "src", "old-0"); err != nil {
		t.Fatalf("the oldest failure was kept while the table was full: %v", err)
	}

	// Expired states go before live ones, however recent.
	b = newBackoff()
	b.max = 3
	start := now
	b.record(start, "src", "live", timeout)
	b.record(start, "src", "live", timeout)
	b.record(start, "src", "live", timeout) // a 20 s wait
	later := start.Add(backoffCap + 10*time.Second)
	b.record(start.Add(time.Second), "src", "expired", timeout) // 5 s: over by later
	b.record(later.Add(-backoffCap+time.Second), "src", "recent", timeout)
	b.record(later, "src", "newest", timeout)
	for _, k := range []string{"live", "recent", "newest"} {
		if _, ok := b.states[k]; !ok {
			t.Errorf("state %q, whose failures still count, was forgotten", k)
		}
	}
	if _, ok := b.states["expired"]; ok {
		t.Error("an expired state was kept")
	}
}

// TestDroppedSourcesCloseTheirConnections: a source the Resolver drops from
// its cache closes the connections it kept open.
func TestDroppedSourcesCloseTheirConnections(t *testing.T) {
	var open atomic.Int32
	// ConnState is set before the server starts: its goroutines read it.
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"leads": 7}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			open.Add(1)
		case http.StateClosed, http.StateHijacked:
			open.Add(-1)
		}
	}
	srv.Start()
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	r := &Resolver{Guard: LoopbackNetworkGuard(), capacity: 2}
	reader := NewReader(clock.RealClock{}, 0, nil)
	for i := range 3 {
		src, err := r.Source(context.Background(), "tenant", httpSpec(fmt.Sprintf("%s/?tenant=%d", srv.URL, i), nil, nil))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := reader.Read(context.Background(), src, "{.leads}", Vars{}, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	// Three sources read, each on its own connection; the first was
	// dropped for the third.
	deadline := time.Now().Add(5 * time.Second)
	for open.Load() != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections are open, want 2: the dropped source kept its own", open.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

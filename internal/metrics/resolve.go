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
	"sync"
	"time"

	"k8s.io/utils/lru"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// Resolver turns a spec's metrics source into a Source, reading its Secrets,
// and falls back to the controller's default source when the spec names
// none. Sources are reused while their settings and credentials are
// unchanged, so their connections are kept alive between reconciles.
type Resolver struct {
	// Secrets reads the Secrets that sources name. It must be the manager's
	// API reader (mgr.GetAPIReader()), which gets one Secret when asked: a
	// cached client would list and watch every Secret of the cluster.
	Secrets client.Reader
	// Default answers for specs without a source; nil when the controller has
	// none.
	Default Source
	// MaxTimeout is the longest a spec's source may take to answer; a longer
	// timeoutSeconds is cut to it. Zero means DefaultMaxTimeout.
	MaxTimeout time.Duration
	// Guard decides which addresses sources may connect to; nil means
	// DefaultNetworkGuard.
	Guard *NetworkGuard

	once    sync.Once
	mu      sync.Mutex
	sources *lru.Cache
	// capacity is the most sources kept; zero means maxSources.
	capacity int
}

// maxSources bounds the sources kept alive.
const maxSources = 1000

// DefaultMaxTimeout is the ceiling on a spec's timeoutSeconds when the
// operator sets none.
const DefaultMaxTimeout = 30 * time.Second

// Timeout is the time a spec's source has to answer, and a note for status
// when the spec asked for more than the controller allows.
func (r *Resolver) Timeout(spec *v1alpha1.MetricsSource) (time.Duration, string) {
	ceiling := r.MaxTimeout
	if ceiling <= 0 {
		ceiling = DefaultMaxTimeout
	}
	if spec == nil || (spec.Prometheus == nil && spec.HTTP == nil) {
		return ceiling, ""
	}
	conn, field := connection(spec)
	to := DefaultTimeout
	if conn.TimeoutSeconds != nil {
		to = time.Duration(*conn.TimeoutSeconds) * time.Second
	}
	if to > ceiling {
		return ceiling, fmt.Sprintf("%s.timeoutSeconds %d is above the controller's ceiling; %s is used",
			field, int64(to/time.Second), ceiling)
	}
	return to, ""
}

// connection is the settings of the spec's provider and their path.
func connection(spec *v1alpha1.MetricsSource) (v1alpha1.Connection, string) {
	if spec.Prometheus != nil {
		return spec.Prometheus.Connection, "spec.metrics.source.prometheus"
	}
	return spec.HTTP.Connection, "spec.metrics.source.http"
}

// Source is the source for a spec in namespace.
func (r *Resolver) Source(ctx context.Context, namespace string, spec *v1alpha1.MetricsSource) (Source, error) {
	if spec == nil || (spec.Prometheus == nil && spec.HTTP == nil) {
		if r.Default == nil {
			return nil, newError(Misconfigured, "no metrics source: set spec.metrics.source, or start the controller with --prometheus-address or --metrics-url")
		}
		return r.Default, nil
	}
	conn, field := connection(spec)
	a, err := ResolveAuth(ctx, r.Secrets, namespace, field+".auth", conn.Auth, conn.Headers)
	if err != nil {
		return nil, err
	}
	to, _ := r.Timeout(spec)
	var maxBytes int64
	if spec.HTTP != nil && spec.HTTP.MaxResponseBytes != nil {
		maxBytes = *spec.HTTP.MaxResponseBytes
	}
	key := fmt.Sprintf("%+v|%s|%d|%s", sourceEndpoint(spec), to, maxBytes, a.fingerprint())

	r.once.Do(r.init)
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.sources.Get(key); ok {
		return s.(Source), nil
	}
	var s Source
	if spec.Prometheus != nil {
		s, err = NewPrometheus(spec.Prometheus.Address, to, a, WithNetworkGuard(r.Guard))
	} else {
		s, err = NewHTTP(spec.HTTP.URL, to, maxBytes, a, WithNetworkGuard(r.Guard))
	}
	if err != nil {
		return nil, err
	}
	r.sources.Add(key, s)
	return s, nil
}

// init makes the cache of sources. A source it drops closes its idle
// connections: nothing will reuse them, and each holds a socket, and a
// server's resources, for as long as the transport keeps it idle.
func (r *Resolver) init() {
	n := r.capacity
	if n <= 0 {
		n = maxSources
	}
	r.sources = lru.NewWithEvictionFunc(n, func(_ lru.Key, v any) {
		if c, ok := v.(interface{ CloseIdleConnections() }); ok {
			c.CloseIdleConnections()
		}
	})
}

func sourceEndpoint(spec *v1alpha1.MetricsSource) string {
	if spec.Prometheus != nil {
		return "prometheus|" + spec.Prometheus.Address
	}
	return "http|" + spec.HTTP.URL
}

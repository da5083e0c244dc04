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
	"crypto/tls"

	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// ServerOptions are the options of the manager's /metrics server. /metrics
// tells every namespace's quota, bookings and win rate, so when secure it
// is served over HTTPS, and only to a client the API server authenticates
// (a TokenReview of its bearer token) and authorizes to get the
// non-resource URL /metrics (a SubjectAccessReview): Prometheus with the
// metrics-reader ClusterRole. The certificate comes from certDir (tls.crt,
// tls.key, reloaded when they change), or is self-signed at start when
// certDir is empty or holds none. Not secure, it is plain HTTP to anyone,
// for local runs and tests.
//
// HTTP/2 is not offered: its stream handling has let unauthenticated
// clients exhaust servers (CVE-2023-44487, CVE-2023-39325), and a scrape
// gains nothing from it.
func ServerOptions(bindAddress string, secure bool, certDir string) metricsserver.Options {
	o := metricsserver.Options{BindAddress: bindAddress}
	if !secure {
		return o
	}
	o.SecureServing = true
	o.FilterProvider = filters.WithAuthenticationAndAuthorization
	o.CertDir = certDir
	o.TLSOpts = []func(*tls.Config){func(c *tls.Config) {
		c.NextProtos = []string{"http/1.1"}
		c.MinVersion = tls.VersionTLS12
	}}
	return o
}

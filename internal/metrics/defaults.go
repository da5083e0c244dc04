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
	"fmt"
	"os"
	"strings"
	"time"
)

// DefaultSourceNamespaceLabel opts a namespace in to the default source,
// with the value "allowed", under the default
// --default-source-namespace-selector. The default source asks with the
// operator's address and credentials whatever query a spec's author
// writes, so only someone who may label Namespaces (a cluster
// administrator, not a namespace's editors) grants it.
const DefaultSourceNamespaceLabel = "revops.truce.dev/default-metrics-source"

// DefaultSourceNamespaceSelector is --default-source-namespace-selector's
// default: the namespaces labelled DefaultSourceNamespaceLabel=allowed.
const DefaultSourceNamespaceSelector = DefaultSourceNamespaceLabel + "=allowed"

// DefaultOptions are the controller's flags for the source that answers
// specs which name none.
type DefaultOptions struct {
	// PrometheusAddress is the Prometheus API's base URL.
	PrometheusAddress string
	// URL is a JSON endpoint, the alternative to PrometheusAddress.
	URL string
	// BearerTokenFile and CAFile are read at start.
	BearerTokenFile, CAFile string
	// Timeout bounds each request.
	Timeout time.Duration
	// Guard decides which addresses the source may connect to; nil means
	// DefaultNetworkGuard.
	Guard *NetworkGuard
}

// NewDefaultSource builds the default source from flags; nil when no
// address is set.
func NewDefaultSource(o DefaultOptions) (Source, error) {
	if o.PrometheusAddress != "" && o.URL != "" {
		return nil, fmt.Errorf("set --prometheus-address or --metrics-url, not both")
	}
	if o.PrometheusAddress == "" && o.URL == "" {
		return nil, nil
	}
	var a Auth
	if o.BearerTokenFile != "" {
		b, err := os.ReadFile(o.BearerTokenFile)
		if err != nil {
			return nil, fmt.Errorf("reading the bearer token: %w", err)
		}
		a.BearerToken = strings.TrimSpace(string(b))
	}
	if o.CAFile != "" {
		b, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("reading the CA bundle: %w", err)
		}
		a.CAPEM = b
	}
	if o.PrometheusAddress != "" {
		return NewPrometheus(o.PrometheusAddress, o.Timeout, a, WithNetworkGuard(o.Guard))
	}
	return NewHTTP(o.URL, o.Timeout, 0, a, WithNetworkGuard(o.Guard))
}

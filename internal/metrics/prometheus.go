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
	"math"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// DefaultTimeout bounds a request when the spec gives no timeout.
const DefaultTimeout = 10 * time.Second

// Prometheus answers instant PromQL queries.
type Prometheus struct {
	timeout time.Duration
	key     string
	api     promv1.API
}

// NewPrometheus is a source for the Prometheus API at address.
func NewPrometheus(address string, timeout time.Duration, auth Auth) (*Prometheus, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	hc, err := auth.httpClient(timeout)
	if err != nil {
		return nil, err
	}
	c, err := api.NewClient(api.Config{Address: address, Client: hc})
	if err != nil {
		return nil, newError(Misconfigured, "address %q: %v", address, err)
	}
	return &Prometheus{
		timeout: timeout,
		key:     "prometheus|" + address + "|" + auth.fingerprint(),
		api:     promv1.NewAPI(statusClient{c}),
	}, nil
}

// Key identifies the endpoint and credentials.
func (p *Prometheus) Key() string { return p.key }

// RequestKey is the query: each query is its own request.
func (p *Prometheus) RequestKey(query string) string { return query }

// Fetch evaluates query at the current time.
func (p *Prometheus) Fetch(ctx context.Context, query string) (any, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	v, _, _, err := p.api.Query(ctx, query, time.Now(), promv1.WithTimeout(p.timeout))
	if err != nil {
		return nil, classifyPrometheus(err)
	}
	return v, nil
}

// Extract accepts a scalar or a vector of exactly one sample.
func (p *Prometheus) Extract(response any, _ string) (float64, error) {
	var f float64
	switch v := response.(type) {
	case *model.Scalar:
		f = float64(v.Value)
	case model.Vector:
		switch len(v) {
		case 0:
			return 0, newError(EmptyResult, "the query returned no series")
		case 1:
			f = float64(v[0].Value)
		default:
			return 0, newError(MultipleSeries, "the query returned %d series (%s, %s, ...); aggregate them to one, for example with sum()",
				len(v), v[0].Metric, v[1].Metric)
		}
	default:
		return 0, newError(BadResponse, "the query returned a %s; want a scalar or a one-sample vector", response.(model.Value).Type())
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, newError(NotANumber, "the query returned %v", f)
	}
	return f, nil
}

// classifyPrometheus turns the API client's errors into Errors.
func classifyPrometheus(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var apiErr *promv1.Error
	if errors.As(err, &apiErr) {
		switch apiErr.Type {
		case promv1.ErrBadData, promv1.ErrExec:
			return &Error{Kind: BadQuery, Err: fmt.Errorf("%s", apiErr.Msg)}
		case promv1.ErrTimeout, promv1.ErrCanceled:
			return &Error{Kind: TimedOut, Err: fmt.Errorf("%s", apiErr.Msg)}
		case promv1.ErrClient:
			// A transport error (refused, timed out) arrives as a client error
			// that wraps it.
			if k := classifyTransport(err); k != BadResponse {
				return &Error{Kind: k, Err: err}
			}
		}
		return &Error{Kind: BadResponse, Err: fmt.Errorf("%s: %s", apiErr.Msg, truncate(apiErr.Detail, 200))}
	}
	return &Error{Kind: classifyTransport(err), Err: err}
}

// statusClient turns a 401 or 403 into an Unauthorized error, which the
// Prometheus API client would report as a generic client error.
type statusClient struct{ api.Client }

func (c statusClient) Do(ctx context.Context, req *http.Request) (*http.Response, []byte, error) {
	resp, body, err := c.Client.Do(ctx, req)
	if err == nil && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) {
		return resp, body, newError(Unauthorized, "the source answered %s", resp.Status)
	}
	return resp, body, err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

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
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultTimeout bounds a request when the spec gives no timeout.
const DefaultTimeout = 10 * time.Second

// DefaultMaxPrometheusBytes caps a Prometheus answer. An instant query that
// truce can use returns one sample, a few hundred bytes; the cap only stops
// a source from filling the controller's memory.
const DefaultMaxPrometheusBytes = 1 << 20

// Prometheus answers instant PromQL queries through the HTTP query API.
type Prometheus struct {
	endpoint string
	timeout  time.Duration
	maxBytes int64
	key      string
	client   *http.Client
}

// NewPrometheus is a source for the Prometheus API at address.
func NewPrometheus(address string, timeout time.Duration, auth Auth, opts ...Option) (*Prometheus, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	u, err := url.Parse(address)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, newError(Misconfigured, "address %q is not an http:// or https:// URL", address)
	}
	o := buildOptions(opts)
	hc, err := auth.httpClient(timeout, o)
	if err != nil {
		return nil, err
	}
	return &Prometheus{
		endpoint: strings.TrimRight(address, "/") + "/api/v1/query",
		timeout:  timeout,
		maxBytes: DefaultMaxPrometheusBytes,
		key:      sourceKey("prometheus", address, timeout, DefaultMaxPrometheusBytes, auth, o),
		client:   hc,
	}, nil
}

// Key identifies the endpoint and credentials.
func (p *Prometheus) Key() string { return p.key }

// RequestKey is the query: each query is its own request.
func (p *Prometheus) RequestKey(query string) string { return query }

// promValue is what truce keeps of a Prometheus answer: the one number it
// holds. The document itself is dropped as soon as it is read.
type promValue float64

// Fetch evaluates query at the current time and reads its one value.
func (p *Prometheus) Fetch(ctx context.Context, query string) (any, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	// Prometheus stores samples at real time, so the query is evaluated at
	// the real now even when truce runs on a simulated clock.
	form := url.Values{
		"query":   {query},
		"time":    {strconv.FormatFloat(float64(time.Now().UnixMilli())/1000, 'f', 3, 64)},
		"timeout": {p.timeout.String()},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, newError(Misconfigured, "the address is not a valid URL")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, transportError(err)
	}
	defer resp.Body.Close()
	body, err := readCapped(resp.Body, p.maxBytes)
	switch {
	case errors.Is(err, errTooLarge):
		return nil, tooLarge(p.maxBytes)
	case err != nil:
		return nil, transportError(err)
	}
	v, err := parsePrometheus(resp.StatusCode, body)
	if err != nil {
		return nil, err
	}
	return promValue(v), nil
}

// Extract returns the value Fetch read.
func (p *Prometheus) Extract(_ context.Context, response any, _ string) (float64, error) {
	v, ok := response.(promValue)
	if !ok {
		return 0, newError(BadResponse, "no value was read")
	}
	return float64(v), nil
}

// promAnswer is the envelope of the Prometheus HTTP API.
type promAnswer struct {
	Status    string `json:"status"`
	ErrorType string `json:"errorType"`
	Data      *struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	} `json:"data"`
}

// promErrorTypes are the errorType values Prometheus sends; only these are
// named in an error, since anything else is text the source chose.
var promErrorTypes = map[string]bool{
	"timeout": true, "canceled": true, "execution": true, "bad_data": true,
	"internal": true, "unavailable": true, "not_found": true, "not_acceptable": true,
}

// parsePrometheus reads the single value of an instant query's answer. Its
// errors say what kind of answer it was, its status and size, and never
// quote it: the address is the author's choice, and the answer might be a
// token from a metadata service or a page from an internal system. For the
// same reason a PromQL error is reported by its type only; the source's own
// message is shown by running the query in Prometheus.
func parsePrometheus(code int, body []byte) (float64, error) {
	if code == http.StatusUnauthorized || code == http.StatusForbidden {
		return 0, statusError(code, len(body))
	}
	var a promAnswer
	if err := json.Unmarshal(body, &a); err != nil || (a.Status != "success" && a.Status != "error") {
		if code/100 != 2 {
			return 0, statusError(code, len(body))
		}
		return 0, newError(BadResponse, "the source answered HTTP %d with %d bytes that are not a Prometheus API answer", code, len(body))
	}
	if a.Status == "error" {
		et := a.ErrorType
		if !promErrorTypes[et] {
			et = "unknown"
		}
		switch et {
		case "bad_data", "execution":
			return 0, newError(BadQuery, "the source rejected the query (HTTP %d, errorType %s); run it in Prometheus to see why", code, et)
		case "timeout", "canceled":
			return 0, newError(TimedOut, "the query timed out in the source (HTTP %d, errorType %s)", code, et)
		default:
			return 0, newError(BadResponse, "the source answered HTTP %d with an error (errorType %s)", code, et)
		}
	}
	if code/100 != 2 {
		return 0, statusError(code, len(body))
	}
	if a.Data == nil || len(a.Data.Result) == 0 || bytes.Equal(a.Data.Result, []byte("null")) {
		return 0, newError(BadResponse, "the answer (%d bytes) has no result", len(body))
	}
	switch a.Data.ResultType {
	case "scalar":
		var pair []json.RawMessage
		if err := json.Unmarshal(a.Data.Result, &pair); err != nil {
			return 0, newError(BadResponse, "the scalar result is malformed")
		}
		return sampleValue(pair)
	case "vector":
		var samples []struct {
			Value []json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(a.Data.Result, &samples); err != nil {
			return 0, newError(BadResponse, "the vector result is malformed")
		}
		switch len(samples) {
		case 0:
			return 0, newError(EmptyResult, "the query returned no series")
		case 1:
			return sampleValue(samples[0].Value)
		default:
			return 0, newError(MultipleSeries, "the query returned %d series; aggregate them to one, for example with sum()", len(samples))
		}
	case "matrix", "string":
		return 0, newError(BadResponse, "the query returned a %s; want a scalar or a one-sample vector", a.Data.ResultType)
	default:
		return 0, newError(BadResponse, "the answer has an unknown result type; want a scalar or a one-sample vector")
	}
}

// sampleValue reads a [timestamp, "value"] pair. Prometheus writes the value
// as a string; a missing or null value is an error, never zero.
func sampleValue(pair []json.RawMessage) (float64, error) {
	if len(pair) != 2 {
		return 0, newError(BadResponse, "the sample is not a [time, value] pair")
	}
	var s *string
	if err := json.Unmarshal(pair[1], &s); err != nil || s == nil {
		return 0, newError(BadResponse, "the sample's value is missing or not a string")
	}
	f, err := strconv.ParseFloat(*s, 64)
	if err != nil {
		return 0, newError(NotANumber, "the sample's value (%d bytes) is not a number", len(*s))
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, newError(NotANumber, "the query returned %v", f)
	}
	return f, nil
}

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
	"fmt"
	"io"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/util/jsonpath"
)

// DefaultMaxResponseBytes caps a JSON response when the spec gives no cap.
const DefaultMaxResponseBytes = 1 << 20

// HTTP reads metrics from a JSON document: one GET per polling interval, one
// JSONPath expression per metric.
type HTTP struct {
	url      string
	maxBytes int64
	key      string
	client   *http.Client
}

// NewHTTP is a source for the JSON document at url.
func NewHTTP(url string, timeout time.Duration, maxBytes int64, auth Auth) (*HTTP, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxResponseBytes
	}
	hc, err := auth.httpClient(timeout)
	if err != nil {
		return nil, err
	}
	return &HTTP{url: url, maxBytes: maxBytes, key: "http|" + url + "|" + auth.fingerprint(), client: hc}, nil
}

// Key identifies the endpoint and credentials.
func (h *HTTP) Key() string { return h.key }

// RequestKey is empty: one document answers every JSONPath.
func (h *HTTP) RequestKey(string) string { return "" }

// Fetch GETs the document and decodes it.
func (h *HTTP) Fetch(ctx context.Context, _ string) (any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.url, nil)
	if err != nil {
		return nil, newError(Misconfigured, "url %q: %v", h.url, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, &Error{Kind: classifyTransport(err), Err: err}
	}
	defer resp.Body.Close()
	// Read one byte past the cap to tell a body at the cap from a larger one.
	body, err := io.ReadAll(io.LimitReader(resp.Body, h.maxBytes+1))
	if err != nil {
		return nil, &Error{Kind: classifyTransport(err), Err: fmt.Errorf("reading the response: %w", err)}
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, newError(Unauthorized, "the source answered %s", resp.Status)
	case resp.StatusCode/100 != 2:
		return nil, newError(BadResponse, "the source answered %s: %s", resp.Status, truncate(string(body), 200))
	case int64(len(body)) > h.maxBytes:
		return nil, newError(BadResponse, "the response is larger than maxResponseBytes (%d)", h.maxBytes)
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, newError(BadResponse, "the response is not JSON: %v", err)
	}
	return doc, nil
}

// Extract evaluates query, a JSONPath expression such as {.leads.week} or
// .leads.week, against the document. It must select exactly one number (or a
// string holding one).
func (h *HTTP) Extract(response any, query string) (float64, error) {
	jp, err := compileJSONPath(query)
	if err != nil {
		return 0, err
	}
	results, err := jp.FindResults(response)
	if err != nil {
		return 0, newError(EmptyResult, "%v", err)
	}
	var values []reflect.Value
	for _, r := range results {
		values = append(values, r...)
	}
	switch len(values) {
	case 0:
		return 0, newError(EmptyResult, "the path selected nothing")
	case 1:
	default:
		return 0, newError(MultipleSeries, "the path selected %d values; select one", len(values))
	}
	return number(values[0].Interface())
}

// compileJSONPath accepts kubectl's relaxed syntax: braces are optional.
func compileJSONPath(query string) (*jsonpath.JSONPath, error) {
	q := strings.TrimSpace(query)
	if !strings.HasPrefix(q, "{") {
		q = "{" + strings.TrimPrefix(q, "$") + "}"
	}
	jp := jsonpath.New("metric")
	if err := jp.Parse(q); err != nil {
		return nil, newError(BadQuery, "invalid JSONPath: %v", err)
	}
	return jp, nil
}

func number(v any) (float64, error) {
	var f float64
	switch n := v.(type) {
	case json.Number:
		var err error
		if f, err = n.Float64(); err != nil {
			return 0, newError(NotANumber, "%q is not a number", n)
		}
	case string:
		var err error
		if f, err = strconv.ParseFloat(strings.TrimSpace(n), 64); err != nil {
			return 0, newError(NotANumber, "%q is not a number", n)
		}
	case nil:
		return 0, newError(EmptyResult, "the value is null")
	default:
		return 0, newError(NotANumber, "the value is a %T, not a number", v)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, newError(NotANumber, "the value is %v", f)
	}
	return f, nil
}

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
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxResponseBytes caps a JSON response when the spec gives no cap.
const DefaultMaxResponseBytes = 1 << 20

// MaxResponseBytes is the largest cap a spec may set, the API's maximum: a
// document this size decodes, if it is made of ordinary objects, to a few
// times its size, within MaxDecodedBytes. A larger cap stored before the
// API's maximum came down is cut to it.
const MaxResponseBytes = 4 << 20

// HTTP reads metrics from a JSON document: one GET per polling interval, one
// JSONPath expression per metric.
type HTTP struct {
	url      string
	maxBytes int64
	key      string
	client   *http.Client
}

// NewHTTP is a source for the JSON document at url.
func NewHTTP(url string, timeout time.Duration, maxBytes int64, auth Auth, opts ...Option) (*HTTP, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxResponseBytes
	}
	maxBytes = min(maxBytes, MaxResponseBytes)
	o := buildOptions(opts)
	hc, err := auth.httpClient(timeout, o)
	if err != nil {
		return nil, err
	}
	return &HTTP{url: url, maxBytes: maxBytes, key: sourceKey("http", url, timeout, maxBytes, auth, o), client: hc}, nil
}

// Key identifies the endpoint and credentials.
func (h *HTTP) Key() string { return h.key }

// RequestKey is empty: one document answers every JSONPath.
func (h *HTTP) RequestKey(string) string { return "" }

// Fetch GETs the document and checks that it is JSON.
func (h *HTTP) Fetch(ctx context.Context, _ string) (any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.url, nil)
	if err != nil {
		return nil, newError(Misconfigured, "the url is not a valid URL")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, transportError(err)
	}
	defer resp.Body.Close()
	body, err := readCapped(resp.Body, h.maxBytes)
	switch {
	case errors.Is(err, errTooLarge):
		if resp.StatusCode/100 != 2 {
			return nil, statusError(resp.StatusCode, int(h.maxBytes)+1)
		}
		return nil, newError(BadResponse, "the response is larger than maxResponseBytes (%d)", h.maxBytes)
	case err != nil:
		return nil, transportError(err)
	case resp.StatusCode/100 != 2:
		return nil, statusError(resp.StatusCode, len(body))
	case !json.Valid(body):
		return nil, newError(BadResponse, "the response (HTTP %d, %d bytes) is not JSON", resp.StatusCode, len(body))
	}
	return newJSONDoc(body), nil
}

// Extract evaluates query, a JSONPath expression such as {.leads.week} or
// .leads.week, against the document. It must select exactly one number (or a
// string holding one). The evaluation stops at ctx's deadline and after
// MaxPathSteps.
func (h *HTTP) Extract(ctx context.Context, response any, query string) (float64, error) {
	doc, ok := response.(*jsonDoc)
	if !ok {
		return 0, newError(BadResponse, "no document was read")
	}
	return extractJSON(ctx, doc, query)
}

func extractJSON(ctx context.Context, doc *jsonDoc, query string) (v float64, err error) {
	path, err := compileJSONPath(query)
	if err != nil {
		return 0, err
	}
	// A panic in the parser's tree or the evaluation must not take the
	// controller down.
	defer func() {
		if r := recover(); r != nil {
			v, err = 0, newError(BadQuery, "the JSONPath could not be evaluated against the document")
		}
	}()
	tree, err := doc.decoded(ctx)
	if err != nil {
		return 0, err
	}
	var values []any
	err = evalJSONPath(ctx, path, tree, func(x any) error {
		values = append(values, x)
		if len(values) > 1 {
			return errEnough
		}
		return nil
	})
	switch {
	case errors.Is(err, errEnough):
		return 0, newError(MultipleSeries, "the path selects more than one value; select one")
	case err != nil:
		return 0, err
	case len(values) == 0:
		return 0, newError(EmptyResult, "the path selected nothing")
	}
	return number(values[0])
}

func number(v any) (float64, error) {
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case string:
		// Nothing of the string is said, not even its length.
		var err error
		if f, err = strconv.ParseFloat(strings.TrimSpace(n), 64); err != nil {
			return 0, newError(NotANumber, "the value is a string that is not a number")
		}
	case nil:
		return 0, newError(EmptyResult, "the value is null")
	default:
		return 0, newError(NotANumber, "the value is %s, not a number", jsonKind(v))
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, newError(NotANumber, "the value is not a finite number")
	}
	return f, nil
}

// jsonKind names the JSON type of a decoded value.
func jsonKind(v any) string {
	switch v.(type) {
	case bool:
		return "a boolean"
	case *jsonObject:
		return "an object"
	case []any:
		return "an array"
	default:
		return "not a number"
	}
}

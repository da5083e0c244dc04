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
	"reflect"
	"strconv"
	"strings"
	"sync"
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
func NewHTTP(url string, timeout time.Duration, maxBytes int64, auth Auth, opts ...Option) (*HTTP, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxResponseBytes
	}
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

// jsonDoc is a fetched document, kept as the bytes it came in and decoded
// at most once, when the first of its paths is read: one document shared
// by thousands of campaigns is then decoded once per polling interval, not
// once per path, which grew as the square of the fleet. The decoded tree
// counts against the Reader's byte bound.
type jsonDoc struct {
	raw  []byte
	once sync.Once
	tree any
	err  error
}

// decodedFactor approximates the memory of a decoded JSON tree (interfaces,
// maps, json.Number strings) per byte of the document.
const decodedFactor = 8

// Size is the bytes the document takes in the Reader's cache, decoded or
// not yet: the bound holds either way.
func (d *jsonDoc) Size() int64 { return int64(len(d.raw)) * (1 + decodedFactor) }

// decoded is the document's tree, decoded on first use.
func (d *jsonDoc) decoded() (any, error) {
	d.once.Do(func() {
		dec := json.NewDecoder(bytes.NewReader(d.raw))
		dec.UseNumber()
		if err := dec.Decode(&d.tree); err != nil {
			d.err = newError(BadResponse, "the response (%d bytes) is not JSON", len(d.raw))
		}
	})
	return d.tree, d.err
}

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
	return &jsonDoc{raw: body}, nil
}

// Extract evaluates query, a JSONPath expression such as {.leads.week} or
// .leads.week, against the document. It must select exactly one number (or a
// string holding one).
func (h *HTTP) Extract(response any, query string) (float64, error) {
	doc, ok := response.(*jsonDoc)
	if !ok {
		return 0, newError(BadResponse, "no document was read")
	}
	return extractJSON(doc, query)
}

func extractJSON(doc *jsonDoc, query string) (v float64, err error) {
	jp, err := compileJSONPath(query)
	if err != nil {
		return 0, err
	}
	tree, err := doc.decoded()
	if err != nil {
		return 0, err
	}
	// The JSONPath library is not hardened against every document and path;
	// a panic in it must not take the controller down.
	defer func() {
		if r := recover(); r != nil {
			v, err = 0, newError(BadQuery, "the JSONPath could not be evaluated against the document")
		}
	}()
	results, err := jp.FindResults(tree)
	if err != nil {
		return 0, newError(EmptyResult, "the path selected nothing")
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
			return 0, newError(NotANumber, "the value (%d bytes) is not a number", len(n))
		}
	case string:
		var err error
		if f, err = strconv.ParseFloat(strings.TrimSpace(n), 64); err != nil {
			return 0, newError(NotANumber, "the value is a string of %d bytes that is not a number", len(n))
		}
	case nil:
		return 0, newError(EmptyResult, "the value is null")
	default:
		return 0, newError(NotANumber, "the value is %s, not a number", jsonKind(v))
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, newError(NotANumber, "the value is %v", f)
	}
	return f, nil
}

// jsonKind names the JSON type of a decoded value.
func jsonKind(v any) string {
	switch v.(type) {
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	default:
		return "not a number"
	}
}

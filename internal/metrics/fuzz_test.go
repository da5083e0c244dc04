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
	"math"
	"strings"
	"testing"
)

// FuzzParsePrometheus feeds the Prometheus answer parser arbitrary bodies:
// it must not panic, must return a typed error or a finite number, and its
// errors must never quote the body. Run longer with
// go test ./internal/metrics -run '^$' -fuzz FuzzParsePrometheus -fuzztime 1m
func FuzzParsePrometheus(f *testing.F) {
	for _, seed := range []string{
		oneSample, twoSeries, noSeries, nanSample, scalar, matrix, badData, serverError,
		`{}`, `{"status":"success"}`, `null`, `[]`, `"x"`,
		`{"status":"success","data":null}`,
		`{"status":"success","data":{"resultType":"vector","result":null}}`,
		`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,null]}]}}`,
		`{"status":"success","data":{"resultType":"vector","result":[{"value":[1]}]}}`,
		`{"status":"success","data":{"resultType":"scalar","result":[1,"1e400"]}}`,
		`{"status":"success","data":{"resultType":"scalar","result":{"a":1}}}`,
		`{"status":"error","errorType":"QUOTEME","error":"QUOTEME"}`,
	} {
		f.Add(200, []byte(seed))
		f.Add(500, []byte(seed))
	}
	f.Fuzz(func(t *testing.T, code int, body []byte) {
		v, err := parsePrometheus(code, body)
		if err != nil {
			if KindOf(err) == "" {
				t.Fatalf("an untyped error: %v", err)
			}
			if len(body) >= 6 && !strings.Contains(errorTemplateWords, string(body)) && strings.Contains(err.Error(), string(body)) {
				t.Fatalf("the error quotes the body: %v", err)
			}
			return
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("a non-finite value was returned: %v", v)
		}
	})
}

// errorTemplateWords holds the parser's own texts: a body that happens to
// be a word of them is not a quote.
const errorTemplateWords = "the source answered HTTP with bytes that are not a Prometheus API answer rejected the query errorType run it in Prometheus to see why timed out an error has no result scalar vector malformed returned no series aggregate them to one, for example with sum() a matrix string want a or one-sample unknown result type sample is not [time, value] pair sample's value missing number"

// FuzzExtractJSON evaluates arbitrary JSONPaths against arbitrary
// documents: no panic, a typed error or a finite number.
func FuzzExtractJSON(f *testing.F) {
	doc := `{"campaigns":[{"name":"spring-webinar","leads":{"week":120,"qualified":"46"}},{"name":"outbound","leads":{"week":80}}],"bad":"NaN","flag":true,"nothing":null}`
	for _, seed := range []struct{ doc, path string }{
		{doc, `{.campaigns[?(@.name=="spring-webinar")].leads.week}`},
		{doc, `.campaigns[1].leads.week`},
		{doc, `{.campaigns[*].leads.week}`},
		{doc, `{.campaigns[}`},
		{doc, `{range .campaigns[*]}{.name}{end}`},
		{doc, `{.campaigns[-1:].leads.week}`},
		{`null`, `{.a}`},
		{`[1,2,3]`, `{[0]}`},
		{`{"a":1e400}`, `{.a}`},
		{`{"a":"QUOTEME"}`, `{.a}`},
	} {
		f.Add([]byte(seed.doc), seed.path)
	}
	f.Fuzz(func(t *testing.T, doc []byte, path string) {
		v, err := extractJSON(context.Background(), newJSONDoc(doc), path)
		if err != nil {
			if KindOf(err) == "" {
				t.Fatalf("an untyped error: %v", err)
			}
			return
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("a non-finite value was returned: %v", v)
		}
	})
}

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
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// promAPI answers the Prometheus query API with a fixed body and status.
func promAPI(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

const (
	oneSample   = `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"42.5"]}]}}`
	twoSeries   = `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"campaign":"a"},"value":[1700000000,"1"]},{"metric":{"campaign":"b"},"value":[1700000000,"2"]}]}}`
	noSeries    = `{"status":"success","data":{"resultType":"vector","result":[]}}`
	nanSample   = `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"NaN"]}]}}`
	scalar      = `{"status":"success","data":{"resultType":"scalar","result":[1700000000,"7"]}}`
	matrix      = `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1700000000,"1"]]}]}}`
	badData     = `{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected end of input"}`
	serverError = `{"status":"error","errorType":"internal","error":"storage is on fire"}`
)

// loopback lets a source reach the test's httptest servers, which listen on
// 127.0.0.1: the default guard refuses loopback.
var loopback = WithNetworkGuard(LoopbackNetworkGuard())

// newServer is an httptest server closed when the test ends, cutting off
// handlers still blocked on a client that gave up.
func newServer(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	return srv
}

// blockUntilCancelled never answers before the client gives up.
// The body is drained first: only then does the server notice a client that
// hung up and cancel the request's context. The bound keeps a broken client
// from hanging the suite.
func blockUntilCancelled(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

func requireToken(token string, next http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	}
}

func readOnce(t *testing.T, src Source, query string) (float64, error) {
	t.Helper()
	resp, err := src.Fetch(context.Background(), query)
	if err != nil {
		return 0, err
	}
	return src.Extract(context.Background(), resp, query)
}

func TestPrometheusAnswers(t *testing.T) {
	cases := []struct {
		name    string
		handler http.HandlerFunc
		auth    Auth
		want    float64
		kind    ErrorKind
	}{
		{"a one-sample vector is its value", promAPI(200, oneSample), Auth{}, 42.5, ""},
		{"a scalar is its value", promAPI(200, scalar), Auth{}, 7, ""},
		{"a vector of two series is an error", promAPI(200, twoSeries), Auth{}, 0, MultipleSeries},
		{"an empty vector is an error", promAPI(200, noSeries), Auth{}, 0, EmptyResult},
		{"NaN is not a number", promAPI(200, nanSample), Auth{}, 0, NotANumber},
		{"a range vector is a bad response", promAPI(200, matrix), Auth{}, 0, BadResponse},
		{"a PromQL error is a bad query", promAPI(400, badData), Auth{}, 0, BadQuery},
		{"a 500 is a bad response", promAPI(500, serverError), Auth{}, 0, BadResponse},
		{"a 502 with an HTML body is a bad response", promAPI(502, "<html>bad gateway</html>"), Auth{}, 0, BadResponse},
		{"a body that is not JSON is a bad response", promAPI(200, "this is not json"), Auth{}, 0, BadResponse},
		{"a source that does not answer times out", blockUntilCancelled, Auth{}, 0, TimedOut},
		{"a missing token is unauthorized", requireToken("s3cret", promAPI(200, oneSample)), Auth{}, 0, Unauthorized},
		{"a wrong token is unauthorized", requireToken("s3cret", promAPI(200, oneSample)), Auth{BearerToken: "guess"}, 0, Unauthorized},
		{"the right token is let in", requireToken("s3cret", promAPI(200, oneSample)), Auth{BearerToken: "s3cret"}, 42.5, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newServer(t, c.handler)
			src, err := NewPrometheus(srv.URL, 300*time.Millisecond, c.auth, loopback)
			if err != nil {
				t.Fatal(err)
			}
			got, err := readOnce(t, src, `sum(increase(marketing_leads_total[7d]))`)
			checkAnswer(t, got, err, c.want, c.kind)
		})
	}
}

func TestPrometheusUnreachable(t *testing.T) {
	srv := httptest.NewServer(promAPI(200, oneSample))
	addr := srv.URL
	srv.Close()
	src, err := NewPrometheus(addr, time.Second, Auth{}, loopback)
	if err != nil {
		t.Fatal(err)
	}
	_, err = readOnce(t, src, "up")
	checkAnswer(t, 0, err, 0, Unreachable)
}

func TestPrometheusSendsCredentialsAndHeaders(t *testing.T) {
	var user, pass, tenant string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ = r.BasicAuth()
		tenant = r.Header.Get("X-Scope-OrgID")
		promAPI(200, oneSample)(w, r)
	}))
	defer srv.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})

	// Without the CA the server's certificate is not trusted.
	src, err := NewPrometheus(srv.URL, time.Second, Auth{Username: "truce", Password: "pw"}, loopback)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readOnce(t, src, "up"); err == nil {
		t.Fatal("an untrusted certificate was accepted")
	}

	src, err = NewPrometheus(srv.URL, time.Second, Auth{Username: "truce", Password: "pw", CAPEM: ca, Headers: map[string]string{"X-Scope-OrgID": "revenue"}}, loopback)
	if err != nil {
		t.Fatal(err)
	}
	got, err := readOnce(t, src, "up")
	checkAnswer(t, got, err, 42.5, "")
	if user != "truce" || pass != "pw" || tenant != "revenue" {
		t.Errorf("the server saw user %q, password %q, tenant %q", user, pass, tenant)
	}

	if _, err := NewPrometheus(srv.URL, time.Second, Auth{CAPEM: []byte("not a certificate")}, loopback); KindOf(err) != Misconfigured {
		t.Errorf("a CA bundle without certificates: got %v, want Misconfigured", err)
	}
}

func TestHTTPAnswers(t *testing.T) {
	doc := `{"campaigns":[{"name":"spring-webinar","leads":{"week":120,"qualified":"46"}},{"name":"outbound","leads":{"week":80}}],"bad":"NaN","flag":true,"nothing":null}`
	json := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			fmt.Fprint(w, body)
		}
	}
	cases := []struct {
		name    string
		handler http.HandlerFunc
		auth    Auth
		query   string
		want    float64
		kind    ErrorKind
	}{
		{"a path to a number is its value", json(200, doc), Auth{}, `{.campaigns[?(@.name=="spring-webinar")].leads.week}`, 120, ""},
		{"braces are optional", json(200, doc), Auth{}, `.campaigns[1].leads.week`, 80, ""},
		{"a string holding a number is its value", json(200, doc), Auth{}, `{.campaigns[0].leads.qualified}`, 46, ""},
		{"a path selecting two values is an error", json(200, doc), Auth{}, `{.campaigns[*].leads.week}`, 0, MultipleSeries},
		{"a path selecting nothing is an error", json(200, doc), Auth{}, `{.campaigns[?(@.name=="autumn")].leads.week}`, 0, EmptyResult},
		{"a missing key is an empty result", json(200, doc), Auth{}, `{.revenue}`, 0, EmptyResult},
		{"null is an empty result", json(200, doc), Auth{}, `{.nothing}`, 0, EmptyResult},
		{"NaN is not a number", json(200, doc), Auth{}, `{.bad}`, 0, NotANumber},
		{"a boolean is not a number", json(200, doc), Auth{}, `{.flag}`, 0, NotANumber},
		{"an invalid path is a bad query", json(200, doc), Auth{}, `{.campaigns[}`, 0, BadQuery},
		{"a 500 is a bad response", json(500, `{"error":"db down"}`), Auth{}, `{.a}`, 0, BadResponse},
		{"a body that is not JSON is a bad response", json(200, "<html>login</html>"), Auth{}, `{.a}`, 0, BadResponse},
		{"a body over the cap is a bad response", json(200, `{"pad":"`+strings.Repeat("x", 4096)+`","a":1}`), Auth{}, `{.a}`, 0, BadResponse},
		{"a source that does not answer times out", blockUntilCancelled, Auth{}, `{.a}`, 0, TimedOut},
		{"a missing token is unauthorized", requireToken("s3cret", json(200, doc)), Auth{}, `{.campaigns[1].leads.week}`, 0, Unauthorized},
		{"a wrong token is unauthorized", requireToken("s3cret", json(200, doc)), Auth{BearerToken: "guess"}, `{.campaigns[1].leads.week}`, 0, Unauthorized},
		{"the right token is let in", requireToken("s3cret", json(200, doc)), Auth{BearerToken: "s3cret"}, `{.campaigns[1].leads.week}`, 80, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newServer(t, c.handler)
			src, err := NewHTTP(srv.URL, 300*time.Millisecond, 2048, c.auth, loopback)
			if err != nil {
				t.Fatal(err)
			}
			got, err := readOnce(t, src, c.query)
			checkAnswer(t, got, err, c.want, c.kind)
		})
	}
}

func checkAnswer(t *testing.T, got float64, err error, want float64, kind ErrorKind) {
	t.Helper()
	if kind == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		if got != want {
			t.Fatalf("got %v, want %v", got, want)
		}
		return
	}
	if err == nil {
		t.Fatalf("got %v and no error, want a %s error", got, kind)
	}
	if KindOf(err) != kind {
		t.Fatalf("got error %v (%s), want %s", err, KindOf(err), kind)
	}
}

func TestExpand(t *testing.T) {
	start := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name, query string
		vars        Vars
		now         time.Time
		want        string
	}{
		{"$window is a week by default", `increase(x[$window])`, Vars{}, start, `increase(x[1w])`},
		{"$window can be set", `increase(x[$window])`, Vars{Window: 24 * time.Hour}, start, `increase(x[1d])`},
		{"$period is the elapsed period to the minute", `increase(x[$period])`, Vars{PeriodStart: start}, start.Add(50*24*time.Hour + 3*time.Hour + 7*time.Minute + 42*time.Second), `increase(x[50d3h7m])`},
		{"$period is at least a minute", `increase(x[$period])`, Vars{PeriodStart: start}, start.Add(5 * time.Second), `increase(x[1m])`},
		{"both in one query", `increase(a[$period]) / increase(b[$window])`, Vars{PeriodStart: start, Window: time.Hour}, start.Add(2 * time.Hour), `increase(a[2h]) / increase(b[1h])`},
		{"a query without placeholders is unchanged", `sum(crm_open_leads)`, Vars{}, start, `sum(crm_open_leads)`},
	} {
		if got := Expand(c.query, c.vars, c.now); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

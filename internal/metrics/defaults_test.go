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
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestNewDefaultSource(t *testing.T) {
	if src, err := NewDefaultSource(DefaultOptions{}); src != nil || err != nil {
		t.Errorf("no flags: got %v, %v; want no source and no error", src, err)
	}
	if _, err := NewDefaultSource(DefaultOptions{PrometheusAddress: "http://p:9090", URL: "http://crm"}); err == nil {
		t.Error("both --prometheus-address and --metrics-url were accepted")
	}
	if _, err := NewDefaultSource(DefaultOptions{PrometheusAddress: "http://p:9090", BearerTokenFile: "/no/such/file"}); err == nil {
		t.Error("a missing token file was accepted")
	}

	// The token file's content, without its trailing newline, is sent.
	srv := newServer(t, requireToken("from-a-file", promAPI(200, oneSample)))
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := NewDefaultSource(DefaultOptions{PrometheusAddress: srv.URL, BearerTokenFile: file, Timeout: time.Second, Guard: LoopbackNetworkGuard()})
	if err != nil {
		t.Fatal(err)
	}
	got, err := readOnce(t, src, "up")
	checkAnswer(t, got, err, 42.5, "")

	jsonSrv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"leads": 7}`)) }))
	src, err = NewDefaultSource(DefaultOptions{URL: jsonSrv.URL, Guard: LoopbackNetworkGuard()})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := readOnce(t, src, "{.leads}"); err != nil || v != 7 {
		t.Errorf("a JSON default source: got %v, %v; want 7", v, err)
	}
}

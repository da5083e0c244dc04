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
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"k8s.io/utils/clock"
)

// These tests run a real Prometheus, built from source by hack/prometheus.sh
// (`make test` passes its path in TRUCE_PROMETHEUS), scraping a test exporter
// every second whose counters the tests move.

var (
	realProm     *testPrometheus
	realPromErr  error
	realPromOnce sync.Once
)

type testPrometheus struct {
	url   string
	leads *prometheus.CounterVec
	cmd   *exec.Cmd
}

func TestMain(m *testing.M) {
	code := m.Run()
	if realProm != nil {
		_ = realProm.cmd.Process.Kill()
		_ = realProm.cmd.Wait()
	}
	os.Exit(code)
}

// startPrometheus starts Prometheus once for the package.
func startPrometheus(t *testing.T) *testPrometheus {
	t.Helper()
	realPromOnce.Do(func() { realProm, realPromErr = launchPrometheus() })
	if realPromErr != nil {
		t.Fatalf("starting Prometheus: %v", realPromErr)
	}
	return realProm
}

func launchPrometheus() (*testPrometheus, error) {
	bin := os.Getenv("TRUCE_PROMETHEUS")
	if bin == "" {
		out, err := exec.Command(filepath.Join("..", "..", "hack", "prometheus.sh")).Output()
		if err != nil {
			return nil, fmt.Errorf("building Prometheus with hack/prometheus.sh: %w", err)
		}
		bin = strings.TrimSpace(string(out))
	}

	reg := prometheus.NewRegistry()
	leads := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "marketing_leads_total", Help: "Leads generated, by campaign and grade.",
	}, []string{"campaign", "grade"})
	reg.MustRegister(leads)
	exporter, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go func() { _ = http.Serve(exporter, promhttp.HandlerFor(reg, promhttp.HandlerOpts{})) }()

	dir, err := os.MkdirTemp("", "truce-prometheus-")
	if err != nil {
		return nil, err
	}
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
- job_name: exporter
  static_configs:
  - targets: [%q]
`, exporter.Addr().String())
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o600); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin,
		"--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--log.level=warn")
	logFile, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &testPrometheus{url: "http://" + addr, leads: leads, cmd: cmd}
	err = poll(60*time.Second, func() error {
		resp, err := http.Get(p.url + "/-/ready")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("/-/ready answered %s", resp.Status)
		}
		return nil
	})
	if err != nil {
		_ = cmd.Process.Kill()
		log, _ := os.ReadFile(logFile.Name())
		return nil, fmt.Errorf("Prometheus did not become ready: %v\n%s", err, log)
	}
	return p, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// poll calls f until it succeeds or the timeout passes.
func poll(timeout time.Duration, f func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestRealPrometheus(t *testing.T) {
	p := startPrometheus(t)
	src, err := NewPrometheus(p.url, 5*time.Second, Auth{}, loopback)
	if err != nil {
		t.Fatal(err)
	}
	// maxAge 0: every read is a fresh request, so polling sees new samples.
	reader := NewReader(clock.RealClock{}, 0, nil)
	read := func(q string, v Vars) (float64, error) {
		return reader.Read(context.Background(), src, q, v, 0)
	}

	// Every series starts at zero and is scraped a few times before it moves,
	// so increase() has a known starting point.
	for _, l := range [][2]string{{"spring-webinar", "A"}, {"spring-webinar", "C"}, {"outbound", "A"}} {
		p.leads.WithLabelValues(l[0], l[1]).Add(0)
	}
	if err := poll(30*time.Second, func() error {
		n, err := read(`min(count_over_time(marketing_leads_total[1m]))`, Vars{})
		if err == nil && n < 5 {
			err = fmt.Errorf("%v samples so far", n)
		}
		return err
	}); err != nil {
		t.Fatalf("Prometheus did not scrape the exporter: %v", err)
	}

	p.leads.WithLabelValues("spring-webinar", "A").Add(30)
	p.leads.WithLabelValues("spring-webinar", "C").Add(10)
	p.leads.WithLabelValues("outbound", "A").Add(15)
	if err := poll(30*time.Second, func() error {
		n, err := read(`sum(marketing_leads_total)`, Vars{})
		if err == nil && n != 55 {
			err = fmt.Errorf("the exporter's counters are at %v in Prometheus", n)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}

	// increase() extrapolates to the query time by at most one scrape
	// interval past at least five seconds of samples: at most 20% over.
	within := func(name string, got float64, err error, want float64) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		if got < want || got > want*1.2 {
			t.Errorf("%s: got %v, want %v (to 20%% over for extrapolation)", name, got, want)
		}
	}
	got, err := read(`sum(increase(marketing_leads_total{campaign="spring-webinar"}[$window]))`, Vars{})
	within("a campaign's leads per week", got, err, 40)
	got, err = read(`sum(increase(marketing_leads_total{campaign="spring-webinar",grade=~"A|B"}[$window]))`, Vars{})
	within("a campaign's qualified leads per week", got, err, 30)
	got, err = read(`sum(increase(marketing_leads_total{campaign="outbound"}[$period]))`, Vars{PeriodStart: time.Now().Add(-time.Hour)})
	within("leads this period", got, err, 15)

	for _, c := range []struct {
		name, query string
		kind        ErrorKind
	}{
		{"several series are an error", `marketing_leads_total`, MultipleSeries},
		{"a metric nobody exports is an empty result", `sum(crm_won_revenue_total)`, EmptyResult},
		{"invalid PromQL is a bad query", `sum(rate(marketing_leads_total[5m]`, BadQuery},
		{"NaN is not a number", `0/0`, NotANumber},
	} {
		_, err := read(c.query, Vars{})
		if KindOf(err) != c.kind {
			t.Errorf("%s: got %v, want a %s error", c.name, err, c.kind)
		}
	}
}

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

// Command funnelsim simulates the lead funnel around truce on a real
// cluster: it watches the running pods of each Campaign's outreach, turns
// their worker-time into graded leads, lets a simulated sales team accept,
// work and win them, and serves the result both as Prometheus metrics
// (/metrics) and as JSON (/funnel) for truce's http metrics source. A
// scenario file sets yields, quality mixes, win rates and shocks at given
// times; time can run faster than real time.
//
//	funnelsim --scenario hack/funnelsim/scenarios/demo.yaml --listen 127.0.0.1:9300
//
// POST a shock (JSON or YAML, the fields of a scenario's shocks without
// "at") to /shocks to make it happen now.
//
// With a start (the scenario's, or --clock-start) the simulator keeps a
// calendar: a team can count its bookings per period of simulated time,
// and truce run with the same --clock-start, --clock-speed and
// --clock-origin tells the same simulated time.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listersv1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"
)

var salesTargets = schema.GroupVersionResource{Group: "revops.truce.dev", Version: "v1alpha1", Resource: "salestargets"}

func main() {
	var (
		scenarioPath, listen, kubeconfig, namespace string
		clockStart, clockOrigin                     string
		speed                                       float64
		tick                                        time.Duration
	)
	flag.StringVar(&scenarioPath, "scenario", "", "The scenario file (YAML).")
	flag.StringVar(&listen, "listen", "127.0.0.1:9300", "The address /funnel, /metrics and /shocks are served on.")
	flag.StringVar(&kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "The kubeconfig of the cluster whose pods are watched.")
	flag.StringVar(&namespace, "namespace", "", "Overrides the scenario's namespace.")
	flag.Float64Var(&speed, "speed", 0, "Overrides the scenario's speed (simulated seconds per real second).")
	flag.DurationVar(&tick, "tick", 250*time.Millisecond, "How often the simulation advances, in real time; it also advances to the time of each request.")
	flag.StringVar(&clockStart, "clock-start", "", "Overrides the scenario's start: the simulated time (RFC 3339) the simulation starts at.")
	flag.StringVar(&clockOrigin, "clock-origin", "", "The real instant (RFC 3339) the simulation starts at, so that truce's --clock-origin can name the same one; when the simulator starts by default.")
	flag.Parse()
	log.SetFlags(log.Ltime)

	if scenarioPath == "" {
		log.Fatal("--scenario is required")
	}
	var start *metav1.Time
	if clockStart != "" {
		t, err := time.Parse(time.RFC3339, clockStart)
		if err != nil {
			log.Fatalf("--clock-start: %v", err)
		}
		start = &metav1.Time{Time: t}
	}
	origin := time.Now()
	if clockOrigin != "" {
		t, err := time.Parse(time.RFC3339, clockOrigin)
		if err != nil {
			log.Fatalf("--clock-origin: %v", err)
		}
		origin = t
	}
	sc, err := LoadScenario(scenarioPath, start)
	if err != nil {
		log.Fatalf("%s: %v", scenarioPath, err)
	}
	if namespace != "" {
		sc.Namespace = namespace
	}
	if speed > 0 {
		sc.Speed = speed
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		log.Fatalf("reading the kubeconfig: %v", err)
	}
	cs := kubernetes.NewForConfigOrDie(cfg)
	dyn := dynamic.NewForConfigOrDie(cfg)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	factory := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(sc.Namespace))
	pods := factory.Core().V1().Pods().Lister()
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())

	sim := NewSimulator(sc, origin)
	world := &world{sim: sim, scenario: sc, pods: pods, salesTargets: dyn.Resource(salesTargets).Namespace(sc.Namespace)}

	reg := prometheus.NewRegistry()
	reg.MustRegister(&collector{sim: sim})
	mux := http.NewServeMux()
	// Both views are as of the request, not of the last tick, as a CRM's
	// report is: with a calendar, a period's bookings are the period's
	// when truce's clock says it has begun.
	metricsHandler := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		world.advance(r.Context(), time.Now())
		metricsHandler.ServeHTTP(w, r)
	})
	mux.HandleFunc("/funnel", func(w http.ResponseWriter, r *http.Request) {
		world.advance(r.Context(), time.Now())
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(sim.Snapshot())
	})
	mux.HandleFunc("/shocks", world.postShock)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	l, err := net.Listen("tcp", listen)
	if err != nil {
		log.Fatalf("listening on %s: %v", listen, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	log.Printf("funnelsim: %d campaigns, %d teams, speed %gx, serving http://%s/funnel and /metrics", len(sc.Campaigns), len(sc.Teams), sc.Speed, l.Addr())
	if sc.Start != nil {
		log.Printf("funnelsim: simulated time is %s at %s", sc.Start.UTC().Format(time.RFC3339), origin.Format(time.RFC3339Nano))
	}

	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = srv.Shutdown(shutdown)
			cancel()
			return
		case now := <-t.C:
			world.advance(ctx, now)
		}
	}
}

// world connects the simulator to the cluster.
type world struct {
	sim          *Simulator
	scenario     *Scenario
	pods         listersv1.PodLister
	salesTargets dynamic.ResourceInterface
}

// advance applies the shocks due by real time now and steps the simulation
// to it with the workers running now.
func (w *world) advance(ctx context.Context, now time.Time) {
	for _, sh := range w.sim.Due(now) {
		w.apply(ctx, sh, now)
	}
	w.sim.Step(now, w.workers())
}

// workers counts each campaign's pods that are running and ready.
func (w *world) workers() map[string]int {
	out := map[string]int{}
	for _, c := range w.scenario.Campaigns {
		list, err := w.pods.Pods(w.scenario.Namespace).List(c.sel)
		if err != nil {
			continue
		}
		for _, p := range list {
			if running(p) {
				out[c.Name]++
			}
		}
	}
	return out
}

func running(p *corev1.Pod) bool {
	if p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// apply makes a shock happen; a change of headcount is also written to the
// team's SalesTarget, as sales ops would.
func (w *world) apply(ctx context.Context, sh Shock, now time.Time) {
	w.sim.Apply(sh, now)
	log.Printf("shock: %s", describe(sh))
	if sh.Reps == nil {
		return
	}
	for _, t := range w.scenario.Teams {
		if t.Name != sh.Team || t.SalesTarget == "" {
			continue
		}
		patch := fmt.Sprintf(`{"spec":{"capacity":{"reps":%g}}}`, *sh.Reps)
		if _, err := w.salesTargets.Patch(ctx, t.SalesTarget, types.MergePatchType, []byte(patch), metav1.PatchOptions{FieldManager: "funnelsim"}); err != nil {
			log.Printf("updating SalesTarget %s/%s: %v", w.scenario.Namespace, t.SalesTarget, err)
			continue
		}
		log.Printf("SalesTarget %s/%s: spec.capacity.reps is now %g", w.scenario.Namespace, t.SalesTarget, *sh.Reps)
	}
}

func (w *world) postShock(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		rw.Header().Set("Allow", http.MethodPost)
		http.Error(rw, "POST a shock", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	var sh Shock
	if err := yaml.UnmarshalStrict(body, &sh); err != nil {
		http.Error(rw, "parsing the shock: "+err.Error(), http.StatusBadRequest)
		return
	}
	if err := w.scenario.validateShock(&sh); err != nil {
		http.Error(rw, err.Error(), http.StatusUnprocessableEntity)
		return
	}
	w.apply(r.Context(), sh, time.Now())
	rw.WriteHeader(http.StatusAccepted)
}

func describe(sh Shock) string {
	if sh.Description != "" {
		return sh.Description
	}
	b, _ := json.Marshal(sh)
	return string(b)
}

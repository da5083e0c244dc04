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

package balance

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// rampWorld is a campaign whose workers each make yield leads a week, and a
// metrics source that counts, over a trailing weekly window, only the leads
// its workers made while they ran, lag late.
type rampWorld struct {
	yield float64
	lag   time.Duration
	// window is the window the source counts over; a week when zero.
	window time.Duration
}

func (w rampWorld) span() time.Duration {
	if w.window == 0 {
		return Week
	}
	return w.window
}

// leads is what the source answers at now for a campaign that ran history:
// leads per week, counted over its window.
func (w rampWorld) leads(history []WorkerRecord, now time.Time) float64 {
	return w.yield * AverageWorkers(history, now.Add(-w.lag), w.span())
}

// TestRampSettlesWithoutOvershoot plays the ramp that ran away before
// yields came from worker-time: an allocation of 400 leads/wk, 100 leads a
// worker-week, so 4 workers. Reading a week's leads against the workers
// running now read the yield low after every scale-up (2 → 4 → 6 → 8 → 12 →
// … → 192); against the worker-time that made them, it settles.
func TestRampSettlesWithoutOvershoot(t *testing.T) {
	t0 := time.Date(2026, 5, 20, 10, 0, 0, 0, time.UTC)
	const allocated, poll = 400.0, 30 * time.Second
	cases := []struct {
		name string
		// history is what truce knows when the allocation arrives at t0.
		history []WorkerRecord
		start   int32
		plan    float64
		world   rampWorld
		// delay is how late truce is told the source counts
		// (spec.metrics.delaySeconds).
		delay time.Duration
		// most is the highest parallelism allowed on the way.
		most int32
	}{
		{
			name:    "a new campaign truce starts at 2 workers",
			history: []WorkerRecord{{t0, 0}, {t0, 2}}, start: 2, plan: 100,
			world: rampWorld{yield: 100}, most: 4,
		},
		{
			name:    "a new campaign truce starts at 1 worker",
			history: []WorkerRecord{{t0, 0}, {t0, 1}}, start: 1, plan: 100,
			world: rampWorld{yield: 100}, most: 4,
		},
		{
			name:    "a campaign found running 2 workers for a week",
			history: []WorkerRecord{{t0, 2}}, start: 2, plan: 60,
			world: rampWorld{yield: 100}, most: 4,
		},
		{
			name:    "a campaign found running 2 workers, whose leads reach the CRM an hour late",
			history: []WorkerRecord{{t0, 2}}, start: 2, plan: 60,
			world: rampWorld{yield: 100, lag: time.Hour}, most: 4,
		},
		{
			// The plan asks for 8 before a day of worker-time has been
			// seen; then the observed yield brings it back, never past 8.
			name:    "a new campaign whose plan halves the true yield",
			history: []WorkerRecord{{t0, 0}, {t0, 1}}, start: 1, plan: 50,
			world: rampWorld{yield: 100}, most: 8,
		},
		{
			// The demo's shape: a 6-hour window that the source counts
			// 2 hours late. Told the delay, truce divides the leads by
			// the workers that made them.
			name:    "a new campaign whose short window is counted 2 hours late, with the delay set",
			history: []WorkerRecord{{t0, 0}, {t0, 1}}, start: 1, plan: 100,
			world: rampWorld{yield: 100, lag: 2 * time.Hour, window: 6 * time.Hour}, delay: 2 * time.Hour, most: 4,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			history, current := c.history, c.start
			// The world ran what truce knows, and before it what the
			// first record says.
			truth := func() []WorkerRecord { return history }
			var recs []Recommendation
			var changes []Change
			var prev *float64
			highest, path := current, fmt.Sprint(current)
			end := t0.Add(3 * 24 * time.Hour)
			for now := t0; !now.After(end); now = now.Add(poll) {
				leads := c.world.leads(truth(), now)
				yield, basis := Yield(&leads, AverageWorkers(history, now.Add(-c.delay), c.world.span()), prev, c.plan)
				if basis == ObservedBasis {
					prev = &yield
				}
				d := DesiredParallelism(ScaleInput{
					Now: now, Current: current, Allocated: allocated, Yield: yield,
					Min: 0, Max: 200, History: recs, Changes: changes,
				})
				recs, changes = d.History, d.Changes
				if d.Desired != current {
					current = d.Desired
					history = RecordWorkers(history, now, current, c.world.span()+c.delay)
					path += fmt.Sprintf(" → %d", current)
					highest = max(highest, current)
				}
			}
			t.Logf("path: %s", path)
			if current != 4 {
				t.Errorf("settled at %d (%s), want 4", current, path)
			}
			if highest > c.most {
				t.Errorf("went up to %d (%s), want at most %d", highest, path, c.most)
			}
			if len(history) > MaxWorkerRecords {
				t.Errorf("history holds %d records, want at most %d", len(history), MaxWorkerRecords)
			}
		})
	}
}

func TestAverageWorkers(t *testing.T) {
	now := time.Date(2026, 5, 20, 10, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	day := 24 * time.Hour
	for _, c := range []struct {
		name    string
		history []WorkerRecord
		want    float64
	}{
		{"nothing recorded is no workers", nil, 0},
		{"one record holds over the whole window, before it too", []WorkerRecord{{ago(time.Hour), 3}}, 3},
		{"a campaign started from nothing a day ago at 7 averages 1", []WorkerRecord{{ago(day), 0}, {ago(day), 7}}, 1},
		{"half the week at 2, half at 4", []WorkerRecord{{ago(10 * day), 2}, {ago(Week / 2), 4}}, 3},
		{"records older than the window do not count", []WorkerRecord{{ago(30 * day), 50}, {ago(8 * day), 1}}, 1},
		{"a record in the future counts from now on only", []WorkerRecord{{ago(Week), 2}, {now.Add(time.Hour), 100}}, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := AverageWorkers(c.history, now, Week); math.Abs(got-c.want) > 1e-9 {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestRecordWorkers(t *testing.T) {
	now := time.Date(2026, 5, 20, 10, 0, 0, 0, time.UTC)
	t.Run("an unchanged parallelism adds nothing", func(t *testing.T) {
		h := RecordWorkers([]WorkerRecord{{now.Add(-time.Hour), 3}}, now, 3, Week)
		if len(h) != 1 {
			t.Errorf("got %v", h)
		}
	})
	t.Run("a start from nothing keeps its zero at the same instant", func(t *testing.T) {
		h := RecordWorkers([]WorkerRecord{{now, 0}}, now, 4, Week)
		if len(h) != 2 || h[0].Workers != 0 || h[1].Workers != 4 {
			t.Errorf("got %v", h)
		}
	})
	t.Run("records that ended before the window are dropped", func(t *testing.T) {
		h := []WorkerRecord{{now.Add(-20 * 24 * time.Hour), 1}, {now.Add(-10 * 24 * time.Hour), 2}, {now.Add(-time.Hour), 3}}
		h = RecordWorkers(h, now, 5, Week)
		if len(h) != 3 || h[0].Workers != 2 || h[2].Workers != 5 {
			t.Errorf("got %v", h)
		}
	})
	t.Run("a long history is merged to the bound, keeping its average close", func(t *testing.T) {
		var h []WorkerRecord
		at := now.Add(-Week + time.Hour)
		for i := range 200 {
			h = RecordWorkers(h, at, int32(10+i%3), Week)
			at = at.Add(40 * time.Minute)
		}
		if len(h) > MaxWorkerRecords {
			t.Fatalf("holds %d records", len(h))
		}
		if got := AverageWorkers(h, at, Week); math.Abs(got-11) > 0.5 {
			t.Errorf("average %v after merging, want about 11", got)
		}
		if h[len(h)-1].Workers != int32(10+199%3) {
			t.Errorf("the newest record was merged: %v", h[len(h)-1])
		}
	})
}

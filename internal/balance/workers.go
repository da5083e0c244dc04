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
	"math"
	"sort"
	"time"
)

const (
	// MaxWorkerRecords bounds a campaign's parallelism history.
	MaxWorkerRecords = 32
	// minWorkerShare is the worker-time, as a share of one worker over the
	// whole window, that must be behind the window's leads before an
	// observed yield replaces the plan's: a day of one worker in a weekly
	// window. A few leads divided by a few minutes of work say nothing about
	// a worker's week, and leads that reach the CRM late weigh most while
	// the worker-time is short.
	minWorkerShare = 1.0 / 7
)

// WorkerRecord is the parallelism a campaign ran at from Since until the
// next record.
type WorkerRecord struct {
	Since   time.Time
	Workers int32
}

// AverageWorkers is the time-weighted average of the workers in history over
// the window that ends at end. Before its first record the history reads as
// that record: a campaign that truce starts from nothing records a zero
// first, and one found running is taken to have run as it was found.
func AverageWorkers(history []WorkerRecord, end time.Time, window time.Duration) float64 {
	if len(history) == 0 || window <= 0 {
		return 0
	}
	start := end.Add(-window)
	var workerTime float64
	for i, r := range history {
		from := r.Since
		if i == 0 {
			from = start
		}
		to := end
		if i+1 < len(history) {
			to = history[i+1].Since
		}
		from, to = later(from, start), earlier(to, end)
		if to.After(from) {
			workerTime += float64(max(r.Workers, 0)) * float64(to.Sub(from))
		}
	}
	return workerTime / float64(window)
}

// ObservedYield is the leads per week of one worker: the window's leads
// divided by the average workers that produced them. ok is false while
// too little worker-time was observed, or no leads, to tell.
func ObservedYield(leads, averageWorkers float64) (yield float64, ok bool) {
	if math.IsNaN(leads) || math.IsInf(leads, 0) || leads <= 0 ||
		math.IsNaN(averageWorkers) || averageWorkers < minWorkerShare {
		return 0, false
	}
	return finite(leads / averageWorkers), true
}

// ChangesOf are the scale changes a history records, for the scale-up rate
// limit: kept in status with the history, they outlive a restart of the
// controller, so a restart never grants a second step within one period.
func ChangesOf(history []WorkerRecord) []Change {
	var out []Change
	for i := 1; i < len(history); i++ {
		if d := history[i].Workers - history[i-1].Workers; d != 0 {
			out = append(out, Change{Time: history[i].Since, Delta: d})
		}
	}
	return out
}

// RecordWorkers returns history with the campaign running workers from now
// on: a record is added when the parallelism changes, records that ended
// before the window are dropped (the last one to start before it is kept,
// as it covers the window's start), and the history is merged down to
// MaxWorkerRecords.
func RecordWorkers(history []WorkerRecord, now time.Time, workers int32, window time.Duration) []WorkerRecord {
	out := append([]WorkerRecord(nil), history...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Since.Before(out[j].Since) })
	if n := len(out); n == 0 || out[n-1].Workers != workers {
		// A record at the same instant as the one before keeps both: the
		// first still says what ran before.
		out = append(out, WorkerRecord{Since: now, Workers: workers})
	}
	start := now.Add(-window)
	first := 0
	for first+1 < len(out) && !out[first+1].Since.After(start) {
		first++
	}
	out = out[first:]
	for len(out) > MaxWorkerRecords {
		out = mergeClosest(out, now)
	}
	return out
}

// mergeClosest merges the two neighbouring records whose worker counts
// differ least into one at their time-weighted average, which changes the
// history's average the least.
func mergeClosest(h []WorkerRecord, now time.Time) []WorkerRecord {
	best, bestCost := 0, math.Inf(1)
	for i := 0; i+1 < len(h)-1; i++ { // the newest record is never merged
		d := math.Abs(float64(h[i].Workers - h[i+1].Workers))
		span := float64(end(h, i+1, now).Sub(h[i].Since))
		if cost := d * span; cost < bestCost {
			best, bestCost = i, cost
		}
	}
	a, b := h[best], h[best+1]
	da, db := float64(b.Since.Sub(a.Since)), float64(end(h, best+1, now).Sub(b.Since))
	merged := WorkerRecord{Since: a.Since, Workers: a.Workers}
	if da+db > 0 {
		merged.Workers = int32(math.Round((float64(a.Workers)*da + float64(b.Workers)*db) / (da + db)))
	}
	out := append([]WorkerRecord(nil), h[:best]...)
	out = append(out, merged)
	return append(out, h[best+2:]...)
}

// end is when record i of h stops holding.
func end(h []WorkerRecord, i int, now time.Time) time.Time {
	if i+1 < len(h) {
		return h[i+1].Since
	}
	return now
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

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

package main

import (
	"math"
	"testing"
)

func TestCountDrawsAreSeededAndReproducible(t *testing.T) {
	same := func(a, b *draws) bool {
		for range 5 {
			if a.next() != b.next() {
				return false
			}
		}
		return true
	}
	if !same(newDraws(1, 40, 0, leadsStream), newDraws(1, 40, 0, leadsStream)) {
		t.Error("the same seed, day, campaign and stream drew different uniforms")
	}
	for name, other := range map[string]*draws{
		"another seed":     newDraws(2, 40, 0, leadsStream),
		"another day":      newDraws(1, 41, 0, leadsStream),
		"another campaign": newDraws(1, 40, 1, leadsStream),
		"another stream":   newDraws(1, 40, 0, qualifiedStream),
	} {
		if same(newDraws(1, 40, 0, leadsStream), other) {
			t.Errorf("%s drew the same uniforms", name)
		}
	}
	if a, b := newDraws(7, 3, -1, wonStream).binomial(300, 0.04), newDraws(7, 3, -1, wonStream).binomial(300, 0.04); a != b {
		t.Errorf("the same key drew %v and %v wins", a, b)
	}
}

func TestCountDrawsHaveTheirMeansAndVariances(t *testing.T) {
	const n = 20_000
	cases := []struct {
		name      string
		draw      func(*draws) float64
		mean, v   float64
		low, high float64 // bounds every draw must keep
	}{
		{"wins of 25 leads at 4%", func(d *draws) float64 { return d.binomial(25, 0.04) }, 1, 0.96, 0, 25},
		{"qualified of 40 leads at 40%", func(d *draws) float64 { return d.binomial(40, 0.4) }, 16, 9.6, 0, 40},
		{"qualified of 500 leads at 40%, in chunks", func(d *draws) float64 { return d.binomial(500, 0.4) }, 200, 120, 0, 500},
		{"leads of a day at 11 expected", func(d *draws) float64 { return d.poisson(11) }, 11, 11, 0, math.Inf(1)},
		{"leads of a day at 450 expected, in chunks", func(d *draws) float64 { return d.poisson(450) }, 450, 450, 0, math.Inf(1)},
		{"a capacity of 28.57 leads a day, rounded", func(d *draws) float64 { return d.round(200.0 / 7) }, 200.0 / 7, 0.57 * 0.43, 28, 29},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var sum, sq float64
			for i := range n {
				k := c.draw(newDraws(1, i, 0, leadsStream))
				if k != math.Trunc(k) || k < c.low || k > c.high {
					t.Fatalf("drew %v, want a whole number in [%v, %v]", k, c.low, c.high)
				}
				sum += k
				sq += k * k
			}
			mean := sum / n
			v := sq/n - mean*mean
			// Four standard errors of the mean; the variance within 10%.
			if math.Abs(mean-c.mean) > 4*math.Sqrt(c.v/n) || math.Abs(v-c.v) > 0.1*c.v {
				t.Errorf("mean %.3f and variance %.3f, want %.3f and %.3f", mean, v, c.mean, c.v)
			}
		})
	}
}

// TestALargerExpectationNeverDrawsFewer: draws are inversions of one
// uniform per key, so a model that asks for more leads on a day never
// meets fewer of them than one that asks for less.
func TestALargerExpectationNeverDrawsFewer(t *testing.T) {
	for i := range 2_000 {
		if a, b := newDraws(1, i, 0, leadsStream).poisson(9), newDraws(1, i, 0, leadsStream).poisson(12); a > b {
			t.Fatalf("key %d: Poisson(9) drew %v, Poisson(12) %v", i, a, b)
		}
		if a, b := newDraws(1, i, 0, wonStream).binomial(30, 0.03), newDraws(1, i, 0, wonStream).binomial(30, 0.05); a > b {
			t.Fatalf("key %d: Binomial(30, 3%%) drew %v, Binomial(30, 5%%) %v", i, a, b)
		}
	}
}

func TestNothingIsDrawnFromNothing(t *testing.T) {
	d := newDraws(1, 0, 0, leadsStream)
	for _, k := range []float64{d.poisson(0), d.poisson(-3), d.poisson(math.NaN()), d.binomial(0, 0.4), d.binomial(10, 0), d.binomial(-5, 0.5), d.round(0)} {
		if k != 0 {
			t.Errorf("drew %v from nothing", k)
		}
	}
	if k := d.binomial(12, 1); k != 12 {
		t.Errorf("12 trials certain to succeed drew %v", k)
	}
}

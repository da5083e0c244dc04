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

import "math"

// Counts: an archetype with counts draws whole leads and deals instead of
// fluid expected values. Each draw comes from its own stream of uniforms,
// keyed by the run's seed, the day, the campaign and what is drawn, and is
// made by inversion: the same key gives the same uniforms whatever was
// drawn before it, so two models (or truce and the oracle) meet the same
// luck on the same day, and a larger expected count never draws fewer.

// stream is what a count is drawn for; with the day and the campaign it
// keys the draw's uniforms.
type stream uint64

const (
	leadsStream stream = iota + 1
	qualifiedStream
	acceptedStream
	pastSLAStream
	workedStream
	wonStream
)

// draws is a counter-based stream of uniforms in (0, 1).
type draws struct {
	key uint64
	n   uint64
}

// newDraws is the stream of uniforms for what is drawn on day (counted
// from the team's start, negative in the prefill) for campaign (or -1 for
// the team).
func newDraws(seed uint64, day, campaign int, s stream) *draws {
	k := splitmix(seed ^ 0x636f756e7473) // "counts"
	k = splitmix(k ^ uint64(int64(day)))
	k = splitmix(k ^ uint64(int64(campaign+1)))
	return &draws{key: splitmix(k ^ uint64(s))}
}

// next is the stream's next uniform, in (0, 1).
func (d *draws) next() float64 {
	d.n++
	return (float64(splitmix(d.key+d.n)>>11) + 0.5) / (1 << 53)
}

// splitmix is SplitMix64's finalizer: a bijective mix of 64 bits.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// chunk bounds the mean of one inversion, so that e^-mean and (1-p)^n stay
// far from underflow; larger draws are sums of independent chunks.
const chunk = 200

// poisson draws a Poisson count of the given mean.
func (d *draws) poisson(mean float64) float64 {
	if !(mean > 0) || math.IsInf(mean, 0) {
		return 0
	}
	var k float64
	for ; mean > chunk; mean -= chunk {
		k += poissonInverse(d.next(), chunk)
	}
	return k + poissonInverse(d.next(), mean)
}

// poissonInverse is the smallest k whose Poisson(mean) CDF reaches u.
func poissonInverse(u, mean float64) float64 {
	p := math.Exp(-mean)
	f := p
	k := 0.0
	limit := mean + 40*math.Sqrt(mean) + 40
	for f < u && k < limit {
		k++
		p *= mean / k
		f += p
	}
	return k
}

// binomial draws how many of n trials (n is rounded to whole trials)
// succeed with probability p.
func (d *draws) binomial(n, p float64) float64 {
	n = math.Round(n)
	switch {
	case !(n > 0) || !(p > 0):
		return 0
	case p >= 1:
		return n
	}
	var k float64
	for ; n > chunk; n -= chunk {
		k += binomialInverse(d.next(), chunk, p)
	}
	return k + binomialInverse(d.next(), n, p)
}

// binomialInverse is the smallest k whose Binomial(n, p) CDF reaches u.
func binomialInverse(u, n, p float64) float64 {
	q := 1 - p
	pk := math.Pow(q, n)
	f := pk
	k := 0.0
	for f < u && k < n {
		pk *= (n - k) / (k + 1) * p / q
		k++
		f += pk
	}
	return k
}

// round rounds x to a whole number at random, up with the probability of
// its fraction, so that its mean is x.
func (d *draws) round(x float64) float64 {
	if !(x > 0) {
		return 0
	}
	whole := math.Floor(x)
	if d.next() < x-whole {
		whole++
	}
	return whole
}

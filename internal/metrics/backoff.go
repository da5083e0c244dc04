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
	"time"
)

const (
	// backoffBase is the wait after the first failure; each further one
	// doubles it, up to backoffCap.
	backoffBase = 5 * time.Second
	backoffCap  = 5 * time.Minute
	// maxBackoffStates bounds the memory of failures kept.
	maxBackoffStates = 10000
)

// backoff remembers sources and requests that keep failing, so they are not
// asked again until their wait is over: a dead source costs one failed
// connection per wait, not one per object and interval.
//
// A connection that cannot be made (Unreachable) backs off the whole source:
// every query to it would fail the same way. A request that times out backs
// off that request only: on a shared source (the controller's default
// Prometheus) one tenant's slow query must not fail the others'.
// Callers hold the Reader's lock.
type backoff struct {
	states map[string]*backoffState
}

type backoffState struct {
	failures int
	until    time.Time
	kind     ErrorKind
}

func newBackoff() *backoff { return &backoff{states: map[string]*backoffState{}} }

// check returns the error of a source or request still backed off at now.
func (b *backoff) check(now time.Time, sourceKey, requestKey string) error {
	for _, k := range []string{sourceKey, requestKey} {
		if s, ok := b.states[k]; ok && now.Before(s.until) {
			return newError(s.kind, "the source failed %d times in a row; truce tries it again after %s",
				s.failures, s.until.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

// record updates the failures of the source and request after an answer.
func (b *backoff) record(now time.Time, sourceKey, requestKey string, err error) {
	switch KindOf(err) {
	case Unreachable:
		b.bump(now, sourceKey, Unreachable)
	case TimedOut:
		// The connection was made or its failure is unknown: the source
		// stays, the request waits.
		delete(b.states, sourceKey)
		b.bump(now, requestKey, TimedOut)
	default:
		// The source answered.
		delete(b.states, sourceKey)
		delete(b.states, requestKey)
	}
}

func (b *backoff) bump(now time.Time, key string, kind ErrorKind) {
	s, ok := b.states[key]
	if !ok {
		b.prune(now)
		s = &backoffState{}
		b.states[key] = s
	}
	s.failures++
	s.kind = kind
	s.until = now.Add(backoffDelay(s.failures))
}

// backoffDelay is the wait after n consecutive failures.
func backoffDelay(n int) time.Duration {
	d := backoffBase
	for i := 1; i < n && d < backoffCap; i++ {
		d *= 2
	}
	return min(d, backoffCap)
}

// prune keeps the map within its bound: expired waits go first, and if that
// is not enough everything is forgotten (a forgotten source is retried once
// and backed off again).
func (b *backoff) prune(now time.Time) {
	if len(b.states) < maxBackoffStates {
		return
	}
	for k, s := range b.states {
		if !now.Before(s.until.Add(backoffCap)) {
			delete(b.states, k)
		}
	}
	if len(b.states) >= maxBackoffStates {
		clear(b.states)
	}
}

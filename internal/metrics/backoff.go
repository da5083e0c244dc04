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
	"container/list"
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
//
// It keeps at most max states. Past that it forgets the states whose wait
// is long over first, then those that failed least recently: a source that
// is failing now keeps its wait however many others fail.
// Callers hold the Reader's lock.
type backoff struct {
	max       int
	states    map[string]*list.Element
	order     *list.List // of *backoffState; front is the latest failure
	lastSweep time.Time
}

type backoffState struct {
	key      string
	failures int
	until    time.Time
	kind     ErrorKind
}

func newBackoff() *backoff {
	return &backoff{max: maxBackoffStates, states: map[string]*list.Element{}, order: list.New()}
}

// check returns the error of a source or request still backed off at now.
func (b *backoff) check(now time.Time, sourceKey, requestKey string) error {
	for _, k := range []string{sourceKey, requestKey} {
		if el, ok := b.states[k]; ok {
			if s := el.Value.(*backoffState); now.Before(s.until) {
				return newError(s.kind, "the source failed %d times in a row; truce tries it again after %s",
					s.failures, s.until.UTC().Format(time.RFC3339))
			}
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
		b.forget(sourceKey)
		b.bump(now, requestKey, TimedOut)
	default:
		// The source answered.
		b.forget(sourceKey)
		b.forget(requestKey)
	}
}

func (b *backoff) forget(key string) {
	if el, ok := b.states[key]; ok {
		b.order.Remove(el)
		delete(b.states, key)
	}
}

func (b *backoff) bump(now time.Time, key string, kind ErrorKind) {
	el, ok := b.states[key]
	if ok {
		b.order.MoveToFront(el)
	} else {
		b.prune(now)
		el = b.order.PushFront(&backoffState{key: key})
		b.states[key] = el
	}
	s := el.Value.(*backoffState)
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

// expired tells whether a state is no longer worth keeping: its wait ended
// more than backoffCap ago, so a new failure would start the count again
// anyway.
func (s *backoffState) expired(now time.Time) bool {
	return !now.Before(s.until.Add(backoffCap))
}

// prune makes room for one more state: it drops the expired states (a
// sweep of the whole table at most once per backoffBase), and then, if the
// table is still full, the states that failed least recently.
func (b *backoff) prune(now time.Time) {
	if b.order.Len() < b.max {
		return
	}
	if now.Sub(b.lastSweep) >= backoffBase {
		b.lastSweep = now
		for el := b.order.Back(); el != nil; {
			prev := el.Prev()
			if s := el.Value.(*backoffState); s.expired(now) {
				b.order.Remove(el)
				delete(b.states, s.key)
			}
			el = prev
		}
	}
	for b.order.Len() >= b.max {
		el := b.order.Back()
		b.order.Remove(el)
		delete(b.states, el.Value.(*backoffState).key)
	}
}

// Len is the number of states kept.
func (b *backoff) Len() int { return b.order.Len() }

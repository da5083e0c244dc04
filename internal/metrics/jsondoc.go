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
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"golang.org/x/sync/semaphore"
)

// MaxDecodedBytes is the most memory one JSON document may take decoded,
// as the decoder counts it. A document is refused when it would take more:
// a document of ordinary objects takes a few times its size, but one of
// empty objects or small numbers takes 12 to 22 times, and the manager's
// memory, not the document's size, is what must hold.
const MaxDecodedBytes = 32 << 20

// DecodingBytes bounds the memory of the documents being decoded at once,
// across the manager: a decode waits, within its reconcile's deadline,
// until the documents before it are done. Each is weighed at the most it
// may take (decodeRatio times its size, at most MaxDecodedBytes), so small
// documents decode side by side and the largest one at a time: decoding
// also allocates, for a moment, up to a few times what it keeps.
const DecodingBytes = MaxDecodedBytes

// MaxDocumentDepth is the deepest a JSON document may nest. Reports are
// rarely ten levels deep; a deeper document is a hostile one, built to make
// recursive descent (..) multiply.
const MaxDocumentDepth = 100

// decodeRatio bounds the bytes the decoder counts per byte of a document:
// an empty object, "{},", is three bytes and counts 64.
const decodeRatio = 22

// decoding is the manager-wide bound on documents decoding at once,
// weighed in the bytes they may take.
var decoding = semaphore.NewWeighted(DecodingBytes)

// jsonDoc is a fetched document, kept as the bytes it came in and decoded
// at most once, when the first of its paths is read: one document shared
// by thousands of campaigns is then decoded once per polling interval, not
// once per path, which grew as the square of the fleet. Once decoded, the
// bytes are dropped and the tree counts against the Reader's byte bound at
// the size the decoder measured.
type jsonDoc struct {
	// lock is held while the document decodes; a waiter gives up at its
	// deadline.
	lock chan struct{}
	raw  []byte
	done bool
	tree any
	err  error
	size atomic.Int64
}

func newJSONDoc(raw []byte) *jsonDoc {
	d := &jsonDoc{lock: make(chan struct{}, 1), raw: raw}
	d.size.Store(int64(len(raw)))
	return d
}

// Size is the bytes the document takes in the Reader's cache: its raw
// bytes until it is decoded, then what the decoder counted.
func (d *jsonDoc) Size() int64 { return d.size.Load() }

// decoded is the document's tree, decoded on first use within the
// manager-wide bound. A caller whose deadline passes while it waits gets a
// TimedOut error, and the document stays for the next caller to decode.
func (d *jsonDoc) decoded(ctx context.Context) (any, error) {
	select {
	case d.lock <- struct{}{}:
	default:
		select {
		case d.lock <- struct{}{}:
		case <-ctx.Done():
			return nil, newError(TimedOut, "the document was still being decoded at the deadline")
		}
	}
	defer func() { <-d.lock }()
	if d.done {
		return d.tree, d.err
	}
	weight := min(max(int64(len(d.raw))*decodeRatio, 1024), MaxDecodedBytes)
	if err := decoding.Acquire(ctx, weight); err != nil {
		return nil, newError(TimedOut, "other documents were decoding until the deadline")
	}
	tree, size, err := decodeJSON(d.raw, MaxDecodedBytes)
	decoding.Release(weight)
	d.tree, d.err, d.done = tree, err, true
	if err != nil {
		size = int64(len(err.Error()))
	}
	d.raw = nil
	d.size.Store(size)
	return d.tree, d.err
}

// jsonObject is a decoded JSON object: its keys sorted, each with its
// value, so a lookup is a binary search and the memory is two slices.
type jsonObject struct {
	keys []string
	vals []any
}

func (o *jsonObject) get(key string) (any, bool) {
	i, ok := slices.BinarySearch(o.keys, key)
	if !ok {
		return nil, false
	}
	return o.vals[i], true
}

// The bytes the decoder counts for each part of a tree: what the Go runtime
// allocates on 64-bit platforms.
const (
	slotBytes         = 16 // an interface: a value in an array or object, or a key
	stringHeaderBytes = 16 // a string behind an interface
	arrayHeaderBytes  = 24 // a slice behind an interface
	objectBytes       = 48 // a jsonObject
	// A float64 behind an interface takes 8 bytes, but shares a 16-byte
	// block with other small allocations, which it keeps alive.
	numberBytes = 16
)

// sizeClasses are the Go runtime's small allocation sizes up to 1 KiB.
var sizeClasses = []int{8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256,
	288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024}

// allocated is the bytes the runtime takes for an allocation of n bytes:
// small ones are rounded up to a size class (the smallest share 16-byte
// blocks they keep alive), large ones waste up to an eighth.
func allocated(n int) int64 {
	switch {
	case n == 0:
		return 0
	case n <= 16:
		return 16
	case n <= 1024:
		i, _ := slices.BinarySearch(sizeClasses, n)
		return int64(sizeClasses[i])
	default:
		return int64(n + n/8)
	}
}

// decoder builds a tree of nil, bool, float64, string, []any and
// *jsonObject from valid JSON, counting the bytes it takes and refusing past
// a budget, so a document is refused before it fills memory, not after. It
// reads the bytes itself: encoding/json's Token allocates several times the
// tree on the way.
type decoder struct {
	b      []byte
	i      int
	budget int64
	used   int64
	depth  int
	// vals and keys hold the members of the containers being decoded; each
	// container copies its own out when it closes.
	vals []any
	keys []string
}

// decodeJSON decodes raw into a tree and the bytes the tree takes.
func decodeJSON(raw []byte, budget int64) (any, int64, error) {
	d := &decoder{b: raw, budget: budget}
	if !json.Valid(raw) {
		return nil, 0, d.notJSON()
	}
	v, err := d.value()
	if err != nil {
		return nil, 0, err
	}
	return v, d.used, nil
}

func (d *decoder) notJSON() error {
	return newError(BadResponse, "the response (%d bytes) is not JSON", len(d.b))
}

func (d *decoder) charge(n int64) error {
	d.used += n
	if d.used > d.budget {
		return newError(BadResponse, "the response (%d bytes) decodes to more than %d bytes, the most a document may take; have the source send less",
			len(d.b), d.budget)
	}
	return nil
}

// peek skips white space and returns the next byte; the input is valid
// JSON, so there is one wherever peek is called.
func (d *decoder) peek() byte {
	for d.i < len(d.b) {
		switch c := d.b[d.i]; c {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return c
		}
	}
	return 0
}

func (d *decoder) value() (any, error) {
	switch c := d.peek(); c {
	case '[', '{':
		d.depth++
		defer func() { d.depth-- }()
		if d.depth > MaxDocumentDepth {
			return nil, newError(BadResponse, "the response (%d bytes) nests deeper than %d levels", len(d.b), MaxDocumentDepth)
		}
		d.i++
		if c == '[' {
			return d.array()
		}
		return d.object()
	case '"':
		str, err := d.str()
		if err != nil {
			return nil, err
		}
		return str, d.charge(stringHeaderBytes + allocated(len(str)))
	case 't':
		d.i += len("true")
		return true, nil
	case 'f':
		d.i += len("false")
		return false, nil
	case 'n':
		d.i += len("null")
		return nil, nil
	}
	start := d.i
	for d.i < len(d.b) && strings.IndexByte("+-0123456789.eE", d.b[d.i]) >= 0 {
		d.i++
	}
	// A number past float64's range parses as an infinity, which reads as
	// NotANumber.
	f, err := strconv.ParseFloat(string(d.b[start:d.i]), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, d.notJSON()
	}
	return f, d.charge(numberBytes)
}

// str reads a string at d.i; one with escapes is unquoted by encoding/json.
func (d *decoder) str() (string, error) {
	start := d.i
	d.i++
	escaped := false
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case '\\':
			escaped = true
			d.i += 2
			continue
		case '"':
			d.i++
			if !escaped {
				return string(d.b[start+1 : d.i-1]), nil
			}
			var s string
			if err := json.Unmarshal(d.b[start:d.i], &s); err != nil {
				return "", d.notJSON()
			}
			return s, nil
		}
		d.i++
	}
	return "", d.notJSON()
}

func (d *decoder) array() (any, error) {
	start := len(d.vals)
	if d.peek() == ']' {
		d.i++
	} else {
		for {
			v, err := d.value()
			if err != nil {
				return nil, err
			}
			if err := d.charge(slotBytes); err != nil {
				return nil, err
			}
			d.vals = append(d.vals, v)
			c := d.peek()
			d.i++
			if c == ']' {
				break
			}
		}
	}
	n := len(d.vals) - start
	out := make([]any, n)
	copy(out, d.vals[start:])
	clear(d.vals[start:])
	d.vals = d.vals[:start]
	// Each member was counted a slot as it came; the slice's rounding too.
	return out, d.charge(arrayHeaderBytes + allocated(n*slotBytes) - int64(n*slotBytes))
}

func (d *decoder) object() (any, error) {
	start, keyStart := len(d.vals), len(d.keys)
	if d.peek() == '}' {
		d.i++
	} else {
		for {
			d.peek()
			key, err := d.str()
			if err != nil {
				return nil, err
			}
			if err := d.charge(allocated(len(key))); err != nil {
				return nil, err
			}
			d.peek()
			d.i++ // the colon
			v, err := d.value()
			if err != nil {
				return nil, err
			}
			if err := d.charge(slotBytes); err != nil {
				return nil, err
			}
			d.keys = append(d.keys, key)
			d.vals = append(d.vals, v)
			c := d.peek()
			d.i++
			if c == '}' {
				break
			}
		}
	}
	o := sortedObject(d.keys[keyStart:], d.vals[start:])
	clear(d.vals[start:])
	clear(d.keys[keyStart:])
	d.vals, d.keys = d.vals[:start], d.keys[:keyStart]
	// Each member was counted a slot for its value as it came; its key's
	// slot and both slices' rounding are counted here.
	n := len(o.keys)
	return o, d.charge(objectBytes + allocated(n*slotBytes) + 2*(allocated(n*slotBytes)-int64(n*slotBytes)))
}

// sortedObject is the object of keys and vals, sorted by key; of repeated
// keys the last wins, as with encoding/json.
func sortedObject(keys []string, vals []any) *jsonObject {
	idx := make([]int, len(keys))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(keys[a], keys[b]) })
	o := &jsonObject{keys: make([]string, 0, len(keys)), vals: make([]any, 0, len(keys))}
	for n, i := range idx {
		if n+1 < len(idx) && keys[idx[n+1]] == keys[i] {
			continue
		}
		o.keys = append(o.keys, keys[i])
		o.vals = append(o.vals, vals[i])
	}
	return o
}

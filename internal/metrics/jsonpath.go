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
	"errors"
	"math/bits"
	"strings"

	"k8s.io/client-go/util/jsonpath"
)

// MaxPathSteps bounds the work of one JSONPath: each value it visits or
// selects is a step. Reading a field costs a few; a recursive descent (..)
// costs a step per value of the document, and each further .. under it
// multiplies, so {..a..a..a} on a deeply nested document would run for
// hours. Past the bound the query is a BadQuery.
const MaxPathSteps = 1 << 22

// errEnough stops an evaluation once it has found all it needs.
var errEnough = errors.New("enough values")

// pathEval evaluates a JSONPath parsed by client-go's parser over a tree of
// jsonDoc's decoder. It follows client-go's evaluation of kubectl's JSONPath
// with four differences: it stops at MaxPathSteps and at ctx's deadline; it
// hands each value on as it is found instead of building lists, so its
// memory is the depth of the document and the query; a filter orders (<, >,
// <=, >=) numbers only, and says NotANumber of anything else whichever way
// the comparison would go; and range/end, which format text, are refused.
type pathEval struct {
	ctx   context.Context
	steps int
	limit int
}

// evalJSONPath calls emit with each value path selects in tree.
func evalJSONPath(ctx context.Context, path *jsonpath.Parser, tree any, emit func(any) error) error {
	e := &pathEval{ctx: ctx, limit: MaxPathSteps}
	for _, n := range path.Root.Nodes {
		if err := e.node(tree, n, emit); err != nil {
			return err
		}
	}
	return nil
}

func (e *pathEval) tick() error { return e.tickN(1) }

// tickN counts n steps. Comparing strings costs a step per 16 bytes, so a
// long key or name does not make a step slow.
func (e *pathEval) tickN(n int) error {
	before := e.steps
	e.steps += n
	if e.steps > e.limit {
		return newError(BadQuery, "the JSONPath takes more than %d steps through the document; select with fewer recursive descents (..) and wildcards", e.limit)
	}
	if e.steps>>10 != before>>10 && e.ctx.Err() != nil {
		return newError(TimedOut, "the JSONPath was still running at the deadline")
	}
	return nil
}

// list applies nodes in turn, calling k with each value the last selects.
func (e *pathEval) list(v any, nodes []jsonpath.Node, k func(any) error) error {
	if len(nodes) == 0 {
		return k(v)
	}
	return e.node(v, nodes[0], func(out any) error { return e.list(out, nodes[1:], k) })
}

// step hands x on as one step.
func (e *pathEval) step(x any, k func(any) error) error {
	if err := e.tick(); err != nil {
		return err
	}
	return k(x)
}

func (e *pathEval) node(v any, n jsonpath.Node, k func(any) error) error {
	if err := e.tick(); err != nil {
		return err
	}
	switch n := n.(type) {
	case *jsonpath.ListNode:
		return e.list(v, n.Nodes, k)
	case *jsonpath.TextNode:
		return k(n.Text)
	case *jsonpath.IntNode:
		return k(float64(n.Value))
	case *jsonpath.FloatNode:
		return k(n.Value)
	case *jsonpath.BoolNode:
		return k(n.Value)
	case *jsonpath.FieldNode:
		if o, ok := v.(*jsonObject); ok {
			// A binary search compares the key a few times.
			if err := e.tickN(len(n.Value) / 16 * bits.Len(uint(len(o.keys)))); err != nil {
				return err
			}
			if x, ok := o.get(n.Value); ok {
				return k(x)
			}
		}
		return nil
	case *jsonpath.WildcardNode:
		return e.children(v, k)
	case *jsonpath.RecursiveNode:
		return e.descend(v, k)
	case *jsonpath.ArrayNode:
		return e.slice(v, n, k)
	case *jsonpath.UnionNode:
		for _, l := range n.Nodes {
			if err := e.list(v, l.Nodes, k); err != nil {
				return err
			}
		}
		return nil
	case *jsonpath.FilterNode:
		return e.filter(v, n, k)
	case *jsonpath.IdentifierNode:
		return newError(BadQuery, "the JSONPath uses range or another keyword; a metric's path selects one value without them")
	}
	return newError(BadQuery, "the JSONPath has a part truce cannot evaluate")
}

func (e *pathEval) children(v any, k func(any) error) error {
	switch c := v.(type) {
	case []any:
		for _, x := range c {
			if err := e.step(x, k); err != nil {
				return err
			}
		}
	case *jsonObject:
		for _, x := range c.vals {
			if err := e.step(x, k); err != nil {
				return err
			}
		}
	}
	return nil
}

// descend selects v and every array and object under it, as client-go's
// recursive descent does; what follows the .. then looks into each.
func (e *pathEval) descend(v any, k func(any) error) error {
	var kids []any
	switch c := v.(type) {
	case []any:
		kids = c
	case *jsonObject:
		kids = c.vals
	default:
		return nil
	}
	if len(kids) == 0 {
		return nil
	}
	if err := k(v); err != nil {
		return err
	}
	for _, x := range kids {
		if err := e.tick(); err != nil {
			return err
		}
		if err := e.descend(x, k); err != nil {
			return err
		}
	}
	return nil
}

// slice selects [start:end:step] of an array, with client-go's reading of
// the bounds; a bound past the array selects nothing.
func (e *pathEval) slice(v any, n *jsonpath.ArrayNode, k func(any) error) error {
	arr, ok := v.([]any)
	if !ok {
		return nil
	}
	p := n.Params
	size := len(arr)
	if !p[0].Known {
		p[0].Value = 0
	}
	if p[0].Value < 0 {
		p[0].Value += size
	}
	if !p[1].Known {
		p[1].Value = size
	}
	if p[1].Value < 0 || (p[1].Value == 0 && p[1].Derived) {
		p[1].Value += size
	}
	start, end := p[0].Value, p[1].Value
	if start == end || start < 0 || start >= size || end < 0 || end > size || start > end {
		return nil
	}
	step := 1
	if p[2].Known {
		if p[2].Value <= 0 {
			return newError(BadQuery, "a JSONPath slice's step must be positive")
		}
		step = p[2].Value
	}
	for i := start; i < end; i += step {
		if err := e.step(arr[i], k); err != nil {
			return err
		}
	}
	return nil
}

func (e *pathEval) filter(v any, n *jsonpath.FilterNode, k func(any) error) error {
	arr, ok := v.([]any)
	if !ok {
		return nil
	}
	for _, el := range arr {
		if err := e.tick(); err != nil {
			return err
		}
		pass, err := e.test(el, n)
		if err != nil {
			return err
		}
		if pass {
			if err := k(el); err != nil {
				return err
			}
		}
	}
	return nil
}

// test is whether el passes the filter n.
func (e *pathEval) test(el any, n *jsonpath.FilterNode) (bool, error) {
	left, nl, err := e.operand(el, n.Left)
	if err != nil {
		return false, err
	}
	if n.Operator == "exists" || nl == 0 {
		return nl > 0, nil
	}
	right, nr, err := e.operand(el, n.Right)
	if err != nil || nr == 0 {
		return false, err
	}
	ls, _ := left.(string)
	rs, _ := right.(string)
	if err := e.tickN(min(len(ls), len(rs)) / 16); err != nil {
		return false, err
	}
	return compare(n.Operator, left, right)
}

// operand is the value a side of a filter selects, and how many it selects
// (0, 1, or 2 for more than one).
func (e *pathEval) operand(el any, l *jsonpath.ListNode) (any, int, error) {
	var first any
	count := 0
	err := e.list(el, l.Nodes, func(x any) error {
		count++
		if count > 1 {
			return errEnough
		}
		first = x
		return nil
	})
	if errors.Is(err, errEnough) {
		return nil, count, newError(BadQuery, "a side of a JSONPath filter selects more than one value; a filter compares one with one")
	}
	return first, count, err
}

// compare applies a filter's operator. Numbers compare with every operator.
// Equality also holds between two strings, two booleans or two nulls, so a
// filter can pick an entry by name ([?(@.name=="spring")]); it takes a
// whole guess to learn anything of a string that way. An ordering of
// anything but two numbers is NotANumber whichever way it would go: it
// would answer yes or no to "is the token below m?", and read a string out
// a comparison at a time.
func compare(op string, l, r any) (bool, error) {
	lf, lnum := l.(float64)
	rf, rnum := r.(float64)
	switch op {
	case "==", "!=":
		var eq bool
		switch {
		case lnum && rnum:
			eq = lf == rf
		case isScalar(l) && isScalar(r):
			eq = l == r
		default:
			return false, newError(NotANumber, "a JSONPath filter compares an array or object; it compares numbers, or a value with == or != to a quoted name")
		}
		return eq == (op == "=="), nil
	case "<", ">", "<=", ">=":
		if !lnum || !rnum {
			return false, newError(NotANumber, "a JSONPath filter orders (%s) a value that is not a number; <, >, <= and >= compare numbers only", op)
		}
		switch op {
		case "<":
			return lf < rf, nil
		case ">":
			return lf > rf, nil
		case "<=":
			return lf <= rf, nil
		default:
			return lf >= rf, nil
		}
	}
	return false, newError(BadQuery, "a JSONPath filter has an operator other than ==, !=, <, >, <= or >=")
}

func isScalar(v any) bool {
	switch v.(type) {
	case nil, bool, float64, string:
		return true
	}
	return false
}

// compileJSONPath accepts kubectl's relaxed syntax: braces are optional.
func compileJSONPath(query string) (*jsonpath.Parser, error) {
	q := strings.TrimSpace(query)
	if !strings.HasPrefix(q, "{") {
		q = "{" + strings.TrimPrefix(q, "$") + "}"
	}
	p, err := jsonpath.Parse("metric", q)
	if err != nil {
		return nil, newError(BadQuery, "invalid JSONPath: %v", err)
	}
	return p, nil
}

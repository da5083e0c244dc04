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

// Package metrics reads the observed numbers truce decides from: leads,
// qualified leads, won deals and revenue, open leads. A Source is a Prometheus
// query API or a JSON endpoint; a Reader sends each distinct request once per
// polling interval, however many resources ask for it.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
)

// ErrorKind says what went wrong with a query, in a word a condition can use.
type ErrorKind string

const (
	// Unreachable: no connection could be made to the source.
	Unreachable ErrorKind = "Unreachable"
	// TimedOut: the source did not answer within the timeout.
	TimedOut ErrorKind = "TimedOut"
	// Unauthorized: the source refused the credentials (HTTP 401 or 403).
	Unauthorized ErrorKind = "Unauthorized"
	// EmptyResult: the query matched nothing.
	EmptyResult ErrorKind = "EmptyResult"
	// MultipleSeries: the query returned more than one series or value;
	// aggregate it (sum, max) to one.
	MultipleSeries ErrorKind = "MultipleSeries"
	// NotANumber: the result is NaN, infinite or not numeric.
	NotANumber ErrorKind = "NotANumber"
	// BadQuery: the source rejected the query itself (a PromQL or JSONPath
	// error).
	BadQuery ErrorKind = "BadQuery"
	// BadResponse: the source answered with an error status, a body that is
	// not what was expected, or one larger than allowed.
	BadResponse ErrorKind = "BadResponse"
	// OutOfRange: the value is negative or absurdly large (above MaxValue).
	OutOfRange ErrorKind = "OutOfRange"
	// Misconfigured: the source cannot be used as configured, for example a
	// Secret it names is missing.
	Misconfigured ErrorKind = "Misconfigured"
)

// Error is a failed read of one metric.
type Error struct {
	Kind ErrorKind
	// Query is the query as written in the spec.
	Query string
	// Err is the underlying cause.
	Err error
}

func (e *Error) Error() string {
	if e.Query == "" {
		return fmt.Sprintf("%s: %v", e.Kind, e.Err)
	}
	return fmt.Sprintf("%s: query %q: %v", e.Kind, e.Query, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf is the kind of err, or "" when it is not a metrics Error.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

func newError(kind ErrorKind, format string, args ...any) *Error {
	return &Error{Kind: kind, Err: fmt.Errorf(format, args...)}
}

// withQuery names the query in err, classifying transport errors that are not
// yet an Error.
func withQuery(err error, query string) *Error {
	var e *Error
	if errors.As(err, &e) {
		out := *e
		out.Query = query
		return &out
	}
	return &Error{Kind: classifyTransport(err), Query: query, Err: err}
}

// classifyTransport tells a timeout from a connection failure.
func classifyTransport(err error) ErrorKind {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return TimedOut
	case errors.As(err, new(*net.OpError)), errors.As(err, new(*net.DNSError)):
		return Unreachable
	default:
		return BadResponse
	}
}

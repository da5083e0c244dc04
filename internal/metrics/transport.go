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
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"time"
)

// Option changes how a source connects.
type Option func(*clientOptions)

type clientOptions struct {
	guard *NetworkGuard
}

// WithNetworkGuard sets the addresses the source may connect to; without it
// DefaultNetworkGuard applies.
func WithNetworkGuard(g *NetworkGuard) Option {
	return func(o *clientOptions) {
		if g != nil {
			o.guard = g
		}
	}
}

func buildOptions(opts []Option) clientOptions {
	o := clientOptions{}
	for _, f := range opts {
		f(&o)
	}
	if o.guard == nil {
		o.guard = DefaultNetworkGuard()
	}
	return o
}

// httpClient is an HTTP client that applies the credentials and timeout,
// connects only where the guard permits, follows no redirect (a redirect
// would carry the credentials to wherever the source points), and uses no
// proxy from the environment (a proxy would dial for truce, past the guard).
func (a Auth) httpClient(timeout time.Duration, o clientOptions) (*http.Client, error) {
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Control: o.guard.control}
	base := &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           100,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    timeout,
		ResponseHeaderTimeout:  timeout,
		MaxResponseHeaderBytes: 64 << 10,
	}
	if len(a.CAPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(a.CAPEM) {
			return nil, newError(Misconfigured, "the CA bundle holds no PEM certificate")
		}
		base.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{
		Timeout:   timeout,
		Transport: &authTransport{auth: a, next: base},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}, nil
}

// CloseIdleConnections closes the connections the source keeps open
// between requests; the Resolver calls it when it drops the source.
func (h *HTTP) CloseIdleConnections() { h.client.CloseIdleConnections() }

// CloseIdleConnections closes the connections the source keeps open
// between requests; the Resolver calls it when it drops the source.
func (p *Prometheus) CloseIdleConnections() { p.client.CloseIdleConnections() }

// CloseIdleConnections passes on to the transport the credentials wrap:
// http.Client.CloseIdleConnections reaches only a transport that has it.
func (t *authTransport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// errTooLarge is a response body past the cap.
var errTooLarge = errors.New("response too large")

// readCapped reads at most max bytes of body; a longer body is errTooLarge.
func readCapped(body io.Reader, max int64) ([]byte, error) {
	// Read one byte past the cap to tell a body at the cap from a larger one.
	b, err := io.ReadAll(io.LimitReader(body, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, errTooLarge
	}
	return b, nil
}

// transportError classifies a failed request without its text, which may
// quote the server (a TLS alert, a malformed status line): the kind and the
// guard's verdict are enough to act on.
func transportError(err error) *Error {
	kind := classifyTransport(err)
	switch {
	case errors.Is(err, errDenied):
		return newError(Unreachable, "the source's address is denied by the controller's network policy (loopback, link-local and cloud metadata addresses are refused by default)")
	case kind == TimedOut:
		return newError(TimedOut, "no answer within the timeout")
	case kind == Unreachable:
		return newError(Unreachable, "could not connect to the source")
	case errors.Is(err, context.Canceled):
		return newError(TimedOut, "the request was cancelled")
	default:
		var certErr *tls.CertificateVerificationError
		if errors.As(err, &certErr) {
			return newError(Unreachable, "the source's TLS certificate is not trusted")
		}
		return newError(BadResponse, "the request failed (%T)", errors.Unwrap(err))
	}
}

// statusError is the error of an answer with a status that is not 2xx.
func statusError(code, size int) *Error {
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return newError(Unauthorized, "the source answered HTTP %d (%d bytes)", code, size)
	case code/100 == 3:
		return newError(BadResponse, "the source answered HTTP %d (%d bytes), a redirect; truce follows none: set the final address", code, size)
	default:
		return newError(BadResponse, "the source answered HTTP %d (%d bytes)", code, size)
	}
}

func tooLarge(max int64) *Error {
	return newError(BadResponse, "the response is larger than %d bytes", max)
}

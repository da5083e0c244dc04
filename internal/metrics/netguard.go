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
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"syscall"
)

// DefaultDeniedNetworks are the addresses a metrics source may not be at
// unless the operator says otherwise: link-local ranges, where clouds serve
// instance metadata and its credentials, and the metadata addresses that lie
// outside them.
var DefaultDeniedNetworks = []string{
	"169.254.0.0/16",     // IPv4 link-local, 169.254.169.254 among them
	"fe80::/10",          // IPv6 link-local
	"fd00:ec2::254/128",  // AWS instance metadata over IPv6
	"100.100.100.200/32", // Alibaba Cloud instance metadata
}

// NetworkGuard decides at dial time which addresses truce may connect to for
// metrics. It checks the address actually dialled, after DNS resolution, so
// a name that resolves to a denied address (metadata.google.internal, or a
// name rebound between checks) is refused too.
//
// Whatever the lists say, it refuses an address with an IPv6 zone
// (fe80::1%eth0): a zoned address is in no prefix, so it would pass every
// check. And it refuses loopback unless AllowLoopback is set: 127.0.0.0/8,
// ::1, and the unspecified addresses 0.0.0.0 and ::, which a connect reaches
// loopback through. The manager's own endpoints (the health probes, pprof)
// listen there, and so may a node's or a sidecar's.
type NetworkGuard struct {
	// Allowed, when not empty, are the only networks truce connects to.
	Allowed []netip.Prefix
	// Denied are never connected to, even when also allowed.
	Denied []netip.Prefix
	// AllowLoopback lets truce connect to loopback, subject to Allowed and
	// Denied: for a source on the same machine, in tests, demos and local
	// runs (--metrics-allow-loopback).
	AllowLoopback bool
}

// errDenied marks a connection the guard refused.
var errDenied = errors.New("denied by the controller's network policy")

// DefaultNetworkGuard denies DefaultDeniedNetworks and loopback, and allows
// the rest.
func DefaultNetworkGuard() *NetworkGuard {
	g, err := NewNetworkGuard("", strings.Join(DefaultDeniedNetworks, ","))
	if err != nil {
		panic(err)
	}
	return g
}

// LoopbackNetworkGuard is DefaultNetworkGuard with loopback allowed: what a
// test, a demo or a local run needs to read a source on 127.0.0.1.
func LoopbackNetworkGuard() *NetworkGuard {
	g := DefaultNetworkGuard()
	g.AllowLoopback = true
	return g
}

// NewNetworkGuard parses comma-separated CIDR lists, such as the
// --metrics-allowed-networks and --metrics-denied-networks flags; loopback
// stays refused (set AllowLoopback to allow it).
func NewNetworkGuard(allowed, denied string) (*NetworkGuard, error) {
	a, err := parsePrefixes(allowed)
	if err != nil {
		return nil, fmt.Errorf("allowed networks: %w", err)
	}
	d, err := parsePrefixes(denied)
	if err != nil {
		return nil, fmt.Errorf("denied networks: %w", err)
	}
	return &NetworkGuard{Allowed: a, Denied: d}, nil
}

func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Permits tells whether addr may be connected to.
func (g *NetworkGuard) Permits(addr netip.Addr) bool {
	if addr.Zone() != "" {
		return false
	}
	addr = addr.Unmap()
	if addr.IsUnspecified() {
		// A connect to 0.0.0.0 or :: reaches this machine's loopback; check
		// it as what it reaches.
		if addr.Is4() {
			addr = netip.AddrFrom4([4]byte{127, 0, 0, 1})
		} else {
			addr = netip.IPv6Loopback()
		}
	}
	if addr.IsLoopback() && !g.AllowLoopback {
		return false
	}
	for _, p := range g.Denied {
		if p.Contains(addr) {
			return false
		}
	}
	if len(g.Allowed) == 0 {
		return true
	}
	for _, p := range g.Allowed {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// fingerprint names what the guard permits, for the keys of sources that
// use it.
func (g *NetworkGuard) fingerprint() string {
	h := sha256.New()
	fmt.Fprintf(h, "allowed=%v\x00denied=%v\x00loopback=%t", g.Allowed, g.Denied, g.AllowLoopback)
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// control is a net.Dialer Control function: it runs on the resolved address
// of every connection, just before the connect.
func (g *NetworkGuard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("address %q: %w", address, errDenied)
	}
	if !g.Permits(ap.Addr()) {
		return fmt.Errorf("address %s: %w", ap.Addr(), errDenied)
	}
	return nil
}

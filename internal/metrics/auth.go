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
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// Auth is the resolved credentials and connection settings of a source.
type Auth struct {
	// BearerToken is sent as "Authorization: Bearer <token>".
	BearerToken string
	// Username and Password are sent as HTTP basic authentication.
	Username, Password string
	// CAPEM is a PEM bundle of the CAs that sign the source's certificate;
	// empty means the system's.
	CAPEM []byte
	// Headers are sent with every request.
	Headers map[string]string
}

// fingerprint is a digest of everything that can change an answer, so the
// cache never shares responses between different credentials.
func (a Auth) fingerprint() string {
	h := sha256.New()
	fmt.Fprintf(h, "bearer=%s\x00user=%s\x00pass=%s\x00ca=%s\x00", a.BearerToken, a.Username, a.Password, a.CAPEM)
	names := make([]string, 0, len(a.Headers))
	for k := range a.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(h, "%s=%s\x00", k, a.Headers[k])
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// httpClient is an HTTP client that applies the credentials and timeout.
func (a Auth) httpClient(timeout time.Duration) (*http.Client, error) {
	base := http.DefaultTransport.(*http.Transport).Clone()
	if len(a.CAPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(a.CAPEM) {
			return nil, newError(Misconfigured, "the CA bundle holds no PEM certificate")
		}
		base.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Timeout: timeout, Transport: &authTransport{auth: a, next: base}}, nil
}

// authTransport adds credentials and headers to each request.
type authTransport struct {
	auth Auth
	next http.RoundTripper
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	for k, v := range t.auth.Headers {
		req.Header.Set(k, v)
	}
	switch {
	case t.auth.BearerToken != "":
		req.Header.Set("Authorization", "Bearer "+t.auth.BearerToken)
	case t.auth.Username != "" || t.auth.Password != "":
		req.SetBasicAuth(t.auth.Username, t.auth.Password)
	}
	return t.next.RoundTrip(req)
}

// ResolveAuth reads the Secrets an auth block names from namespace, plus the
// headers, into an Auth. A missing Secret or key is a Misconfigured error.
func ResolveAuth(ctx context.Context, r client.Reader, namespace string, spec *v1alpha1.SourceAuth, headers []v1alpha1.HTTPHeader) (Auth, error) {
	var a Auth
	if len(headers) > 0 {
		a.Headers = make(map[string]string, len(headers))
		for _, h := range headers {
			a.Headers[h.Name] = h.Value
		}
	}
	if spec == nil {
		return a, nil
	}
	read := func(sel *corev1.SecretKeySelector) (string, error) {
		s := &corev1.Secret{}
		if err := r.Get(ctx, types.NamespacedName{Namespace: namespace, Name: sel.Name}, s); err != nil {
			if apierrors.IsNotFound(err) {
				return "", newError(Misconfigured, "Secret %q not found in namespace %q", sel.Name, namespace)
			}
			return "", fmt.Errorf("reading Secret %q: %w", sel.Name, err)
		}
		v, ok := s.Data[sel.Key]
		if !ok {
			return "", newError(Misconfigured, "Secret %q has no key %q", sel.Name, sel.Key)
		}
		return string(v), nil
	}
	var err error
	if spec.BearerToken != nil {
		if a.BearerToken, err = read(spec.BearerToken); err != nil {
			return a, err
		}
	}
	if spec.Basic != nil {
		if a.Username, err = read(&spec.Basic.Username); err != nil {
			return a, err
		}
		if a.Password, err = read(&spec.Basic.Password); err != nil {
			return a, err
		}
	}
	if spec.CA != nil {
		ca, err := read(spec.CA)
		if err != nil {
			return a, err
		}
		a.CAPEM = []byte(ca)
	}
	return a, nil
}

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
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/http"
	"sort"

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
// headers, into an Auth. field is the auth block's path in the spec, such as
// spec.metrics.source.http.auth, so errors name the field to fix. A missing
// Secret or key, or a value that cannot be a credential, is a Misconfigured
// error.
//
// The errors say which Secret or key is missing: the admission policy lets
// only a user who may get those Secrets name them, so this tells the author
// nothing they could not read themselves. They never quote a value.
func ResolveAuth(ctx context.Context, r client.Reader, namespace, field string, spec *v1alpha1.SourceAuth, headers []v1alpha1.HTTPHeader) (Auth, error) {
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
	read := func(path string, sel *corev1.SecretKeySelector) ([]byte, error) {
		s := &corev1.Secret{}
		if err := r.Get(ctx, types.NamespacedName{Namespace: namespace, Name: sel.Name}, s); err != nil {
			if apierrors.IsNotFound(err) {
				return nil, newError(Misconfigured, "%s.%s: Secret %q not found", field, path, sel.Name)
			}
			return nil, fmt.Errorf("reading the Secret named in %s.%s: %w", field, path, err)
		}
		v, ok := s.Data[sel.Key]
		if !ok {
			return nil, newError(Misconfigured, "%s.%s: Secret %q has no key %q", field, path, sel.Name, sel.Key)
		}
		return v, nil
	}
	credential := func(path string, sel *corev1.SecretKeySelector) (string, error) {
		v, err := read(path, sel)
		if err != nil {
			return "", err
		}
		if why := notACredential(v); why != "" {
			return "", newError(Misconfigured, "%s.%s: the value is not sent: %s", field, path, why)
		}
		return string(v), nil
	}
	var err error
	if spec.BearerToken != nil {
		if a.BearerToken, err = credential("bearerToken", spec.BearerToken); err != nil {
			return a, err
		}
	}
	if spec.Basic != nil {
		if a.Username, err = credential("basic.username", &spec.Basic.Username); err != nil {
			return a, err
		}
		if a.Password, err = credential("basic.password", &spec.Basic.Password); err != nil {
			return a, err
		}
	}
	if spec.CA != nil {
		ca, err := read("ca", spec.CA)
		if err != nil {
			return a, err
		}
		if why := notCertificates(ca); why != "" {
			return a, newError(Misconfigured, "%s.ca: %s", field, why)
		}
		a.CAPEM = ca
	}
	return a, nil
}

// maxCredentialBytes bounds a token or password; service-account tokens and
// other JWTs stay well below it.
const maxCredentialBytes = 8 << 10

// notACredential says why v must not be sent as a bearer token or a basic
// auth user or password, or "" when it may. A Secret key holding a private
// key, a kubeconfig or a certificate bundle is not a token: such values span
// lines or hold a PEM block, and sending them to an author-chosen URL would
// hand them over. Tokens and passwords are a single line of printable text.
func notACredential(v []byte) string {
	switch {
	case len(v) == 0:
		return "it is empty"
	case len(v) > maxCredentialBytes:
		return fmt.Sprintf("it is longer than %d bytes", maxCredentialBytes)
	case bytes.Contains(v, []byte("-----BEGIN")):
		return "it holds a PEM block, such as a key or certificate"
	}
	for _, c := range v {
		if c < 0x20 || c == 0x7f {
			return "it holds a line break or another control character"
		}
	}
	return ""
}

// notCertificates says why v is not a PEM bundle of certificates only, or
// "" when it is.
func notCertificates(v []byte) string {
	n := 0
	for rest := v; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			if len(bytes.TrimSpace(rest)) > 0 && n == 0 {
				return "the value is not a PEM bundle of certificates"
			}
			break
		}
		if b.Type != "CERTIFICATE" {
			return "the bundle holds a PEM block that is not a certificate"
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return "the bundle holds a certificate that does not parse"
		}
		n++
	}
	if n == 0 {
		return "the value is not a PEM bundle of certificates"
	}
	return ""
}

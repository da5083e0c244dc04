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
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	testingclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// secret stands for what a tenant must never see: a metadata service's
// access token, an internal page.
const secret = "ya29.SECRET-ACCESS-TOKEN"

func TestErrorsNeverQuoteTheResponse(t *testing.T) {
	prom := func(status int, body string) http.HandlerFunc { return promAPI(status, body) }
	cases := []struct {
		name    string
		handler http.HandlerFunc
		prom    bool
		query   string
		kind    ErrorKind
	}{
		{"a JSON value that is not a number", prom(200, `{"access_token":"`+secret+`"}`), false, "{.access_token}", NotANumber},
		{"a JSON error page", prom(500, `{"error":"`+secret+`"}`), false, "{.a}", BadResponse},
		{"a text answer", prom(200, secret), false, "{.a}", BadResponse},
		{"a 401 with a body", prom(401, secret), false, "{.a}", Unauthorized},
		{"a Prometheus answer that is plain text", prom(200, secret), true, "up", BadResponse},
		{"a Prometheus 502 page", prom(502, "<html>"+secret+"</html>"), true, "up", BadResponse},
		{"a Prometheus error message", prom(400, `{"status":"error","errorType":"bad_data","error":"`+secret+`"}`), true, "up", BadQuery},
		{"a Prometheus error type of the source's choosing", prom(500, `{"status":"error","errorType":"`+secret+`","error":"x"}`), true, "up", BadResponse},
		{"a Prometheus sample that is not a number", prom(200, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"`+secret+`"]}]}}`), true, "up", NotANumber},
		{"Prometheus series labels", prom(200, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"t":"`+secret+`"},"value":[1,"1"]},{"metric":{"u":"`+secret+`"},"value":[1,"2"]}]}}`), true, "up", MultipleSeries},
		{"a Prometheus result type of the source's choosing", prom(200, `{"status":"success","data":{"resultType":"`+secret+`","result":[]}}`), true, "up", BadResponse},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newServer(t, c.handler)
			var src Source
			var err error
			if c.prom {
				src, err = NewPrometheus(srv.URL, time.Second, Auth{}, loopback)
			} else {
				src, err = NewHTTP(srv.URL, time.Second, 0, Auth{}, loopback)
			}
			if err != nil {
				t.Fatal(err)
			}
			reader := NewReader(testingclock.NewFakeClock(time.Now()), 0, nil)
			_, err = reader.Read(context.Background(), src, c.query, Vars{}, time.Minute)
			checkAnswer(t, 0, err, 0, c.kind)
			if strings.Contains(err.Error(), "SECRET") {
				t.Fatalf("the error quotes the response: %v", err)
			}
		})
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	var stolen atomic.Value
	stolen.Store("")
	var reached atomic.Int32
	thief := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		stolen.Store(r.Header.Get("Authorization"))
		promAPI(200, oneSample)(w, r)
	}))
	for _, to := range []string{thief.URL, "/elsewhere"} {
		redirector := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/elsewhere" {
				reached.Add(1)
				stolen.Store(r.Header.Get("Authorization"))
			}
			http.Redirect(w, r, to+"/api/v1/query", http.StatusTemporaryRedirect)
		}))
		src, err := NewPrometheus(redirector.URL, time.Second, Auth{BearerToken: "s3cret"}, loopback)
		if err != nil {
			t.Fatal(err)
		}
		_, err = readOnce(t, src, "up")
		checkAnswer(t, 0, err, 0, BadResponse)
		if !strings.Contains(err.Error(), "redirect") {
			t.Errorf("a redirect to %s: the error does not say it was a redirect: %v", to, err)
		}
	}
	if reached.Load() != 0 || stolen.Load() != "" {
		t.Fatalf("a redirect was followed: the target got %d requests, Authorization %q", reached.Load(), stolen.Load())
	}
}

func TestNetworkGuard(t *testing.T) {
	def := DefaultNetworkGuard()
	for _, c := range []struct {
		addr string
		ok   bool
	}{
		{"169.254.169.254", false}, // every cloud's instance metadata
		{"169.254.10.1", false},
		{"fe80::1", false},
		{"fd00:ec2::254", false},
		{"::ffff:169.254.169.254", false}, // an IPv4-mapped IPv6 address
		{"100.100.100.200", false},
		{"127.0.0.1", false}, // the manager's own probes and pprof listen on loopback
		{"127.8.9.10", false},
		{"::1", false},
		{"::ffff:127.0.0.1", false},
		{"0.0.0.0", false}, // a connect to the unspecified address reaches loopback
		{"::", false},
		{"fd00:ec2::254%eth0", false}, // a zone puts an address in no prefix
		{"fe80::1%eth0", false},
		{"2001:db8::1%eth0", false},
		{"10.0.0.7", true},
		{"2001:db8::1", true},
	} {
		if got := def.Permits(netip.MustParseAddr(c.addr)); got != c.ok {
			t.Errorf("the default guard permits %s: %v, want %v", c.addr, got, c.ok)
		}
	}
	local := LoopbackNetworkGuard()
	for addr, ok := range map[string]bool{"127.0.0.1": true, "::1": true, "0.0.0.0": true, "169.254.169.254": false, "::1%lo": false} {
		if got := local.Permits(netip.MustParseAddr(addr)); got != ok {
			t.Errorf("the default guard with loopback allowed permits %s: %v, want %v", addr, got, ok)
		}
	}
	g, err := NewNetworkGuard("10.0.0.0/8, 127.0.0.0/8", "10.96.0.0/12")
	if err != nil {
		t.Fatal(err)
	}
	for addr, ok := range map[string]bool{"10.1.2.3": true, "127.0.0.1": false, "10.96.0.1": false, "192.0.2.1": false, "169.254.169.254": false} {
		if got := g.Permits(netip.MustParseAddr(addr)); got != ok {
			t.Errorf("allowed 10/8,127/8, denied 10.96/12: %s permitted %v, want %v", addr, got, ok)
		}
	}
	g.AllowLoopback = true
	if !g.Permits(netip.MustParseAddr("127.0.0.1")) || g.Permits(netip.MustParseAddr("::1")) {
		t.Error("loopback allowed: the allowed list (127/8, not ::1) does not decide")
	}
	// An operator who allows loopback but denies it by CIDR: the unspecified
	// addresses are loopback too.
	d, err := NewNetworkGuard("", "127.0.0.0/8,::1/128")
	if err != nil {
		t.Fatal(err)
	}
	d.AllowLoopback = true
	for _, addr := range []string{"127.0.0.1", "0.0.0.0", "::", "::ffff:0.0.0.0"} {
		if d.Permits(netip.MustParseAddr(addr)) {
			t.Errorf("127/8 and ::1 denied: %s is permitted", addr)
		}
	}
	if _, err := NewNetworkGuard("not-a-cidr", ""); err == nil {
		t.Error("an invalid CIDR was accepted")
	}
}

// TestTheGuardChecksTheDialledAddress refuses a loopback server by policy:
// the name "localhost" is resolved first, the unspecified address 0.0.0.0
// reaches loopback, and the check is on the address dialled, so no name can
// lead past it. The default guard refuses loopback; so does a guard that
// allows it but denies 127/8 by CIDR.
func TestTheGuardChecksTheDialledAddress(t *testing.T) {
	var reached atomic.Int32
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		promAPI(200, oneSample)(w, r)
	}))
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	deny, err := NewNetworkGuard("", "127.0.0.0/8,::1/128")
	if err != nil {
		t.Fatal(err)
	}
	deny.AllowLoopback = true
	for name, guard := range map[string]*NetworkGuard{"the default guard": DefaultNetworkGuard(), "a guard denying 127/8": deny} {
		for _, addr := range []string{srv.URL, "http://localhost:" + port, "http://0.0.0.0:" + port} {
			src, err := NewPrometheus(addr, time.Second, Auth{}, WithNetworkGuard(guard))
			if err != nil {
				t.Fatal(err)
			}
			_, err = readOnce(t, src, "up")
			checkAnswer(t, 0, err, 0, Unreachable)
			if !strings.Contains(err.Error(), "network policy") {
				t.Errorf("%s, %s: the error does not say the policy refused it: %v", name, addr, err)
			}
		}
	}
	if reached.Load() != 0 {
		t.Fatalf("a denied address was connected to %d times", reached.Load())
	}
	// The same server is read when the policy allows it.
	for _, addr := range []string{srv.URL, "http://0.0.0.0:" + port} {
		src, _ := NewPrometheus(addr, time.Second, Auth{}, loopback)
		got, err := readOnce(t, src, "up")
		checkAnswer(t, got, err, 42.5, "")
	}
}

// TestTheGuardRefusesZonedAddresses: a zoned address is in no prefix, so
// without a rule of its own it passes the denied list.
func TestTheGuardRefusesZonedAddresses(t *testing.T) {
	for _, addr := range []string{"[fd00:ec2::254%25eth0]:80", "[fe80::1%25lo]:80"} {
		src, err := NewPrometheus("http://"+addr, time.Second, Auth{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = readOnce(t, src, "up")
		if !strings.Contains(fmt.Sprint(err), "network policy") {
			t.Errorf("%s: got %v, want a refusal by the network policy", addr, err)
		}
	}
	if err := DefaultNetworkGuard().control("tcp6", "[fd00:ec2::254%eth0]:80", nil); !errors.Is(err, errDenied) {
		t.Errorf("the dial-time check let a zoned metadata address through: %v", err)
	}
}

func TestPrometheusAnswersAreCapped(t *testing.T) {
	// A valid answer padded past the cap with a label.
	pad := strings.Repeat("x", DefaultMaxPrometheusBytes)
	srv := newServer(t, promAPI(200, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"pad":"`+pad+`"},"value":[1,"1"]}]}}`))
	src, _ := NewPrometheus(srv.URL, 5*time.Second, Auth{}, loopback)
	_, err := readOnce(t, src, "up")
	checkAnswer(t, 0, err, 0, BadResponse)
	if !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("want a size error, got %v", err)
	}
}

func TestPrometheusOddAnswersAreTypedErrors(t *testing.T) {
	for _, c := range []struct {
		name, body string
		kind       ErrorKind
	}{
		{"an empty object", `{}`, BadResponse},
		{"success without data", `{"status":"success"}`, BadResponse},
		{"null", `null`, BadResponse},
		{"data without a result", `{"status":"success","data":{"resultType":"vector"}}`, BadResponse},
		{"a null result", `{"status":"success","data":{"resultType":"vector","result":null}}`, BadResponse},
		{"a null sample value", `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,null]}]}}`, BadResponse},
		{"a sample without a value", `{"status":"success","data":{"resultType":"vector","result":[{"metric":{}}]}}`, BadResponse},
		{"a numeric sample value", `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,5]}]}}`, BadResponse},
		{"a null scalar", `{"status":"success","data":{"resultType":"scalar","result":null}}`, BadResponse},
		{"an infinite value", `{"status":"success","data":{"resultType":"scalar","result":[1,"+Inf"]}}`, NotANumber},
		{"a value past float64", `{"status":"success","data":{"resultType":"scalar","result":[1,"1e400"]}}`, NotANumber},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := newServer(t, promAPI(200, c.body))
			src, _ := NewPrometheus(srv.URL, time.Second, Auth{}, loopback)
			reader := NewReader(testingclock.NewFakeClock(time.Now()), 0, nil)
			v, err := reader.Read(context.Background(), src, "sum(leads)", Vars{}, time.Minute)
			checkAnswer(t, v, err, 0, c.kind)
			if !strings.Contains(err.Error(), `"sum(leads)"`) {
				t.Errorf("the error does not name the query: %v", err)
			}
		})
	}
}

func TestValuesOutOfRangeAreRefused(t *testing.T) {
	for _, c := range []struct {
		name, value string
		want        float64
		kind        ErrorKind
	}{
		{"a large but real value is kept as read", "123456789012.345", 123456789012.345, ""},
		{"a value past the ceiling", "1e16", 0, OutOfRange},
		{"a negative count", "-5", 0, OutOfRange},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := newServer(t, promAPI(200, `{"status":"success","data":{"resultType":"scalar","result":[1,"`+c.value+`"]}}`))
			src, _ := NewPrometheus(srv.URL, time.Second, Auth{}, loopback)
			reader := NewReader(testingclock.NewFakeClock(time.Now()), 0, nil)
			v, err := reader.Read(context.Background(), src, "leads", Vars{}, time.Minute)
			checkAnswer(t, v, err, c.want, c.kind)
		})
	}
}

func TestResolveAuthSendsOnlyCredentials(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalECPrivateKey(key)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER})

	c := fake.NewClientBuilder().WithObjects(&corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "revenue", Name: "creds"},
		Data: map[string][]byte{
			"token":    []byte("abc.def.ghi"),
			"user":     []byte("truce"),
			"tls.key":  keyPEM,
			"tls.crt":  certPEM,
			"multi":    []byte("line one\nline two"),
			"kube":     []byte("apiVersion: v1\nkind: Config\n"),
			"ca-mixed": append(append([]byte{}, certPEM...), keyPEM...),
		},
	}).Build()
	sel := func(k string) *corev1.SecretKeySelector {
		return &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "creds"}, Key: k}
	}
	const field = "spec.metrics.source.http.auth"
	for _, tc := range []struct {
		name string
		auth v1alpha1.SourceAuth
		want string // "" means accepted; else the field named in the error
	}{
		{"a token is sent", v1alpha1.SourceAuth{BearerToken: sel("token")}, ""},
		{"a password that is a private key is not", v1alpha1.SourceAuth{Basic: &v1alpha1.BasicAuth{Username: *sel("user"), Password: *sel("tls.key")}}, field + ".basic.password"},
		{"a token that is a private key is not", v1alpha1.SourceAuth{BearerToken: sel("tls.key")}, field + ".bearerToken"},
		{"a token that is a certificate is not", v1alpha1.SourceAuth{BearerToken: sel("tls.crt")}, field + ".bearerToken"},
		{"a multi-line password is not", v1alpha1.SourceAuth{Basic: &v1alpha1.BasicAuth{Username: *sel("user"), Password: *sel("multi")}}, field + ".basic.password"},
		{"a kubeconfig is not a token", v1alpha1.SourceAuth{BearerToken: sel("kube")}, field + ".bearerToken"},
		{"a CA of certificates is used", v1alpha1.SourceAuth{CA: sel("tls.crt")}, ""},
		{"a CA that is a key is refused", v1alpha1.SourceAuth{CA: sel("tls.key")}, field + ".ca"},
		{"a CA bundle with a key in it is refused", v1alpha1.SourceAuth{CA: sel("ca-mixed")}, field + ".ca"},
		{"a missing key is named", v1alpha1.SourceAuth{BearerToken: sel("nope")}, field + ".bearerToken"},
		{"a missing Secret is named", v1alpha1.SourceAuth{BearerToken: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "gone"}, Key: "k"}}, field + ".bearerToken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ResolveAuth(context.Background(), c, "revenue", field, &tc.auth, nil)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if KindOf(err) != Misconfigured || !strings.Contains(err.Error(), tc.want+":") {
				t.Fatalf("got %v, want a Misconfigured error naming %s", err, tc.want)
			}
			if strings.Contains(err.Error(), "PRIVATE") || strings.Contains(err.Error(), "line two") || strings.Contains(err.Error(), "kind: Config") {
				t.Fatalf("the error quotes the Secret: %v", err)
			}
			if a.Password != "" || (a.BearerToken != "" && tc.auth.BearerToken != nil) {
				t.Fatalf("a refused value was kept to send: %+v", a)
			}
		})
	}
}

func TestBlackHoleSourceIsBackedOff(t *testing.T) {
	// A listener on loopback that accepts and never answers.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var accepted atomic.Int32
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			t.Cleanup(func() { _ = c.Close() })
		}
	}()
	t.Cleanup(func() { _ = l.Close() })

	clock := testingclock.NewFakeClock(time.Date(2026, 5, 20, 10, 0, 0, 0, time.UTC))
	reader := NewReader(clock, 0, nil)
	src, _ := NewPrometheus("http://"+l.Addr().String(), 200*time.Millisecond, Auth{}, loopback)
	read := func() (time.Duration, error) {
		start := time.Now()
		_, err := reader.Read(context.Background(), src, "up", Vars{}, time.Second)
		return time.Since(start), err
	}
	if _, err := read(); KindOf(err) != TimedOut {
		t.Fatalf("first read: got %v, want TimedOut", err)
	}
	// Past the polling interval but within the first wait (5 s): the read
	// fails at once with the same kind, and nothing is sent.
	clock.Step(2 * time.Second)
	took, err := read()
	if KindOf(err) != TimedOut || !strings.Contains(err.Error(), "tries it again after") {
		t.Fatalf("a read while backed off: got %v, want a fast TimedOut", err)
	}
	if took > 100*time.Millisecond {
		t.Fatalf("a read while backed off took %s", took)
	}
	// After the wait it is tried again, and the next wait is twice as long.
	clock.Step(4 * time.Second)
	if _, err := read(); KindOf(err) != TimedOut {
		t.Fatalf("a retry: got %v", err)
	}
	clock.Step(6 * time.Second)
	if _, err := read(); err == nil || !strings.Contains(err.Error(), "2 times in a row") {
		t.Fatalf("the second wait is not 10 s: %v", err)
	}
	if got := accepted.Load(); got != 2 {
		t.Fatalf("the black hole received %d connections over two attempts, want 2", got)
	}
	if backoffDelay(100) != backoffCap {
		t.Fatalf("the wait is not capped: %s", backoffDelay(100))
	}
}

func TestResolverCutsTimeoutsToTheCeiling(t *testing.T) {
	r := &Resolver{MaxTimeout: 30 * time.Second}
	spec := &v1alpha1.MetricsSource{HTTP: &v1alpha1.HTTPSource{URL: "http://crm", Connection: v1alpha1.Connection{TimeoutSeconds: ptr.To[int32](300)}}}
	to, note := r.Timeout(spec)
	if to != 30*time.Second || !strings.Contains(note, "spec.metrics.source.http.timeoutSeconds 300") {
		t.Fatalf("300 s under a 30 s ceiling: got %s, %q", to, note)
	}
	spec.HTTP.TimeoutSeconds = ptr.To[int32](5)
	if to, note := r.Timeout(spec); to != 5*time.Second || note != "" {
		t.Fatalf("5 s under a 30 s ceiling: got %s, %q", to, note)
	}
	if to, _ := (&Resolver{}).Timeout(&v1alpha1.MetricsSource{Prometheus: &v1alpha1.PrometheusSource{Address: "http://p", Connection: v1alpha1.Connection{TimeoutSeconds: ptr.To[int32](299)}}}); to != DefaultMaxTimeout {
		t.Fatalf("no ceiling set: got %s, want the default %s", to, DefaultMaxTimeout)
	}
}
